"""Would lighter stemming rank better? The keyword side over an FTS5 index of light-stemmed text (inflections
only: "continual"/"continually", never "continuous"), on the tuning half of the blind search dev set.

FTS5's porter tokenizer gives "continual" and "continuous" one stem ("continu"), as it does "generation",
"generative", "general" and "generalization" ("gener"), so a search for continual learning also ranks papers
on continuous control (a blind walkthrough, 2026-12-06). This bench builds a scratch FTS5 table (unicode61, no
stemmer) over each paper's title, abstract and authors with every word reduced by `light_stem` (plural and
-ed/-ing/-ly endings), in a separate file, and swaps it in for the keyword side of the shipped pipeline (hybrid's
fusion, feedback and known-item steps unchanged). The BM25-OR baseline stays porter, as the dev set defines it.

    .venv/bin/python bench/light_stemming_eval.py --home /tmp/trendscope-homes/search [--half tune]
"""
from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search_dev_eval as dev  # noqa: E402
from search_dev_pool import bm25_or  # noqa: E402

from trendscope.index.fts_query import parse_query  # noqa: E402
from trendscope.index.search import Searcher, SearchRequest  # noqa: E402
from trendscope.index.search_store import SearchStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

WORD = re.compile(r"\w+")


def light_stem(word: str) -> str:
    """A word without its inflection: "continual", "continually" -> "continual"; "continuous" stays itself."""
    u = word.lower()
    if len(u) > 4 and u.endswith("ies"):
        u = u[:-3] + "y"
    elif u.endswith(("sses", "ches", "shes", "xes", "zes")):
        u = u[:-2]
    elif len(u) > 3 and u.endswith("s") and not u.endswith(("ss", "us", "is")):
        u = u[:-1]
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        if u.endswith(suffix) and len(u) - len(suffix) >= 3:
            u = u[:-len(suffix)]
            if len(u) >= 3 and u[-1] == u[-2] and u[-1] not in "aeiou":
                u = u[:-1]  # "stopped" -> "stop"
            break
    if u.endswith("e") and len(u) > 3:
        u = u[:-1]  # "tune", "tuned", "tuning" -> "tun"
    if u.endswith("y") and len(u) > 3:
        u = u[:-1] + "i"
    return u


def light_text(text: str | None) -> str:
    return WORD.sub(lambda m: light_stem(m.group(0)), text or "")


def light_index(db, path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    if not conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'lf'").fetchone()[0]:
        conn.execute("CREATE VIRTUAL TABLE lf USING fts5(title, abstract, authors, "
                     "tokenize = 'unicode61 remove_diacritics 2')")
        rows = [(pk, light_text(t), light_text(a), au)
                for pk, t, a, au in db.execute("SELECT pk, title, abstract, authors FROM papers")]
        conn.executemany("INSERT INTO lf (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)", rows)
        conn.commit()
    return conn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--half", choices=("tune", "report"), default="tune")
    ap.add_argument("--scratch", type=Path, default=Path("/tmp/trendscope-light-stemming.db"))
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    db = open_database(args.home / "trendscope.db")
    store = SearchStore(db)
    light = light_index(db, args.scratch)

    def light_keyword(words: list[str], k: int, weights) -> list[tuple[int, float]]:
        match = " OR ".join(f'"{light_stem(w)}"' for w in words)
        sql = "SELECT rowid, -bm25(lf, ?, ?, ?) FROM lf WHERE lf MATCH ? ORDER BY bm25(lf, ?, ?, ?) LIMIT ?"
        return light.execute(sql, (*weights, match, *weights, k)).fetchall() if words else []

    class LightSearcher(Searcher):
        def _keyword(self, pq, flt, k, order, share=None):
            lexical = self.lexical_query(pq, share)
            words = [g.plain_word for g in lexical.groups if g.plain_word]
            if len(words) != len(lexical.groups) or lexical.required:  # phrases, fields: as shipped
                return super()._keyword(pq, flt, k, order, share)
            return light_keyword(words, k, self.bm25_weights)

    queries, qrels = dev.load_dev()
    chosen = [q for q in queries if dev.half_of(q["qid"]) == args.half
              and any(g >= 1 for g in qrels.get(q["qid"], {}).values())]

    def score(rank) -> float:
        return sum(dev.ndcg10(rank(q["query"]), qrels[q["qid"]]) for q in chosen) / len(chosen)

    def ids(pks: list[int]) -> list[str]:
        rows = store.rows(pks)
        return [rows[pk].id for pk in pks if pk in rows]

    print(f"{len(chosen)} queries, {args.half} half; nDCG@10")
    print(f"bm25_or  porter {score(lambda q: ids(bm25_or(store, q, 10))):.3f}")
    print(f"bm25_or  light  {score(lambda q: ids([pk for pk, _ in light_keyword(parse_query(q).semantic_text.split(), 10, (2.0, 1.0, 1.0))])):.3f}")  # noqa: E501
    for name, searcher in (("porter", Searcher(db, args.home, parallel=False)),
                           ("light ", LightSearcher(db, args.home, parallel=False))):
        for mode in ("keyword", "hybrid"):
            print(f"{mode:<8} {name} "
                  f"{score(lambda q: [h.id for h in searcher.search(SearchRequest(q, mode=mode, limit=10))]):.3f}")


if __name__ == "__main__":
    main()
