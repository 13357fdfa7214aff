"""Rising topics from clusters of papers (BERTopic-style), measured against the phrase listing on the known rises.

Do clusters of papers inside a trend (embeddings -> clusters -> c-TF-IDF labels) find rising topics better than
the named phrases `trendscope trends --topics` lists? This bench builds that alternative from the same home and
scores it with `bench/emerging_eval.py`'s recall of known rises:

- each trend's papers (their stored MiniLM vectors) are clustered with k-means (faiss; one cluster per
  `--per-cluster` papers, fitted once over all years, as BERTopic's topics_over_time does);
- each cluster is named by c-TF-IDF over the papers' phrase keys (the listing's own candidates, fragments left
  out): tf of the key in the cluster x log(1 + mean cluster size / the key's papers in the trend); the top key,
  written as most papers write it, is its name;
- per trend and month, a cluster rises as a phrase does in the listing: its share of the trend's papers in the
  same span ("now", index/emerging_topics.py's `span_start`) against the year before, at least 4 papers in 2
  different weeks, 1.5 times its earlier share and G2 >= 2.0; the 10 steepest by G2 are listed.

    .venv/bin/python bench/emerging_clusters.py --home /tmp/trendscope-homes/full [--per-cluster 50] \\
        [--out clusters.jsonl] [--show-report-half]

`--listable-names` names clusters only by names the phrase listing could list in the trend (its own name tests,
`emerging_topics.listable_names`); with `--fill phrases.jsonl` (from `bench/emerging_eval.py --out`) each
trend-month lists the phrase listing's names first and fills up to 10 with rising clusters not already named.
Measured results: docs/performance.md#rising-topics.

Only the tuning half's rises are printed unless `--show-report-half` (run it once, for the figure reported).
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from emerging_eval import report  # noqa: E402

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.emerging_topics import (  # noqa: E402
    MAX_TOPICS,
    PERIODS_PER_YEAR,
    emerging_topics,
    listable_names,
    span_start,
    topic_key,
)
from trendscope.index.rise_statistics import g2 as _g2  # noqa: E402
from trendscope.index.topic_corpus import count_corpus, written_forms  # noqa: E402
from trendscope.index.topic_phrases import display_names  # noqa: E402
from trendscope.index.trend_store import TrendStore  # noqa: E402
from trendscope.index.vector_store import VectorStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

DEFAULTS = {k: v.default for k, v in inspect.signature(emerging_topics).parameters.items()}  # the listing's
MIN_PAPERS, MIN_GROWTH, MIN_G2, MIN_NOW = (DEFAULTS[k] for k in ("min_papers", "min_growth", "min_g2", "min_now"))


def cluster_labels(x: np.ndarray, per_cluster: int, seed: int = 1) -> np.ndarray:
    k = max(2, len(x) // per_cluster)
    km = faiss.Kmeans(x.shape[1], k, niter=20, seed=seed, spherical=True, min_points_per_centroid=1,
                      max_points_per_centroid=10_000)
    km.train(x)
    return km.index.search(x, 1)[1][:, 0]


def c_tf_idf_names(members: dict[int, list[int]], phrase_sets: dict[int, set[str]], usable: set[str]) -> dict[int, str]:
    """Cluster -> its top key by c-TF-IDF (tf in the cluster x log(1 + mean cluster size / papers using the key))."""
    tf = {c: Counter(k for pk in pks for k in phrase_sets[pk] & usable) for c, pks in members.items()}
    df = Counter()
    for counts in tf.values():
        df.update(counts)
    mean_size = sum(len(p) for p in members.values()) / max(len(members), 1)
    names = {}
    for c, counts in tf.items():
        scored = [(n / len(members[c]) * math.log(1 + mean_size / df[k]), k) for k, n in counts.items() if n >= 2]
        if scored:
            names[c] = max(scored)[1]
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--per-cluster", type=int, default=50, help="papers per cluster (k = a trend's papers / this)")
    ap.add_argument("--out", type=Path, help="write every listed cluster (trend, period, name, papers) here")
    ap.add_argument("--listable-names", action="store_true",
                    help="name clusters only by names the phrase listing could list in the trend (its name tests)")
    ap.add_argument("--fill", type=Path,
                    help="a phrase listing (bench/emerging_eval.py --out): list its names first and fill each "
                         "trend-month up to 10 with rising clusters not already named")
    ap.add_argument("--show-report-half", action="store_true")
    args = ap.parse_args()
    db = open_database(Home(args.home).db_path)
    started = time.perf_counter()
    c = count_corpus(db, TrendStore(db), "month", None, MIN_PAPERS, DEFAULTS["fragment_share"])
    usable = c.candidates - c.fragments
    vectors = VectorStore(db)
    pks, x = vectors.load_all(vectors.model_in_use())
    row_of = {int(pk): i for i, pk in enumerate(pks)}
    settings = {p.name: DEFAULTS[p.name] for p in inspect.signature(listable_names).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}
    listable = listable_names(db, c, **settings) if args.listable_names else {}
    year = PERIODS_PER_YEAR["month"]
    periods = sorted(c.n_period_all)
    records, chosen_keys, kmeans_seconds = [], set(), 0.0
    for trend in sorted(c.by_trend):
        tpks = [pk for pk in c.by_trend[trend] if pk in row_of]
        t0 = time.perf_counter()
        labels = cluster_labels(np.ascontiguousarray(x[[row_of[pk] for pk in tpks]]), args.per_cluster)
        kmeans_seconds += time.perf_counter() - t0
        members: dict[int, list[int]] = defaultdict(list)
        for pk, lab in zip(tpks, labels):
            members[int(lab)].append(pk)
        names = c_tf_idf_names(members, c.phrase_sets, set(listable[trend]) if args.listable_names else usable)
        chosen_keys |= set(names.values())
        n_period, per_period = Counter(), defaultdict(Counter)
        weeks = defaultdict(lambda: defaultdict(set))
        for pk, lab in zip(tpks, labels):
            n_period[c.period[pk]] += 1
            per_period[c.period[pk]][int(lab)] += 1
            weeks[c.period[pk]][int(lab)].add(c.week[pk])
        for i, p in enumerate(periods):
            start, now_n = span_start(periods, n_period, i, MIN_NOW, year, year)
            now, prev = periods[start:i + 1], periods[max(0, start - year):start]
            before_n = sum(n_period.get(q, 0) for q in prev)
            scored = []
            if now_n >= MIN_PAPERS and before_n:
                now_counts = sum((per_period[q] for q in now), Counter())
                before_counts = sum((per_period[q] for q in prev), Counter())
                for lab, a in now_counts.items():
                    b = before_counts.get(lab, 0)
                    growth = (a / now_n) / ((b + 0.5) / (before_n + 1))
                    if a < MIN_PAPERS or growth < MIN_GROWTH or lab not in names:
                        continue
                    if len(set().union(*(weeks[q][lab] for q in now))) < 2:
                        continue
                    g2 = _g2(a, now_n, b, before_n)
                    if g2 >= MIN_G2:
                        scored.append((g2, lab, a))
            scored.sort(key=lambda s: (-s[0], s[1]))
            records.append({"trend": trend, "period": p, "keys": [names[lab] for _, lab, _ in scored[:MAX_TOPICS]],
                            "papers": [a for _, _, a in scored[:MAX_TOPICS]]})
    shown = display_names(written_forms(db, c, chosen_keys), c.acronyms, chosen_keys)
    for r in records:
        r["topics"] = [shown.get(k, k) for k in r["keys"]]
    if args.fill:
        phrases = defaultdict(list)
        for line in args.fill.open(encoding="utf-8"):
            row = json.loads(line)
            phrases[(row["trend"], row["period"])].append(row["name"])
        for r in records:
            first = phrases.get((r["trend"], r["period"]), [])
            seen = {topic_key(n) for n in first}
            more = [n for n in r["topics"] if topic_key(n) not in seen]
            r["topics"] = (first + more)[:MAX_TOPICS]
            r["papers"] = [0] * len(first) + r["papers"][:MAX_TOPICS - len(first)]
    print(f"clusters for {len(c.period)} papers, every trend and month: {time.perf_counter() - started:.1f}s; "
          f"{sum(len(r['topics']) for r in records)} cluster-months listed; k-means {kmeans_seconds:.1f}s")
    report(db, records, args.show_report_half)
    if args.out:
        with args.out.open("w", encoding="utf-8") as fh:
            for r in records:
                for name, n in zip(r["topics"], r["papers"]):
                    fh.write(json.dumps({"trend": r["trend"], "period": r["period"], "name": name,
                                         "papers": n}) + "\n")


if __name__ == "__main__":
    main()
