"""Core evidence in trend digests: papers whose title or subject sentence makes the trend their subject (the
taxonomy's `digest_core` patterns) rank above those that only use the trend's words; weak ones without it stay out."""
from __future__ import annotations

import json

from digest import api
from digest.content import NONCORE_MIN_STRENGTH, WeekContext, has_core, rank_week, subject_texts
from digest.subscription_store import SubscriptionStore
from digest_support import WEEK, db, dhome, digest_base  # noqa: F401 (fixtures)
from index.taxonomy import load_taxonomy

_TAG = "INSERT OR REPLACE INTO paper_trends (pk, trend, score, evidence) VALUES (?, 'interpretability', ?, ?)"


def _core(trend: str, title: str, abstract: str) -> bool:
    tax = load_taxonomy(None)
    texts = subject_texts(title, abstract, tax.scoring.contribution_cues, tax.scoring.global_passing)
    return has_core(tax.get(trend).digest_core, texts)


def test_subject_sentences_are_title_first_and_contribution_sentences():
    abstract = ("Models are widely used. Prior work studies saliency maps. We propose a method for detection. "
                "We evaluate it in semi-supervised settings. Our approach also uses explanations.")
    texts = subject_texts("A Title", abstract, load_taxonomy(None).scoring.contribution_cues,
                          load_taxonomy(None).scoring.global_passing)
    assert texts == ["a title", "models are widely used.", "we propose a method for detection."]


def test_packaged_core_patterns_tell_the_subject_from_an_adjective_or_a_tool():
    # explaining models is the subject
    assert _core("interpretability", "Counting Circuits: Mechanistic Interpretability of Visual Reasoning in VLMs", "")
    assert _core("interpretability", "Fusion-CAM: Class Activation Maps for Robust Visual Explanations", "")
    assert _core("interpretability", "A Study", "We propose to evaluate the faithfulness of natural-language "
                                                "explanations produced by LLMs.")
    # an application model called interpretable, evaluation "probes", a tool used in passing
    assert not _core("interpretability", "Interpretable Medical Deepfake Detection via Reasoning",
                     "Deepfakes are a threat. We propose a detector that gives explanations to users, such as "
                     "integrated gradients maps.")
    assert not _core("interpretability", "Mapping LLM Reasoning Capability via Calibrated Probes",
                     "We propose probes that differentiate models.")
    assert not _core("interpretability", "Automated Detection of Lesions Using Deep Learning and XAI",
                     "We train a detector and apply LIME to its outputs.")
    # self_supervised: an evaluation sentence is not the paper's subject
    assert _core("self_supervised", "SemiTooth: a Semi-supervised Framework for Tooth Segmentation", "")
    assert not _core("self_supervised", "Word Sense Induction remains unsolved",
                     "WSI is an alternative to disambiguation. We evaluate semi-supervised scenarios.")


def test_digest_core_is_not_part_of_the_tag_hashes(tmp_path):
    """Editing digest_core (digest ranking only) must re-tag nothing and leave the vector model valid."""
    user = tmp_path / "taxonomy.toml"
    user.write_text("[trends.interpretability]\nadd_digest_core = ['''\\bneurons?\\b''']\n", encoding="utf-8")
    base, mine = load_taxonomy(None), load_taxonomy(user)
    assert len(mine.get("interpretability").digest_core) == len(base.get("interpretability").digest_core) + 1
    assert mine.hashes() == base.hashes() and mine.rules_hashes() == base.rules_hashes()


def test_core_papers_rank_first_and_weak_papers_without_core_stay_out(db, dhome):
    """Three papers of the week tagged interpretability: `loud` strongly but without core evidence, `core` weakly
    with it (the user's digest_core pattern matches its title), `weak` weakly without it."""
    api.add_subscription(db, dhome, "xai", trends=["interpretability"], size=50)
    db.execute("DELETE FROM paper_trends WHERE trend = 'interpretability'")
    rows = [r for r in db.query("SELECT pk, id, title FROM papers WHERE published >= '2026-05-18' "
                                "AND published <= '2026-05-24' ORDER BY id")]
    loud, core, weak = rows[:3]
    db.execute(_TAG, [loud["pk"], 1.0, json.dumps(["strength: +25.00"])])
    db.execute(_TAG, [core["pk"], 0.95, json.dumps(["strength: +3.00"])])
    db.execute(_TAG, [weak["pk"], 0.95, json.dumps([f"strength: {NONCORE_MIN_STRENGTH - 1:+.2f}"])])
    db.conn.commit()
    # a user core pattern that matches only `core`'s title (the packaged ones may match any of the three)
    from index.tagger import clean_text
    import re
    title = re.escape(clean_text(core["title"]).lower())
    dhome.taxonomy_path.write_text(f"[trends.interpretability]\ndigest_core = ['''{title}''']\n", encoding="utf-8")

    shown = api.build(db, dhome, "xai", WEEK).papers
    assert [p.id for p in shown] == [core["id"], loud["id"]]  # core first although `loud` scores higher
    assert [p.core for p in shown] == [True, False] and shown[1].score > shown[0].score

    # without core patterns every tagged paper counts as core: order by score, the weak paper shown too
    dhome.taxonomy_path.write_text("[trends.interpretability]\ndigest_core = []\n", encoding="utf-8")
    ranked, n = rank_week(SubscriptionStore(db).get("xai"),
                          WeekContext(SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path), None)
    assert n == 3 and ranked[0].id == loud["id"] and all(p.core for p in ranked)
    assert {p.id for p in ranked} == {loud["id"], core["id"], weak["id"]}
