"""Trend-tagging speed from stored vectors: re-tag every paper of a copy of a home, then rerun (no work).

    .venv/bin/python bench/bench_tagging.py --home /tmp/trendscope-homes/sample

Works on a copy (`--copy-to`, default a temporary folder), so the home itself is not touched.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.trend_update import update_trend_tags  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--copy-to", type=Path, default=None)
    args = ap.parse_args()
    dst = args.copy_to or Path(tempfile.mkdtemp(prefix="bench-tagging-"))
    shutil.copy(Home(args.home).db_path, dst / "trendscope.db")
    home = Home(dst)
    db = open_database(home.db_path)
    db.execute("DELETE FROM trend_tag_state")
    db.execute("DELETE FROM trend_versions")
    db.conn.commit()
    t = time.perf_counter()
    first = update_trend_tags(db, home, progress=False)
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    again = update_trend_tags(db, home, progress=False)
    t2 = time.perf_counter() - t
    print(f"tagged {first.tagged} papers ({first.tags} tags) in {t1:.1f} s ({first.tagged / t1:.0f} papers/s); "
          f"rerun: {again.tagged} tagged in {t2:.2f} s")


if __name__ == "__main__":
    main()
