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


@dataclass(frozen=True)
class SiteProfile:
    """One engine's entry of site-profiles.json, kept as the plain dict it is."""

    engine: str
    name: str
    spec: dict

    def field(self, key):
        return self.spec.get(key) or {}


@lru_cache(maxsize=4)
def site_profiles_document(path=PROFILES_PATH):
    """The whole JSON file: profiles, detection weights, text rules and the generic guess."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("version") != 1:
        raise ValueError(f"{path}: unsupported site profile version {data.get('version')!r}")
    return data


@lru_cache(maxsize=4)
def load_profiles(path=PROFILES_PATH):
    """All profiles of the JSON file, in file order (the order breaks detection ties)."""
    return tuple(SiteProfile(p["engine"], p["name"], p) for p in site_profiles_document(path)["profiles"])


def profile_by_engine(engine, path=PROFILES_PATH):
    for profile in load_profiles(path):
        if profile.engine == engine:
            return profile
    raise KeyError(f"no site profile for engine {engine!r}")


def page_generator(soup):
    meta = soup.find("meta", attrs={"name": re.compile("^generator$", re.I)})
    return (meta.get("content") or "") if meta else ""


def evidence(profile, soup, url=""):
    """What on the page points at this engine, as (kind, what) pairs: kind is generator,
    marker or url (the weights of site-profiles.json's `detection`)."""
    detect = profile.field("detect")
    generator = page_generator(soup)
    found = [("generator", g) for g in detect.get("generator", []) if g in generator][:1]
    found += [("marker", s) for s in detect.get("selectors", []) if soup.select_one(s)]
    if url:
        found += [("url", p) for p in detect.get("url_patterns", []) if re.search(p, url)][:1]
    return found


def evidence_weight(found):
    weights = site_profiles_document()["detection"]
    return sum(weights[kind] for kind, _ in found)


def detection_score(profile, soup, url=""):
    """How strongly the page looks like this engine; 0 when the profile finds no post."""
    if not soup.select_one(profile.spec["post"]["selector"]):
        return 0
    return site_profiles_document()["detection"]["posts_found"] + evidence_weight(evidence(profile, soup, url))


def detect_profile(soup, url="", profiles=None):
    """The best-fitting profile for a parsed page, or None when no profile finds a post."""
    best, best_score = None, 0
    for profile in profiles or load_profiles():
        score = detection_score(profile, soup, url)
        if score > best_score:
            best, best_score = profile, score
    return best
