"""Assemble the blind-labelled trend set (bench/data/trend_labels.jsonl) from two readers and an adjudicator,
and report their agreement (Cohen's kappa per trend).

Each reader labelled every sampled paper independently, seeing only the rubric, the title and the abstract
(never the tagger's output, never the other reader). Where the two disagree on a trend, the adjudicator's
decision for that (paper, trend) pair is final; the row records both readers' labels and which trends were
adjudicated.

    python bench/build_trend_labels.py --sample bench/data/trend_labels_sample.jsonl \
        --reader-a 'labels/out/*_A.jsonl' --reader-b 'labels/out/*_B.jsonl' \
        --adjudication labels/adjudication.jsonl --out bench/data/trend_labels.jsonl
"""
from __future__ import annotations

import argparse
import glob
import json
from pathlib import Path

TRENDS = ("multimodal", "self_supervised", "continual", "zero_shot", "privacy", "interpretability",
          "efficiency", "ethics")


def read_labels(pattern: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sorted(glob.glob(pattern)):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            bad = set(row["labels"]) - set(TRENDS)
            if bad:
                raise SystemExit(f"{path}: {row['id']}: unknown labels {sorted(bad)}")
            out[row["id"]] = set(row["labels"])
    return out


def kappa(a: list[bool], b: list[bool]) -> float:
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sample", type=Path, nargs="+", required=True, help="sampled ids (JSONL with 'sampling')")
    ap.add_argument("--reader-a", required=True)
    ap.add_argument("--reader-b", required=True)
    ap.add_argument("--adjudication", type=Path, help="JSONL {id, trend, label: bool, why}")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    sample = {}
    for path in args.sample:
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            sample.setdefault(row["id"], row)
    a, b = read_labels(args.reader_a), read_labels(args.reader_b)
    decided: dict[tuple[str, str], bool] = {}
    if args.adjudication:
        for line in args.adjudication.open(encoding="utf-8"):
            row = json.loads(line)
            decided[(row["id"], row["trend"])] = bool(row["label"])
    ids = [i for i in sample if i in a and i in b]
    missing = [i for i in sample if i not in ids]
    rows, open_pairs = [], []
    for pid in ids:
        labels, adjudicated = set(a[pid] & b[pid]), []
        for t in sorted(a[pid] ^ b[pid]):
            if (pid, t) in decided:
                adjudicated.append(t)
                if decided[(pid, t)]:
                    labels.add(t)
            else:
                open_pairs.append((pid, t))
        s = sample[pid]
        rows.append({"id": pid, "labels": sorted(labels, key=TRENDS.index), "sampling": s["sampling"],
                     "reader_a": sorted(a[pid], key=TRENDS.index), "reader_b": sorted(b[pid], key=TRENDS.index),
                     "adjudicated": adjudicated})
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    print(f"{len(rows)} papers written to {args.out}; {len(missing)} sampled papers lack a reader's labels; "
          f"{len(open_pairs)} disagreements not adjudicated")
    print("| trend | reader A | reader B | both | kappa | final positives (random / enriched) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for t in TRENDS:
        xa = [t in a[i] for i in ids]
        xb = [t in b[i] for i in ids]
        fin_r = sum(1 for r in rows if t in r["labels"] and r["sampling"] == "random")
        fin_e = sum(1 for r in rows if t in r["labels"] and r["sampling"] != "random")
        print(f"| {t} | {sum(xa)} | {sum(xb)} | {sum(x and y for x, y in zip(xa, xb))} | {kappa(xa, xb):.3f} "
              f"| {fin_r + fin_e} ({fin_r} / {fin_e}) |")
    same = sum(a[i] == b[i] for i in ids)
    print(f"identical label sets: {same}/{len(ids)} ({same / len(ids):.1%}); adjudicated pairs: "
          f"{sum(len(r['adjudicated']) for r in rows)}")


if __name__ == "__main__":
    main()
