"""Warm search latency over the full 162,699-paper corpus, end to end (query embedding, FTS5, FAISS,
fusion, fetching the rows), as `Searcher.search` answers it for the CLI and the app.

Builds a bench home under /tmp (reused on later runs): imports the full corpus with the ingest snapshot
importer (real FTS), copies the real vectors of papers already embedded in --vectors-from (e.g. the
sample home made by `bench/bench_embed.py --index-sample`) and writes synthetic vectors for the rest
(a real vector plus noise, normalised, so the collection is clustered like real data), then builds the
FAISS index the way `trendscope index` does (IVF-SQ8 above TRENDSCOPE_FAISS_EXACT_MAX vectors).

    .venv/bin/python bench/bench_search.py --queries 200
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("TRENDSCOPE_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "data" / "arxiv_corpus.jsonl.gz"
MODEL = "all-MiniLM-L6-v2"


def build_home(args):
    from trendscope.foundation.home import Home
    from trendscope.index.indexer import rebuild_faiss
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.snapshot import import_snapshot
    from trendscope.ingest.store import open_database

    home = Home.resolve(args.home).ensure()
    db = open_database(home.db_path)
    n = db.execute("SELECT count(*) FROM papers").fetchone()[0]
    if n < 160_000:
        t0 = time.perf_counter()
        res = import_snapshot(db, CORPUS, progress=False)
        print(f"imported the corpus: {res.run.new} papers in {time.perf_counter() - t0:.0f}s")
    vs = VectorStore(db)
    papers = db.execute("SELECT pk, id, content_hash FROM papers ORDER BY pk").fetchall()
    if vs.count(MODEL) < len(papers):
        real: dict[str, np.ndarray] = {}
        src = Path(args.vectors_from) / "trendscope.db"
        if src.exists():
            sdb = open_database(src)
            spk, svec = VectorStore(sdb).load_all(MODEL)
            ids = dict(sdb.execute("SELECT pk, id FROM papers").fetchall())
            real = {ids[int(p)]: v for p, v in zip(spk, svec)}
        if not real:
            raise SystemExit(f"no real vectors in {src}: run bench/bench_embed.py --index-sample first")
        centers = np.stack(list(real.values()))
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        rows, synthetic = [], 0
        for pk, pid, ch in papers:
            v = real.get(pid)
            if v is None:
                noise = rng.normal(size=centers.shape[1]).astype(np.float32)
                v = centers[rng.integers(len(centers))] + 0.5 * noise / np.linalg.norm(noise)
                v /= np.linalg.norm(v)
                synthetic += 1
            rows.append((pk, ch, v))
            if len(rows) == 20_000:
                vs.put(MODEL, rows)
                rows = []
        vs.put(MODEL, rows)
        print(f"vectors: {len(papers) - synthetic} real (from {src}), {synthetic} synthetic; "
              f"{time.perf_counter() - t0:.0f}s")
        t0 = time.perf_counter()
        vi = rebuild_faiss(db, home)
        print(f"FAISS {vi.kind} over {vi.ntotal} vectors (nlist {vi.meta.nlist}, nprobe {vi.meta.nprobe}, "
              f"calibrated recall@10 {vi.meta.recall_at_10}): built in {time.perf_counter() - t0:.0f}s")
    if args.rebuild_index:
        t0 = time.perf_counter()
        vi = rebuild_faiss(db, home)
        print(f"FAISS {vi.kind} rebuilt over {vi.ntotal} vectors (nlist {vi.meta.nlist}, nprobe {vi.meta.nprobe}): "
              f"{time.perf_counter() - t0:.0f}s")
    return home, db


def pct(xs, p):
    return float(np.percentile(np.asarray(xs) * 1000, p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/ts-bench-full")
    ap.add_argument("--vectors-from", default="/tmp/ts-bench-sample")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dev-queries", action="store_true",
                    help="the 72 blind topic queries of bench/data/search_dev_queries.jsonl instead of generated ones")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--rebuild-index", action="store_true", help="rebuild the FAISS index of the bench home")
    ap.add_argument("--sequential", action="store_true",
                    help="hybrid: run the keyword side after the semantic side, not beside it on a second connection")
    ap.add_argument("--no-prune", action="store_true",
                    help="score every paper holding any query word (no MaxScore pruning of the keyword side)")
    ap.add_argument("--keyword-depth", type=int, default=None,
                    help="hybrid: keyword candidates fused (default: index/search.py's KEYWORD_DEPTH; 100 was the "
                         "earlier release's)")
    ap.add_argument("--one-searcher", action="store_true",
                    help="answer every query with one Searcher (its own caches warm); by default each query gets a "
                         "new Searcher sharing the model and the FAISS index, as the app and the CLI do")
    ap.add_argument("--query-encoder", choices=["torch", "numpy"], default="torch",
                    help="how queries are embedded: sentence-transformers, as the app keeps it loaded (default), or "
                         "index/query_encoder.py's NumPy encoder, as one-shot CLI commands load it")
    ap.add_argument("--no-known-items", action="store_true",
                    help="skip the known-item step (index/known_item.py: titles, title names, arXiv ids first)")
    args = ap.parse_args()

    from bench.search_quality import make_queries
    from trendscope.index.embedder import load_embedder
    from trendscope.index.faiss_index import read_meta
    from trendscope.index.query_encoder import load_query_embedder
    from trendscope.index.search import Searcher, SearchRequest

    home, db = build_home(args)
    meta = read_meta(home.index_dir)
    print(f"index: {meta.kind}, {meta.count} vectors, nlist {meta.nlist}, nprobe {meta.nprobe}, "
          f"build-time recall@10 {meta.recall_at_10}")
    pool = db.execute("SELECT id, title, abstract FROM papers WHERE pk % 97 = 3").fetchall()
    if args.dev_queries:
        dev = REPO / "bench/data/search_dev_queries.jsonl"
        queries = [json.loads(x)["query"] for x in dev.open(encoding="utf-8")]
    else:
        queries = [q.text for q in make_queries([tuple(r) for r in pool], args.queries, seed=5)]
    factory = load_embedder if args.query_encoder == "torch" else load_query_embedder
    searcher = Searcher(db, home, factory, parallel=not args.sequential, prune=not args.no_prune)
    if args.keyword_depth:
        searcher.keyword_depth = args.keyword_depth
    searcher.known_items = not args.no_known_items
    print(f"keyword side beside the semantic side: {searcher.parallel}; keyword pruning: {searcher.prune}; "
          f"keyword depth: {searcher.keyword_depth}; a new Searcher per query: {not args.one_searcher}; "
          f"query encoder: {args.query_encoder}; known items first: {searcher.known_items}")

    class PerQuery(Searcher):
        """What the app makes for each search: a new Searcher, the process-wide model and index."""

        def vector_index(self):
            return searcher.vector_index()

    def answerer() -> Searcher:
        if args.one_searcher:
            searcher._qcache.clear()
            return searcher
        fresh = PerQuery(db, home, lambda model: searcher.embedder(), parallel=searcher.parallel,
                         prune=searcher.prune, keyword_depth=searcher.keyword_depth)
        fresh.known_items = searcher.known_items
        return fresh
    t0 = time.perf_counter()
    searcher.search(SearchRequest("warm up the model and the index", limit=args.limit))
    print(f"cold start (model + index load, first query): {time.perf_counter() - t0:.2f}s")
    for q in ["attention", "graph neural network", "diffusion models for video"]:  # warm caches, not measured
        searcher.search(SearchRequest(q, limit=args.limit))
    cats = ["cs.CL", "cs.CV", "cs.LG", "stat.ML", "eess.AS"]
    scenarios = {
        "hybrid": lambda q, i: SearchRequest(q, mode="hybrid", limit=args.limit),
        "keyword": lambda q, i: SearchRequest(q, mode="keyword", limit=args.limit),
        "semantic": lambda q, i: SearchRequest(q, mode="semantic", limit=args.limit),
        "hybrid+category": lambda q, i: SearchRequest(q, mode="hybrid", categories=[cats[i % len(cats)]],
                                                      limit=args.limit),
        "hybrid+since": lambda q, i: SearchRequest(q, mode="hybrid", since="2024-06", limit=args.limit),
    }
    print(f"{len(queries)} distinct queries per scenario (each query embedded afresh), limit {args.limit}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    for name, make in scenarios.items():
        lat, short = [], 0
        for i, q in enumerate(queries):
            t0 = time.perf_counter()
            hits = answerer().search(make(q, i))
            lat.append(time.perf_counter() - t0)
            short += len(hits) < args.limit
        print(f"  {name:<16} p50 {pct(lat, 50):6.1f} ms  p95 {pct(lat, 95):6.1f} ms  max {pct(lat, 100):6.1f} ms"
              f"  (queries with < {args.limit} hits: {short})", flush=True)


if __name__ == "__main__":
    main()
