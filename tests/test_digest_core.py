"""Core evidence in trend digests: papers whose title or subject sentence makes the trend their subject (the
taxonomy's `digest_core` patterns) rank above those that only use the trend's words; weak ones without it stay out."""
from __future__ import annotations

import html
from dataclasses import replace

import pytest
from digest_support import WEEK

from trendscope.digest import api
from trendscope.digest.confidence import Calibration, confident_count, fit_calibration, load_calibration
from trendscope.digest.content import rank_week
from trendscope.digest.subscription_store import SubscriptionStore
from trendscope.digest.week_context import WeekContext, has_core, subject_texts
from trendscope.index.taxonomy import load_taxonomy

_TAG = ("INSERT OR REPLACE INTO paper_trends (pk, trend, score, evidence, strength) "
        "VALUES (?, 'interpretability', ?, '[]', ?)")


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


# a test calibration, independent of the packaged fit: P(on) = sigmoid(-2 + 2 * strength / 10 + 2 * core)
_CAL = Calibration(w_strength=2.0, w_core=2.0, bias={"interpretability": -2.0, "privacy": -2.0}, target=0.9)


def test_core_papers_rank_first_and_unlikely_papers_stay_out(db, dhome, monkeypatch):
    """Three papers of the week tagged interpretability: `loud` strongly but without core evidence (P 0.95),
    `core` less strongly with it (the user's digest_core pattern matches its title; P 0.92), `weak` weakly
    without it (P 0.20). Target 0.9: the two likely papers are shown, core first; `weak` would pull the list's
    expected precision down to 0.69, so it stays out."""
    api.add_subscription(db, dhome, "xai", trends=["interpretability"], size=50)
    db.execute("DELETE FROM paper_trends WHERE trend = 'interpretability'")
    rows = [r for r in db.query("SELECT pk, id, title FROM papers WHERE published >= '2026-05-18' "
                                "AND published <= '2026-05-24' ORDER BY id")]
    loud, core, weak = rows[:3]
    db.execute(_TAG, [loud["pk"], 1.0, 25.00])
    db.execute(_TAG, [core["pk"], 0.95, 12.00])
    db.execute(_TAG, [weak["pk"], 0.95, 3.00])
    db.conn.commit()
    # a user core pattern that matches only `core`'s title (the packaged ones may match any of the three)
    import re

    from trendscope.index.tagger import latex_stripped
    title = re.escape(latex_stripped(core["title"]).lower())
    dhome.taxonomy_path.write_text(f"[trends.interpretability]\ndigest_core = ['''{title}''']\n", encoding="utf-8")

    def ranked(calibration=_CAL):
        ctx = WeekContext(SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path, calibration=calibration)
        return rank_week(SubscriptionStore(db).get("xai", "owner"), ctx, None)

    shown, n, _late = ranked()
    assert n == 3 and [p.id for p in shown] == [core["id"], loud["id"]]  # core first although `loud` scores higher
    assert [p.core for p in shown] == [True, False] and shown[1].score > shown[0].score
    assert [round(p.confidence, 2) for p in shown] == [0.92, 0.95]
    # a stricter target keeps only the most likely paper; no cut lists all three
    assert [p.id for p in ranked(replace(_CAL, target=0.95))[0]] == [loud["id"]]
    assert {p.id for p in ranked(replace(_CAL, target=0.0))[0]} == {loud["id"], core["id"], weak["id"]}
    # the subscription's size caps the list: the most likely papers are kept
    db.execute("UPDATE subscriptions SET size = 1 WHERE name = 'xai'")
    db.conn.commit()
    assert [p.id for p in ranked(replace(_CAL, target=0.0))[0]] == [loud["id"]]
    from trendscope.digest.content import build_digest

    ctx = WeekContext(
        SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path, calibration=replace(_CAL, target=0.0)
    )
    one = build_digest(db, SubscriptionStore(db).get("xai", "owner"), WEEK, context=ctx, chart=False)
    assert one.held_back_message == "2 more tagged papers this week are not shown: the list shows the most likely ones."
    db.execute("UPDATE subscriptions SET size = 50 WHERE name = 'xai'")
    db.conn.commit()
    # the digest says how many tagged papers it left out, in every format
    ctx = WeekContext(SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path, calibration=_CAL)
    two = build_digest(db, SubscriptionStore(db).get("xai", "owner"), WEEK, context=ctx, chart=False)
    assert len(two.papers) == 2 and two.candidates == 3
    assert two.held_back_message == "1 more tagged paper this week is not shown: it is less clearly about the trend."
    for fmt in ("md", "html"):
        assert "1 more tagged paper this week is not shown" in api.render(two, fmt).decode()
    # a week where no paper is likely enough says so, naming how many only touch on the trend
    ctx = WeekContext(
        SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path, calibration=replace(_CAL, target=0.99)
    )
    empty = build_digest(db, SubscriptionStore(db).get("xai", "owner"), WEEK, context=ctx, chart=False)
    assert empty.empty and empty.candidates == 3
    # ... and names the likeliest it left out (P >= 0.8, at most 3), each with how likely and why: a thin week
    # showed none, the month's best interpretability paper (P 0.936) among them (a blind walkthrough)
    from trendscope.digest import content

    assert [p.id for p in empty.less_sure] == [loud["id"], core["id"]]  # most likely first
    assert [p.confidence >= content.LESS_SURE_MIN for p in empty.less_sure] == [True, True]
    assert empty.empty_message.endswith("is sure enough to be about this subscription's trend for the list: 3 "
                                        "tagged papers, the likeliest named below.")
    for fmt in ("md", "html", "text"):
        text = " ".join(html.unescape(api.render(empty, fmt).decode()).split())
        assert "Less sure" in text and "left out of the list (it holds the likeliest papers: at most" in text, fmt
        for p in empty.less_sure:  # cut, not rounded up: never the list's own bar for a paper below it
            assert f"{int(100 * p.confidence)}% likely about it" in text, fmt
    ctx = WeekContext(SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path, calibration=replace(
        _CAL, target=0.99))
    monkeypatch.setattr(content, "LESS_SURE_MIN", 0.999)  # none likely enough: as before
    empty = build_digest(db, SubscriptionStore(db).get("xai", "owner"), WEEK, context=ctx, chart=False)
    assert empty.empty and empty.less_sure == []
    # "only touch on it" was said of papers clearly about the trend that the model was less sure of (a walkthrough)
    # ... and names the likeliest of them, however likely (a walkthrough read "1 tagged paper falls below its bar"
    # and had to hunt for it: a paper with "self-supervised" in its title)
    near = empty.likeliest_left_out
    assert near is not None and near.id == loud["id"]
    assert empty.empty_message.endswith(
        "is likely enough to be about this subscription's trend for the list: 3 tagged papers fall below its bar; "
        f"the likeliest, {int(100 * near.confidence)}% likely about it: '{near.title}' (arXiv {near.id}).")
    assert "below its bar" in api.render(empty, "md").decode() and "Less sure" not in api.render(empty, "md").decode()
    assert near.id in api.render(empty, "md").decode()
    # every tagged paper below the trend's tag floor: the most strongly tagged is named (no probability to give)
    user_taxonomy = dhome.taxonomy_path.read_text(encoding="utf-8")
    dhome.taxonomy_path.write_text(user_taxonomy + "digest_min_strength = 100\n", encoding="utf-8")
    ctx = WeekContext(SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path, calibration=_CAL)
    floored = build_digest(db, SubscriptionStore(db).get("xai", "owner"), WEEK, context=ctx, chart=False)
    assert floored.empty and floored.candidates == 3 and floored.likeliest_left_out.id == loud["id"]
    assert floored.empty_message.endswith("3 tagged papers fall below its bar; the most strongly tagged of them, "
                                          "tagged more weakly than the list asks of this trend: "
                                          f"'{loud['title']}' (arXiv {loud['id']}).")
    dhome.taxonomy_path.write_text(user_taxonomy, encoding="utf-8")
    # through the API (packaged calibration): every shown paper carries its probability, the list is best-first
    built = api.build(db, dhome, "xai", WEEK).papers
    assert built and all(p.confidence is not None and 0 < p.confidence <= 1 for p in built)
    assert loud["id"] in [p.id for p in built] and weak["id"] not in [p.id for p in built]


def test_digest_min_strength_is_validated_and_not_part_of_the_tag_hashes(tmp_path):
    """The per-trend digest cut (digest only) re-tags nothing; a bad value is refused with the trend's name."""


    from trendscope.foundation.errors import TrendscopeError

    base = load_taxonomy(None)
    assert base.get("interpretability").digest_min_strength is None  # shipped unset: a user's floor
    user = tmp_path / "taxonomy.toml"
    user.write_text("[trends.multimodal]\ndigest_min_strength = 9\n", encoding="utf-8")
    mine = load_taxonomy(user)
    assert mine.get("multimodal").digest_min_strength == 9.0
    assert mine.hashes() == base.hashes() and mine.rules_hashes() == base.rules_hashes()
    for bad in ("-1", "'high'", "true"):
        user.write_text(f"[trends.multimodal]\ndigest_min_strength = {bad}\n", encoding="utf-8")
        with pytest.raises(TrendscopeError, match="trends.multimodal: digest_min_strength"):
            load_taxonomy(user)


def test_a_trends_digest_min_strength_hides_weaker_tags(db, dhome):
    """Two core papers tagged interpretability at strengths 4 and 8: a digest shows both under a cut of 3,
    only the strong one under the user's cut of 6 (a weaker tag of a second subscribed trend still counts)."""
    api.add_subscription(db, dhome, "xai", trends=["interpretability"], size=50)
    api.add_subscription(db, dhome, "both", trends=["interpretability", "privacy"], size=50)
    db.execute("DELETE FROM paper_trends WHERE trend IN ('interpretability', 'privacy')")
    rows = [r for r in db.query("SELECT pk, id, title FROM papers WHERE published >= '2026-05-18' "
                                "AND published <= '2026-05-24' ORDER BY id")]
    strong, weak = rows[:2]
    db.execute(_TAG, [strong["pk"], 1.0, 8.00])
    db.execute(_TAG, [weak["pk"], 0.98, 4.00])
    db.execute("INSERT INTO paper_trends (pk, trend, score, evidence, strength) VALUES (?, 'privacy', 0.98, '[]', ?)",
               [weak["pk"], 4.00])
    db.conn.commit()

    def shown(name: str, cut: float) -> list[str]:
        # every paper counts as core (no core patterns), so only the strength cut decides
        dhome.taxonomy_path.write_text(f"[trends.interpretability]\ndigest_core = []\ndigest_min_strength = {cut}\n"
                                       "[trends.privacy]\ndigest_min_strength = 2\n", encoding="utf-8")
        ctx = WeekContext(SubscriptionStore(db), WEEK, taxonomy_path=dhome.taxonomy_path,
                          calibration=replace(_CAL, target=0.0))  # no confidence cut: only the floor acts
        ranked, _n, _late = rank_week(SubscriptionStore(db).get(name, "owner"), ctx, None)
        return [p.id for p in ranked]

    assert shown("xai", 3) == [strong["id"], weak["id"]]
    assert shown("xai", 6) == [strong["id"]]
    assert shown("both", 6) == [strong["id"], weak["id"]]  # `weak` qualifies through privacy (cut 2)


def test_confident_count_keeps_the_largest_list_that_reaches_the_target():
    assert confident_count([0.99, 0.97, 0.95, 0.80, 0.70], size=10, target=0.94) == 3
    assert confident_count([0.99, 0.97, 0.95, 0.91, 0.91], size=10, target=0.94) == 5  # mean 0.946
    assert confident_count([0.99, 0.97, 0.95, 0.91, 0.91], size=2, target=0.94) == 2
    assert confident_count([0.80, 0.99], size=10, target=0.94) == 1  # the most likely first, whatever the order
    assert confident_count([0.90], size=10, target=0.94) == 0 and confident_count([], size=10, target=0.5) == 0


def test_calibration_fit_and_the_packaged_model():
    """digest.confidence.fit_calibration: more strength and core evidence make a paper more likely on-trend; a
    trend whose weak tags are often off gets a lower bias. The packaged fit covers every shipped trend, and a
    trend it does not know (a user's) gets the mean bias."""
    rows = []
    for k in range(40):  # (trend, strength, core, on)
        s = 1 + k * 0.5
        rows.append(("clean", s, True, k % 10 != 0 or s > 6))  # mostly on everywhere
        rows.append(("noisy", s, True, s > 10 or k % 3 == 0))  # weak tags mostly off
        rows.append(("noisy", s, False, s > 16))  # without core evidence: on only when very strong
    cal = fit_calibration(rows, ["clean", "noisy"], target=0.9)
    assert cal.w_strength > 0 and cal.w_core > 0 and cal.bias["noisy"] < cal.bias["clean"]
    assert cal.probability("noisy", 5, True) < cal.probability("noisy", 15, True)
    assert cal.probability("noisy", 15, False) < cal.probability("noisy", 15, True)
    again = load_calibration(cal.to_json())  # stored rounded to 4 decimals
    assert again.w_strength == pytest.approx(cal.w_strength, abs=1e-4) and again.bias == pytest.approx(
        cal.bias, abs=1e-4
    )

    packaged = load_calibration()
    assert set(packaged.bias) == set(load_taxonomy(None).names) and 0.5 < packaged.target < 1
    assert packaged.meta["judged_candidates"] > 900  # judged papers the shipped tagger makes candidates
    mean = sum(packaged.bias.values()) / len(packaged.bias)
    assert packaged.probability("my_new_trend", 8, True) == pytest.approx(
        Calibration(packaged.w_strength, packaged.w_core, {"my_new_trend": mean}).probability("my_new_trend", 8, True))
