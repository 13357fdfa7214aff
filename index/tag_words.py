"""The trend tagger's word model: per-trend logistic regressions over TF-IDF of a paper's words and word pairs.

Pure: title and abstract in, per-trend log-odds and the words behind them out. The vocabulary (words and
adjacent word pairs of at least two letters, without English function words, seen in at least
`MIN_DF` labelled papers), its IDF and the weights are fitted by `tag_training` on blind-labelled papers and
saved in the tag model file, with the stop-word list, so a saved model tokenizes exactly as it was fitted.

The word model's log-odds is one input of each trend's fitted model (`tag_model.TrendWeights.words`): the
embedding sees what a paper is about as a whole, the words see the specific terms ("few-shot", "membership
inference", "saliency") a mean-pooled vector blurs.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MIN_DF = 2
_TOKEN = re.compile(r"\b\w\w+\b")
_LATEX = re.compile(r"\$[^$]*\$|\\[a-zA-Z]+")


def default_stop_words() -> tuple[str, ...]:
    """English function words (scikit-learn's list), for fitting a new model."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return tuple(sorted(ENGLISH_STOP_WORDS))


def paper_terms(title: str, abstract: str, stop_words: frozenset[str]) -> list[str]:
    """Words and adjacent word pairs of a paper (title + abstract), lower-cased, LaTeX and stop words removed."""
    text = _LATEX.sub(" ", f"{title or ''}. {abstract or ''}").lower()
    words = [w for w in _TOKEN.findall(text) if w not in stop_words]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


@dataclass
class Vocabulary:
    terms: tuple[str, ...]
    idf: np.ndarray               # (V,) float32
    stop_words: tuple[str, ...]

    def __post_init__(self) -> None:
        self._index = {t: i for i, t in enumerate(self.terms)}
        self._stop = frozenset(self.stop_words)

    def __len__(self) -> int:
        return len(self.terms)

    def row(self, title: str, abstract: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, L2-normalised TF-IDF values) of one paper; sublinear term frequency."""
        counts = Counter(i for i in (self._index.get(t) for t in paper_terms(title, abstract, self._stop))
                         if i is not None)
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        cols = np.fromiter(counts, np.int64, len(counts))
        vals = np.array([1.0 + math.log(counts[c]) for c in cols]) * self.idf[cols]
        return cols, vals / np.linalg.norm(vals)

    def matrix(self, texts: Iterable[tuple[str, str]]):
        """A sparse (n, V) TF-IDF matrix of (title, abstract) pairs."""
        from scipy.sparse import csr_matrix

        indptr, indices, data = [0], [], []
        for title, abstract in texts:
            cols, vals = self.row(title, abstract)
            indices.append(cols)
            data.append(vals)
            indptr.append(indptr[-1] + len(cols))
        n = len(indptr) - 1
        return csr_matrix((np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices
                           else np.zeros(0, np.int64), np.array(indptr)), shape=(n, len(self)))


def fit_vocabulary(texts: Sequence[tuple[str, str]], stop_words: Sequence[str] | None = None,
                   min_df: int = MIN_DF) -> Vocabulary:
    """The terms of at least `min_df` papers (sorted, so the same papers give the same vocabulary) and their IDF."""
    stop = tuple(stop_words) if stop_words is not None else default_stop_words()
    stop_set = frozenset(stop)
    df: Counter[str] = Counter()
    for title, abstract in texts:
        df.update(set(paper_terms(title, abstract, stop_set)))
    terms = tuple(sorted(t for t, c in df.items() if c >= min_df))
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32)
    return Vocabulary(terms, idf, stop)


@dataclass
class WordModel:
    vocabulary: Vocabulary
    weights: dict[str, tuple[np.ndarray, float]]   # trend -> ((V,) float32 weights, bias)

    def logits(self, title: str, abstract: str, top: int = 3) -> dict[str, tuple[float, list[str]]]:
        """trend -> (log-odds of the word model, the `top` terms that raise it most)."""
        cols, vals = self.vocabulary.row(title, abstract)
        out = {}
        for trend, (w, b) in self.weights.items():
            contrib = vals * w[cols]
            order = np.argsort(-contrib)[:top]
            words = [self.vocabulary.terms[cols[i]] for i in order if contrib[i] > 0.05]
            out[trend] = (float(contrib.sum() + b), words)
        return out
