"""Snapshot import speed vs. a bare `sqlite_utils` `insert_all` of the same rows, measured in the same run.

    .venv/bin/python bench/bench_import.py [SNAPSHOT] [--json]

Measures, each into a fresh database in a temporary directory:
  bare:   `db["papers"].insert_all(rows)` of the already-parsed rows (no reading, no indexes, no FTS);
  ours:   `import_snapshot(...)` end to end from the .gz file (reading + parsing + version checks + categories
          + FTS5 + ledger), the code behind `trendscope ingest --snapshot`;
  rerun:  the same import again (nothing new: must write no paper and take seconds);
  rescan: the same import with force=True (every line parsed and checked against the store, nothing written).
Requirement: ours reaches at least half the bare speed (ratio >= 0.5).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlite_utils  # noqa: E402

from trendscope.ingest.snapshot import import_snapshot, iter_snapshot  # noqa: E402
from trendscope.ingest.store import PaperStore, _row, open_database  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("snapshot", nargs="?", default=str(DEFAULT))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    path = Path(args.snapshot)
    with tempfile.TemporaryDirectory(prefix="ts-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        rows = [_row(p) for _, p in iter_snapshot(path) if not isinstance(p, Exception)]
        read_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        bare = sqlite_utils.Database(tmp / "bare.db")
        bare["papers"].insert_all(rows, batch_size=2000)
        bare.conn.commit()
        bare_s = time.perf_counter() - t0
        bare.close()
        n = len(rows)
        del rows

        db = open_database(tmp / "ours.db")
        t0 = time.perf_counter()
        res = import_snapshot(db, path)
        ours_s = time.perf_counter() - t0
        assert res.run.new == n, (res.run.new, n)

        t0 = time.perf_counter()
        again = import_snapshot(db, path)
        rerun_s = time.perf_counter() - t0
        assert again.run.new == again.run.updated == 0 and again.unchanged_since is not None
        changes = db.conn.total_changes
        t0 = time.perf_counter()
        rescan = import_snapshot(db, path, force=True)  # full rescan: every line parsed and checked
        rescan_s = time.perf_counter() - t0
        assert rescan.run.new == rescan.run.updated == 0
        rescan_writes = db.conn.total_changes - changes - 2  # minus the run's own ledger insert + finish

        t0 = time.perf_counter()
        fts_ok = PaperStore(db).fts_integrity_ok()
        check_s = time.perf_counter() - t0

    out = {
        "snapshot": str(path), "rows": n,
        "read_parse_s": round(read_s, 2),
        "bare_insert_all_s": round(bare_s, 2), "bare_rows_per_s": round(n / bare_s),
        "import_s": round(ours_s, 2), "import_rows_per_s": round(n / ours_s),
        "ratio_vs_bare": round(bare_s / ours_s, 3),
        "ratio_vs_bare_plus_read": round((bare_s + read_s) / ours_s, 3),
        "rerun_s": round(rerun_s, 2), "rerun_new": again.run.new, "rerun_updated": again.run.updated,
        "rescan_force_s": round(rescan_s, 2), "rescan_paper_writes": rescan_writes,
        "fts_integrity_ok": fts_ok, "fts_check_s": round(check_s, 2),
        "meets_half_speed": bare_s / ours_s >= 0.5,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"rows: {n:,}  (read+parse alone {read_s:.1f} s)")
        print(f"bare sqlite_utils insert_all (parsed rows, no indexes/FTS): {bare_s:.1f} s = {n / bare_s:,.0f} rows/s")
        print(f"trendscope import_snapshot (from file, FTS included):      {ours_s:.1f} s = {n / ours_s:,.0f} rows/s")
        print(f"speed ratio ours/bare: {bare_s / ours_s:.2f} (required >= 0.50); "
              f"vs bare incl. reading: {(bare_s + read_s) / ours_s:.2f}")
        print(f"rerun with nothing new: {rerun_s:.1f} s (file unchanged: skipped), new {again.run.new}, "
              f"updated {again.run.updated}")
        print(f"forced full rescan with nothing new: {rescan_s:.1f} s, paper writes {rescan_writes}")
        print(f"FTS integrity check: {'ok' if fts_ok else 'FAILED'} ({check_s:.1f} s)")
    return 0 if out["meets_half_speed"] and fts_ok else 1


if __name__ == "__main__":
    sys.exit(main())
