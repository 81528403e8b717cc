"""Site profiles: which forum engine wrote a page, and where its posts are.

The profiles live in `extension/site-profiles.json`, shared with the extension's content
script so that a selector is fixed once for both; `extension/SITE_PROFILES.md` documents
the schema. This module loads them and picks the profile that fits a parsed page.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROFILES_PATH = Path(__file__).resolve().parents[2] / "extension" / "site-profiles.json"

# Detection weights: a generator meta names the engine outright; a marker selector is
# good evidence; a URL pattern is weak (many engines use /topic/ or viewtopic.php).
GENERATOR_WEIGHT = 4
MARKER_WEIGHT = 2
URL_WEIGHT = 1


@dataclass(frozen=True)
class SiteProfile:
    """One engine's entry of site-profiles.json, kept as the plain dict it is."""

    engine: str
    name: str
    spec: dict

    def field(self, key):
        return self.spec.get(key) or {}


@lru_cache(maxsize=4)
def load_profiles(path=PROFILES_PATH):
    """All profiles of the JSON file, in file order (the order breaks detection ties)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("version") != 1:
        raise ValueError(f"{path}: unsupported site profile version {data.get('version')!r}")
    return tuple(SiteProfile(p["engine"], p["name"], p) for p in data["profiles"])


def profile_by_engine(engine, path=PROFILES_PATH):
    for profile in load_profiles(path):
        if profile.engine == engine:
            return profile
    raise KeyError(f"no site profile for engine {engine!r}")


def page_generator(soup):
    meta = soup.find("meta", attrs={"name": re.compile("^generator$", re.I)})
    return (meta.get("content") or "") if meta else ""


def detection_score(profile, soup, url=""):
    """How strongly the page looks like this engine; 0 when the profile finds no post."""
    if not soup.select_one(profile.spec["post"]["selector"]):
        return 0
    detect = profile.field("detect")
    generator = page_generator(soup)
    score = 1  # finding posts at all is the first piece of evidence
    if any(g in generator for g in detect.get("generator", [])):
        score += GENERATOR_WEIGHT
    score += MARKER_WEIGHT * sum(1 for s in detect.get("selectors", []) if soup.select_one(s))
    if url and any(re.search(p, url) for p in detect.get("url_patterns", [])):
        score += URL_WEIGHT
    return score


def detect_profile(soup, url="", profiles=None):
    """The best-fitting profile for a parsed page, or None when no profile finds a post."""
    best, best_score = None, 0
    for profile in profiles or load_profiles():
        score = detection_score(profile, soup, url)
        if score > best_score:
            best, best_score = profile, score
    return best
