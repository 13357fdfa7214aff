"""Known-item lookups: does a search for a paper's title, its title's name or its arXiv id put that paper first?

A generated set, labelled as such: a deterministic sample of a home's papers, one query per paper and kind, the
paper itself the one right answer (what a researcher looking a paper up expects; topic relevance is measured on
the blind dev set, bench/search_dev_eval.py). Kinds:
  * "title": the title as written;
  * "name": the part of the title before its colon ("LoRA" of "LoRA: Low-Rank Adaptation of ..."), for titles
    with one of at most four words (several papers may share a name: a hit is any paper with that name first);
  * "id": the arXiv id.
Prints the share found at rank 1 and within the top 10, per kind and mode, with the known-item step
(index/known_item.py) on and off.

    .venv/bin/python bench/known_item_eval.py --home /tmp/trendscope-homes/search [--n 200]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from trendscope.index.known_item import MAX_NAME_WORDS, squashed, words_of  # noqa: E402
from trendscope.index.search import Searcher  # noqa: E402
from trendscope.index.search_request import SearchRequest  # noqa: E402
from trendscope.ingest.paper_reads import PaperReads  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", required=True)
    ap.add_argument("--n", type=int, default=200, help="papers per kind")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    db = open_database(Path(args.home) / "trendscope.db")
    reads = PaperReads(db)
    rows = list(reads.rows(pk for (pk,) in db.execute("SELECT pk FROM papers ORDER BY pk")).values())
    rng = random.Random(args.seed)
    titled = rng.sample(rows, min(args.n, len(rows)))
    named = [r for r in rows if ":" in r.title and 0 < len(words_of(r.title.split(":", 1)[0])) <= MAX_NAME_WORDS]
    named = rng.sample(named, min(args.n, len(named)))
    name_of = {r.pk: squashed(r.title.split(":", 1)[0]) for r in rows if ":" in r.title}
    cases = ([("title", r.title, {r.pk}) for r in titled]
             + [("name", r.title.split(":", 1)[0], {pk for pk, n in name_of.items() if n == name_of[r.pk]})
                for r in named]
             + [("id", r.id, {r.pk}) for r in titled])
    searcher = Searcher(db, args.home)
    print(f"{len(rows)} papers; {len(titled)} titles, {len(named)} names, {len(titled)} ids (seed {args.seed})")
    print(f"{'mode':9s} {'known':6s} " + " ".join(f"{k + ' @1':>9s} {k + ' @10':>9s}" for k in ("title", "name", "id")))
    for mode in ("keyword", "semantic", "hybrid"):
        for on in (False, True):
            searcher.known_items = on
            found: dict[str, list[tuple[bool, bool]]] = {"title": [], "name": [], "id": []}
            for kind, query, right in cases:
                try:
                    pks = [h.pk for h in searcher.search(SearchRequest(query=query, mode=mode, limit=10))]
                except Exception as exc:  # a query the parser refuses counts as not found
                    print(f"  {kind} {query!r}: {exc}", file=sys.stderr)
                    pks = []
                found[kind].append((bool(pks) and pks[0] in right, bool(right & set(pks))))
            cells = []
            for kind in ("title", "name", "id"):
                f = found[kind]
                cells.append(f"{sum(a for a, _ in f) / len(f):9.1%} {sum(b for _, b in f) / len(f):9.1%}")
            print(f"{mode:9s} {'on' if on else 'off':6s} " + " ".join(cells), flush=True)


if __name__ == "__main__":
    main()
