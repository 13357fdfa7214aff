"""Recommendations for a reading list, from real MiniLM vectors of real sample papers.

Never a paper already in the list or marked not interested (whatever id form was used), each with the
reason "close to <title of a list paper>", ranked by best cosine match, filterable by date.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from lists_support import cli, ingest_rows

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.embedder import paper_text
from trendscope.ingest.store import PaperStore
from trendscope.reading.lists import ReadingLists

N_PAPERS = 160


@pytest.fixture(scope="module")
def corpus(sample_rows, embedder):
    """160 real papers (with authors, new-style ids) and their real embeddings, computed once."""
    rows = [r for r in sample_rows if r["authors"] and "/" not in r["id"]][:N_PAPERS]
    vecs = embedder.encode([paper_text(r["title"], r["abstract"]) for r in rows])
    return rows, vecs, embedder.model_id


def write_vectors(db, pks, vecs, model) -> None:
    """Store vectors through the index layer's VectorStore (the real write path)."""
    from trendscope.index.vector_store import VectorStore

    vs = VectorStore(db)
    hashes = {pk: h for pk, h in db.execute("SELECT pk, content_hash FROM papers")}
    vs.put(model, [(int(pk), hashes[int(pk)], v) for pk, v in zip(pks, np.asarray(vecs, dtype=np.float32))])


@pytest.fixture
def indexed(home, corpus):
    """A home with the papers ingested and all but the last 10 indexed (the last 10 have no vector)."""
    rows, vecs, model = corpus
    db = ingest_rows(home, rows)
    store = PaperStore(db)
    pks = [store.pk_of(r["id"]) for r in rows]
    assert None not in pks
    write_vectors(db, pks[:-10], vecs[:-10], model)
    return db, rows, vecs


def expected_ranking(rows, vecs, member_idx, excluded_idx, since=None, indexed=None, limit=None):
    """Brute-force reference (independent of reading/): candidates sorted by their best cosine to one member plus
    their cosine to the members' normalised mean vector (the list's topic: a blind walkthrough found the best match
    alone filling places with the neighbours of one off-topic member), ties to the later paper."""
    indexed = indexed if indexed is not None else len(rows) - 10
    members = [i for i in member_idx if i < indexed]
    q = vecs[members]
    centroid = q.mean(axis=0)
    centroid = centroid / np.linalg.norm(centroid)
    out = []
    for i in range(indexed):
        if i in excluded_idx or (since and rows[i]["published"] < since):
            continue
        out.append((float((vecs[i] @ q.T).max()) + float(vecs[i] @ centroid), i))
    out.sort(key=lambda t: (-t[0], -t[1]))
    return [rows[i]["id"] for _, i in (out if limit is None else out[:limit])]


def test_recommend_ranks_by_best_match_and_never_returns_excluded(indexed):
    db, rows, vecs = indexed
    rl = ReadingLists(db)
    rl.create("R")
    members = [3, 40, 77]
    # versioned id, URL, plain id: all stored without version
    rl.add("R", [f"{rows[3]['id']}v2", f"https://arxiv.org/abs/{rows[40]['id']}", rows[77]["id"]])
    first = rl.recommend("R", limit=10)
    exp = expected_ranking(rows, vecs, members, set(members), limit=10)
    assert [r.arxiv_id for r in first.items] == exp
    assert first.used == 3 and first.not_indexed == []
    titles = {rows[i]["id"]: rows[i]["title"] for i in members}
    for r in first.items:
        assert r.because_id in titles and r.reason == (f"close to {titles[r.because_id]}" if r.close else
                                                       f"nearest list paper: {titles[r.because_id]}")
        i = next(k for k, row in enumerate(rows) if row["id"] == r.arxiv_id)
        sims = {rows[m]["id"]: float(vecs[i] @ vecs[m]) for m in members}
        assert r.because_id == max(sims, key=sims.get)
        assert r.score == pytest.approx(max(sims.values()), abs=1e-4)

    # mark the top two "not interested" (URL with version, and versioned id): they never come back
    top2 = [first.items[0].arxiv_id, first.items[1].arxiv_id]
    rl.mark_not_interested("R", [f"http://arxiv.org/abs/{top2[0]}v3", f"{top2[1]}v1"])
    again = rl.recommend("R", limit=len(rows))
    got = [r.arxiv_id for r in again.items]
    excluded = {rows[i]["id"] for i in members} | set(top2)
    assert not excluded & set(got)
    idx = {r["id"]: k for k, r in enumerate(rows)}
    assert got == expected_ranking(rows, vecs, members, {idx[a] for a in excluded}, limit=len(rows))
    assert got[:8] == expected_ranking(rows, vecs, members, set(members))[2:10]


def test_recommend_since_and_unindexed_members(indexed):
    db, rows, vecs = indexed
    rl = ReadingLists(db)
    rl.create("R")
    since = sorted(r["published"] for r in rows[:-10])[len(rows) // 2]
    unindexed = len(rows) - 3  # ingested, no vector
    rl.add("R", [rows[5]["id"], rows[unindexed]["id"], "2401.99999"])  # last one: not ingested at all
    res = rl.recommend("R", limit=15, since=since)
    assert res.used == 1 and sorted(res.not_indexed) == sorted([rows[unindexed]["id"], "2401.99999"])
    assert res.items and all(r.published >= since for r in res.items)
    assert [r.arxiv_id for r in res.items] == expected_ranking(rows, vecs, [5], {5}, since=since, limit=15)
    assert all(r.because_id == rows[5]["id"] for r in res.items)
    assert rl.recommend("R", limit=5, since="2999-01-01").items == []


def test_recommend_empty_list_and_no_vectors(home, sample_rows):
    db = ingest_rows(home, sample_rows[:20])
    rl = ReadingLists(db)
    rl.create("E")
    assert rl.recommend("E").items == []
    rl.add("E", [sample_rows[0]["id"]])
    with pytest.raises(TrendscopeError, match="trendscope index"):
        rl.recommend("E")
    with pytest.raises(TrendscopeError, match="at least 1"):
        rl.recommend("E", limit=0)


def test_cli_recommend(home, indexed):
    db, rows, vecs = indexed
    assert cli(home, "lists", "create", "R").exit_code == 0
    assert cli(home, "lists", "add", "R", f"{rows[10]['id']}v1", rows[11]["id"]).exit_code == 0
    assert cli(home, "lists", "not-interested", "R", f"arxiv.org/abs/{rows[12]['id']}").exit_code == 0
    r = cli(home, "lists", "recommend", "R", "-n", "5", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    got = [x["arxiv_id"] for x in data["items"]]
    assert len(got) == 5 and not {rows[10]["id"], rows[11]["id"], rows[12]["id"]} & set(got)
    assert got == expected_ranking(rows, vecs, [10, 11], {10, 11, 12}, limit=5)
    assert all(x["reason"].startswith("close to " if x["close"] else "nearest list paper: ") for x in data["items"])
    r = cli(home, "lists", "recommend", "R", "-n", "3", "--since", "2020-01-01")
    assert r.exit_code == 0 and r.output.count("close to ") <= 3
    assert " score " not in r.output  # spread over the list, scores do not fall down it: only --json has them
    r = cli(home, "lists", "recommend", "R", "--since", "2099-01-01")
    assert "No recommendations published since 2099-01-01." in r.output
    assert "(the newest stored paper is from " in r.output and "give an earlier --since)" in r.output
    r = cli(home, "lists", "recommend", "R", "--since", "last tuesday")
    assert r.exit_code == 1 and "--since: not a date: 'last tuesday'" in r.output

    # re-indexing from scratch (vectors dropped, then rebuilt) leaves the list and its marks alone
    from trendscope.index.vector_store import VectorStore

    model = VectorStore(db).model_in_use()
    VectorStore(db).delete_all()
    r = cli(home, "lists", "recommend", "R")
    assert r.exit_code == 1 and "trendscope index" in r.output
    store = PaperStore(db)
    write_vectors(db, [store.pk_of(x["id"]) for x in rows[:-10]], vecs[:-10], model)
    r = cli(home, "lists", "recommend", "R", "-n", "5", "--json")
    assert [x["arxiv_id"] for x in json.loads(r.stdout)["items"]] == got
    assert [x["arxiv_id"] for x in json.loads(cli(home, "lists", "show", "R", "--json").stdout)["items"]] == [
        rows[10]["id"], rows[11]["id"]]
    assert cli(home, "lists", "not-interested", "R").stdout.split()[0] == rows[12]["id"]


def test_one_list_paper_with_many_neighbours_does_not_fill_every_place():
    """A blind walkthrough: 9 of 12 recommendations were "close to" one unusual paper of a 6-paper list, none about
    the list's main topic. At most max(2, ceil(2 * limit / list papers)) come from one list paper while others
    have candidates; when they have none, the best of the rest fill the places."""
    import numpy as np

    from trendscope.reading.recommend import _spread

    best = np.array([0.90, 0.89, 0.88, 0.87, 0.86, 0.85, 0.84, 0.83, 0.50, 0.49, 0.48, 0.40, 0.39], dtype=np.float32)
    which = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2])
    pks = np.arange(100, 113)
    top = _spread(best, which, pks, limit=6, sources=3)
    assert [int(which[i]) for i in top] == [0, 0, 0, 0, 1, 1]  # 4 = max(2, ceil(12 / 3)) from paper 0
    assert top == sorted(top, key=lambda i: -best[i])
    only = _spread(best[:8], which[:8], pks[:8], limit=6, sources=3)
    assert only == [0, 1, 2, 3, 4, 5]  # no other list paper has candidates: the best of the rest


def test_the_lists_topic_outranks_the_neighbours_of_one_off_topic_paper():
    """A blind walkthrough: a 9-paper continual-learning list got 5 continual-learning papers in 20: the rest were
    the near neighbours of one paper of another topic (a memory system) or of a side topic of one paper ("BERT").
    A candidate now ranks by its best match plus its similarity to the list's centroid."""
    from trendscope.reading.recommend import score_candidates

    rng = np.random.default_rng(7)
    main, other = np.eye(16, dtype=np.float32)[0], np.eye(16, dtype=np.float32)[1]

    def near(axis, sim, n):
        noise = rng.normal(size=(n, 16)).astype(np.float32)
        noise -= np.outer(noise @ axis, axis)
        noise /= np.linalg.norm(noise, axis=1, keepdims=True)
        return sim * axis + np.sqrt(1 - sim ** 2) * noise

    members = np.vstack([near(main, 0.9, 4), other[None, :]])  # 4 on the list's topic, 1 off it
    on_topic = near(main, 0.8, 10)  # 10 papers on the topic, none very close to one member
    off_topic = near(other, 0.97, 10)  # 10 close neighbours of the off-topic member
    candidates = np.vstack([on_topic, off_topic])
    pks = np.arange(len(candidates))
    top = score_candidates(members, candidates, pks, limit=10)
    assert sorted(top) == list(range(10))  # the topic's papers, every one
    by_best_match = score_candidates(members, candidates, pks, limit=10, topic_weight=0.0, spread=False)
    assert sum(i >= 10 for i in by_best_match) >= 8  # as before: the off-topic paper's neighbours first


def test_no_usable_list_paper_says_whether_ingest_or_index_would_mend_it(home, indexed):
    """A blind walkthrough: a list of papers not in the corpus (fetched or imported) was told "run `trendscope
    index`", which cannot embed a paper that was never ingested."""
    db, rows, _vecs = indexed
    assert cli(home, "lists", "create", "Elsewhere").exit_code == 0
    assert cli(home, "lists", "add", "Elsewhere", "2401.99999").exit_code == 0  # not ingested
    out = cli(home, "lists", "recommend", "Elsewhere").output
    assert "none of the list's papers is in the corpus yet: they arrive with `trendscope ingest`" in out
    assert cli(home, "lists", "create", "Unembedded").exit_code == 0
    assert cli(home, "lists", "add", "Unembedded", rows[-3]["id"]).exit_code == 0  # ingested, no vector
    out = cli(home, "lists", "recommend", "Unembedded").output
    assert "none of the list's papers is embedded yet: run `trendscope index`" in out


def _synthetic_home(home, sample_rows, n=200, on_topic=5):
    """`n` stored papers with unit vectors of 32 dimensions: papers 0-2 (the list) and 3..3+on_topic near one
    direction, the rest random (so unrelated to the list)."""
    rows = [r for r in sample_rows if "/" not in r["id"]][:n]
    db = ingest_rows(home, rows)
    rng = np.random.default_rng(3)
    vecs = rng.normal(size=(n, 32)).astype(np.float32)
    topic = np.zeros(32, dtype=np.float32)
    topic[0] = 1.0
    vecs[: 3 + on_topic] = topic * 6.0 + rng.normal(size=(3 + on_topic, 32)).astype(np.float32) * 0.5
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    store = PaperStore(db)
    write_vectors(db, [store.pk_of(r["id"]) for r in rows], vecs, "test-model")
    return db, rows, vecs


def test_recommendations_far_from_the_list_are_marked_and_come_after_the_close_ones(home, sample_rows):
    """A blind walkthrough: a narrow window's recommendations were off the list's topic and nothing said so. A
    recommendation is close when its score is 1.6 standard deviations above those of a random sample of stored
    papers (here all 200); the close ones come first, the CLI and --json say which are not."""
    from trendscope.reading import list_closeness

    db, rows, vecs = _synthetic_home(home, sample_rows)
    rl = ReadingLists(db)
    rl.create("R")
    rl.add("R", [r["id"] for r in rows[:3]])
    res = rl.recommend("R", limit=10)
    # the floor, computed here from the stored vectors: best cosine to a list paper + cosine to their centroid
    q = vecs[:3]
    centroid = q.mean(axis=0) / np.linalg.norm(q.mean(axis=0))
    scores = (vecs @ q.T).max(axis=1) + vecs @ centroid
    floor = scores.mean() + list_closeness.Z_CLOSE * scores.std()
    assert res.floor == pytest.approx(floor, rel=1e-4)
    on_topic = {r["id"] for r in rows[3:8]}
    assert {r.arxiv_id for r in res.close} == on_topic  # random papers never reach the floor here
    assert [r.close for r in res.items] == [True] * 5 + [False] * 5
    out = cli(home, "lists", "recommend", "R").output.splitlines()
    line = out.index("(further from the list:)")
    assert line == 2 * 5 and out[line + 1].startswith(" 6. ")
    assert [x["close"] for x in json.loads(cli(home, "lists", "recommend", "R", "--json").stdout)["items"]] == \
        [True] * 5 + [False] * 5

    # the close papers marked "not interested": nothing left is close, and the output says so first
    rl.mark_not_interested("R", sorted(on_topic))
    assert not rl.recommend("R", limit=10).close
    out = cli(home, "lists", "recommend", "R", "-n", "3").output.splitlines()
    assert out[0] == "(none of these is close to this list; they are the nearest papers stored)"
    assert out[2].startswith("    nearest list paper: ")  # not "close to" under a line saying none is
    assert out[1].startswith(" 1. ")


def test_too_few_stored_papers_to_set_a_scale_leave_every_recommendation_close(home, sample_rows):
    from trendscope.reading.list_closeness import MIN_BACKGROUND, close_floor

    db, rows, _ = _synthetic_home(home, sample_rows, n=MIN_BACKGROUND - 1)
    rl = ReadingLists(db)
    rl.create("R")
    rl.add("R", [r["id"] for r in rows[:3]])
    res = rl.recommend("R", limit=20)
    assert res.floor is None and len(res.items) == 20 and all(r.close for r in res.items)
    assert close_floor(lambda v: v[:, 0], np.ones((MIN_BACKGROUND, 2))) == pytest.approx(1.0)
