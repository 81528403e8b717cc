"""server/extraction/ is read outside the service (models/evaluate.py reads the seed
thread with it), so every module of it imports on its own and without Flask; and so does
models/evaluate.py, since nothing under models/ may import Flask."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(f"server.extraction.{path.stem}" for path in (REPO / "server" / "extraction").glob("*.py")
                 if path.stem != "__init__")


@pytest.mark.parametrize("module", ["server.extraction", *MODULES, "models.evaluate"])
def test_imports_alone_without_flask(module):
    # A fresh interpreter for each module: imported first, a module in an import circle
    # fails half-initialised, and sys.modules holds everything the import pulled in.
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'flask'))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"importing {module} imported {result.stdout.strip()}"
