"""The ingest ledger: one row per ingest run, saying what it did and how it ended."""
from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import asdict, dataclass, field

import sqlite_utils

from trendscope.foundation.clock import utc_now_iso
from trendscope.foundation.errors import TrendscopeError


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
    categories: list[str] | None = None  # live runs: the categories asked for
    covered_from: str | None = None  # live runs: first day of the window seen completely
    fingerprint: str | None = None  # snapshot runs: sha256 of the file

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    def error(self, message: str, keep: int = 50) -> None:
        self.errors += 1
        if len(self.error_messages) < keep:
            self.error_messages.append(message)

    def summary(self) -> str:
        return (
            f"{self.source}: {self.outcome}; seen {self.seen}, new {self.new}, updated {self.updated}, "
            f"unchanged {self.skipped}, errors {self.errors}, pages {self.pages}"
        )


class IngestFailed(TrendscopeError):
    """A run that stored nothing and was recorded as failed: the message says why, `run` is its record (what
    `ingest --json` prints: a failed run printed nothing on stdout though the ledger held it)."""

    def __init__(self, message: str, run: IngestRun):
        super().__init__(message)
        self.run = run


class LedgerStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    @staticmethod
    def _row(run: IngestRun) -> dict:
        row = asdict(run)
        row.pop("run_id")
        row["error_messages"] = json.dumps(run.error_messages)
        row["categories"] = json.dumps(run.categories) if run.categories is not None else None
        return row

    def start(self, run: IngestRun) -> IngestRun:
        with self.db.atomic():
            run.run_id = self.db["ingest_runs"].insert(self._row(run)).last_pk
        return run

    def save(self, run: IngestRun) -> None:
        """Write the run's current counters (call it as the run goes, so a killed run still shows)."""
        with self.db.atomic():
            self.db["ingest_runs"].update(run.run_id, self._row(run))

    def mark_interrupted(self) -> int:
        """Runs still 'running' -> 'interrupted'. Call only while holding the ingest lock (no run is live)."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE ingest_runs SET outcome = 'interrupted', ended_at = coalesce(ended_at, ?) "
                "WHERE outcome = 'running'",
                [utc_now_iso()],
            )
        return cur.rowcount

    def completed_snapshot(self, fingerprint: str) -> IngestRun | None:
        """The last snapshot run that read this exact file to the end (bad lines allowed). A run that found the file
        unchanged read no line of it and is not that run (a third import named the second, which had read nothing:
        a blind walkthrough)."""
        row = self.db.execute(
            "SELECT run_id FROM ingest_runs WHERE source = 'snapshot' AND fingerprint = ? "
            "AND outcome IN ('ok', 'partial') AND (seen > 0 OR errors > 0) ORDER BY run_id DESC LIMIT 1",
            [fingerprint],
        ).fetchone()
        return self.get(row[0]) if row else None

    def covered_windows(self, source: str, categories: list[str]) -> list[tuple[str, str]]:
        """(first day, last day) windows that successful runs of `source` saw completely for `categories`
        (runs that asked for a superset of them count too)."""
        rows = self.db.execute(
            "SELECT categories, covered_from, window_end FROM ingest_runs "
            "WHERE source = ? AND outcome = 'ok' AND covered_from IS NOT NULL AND window_end IS NOT NULL",
            [source],
        ).fetchall()
        want = set(categories)
        out = []
        for cats, start, end in rows:
            if want <= set(json.loads(cats or "[]")):
                out.append((start, end))
        return out

    def finish(self, run: IngestRun, outcome: str) -> IngestRun:
        run.outcome = outcome
        run.ended_at = utc_now_iso()
        self.save(run)
        return run

    def mark_failed(self, run: IngestRun) -> None:
        """Record a run stopped by an error as failed, or by Ctrl-C as interrupted (the exception being handled
        says which), if the database lets us. Never raises: a full or read-only database cannot record it, and the
        caller's own error is the one the user must see."""
        outcome = "interrupted" if isinstance(sys.exc_info()[1], KeyboardInterrupt) else "failed"
        with contextlib.suppress(Exception):
            self.finish(run, outcome)

    def recent(self, limit: int = 10) -> list[IngestRun]:
        rows = self.db.query("SELECT * FROM ingest_runs ORDER BY run_id DESC LIMIT ?", [limit])
        out = []
        for r in rows:
            r = dict(r)
            r["error_messages"] = json.loads(r["error_messages"] or "[]")
            r["categories"] = json.loads(r["categories"]) if r.get("categories") else None
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
        return self.get(row[0])

    def get(self, run_id: int) -> IngestRun | None:
        rows = list(self.db.query("SELECT * FROM ingest_runs WHERE run_id = ?", [run_id]))
        if not rows:
            return None
        r = dict(rows[0])
        r["error_messages"] = json.loads(r["error_messages"] or "[]")
        r["categories"] = json.loads(r["categories"]) if r.get("categories") else None
        return IngestRun(**r)

    def last(self, source: str | None = None) -> IngestRun | None:
        q, args = "SELECT run_id FROM ingest_runs", []
        if source:
            q, args = q + " WHERE source = ?", [source]
        row = self.db.execute(q + " ORDER BY run_id DESC LIMIT 1", args).fetchone()
        return self.get(row[0]) if row else None

    def running(self) -> list[IngestRun]:
        ids = [r[0] for r in self.db.execute("SELECT run_id FROM ingest_runs WHERE outcome = 'running'")]
        return [r for r in (self.get(i) for i in ids) if r]
