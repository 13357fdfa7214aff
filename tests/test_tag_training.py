"""Fitting the trend tagger on labelled papers: label files, determinism, the saved model in use, CLI."""
from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.hash_embedder import HashingEmbedder
from trendscope.index.tag_model import load_model, save_model
from trendscope.index.tag_training import (
    LabelledPaper,
    cross_validate,
    decisions_metrics,
    fold_of,
    read_label_file,
    train,
)
from trendscope.index.tagger import Tagger
from trendscope.index.taxonomy import load_taxonomy
from trendscope.ui.cli import main

PRIVACY = "Federated learning with differential privacy keeps client data on the device."
OTHER = "We study parsing of sentences with a grammar for low-resource languages."


def _papers(n: int = 60) -> list[LabelledPaper]:
    """A toy labelled set: half privacy papers, half not, with varied wording."""
    out = []
    for i in range(n):
        if i % 2:
            out.append(LabelledPaper(f"2101.{i:05d}", f"Private training {i}", f"{PRIVACY} Variant {i}.",
                                     ["cs.CR"], {"privacy"}))
        else:
            out.append(LabelledPaper(f"2101.{i:05d}", f"Parsing study {i}", f"{OTHER} Variant {i}.",
                                     ["cs.CL"], set()))
    return out


def test_label_files_are_validated_with_file_and_line(tmp_path):
    known = load_taxonomy().names
    good = tmp_path / "l.jsonl"
    good.write_text('{"id": "2101.00001", "labels": ["privacy"]}\n\n{"id": "2101.00002", "labels": []}\n')
    assert read_label_file(good, known) == [("2101.00001", {"privacy"}), ("2101.00002", set())]
    for text, msg in [('{"id": "x", "labels": ["robots"]}', r"l\.jsonl:1: unknown trend\(s\) robots"),
                      ('{"id": "x", "labels": "privacy"}', r"l\.jsonl:1: field 'labels'"),
                      ("not json", r"l\.jsonl:1: not valid JSON"),
                      ('{"id": "a", "labels": []}\n{"id": "a", "labels": []}',
                       r"l\.jsonl:2: paper a is labelled twice")]:
        good.write_text(text)
        with pytest.raises(TrendscopeError, match=msg):
            read_label_file(good, known)


def test_folds_split_by_paper_deterministically():
    ids = [f"2101.{i:05d}" for i in range(500)]
    folds = [fold_of(i, 5) for i in ids]
    assert folds == [fold_of(i, 5) for i in ids]
    assert all(60 <= folds.count(k) <= 140 for k in range(5))


def test_training_is_deterministic_and_the_model_tags_with_vectors(tmp_path):
    tax = load_taxonomy()
    papers = _papers()
    emb = HashingEmbedder()
    vecs = emb.encode([f"{p.title}. {p.abstract}" for p in papers])
    m1, m2 = train(tax, papers, vecs, emb.model_id), train(tax, papers, vecs, emb.model_id)
    assert set(m1.weights) == {"privacy"}  # the only trend with positives
    assert m1.signature() == m2.signature()
    save_model(tmp_path / "m.npz", m1)
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.signature() == m1.signature() and loaded.model_id == "hash-384"
    tagger = Tagger(tax, loaded)
    v = emb.encode([f"Private training. {PRIVACY}"])
    tags = {t.trend: t for t in tagger.score("Private training", PRIVACY, vector=v, categories=["cs.CR"])}
    assert tags["privacy"].score >= 0.5 and any(e.startswith("vector model") for e in tags["privacy"].evidence)
    # the vote's zero: the mean vector term of the fitting papers outside the trend, kept with the model
    outside = np.array(["privacy" not in p.labels for p in papers])
    reference = float((vecs[outside] @ loaded.weights["privacy"].vector).mean())
    assert abs(loaded.vector_reference("privacy") - reference) < 1e-3
    vote = float(next(e for e in tags["privacy"].evidence if e.startswith("vector model")).split(": ")[1])
    assert abs(vote - (float(v[0] @ loaded.weights["privacy"].vector) - reference)) < 0.01
    # a model saved without it shows no vote rather than one measured against nothing
    bare = load_model(tmp_path / "m.npz")
    bare.meta.pop("vector_reference")
    assert not any(e.startswith("vector model") for t in Tagger(tax, bare).score("Private training", PRIVACY, vector=v)
                   for e in t.evidence)
    off = {t.trend: t for t in tagger.score("Parsing study", OTHER, vector=emb.encode([OTHER]))}
    assert off["privacy"].score < 0.5
    # without a vector the fitted rules-only formula decides
    assert {t.trend for t in tagger.tag("Private training", PRIVACY, categories=["cs.CR"])} >= {"privacy"}


def test_cross_validation_scores_held_out_folds():
    tax = load_taxonomy()
    papers = _papers(80)
    emb = HashingEmbedder()
    vecs = emb.encode([f"{p.title}. {p.abstract}" for p in papers])
    decisions = cross_validate(tax, papers, vecs, emb.model_id, k=4)
    figures = decisions_metrics(papers, decisions, ["privacy"])
    assert figures["trends"]["privacy"]["support"] == 40
    assert figures["trends"]["privacy"]["f1"] > 0.9
    # fitting on part of each training fold (a learning curve): the same papers are tagged, only fewer fit on
    half = np.array([i % 4 < 2 for i in range(len(papers))])
    fewer = cross_validate(tax, papers, vecs, emb.model_id, k=4, fit_on=half)
    assert decisions_metrics(papers, fewer, ["privacy"])["trends"]["privacy"]["support"] == 40
    positives = np.array(["privacy" in p.labels for p in papers])
    assert fewer["privacy"][~half & positives].any()  # papers left out of fitting are still tagged
    assert not cross_validate(tax, papers, vecs, emb.model_id, k=4, fit_on=~positives)["privacy"].any()


@pytest.mark.slow  # full tier: keeps `make test-fast` under a minute
def test_train_tags_cli_writes_the_home_model_and_index_uses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TRENDSCOPE_MODEL", "hash-384")
    papers = _papers()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": p.id, "title": p.title, "abstract": p.abstract,
                                          "categories": p.categories}) + "\n" for p in papers))
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"id": p.id, "labels": sorted(p.labels)}) + "\n" for p in papers))
    home = tmp_path / "home"
    res = CliRunner().invoke(main, ["--home", str(home), "train-tags", "--labels", str(labels),
                                    "--corpus", str(corpus)])
    assert res.exit_code == 0, res.output
    assert "fitted on 60 papers" in res.output and (home / "trend_model.npz").exists()
    res = CliRunner().invoke(main, ["--home", str(home), "eval-tags", "--cv", str(labels), "--corpus", str(corpus),
                                    "--json", "--folds", "3"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["trends"]["privacy"]["f1"] > 0.9
    # each fold says it is done on stderr, as plain lines when that is no terminal (it was silent for 8 minutes,
    # and the bars wrote cursor codes into a redirected log: a blind docs audit)
    assert "cross-validation: 3/3 folds" in res.stderr and "\x1b[" not in res.stderr, res.stderr
    res = CliRunner().invoke(main, ["--home", str(home), "eval-tags", "--cv", str(labels), "--input", "x"])
    assert res.exit_code != 0 and "either --input" in res.output
    # a few labels: macro-F1 over the trends labelled or tagged, as --input averages, and a note on the trends too
    # rare to fit in every fold ("macro-F1 0.0000 over 8 trends" on 10 papers: a blind walkthrough)
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps({"id": p.id, "labels": sorted(p.labels)}) + "\n" for p in papers[:10]))
    res = CliRunner().invoke(main, ["--home", str(home), "eval-tags", "--cv", str(few), "--corpus", str(corpus),
                                    "--json", "--folds", "3"])
    figures = json.loads(res.stdout)
    assert figures["macro_trends"] == [t for t, f in figures["trends"].items() if f["support"] or f["predicted"]]
    assert len(figures["macro_trends"]) < len(figures["trends"])
    res = CliRunner().invoke(main, ["--home", str(home), "eval-tags", "--cv", str(few), "--corpus", str(corpus),
                                    "--folds", "3"])
    assert f"over {len(figures['macro_trends'])} trend" in res.stdout and "left out)" in res.stdout, res.stdout
    assert "perhaps too few labelled positives to fit in every fold" in res.stderr


def test_a_model_fitted_on_other_rules_falls_back_for_that_trend(tmp_path):
    tax = load_taxonomy()
    papers = _papers()
    model = train(tax, papers, None, "")
    user = tmp_path / "taxonomy.toml"
    user.write_text("[trends.privacy]\nadd_include = [{ pattern = 'secret', weight = 3.0 }]\n", encoding="utf-8")
    edited = load_taxonomy(user)
    assert "privacy" not in Tagger(edited, model).model.weights  # rules changed: the taxonomy's formula
    assert "privacy" in Tagger(tax, model).model.weights
    assert np.isfinite(Tagger(edited, model).score("Private training", PRIVACY)[0].strength)


def test_index_tags_only_tags_without_vectors_and_a_plain_index_retags_with_them(tmp_path, monkeypatch,
                                                                                   sample_rows):
    from trendscope.ingest.records import Paper
    from trendscope.ingest.store import PaperStore, open_database

    monkeypatch.setenv("TRENDSCOPE_MODEL", "hash-384")
    home = tmp_path / "home"
    db = open_database(home / "trendscope.db")
    fields = set(Paper.__dataclass_fields__)
    PaperStore(db).upsert(Paper(**{k: v for k, v in r.items() if k in fields}) for r in sample_rows[:40])
    res = CliRunner().invoke(main, ["--home", str(home), "index", "--tags-only", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["tags"]["tagged"] == 40  # under "tags", as a plain `index --json` gives them
    assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM trend_tag_state WHERE with_vector = 0").fetchone()[0] == 40
    again = CliRunner().invoke(main, ["--home", str(home), "index", "--tags-only", "--json"])
    assert json.loads(again.output)["tags"]["tagged"] == 0  # incremental
    bad = CliRunner().invoke(main, ["--home", str(home), "index", "--tags-only", "--rebuild"])
    assert bad.exit_code != 0 and "--tags-only" in bad.output


def test_macro_f1_leaves_out_trends_neither_labelled_nor_tagged():
    """One paper labelled and tagged ethics alone: F1 1.0 for ethics; the seven other trends have no F1 to speak of
    (macro-F1 read 0.125 with them as 0: a blind walkthrough), but a trend tagged and never labelled counts 0."""
    from trendscope.index.tag_files import evaluate, macro_trends

    trends = ["ethics", "privacy", "continual"]
    scores, macro = evaluate([["ethics"]], [["ethics"]], trends)
    assert macro == 1.0 and macro_trends(scores) == ["ethics"]
    scores, macro = evaluate([["ethics"]], [["ethics", "privacy"]], trends)
    assert macro == 0.5 and macro_trends(scores) == ["ethics", "privacy"]
    assert evaluate([[]], [[]], trends)[1] == 0.0
