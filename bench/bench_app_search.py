"""Warm search time in a real browser: submit -> results shown, measured in headless Chromium against a
running `trendscope serve`.

    .venv/bin/python bench/bench_app_search.py                      # the search bench's full-corpus home
    .venv/bin/python bench/bench_app_search.py --home /tmp/ts-app-shots --queries 20

The time is taken inside the page with `performance.now()`: from the click on "Search" to (a) the results
line for that query being on screen (`first`) and (b) the script run being finished with every result card
rendered (`done`). The model and the FAISS index are warmed by two searches first; with `--cold` nothing is
warmed by hand: the server is started, the page loaded (which starts the app's background warm-up) and the
first search is timed after `--think` seconds (a user typing a query), hybrid and keyword. The home defaults to the
one `bench/bench_search.py` builds (/tmp/ts-bench-full: the full 162,699-paper corpus with its FAISS index);
without it, pass any home (e.g. the one `bench/screenshots.py` seeds).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

QUERIES = [
    "diffusion models for video generation", "speech recognition", "reinforcement learning from human feedback",
    "differential privacy", "vision transformer", "graph neural networks", "low-rank adaptation",
    "retrieval augmented generation", "continual learning without forgetting", "mixture of experts",
    "model quantization", "explainable AI", "zero-shot classification", "contrastive learning",
    "multimodal large language models", "federated learning", "knowledge distillation", "machine translation",
    "fairness in machine learning", "self-supervised speech representations", "3D object detection",
    "prompt tuning", "hallucination in LLMs", "protein structure prediction",
]


def main() -> None:
    from browser_harness import browser_missing, chromium, load, serve, timed_search

    from trendscope.foundation.home import Home
    from trendscope.ingest.store import open_database

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/ts-bench-full")
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--out", help="write the measurements as JSON here")
    ap.add_argument("--cold", action="store_true", help="time the first search after the server starts")
    ap.add_argument("--think", type=float, default=2.0, help="--cold: seconds between page up and the search")
    args = ap.parse_args()

    if browser_missing():
        raise SystemExit(browser_missing())
    home = Home.resolve(args.home)
    if not home.db_path.exists():
        raise SystemExit(f"{home.db_path} does not exist: build it with bench/bench_search.py (full corpus) or "
                         "bench/screenshots.py (seeded sample), or pass --home")
    db = open_database(home.db_path)
    papers = db.execute("SELECT count(*) FROM papers").fetchone()[0]
    vectors = db.execute("SELECT count(*) FROM embeddings").fetchone()[0] if "embeddings" in db.table_names() else 0
    db.close()
    print(f"home {home.root}: {papers:,} papers, {vectors:,} vectors; load average {os.getloadavg()}")

    if args.cold:
        cold(home, args)
        return
    queries = (QUERIES * (args.queries // len(QUERIES) + 1))[: args.queries]
    rows = []
    t_start = time.perf_counter()
    with serve(home.root, log_path=Path("/tmp/bench_app_search.serve.log"), timeout=300) as url, chromium() as d:
        load(d, f"{url}/", timeout=300)
        for q in ("warm up the model", "warm up the index"):
            timed_search(d, q)
        for q in queries:
            r = timed_search(d, q)
            caption = d.execute_script(
                "return [...document.querySelectorAll('[data-testid=\"stCaptionContainer\"]')]"
                ".map(e => e.innerText).find(t => t.includes(' results for ')) || ''")
            server_ms = caption.rsplit("·", 1)[-1].strip().removesuffix("ms").strip() if "·" in caption else None
            rows.append({"query": q, "first_ms": r["first"], "done_ms": r["done"],
                         "server_ms": float(server_ms) if server_ms and server_ms.isdigit() else None})
            print(f"{q!r:50} first {r['first']:7.0f} ms  done {r['done']:7.0f} ms  server {server_ms} ms")
    done = sorted(r["done_ms"] for r in rows)
    first = sorted(r["first_ms"] for r in rows)
    summary = {
        "home": str(home.root), "papers": papers, "vectors": vectors, "queries": len(rows),
        "done_median_ms": statistics.median(done), "done_p90_ms": done[int(0.9 * (len(done) - 1))],
        "done_max_ms": done[-1], "first_median_ms": statistics.median(first),
        "server_median_ms": statistics.median([r["server_ms"] for r in rows if r["server_ms"] is not None] or [0]),
        "loadavg_after": os.getloadavg(), "wall_s": round(time.perf_counter() - t_start, 1),
    }
    print(json.dumps(summary, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "rows": rows}, indent=2))


def cold(home, args) -> None:
    """The first search of a fresh server: page up (`page_s` after the health check), think, search."""
    from browser_harness import chromium, load, page_text, serve, timed_search

    out = {"home": str(home.root), "think_s": args.think, "runs": []}
    for run in range(max(1, args.queries if args.queries < 5 else 3)):
        with serve(home.root, log_path=Path("/tmp/bench_app_search.serve.log"), timeout=300) as url, \
                chromium() as d:
            t0 = time.perf_counter()
            load(d, f"{url}/", timeout=300)
            page_s = time.perf_counter() - t0
            time.sleep(args.think)
            r = timed_search(d, QUERIES[run % len(QUERIES)])
            fell_back = "still loading" in page_text(d)
            again = timed_search(d, QUERIES[(run + 1) % len(QUERIES)])
        row = {"page_s": round(page_s, 2), "first_search_ms": r["done"], "fell_back_to_keyword": fell_back,
               "second_search_ms": again["done"]}
        out["runs"].append(row)
        print(row)
    print(json.dumps(out, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
