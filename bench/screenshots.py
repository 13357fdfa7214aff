"""Screenshots of the app for the README: docs/screenshots/{search,trends,paper}.png.

Seeds a data home with ~250 real sample papers (the same seed as the app tests: embedded with the real model,
trend-tagged, a reading list and a subscription), serves it with `trendscope serve`, and photographs the pages
in headless Chromium.

    .venv/bin/python bench/screenshots.py [--home /tmp/ts-app-shots] [--out docs/screenshots]

A `--home` that already holds a database is photographed as it is. The shipped screenshots (2026-12-06) are of a
copy of the 6,000-paper sample home (`bench/build_homes.sh sample`): on the ~250 seeded papers, mostly of 2025-26,
the default query's results were nearly all "Missing: parameter efficient" (a blind walkthrough).
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
SAMPLE = REPO.parent / "shared" / "data" / "arxiv_corpus_sample.jsonl.gz"


def seeded_home(root: Path):
    from app_seed import build_seed

    from trendscope.index.embedder import load_embedder

    if (root / "trendscope.db").exists():
        return root
    rows = [json.loads(line) for line in gzip.open(SAMPLE, "rt", encoding="utf-8")]
    build_seed(root, rows, load_embedder())
    return root


def main() -> None:
    from browser_harness import chromium, click_button, full_screenshot, load, page_text, serve, timed_search, wait_idle

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/ts-app-shots")
    ap.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    ap.add_argument("--query", default="parameter-efficient fine-tuning of language models")
    args = ap.parse_args()
    home = seeded_home(Path(args.home))
    out = Path(args.out)
    with serve(home, log_path=Path("/tmp/screenshots.serve.log")) as url, chromium(width=1400, height=1000) as d:
        load(d, f"{url}/")
        for _ in range(30):  # until the model has loaded and the search is hybrid, not the keyword fallback
            timed_search(d, args.query)
            wait_idle(d)
            if "· hybrid ·" in page_text(d):
                break
            time.sleep(2)
        print(full_screenshot(d, out / "search.png"))
        d.set_window_size(1400, 1000)
        load(d, f"{url}/trends")
        wait_idle(d, settle=1.5)  # charts draw after the run
        print(full_screenshot(d, out / "trends.png"))
        d.set_window_size(1400, 1000)
        load(d, f"{url}/")
        timed_search(d, args.query)
        click_button(d, "Open")
        wait_idle(d, settle=1.0)
        print(full_screenshot(d, out / "paper.png"))


if __name__ == "__main__":
    main()
