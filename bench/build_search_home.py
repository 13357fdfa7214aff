"""Build the search bench home: a year-stratified random sample of the shared corpus with real MiniLM vectors.

The search dev set (bench/data/search_dev_queries.jsonl + search_dev_qrels.jsonl) is pooled and graded over this
corpus: up to 2,000 random papers per year 2015-2026 (22,423 papers), the same pool that
bench/sample_trend_labels.py draws for its nearest-neighbour part (seed 99; the trend dev set and the random
labelled part are not drawn). Embedding it takes 25-50 minutes on 2 CPU cores; `--vectors-cache DIR` reuses the
vectors that `sample_trend_labels.py --pool-cache DIR` saved (ids checked, and a sample re-embedded and compared).

    .venv/bin/python bench/build_search_home.py --home /tmp/trendscope-homes/search [--vectors-cache DIR]

Then `trendscope --home ... index` builds the FAISS index and the trend tags from the stored vectors.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from sample_trend_labels import draw_pool  # noqa: E402

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.embedder import load_embedder, paper_text, resolve_model  # noqa: E402
from trendscope.index.search_store import SearchStore  # noqa: E402
from trendscope.index.vector_store import VectorStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402


def pool_ids(corpus: Path, dev: Path, random_part: Path) -> tuple[list[str], dict[str, str]]:
    rows, lines = {}, {}
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            rows[r["id"]] = {"published": r.get("published") or ""}
            lines[r["id"]] = line
    excluded = {json.loads(x)["id"] for x in dev.open(encoding="utf-8")}
    excluded |= {json.loads(x)["id"] for x in random_part.open(encoding="utf-8")}
    ids = draw_pool(rows, excluded)
    return ids, {i: lines[i] for i in ids}


def main() -> None:
    shared = ROOT.parent / "shared"
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--corpus", type=Path, default=shared / "data/arxiv_corpus.jsonl.gz")
    ap.add_argument("--dev", type=Path, default=shared / "eval/trend_dev_set.jsonl")
    ap.add_argument("--random-part", type=Path, default=ROOT / "bench/data/trend_labels_sample.jsonl")
    ap.add_argument("--vectors-cache", type=Path, help="folder with pool_ids.json + pool_vecs.npy")
    ap.add_argument("--verify", type=int, default=24, help="re-embed this many cached papers and compare")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    ids, lines = pool_ids(args.corpus, args.dev, args.random_part)
    print(f"bench corpus: {len(ids)} papers")
    home = Home(args.home).ensure()
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "search_bench.jsonl.gz"
        with gzip.open(snap, "wt", encoding="utf-8") as fh:
            fh.writelines(lines[i] for i in ids)
        ts = ROOT / ".venv/bin/trendscope"
        subprocess.run([str(ts), "--home", str(home.root), "ingest", "--snapshot", str(snap)], check=True)

    if args.vectors_cache:
        cached_ids = json.loads((args.vectors_cache / "pool_ids.json").read_text())
        if cached_ids != ids:
            sys.exit(f"{args.vectors_cache}: its ids are not this pool; drop --vectors-cache to embed")
        vecs = np.load(args.vectors_cache / "pool_vecs.npy")
        row_of = {pid: i for i, pid in enumerate(ids)}
        db = open_database(home.db_path)
        model = resolve_model()
        vstore, sstore = VectorStore(db), SearchStore(db)
        emb = load_embedder(model)
        put, checked = 0, []
        for batch in vstore.iter_pending(emb.model_id):
            id_of = {pk: r.id for pk, r in sstore.rows([p.pk for p in batch]).items()}
            vstore.put(emb.model_id, [(p.pk, p.content_hash, vecs[row_of[id_of[p.pk]]]) for p in batch])
            put += len(batch)
            checked += batch
        sample = random.Random(1).sample(checked, min(args.verify, len(checked)))
        fresh = emb.encode([paper_text(p.title, p.abstract) for p in sample])
        id_of = {pk: r.id for pk, r in sstore.rows([p.pk for p in sample]).items()}
        cos = [float(fresh[i] @ vecs[row_of[id_of[p.pk]]]) for i, p in enumerate(sample)]
        print(f"stored {put} cached vectors; re-embedded {len(sample)}: cosine min {min(cos):.5f}")
        if min(cos) < 0.999:
            sys.exit("cached vectors differ from what the index would compute: rebuild without --vectors-cache")
    print(f"next: {ROOT / '.venv/bin/trendscope'} --home {home.root} index")


if __name__ == "__main__":
    main()
