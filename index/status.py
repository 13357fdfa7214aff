"""The index stage's status: vectors stored, papers waiting to be embedded, trend tags written."""
from __future__ import annotations

import sqlite_utils

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home

from .index_run import index_running, running_note
from .trend_store import TrendStore
from .trend_update import RETAG_REASONS, trends_to_retag
from .vector_store import VectorStore


def index_status(db: sqlite_utils.Database, home: Home | None = None) -> dict:
    """`embeddings`, `unindexed` (papers with no current vector for the model in use) and `tagged_rows`; with the
    `home`, its trends whose tags the next `trendscope index` re-tags are stale items too, and
    `index_running_since` says when a run now at work started (None when none runs)."""
    vectors, trends = VectorStore(db), TrendStore(db)
    model = vectors.model_in_use()
    embedded = vectors.count()
    unindexed = vectors.count_pending(model) if model else vectors.count_unembedded()
    running = index_running(home) if home is not None else None
    todo = running_note(running) if running else "run trendscope index"
    stale = [f"{unindexed:,} papers are not indexed yet: {todo}"] if unindexed else []
    if home is not None:
        stale += outdated_tag_lines(db, home)
    return {"embeddings": embedded, "unindexed": unindexed, "tagged_rows": trends.tag_rows(), "stale": stale,
            "index_running_since": running.isoformat(timespec="seconds") if running else None}


def outdated_tag_lines(db: sqlite_utils.Database, home: Home) -> list[str]:
    """"trend tags out of date for ... : the next `trendscope index` ... re-tags every paper for them", one line per
    reason (a millisecond: the Trends page says it beside the counts those tags make)."""
    try:
        return _retag_lines(trends_to_retag(db, home))
    except TrendscopeError:
        return []  # a broken taxonomy.toml: the settings check names it (ui/config_check.py), and status shows the rest


def _retag_lines(why: dict[str, str]) -> list[str]:
    """One stale item per reason: the trends whose tags are out of date, and what brings them up to date."""
    groups: dict[str, list[str]] = {}
    for trend, reason in why.items():
        groups.setdefault(reason, []).append(trend)
    return [f"trend tags out of date for {', '.join(names)} ({RETAG_REASONS[reason]}): the next `trendscope "
            "index` (or scheduled run) re-tags every paper for them" for reason, names in groups.items()]
