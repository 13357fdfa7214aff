"""`trendscope status` and the app's Status page: the ingest stage's status plus the index stage's."""
from __future__ import annotations

from datetime import datetime

from trendscope.foundation.home import Home
from trendscope.index.status import index_status
from trendscope.ingest.status import collect_status
from trendscope.schema import open_home_database


def full_status(home: Home, *, weeks: int = 4, now: datetime | None = None) -> dict:
    """One JSON-able dict: corpus, runs, vectors, tags and every stale item of both stages."""
    db = open_home_database(home)
    try:
        st = collect_status(db, home, weeks=weeks, now=now)
        idx = index_status(db)
    finally:
        db.close()
    st.update(embeddings=idx["embeddings"], unindexed=idx["unindexed"], tagged_rows=idx["tagged_rows"])
    st["stale"] = st["stale"] + idx["stale"]
    return st
