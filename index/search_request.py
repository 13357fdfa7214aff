"""What a search asks for and what it returns: `SearchRequest` (query, mode, filters, sort, limit), checked by
`validate` before anything runs, with dates given as a year, a month, a day or a span back from today
(`date_bound`); `SearchHit` is one result as the CLI, the app and `--json` show it. `search.Searcher` answers the
requests.
"""
from __future__ import annotations

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
