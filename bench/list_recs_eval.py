"""Reading-list recommendations: how many of a list's recommendations are about the list's topic?

Lists are made from the blind search dev set (bench/data/search_dev_qrels.jsonl; queries and grades written and
given without any recommender's output): for each query with at least 8 papers graded 2 ("about it"), a list of
5 of them (chosen by a hash of their ids), and the same list with one "stray" paper added (a grade-2 paper of
the next query: real lists mix in a paper of another topic). The recommender ranks every other stored paper of
the search bench home; a recommendation counts when the readers graded it 1 or 2 for the query, so unjudged
papers count as misses (the share judged is printed beside). Tune on the odd queries, report the even ones.

    .venv/bin/python bench/list_recs_eval.py --home /tmp/trendscope-homes/search
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from search_dev_eval import half_of, load_dev  # noqa: E402

from trendscope.foundation.home import Home  # noqa: E402
from trendscope.index.vector_store import VectorStore  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402
from trendscope.reading.recommend import score_candidates  # noqa: E402

LIST_SIZE, MIN_ABOUT, TOP = 5, 8, 10
EXTRA_QRELS = ROOT / "bench/data/list_recs_qrels.jsonl"


def _h(s: str) -> str:
    return hashlib.sha1(s.encode()).hexdigest()


def lists_from(queries: list[dict], qrels: dict, have: set[str]) -> list[tuple[str, list[str], list[str]]]:
    """(qid, list ids, list ids with a stray paper) for each query with enough grade-2 papers."""
    about = {q["qid"]: sorted((p for p, g in qrels.get(q["qid"], {}).items() if g == 2 and p in have), key=_h)
             for q in queries}
    qids = [q["qid"] for q in queries if len(about[q["qid"]]) >= MIN_ABOUT]
    out = []
    for i, qid in enumerate(qids):
        other = qids[(i + 1) % len(qids)]
        stray = next(p for p in about[other] if p not in qrels[qid])
        members = about[qid][:LIST_SIZE]
        out.append((qid, members, members + [stray]))
    return out


def evaluate(vecs: np.ndarray, ids: list[str], row: dict[str, int], lists, qrels, **kw) -> dict[str, list]:
    res: dict[str, list] = {"tune": [], "report": []}
    for qid, *variants in lists:
        for members in variants:
            q = vecs[[row[m] for m in members]]
            keep = np.ones(len(ids), dtype=bool)
            keep[[row[m] for m in members]] = False
            c_idx = np.flatnonzero(keep)
            top = score_candidates(q, vecs[c_idx], np.asarray(c_idx, dtype=np.int64), TOP, **kw)
            recs = [ids[c_idx[i]] for i in top]
            grades = qrels[qid]
            res[half_of(qid)].append((sum(1 for r in recs if grades.get(r, 0) >= 1) / TOP,
                                      sum(1 for r in recs if r in grades) / TOP))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    db = open_database(Home(args.home).db_path)
    vs = VectorStore(db)
    pks, vecs = vs.load_all(vs.model_in_use())
    id_of = dict(db.execute("SELECT pk, id FROM papers").fetchall())
    ids = [id_of[int(pk)] for pk in pks]
    row = {a: i for i, a in enumerate(ids)}
    queries, qrels = load_dev()
    lists = lists_from(queries, qrels, set(row))  # from the dev set's own grades only
    for line in EXTRA_QRELS.open(encoding="utf-8"):  # the recommendations outside the pool, graded the same way
        r = json.loads(line)
        qrels[r["qid"]].setdefault(r["id"], int(r["grade"]))
    print(f"{len(lists)} lists of {LIST_SIZE} papers (and the same with a stray paper); top {TOP} each")
    for name, kw in (("best match, spread over list papers (before)", dict(topic_weight=0.0, spread=True)),
                     ("best match", dict(topic_weight=0.0, spread=False)),
                     ("best match + 0.5 x list centroid", dict(topic_weight=0.5, spread=False)),
                     ("best match + 1 x list centroid", dict(topic_weight=1.0, spread=False)),
                     ("best match + 2 x list centroid", dict(topic_weight=2.0, spread=False)),
                     ("list centroid alone", dict(topic_weight=1e6, spread=False)),
                     ("best match + 1 x list centroid, spread", dict(topic_weight=1.0, spread=True))):
        r = evaluate(vecs, ids, row, lists, qrels, **kw)
        line = "  ".join(f"{h}: P@10 {np.mean([p for p, _ in v]):.3f} (judged {np.mean([j for _, j in v]):.2f})"
                         for h, v in r.items())
        print(f"{name:48} {line}", flush=True)


if __name__ == "__main__":
    main()
