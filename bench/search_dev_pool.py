"""Pool the search dev set's candidates: the top results of several systems for every blind-written query.

The queries (bench/data/search_dev_queries.jsonl) were written from one-line topic descriptions before any
system was run. For each query this script takes the top 20 of BM25-OR (plain FTS5 BM25 over the OR of the
query's words, title weighted 2x), dense (MiniLM cosine) and the fused hybrid, and the top 10 of the
all-words keyword search fused with dense as the earlier release did (k=5, weights 1/0.75) and of Trendscope's
ranking keyword mode; the union is what the two readers grade. The pool records which systems found each paper;
the readers never see that (bench/search_dev_grading.py writes their batches without it).

    .venv/bin/python bench/search_dev_pool.py --home /tmp/trendscope-homes/search \
        --out bench/data/search_dev_pool.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.fts_query import parse_query  # noqa: E402
from trendscope.index.search import Searcher, SearchRequest, rrf_fuse  # noqa: E402
from trendscope.index.search_store import SearchStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

QUERIES = ROOT / "bench/data/search_dev_queries.jsonl"


def bm25_or(store: SearchStore, query: str, k: int) -> list[int]:
    """The plain baseline: every query word OR-ed (stop words too), title weighted 2x, over SQLite's own FTS5
    with its porter stemmer (`papers_fts`), as the issue defines it; Trendscope's keyword index is light-stemmed
    (`papers_terms`), so the baseline asks the porter table itself."""
    words = parse_query(query).semantic_text.split()
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
    return [pk for (pk,) in store.db.execute(
        "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY bm25(papers_fts, 2.0, 1.0, 1.0), rowid "
        "LIMIT ?", [match, k])]


def run_systems(searcher: Searcher, store: SearchStore, query: str, k: int = 20) -> dict[str, list[int]]:
    def pks(**kw) -> list[int]:
        return [h.pk for h in searcher.search(SearchRequest(query, limit=k, **kw))]

    out = {"bm25_or": bm25_or(store, query, k), "dense": pks(mode="semantic"), "hybrid": pks(mode="hybrid"),
           "keyword": pks(mode="keyword")}
    and_kw = pks(mode="keyword", all_words=True)
    out["hybrid_all_words"] = [pk for pk, _ in rrf_fuse({"keyword": and_kw, "semantic": out["dense"]}, 5,
                                                       {"keyword": 1.0, "semantic": 0.75})][:k]
    return out


DEPTHS = {"bm25_or": 20, "dense": 20, "hybrid": 20, "keyword": 10, "hybrid_all_words": 10}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    home = Home(args.home)
    db = open_database(home.db_path)
    searcher, store = Searcher(db, home), SearchStore(db)
    rows = []
    for line in QUERIES.open(encoding="utf-8"):
        q = json.loads(line)
        ranked = run_systems(searcher, store, q["query"])
        found: dict[int, list[str]] = {}
        for name, depth in DEPTHS.items():
            for pk in ranked[name][:depth]:
                found.setdefault(pk, []).append(name)
        ids = {pk: r.id for pk, r in store.rows(list(found)).items()}
        rows += [{"qid": q["qid"], "id": ids[pk], "systems": names} for pk, names in found.items()]
    with args.out.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    n_q = len({r["qid"] for r in rows})
    print(f"{len(rows)} query-paper pairs over {n_q} queries ({len(rows) / max(n_q, 1):.1f} per query) -> {args.out}")


if __name__ == "__main__":
    main()
