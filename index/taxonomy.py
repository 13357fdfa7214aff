"""The trend taxonomy as data: load the packaged TOML, merge the user's file, hash each trend.

The packaged file (`index/taxonomy.toml`) defines the eight trends. A user file (`Home.taxonomy_path`)
can add a trend (a new `[trends.<name>]` table) or override any field of a shipped one; the keys
`add_include`, `add_exclude`, `add_prototypes`, `add_passing` and `add_digest_core` append to the shipped lists.
The optional `digest_core` patterns and `digest_min_strength` are read by the digest ranking only (see
`digest.content`); they are left out of the trend's hashes, so editing them re-tags nothing.

Each trend gets a hash of everything that affects its tags (its merged definition, the shared scoring
parameters and the tagger version), so editing one trend re-tags that trend only.
"""
from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from trendscope.foundation.errors import TrendscopeError

TAGGER_VERSION = "1"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_LIST_APPENDS = {"add_include": "include", "add_exclude": "exclude", "add_prototypes": "prototypes",
                 "add_passing": "passing", "add_digest_core": "digest_core"}
_TREND_KEYS = {"label", "description", "threshold", "categories", "prototypes", "include", "exclude", "passing",
               "digest_core", "digest_min_strength"}
_NOT_HASHED = ("digest_core", "digest_min_strength")  # digest-only fields: editing them changes no tag


@dataclass(frozen=True)
class Phrase:
    """A weighted pattern; `regex` is compiled case-insensitively."""

    pattern: str
    weight: float
    regex: re.Pattern = field(compare=False, repr=False)


@dataclass(frozen=True)
class Trend:
    name: str
    label: str
    description: str
    threshold: float
    categories: tuple[str, ...]
    prototypes: tuple[str, ...]
    include: tuple[Phrase, ...]
    exclude: tuple[Phrase, ...]
    passing: tuple[re.Pattern, ...]
    hash: str         # everything that affects the tags: edit it and the trend is re-tagged
    rules_hash: str   # only what affects the weak labels: edit it and the trend's vector model is retrained
    # digest ranking only: a paper whose title or subject sentence matches one of these has the trend as its
    # subject (see digest.content.has_core); empty: every tagged paper counts as core
    digest_core: tuple[re.Pattern, ...] = ()
    # digest ranking only: the tag strength (logit) a paper needs before a trend digest shows it; None: the
    # digest's global minimum; unset for the shipped trends (digest/calibration.json decides what is shown)
    digest_min_strength: float | None = None


@dataclass(frozen=True)
class Scoring:
    """Parameters shared by all trends (see index/tagger.py for how they are used)."""

    title_factor: float = 2.0
    contribution_factor: float = 1.2
    first_factor: float = 1.0
    body_factor: float = 0.7
    passing_factor: float = 0.35
    repeat_bonus: float = 0.15
    rule_scale: float = 1.0
    rule_offset: float = 2.0
    model_weight: float = 1.0
    rules_only_offset: float = 4.0
    contribution_cues: re.Pattern | None = None
    global_passing: re.Pattern | None = None


@dataclass(frozen=True)
class Taxonomy:
    trends: tuple[Trend, ...]
    scoring: Scoring
    sources: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.trends]

    def get(self, name: str) -> Trend:
        for t in self.trends:
            if t.name == name:
                return t
        raise KeyError(name)

    def hashes(self) -> dict[str, str]:
        return {t.name: t.hash for t in self.trends}

    def rules_hashes(self) -> dict[str, str]:
        return {t.name: t.rules_hash for t in self.trends}


def packaged_taxonomy_text() -> str:
    return resources.files("trendscope.index").joinpath("taxonomy.toml").read_text(encoding="utf-8")


def _parse(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TrendscopeError(f"{source}: invalid TOML: {exc}") from exc


def merge_taxonomy(base: Mapping[str, Any], user: Mapping[str, Any], source: str = "user taxonomy") -> dict:
    """Merge a user taxonomy document into the packaged one (pure; returns a new dict)."""
    out = copy.deepcopy(dict(base))
    out.setdefault("trends", {})
    if "scoring" in user:
        if not isinstance(user["scoring"], dict):
            raise TrendscopeError(f"{source}: [scoring] must be a table")
        out.setdefault("scoring", {}).update(user["scoring"])
    trends = user.get("trends", {})
    if not isinstance(trends, dict):
        raise TrendscopeError(f"{source}: 'trends' must be a table of [trends.<name>] tables")
    for name, spec in trends.items():
        if not isinstance(spec, dict):
            raise TrendscopeError(f"{source}: trends.{name} must be a table")
        if not _NAME_RE.match(name):
            raise TrendscopeError(f"{source}: trend name {name!r} must be lower_snake_case (a-z, 0-9, _)")
        unknown = set(spec) - _TREND_KEYS - set(_LIST_APPENDS) - {"enabled"}
        if unknown:
            raise TrendscopeError(f"{source}: trends.{name}: unknown field(s) {', '.join(sorted(unknown))}")
        target = out["trends"].setdefault(name, {})
        for key, value in spec.items():
            if key in _LIST_APPENDS:
                target.setdefault(_LIST_APPENDS[key], [])
                target[_LIST_APPENDS[key]] = list(target[_LIST_APPENDS[key]]) + list(value)
            else:
                target[key] = copy.deepcopy(value)
    return out


_ESCAPE = re.compile(r"\\.")


def _compile(pattern: str, where: str) -> re.Pattern:
    """Patterns are matched against lower-cased text; only those with upper-case letters pay for IGNORECASE."""
    flags = re.IGNORECASE if any(c.isupper() for c in _ESCAPE.sub("", pattern)) else 0
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise TrendscopeError(f"{where}: bad regular expression {pattern!r}: {exc}") from exc


def _phrases(items: Any, where: str) -> tuple[Phrase, ...]:
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, str):
            item = {"pattern": item, "weight": 1.0}
        if not isinstance(item, dict) or "pattern" not in item:
            raise TrendscopeError(f"{where}[{i}]: expected {{pattern = '...', weight = N}}")
        try:
            weight = float(item.get("weight", 1.0))
        except (TypeError, ValueError) as exc:
            raise TrendscopeError(f"{where}[{i}]: weight must be a number") from exc
        out.append(Phrase(item["pattern"], weight, _compile(item["pattern"], f"{where}[{i}]")))
    return tuple(out)


def _scoring(doc: Mapping[str, Any]) -> Scoring:
    spec = dict(doc.get("scoring", {}))
    kwargs: dict[str, Any] = {}
    for key in ("title_factor", "contribution_factor", "first_factor", "body_factor", "passing_factor",
                "repeat_bonus", "rule_scale", "rule_offset", "model_weight", "rules_only_offset"):
        if key in spec:
            kwargs[key] = float(spec[key])
    for key in ("contribution_cues", "global_passing"):
        if spec.get(key):
            kwargs[key] = _compile(spec[key].strip(), f"scoring.{key}")
    return Scoring(**kwargs)


def _trend_hash(name: str, spec: Mapping[str, Any], scoring_spec: Mapping[str, Any]) -> str:
    blob = json.dumps({"name": name, "trend": spec, "scoring": scoring_spec, "tagger": TAGGER_VERSION},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(blob.encode("utf-8")).hexdigest()[:16]


_RULE_SCORING_KEYS = ("title_factor", "contribution_factor", "first_factor", "body_factor", "passing_factor",
                      "repeat_bonus", "contribution_cues", "global_passing")


def _rules_hash(name: str, spec: Mapping[str, Any], scoring_spec: Mapping[str, Any]) -> str:
    rules = {k: spec.get(k) for k in ("include", "exclude", "passing")}
    scoring = {k: scoring_spec.get(k) for k in _RULE_SCORING_KEYS}
    return _trend_hash(name, rules, scoring)


def build_taxonomy(doc: Mapping[str, Any], sources: tuple[str, ...] = ("packaged",)) -> Taxonomy:
    """Validate and compile a (merged) taxonomy document."""
    scoring = _scoring(doc)
    scoring_spec = doc.get("scoring", {})
    trends = []
    for name, spec in doc.get("trends", {}).items():
        if spec.get("enabled", True) is False:
            continue
        where = f"trends.{name}"
        for key in ("label", "description"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                raise TrendscopeError(f"{where}: '{key}' is required (a non-empty string)")
        threshold = float(spec.get("threshold", 0.5))
        if not 0.0 <= threshold <= 1.0:
            raise TrendscopeError(f"{where}: threshold must be in [0, 1], got {threshold}")
        include = _phrases(spec.get("include"), f"{where}.include")
        min_strength = spec.get("digest_min_strength")
        if min_strength is not None:
            if isinstance(min_strength, bool) or not isinstance(min_strength, (int, float)) or min_strength < 0:
                raise TrendscopeError(f"{where}: digest_min_strength must be a number >= 0, got {min_strength!r}")
            min_strength = float(min_strength)
        hashed = {k: v for k, v in spec.items() if k not in _NOT_HASHED}
        if not include and not spec.get("prototypes"):
            raise TrendscopeError(f"{where}: needs at least one 'include' pattern or 'prototypes' sentence")
        trends.append(
            Trend(
                name=name,
                label=spec["label"].strip(),
                description=spec["description"].strip(),
                threshold=threshold,
                categories=tuple(spec.get("categories", ())),
                prototypes=tuple(spec.get("prototypes", ())),
                include=include,
                exclude=_phrases(spec.get("exclude"), f"{where}.exclude"),
                passing=tuple(_compile(p.strip(), f"{where}.passing") for p in spec.get("passing", ())),
                hash=_trend_hash(name, hashed, scoring_spec),
                rules_hash=_rules_hash(name, hashed, scoring_spec),
                digest_core=tuple(_compile(p.strip(), f"{where}.digest_core") for p in spec.get("digest_core", ())),
                digest_min_strength=min_strength,
            )
        )
    if not trends:
        raise TrendscopeError("the taxonomy defines no trends")
    return Taxonomy(tuple(trends), scoring, sources)


def load_taxonomy(user_path: str | Path | None = None) -> Taxonomy:
    """The packaged taxonomy merged with the user's file (if it exists)."""
    doc = _parse(packaged_taxonomy_text(), "packaged taxonomy.toml")
    sources = ("packaged",)
    if user_path is not None and Path(user_path).exists():
        path = Path(user_path)
        doc = merge_taxonomy(doc, _parse(path.read_text(encoding="utf-8"), str(path)), str(path))
        sources = ("packaged", str(path))
    return build_taxonomy(doc, sources)
