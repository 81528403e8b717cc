"""Modlens scoring: a pretrained encoder, task heads trained by us, calibrated scores and spans.

Framework-free: nothing here imports flask. `from models import Scorer`.
"""

from .attributes import ATTRIBUTES, DEFAULT_THRESHOLDS, DESCRIPTIONS

__all__ = ["ATTRIBUTES", "DEFAULT_THRESHOLDS", "DESCRIPTIONS", "Scorer"]


def __getattr__(name):
    # The scorer pulls in torch and transformers; importing the attribute table alone
    # (the extension build, the OpenAPI document) should not pay for that.
    if name == "Scorer":
        from .scorer import Scorer

        return Scorer
    raise AttributeError(name)
