"""SIGKILL an ingest in the middle of its work, rerun it, and check: no duplicates, nothing missing, FTS in sync."""
from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trendscope.ingest.ledger import LedgerStore
from trendscope.ingest.store import PaperStore, open_database

TRIALS = 10


def cli(home: Path, snapshot: Path) -> list[str]:
    return [sys.executable, "-m", "trendscope", "--home", str(home), "ingest", "--snapshot", str(snapshot),
            "--batch-size", "50"]


def check_home(home: Path, rows: list[dict]) -> None:
    db = open_database(home / "trendscope.db")
    store = PaperStore(db)
    ids = [r[0] for r in db.execute("SELECT id FROM papers")]
    assert len(ids) == len(set(ids)) == len(rows), "duplicates or missing papers"
    assert set(ids) == {r["id"] for r in rows}
    cats = db.execute("SELECT count(*) FROM paper_categories").fetchone()[0]
    assert cats == sum(len(set(r["categories"])) for r in rows)
    assert store.fts_integrity_ok()
    assert db.execute("SELECT count(*) FROM papers_fts").fetchone()[0] == len(rows)
    probe = rows[len(rows) // 2]
    word = max(probe["title"].split(), key=len).strip(".,:;()[]{}\"'?!")
    hits = {r[0] for r in db.execute(
        "SELECT p.id FROM papers_fts JOIN papers p ON p.pk = papers_fts.rowid WHERE papers_fts MATCH ?",
        [json.dumps(word)])}
    assert probe["id"] in hits
    runs = LedgerStore(db).recent(50)
    assert runs[0].outcome == "ok" and all(r.outcome != "running" for r in runs)


def _papers_stored(home: Path) -> int:
    db_path = home / "trendscope.db"
    if not db_path.exists():
        return 0
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM papers").fetchone()[0]
    except sqlite3.OperationalError:  # schema not created yet
        return 0
    finally:
        conn.close()


def _kill_when_stored(proc: subprocess.Popen, home: Path, at_least: int, deadline_s: float = 300) -> int:
    """SIGKILL `proc` as soon as at least `at_least` papers are committed; returns the count seen then."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end and proc.poll() is None:
        n = _papers_stored(home)
        if n >= at_least:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return n
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    raise AssertionError(f"the import ended before {at_least} papers were stored")


@pytest.mark.slow
def test_sigkill_in_the_middle_then_rerun(tmp_path, sample_rows):
    rows = sample_rows[:3000]
    snap = tmp_path / "snap.jsonl.gz"
    with gzip.open(snap, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    env = dict(os.environ)
    for trial in range(TRIALS):
        home = tmp_path / f"home{trial}"
        # kill points spread over the import: after 10%..90% of the papers are committed
        targets = [len(rows) * (1 + trial % 9) // 10]
        if trial % 3 == 2:  # some trials also kill the rerun, later on
            targets.append(min(len(rows) - 100, targets[0] + len(rows) // 10))
        for target in targets:
            proc = subprocess.Popen(cli(home, snap), cwd=tmp_path, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seen = _kill_when_stored(proc, home, target)
            assert target <= seen < len(rows), (target, seen)  # killed mid-import, with work left to do
        done = subprocess.run(cli(home, snap), cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        check_home(home, rows)
        ledger = LedgerStore(open_database(home / "trendscope.db"))
        assert ledger.running() == []


def test_sigterm_records_the_run_as_interrupted_and_ends_as_sigterm(tmp_path, sample_rows):
    """An operations walkthrough stopped an ingest as systemd does (SIGTERM): the run stayed "running" in `status`
    until the next run, where Ctrl-C recorded it as interrupted. Now both are recorded so, and the process still
    ends by SIGTERM (what systemd takes for a clean stop), not with "Aborted!" and exit status 1."""
    rows = sample_rows[:3000]
    snap = tmp_path / "snap.jsonl.gz"
    with gzip.open(snap, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    home = tmp_path / "home"
    proc = subprocess.Popen(cli(home, snap), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    end = time.monotonic() + 300
    while _papers_stored(home) < 100 and proc.poll() is None and time.monotonic() < end:
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGTERM, (proc.returncode, err)
    assert "Aborted" not in err and "Traceback" not in err, err
    runs = LedgerStore(open_database(home / "trendscope.db")).recent(5)
    assert [r.outcome for r in runs] == ["interrupted"]
