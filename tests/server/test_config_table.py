"""README's configuration table against server/config.py, the one home of every setting:
each setting an operator may set has a row, each row names a real setting, and a default
the table states as a value is the value the code uses."""

import re
from pathlib import Path

from server.config import DEFAULTS, GUNICORN_SETTINGS, INTERNAL_SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"
SIZES = {"KB": 1024, "MB": 1024**2, "GB": 1024**3}


def table_rows():
    """{variable: default cell} from the rows of the table under '### Configuration'."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Configuration", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([A-Z_][A-Z0-9_<>]*)`", cells[0])
        defaults = [d.strip() for d in cells[1].split(",")] if len(names) > 1 else [cells[1]]
        first = names[0]
        for i, name in enumerate(names):
            if name.startswith("_"):  # `MODLENS_BATCH_MAX_PAGE_BYTES`, `_FILE_BYTES`: the first name's stem
                name = first.rsplit("_", 2)[0] + name
            name = name.split("__<")[0]  # MODLENS_THRESHOLDS__<ATTRIBUTE>
            rows[name] = defaults[i] if i < len(defaults) else cells[1]
    return rows


def operator_settings():
    return {f"MODLENS_{k}" for k in DEFAULTS if k not in INTERNAL_SETTINGS} | set(GUNICORN_SETTINGS)


def test_every_setting_has_a_row_and_every_row_a_setting():
    documented = set(table_rows())
    assert operator_settings() - documented == set(), "settings missing from README's table"
    assert documented - operator_settings() == set(), "README rows naming no setting in server/config.py"


def stated_value(cell):
    """The value a default cell states, or None when it describes one in words."""
    literal = re.fullmatch(r"`([^`]*)`", cell)
    if literal:
        return literal.group(1)
    size = re.fullmatch(r"(\d+) (KB|MB|GB)", cell)
    if size:
        return str(int(size.group(1)) * SIZES[size.group(2)])
    if re.fullmatch(r"\d+", cell):
        return cell
    return None


def code_value(name):
    value = GUNICORN_SETTINGS[name] if name in GUNICORN_SETTINGS else DEFAULTS[name.removeprefix("MODLENS_")]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_stated_defaults_are_the_codes():
    checked = 0
    for name, cell in table_rows().items():
        stated = stated_value(cell)
        if stated is None:
            continue
        assert stated == code_value(name), f"{name}: README says {cell}, server/config.py {code_value(name)!r}"
        checked += 1
    assert checked >= 20  # most defaults are stated as values, so this test reads most rows


def test_the_table_parser_reads_the_batch_row():
    rows = table_rows()
    assert stated_value(rows["MODLENS_BATCH_MAX_ARCHIVE_BYTES"]) == str(2 * 1024**3)
    assert stated_value(rows["MODLENS_BATCH_MAX_RATIO"]) == "100"


def test_the_scorer_caps_onednn_kernels_as_gunicorn_does():
    from models.runtime import ONEDNN_CACHE_CAPACITY
    from server.config import GUNICORN_SETTINGS

    assert ONEDNN_CACHE_CAPACITY == GUNICORN_SETTINGS["MODLENS_ONEDNN_CACHE_CAPACITY"]
