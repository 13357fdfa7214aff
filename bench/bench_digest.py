"""Time building every digest of one ISO week over the full corpus (and dump the top papers for checking).

Usage:
  .venv/bin/python bench/bench_digest.py [--home /tmp/trendscope-bench-digest] [--week 2026-W10]
                                         [--corpus ../shared/data/arxiv_corpus.jsonl.gz] [--show N]

The bench home is built once (snapshot import) and reused. Tags: by default only the papers a digest of the
week reads (the week and the 8 weeks before) are tagged by the real tagger, from its rules alone, or with
--vectors from rules + the packaged vector model after embedding those papers (as `trendscope index` does);
--full-tags runs `update_trend_tags` over the whole corpus instead (about an hour on 2 busy cores). Each run
creates one subscription per trend plus two query
subscriptions and one category subscription (if missing), then, in this process, times:
  build  = build_digest for every subscription (shared WeekContext, as run_weekly does; charts included)
  render = Markdown + HTML + Atom + the MIME email for each digest
Nothing is recorded as issued, so every run measures the same cold work. --show prints each trend
subscription's top papers (title + abstract start) for checking them against the rubric by hand.
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trendscope.digest import api  # noqa: E402
from trendscope.digest.atom_feed import digest_entries, render_atom  # noqa: E402
from trendscope.digest.content import build_digest  # noqa: E402
from trendscope.digest.mail_message import build_message  # noqa: E402
from trendscope.digest.render import render_html, render_markdown  # noqa: E402
from trendscope.digest.subscription_store import SubscriptionStore  # noqa: E402
from trendscope.digest.week_context import WeekContext  # noqa: E402
from trendscope.foundation.clock import week_bounds  # noqa: E402
from trendscope.foundation.home import Home  # noqa: E402
from trendscope.ingest.store import PaperStore, open_database  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "data" / "arxiv_corpus.jsonl.gz"
QUERIES = {"q-diffusion": "diffusion models", "q-agents": "LLM agents"}


def ensure_home(home: Home, corpus: Path, weeks: list[str], full_tags: bool, vectors: bool) -> None:
    """Import the corpus once; tag the papers the digests of `weeks` read (or, with full_tags, every paper)."""
    db = open_database(home.db_path)
    if PaperStore(db).count() == 0:
        from trendscope.ingest.snapshot import import_snapshot

        t = time.perf_counter()
        res = import_snapshot(db, corpus, progress=True)
        print(f"imported {corpus.name}: {res.run.new} papers in {time.perf_counter() - t:.0f}s")
    if full_tags:
        from trendscope.index.trend_update import update_trend_tags

        t = time.perf_counter()
        print(f"tagging: {update_trend_tags(db, home, progress=True)} in {time.perf_counter() - t:.0f}s")
    else:
        tag_window(db, home, weeks, vectors)
    db.conn.close()


def tag_window(db, home: Home, weeks: list[str], vectors: bool) -> None:
    """Tag the papers of each week and of the 8 weeks before it (exactly what a digest of those weeks reads)
    with the real tagger. With `vectors`, those papers are embedded first (the packaged MiniLM) and tagged
    with rules + the packaged vector model, as `trendscope index` does; else by the rules alone."""
    from trendscope.index.tagger import Tagger
    from trendscope.index.taxonomy import load_taxonomy
    from trendscope.index.trend_store import TrendStore

    store = TrendStore(db)
    window: set[int] = set()
    for week in weeks:
        start, end = week_bounds(week)
        first = (start - timedelta(weeks=8)).isoformat()
        window |= {pk for (pk,) in db.execute("SELECT pk FROM papers WHERE published >= ? AND published <= ?",
                                             [first, end.isoformat()])}
    taxonomy = load_taxonomy(home.taxonomy_path)
    model, vs, model_id = None, None, None
    if vectors:
        from trendscope.index.embedder import load_embedder, paper_text
        from trendscope.index.tag_model import load_tag_model
        from trendscope.index.vector_store import VectorStore

        emb = load_embedder()
        vs, model_id = VectorStore(db), emb.model_id
        have = set(vs.get(sorted(window), model_id))
        need = sorted(window - have)
        t = time.perf_counter()
        for i in tqdm(range(0, len(need), 256), desc="embedding window", unit="batch"):
            rows = store.papers(need[i: i + 256])
            vecs = emb.encode([paper_text(r.title, r.abstract) for r in rows])
            vs.put(model_id, [(r.pk, r.content_hash, v) for r, v in zip(rows, vecs)])
        if need:
            print(f"embedded {len(need)} papers in {time.perf_counter() - t:.0f}s")
        model = load_tag_model(home.root)
    stamp = "bench-window-vectors" if vectors else "bench-window-rules"
    states = store.tag_states()
    # untagged papers; with --vectors also those tagged from rules alone before
    todo = sorted(pk for pk in window if pk not in states or (vectors and states[pk].taxonomy_hash != stamp))
    if not todo:
        return
    tagger = Tagger(taxonomy, model)
    t = time.perf_counter()
    for i in tqdm(range(0, len(todo), 1000), desc="tagging window", unit="k papers"):
        rows = store.papers(todo[i: i + 1000])
        vecs = vs.get([r.pk for r in rows], model_id) if vs is not None else {}
        results = [(r.pk, r.content_hash, r.pk in vecs,
                    [(g.trend, g.score, g.evidence, g.strength)
                     for g in tagger.tag(r.title, r.abstract, vecs.get(r.pk), r.categories)])
                   for r in rows]
        store.write_tags(results, taxonomy.names, stamp)
    print(f"tagged {len(todo)} papers ({'rules + vector model' if vectors else 'rules only'}) "
          f"in {time.perf_counter() - t:.0f}s")


def ensure_subscriptions(db, home: Home) -> list:
    existing = {s.name for s in api.list_subscriptions(db)}
    for trend in api.known_trends(home):
        if trend not in existing:
            api.add_subscription(db, home, trend, trends=[trend], size=10)
    for name, query in QUERIES.items():
        if name not in existing:
            api.add_subscription(db, home, name, query=query, size=10)
    if "cat-cs.CL-efficiency" not in existing:
        api.add_subscription(db, home, "cat-cs.CL-efficiency", trends=["efficiency"], categories=["cs.CL"],
                             exclude=["survey"], size=10)
    return api.list_subscriptions(db)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/trendscope-bench-digest")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--week", default="2026-W10")
    ap.add_argument("--full-tags", action="store_true",
                    help="tag the whole corpus with update_trend_tags (about an hour on 2 busy cores) instead of "
                         "only the weeks the digest reads")
    ap.add_argument("--vectors", action="store_true",
                    help="embed the window's papers and tag them with rules + the packaged vector model "
                         "(what `trendscope index` does); default: rules only")
    ap.add_argument("--show", type=int, default=0, help="print the top N papers of each trend subscription")
    ap.add_argument("--search", action="store_true",
                    help="query subscriptions through index.search.Searcher (else FTS5 keyword scoring)")
    args = ap.parse_args()

    home = Home(Path(args.home)).ensure()
    ensure_home(home, Path(args.corpus), [args.week], args.full_tags, args.vectors)
    db = open_database(home.db_path)
    subs = ensure_subscriptions(db, home)
    n_papers = PaperStore(db).count()
    n_tags = db.execute("SELECT count(*) FROM paper_trends").fetchone()[0]

    scorer = api.default_query_scorer(db, home) if args.search else None
    t0 = time.perf_counter()
    ctx = WeekContext(SubscriptionStore(db), args.week)
    digests = [build_digest(db, s, args.week, context=ctx, query_scorer=scorer) for s in subs]
    t1 = time.perf_counter()
    size = 0
    for d in digests:
        size += len(render_markdown(d)) + len(render_html(d)) + len(render_atom(d.subscription, digest_entries(d)))
        size += len(bytes(build_message(d, "Trendscope <digest@example.org>", "reader@example.org",
                                        "<bench@example.org>")))
    t2 = time.perf_counter()

    print(f"corpus: {n_papers} papers, {n_tags} tag rows; week {args.week}: {ctx.total_this_week} papers")
    print(f"{len(digests)} digests: build {t1 - t0:.2f}s, render {t2 - t1:.2f}s, total {t2 - t0:.2f}s "
          f"({size / 1e6:.1f} MB rendered)")
    for d in digests:
        lines = "; ".join(f"{x.label} {x.count} ({x.share:.1%}, avg {x.trailing_avg_share:.1%}, {x.direction})"
                          for x in d.lines)
        print(f"  {d.subscription.name:24s} {len(d.papers):2d}/{d.candidates:4d} candidates | {lines}")
    if args.show:
        for d in digests:
            if not d.subscription.trends or d.subscription.categories:
                continue
            print(f"\n=== {d.subscription.name} {args.week}")
            for i, p in enumerate(d.papers[: args.show], 1):
                print(
                    f"{i:2d}. [{p.id}] {p.title}  (rel {p.relevance:.2f}, nov {p.novelty:.2f}, {', '.join(p.trends)})"
                )
                print(f"    {p.excerpt[:300]}")


if __name__ == "__main__":
    main()
