"""Placeholder until the batch engineer's package lands: the `score` CLI command and `/`."""


def init_app(app):
    pass
