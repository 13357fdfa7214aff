"""Reading-list recommendations: how many of a list's recommendations are about the list's topic?

Lists are made from the blind search dev set (bench/data/search_dev_qrels.jsonl; queries and grades written and
given without any recommender's output): for each query with at least 8 papers graded 2 ("about it"), a list of
5 of them (chosen by a hash of their ids), and the same list with one "stray" paper added (a grade-2 paper of
the next query: real lists mix in a paper of another topic). The recommender ranks every other stored paper of
the search bench home; a recommendation counts when the readers graded it 1 or 2 for the query, so unjudged
papers count as misses (the share judged is printed beside). Tune on the odd queries, report the even ones.

`--mixed`: lists of two topics (written down 2026-12-05 before the grouped ranking existed). Within each half, the
qualifying queries in order are paired with the next one (A, B); a list holds 3 grade-2 papers of A and 3 of B
("3+3"), or 4 of A and 2 of B ("4+2": a main topic and a side one), none graded for both. A recommendation
counts for A or for B when the readers graded it 1 or 2 for that query (bench/data/list_recs_qrels.jsonl holds
the grades of papers outside the dev-set pool). Reported: the share on either topic, the mean places of the
topic with fewer of them, and the lists where both topics hold at least 2 of the 10 places.

    .venv/bin/python bench/list_recs_eval.py --home /tmp/trendscope-homes/search
    .venv/bin/python bench/list_recs_eval.py --home /tmp/trendscope-homes/search --mixed [--unjudged out.jsonl]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import defaultdict
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
MIXED_QRELS = ROOT / "bench/data/list_recs_mixed_qrels.jsonl"  # the two-topic lists' papers outside the pool


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


def mixed_lists_from(queries: list[dict], qrels: dict, have: set[str]) -> list[tuple[str, str, str, str, list[str]]]:
    """(half, variant, qid A, qid B, list ids) for each consecutive pair of qualifying queries of one half."""
    about = {q["qid"]: sorted((p for p, g in qrels.get(q["qid"], {}).items() if g == 2 and p in have), key=_h)
             for q in queries}
    out = []
    for half in ("tune", "report"):
        qids = [q["qid"] for q in queries if half_of(q["qid"]) == half and len(about[q["qid"]]) >= MIN_ABOUT]
        for i, a in enumerate(qids):
            b = qids[(i + 1) % len(qids)]
            only_a = [p for p in about[a] if qrels[b].get(p, 0) == 0]
            only_b = [p for p in about[b] if qrels[a].get(p, 0) == 0]
            out.append((half, "3+3", a, b, only_a[:3] + only_b[:3]))
            out.append((half, "4+2", a, b, only_a[:4] + only_b[:2]))
    return out


def recommended(vecs: np.ndarray, ids: list[str], row: dict[str, int], members: list[str], **kw) -> list[str]:
    """The top TOP recommendations for a list of these papers, from every other paper of the home."""
    q = vecs[[row[m] for m in members]]
    keep = np.ones(len(ids), dtype=bool)
    keep[[row[m] for m in members]] = False
    c_idx = np.flatnonzero(keep)
    top = score_candidates(q, vecs[c_idx], np.asarray(c_idx, dtype=np.int64), TOP, **kw)
    return [ids[c_idx[i]] for i in top]


def evaluate_mixed(vecs: np.ndarray, ids: list[str], row: dict[str, int], lists, qrels,
                   unjudged: dict | None = None, system: str = "", **kw) -> dict[tuple[str, str], list]:
    """Per (half, variant): (share on either topic, places of the smaller topic, both topics >= 2, share judged)."""
    res: dict[tuple[str, str], list] = defaultdict(list)
    for half, variant, a, b, members in lists:
        recs = recommended(vecs, ids, row, members, **kw)
        on_a = sum(1 for r in recs if qrels[a].get(r, 0) >= 1)
        on_b = sum(1 for r in recs if qrels[b].get(r, 0) >= 1)
        either = sum(1 for r in recs if qrels[a].get(r, 0) >= 1 or qrels[b].get(r, 0) >= 1)
        judged = sum(1 for r in recs if r in qrels[a] and r in qrels[b])
        if unjudged is not None:
            for pair in ((qid, r) for r in recs for qid in (a, b) if r not in qrels[qid]):
                unjudged.setdefault(pair, []).append(system)
        res[(half, variant)].append((either / TOP, min(on_a, on_b), min(on_a, on_b) >= 2, judged / TOP))
    return res


def evaluate(vecs: np.ndarray, ids: list[str], row: dict[str, int], lists, qrels, **kw) -> dict[str, list]:
    res: dict[str, list] = {"tune": [], "report": []}
    for qid, *variants in lists:
        for members in variants:
            recs = recommended(vecs, ids, row, members, **kw)
            grades = qrels[qid]
            res[half_of(qid)].append((sum(1 for r in recs if grades.get(r, 0) >= 1) / TOP,
                                      sum(1 for r in recs if r in grades) / TOP))
    return res


def home_vectors(home: Path):
    """(database, stored pks, their vectors, the arXiv id of each vector's paper, {arXiv id: vector row})."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    db = open_database(Home(home).db_path)
    vs = VectorStore(db)
    pks, vecs = vs.load_all(vs.model_in_use())
    id_of = dict(db.execute("SELECT pk, id FROM papers").fetchall())
    ids = [id_of[int(pk)] for pk in pks]
    return db, pks, vecs, ids, {a: i for i, a in enumerate(ids)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--mixed", action="store_true", help="lists of two topics (3+3 and 4+2 papers)")
    ap.add_argument("--half", choices=("tune", "report"), help="print one half only (choose on the tuning half)")
    ap.add_argument("--unjudged", type=Path, help="with --mixed: write the (query, paper) pairs not graded yet")
    args = ap.parse_args()
    _db, pks, vecs, ids, row = home_vectors(args.home)
    queries, qrels = load_dev()
    lists = lists_from(queries, qrels, set(row))  # from the dev set's own grades only
    mixed = None
    for path in (EXTRA_QRELS, MIXED_QRELS):  # the recommendations outside the pool, graded the same way
        if path == MIXED_QRELS:  # two-topic lists: from the grades there were before their own
            mixed = mixed_lists_from(queries, qrels, set(row))
        for line in (path.open(encoding="utf-8") if path.exists() else ()):
            r = json.loads(line)
            qrels[r["qid"]].setdefault(r["id"], int(r["grade"]))
    if args.mixed:
        return mixed_main(vecs, ids, row, mixed, qrels, args.unjudged, args.half)
    print(f"{len(lists)} lists of {LIST_SIZE} papers (and the same with a stray paper); top {TOP} each")
    one = dict(similarity=None)  # the whole list as one topic (the rankings before 2026-12-05)
    for name, kw in (("best match, spread over list papers (before)", dict(topic_weight=0.0, spread=True, **one)),
                     ("best match", dict(topic_weight=0.0, **one)),
                     ("best match + 0.5 x list centroid", dict(topic_weight=0.5, **one)),
                     ("best match + 1 x list centroid (before)", dict(topic_weight=1.0, **one)),
                     ("best match + 2 x list centroid", dict(topic_weight=2.0, **one)),
                     ("list centroid alone", dict(topic_weight=1e6, **one)),
                     ("best match + 1 x list centroid, spread", dict(topic_weight=1.0, spread=True, **one)),
                     *((f"best match + 1 x its topic's centroid, topics at similarity {t}",
                        dict(similarity=t, balance=False)) for t in (0.3, 0.35, 0.4, 0.5)),
                     *((f"as above, places in proportion to each topic's papers, similarity {t}",
                        dict(similarity=t, balance=True)) for t in (0.4, 0.5))):
        r = evaluate(vecs, ids, row, lists, qrels, **kw)
        line = "  ".join(f"{h}: P@10 {np.mean([p for p, _ in v]):.3f} (judged {np.mean([j for _, j in v]):.2f})"
                         for h, v in r.items() if args.half in (None, h))
        print(f"{name:48} {line}", flush=True)


MIXED_RANKINGS = (("centroid", "best match + 1 x list centroid (before)", dict(similarity=None)),
                  *((f"topics{t}", f"best match + 1 x its topic's centroid, topics at similarity {t}",
                     dict(similarity=t, balance=False)) for t in (0.2, 0.3, 0.35, 0.4, 0.5)),
                  *((f"balanced{t}", f"as above, places in proportion to each topic's papers, similarity {t}",
                     dict(similarity=t, balance=True)) for t in (0.3, 0.35, 0.4, 0.5)))


def mixed_main(vecs, ids, row, mixed, qrels, unjudged_out: Path | None, half: str | None) -> None:
    lists = [x for x in mixed if half in (None, x[0])]
    print(f"{len(lists)} two-topic lists; top {TOP} each")
    unjudged: dict = {}
    for system, name, kw in MIXED_RANKINGS:
        r = evaluate_mixed(vecs, ids, row, lists, qrels, unjudged=unjudged, system=system, **kw)
        print(name)
        for (half, variant), v in sorted(r.items()):
            print(f"   {half:6} {variant}: on topic {np.mean([x[0] for x in v]):.3f}, smaller topic's places "
                  f"{np.mean([x[1] for x in v]):.2f}, both >= 2 in {sum(x[2] for x in v)}/{len(v)} lists "
                  f"(judged {np.mean([x[3] for x in v]):.2f})", flush=True)
    if unjudged_out:
        with unjudged_out.open("w", encoding="utf-8") as f:
            for (qid, pid), systems in sorted(unjudged.items()):
                f.write(json.dumps({"qid": qid, "id": pid, "systems": sorted(set(systems))}) + "\n")
        print(f"{len(unjudged)} (query, paper) pairs not graded -> {unjudged_out}")


if __name__ == "__main__":
    main()
