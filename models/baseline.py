"""The quality report's point of comparison: logistic heads on the frozen pretrained
encoder's sentence states (`models/train.py:fit_baseline`), calibrated and scored through
the same windows, segments and rules as the served model.

    FrozenBaseline.load()            # the committed weights' baseline heads

It is never served; it lives apart so that the served scorer's forward pass has no
branch for it.
"""

from __future__ import annotations

from .scorer import Scorer


class FrozenBaseline(Scorer):
    """A Scorer whose heads read the pretrained top, with no reply context or word head."""

    variant = "baseline"
    HEADS_READ_PRETRAINED_TOP = True
    HEAD_PREFIX, CALIBRATION, EXTRA_HEADS, NAME_SUFFIX = "baseline", "baseline_calibration", False, "-frozen-baseline"
