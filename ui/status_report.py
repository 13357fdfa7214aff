"""`trendscope status` and the app's Status page: the ingest stage's status plus the index stage's, and the data
home's settings as every stage's loader reads them (ui/config_check.py)."""
from __future__ import annotations

from datetime import datetime

from trendscope.digest.api import unsent_deliveries
from trendscope.digest.weekly import RETRY_WEEKS
from trendscope.foundation.home import Home
from trendscope.index.doctor import check as doctor_check
from trendscope.index.status import index_status
from trendscope.ingest.status import collect_status
from trendscope.schema import open_home_database
from trendscope.ui.config_check import config_problems, config_warnings
from trendscope.ui.scheduler import last_cycle_problems


def full_status(home: Home, *, weeks: int = 4, now: datetime | None = None, search_index: bool = True) -> dict:
    """One JSON-able dict: corpus, runs, vectors, tags, every stale item of both stages, and the settings'
    problems (`config_problems`; each also listed as a stale item, so that status and the app show it), and the
    search index's health unless `search_index` is False (the app's Status page shows that beside, from `doctor`)."""
    db = open_home_database(home)
    try:
        st = collect_status(db, home, weeks=weeks, now=now)
        idx = index_status(db, home)
        # a missing or damaged FAISS file: only `doctor` and the app said so (a blind walkthrough); the checksum,
        # which reads the whole file, stays doctor's
        search = doctor_check(db, home, verify_checksum=False) if search_index else None
        unsent = unsent_deliveries(db)
    finally:
        db.close()
    if search is not None and not search.ok:
        todo = ("the `trendscope index` run at work writes it when it ends" if idx["index_running_since"] else
                "run `trendscope doctor --repair`")
        idx["stale"].append(f"search index: {'; '.join(search.problems)}: {todo} (search meanwhile builds an index "
                            "in memory)")
    st.update(embeddings=idx["embeddings"], unindexed=idx["unindexed"], tagged_rows=idx["tagged_rows"],
              index_running_since=idx["index_running_since"])
    problems = config_problems(home) + config_warnings(home)
    st["config_problems"] = problems
    st["stale"] = (st["stale"] + idx["stale"] + [f"settings: {p}" for p in problems] + _unsent_lines(unsent)
                   + last_cycle_problems(home))
    st["unsent_deliveries"] = [{"subscription": name, "week": d.week, "target": d.target, "status": d.status,
                                "attempts": d.attempts, "error": d.last_error} for name, d in unsent]
    return st


def _unsent_lines(unsent) -> list[str]:
    """One stale item for the digests that wait for a retry, naming the first few and why they failed."""
    if not unsent:
        return []
    shown = "; ".join(f"{name!r} {d.week} to {d.target}" + (f" ({d.last_error})" if d.last_error else "")
                      for name, d in unsent[:3])
    more = f" and {len(unsent) - 3} more" if len(unsent) > 3 else ""
    return [f"digests: {len(unsent)} not delivered: {shown}{more} (`trendscope digest --send` retries those of the "
            f"{RETRY_WEEKS} weeks before the week it sends; an older one with `--week W --send`)"]
