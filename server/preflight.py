"""Before the service starts: are the model's weights there, whole, and the ones pinned?

A worker whose weights are missing or damaged would boot, fail to load the model in the
background and answer 503 forever; gunicorn would keep it alive, and a platform's health
check would see a server that is up. Instead the service refuses to start, with one line
that says what is wrong and a non-zero exit: gunicorn.conf.py runs `check_weights` in
the master before any worker forks, and `create_app` runs it again (for `flask run` and
any other host).

Standard library only: gunicorn.conf.py loads this file by its path, so that gunicorn's
master never imports the app (numpy, Flask, the store) that its workers fork from.

What is checked, cheaply (a sha256 of the 10 MB file, well under a second):
- `modlens.safetensors` and `config.json` exist and are readable;
- the safetensors header parses, and every tensor it lists lies inside the file, with
  the size its dtype and shape say, together covering the file exactly (a truncated or
  padded file fails here);
- `config.json` is a JSON object naming the model and its version;
- with a pinned digest (MODLENS_MODEL_SHA256), the sha256 over both files, as
  models/weights.py computes it for every response, is that digest. Only the pin catches
  a flipped byte inside a tensor: the structure alone cannot.
"""

import hashlib
import json
import math
import re
import struct
from pathlib import Path

# models/scorer.py's DEFAULT_WEIGHTS_DIR, restated because this file imports nothing of
# the project; tests/server/test_faults_weights.py keeps the two the same.
DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "models" / "weights"
WEIGHTS_FILE = "modlens.safetensors"
CONFIG_FILE = "config.json"

# Bytes per element of each safetensors dtype.
DTYPE_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
               "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
# The header of our file is a few KB; anything near this is not a safetensors header.
MAX_HEADER_BYTES = 100 * 1024 * 1024
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class WeightsError(RuntimeError):
    """The weights cannot be served; the message is one line saying why and what to do."""


def check_weights(folder=DEFAULT_WEIGHTS_DIR, expected_sha256=None):
    """Check the weights in `folder`; return their sha256, or raise WeightsError."""
    folder = Path(folder)
    weights, config = folder / WEIGHTS_FILE, folder / CONFIG_FILE
    for path in (weights, config):
        if not path.is_file():
            raise WeightsError(f"model weights missing: no {path} (train them with `python -m models.train "
                               f"--data ../shared/data`, or point MODLENS_WEIGHTS_DIR at a folder that has them)")
    if expected_sha256 is not None:
        expected_sha256 = str(expected_sha256).strip().lower()
        if not _SHA256_HEX.match(expected_sha256):
            raise WeightsError(f"MODLENS_MODEL_SHA256 must be a sha256 hex digest, not {expected_sha256!r}")
    try:
        _check_safetensors(weights)
        _check_config(config)
        digest = sha256_of(weights, config)
    except OSError as error:
        raise WeightsError(f"model weights unreadable: {error.filename or folder}: {error.strerror or error}") from None
    if expected_sha256 is not None and digest != expected_sha256:
        raise WeightsError(f"model weights are not the pinned ones: {folder} has sha256 {digest}, "
                           f"MODLENS_MODEL_SHA256 pins {expected_sha256}")
    return digest


def sha256_of(*paths):
    """One digest over the files in order, as models/weights.py `sha256_of` computes it."""
    h = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _check_safetensors(path):
    size = path.stat().st_size

    def damaged(why):
        return WeightsError(f"model weights damaged: {path}: {why}")

    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) < 8:
            raise damaged(f"{size} bytes, too short to be a safetensors file")
        (header_bytes,) = struct.unpack("<Q", prefix)
        if header_bytes > min(MAX_HEADER_BYTES, size - 8):
            raise damaged(f"its header claims {header_bytes} bytes and the file holds {size}")
        try:
            header = json.loads(f.read(header_bytes))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise damaged(f"its header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise damaged("its header is not a JSON object")
    data_bytes = size - 8 - header_bytes
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            begin, stop = (int(x) for x in entry["data_offsets"])
            expected = math.prod(int(n) for n in entry["shape"]) * DTYPE_BYTES[entry["dtype"]]
        except (KeyError, TypeError, ValueError):
            raise damaged(f"tensor {name!r} has no valid dtype, shape and data_offsets") from None
        if not 0 <= begin <= stop <= data_bytes:
            raise damaged(f"tensor {name!r} lies at bytes {begin}-{stop} of {data_bytes}: the file is cut short")
        if stop - begin != expected:
            raise damaged(f"tensor {name!r} takes {stop - begin} bytes where its dtype and shape need {expected}")
        end = max(end, stop)
    if end != data_bytes:
        raise damaged(f"its tensors end at byte {end} of {data_bytes}: the file has bytes it does not describe")


def _check_config(path):
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WeightsError(f"model weights damaged: {path} is not JSON ({error})") from None
    if not isinstance(config, dict) or not all(isinstance(config.get(k), str) for k in ("name", "version")):
        raise WeightsError(f"model weights damaged: {path} does not name the model and its version")
