"""Blind grading of the search dev pool: reader batches, then agreement and the adjudicated relevance file.

    # 1. batches for the readers: the query's topic and relevance note, then each pooled paper's title and
    #    abstract, in a shuffled order, with no system, rank or score
    .venv/bin/python bench/search_dev_grading.py batches --pool bench/data/search_dev_pool.jsonl --out DIR
    # 2. after two readers graded every batch (DIR/grades_<reader>_<batch>.jsonl: {"pair": n, "grade": 0|1|2}):
    .venv/bin/python bench/search_dev_grading.py merge --pool bench/data/search_dev_pool.jsonl --dir DIR \
        [--adjudicated FILE] --out bench/data/search_dev_qrels.jsonl
    # 3. a third reader grades the disagreements (written to DIR/disagreements.jsonl by `merge`) blind:
    .venv/bin/python bench/search_dev_grading.py adjudication --pool bench/data/search_dev_pool.jsonl --dir DIR

`merge` reports Cohen's kappa (unweighted and linearly weighted, over 0/1/2) and writes the disagreements
to DIR/disagreements.jsonl for a third reader; with `--adjudicated` their grades settle those pairs.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "bench/data/search_dev_queries.jsonl"
CORPUS = ROOT.parent / "shared/data/arxiv_corpus.jsonl.gz"
N_BATCHES = 8
ABSTRACT_CHARS = 1500


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()]


def corpus_texts(ids: set[str]) -> dict[str, dict]:
    out = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["id"] in ids:
                out[r["id"]] = {"title": " ".join(r["title"].split()), "abstract": " ".join(r["abstract"].split())}
    return out


def batches(pool: list[dict], out: Path, only: set[int] | None = None, name: str = "batch_{b}.txt",
            n_batches: int = N_BATCHES) -> None:
    """Reader batches; `only`: just these pair numbers (the adjudication batch of the disagreements)."""
    queries = {q["qid"]: q for q in read_jsonl(QUERIES)}
    texts = corpus_texts({r["id"] for r in pool})
    out.mkdir(parents=True, exist_ok=True)
    pairs = [{"pair": n, **r} for n, r in enumerate(pool) if only is None or n in only]
    qids = sorted({p["qid"] for p in pairs})
    for b in range(n_batches):
        mine = qids[b::n_batches]
        with (out / name.format(b=b)).open("w", encoding="utf-8") as fh:
            for qid in mine:
                q = queries[qid]
                fh.write(f"=== QUERY {qid}: \"{q['query']}\"\nTopic: {q['topic']}\nRelevance: {q['relevance']}\n\n")
                mine_pairs = [p for p in pairs if p["qid"] == qid]
                random.Random(f"{qid}-shuffle").shuffle(mine_pairs)
                for p in mine_pairs:
                    t = texts[p["id"]]
                    abstract = t["abstract"][:ABSTRACT_CHARS] + ("…" if len(t["abstract"]) > ABSTRACT_CHARS else "")
                    fh.write(f"[pair {p['pair']}] {t['title']}\n{abstract}\n\n")
        print(f"{name.format(b=b)}: {len(mine)} queries, {sum(p['qid'] in mine for p in pairs)} pairs")


def kappa(a: list[int], b: list[int], weighted: bool = False) -> float:
    cats = [0, 1, 2]
    n = len(a)
    ca, cb = Counter(a), Counter(b)

    def w(i: int, j: int) -> float:
        return abs(i - j) / 2 if weighted else float(i != j)

    observed = sum(w(x, y) for x, y in zip(a, b, strict=True)) / n
    expected = sum(ca[i] * cb[j] * w(i, j) for i in cats for j in cats) / (n * n)
    return 1 - observed / expected if expected else 1.0


def merge(pool: list[dict], folder: Path, adjudicated: Path | None, out: Path) -> None:
    grades: dict[str, dict[int, int]] = {"A": {}, "B": {}}
    for path in sorted(folder.glob("grades_*_*.jsonl")):
        reader = path.stem.split("_")[1]
        for r in read_jsonl(path):
            grades[reader][int(r["pair"])] = int(r["grade"])
    both = [n for n in range(len(pool)) if n in grades["A"] and n in grades["B"]]
    missing = len(pool) - len(both)
    a, b = [grades["A"][n] for n in both], [grades["B"][n] for n in both]
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(both)
    print(f"graded by both: {len(both)} of {len(pool)} pairs ({missing} missing); raw agreement {agree:.3f}; "
          f"Cohen's kappa {kappa(a, b):.3f} (linear-weighted {kappa(a, b, True):.3f})")
    bin_a, bin_b = [int(x > 0) for x in a], [int(x > 0) for x in b]
    print(f"relevant (grade >= 1) vs not: kappa {kappa(bin_a, bin_b):.3f}")
    adj = {int(r["pair"]): int(r["grade"]) for r in read_jsonl(adjudicated)} if adjudicated else {}
    disagreements = [n for n in both if grades["A"][n] != grades["B"][n]]
    with (folder / "disagreements.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"pair": n, **pool[n]}) + "\n" for n in disagreements if n not in adj)
    unsettled = [n for n in disagreements if n not in adj]
    print(f"{len(disagreements)} disagreements, {len(disagreements) - len(unsettled)} adjudicated")
    rows = []
    for n in both:
        ga, gb = grades["A"][n], grades["B"][n]
        grade = ga if ga == gb else adj.get(n, min(ga, gb))  # unsettled: the lower grade
        rows.append({"qid": pool[n]["qid"], "id": pool[n]["id"], "grade": grade, "reader_a": ga, "reader_b": gb,
                     "adjudicated": n in adj, "systems": pool[n]["systems"]})
    with out.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    print(f"{len(rows)} graded pairs -> {out}; grade counts {dict(sorted(Counter(r['grade'] for r in rows).items()))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("batches")
    b.add_argument("--pool", type=Path, required=True)
    b.add_argument("--out", type=Path, required=True)
    a = sub.add_parser("adjudication", help="one batch of the pairs in DIR/disagreements.jsonl, for a third reader")
    a.add_argument("--pool", type=Path, required=True)
    a.add_argument("--dir", type=Path, required=True)
    m = sub.add_parser("merge")
    m.add_argument("--pool", type=Path, required=True)
    m.add_argument("--dir", type=Path, required=True)
    m.add_argument("--adjudicated", type=Path)
    m.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    pool = read_jsonl(args.pool)
    if args.cmd == "batches":
        batches(pool, args.out)
    elif args.cmd == "adjudication":
        only = {int(r["pair"]) for r in read_jsonl(args.dir / "disagreements.jsonl")}
        batches(pool, args.dir, only, "adjudicate.txt", 1)
    else:
        merge(pool, args.dir, args.adjudicated, args.out)


if __name__ == "__main__":
    main()
