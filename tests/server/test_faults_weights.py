"""Missing, damaged or unpinned weights: the service refuses to start, in one line.

gunicorn is started for real (the Procfile's command) on copies of the weights that a
test breaks; it must exit non-zero before any worker boots, saying why in one line, with
no traceback. The checks themselves (server/preflight.py) are also run in-process.
"""

import shutil
import subprocess

import pytest
from gunicorn_helpers import REPO, clean_env, free_port, gunicorn_command

from server import ConfigError, create_app, preflight

WEIGHTS = preflight.DEFAULT_WEIGHTS_DIR


@pytest.fixture
def weights_copy(tmp_path):
    folder = tmp_path / "weights"
    folder.mkdir()
    for name in (preflight.WEIGHTS_FILE, preflight.CONFIG_FILE):
        shutil.copyfile(WEIGHTS / name, folder / name)
    return folder


def truncate(path, keep):
    data = path.read_bytes()
    path.write_bytes(data[:keep])


BREAKS = {
    "missing folder": (lambda f: shutil.rmtree(f), "model weights missing"),
    "missing config": (lambda f: (f / preflight.CONFIG_FILE).unlink(), "model weights missing"),
    "cut short": (lambda f: truncate(f / preflight.WEIGHTS_FILE, 5_000_000), "cut short"),
    "header cut": (lambda f: truncate(f / preflight.WEIGHTS_FILE, 200), "header claims"),
    "garbage header": (lambda f: (f / preflight.WEIGHTS_FILE).write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json at all!"),
                       "not JSON"),
    "empty file": (lambda f: (f / preflight.WEIGHTS_FILE).write_bytes(b""), "too short"),
    "padded": (lambda f: (f / preflight.WEIGHTS_FILE).open("ab").write(b"\0" * 64), "does not describe"),
    "config not JSON": (lambda f: (f / preflight.CONFIG_FILE).write_text("{'name': "), "not JSON"),
    "config without version": (lambda f: (f / preflight.CONFIG_FILE).write_text('{"name": "x"}'), "version"),
}


def test_the_preflight_reads_the_folder_and_digest_the_model_reads():
    from models.scorer import DEFAULT_WEIGHTS_DIR
    from models.weights import load_weights

    assert preflight.DEFAULT_WEIGHTS_DIR == DEFAULT_WEIGHTS_DIR
    assert preflight.check_weights() == load_weights(DEFAULT_WEIGHTS_DIR)[2]


@pytest.mark.parametrize("name", BREAKS)
def test_broken_weights_are_named(weights_copy, name):
    breaks, message = BREAKS[name]
    breaks(weights_copy)
    with pytest.raises(preflight.WeightsError, match=message) as error:
        preflight.check_weights(weights_copy)
    assert "\n" not in str(error.value)
    # create_app refuses the same way (flask run, or any other host than gunicorn).
    with pytest.raises(ConfigError, match=message):
        create_app({"WEIGHTS_DIR": str(weights_copy)})


def test_a_flipped_byte_is_caught_only_by_a_pin(weights_copy):
    good = preflight.check_weights(weights_copy)
    path = weights_copy / preflight.WEIGHTS_FILE
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF  # inside the last tensor: the structure is still whole
    path.write_bytes(bytes(data))
    assert preflight.check_weights(weights_copy) != good
    with pytest.raises(preflight.WeightsError, match="not the pinned ones"):
        preflight.check_weights(weights_copy, good)


def test_a_malformed_pin_refuses_to_start():
    with pytest.raises(ConfigError, match="MODEL_SHA256"):
        create_app({"MODEL_SHA256": "abc"})


def start_gunicorn(tmp_path, **env):
    """Run the Procfile's gunicorn to its end; (exit status, output)."""
    done = subprocess.run(gunicorn_command(), cwd=REPO, env=clean_env(PORT=free_port(), WEB_CONCURRENCY=1, **env),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return done.returncode, done.stdout.decode(errors="replace")


@pytest.mark.parametrize("name, expected", [("missing folder", "model weights missing"), ("cut short", "model weights damaged"),
                                            ("config not JSON", "model weights damaged")])
def test_gunicorn_refuses_to_start_on_broken_weights(tmp_path, weights_copy, name, expected):
    BREAKS[name][0](weights_copy)
    status, output = start_gunicorn(tmp_path, MODLENS_WEIGHTS_DIR=weights_copy)
    assert status != 0, output
    reasons = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(reasons) == 1 and expected in reasons[0], output
    assert "Traceback" not in output and "Booting worker" not in output, output


def test_gunicorn_refuses_weights_that_are_not_the_pinned_ones(tmp_path):
    status, output = start_gunicorn(tmp_path, MODLENS_MODEL_SHA256="0" * 64)
    assert status != 0, output
    assert "Error: model weights are not the pinned ones" in output and "0" * 64 in output, output
    assert "Traceback" not in output and "Booting worker" not in output, output
