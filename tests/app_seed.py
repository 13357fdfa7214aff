"""A seeded data home for the app tests (AppTest and the real browser): ~250 real sample papers, embedded with
the real model through the search area's `run_index`, trend tags, an ingest run in the ledger, a reading list
and a subscription. Built once per test session (see the `seeded_home` fixtures in the app test modules)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trendscope.foundation.home import Home
from trendscope.ingest.ledger import IngestRun, LedgerStore
from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database

LIST_NAME = "To read"
SUBSCRIPTION = "Efficiency weekly"


@dataclass
class Seed:
    home: Path
    ids: list[str]
    math_id: str  # a paper whose abstract has $...$ LaTeX
    list_ids: list[str]
    titles: dict[str, str] = field(default_factory=dict)


def pick_rows(rows: list[dict], recent: int = 200, older_every: int = 12) -> list[dict]:
    """The `recent` latest papers plus every `older_every`-th paper of the year before (a longer trend chart)."""
    rows = sorted(rows, key=lambda r: (r["published"] or "", r["id"]))
    latest = rows[-recent:]
    year = str(int(latest[0]["published"][:4]) - 1)
    older = [r for r in rows[:-recent] if r["published"][:4] >= year][::older_every]
    return older + latest


def to_paper(r: dict) -> Paper:
    return Paper(id=r["id"], title=r["title"], abstract=r["abstract"], authors=list(r.get("authors") or []),
                 categories=list(r.get("categories") or []), primary_category=r.get("primary_category"),
                 published=r.get("published"), updated=r.get("updated"), version=1)


def build_seed(root: Path, rows: list[dict], embedder) -> Seed:
    """Fill a fresh data home through the real APIs of every area."""
    from trendscope.digest.model import Subscription
    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.index.indexer import run_index
    from trendscope.index.trend_update import update_trend_tags
    from trendscope.reading.lists import ReadingLists

    home = Home(root).ensure()
    chosen = pick_rows(rows)
    db = open_database(home.db_path)
    ledger = LedgerStore(db)
    run = ledger.start(IngestRun(source="snapshot", query="arxiv_corpus_sample.jsonl.gz"))
    counts = PaperStore(db).upsert(to_paper(r) for r in chosen)
    run.seen, run.new = len(chosen), counts.new
    run.error("line 7: field 'published': not a date: '2026-13-45' (skipped)")
    ledger.finish(run, "partial")
    run_index(db, home, embedder=embedder, progress=False)
    update_trend_tags(db, home, progress=False)

    ids = [r["id"] for r in chosen]
    math_id = next(r["id"] for r in reversed(chosen[:-2]) if "$" in r["abstract"])
    rl = ReadingLists(db)
    rl.create(LIST_NAME)
    list_ids = [ids[-1], ids[-2], math_id]
    rl.add(LIST_NAME, list_ids)
    rl.set_note(LIST_NAME, ids[-1], "Read section 3 first")
    rl.set_status(LIST_NAME, [ids[-2]], "reading")
    SubscriptionStore(db).add(Subscription(name=SUBSCRIPTION, trends=["efficiency"], size=5,
                                           emails=["me@example.org"]))
    db.close()
    return Seed(home=root, ids=ids, math_id=math_id, list_ids=list_ids,
                titles={r["id"]: r["title"] for r in chosen})


_SEEDS: dict[str, Seed] = {}


def session_seed(tmp_path_factory, rows: list[dict], embedder) -> Seed:
    """The seeded home, built once per test session and shared by every app test module."""
    if "seed" not in _SEEDS:
        _SEEDS["seed"] = build_seed(tmp_path_factory.mktemp("app_seed") / "home", rows, embedder)
    return _SEEDS["seed"]
