"""One meaning of a community id: the extension accepts exactly the ids the server accepts.

The extension checks the community a moderator types for a site before it sends any
verdict (extension/src/shared/settings.js), with its own copy of the server's pattern and
message (server/contract.py). This test runs that file under Node and requires the same
pattern, character for character, the same message, and the same answer for every id below
and for every one-character id in the Basic Multilingual Plane: a copy that merely reads the
same could still differ, as `\\s` and `$` mean different things to the two languages.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from server.contract import COMMUNITY_PATTERN, COMMUNITY_RULE, is_community_id

SETTINGS_JS = Path(__file__).resolve().parents[2] / "extension" / "src" / "shared" / "settings.js"

# Loads the classic script as the service worker does and answers for each id on stdin.
# `new RegExp(pattern).source` writes the server's pattern the way a regex literal's source
# reads, so the comparison is not thrown by how each language spells a slash.
EXTENSION_RULE = r"""
const { readFileSync } = require('node:fs');
require('node:vm').runInThisContext(readFileSync(process.argv[1], 'utf8'));
const { COMMUNITY_PATTERN, COMMUNITY_RULE, isCommunityId } = globalThis.Modlens.settings;
const { pattern, ids } = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify({
  source: COMMUNITY_PATTERN.source, flags: COMMUNITY_PATTERN.flags,
  serverSource: new RegExp(pattern, 'u').source, rule: COMMUNITY_RULE, accepted: ids.map(isCommunityId),
}));
"""

IDS = [
    ("c", True), ("r/python", True), ("r/python/", True), ("a//b", True), ("Coral:https://talk.example/", True),
    ("...", True), (".a", True), ("a.", True), ("./a", True), ("a/..", True), ("%2e%2e", True), ("a\\b", True),
    ("é", True), ("日本語", True), ("😀", True), ("\u200b", True), ("x" * 256, True), ("é" * 128, True),
    ("😀" * 64, True),
    ("", False), ("/", False), ("/r/python", False), (".", False), ("..", False), ("a b", False),
    ("tab\there", False), ("c\n", False), ("\nc", False), ("\x00", False), ("\x1f", False), ("\x7f", False),
    ("\x85", False), ("\xa0", False), ("\u2028", False), ("\u3000", False), ("\ufeff", False),
    ("\ud800", False), ("a\udfff", False), ("x" * 257, False), ("é" * 129, False), ("😀" * 65, False),
]
ONE_CHARACTER_IDS = [chr(code) for code in range(0x10000)]


@pytest.fixture(scope="module")
def extension():
    """The extension's pattern, message and answers for IDS then ONE_CHARACTER_IDS."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the parity test runs the extension's settings under Node")
    ids = [id_ for id_, _ in IDS] + ONE_CHARACTER_IDS
    result = subprocess.run([node, "-e", EXTENSION_RULE, str(SETTINGS_JS)], capture_output=True, encoding="utf-8",
                            input=json.dumps({"pattern": COMMUNITY_PATTERN, "ids": ids}), timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_extension_states_the_servers_pattern_and_message(extension):
    assert (extension["source"], extension["flags"]) == (extension["serverSource"], "u")
    assert extension["rule"] == COMMUNITY_RULE


@pytest.mark.parametrize(("index", "community", "accepted"), [(i, *row) for i, row in enumerate(IDS)],
                         ids=[ascii(id_) if len(id_) < 16 else f"{ascii(id_[0])}x{len(id_)}" for id_, _ in IDS])
def test_an_id_is_accepted_or_refused_alike(extension, index, community, accepted):
    assert is_community_id(community) is accepted, "server"
    assert extension["accepted"][index] is accepted, "extension"


def test_every_one_character_id_is_accepted_or_refused_alike(extension):
    offset = len(IDS)
    differ = [f"U+{ord(c):04X}: server {is_community_id(c)}, extension {extension['accepted'][offset + i]}"
              for i, c in enumerate(ONE_CHARACTER_IDS) if is_community_id(c) != extension["accepted"][offset + i]]
    assert not differ, "\n".join(differ)
