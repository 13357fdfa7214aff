"""Precision of rising topics, judged blind: draw a sample of listed topics, then score two readers' verdicts.

    # every listed topic, from the recall bench
    .venv/bin/python bench/emerging_eval.py --home HOME --out /tmp/topics.jsonl
    # 10 per trend, none judged before (same normalised name), fixed seed; the sheet is what readers see
    .venv/bin/python bench/emerging_precision.py draw --topics /tmp/topics.jsonl --sample /tmp/sample.jsonl \
        --sheet /tmp/sheet.txt --exclude bench/data/emerging_precision_judgements*.jsonl
    # each reader answers "id<TAB>1" (a specific research topic) or "id<TAB>0" per line of the sheet
    .venv/bin/python bench/emerging_precision.py score --sample /tmp/sample.jsonl --reader-a a.tsv \
        --reader-b b.tsv --out bench/data/emerging_precision_judgements_NAME.jsonl

To compare two settings, draw one sample from the union of their listings (`--topics a.jsonl b.jsonl`), have it
judged, then `compare --judged JUDGED --listed a.jsonl b.jsonl`.

Readers see only the trend and the name (never papers, scores or the system), in a shuffled order. The figure is
the share of the sample each reader accepted, with the agreement between them (Cohen's kappa).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build_trend_labels import kappa  # noqa: E402
from trendscope.index.topic_choice import topic_key  # noqa: E402


def draw(args) -> None:
    seen = {topic_key(json.loads(x)["name"]) for f in args.exclude for x in f.open(encoding="utf-8")}
    by_trend: dict[str, dict[str, dict]] = defaultdict(dict)
    for line in (x for f in args.topics for x in f.open(encoding="utf-8")):
        r = json.loads(line)
        key = topic_key(r["name"])
        if key not in seen:
            by_trend[r["trend"]].setdefault(key, r)  # a name listed in many months counts once
    rng = random.Random(args.seed)
    sample = []
    for trend in sorted(by_trend):
        names = sorted(by_trend[trend])
        for key in rng.sample(names, min(args.per_trend, len(names))):
            r = by_trend[trend][key]
            sample.append({"trend": trend, "period": r["period"], "name": r["name"], "papers": r["papers"]})
    rng.shuffle(sample)
    for i, r in enumerate(sample, 1):
        r["item"] = i
    with args.sample.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in sample)
    with args.sheet.open("w", encoding="utf-8") as fh:
        fh.writelines(f"{r['item']}\t{r['trend']}\t{r['name']}\n" for r in sample)
    print(f"{len(sample)} topics drawn ({len(seen)} names excluded as judged before): {args.sample}, {args.sheet}")


def _verdicts(path: Path) -> dict[int, int]:
    out = {}
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
        parts = line.strip().split("\t")
        if len(parts) < 2 or not parts[0].isdigit() or parts[-1] not in ("0", "1"):
            if line.strip():
                sys.exit(f"{path}:{n}: expected 'item<TAB>0|1', got {line.strip()!r}")
            continue
        out[int(parts[0])] = int(parts[-1])
    return out


def score(args) -> None:
    sample = [json.loads(x) for x in args.sample.open(encoding="utf-8")]
    va, vb = _verdicts(args.reader_a), _verdicts(args.reader_b)
    missing = [r["item"] for r in sample if r["item"] not in va or r["item"] not in vb]
    if missing:
        sys.exit(f"no verdict for items {missing[:10]}")
    rows = [{**{k: r[k] for k in ("trend", "period", "name", "papers")},
             "reader_a": va[r["item"]], "reader_b": vb[r["item"]]} for r in sample]
    a, b = [r["reader_a"] for r in rows], [r["reader_b"] for r in rows]
    n = len(rows)
    print(f"reader A: {sum(a)}/{n} ({sum(a) / n:.0%}); reader B: {sum(b)}/{n} ({sum(b) / n:.0%}); "
          f"both: {sum(x & y for x, y in zip(a, b))}; agreement {sum(x == y for x, y in zip(a, b))}/{n}, "
          f"kappa {kappa(a, b):.2f}")
    per = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        per[r["trend"]][0] += r["reader_a"]
        per[r["trend"]][1] += r["reader_b"]
        per[r["trend"]][2] += 1
    for trend, (x, y, t) in sorted(per.items()):
        print(f"  {trend:<17} A {x}/{t}  B {y}/{t}")
    if args.out:
        rows.sort(key=lambda r: (r["trend"], r["period"], r["name"]))
        with args.out.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)


def compare(args) -> None:
    """Precision of each listing over the judged items it lists (a sample drawn from their union is, restricted
    to one listing, a uniform sample of that listing's names)."""
    judged = [json.loads(x) for x in args.judged.open(encoding="utf-8")]
    for path in args.listed:
        keys = {(r["trend"], topic_key(r["name"])) for r in map(json.loads, path.open(encoding="utf-8"))}
        rows = [j for j in judged if (j["trend"], topic_key(j["name"])) in keys]
        if not rows:
            print(f"{path}: none of the judged items is listed")
            continue
        n = len(rows)
        a, b = sum(r["reader_a"] for r in rows), sum(r["reader_b"] for r in rows)
        both = sum(r["reader_a"] & r["reader_b"] for r in rows)
        print(f"{path}: {n} judged items listed; reader A {a}/{n} ({a / n:.0%}), reader B {b}/{n} ({b / n:.0%}), "
              f"both {both}/{n} ({both / n:.0%})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--topics", type=Path, nargs="+", required=True,
                   help="listed topics; several files (two settings) are drawn from as one union")
    d.add_argument("--sample", type=Path, required=True)
    d.add_argument("--sheet", type=Path, required=True)
    d.add_argument("--exclude", type=Path, nargs="*", default=[])
    d.add_argument("--per-trend", type=int, default=10)
    d.add_argument("--seed", type=int, default=15)
    s = sub.add_parser("score")
    s.add_argument("--sample", type=Path, required=True)
    s.add_argument("--reader-a", type=Path, required=True)
    s.add_argument("--reader-b", type=Path, required=True)
    s.add_argument("--out", type=Path)
    c = sub.add_parser("compare", help="precision of each listing among the judged items it lists")
    c.add_argument("--judged", type=Path, required=True)
    c.add_argument("--listed", type=Path, nargs="+", required=True)
    args = ap.parse_args()
    {"draw": draw, "score": score, "compare": compare}[args.cmd](args)


if __name__ == "__main__":
    main()
