"""The ingest stage's status: what is stored, what ran, and what is stale, as one JSON-able dict.

The index stage adds its own part (`trendscope.index.status`); `trendscope status` shows both."""
from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import sqlite_utils

from trendscope.foundation.home import Home

from .ledger import LedgerStore
from .runlock import ingest_running
from .store import PaperStore

LIVE_STALE_DAYS = 2
NEWEST_STALE_DAYS = 14  # arXiv announces papers every weekday: two weeks without one is an old corpus
NO_AUTHORS_SHARE = 0.1  # a tenth of the papers without authors is worth a line (most of the shared snapshot)


def _days_ago(iso: str, now: datetime) -> float:
    t = datetime.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return (now - t).total_seconds() / 86400


def collect_status(db: sqlite_utils.Database, home: Home, *, now: datetime | None = None,
                   weeks: int = 4, runs: int = 10) -> dict:
    """Corpus counts, papers per day over the last `weeks` weeks, category counts, recent runs, stale items."""
    now = now or datetime.now(UTC)
    store, ledger = PaperStore(db), LedgerStore(db)
    total = store.count()
    today = now.date()
    first, last = store.date_range(today)
    end = today
    if last and date.fromisoformat(last[:10]) < today - timedelta(days=7 * weeks):
        end = date.fromisoformat(last[:10])  # old snapshot only: show its last weeks instead of zeros
    start = end - timedelta(days=7 * weeks - 1)
    counts = {d[:10]: n for d, n in store.papers_per_day(start.isoformat()) if d and d[:10] <= end.isoformat()}
    per_day = [{"date": (start + timedelta(days=i)).isoformat(),
                "papers": counts.get((start + timedelta(days=i)).isoformat(), 0)}
               for i in range((end - start).days + 1)]
    recent = ledger.recent(runs)
    stale: list[str] = []
    if total == 0:
        stale.append("no papers stored: import a snapshot (trendscope ingest --snapshot PATH) or run trendscope ingest")
    live_ok = ledger.last_success("arxiv-api")
    if live_ok is None:
        stale.append("no successful live arXiv ingest yet (trendscope ingest)")
    else:
        age = _days_ago(live_ok.ended_at or live_ok.started_at, now)
        if age > LIVE_STALE_DAYS:
            stale.append(f"last successful live arXiv ingest was {age:.1f} days ago ({live_ok.ended_at})")
    if last and (today - date.fromisoformat(last[:10])).days > NEWEST_STALE_DAYS:
        stale.append(f"the newest paper was published {last[:10]}, {(today - date.fromisoformat(last[:10])).days} "
                     "days ago: recent weeks' digests and trends are empty (trendscope ingest, or import a newer "
                     "snapshot)")
    last_live = ledger.last("arxiv-api")
    if last_live and last_live.outcome in ("failed", "partial", "interrupted"):
        stale.append(f"last live ingest (run {last_live.run_id}) ended '{last_live.outcome}': "
                     + (last_live.error_messages[-1] if last_live.error_messages else
                        # "see trendscope status" inside status itself (a walkthrough)
                        "stopped by Ctrl-C, a signal or a shutdown; the next run fetches what it missed"
                        if last_live.outcome == "interrupted" else
                        "no error was recorded; `trendscope -v ingest` logs each request"))
    no_authors = store.count_without_authors() if total else 0
    notes: list[str] = []  # worth knowing, not a fault: `status --check` stayed red on every snapshot home for it
    if no_authors and no_authors >= NO_AUTHORS_SHARE * total:  # (a blind walkthrough)
        notes.append(f"{no_authors:,} of {total:,} papers ({no_authors / total:.0%}) have no authors (the snapshot "
                     "they came from has none): au: finds none of them, and their BibTeX entries and author lines "
                     "have no names; ingesting them from the arXiv API (trendscope ingest --id ...) fills them in")
    running = ledger.running()
    if running:
        if ingest_running(home):
            stale.append(f"ingest run {running[-1].run_id} is in progress")
        else:
            for r in running:
                stale.append(f"run {r.run_id} ({r.source}, started {r.started_at}) was interrupted and left "
                             "'running'; rerun the ingest to finish it")
    return {
        "papers": total,
        "papers_without_authors": no_authors,
        "home": str(home.root),
        "database": str(home.db_path),
        "published_from": first,
        "published_to": last,
        "per_day": per_day,
        "categories": [{"category": c, "papers": n} for c, n in store.category_counts(20)],
        "runs": [asdict(r) for r in recent],
        "last_live_success": live_ok.ended_at if live_ok else None,
        "stale": stale,
        "notes": notes,
        "generated_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
