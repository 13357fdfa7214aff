"""SIGKILL an ingest at random points, rerun it, and check: no duplicates, nothing missing, FTS in sync."""
from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from trendscope.ingest.ledger import LedgerStore
from trendscope.ingest.store import PaperStore, open_database

REPO = Path(__file__).resolve().parent.parent
TRIALS = 10


def cli(home: Path, snapshot: Path) -> list[str]:
    return [sys.executable, "-m", "trendscope", "--home", str(home), "ingest", "--snapshot", str(snapshot),
            "--batch-size", "100"]


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


def test_sigkill_at_random_points_then_rerun(tmp_path, sample_rows):
    rows = sample_rows[:3000]
    snap = tmp_path / "snap.jsonl.gz"
    with gzip.open(snap, "wt", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    # calibrate: how long does one whole import take on this machine right now?
    t0 = time.monotonic()
    subprocess.run(cli(tmp_path / "calib", snap), cwd=REPO, env=env, check=True, capture_output=True)
    full = time.monotonic() - t0
    rng = random.Random(20260701)
    partial_states = 0
    for trial in range(TRIALS):
        home = tmp_path / f"home{trial}"
        kills = 2 if trial % 3 == 2 else 1  # some trials also kill the rerun
        for _ in range(kills):
            proc = subprocess.Popen(cli(home, snap), cwd=REPO, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.25, 1.0) * full)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if (home / "trendscope.db").exists():
                n = open_database(home / "trendscope.db").execute("SELECT count(*) FROM papers").fetchone()[0]
                partial_states += 0 < n < len(rows)
        done = subprocess.run(cli(home, snap), cwd=REPO, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        check_home(home, rows)
        ledger = LedgerStore(open_database(home / "trendscope.db"))
        assert ledger.running() == []
    # the kills did land in the middle of imports (not only before start or after the end)
    assert partial_states >= 1
