"""The tagger's word model: terms, vocabulary, stacking without leaks, saving, and its vote in a tag."""
from __future__ import annotations

import json
import random

import numpy as np

from trendscope.index.hash_embedder import HashingEmbedder
from trendscope.index.tag_model import load_model, save_model
from trendscope.index.tag_training import LabelledPaper, fit_words, train
from trendscope.index.tag_words import fit_vocabulary, paper_terms
from trendscope.index.tagger import Tagger
from trendscope.index.taxonomy import load_taxonomy

STOP = frozenset({"the", "of", "with", "we", "a"})


def test_terms_are_words_and_adjacent_pairs_without_stop_words_or_latex():
    terms = paper_terms("Few-Shot Learning", r"We study the $\alpha$ \emph{prompt} of a model.", STOP)
    assert terms[:4] == ["few", "shot", "learning", "study"]
    assert "few shot" in terms and "shot learning" in terms and "learning study" in terms
    assert not {"the", "we", "alpha", "emph"} & set(terms)


def test_vocabulary_keeps_terms_of_two_papers_sorted_with_idf():
    texts = [("Membership inference", "attacks on models"), ("Membership inference", "defences"),
             ("Graph parsing", "once")]
    vocab = fit_vocabulary(texts, stop_words=sorted(STOP))
    assert vocab.terms == ("inference", "membership", "membership inference")
    assert fit_vocabulary(texts, stop_words=sorted(STOP)).terms == vocab.terms  # deterministic
    cols, vals = vocab.row("Membership inference attacks", "")
    assert sorted(vocab.terms[c] for c in cols) == list(vocab.terms)
    assert abs(np.linalg.norm(vals) - 1.0) < 1e-9
    assert len(vocab.row("Nothing known here", "")[0]) == 0
    assert vocab.matrix(texts).shape == (3, 3)


def _noise_papers(n: int = 120) -> list[LabelledPaper]:
    """Each paper has words of its own and a random label: nothing generalises, everything can be memorised."""
    rng = random.Random(7)
    out = []
    for i in range(n):
        own = " ".join(f"tok{i}x{k}" for k in range(4))
        out.append(LabelledPaper(f"2201.{i:05d}", f"Paper {own}", f"{own} {own} shared words here.", [],
                                 {"privacy"} if rng.random() < 0.5 else set()))
    return out


def test_stacked_word_inputs_come_from_models_that_did_not_see_the_paper():
    papers = _noise_papers()
    # every paper's own words appear twice in its text, so min_df=1 keeps them: a model that saw the paper
    # could memorise its label from them
    vocab = fit_vocabulary([(p.title, p.abstract) for p in papers], stop_words=[], min_df=1)
    matrix = vocab.matrix((p.title, p.abstract) for p in papers)
    model, stacked = fit_words(vocab, matrix, papers, ["privacy"])
    y = np.array(["privacy" in p.labels for p in papers])
    w, b = model.weights["privacy"]
    in_sample = matrix @ w.astype(float) + b
    assert np.mean((in_sample > 0) == y) > 0.95          # the final model memorises its training papers
    assert 0.3 < np.mean((stacked[:, 0] > 0) == y) < 0.7  # the stacked input does not: chance level


PRIV = "Federated learning with differential privacy keeps client data on the device."
OTHER = "We study parsing of sentences with a grammar for low-resource languages."


def _papers(n: int = 60) -> list[LabelledPaper]:
    out = []
    for i in range(n):
        if i % 2:
            out.append(LabelledPaper(f"2101.{i:05d}", f"Private training {i}", f"{PRIV} Variant {i}.", [],
                                     {"privacy"}))
        else:
            out.append(LabelledPaper(f"2101.{i:05d}", f"Parsing study {i}", f"{OTHER} Variant {i}.", [], set()))
    return out


def test_a_fitted_model_keeps_its_word_model_and_shows_its_vote(tmp_path):
    tax = load_taxonomy()
    papers = _papers()
    emb = HashingEmbedder()
    model = train(tax, papers, emb.encode([f"{p.title}. {p.abstract}" for p in papers]), emb.model_id)
    assert model.words is not None and "privacy" in model.words.weights
    save_model(tmp_path / "m.npz", model)
    loaded = load_model(tmp_path / "m.npz")
    assert loaded.signature() == model.signature()
    assert loaded.words.vocabulary.terms == model.words.vocabulary.terms
    v = emb.encode([f"Private training. {PRIV}"])
    with_words = {t.trend: t for t in Tagger(tax, loaded).score("Private training", PRIV, vector=v)}["privacy"]
    word_line = [e for e in with_words.evidence if e.startswith("word model")]
    named = word_line[0][word_line[0].index("(") + 1:-1].split(", ")
    assert named and set(named) <= set(paper_terms("Private training", PRIV, frozenset()))  # the words behind it
    # the word model's vote is part of the logit: without it the strength differs by exactly that vote
    vote = float(word_line[0].split()[2])
    loaded.words = None
    without = {t.trend: t for t in Tagger(tax, loaded).score("Private training", PRIV, vector=v)}["privacy"]
    assert abs((with_words.strength - without.strength) - vote) < 0.02
    # a word weight changed is another model (re-tags a home)
    changed = load_model(tmp_path / "m.npz")
    changed.words.weights["privacy"][0][0] += 1.0
    assert changed.signature() != model.signature()


def test_a_model_saved_before_the_word_model_still_loads(tmp_path):
    tax = load_taxonomy()
    model = train(tax, _papers(), None, "")
    path = tmp_path / "old.npz"
    names = sorted(model.weights)
    np.savez_compressed(
        path, trends=np.array(names),
        vectors=np.zeros((len(names), 0), np.float32),
        scalars=np.array([[w.rule, w.category, w.bias, *w.rules_only] for w in (model.weights[n] for n in names)]),
        meta=np.array(json.dumps({"format": "trendscope-tag-model/2", "model_id": "", "rules_hashes": {}})))
    old = load_model(path)
    assert old is not None and old.words is None and old.weights["privacy"].words == 0.0
    assert old.weights["privacy"].rules_only == model.weights["privacy"].rules_only
