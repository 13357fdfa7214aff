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
import functools
import hashlib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from trendscope.foundation.errors import TrendscopeError, os_reason
from trendscope.foundation.files import loads_toml
from trendscope.index.regex_literals import required_literals

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
    # one of these lower-cased strings is in every match (None: unknown); text without any skips the regex
    literals: frozenset[str] | None = field(default=None, compare=False, repr=False)


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
    # subject (see digest.week_context.has_core); empty: every tagged paper counts as core
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
        return loads_toml(text)  # too deep a nesting is bad TOML too, not a RecursionError
    except tomllib.TOMLDecodeError as exc:
        raise TrendscopeError(f"{source}: invalid TOML: {exc}") from exc


# -- validation: every field of a user file is checked before it is used, with a message naming the file,
# the trend and the field (`taxonomy.toml: trends.privacy: threshold must be a number between 0 and 1, got 'high'`)

_TOP_KEYS = {"version", "scoring", "trends"}
_SCORING_NUMBERS = ("title_factor", "contribution_factor", "first_factor", "body_factor", "passing_factor",
                    "repeat_bonus", "rule_scale", "rule_offset", "model_weight", "rules_only_offset")
_SCORING_PATTERNS = ("contribution_cues", "global_passing")
_PHRASE_LISTS = ("include", "exclude", "add_include", "add_exclude")
_PATTERN_LISTS = ("passing", "digest_core", "add_passing", "add_digest_core")
_STRING_LISTS = ("categories", "prototypes", "add_prototypes")


def _show(value: Any) -> str:
    """A value as the user wrote it in TOML (true, not True), shortened."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _got(value: Any) -> str:
    if isinstance(value, str):
        return f"got the string {_show(value)}"
    if isinstance(value, dict):
        return "got a table"
    return f"got {_show(value)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_pattern(value: Any, where: str, source: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise TrendscopeError(f"{source}: {where} must be a string (a regular expression), got {_show(value)}")
    _compile(value.strip(), f"{source}: {where}")


def _check_list(value: Any, where: str, source: str, what: str) -> list:
    if not isinstance(value, list):
        hint = f" (write [{_show(value)}])" if isinstance(value, str) else ""
        raise TrendscopeError(f"{source}: {where} must be a list of {what}, {_got(value)}{hint}")
    return value


def _check_trend(name: str, spec: Mapping[str, Any], source: str) -> None:
    """Types and ranges of every field a trend table sets (a user table before merging, or a merged one)."""
    for key, value in spec.items():
        where = f"trends.{name}: {key}"
        if key in ("label", "description"):
            if not isinstance(value, str) or not value.strip():
                raise TrendscopeError(f"{source}: {where} must be a non-empty string, got {_show(value)}")
        elif key == "threshold":
            if not _is_number(value) or not 0.0 <= value <= 1.0:
                raise TrendscopeError(f"{source}: {where} must be a number between 0 and 1, got {_show(value)}")
        elif key == "enabled":
            if not isinstance(value, bool):
                raise TrendscopeError(f"{source}: {where} must be true or false, got {_show(value)}")
        elif key == "digest_min_strength":
            if not _is_number(value) or value < 0:
                raise TrendscopeError(f"{source}: {where} must be a number >= 0, got {_show(value)}")
        elif key in _STRING_LISTS:
            for i, item in enumerate(_check_list(value, where, source, "strings")):
                if not isinstance(item, str) or not item.strip():
                    raise TrendscopeError(f"{source}: {where}[{i}] must be a string, got {_show(item)}")
        elif key in _PATTERN_LISTS:
            for i, item in enumerate(_check_list(value, where, source, "patterns (regular expressions)")):
                _check_pattern(item, f"{where}[{i}]", source)
        elif key in _PHRASE_LISTS:
            for i, item in enumerate(_check_list(value, where, source, "patterns")):
                if isinstance(item, str):
                    _check_pattern(item, f"{where}[{i}]", source)
                    continue
                if not isinstance(item, dict):
                    raise TrendscopeError(f"{source}: {where}[{i}] must be a pattern string or "
                                          f"{{ pattern = '...', weight = N }}, got {_show(item)}")
                extra = set(item) - {"pattern", "weight"}
                if extra:
                    raise TrendscopeError(f"{source}: {where}[{i}]: unknown field(s) {', '.join(sorted(extra))}")
                if "pattern" not in item:
                    raise TrendscopeError(f"{source}: {where}[{i}].pattern is required")
                _check_pattern(item["pattern"], f"{where}[{i}].pattern", source)
                weight = item.get("weight", 1.0)
                if not _is_number(weight):
                    raise TrendscopeError(f"{source}: {where}[{i}].weight must be a number, got {_show(weight)}")


def _check_scoring(spec: Any, source: str) -> None:
    if not isinstance(spec, dict):
        raise TrendscopeError(f"{source}: [scoring] must be a table, {_got(spec)}")
    unknown = set(spec) - set(_SCORING_NUMBERS) - set(_SCORING_PATTERNS)
    if unknown:
        raise TrendscopeError(f"{source}: scoring: unknown field(s) {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(sorted({*_SCORING_NUMBERS, *_SCORING_PATTERNS}))})")
    for key, value in spec.items():
        if key in _SCORING_NUMBERS and not _is_number(value):
            raise TrendscopeError(f"{source}: scoring: {key} must be a number, got {_show(value)}")
        if key in _SCORING_PATTERNS:
            if not isinstance(value, str):
                raise TrendscopeError(f"{source}: scoring: {key} must be a string (a regular expression), "
                                      f"got {_show(value)}")
            if value.strip():
                _compile(value.strip(), f"{source}: scoring: {key}")


def merge_taxonomy(base: Mapping[str, Any], user: Mapping[str, Any], source: str = "user taxonomy") -> dict:
    """Merge a user taxonomy document into the packaged one (pure; returns a new dict).

    Every field of the user document is validated first; a bad one is a TrendscopeError naming `source`, the
    trend and the field.
    """
    unknown = set(user) - _TOP_KEYS
    if unknown:
        raise TrendscopeError(f"{source}: unknown table(s) or key(s) {', '.join(sorted(unknown))} "
                              "(expected [scoring] and [trends.<name>] tables)")
    out = copy.deepcopy(dict(base))
    out.setdefault("trends", {})
    if "scoring" in user:
        _check_scoring(user["scoring"], source)
        out.setdefault("scoring", {}).update(user["scoring"])
    trends = user.get("trends", {})
    if not isinstance(trends, dict):
        raise TrendscopeError(f"{source}: 'trends' must be a table of [trends.<name>] tables")
    for name, spec in trends.items():
        if not _NAME_RE.match(name):
            raise TrendscopeError(f"{source}: trend name {name!r} must be lower_snake_case (a-z, 0-9, _)")
        if not isinstance(spec, dict):
            raise TrendscopeError(f"{source}: trends.{name} must be a table, {_got(spec)}")
        allowed = _TREND_KEYS | set(_LIST_APPENDS) | {"enabled"}
        unknown = set(spec) - allowed
        if unknown:  # naming the fields there are: an admin guessed "keywords", "phrases", "terms" (a walkthrough)
            raise TrendscopeError(f"{source}: trends.{name}: unknown field(s) {', '.join(sorted(unknown))} "
                                  f"(known: {', '.join(sorted(allowed))}; see docs/index.md)")
        _check_trend(name, spec, source)
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
        regex = _compile(item["pattern"], f"{where}[{i}]")
        out.append(Phrase(item["pattern"], float(item.get("weight", 1.0)), regex, required_literals(regex)))
    return tuple(out)


def _scoring(doc: Mapping[str, Any]) -> Scoring:
    spec = dict(doc.get("scoring", {}))
    kwargs: dict[str, Any] = {}
    for key in _SCORING_NUMBERS:
        if key in spec:
            kwargs[key] = float(spec[key])
    for key in _SCORING_PATTERNS:
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
    """Validate and compile a (merged) taxonomy document; errors name the user's file when there is one."""
    source = sources[-1] if len(sources) > 1 else "packaged taxonomy.toml"
    _check_scoring(doc.get("scoring", {}), source)
    scoring = _scoring(doc)
    scoring_spec = doc.get("scoring", {})
    trends = []
    all_trends = doc.get("trends", {})
    if not isinstance(all_trends, dict):
        raise TrendscopeError(f"{source}: 'trends' must be a table of [trends.<name>] tables")
    for name, spec in all_trends.items():
        if not isinstance(spec, dict):
            raise TrendscopeError(f"{source}: trends.{name} must be a table, {_got(spec)}")
        _check_trend(name, spec, source)
        if spec.get("enabled", True) is False:
            continue
        where = f"trends.{name}"
        for key in ("label", "description"):
            if key not in spec:
                raise TrendscopeError(f"{source}: {where}: {key} is required (a non-empty string)")
        threshold = float(spec.get("threshold", 0.5))
        include = _phrases(spec.get("include"), f"{where}.include")
        min_strength = spec.get("digest_min_strength")
        if min_strength is not None:
            min_strength = float(min_strength)
        hashed = {k: v for k, v in spec.items() if k not in _NOT_HASHED}
        if not include and not spec.get("prototypes"):
            raise TrendscopeError(f"{source}: {where}: needs at least one 'include' pattern or 'prototypes' sentence")
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
        raise TrendscopeError(f"{source}: the taxonomy defines no trends")
    return Taxonomy(tuple(trends), scoring, sources)


def load_taxonomy(user_path: str | Path | None = None) -> Taxonomy:
    """The packaged taxonomy merged with the user's file (if it exists); a bad user file is a one-line
    TrendscopeError naming the file and the field. Parsed once per distinct file content (the taxonomy is
    immutable, so every caller may share it)."""
    if user_path is not None and Path(user_path).exists():
        path = Path(user_path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise TrendscopeError(f"{path}: cannot read it: {os_reason(exc)}") from exc
        return _load_merged(str(path), raw)
    return _load_packaged()


@functools.lru_cache(maxsize=1)
def _load_packaged() -> Taxonomy:
    return build_taxonomy(_parse(packaged_taxonomy_text(), "packaged taxonomy.toml"), ("packaged",))


@functools.lru_cache(maxsize=16)
def _load_merged(path: str, raw: bytes) -> Taxonomy:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise TrendscopeError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                              "save it as UTF-8") from None
    doc = _parse(packaged_taxonomy_text(), "packaged taxonomy.toml")
    doc = merge_taxonomy(doc, _parse(text, path), path)
    return build_taxonomy(doc, ("packaged", path))
