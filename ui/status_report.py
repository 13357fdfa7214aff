"""`trendscope status` and the app's Status page: the ingest stage's status plus the index stage's, and the data
home's settings as every stage's loader reads them (ui/config_check.py)."""
from __future__ import annotations

from datetime import datetime

from trendscope.foundation.home import Home
from trendscope.index.status import index_status
from trendscope.ingest.status import collect_status
from trendscope.schema import open_home_database
from trendscope.ui.config_check import config_problems, config_warnings


def full_status(home: Home, *, weeks: int = 4, now: datetime | None = None) -> dict:
    """One JSON-able dict: corpus, runs, vectors, tags, every stale item of both stages, and the settings'
    problems (`config_problems`; each also listed as a stale item, so that status and the app show it)."""
    db = open_home_database(home)
    try:
        st = collect_status(db, home, weeks=weeks, now=now)
        idx = index_status(db)
    finally:
        db.close()
    st.update(embeddings=idx["embeddings"], unindexed=idx["unindexed"], tagged_rows=idx["tagged_rows"])
    problems = config_problems(home) + config_warnings(home)
    st["config_problems"] = problems
    st["stale"] = st["stale"] + idx["stale"] + [f"settings: {p}" for p in problems]
    return st
