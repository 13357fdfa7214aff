"""The ingest ledger: one row per ingest run, saying what it did and how it ended."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import sqlite_utils


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class IngestRun:
    """The result record of one ingest run (live or snapshot)."""

    source: str
    query: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    pages: int = 0
    seen: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    error_messages: list[str] = field(default_factory=list)
    started_at: str = field(default_factory=utc_now_iso)
    ended_at: str | None = None
    outcome: str = "running"
    run_id: int | None = None

    def error(self, message: str, keep: int = 50) -> None:
        self.errors += 1
        if len(self.error_messages) < keep:
            self.error_messages.append(message)

    def summary(self) -> str:
        return (
            f"{self.source}: {self.outcome}; seen {self.seen}, new {self.new}, updated {self.updated}, "
            f"skipped {self.skipped}, errors {self.errors}, pages {self.pages}"
        )


class LedgerStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def start(self, run: IngestRun) -> IngestRun:
        row = asdict(run)
        row.pop("run_id")
        row["error_messages"] = json.dumps(run.error_messages)
        run.run_id = self.db["ingest_runs"].insert(row).last_pk
        return run

    def save(self, run: IngestRun) -> None:
        """Write the run's current counters (call it as the run goes, so a killed run still shows)."""
        row = asdict(run)
        row.pop("run_id")
        row["error_messages"] = json.dumps(run.error_messages)
        self.db["ingest_runs"].update(run.run_id, row)

    def finish(self, run: IngestRun, outcome: str) -> IngestRun:
        run.outcome = outcome
        run.ended_at = utc_now_iso()
        self.save(run)
        return run

    def recent(self, limit: int = 10) -> list[IngestRun]:
        rows = self.db.query("SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT ?", [limit])
        out = []
        for r in rows:
            r = dict(r)
            r["error_messages"] = json.loads(r["error_messages"] or "[]")
            out.append(IngestRun(**r))
        return out

    def last_success(self, source: str | None = None) -> IngestRun | None:
        q = "SELECT run_id FROM ingest_runs WHERE outcome = 'ok'"
        args: list = []
        if source:
            q += " AND source = ?"
            args.append(source)
        row = self.db.execute(q + " ORDER BY run_id DESC LIMIT 1", args).fetchone()
        if not row:
            return None
        return next(r for r in self.recent(10_000) if r.run_id == row[0])
