"""Print the top papers of one-trend digest subscriptions, to check them against the rubric by hand.

Usage:
  .venv/bin/python bench/digest_precision.py --home /tmp/dp [--retag] [--weeks 2026-W10 2026-W11 2026-W12]
      [--trends multimodal ethics ...] [--top 10] [--sentences 2] [--judgements docs/digest_precision.md]

The home must hold the imported corpus and stored vectors for the weeks and the 8 weeks before each (e.g. a
copy of the bench home that `bench/bench_digest.py --vectors --week W` builds). `--retag` first re-tags every
paper that has a stored vector with the current tagger (taxonomy rules + packaged vector model, as
`trendscope index` does); it is skipped when the tagger, taxonomy and model did not change since the last run.

For each week and trend it ranks the week exactly as a digest of a one-trend subscription does
(`digest.content.rank_week`) and prints rank, arXiv id, digest score, relevance, typicality ("no core": no core
evidence), title and the first
sentence(s) of the abstract. With `--judgements FILE` (Markdown table rows `| trend | id | on/off | why |`)
each paper is marked with its recorded judgement (`??` when none) and a per-trend/per-week count of
on-trend papers in the top N is printed at the end. With `--blind FILE` it also writes every (trend, paper) of
the printed top lists as JSON lines {trend, id, title, abstract}, shuffled and without ranks or scores, for
readers who judge them blind (round 4 of docs/digest_precision.md).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trendscope.digest.content import rank_week  # noqa: E402
from trendscope.digest.model import Subscription  # noqa: E402
from trendscope.digest.subscription_store import SubscriptionStore  # noqa: E402
from trendscope.digest.week_context import WeekContext  # noqa: E402
from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.tagger import split_sentences  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TRENDS = ["multimodal", "self_supervised", "continual", "zero_shot", "privacy", "interpretability",
          "efficiency", "ethics"]
_ROW = re.compile(r"^\|\s*(\w+)\s*\|\s*([\w./-]+)\s*\|\s*(on|off)\s*\|\s*(.*?)\s*\|\s*$")


def tagger_stamp() -> str:
    """Changes whenever the tagger code, the packaged taxonomy or the packaged vector model changes."""
    h = hashlib.sha1()
    for f in ("index/tagger.py", "index/taxonomy.py", "index/taxonomy.toml", "index/trend_model.npz"):
        h.update((REPO / f).read_bytes())
    return "precision-" + h.hexdigest()[:12]


def retag(db, home: Home) -> None:
    """Re-tag every paper with a stored vector (rules + packaged vector model), unless already done."""
    import numpy as np

    from trendscope.index.tag_model import load_tag_model
    from trendscope.index.tagger import Tagger
    from trendscope.index.taxonomy import load_taxonomy
    from trendscope.index.trend_store import TrendStore
    from trendscope.index.vector_store import VectorStore

    stamp = tagger_stamp()
    store = TrendStore(db)
    vs = VectorStore(db)
    model_id = vs.model_in_use()
    pks = [int(p) for p in vs.load_all(model_id)[0]]
    states = store.tag_states()
    if all(pk in states and states[pk].taxonomy_hash == stamp for pk in pks):
        print(f"tags up to date ({stamp})")
        return
    taxonomy = load_taxonomy(home.taxonomy_path)
    tagger = Tagger(taxonomy, load_tag_model(home.root))
    model = tagger.model if tagger.model is not None and tagger.model.model_id == model_id else None
    missing = [t for t in taxonomy.names if model is None or t not in model.weights]
    if missing:
        print(f"WARNING: no fitted vector model for {missing} (rules edited? run trendscope train-tags)")
    t = time.perf_counter()
    for i in range(0, len(pks), 1000):
        rows = store.papers(pks[i: i + 1000])
        vecs = vs.get([r.pk for r in rows], model_id)
        logits = model.vector_terms(np.stack([vecs[r.pk] for r in rows])) if model is not None else {}
        results = []
        for j, r in enumerate(rows):
            ml = {k: float(v[j]) for k, v in logits.items()} if logits else None
            tags = tagger.tag(r.title, r.abstract, None, r.categories, vector_terms=ml)
            results.append((r.pk, r.content_hash, True, [(g.trend, g.score, g.evidence, g.strength) for g in tags]))
        store.write_tags(results, taxonomy.names, stamp)
    print(f"re-tagged {len(pks)} papers in {time.perf_counter() - t:.0f}s ({stamp})")


def read_judgements(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(trend, arXiv id) -> (on|off, why) from Markdown table rows `| trend | id | on/off | why |`."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _ROW.match(line.strip())
        if m and m.group(1) in TRENDS:
            out[(m.group(1), m.group(2))] = (m.group(3), m.group(4))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/dp")
    ap.add_argument("--weeks", nargs="+", default=["2026-W10", "2026-W11", "2026-W12"])
    ap.add_argument("--trends", nargs="+", default=TRENDS)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--sentences", type=int, default=2, help="abstract sentences to print (0: none)")
    ap.add_argument("--retag", action="store_true")
    ap.add_argument("--judgements", type=Path, default=None)
    ap.add_argument("--summary", action="store_true", help="only the counts (needs --judgements)")
    ap.add_argument("--blind", type=Path, default=None,
                    help="write the top lists' papers here as shuffled JSON lines for blind judging")
    ap.add_argument("--target", type=float, default=None,
                    help="override the packaged calibration's target (0: no cut, the top N of every candidate)")
    args = ap.parse_args()

    home = Home(Path(args.home))
    calibration = None
    if args.target is not None:
        from dataclasses import replace

        from trendscope.digest.confidence import load_calibration

        calibration = replace(load_calibration(), target=args.target)
    db = open_database(home.db_path)
    if args.retag:
        retag(db, home)
    judged = read_judgements(args.judgements) if args.judgements else {}
    counts: dict[tuple[str, str], tuple[int, int, int, int]] = {}
    blind: dict[tuple[str, str], dict] = {}
    for week in args.weeks:
        ctx = WeekContext(SubscriptionStore(db), week, taxonomy_path=home.taxonomy_path, calibration=calibration)
        for trend in args.trends:
            papers, n, _late = rank_week(Subscription(name=trend, trends=[trend], size=args.top), ctx, None)
            top = papers[: args.top]
            abstracts = {i: r["abstract"] for i, r in ctx.store.papers_by_ids([p.id for p in top]).items()}
            on = sum(judged.get((trend, p.id), ("",))[0] == "on" for p in top)
            off = sum(judged.get((trend, p.id), ("",))[0] == "off" for p in top)
            counts[(trend, week)] = (on, off, len(top), n)
            for p in top:
                blind[(trend, p.id)] = {
                    "trend": trend,
                    "id": p.id,
                    "title": p.title,
                    "abstract": abstracts.get(p.id, ""),
                }
            if args.summary:
                continue
            print(f"\n=== {trend} {week}: top {len(top)} of {n} candidates"
                  + (f" | judged on {on}, off {off}, unjudged {len(top) - on - off}" if judged else ""))
            for i, p in enumerate(top, 1):
                mark = judged.get((trend, p.id), ("??", ""))
                print(
                    f"{i:2d}. {mark[0] if judged else '':3s} [{p.id}] P {p.confidence or 0:.2f} "
                    f"score {p.score:.3f} (rel {p.relevance:.3f}, "
                    f"typ {p.centrality:.2f}{'' if p.core else ', no core'}) {p.title}"
                    + (f"   <- {mark[1]}" if judged and mark[1] else "")
                )
                if args.sentences:
                    text = " ".join(split_sentences(abstracts.get(p.id, ""))[: args.sentences])
                    print(f"      {text[:600]}")
    if args.blind:
        items = list(blind.values())
        random.Random(7).shuffle(items)
        args.blind.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        print(f"wrote {len(items)} (trend, paper) items for blind judging to {args.blind}")
    if judged:
        print("\ntrend              " + "  ".join(f"{w:>12s}" for w in args.weeks))
        for trend in args.trends:
            cells = []
            for week in args.weeks:
                on, off, k, _n = counts[(trend, week)]
                cells.append(f"{on:>2d}/{k:<2d}" + (f" ({k - on - off}?)" if k - on - off else "     "))
            print(f"{trend:18s} " + "  ".join(f"{c:>12s}" for c in cells))


if __name__ == "__main__":
    main()
