"""What a search asks for and what it returns: `SearchRequest` (query, mode, filters, sort, limit), checked by
`validate` before anything runs, with dates given as a year, a month, a day or a span back from today
(`date_bound`); `SearchHit` is one result as the CLI, the app and `--json` show it. `search.Searcher` answers the
requests.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from trendscope.foundation.clock import parse_day
from trendscope.foundation.errors import TrendscopeError

MODES = ("hybrid", "semantic", "keyword")
SORTS = ("relevance", "date")
MAX_LIMIT = 1000


@dataclass
class SearchRequest:
    query: str
    mode: str = "hybrid"
    categories: list[str] = field(default_factory=list)
    trends: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"
    limit: int = 10
    all_words: bool = False  # every plain word required (else plain words rank and only +word filters)
    # a `-cat:` category no stored paper has: an error (a typo), or, for a saved query (digests), nothing to exclude
    strict_exclusions: bool = True


@dataclass
class SearchHit:
    pk: int
    id: str
    title: str
    score: float
    published: str | None
    categories: list[str]
    authors: list[str]
    abstract: str
    snippet: str
    missing: list[str] = field(default_factory=list)  # query words (optional ones) this paper does not contain
    withdrawn: str | None = None  # what a withdrawn paper says of it ("This paper has been withdrawn ..."), else None

    def to_json(self) -> dict:
        return asdict(self)


def date_bound(text: str | None, end: bool, name: str) -> str | None:
    """'2024' / '2024-03' / '2024-03-05' / '30d' -> an ISO date (a period's first day, or its last when `end`)."""
    day = parse_day(text, f"--{name}", end=end)
    return day.isoformat() if day else None


def validate(req: SearchRequest) -> None:
    if req.mode not in MODES:
        raise TrendscopeError(f"unknown search mode {req.mode!r} (one of: {', '.join(MODES)})")
    if req.sort not in SORTS:
        raise TrendscopeError(f"unknown sort {req.sort!r} (one of: {', '.join(SORTS)})")
    if not 1 <= int(req.limit) <= MAX_LIMIT:
        raise TrendscopeError(f"limit must be between 1 and {MAX_LIMIT}")


def date_window(since: str | None, until: str | None) -> tuple[str | None, str | None]:
    """`--since`/`--until` as ISO dates, both ends included; an empty window is one clear error, not no results."""
    lo, hi = date_bound(since, False, "since"), date_bound(until, True, "until")
    if lo and hi and lo > hi:
        raise TrendscopeError(f"empty window: --since {since} ({lo}) is after --until {until} ({hi})")
    return lo, hi


def checked_filters(categories: Sequence[str], trends: Sequence[str], known_trends: Sequence[str],
                    spelled: Callable[[str], str | None]) -> list[str]:
    """The categories as the corpus spells them (`cs.sd` -> `cs.SD`), after checking that every trend exists and
    every category occurs: a typo is one clear error instead of a silently empty result. `spelled(category)`
    gives the corpus's spelling, or None when no paper has the category."""
    bad = [t for t in trends if t not in known_trends]
    if bad:
        raise TrendscopeError(f"unknown trend(s): {', '.join(bad)} (known: {', '.join(known_trends)})")
    out, missing = [], []
    for c in dict.fromkeys(categories):
        found = spelled(c)
        if found is None:
            missing.append(c)
        elif found not in out:
            out.append(found)
    if missing:
        raise TrendscopeError(f"no paper in category {', '.join(missing)} (categories are written like cs.CL or "
                              "stat.ML; `trendscope status` lists the largest)")
    return out


def words_none_holds(hits: Sequence[SearchHit], query: str) -> list[str]:
    """The query's words when no hit holds any of them (the hits were found by meaning alone: "zzqxv
    nonexistentword" listed ten papers, each "missing" both, with nothing to say no paper has either); else []."""
    from .fts_query import parse_query

    pq = parse_query(query)
    labels = [g.label for g in pq.optional]
    if not hits or not labels or len(labels) != len(pq.groups):
        return []
    # a word the query also excludes ("lora -lora") is missing from every hit by the query's own wish: "no stored
    # paper holds lora" was said while many do (a blind walkthrough)
    excluded = {" ".join(i.words).lower() for i in pq.excluded}
    labels = [label for label in labels if label.lower() not in excluded]
    return labels if labels and all(set(h.missing) >= set(labels) for h in hits) else []


def long_query_note(query: str, mode: str) -> str | None:
    """What a long query (a pasted abstract) was searched with, when part of it was embedded only: its first
    `MAX_ITEMS` terms are matched as words, the whole text by meaning (keyword mode reads only those terms)."""
    from .fts_query import MAX_ITEMS, parse_query

    try:
        rest = parse_query(query).embedded_only
    except TrendscopeError:  # the search itself says what is wrong with the query
        return None
    if not rest or mode == "semantic":  # semantic mode matches no words: it read the whole text by its meaning
        return None
    if mode == "keyword":
        return (f"a long query: only its first {MAX_ITEMS} terms were matched ({rest} more left out); hybrid or "
                "semantic mode also reads the rest by its meaning")
    return f"a long query: its first {MAX_ITEMS} terms were matched as words ({rest} more only by meaning)"


def unclosed_quote_note(query: str) -> str | None:
    """What a query whose last quote is not closed was searched as: the words after it as one phrase (`"unterminated
    phrase` said a bare "no results": a blind walkthrough)."""
    from .fts_query import normalize

    text = normalize(query)
    if text.count('"') % 2 == 0:
        return None
    rest = " ".join(text[text.rindex('"') + 1:].split())
    if not rest:
        return None
    shown = rest if len(rest) <= 60 else rest[:59] + "…"
    return (f"the last quote is not closed, so “{shown}” was searched as one phrase: close it where the phrase ends, "
            "or leave the quote out to match the words anywhere")


# names written as if they were search fields ("year:2024"): searched as words, "missing: year:2024" on every hit
# without a word of why (a blind walkthrough)
_NOT_FIELDS = ("year", "date", "since", "until", "before", "after", "venue", "journal", "conf", "trend", "tag",
               "lang", "sort", "type", "keyword", "keywords", "kw", "subject")
_NOT_FIELD_RE = re.compile(r"(?i)(?<![\w:])(" + "|".join(_NOT_FIELDS) + r"):\S")


def unknown_field_note(query: str) -> str | None:
    """What a query's `year:2024`-like part was searched as, and what to write instead."""
    found = list(dict.fromkeys(m.group(1).lower() for m in _NOT_FIELD_RE.finditer(query or "")))
    if not found:
        return None
    named = ", ".join(f"{f}:" for f in found)
    return (f"{named} {'is' if len(found) == 1 else 'are'} no search field{'s' if len(found) > 1 else ''} here, so it "
            "was searched as words: the fields are ti:, au:, abs: and cat:, and dates are set by --since and --until "
            "or the app's Published filter")

