"""Incremental tagging from stored vectors: new papers, edited/added/removed trends, changed papers."""
from __future__ import annotations

import dataclasses

import pytest

from trendscope.foundation.home import Home
from trendscope.index.embedder import paper_text
from trendscope.index.trend_update import update_trend_tags
from trendscope.index.vector_store import VectorStore
from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database

USER_TAXONOMY = """
[trends.ethics]
threshold = 0.65

[trends.robotics]
label = "Robot learning"
description = "Learning for robots: manipulation, locomotion, sim-to-real transfer."
include = [{ pattern = '\\brobot(s|ic|ics)?\\b', weight = 4.0 }, { pattern = 'sim-to-real', weight = 3.0 }]
prototypes = ["A robot learns to grasp objects."]
"""


def _paper(row: dict, **changes) -> Paper:
    p = Paper(id=row["id"], title=row["title"], abstract=row["abstract"], categories=row["categories"],
              published=row["published"], version=1)
    return dataclasses.replace(p, **changes)


@pytest.fixture(scope="module")
def corpus(sample_rows, embedder):
    rows = sample_rows[::100][:60]
    vecs = embedder.encode([paper_text(r["title"], r["abstract"]) for r in rows])
    return rows, vecs, embedder.model_id


def _setup(home_path, corpus):
    rows, vecs, model_id = corpus
    home = Home.resolve(home_path)
    db = open_database(home.db_path)
    PaperStore(db).upsert(_paper(r) for r in rows)
    pks = {r["id"]: PaperStore(db).pk_of(r["id"]) for r in rows}
    from trendscope.ingest.records import content_hash

    VectorStore(db).put(model_id, [(pks[r["id"]], content_hash(r["title"], r["abstract"]), v)
                                   for r, v in zip(rows, vecs)])
    return home, db, pks


def _tags(db, trends=None):
    rows = db.execute("SELECT pk, trend, score, evidence FROM paper_trends ORDER BY trend, pk").fetchall()
    return [r for r in rows if trends is None or r[1] in trends]


def test_update_tags_then_does_nothing(home, corpus):
    hm, db, pks = _setup(home, corpus)
    r1 = update_trend_tags(db, hm, progress=False)
    assert r1.tagged == len(pks) and r1.skipped == 0
    assert sorted(r1.trends_changed) == sorted(
        ["multimodal", "self_supervised", "continual", "zero_shot", "privacy", "interpretability",
         "efficiency", "ethics"])
    tags = _tags(db)
    assert r1.tags == len(tags) > 0
    for _pk, _trend, score, evidence in tags:
        assert 0.0 <= score <= 1.0 and evidence.startswith("[")
    r2 = update_trend_tags(db, hm, progress=False)
    assert (r2.tagged, r2.tags, r2.removed, r2.trends_changed) == (0, 0, 0, [])
    assert r2.skipped == len(pks)
    assert _tags(db) == tags


def test_a_new_way_of_writing_evidence_retags_the_fitted_trends(home, corpus, monkeypatch):
    """Homes tagged before the vector model's vote was its own pull on the logit kept showing "votes against" beside
    firm tags: the evidence's version is part of each fitted trend's signature."""
    from trendscope.index import trend_update

    hm, db, pks = _setup(home, corpus)
    update_trend_tags(db, hm, progress=False)
    monkeypatch.setattr(trend_update, "EVIDENCE_VERSION", trend_update.EVIDENCE_VERSION + "-next")
    again = update_trend_tags(db, hm, progress=False)
    assert again.tagged == len(pks) and len(again.trends_changed) == 8
    assert str(again).endswith("(the tagger or its fitted model changed since they were tagged)"), str(again)
    assert update_trend_tags(db, hm, progress=False).tagged == 0


def test_status_says_which_trends_the_next_index_retags(home, corpus, monkeypatch):
    """A blind walkthrough: `status` called a home up to date, then its first scheduled run re-tagged every paper
    ("the tagger or its fitted model changed since they were tagged")."""
    from trendscope.index import trend_update
    from trendscope.index.status import index_status
    from trendscope.index.trend_update import trends_to_retag

    hm, db, pks = _setup(home, corpus)
    assert trends_to_retag(db, hm) == {}  # never tagged: nothing out of date (the unindexed count says the rest)
    update_trend_tags(db, hm, progress=False)
    assert trends_to_retag(db, hm) == {} and not index_status(db, hm)["stale"]
    monkeypatch.setattr(trend_update, "EVIDENCE_VERSION", trend_update.EVIDENCE_VERSION + "-next")
    assert set(trends_to_retag(db, hm).values()) == {"tagger"} and len(trends_to_retag(db, hm)) == 8
    (line,) = index_status(db, hm)["stale"]
    assert line.startswith("trend tags out of date for multimodal, ")
    assert "the tagger or its fitted model changed" in line
    update_trend_tags(db, hm, progress=False)
    assert trends_to_retag(db, hm) == {} and not index_status(db, hm)["stale"]  # the run brought them up to date
    hm.taxonomy_path.write_text(USER_TAXONOMY, encoding="utf-8")  # ethics edited, robotics added
    assert trends_to_retag(db, hm) == {"ethics": "definition", "robotics": "new"}
    assert len(index_status(db, hm)["stale"]) == 2


def test_taxonomy_edit_retags_only_what_changed(home, corpus):
    hm, db, pks = _setup(home, corpus)
    update_trend_tags(db, hm, progress=False)
    untouched = ["multimodal", "self_supervised", "continual", "zero_shot", "privacy", "interpretability",
                 "efficiency"]
    before = _tags(db, untouched)
    ethics_before = _tags(db, ["ethics"])

    hm.taxonomy_path.write_text(USER_TAXONOMY, encoding="utf-8")
    r = update_trend_tags(db, hm, progress=False)
    assert sorted(r.trends_changed) == ["ethics", "robotics"]
    assert r.why_changed == {"ethics": "definition", "robotics": "new"}
    assert r.tagged == len(pks)
    assert _tags(db, untouched) == before  # other trends' rows are left alone
    # ethics: same papers scored the same, only those under the new threshold dropped
    assert {(p, s) for p, _t, s, _e in _tags(db, ["ethics"])} == {
        (p, s) for p, _t, s, _e in ethics_before if s >= 0.65}
    robots = _tags(db, ["robotics"])
    robot_ids = {pk for pk, *_ in robots}
    expected = {pks[row["id"]] for row in corpus[0] if "robot" in (row["title"] + row["abstract"]).lower()}
    assert robot_ids <= expected
    assert update_trend_tags(db, hm, progress=False).tagged == 0

    # one paper changes: only it is re-tagged
    row = corpus[0][3]
    PaperStore(db).upsert([_paper(row, version=2, abstract=row["abstract"] + " We also use a robot.")])
    r = update_trend_tags(db, hm, progress=False)
    assert r.tagged == 1

    # the added trend is removed again: its tags go, nothing is re-tagged
    hm.taxonomy_path.write_text("[trends.ethics]\nthreshold = 0.65\n", encoding="utf-8")
    n_robot = len(_tags(db, ["robotics"]))
    r = update_trend_tags(db, hm, progress=False)
    assert r.removed == n_robot and r.tagged == 0
    assert _tags(db, ["robotics"]) == []

    # a change to one trend's rules (it then leaves the fitted model for its rules-only formula) re-tags that
    # trend alone: every trend was re-tagged, the whole model's signature having changed (a blind walkthrough)
    hm.taxonomy_path.write_text("[trends.ethics]\nthreshold = 0.65\n"
                                "add_include = [{ pattern = '\\balgorithmic audit', weight = 3.0 }]\n",
                                encoding="utf-8")
    before = _tags(db, untouched)
    r = update_trend_tags(db, hm, progress=False)
    assert r.trends_changed == ["ethics"] and _tags(db, untouched) == before


def test_added_trend_uses_the_rules_and_a_refit_model_retags(home, corpus):
    from trendscope.index.tag_model import load_tag_model, save_model, user_model_path

    hm, db, pks = _setup(home, corpus)
    hm.taxonomy_path.write_text(
        """
[trends.language_topic]
label = "Language"
description = "Papers about natural language."
include = [{ pattern = '\\blanguage\\b', weight = 10.0 }]
""", encoding="utf-8")
    update_trend_tags(db, hm, progress=False)
    ev = db.execute("SELECT evidence FROM paper_trends WHERE trend = 'language_topic' LIMIT 1").fetchone()[0]
    assert "vector model" not in ev  # no fitted model for a trend the user added: its rules decide
    assert update_trend_tags(db, hm, progress=False).tagged == 0
    # a model fitted by the user (here: the packaged one with a changed bias) re-tags every paper
    model = load_tag_model()
    model.weights["privacy"].bias -= 1.0
    save_model(user_model_path(hm.root), model)
    again = update_trend_tags(db, hm, progress=False)
    assert "privacy" in again.trends_changed and again.tagged == len(pks)


def test_without_vectors_rules_alone_tag(home, sample_rows):
    hm = Home.resolve(home)
    db = open_database(hm.db_path)
    PaperStore(db).upsert(_paper(r) for r in sample_rows[:30])
    r = update_trend_tags(db, hm, progress=False)
    assert r.tagged == 30
    for (ev,) in db.execute("SELECT evidence FROM paper_trends"):
        assert "vector model" not in ev


def test_the_summary_reads_like_the_other_counts():
    """A blind walkthrough: "tagged 6000 papers (2386 tags), 6000 up to date" beside "total 6,000", and an empty
    home "re-tagged" every trend of no paper."""
    from trendscope.index.trend_update import TagUpdateResult

    assert str(TagUpdateResult(tagged=6000, tags=2386, skipped=6000, removed=1, trends_changed=["ethics"])) == (
        "tagged 6,000 papers (2,386 tags), 6,000 up to date, 1 tag removed; re-tagged trends: ethics")
    assert str(TagUpdateResult(trends_changed=["ethics", "privacy"])) == "tagged 0 papers (0 tags), 0 up to date"
    # and says why each trend was re-tagged (a home tagged by an earlier version re-tagged all 6,000 papers with
    # "re-tagged trends: multimodal, ..." as if they had changed: a blind walkthrough)
    assert str(TagUpdateResult(tagged=5, trends_changed=["ethics", "robotics", "privacy"], why_changed={
        "ethics": "definition", "robotics": "new", "privacy": "definition"})).endswith(
        "; re-tagged trends: ethics, privacy (their definition in the taxonomy changed); "
        "robotics (new in the taxonomy)")
