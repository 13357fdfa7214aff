"""Fetch + structure time of the four real arXiv PDFs through a local fake arXiv (`/pdf/<id>`), the way
`trendscope fetch` does it: HTTP download through the polite session, pypdfium2 extraction, layout analysis,
reference matching against the home's corpus, and the SQLite write.

    .venv/bin/python bench/bench_fulltext.py                       # a fresh empty home
    .venv/bin/python bench/bench_fulltext.py --home /work/homes/full --repeat 3   # match against a big corpus

Each paper is fetched into a fresh copy of the full-text tables (`--refetch`), best of `--repeat` runs.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    from arxiv_server import FakeArxiv

    from trendscope.foundation.home import Home
    from trendscope.ingest.fulltext import fetch_fulltext
    from trendscope.schema import open_home_database

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", help="data home whose corpus references are matched against (default: empty)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    shared = Path(os.environ.get("TRENDSCOPE_SHARED", REPO.parent / "shared"))
    pdfs = {p.name.split("v")[0]: p.read_bytes() for p in sorted((shared / "data/fixtures/pdf").glob("*.pdf"))}
    home = Home(Path(args.home)) if args.home else Home(Path(tempfile.mkdtemp()) / "home")
    db = open_home_database(home)
    rows = []
    with FakeArxiv([], pdfs=pdfs) as srv:
        for pid, data in pdfs.items():
            best = None
            for _ in range(args.repeat):
                (o,) = fetch_fulltext(db, home, [pid], refetch=True, base_url=srv.pdf_url, delay_s=0)
                best = o if best is None or o.seconds < best.seconds else best
            rows.append({"id": pid, "mb": round(len(data) / 1e6, 2), "seconds": round(best.seconds, 2),
                         "sections": best.sections, "references": best.references, "matched": best.matched})
            print(rows[-1])
    print(json.dumps({"home": str(home.root), "load": os.getloadavg(), "papers": rows}, indent=2))


if __name__ == "__main__":
    t = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t:.1f} s")
