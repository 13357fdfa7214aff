"""Embedding throughput: Trendscope's fast path vs plain `SentenceTransformer(model).encode(texts)`.

Side by side in one process on the same N abstracts (spread over the 6,000-paper sample): plain fp32
encode with default arguments, then `index.embedder.load_embedder()` (length-sorted token-budget batches,
inference_mode, bf16 where the CPU has it). Reports papers/s, the ratio, cosine agreement of the vectors,
and the search-quality change: nDCG@10 / recall@10 of semantic and hybrid search on those N papers with
each set of vectors (queries from bench/search_quality.py).

    .venv/bin/python bench/bench_embed.py --n 1000
    .venv/bin/python bench/bench_embed.py --index-sample --home /tmp/ts-bench-sample   # time `index` on 6,000
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("TRENDSCOPE_SHARED", REPO.parent / "shared"))
SAMPLE = SHARED / "data" / "arxiv_corpus_sample.jsonl.gz"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def load_rows(n: int) -> list[dict]:
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    idx = np.linspace(0, len(rows) - 1, min(n, len(rows))).astype(int)
    return [rows[i] for i in idx]


class PlainEmbedder:
    """Plain sentence-transformers encode (fp32, default batch size), as an Embedder."""

    def __init__(self, st, model_id: str):
        self.st, self.model_id = st, model_id
        self.dim = int(st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension")
                       else st.get_sentence_embedding_dimension())

    def encode(self, texts, progress=None):
        v = self.st.encode(list(texts))
        return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def quality(rows: list[dict], vecs_by_name: dict, embedders: dict, n_queries: int) -> dict:
    """nDCG@10/recall@10 of semantic and hybrid search over `rows` with each vector set."""
    from bench.search_quality import evaluate, make_queries
    from trendscope.foundation.home import Home
    from trendscope.index.indexer import rebuild_faiss
    from trendscope.index.search import Searcher
    from trendscope.index.vector_store import VectorStore
    from trendscope.ingest.records import Paper, content_hash
    from trendscope.ingest.store import PaperStore, open_database

    tmp = Path(tempfile.mkdtemp(prefix="ts-bench-embed-"))
    try:
        home = Home.resolve(tmp).ensure()
        db = open_database(home.db_path)
        fields = Paper.__dataclass_fields__
        PaperStore(db).upsert([Paper(**{k: v for k, v in r.items() if k in fields}) for r in rows])
        pk_of = dict(db.execute("SELECT id, pk FROM papers").fetchall())
        queries = make_queries([(r["id"], r["title"], r["abstract"]) for r in rows], n_queries)
        out = {}
        for name, vecs in vecs_by_name.items():
            vs = VectorStore(db)
            vs.delete_all()
            model = embedders[name].model_id
            vs.put(model, [(pk_of[r["id"]], content_hash(r["title"], r["abstract"]), v) for r, v in zip(rows, vecs)])
            rebuild_faiss(db, home)
            searcher = Searcher(db, home, lambda m, e=embedders[name]: e)
            out[name] = evaluate(searcher, queries, modes=("semantic", "hybrid"))
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_throughput(args) -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    from trendscope.index.embedder import cpu_has_bf16, load_embedder, model_location, paper_text, resolve_model

    rows = load_rows(args.n)
    texts = [paper_text(r["title"], r["abstract"]) for r in rows]
    model = resolve_model(args.model)
    print(f"{len(texts)} abstracts; model {model}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"cpu capability {torch.backends.cpu.get_cpu_capability()}, bf16 flag {cpu_has_bf16()}, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f}")
    fast = load_embedder(model, batch_tokens=args.batch_tokens)
    plain_st = SentenceTransformer(model_location(model), device="cpu")
    plain = PlainEmbedder(plain_st, model)
    fast.encode(texts[:8])  # warm both (first call allocates)
    plain_st.encode(texts[:8])
    times: dict[str, list[float]] = {"plain": [], "fast": []}
    vecs = {}
    for rep in range(args.repeats):
        for name in ("plain", "fast") if rep % 2 == 0 else ("fast", "plain"):
            t0 = time.perf_counter()
            if name == "plain":
                v = plain_st.encode(texts)  # fp32, default arguments
                v = v / np.linalg.norm(v, axis=1, keepdims=True)
            else:
                v = fast.encode(texts)
            times[name].append(time.perf_counter() - t0)
            vecs[name] = np.asarray(v, dtype=np.float32)
            print(f"  run {rep + 1} {name:<5}: {len(texts) / times[name][-1]:7.1f} papers/s "
                  f"(load average {os.getloadavg()[0]:.2f})", flush=True)
    rate = {k: len(texts) / min(t) for k, t in times.items()}
    cos = (vecs["plain"] * vecs["fast"]).sum(axis=1)
    print(f"\nplain SentenceTransformer.encode (fp32, defaults): {rate['plain']:.1f} papers/s (best of {args.repeats})")
    print(f"trendscope fast path ({fast.precision}, {fast.batch_tokens} tokens/batch): {rate['fast']:.1f} papers/s")
    print(f"throughput ratio: {rate['fast'] / rate['plain']:.2f}x")
    print(f"cosine(plain, fast): min {cos.min():.5f}, mean {cos.mean():.5f}")
    top = lambda v: np.argsort(-(v @ v.T), axis=1)[:, 1:11]  # noqa: E731
    a, b = top(vecs["plain"]), top(vecs["fast"])
    overlap = np.mean([len(set(x) & set(y)) / 10 for x, y in zip(a, b)])
    print(f"10-nearest-neighbour overlap between the two vector sets: {overlap:.4f}")
    if args.quality:
        q = quality(rows, vecs, {"plain": plain, "fast": fast}, args.queries)
        for mode in ("semantic", "hybrid"):
            p, f = q["plain"][mode], q["fast"][mode]
            print(f"{mode:<8} nDCG@10 plain {p['ndcg@10']:.4f} fast {f['ndcg@10']:.4f} "
                  f"(delta {f['ndcg@10'] - p['ndcg@10']:+.4f}); recall@10 plain {p['recall@10']:.4f} "
                  f"fast {f['recall@10']:.4f}")


def bench_index_sample(args) -> None:
    from trendscope.foundation.home import Home
    from trendscope.index.indexer import run_index
    from trendscope.ingest.snapshot import import_snapshot
    from trendscope.ingest.store import open_database

    home = Home.resolve(args.home)
    if home.root.exists() and args.fresh:
        shutil.rmtree(home.root)
    home.ensure()
    db = open_database(home.db_path)
    t0 = time.perf_counter()
    res = import_snapshot(db, SAMPLE, progress=False)
    print(f"imported {SAMPLE.name}: {res.run.new} new papers in {time.perf_counter() - t0:.1f}s")
    print(f"load average before indexing: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cpus)")
    t0 = time.perf_counter()
    r = run_index(db, home, progress=not args.no_progress)
    dt = time.perf_counter() - t0
    print(r.summary())
    print(f"`index` on the sample: {dt:.1f}s wall (embedding {r.embed_seconds:.1f}s, "
          f"{r.embedded / max(r.embed_seconds, 1e-9):.1f} papers/s); load average now {os.getloadavg()[0]:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="abstracts to embed (default 1000)")
    ap.add_argument("--repeats", type=int, default=2, help="alternating runs of each (best is reported)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--batch-tokens", type=int, default=None, help="token budget per batch (default: the embedder's)")
    ap.add_argument("--queries", type=int, default=200, help="quality queries (0 to skip the quality check)")
    ap.add_argument("--index-sample", action="store_true", help="time `trendscope index` on the 6,000 sample")
    ap.add_argument("--home", default="/tmp/ts-bench-sample", help="home for --index-sample")
    ap.add_argument("--fresh", action="store_true", help="with --index-sample: start from an empty home")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args()
    args.quality = args.queries > 0
    if args.index_sample:
        bench_index_sample(args)
    else:
        bench_throughput(args)


if __name__ == "__main__":
    main()
