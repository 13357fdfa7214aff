"""FAISS at scale: the approximate index `trendscope index` builds (IVF-SQ8, nprobe calibrated at build)
on N synthetic clustered 384-d unit vectors: build time, bytes per vector, single-query latency and
recall@10 against exact search (numpy brute force) on held-out queries, plus an nprobe sweep.
With --real-home, the same on real MiniLM vectors of an indexed home with real text queries, to see how
many more probes real data needs than synthetic data suggests.

    .venv/bin/python bench/bench_faiss.py --n 1000000
    .venv/bin/python bench/bench_faiss.py --n 0 --real-home /tmp/ts-bench-sample [--dev-queries]
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


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def synthetic(n: int, dim: int, clusters: int, rng, chunk: int = 100_000,
              centers: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    if centers is None:
        centers = unit(rng.normal(size=(clusters, dim)).astype(np.float32))
    out = np.empty((n, dim), np.float32)
    for s in range(0, n, chunk):
        m = min(chunk, n - s)
        noise = rng.normal(size=(m, dim)).astype(np.float32) / np.sqrt(dim)
        out[s : s + m] = unit(centers[rng.integers(0, clusters, m)] + 0.9 * noise)
    return out, centers


def measure(vi, queries: np.ndarray, truth: np.ndarray, nprobes, k: int = 10) -> list[tuple]:
    import faiss

    from trendscope.index.faiss_index import recall_at_k

    rows = []
    for nprobe in nprobes:
        params = faiss.SearchParametersIVF(nprobe=nprobe)
        lat, found = [], []
        for q in queries:
            t0 = time.perf_counter()
            _, ids = vi.index.search(q[None, :], k, params=params)
            lat.append(time.perf_counter() - t0)
            found.append(ids[0])
        rows.append((nprobe, recall_at_k(np.array(found), truth, k), 1000 * np.percentile(lat, 50),
                     1000 * np.percentile(lat, 95)))
    return rows


def print_rows(rows, chosen) -> None:
    print(f"  {'nprobe':>7} {'recall@10':>10} {'p50 ms':>8} {'p95 ms':>8}")
    for nprobe, rec, p50, p95 in rows:
        mark = "  <- calibrated" if nprobe == chosen else ""
        print(f"  {nprobe:>7} {rec:>10.4f} {p50:>8.3f} {p95:>8.3f}{mark}")


def bench_synthetic(args) -> None:
    import faiss

    from trendscope.index.faiss_index import build_index, exact_topk

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    vecs, centers = synthetic(args.n, args.dim, args.clusters, rng)
    pks = np.arange(1, args.n + 1, dtype=np.int64)
    print(f"{args.n} synthetic {args.dim}-d vectors in {args.clusters} clusters ({time.perf_counter() - t0:.0f}s); "
          f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads, load average {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    vi = build_index(pks, vecs, "synthetic", exact_max=0, target_recall=args.target)
    build_s = time.perf_counter() - t0
    nbytes = faiss.serialize_index(vi.index).nbytes
    print(f"built {vi.kind}: nlist {vi.meta.nlist}, calibrated nprobe {vi.meta.nprobe} "
          f"(recall@10 {vi.meta.recall_at_10:.4f} on calibration queries) in {build_s:.0f}s; "
          f"index {nbytes / 1e6:.0f} MB = {nbytes / args.n:.0f} bytes/vector")
    queries, _ = synthetic(args.queries, args.dim, args.clusters, np.random.default_rng(99), centers=centers)
    # held-out queries from the same distribution (not in the index), and harder ones between clusters
    hard = unit(queries[: args.queries // 2] + queries[args.queries // 2 :][: args.queries // 2])
    t0 = time.perf_counter()
    _, truth = exact_topk(vecs, queries, 10)
    _, truth_h = exact_topk(vecs, hard, 10)
    exact_ms = 1000 * (time.perf_counter() - t0) / (len(queries) + len(hard))
    print(f"exact search (numpy, batched) {exact_ms:.1f} ms/query")
    sweep = sorted({1, 2, 4, 8, 16, 32, 64, 128, vi.meta.nprobe})
    print("held-out queries:")
    print_rows(measure(vi, queries, pks[truth], sweep), vi.meta.nprobe)
    print("harder queries (midpoints of two held-out queries):")
    print_rows(measure(vi, hard, pks[truth_h], sweep), vi.meta.nprobe)


def bench_real(args) -> None:
    from bench.search_quality import make_queries
    from trendscope.index.embedder import load_embedder
    from trendscope.index.faiss_index import build_index, exact_topk
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.store import open_database

    db = open_database(Path(args.real_home) / "trendscope.db")
    vs = VectorStore(db)
    model = vs.model_in_use()
    pks, vecs = vs.load_all(model)
    emb = load_embedder(model)
    if args.dev_queries:  # the blind topic queries people type, not queries made from titles
        texts = [json.loads(x)["query"] for x in (REPO / "bench/data/search_dev_queries.jsonl").open(encoding="utf-8")]
    else:
        texts = [q.text for q in make_queries([tuple(r) for r in db.execute("SELECT id, title, abstract FROM papers")],
                                              args.queries, seed=3)]
    queries = emb.encode(texts)
    _, truth = exact_topk(vecs, queries, 10)
    vi = build_index(pks, vecs, model, exact_max=0, target_recall=args.target, nlist=args.real_nlist)
    print(f"\nreal vectors: {len(pks)} from {args.real_home}; IVF{vi.meta.nlist},SQ8, calibrated nprobe "
          f"{vi.meta.nprobe} (calibration recall {vi.meta.recall_at_10:.4f}); {len(texts)} real text queries:")
    print_rows(measure(vi, queries, pks[truth], sorted({1, 2, 4, 8, 16, 32, 64, vi.meta.nprobe})), vi.meta.nprobe)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="synthetic vectors (0 to skip)")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--clusters", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--target", type=float, default=None, help="calibration recall target (default: the index's)")
    ap.add_argument("--real-home", default=None, help="an indexed home whose real vectors to test too")
    ap.add_argument("--real-nlist", type=int, default=None)
    ap.add_argument("--dev-queries", action="store_true",
                    help="with --real-home: the 72 topic queries of bench/data/search_dev_queries.jsonl")
    args = ap.parse_args()
    from trendscope.index.faiss_index import DEFAULT_TARGET_RECALL

    args.target = args.target or DEFAULT_TARGET_RECALL
    if args.n:
        bench_synthetic(args)
    if args.real_home:
        bench_real(args)


if __name__ == "__main__":
    main()
