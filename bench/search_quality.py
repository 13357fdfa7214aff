"""Search-quality harness: nDCG@10 and recall@10 of keyword, semantic and hybrid search.

The test set is built automatically from the papers of a home (no hand labels): for a deterministic
sample of papers, one query per paper that a person might type to find it again, judged relevant =
that paper. Two kinds, half each:
  * "title" - the title rephrased: stop words dropped, some content words dropped, common ML terms
    swapped for synonyms (so exact keyword matching is not enough);
  * "abstract" - a key phrase from the abstract (its rarest adjacent word pair in the collection)
    plus one more rare abstract word (words a reader remembers, not the title's).

    .venv/bin/python bench/search_quality.py --home /tmp/ts-bench-sample            # evaluate
    .venv/bin/python bench/search_quality.py --home /tmp/ts-bench-sample --tune     # + RRF grid

The home must be indexed (`trendscope index`); bench/bench_embed.py --index-sample makes one from the
6,000-paper sample.
"""
from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STOP = set("""a an the of for and or in on to with by from via at as is are be we our this that using use
based towards toward into over under its their than new novel approach method methods framework study analysis
can do does not no it via through""".split())
SYNONYMS = {
    "neural": "deep", "network": "net", "networks": "nets", "learning": "training", "model": "approach",
    "models": "approaches", "image": "picture", "images": "pictures", "detection": "recognition",
    "classification": "categorization", "language": "text", "generation": "synthesis", "efficient": "fast",
    "robust": "reliable", "graph": "network", "reinforcement": "reward-based", "adversarial": "attack",
    "segmentation": "partitioning", "estimation": "prediction", "optimization": "optimisation",
    "large": "big", "video": "clip", "speech": "audio", "translation": "mt", "semantic": "meaning",
    "transformer": "attention model", "transformers": "attention models", "llm": "large language model",
    "llms": "large language models", "evaluation": "benchmarking", "dataset": "corpus", "datasets": "corpora",
    "multimodal": "multi-modal", "unsupervised": "label-free", "recognition": "identification",
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]+")


@dataclass
class Query:
    text: str
    relevant: str  # arXiv id
    kind: str


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def make_queries(papers: list[tuple[str, str, str]], n: int = 200, seed: int = 13) -> list[Query]:
    """papers: (id, title, abstract). Deterministic: same papers and seed give the same queries."""
    rng = random.Random(seed)
    df: Counter = Counter()
    pair_df: Counter = Counter()
    for _, t, a in papers:
        ws = _words(a)
        df.update(set(ws))
        pair_df.update(set(zip(ws, ws[1:])))
    chosen = rng.sample(papers, min(n, len(papers)))
    out: list[Query] = []
    for i, (pid, title, abstract) in enumerate(chosen):
        if i % 2 == 0:
            content = [w for w in _words(title) if w not in STOP]
            if len(content) < 2:
                continue
            keep = [w for w in content if rng.random() > 0.35] or content[:2]
            keep = [SYNONYMS.get(w, w) if rng.random() < 0.6 else w for w in keep]
            if len(keep) > 2 and rng.random() < 0.5:
                j = rng.randrange(len(keep) - 1)
                keep[j], keep[j + 1] = keep[j + 1], keep[j]
            out.append(Query(" ".join(keep), pid, "title"))
        else:
            ws = _words(abstract)
            tw = set(_words(title))
            ok = lambda w: w.isalpha() and len(w) > 3 and w not in STOP and w not in tw  # noqa: E731
            # a phrase a reader would remember: not unique to this paper, not common either
            pairs = [(pair_df[p], p) for p in zip(ws, ws[1:]) if ok(p[0]) and ok(p[1]) and 2 <= pair_df[p] <= 50]
            if not pairs:
                continue
            _, best = rng.choice(sorted(pairs)[:3])
            rare = sorted((df[w], w) for w in set(ws) if ok(w) and w not in best and 5 <= df[w] <= 300)
            extra = [rng.choice(rare[:5])[1]] if rare else []
            out.append(Query(" ".join([*best, *extra]), pid, "abstract"))
    return out


def ndcg_at_k(ranked: list[str], relevant: str, k: int = 10) -> float:
    for i, pid in enumerate(ranked[:k]):
        if pid == relevant:
            return 1.0 / math.log2(i + 2)
    return 0.0


def evaluate(searcher, queries: list[Query], modes=("keyword", "semantic", "hybrid"), k: int = 10) -> dict:
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.index.search import SearchRequest

    out = {}
    for mode in modes:
        nd, rc, lat = [], [], []
        by_kind: dict[str, list[float]] = {}
        for q in queries:
            t0 = time.perf_counter()
            try:
                hits = [h.id for h in searcher.search(SearchRequest(q.text, mode=mode, limit=k))]
            except TrendscopeError:
                hits = []
            lat.append(time.perf_counter() - t0)
            score = ndcg_at_k(hits, q.relevant, k)
            nd.append(score)
            rc.append(1.0 if q.relevant in hits[:k] else 0.0)
            by_kind.setdefault(q.kind, []).append(score)
        out[mode] = {
            "ndcg@10": sum(nd) / len(nd), "recall@10": sum(rc) / len(rc),
            **{f"ndcg@10[{kind}]": sum(v) / len(v) for kind, v in by_kind.items()},
            "ms_per_query": 1000 * sum(lat) / len(lat),
        }
    return out


def papers_of(db) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in db.execute("SELECT id, title, abstract FROM papers ORDER BY pk")]


def print_table(results: dict) -> None:
    cols = ["ndcg@10", "recall@10", "ndcg@10[title]", "ndcg@10[abstract]", "ms_per_query"]
    print(f"{'mode':<10}" + "".join(f"{c:>19}" for c in cols))
    for mode, r in results.items():
        print(f"{mode:<10}" + "".join(f"{r.get(c, float('nan')):>19.4f}" for c in cols))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True, help="an indexed data home")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--tune", action="store_true", help="grid over RRF k and the semantic weight")
    ap.add_argument("--show", type=int, default=0, help="print N example queries")
    args = ap.parse_args()

    from trendscope.foundation.home import Home
    from trendscope.index.search import Searcher
    from trendscope.ingest.store import open_database

    home = Home.resolve(args.home)
    db = open_database(home.db_path)
    queries = make_queries(papers_of(db), args.queries, args.seed)
    print(f"{len(queries)} queries over {db.execute('SELECT count(*) FROM papers').fetchone()[0]} papers "
          f"({Counter(q.kind for q in queries)})")
    for q in queries[: args.show]:
        print(f"  [{q.kind}] {q.text!r} -> {q.relevant}")
    searcher = Searcher(db, home)
    print_table(evaluate(searcher, queries))
    if args.tune:
        # tuned on a second, disjoint query set (other seed), so the figures above stay honest
        tune_q = make_queries(papers_of(db), args.queries, args.seed + 1000)
        print(f"\nRRF grid on {len(tune_q)} tuning queries (seed {args.seed + 1000}), hybrid nDCG@10:")
        weights = (0.5, 0.75, 1.0, 1.5, 2.0)
        best = None
        for k in (5, 10, 20, 40, 60, 100):
            row = []
            for w in weights:
                s = Searcher(db, home, rrf_k=k, rrf_weights={"keyword": 1.0, "semantic": w})
                s._embedder, s._qcache = searcher._embedder, searcher._qcache
                r = evaluate(s, tune_q, modes=("hybrid",))["hybrid"]["ndcg@10"]
                row.append(r)
                best = max(best or (r, k, w), (r, k, w))
            print(f"  k={k:<4}" + "".join(f" w_sem={w}: {r:.4f}" for w, r in zip(weights, row)))
        print(f"best on the tuning set: nDCG@10 {best[0]:.4f} at k={best[1]}, semantic weight {best[2]}")
        s = Searcher(db, home, rrf_k=best[1], rrf_weights={"keyword": 1.0, "semantic": best[2]})
        s._embedder, s._qcache = searcher._embedder, searcher._qcache
        print("that setting on the evaluation queries:")
        print_table(evaluate(s, queries, modes=("hybrid",)))

if __name__ == "__main__":
    main()
