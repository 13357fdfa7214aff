"""Build the packaged weak-label vector model `index/trend_model.npz` from a corpus file.

    python -m index.train_weak [--corpus ../shared/data/arxiv_corpus_sample.jsonl.gz] [--vectors-cache F.npy]

Reads titles and abstracts only (never hand labels), embeds them with the default model (or loads cached
vectors), labels them with the high-precision part of the packaged rules and fits one logistic regression per
trend (see index/weak_model.py). Deterministic: the same corpus and taxonomy give the same file (~10 KB).
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
from pathlib import Path

import numpy as np

from .embedder import load_embedder, paper_text, resolve_model
from .taxonomy import load_taxonomy
from .weak_model import packaged_model_path, save_model, train_weak_model

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "arxiv_corpus_sample.jsonl.gz"


def read_corpus(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--vectors-cache", type=Path, default=None, help="load/save the corpus vectors here (.npy)")
    ap.add_argument("--out", type=Path, default=packaged_model_path())
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = read_corpus(args.corpus)
    model_id = resolve_model()
    if args.vectors_cache and args.vectors_cache.exists():
        vecs = np.load(args.vectors_cache)
    else:
        vecs = load_embedder().encode([paper_text(r["title"], r["abstract"]) for r in rows])
        if args.vectors_cache:
            np.save(args.vectors_cache, vecs)
    if len(vecs) != len(rows):
        raise SystemExit(f"{args.vectors_cache}: {len(vecs)} vectors for {len(rows)} papers")
    taxonomy = load_taxonomy()
    model = train_weak_model(taxonomy, [r["title"] for r in rows], [r["abstract"] for r in rows], vecs, model_id)
    save_model(args.out, model, taxonomy.rules_hashes(),
               {"corpus": args.corpus.name, "papers": len(rows)})
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes; trends: {', '.join(sorted(model.weights))})")


if __name__ == "__main__":
    main()
