"""An app factory for running the real `flask score` command in a child process, on the
hash stand-in, so that a test can kill it (SIGKILL) or limit its file sizes.

With `STALL_AFTER=N` and `STALL_MARK=PATH` the scorer scores N threads, then writes PATH
and stops there for good: the test knows exactly how far the run got before it kills it.

With `FILE_SIZE_LIMIT=BYTES` every file this process writes from then on fails past that
size (EFBIG, as a full disk fails with ENOSPC). The language identifier is loaded first,
so that the limit falls on the report's write, which this is for (py3langid unpacks its
model through a temporary file; models/language.py unpacks it in memory when that fails).
"""

import os
import resource
import signal
import time
from pathlib import Path

from batch_doubles import HashScorer

from server import create_app


class StallingScorer(HashScorer):
    def __init__(self, stall_after=None, mark=None):
        super().__init__()
        self.stall_after = stall_after
        self.mark = mark

    def score_thread(self, thread, attributes=None, thresholds=None):
        if self.stall_after is not None and self.calls >= self.stall_after:
            Path(self.mark).write_text(str(self.calls))
            time.sleep(3600)
        return super().score_thread(thread, attributes, thresholds)


def create():
    limit = os.environ.get("FILE_SIZE_LIMIT")
    if limit:
        from models import language

        language.load()
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), int(limit)))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
    stall = os.environ.get("STALL_AFTER")
    scorer = StallingScorer(int(stall) if stall else None, os.environ.get("STALL_MARK"))
    return create_app({"SCORER": scorer, "RATELIMIT_ENABLED": False})
