"""Fitting and honestly evaluating the trend tagger on blind-labelled papers (`trendscope train-tags`,
`trendscope eval-tags --cv`).

Per trend: an L2-regularised logistic regression on [embedding, f(rule score), category] (see `tag_model`).
The penalty and the decision threshold are chosen by an inner cross-validation for F1 on the training papers
only; the threshold is then folded into the bias. Folds are split by paper (a hash of the arXiv id), so the
same paper never sits on both sides. Everything is deterministic: same labels and vectors, same model.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from .tag_model import TagModel, TrendWeights, rule_feature
from .tagger import Tagger
from .taxonomy import Taxonomy

log = logging.getLogger(__name__)

L2_GRID = (0.3, 1.0, 3.0, 10.0)   # ridge penalty on the vector weights (the rule features get a tenth of it)
RULES_ONLY_L2 = 0.1
THRESHOLDS = np.round(np.arange(0.10, 0.91, 0.025), 3)
INNER_FOLDS = 4
MIN_POSITIVES = 5  # a trend is fitted only on this many labelled positives (else: rules only, or never tagged)


@dataclass
class LabelledPaper:
    id: str
    title: str
    abstract: str
    categories: list[str]
    labels: set[str]


@dataclass
class Features:
    """Inputs of every trend's model for a set of papers."""

    vectors: np.ndarray | None   # (n, dim) unit vectors, or None (rules only)
    rule: np.ndarray             # (n, T) f(rule score) per trend
    category: np.ndarray         # (n, T) 1.0 when a trend category is listed
    trends: tuple[str, ...]

    def subset(self, idx: np.ndarray) -> Features:
        return Features(None if self.vectors is None else self.vectors[idx], self.rule[idx], self.category[idx],
                        self.trends)


def features(taxonomy: Taxonomy, papers: Sequence[LabelledPaper], vectors: np.ndarray | None) -> Features:
    tagger = Tagger(taxonomy)
    names = tuple(taxonomy.names)
    rule = np.zeros((len(papers), len(names)))
    cat = np.zeros((len(papers), len(names)))
    for i, p in enumerate(papers):
        raws = tagger.rules(p.title, p.abstract)
        for j, t in enumerate(names):
            rule[i, j] = rule_feature(raws[t].raw)
            cats = taxonomy.get(t).categories
            cat[i, j] = float(bool(cats and set(p.categories) & set(cats)))
    return Features(vectors, rule, cat, names)


def fold_of(arxiv_id: str, k: int, salt: str = "") -> int:
    return int(hashlib.sha1(f"{salt}{arxiv_id}".encode()).hexdigest()[:8], 16) % k


def fit_logistic(X: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias minimising log-loss + 0.5 * sum(penalty * w^2) (L-BFGS, deterministic)."""
    X = X.astype(np.float64)
    d = X.shape[1]

    def loss(theta):
        w, b = theta[:d], theta[d]
        z = X @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
        ll = np.sum(np.logaddexp(0, z) - y * z)
        g = p - y
        return ll + 0.5 * np.sum(penalty * w * w), np.append(X.T @ g + penalty * w, g.sum())

    res = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return res.x[:d], float(res.x[d])


def _design(f: Features, j: int, with_vectors: bool) -> tuple[np.ndarray, np.ndarray]:
    """(X, penalty scale per column) for trend column j."""
    extra = np.column_stack([f.rule[:, j], f.category[:, j]])
    if with_vectors and f.vectors is not None:
        return np.hstack([f.vectors, extra]), np.r_[np.ones(f.vectors.shape[1]), 0.1, 0.1]
    return extra, np.array([1.0, 1.0])


def _fit(f: Features, j: int, y: np.ndarray, l2: float, with_vectors: bool) -> tuple[np.ndarray, float]:
    X, scale = _design(f, j, with_vectors)
    return fit_logistic(X, y, l2 * scale)


def _logits(f: Features, j: int, wb: tuple[np.ndarray, float], with_vectors: bool) -> np.ndarray:
    X, _ = _design(f, j, with_vectors)
    return X @ wb[0] + wb[1]


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(y & pred))
    fp = float(np.sum(~y & pred))
    fn = float(np.sum(y & ~pred))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _choose(f: Features, ids: Sequence[str], j: int, y: np.ndarray, with_vectors: bool,
            grid: Sequence[float]) -> tuple[float, float]:
    """(l2, threshold) with the best F1 over out-of-fold predictions of an inner cross-validation."""
    folds = np.array([fold_of(i, INNER_FOLDS, salt="inner") for i in ids])
    best = (-1.0, grid[0], 0.5)
    yb = y.astype(bool)
    for l2 in grid:
        oof = np.zeros(len(y))
        for k in range(INNER_FOLDS):
            tr, te = folds != k, folds == k
            if not te.any() or y[tr].sum() == 0:
                continue
            wb = _fit(f.subset(np.flatnonzero(tr)), j, y[tr], l2, with_vectors)
            oof[te] = 1 / (1 + np.exp(-_logits(f.subset(np.flatnonzero(te)), j, wb, with_vectors)))
        for thr in THRESHOLDS:
            score = _f1(yb, oof >= thr)
            if score > best[0] + 1e-9:
                best = (score, l2, float(thr))
    return best[1], best[2]


def _fit_trend(f: Features, ids: Sequence[str], j: int, y: np.ndarray) -> tuple[TrendWeights, dict]:
    with_vectors = f.vectors is not None
    l2, thr = _choose(f, ids, j, y, with_vectors, L2_GRID if with_vectors else (RULES_ONLY_L2,))
    w, b = _fit(f, j, y, l2, with_vectors)
    shift = float(np.log(thr / (1 - thr)))
    l2_r, thr_r = _choose(f, ids, j, y, False, (RULES_ONLY_L2,))
    u, ub = _fit(f, j, y, l2_r, False)
    shift_r = float(np.log(thr_r / (1 - thr_r)))
    if with_vectors:
        vec, rule, cat, bias = w[:-2].astype(np.float32), float(w[-2]), float(w[-1]), b - shift
    else:
        vec, rule, cat, bias = np.zeros(0, np.float32), float(u[0]), float(u[1]), ub - shift_r
    tw = TrendWeights(vector=vec, rule=rule, category=cat, bias=bias,
                      rules_only=(float(u[0]), float(u[1]), ub - shift_r))
    return tw, {"l2": l2, "threshold": thr, "rules_only_threshold": thr_r, "positives": int(y.sum())}


def train(taxonomy: Taxonomy, papers: Sequence[LabelledPaper], vectors: np.ndarray | None,
          model_id: str) -> TagModel:
    """Fit every trend of the taxonomy that has positives among the labelled papers."""
    f = features(taxonomy, papers, vectors)
    ids = [p.id for p in papers]
    weights, info = {}, {}
    for j, t in enumerate(f.trends):
        y = np.array([t in p.labels for p in papers], dtype=float)
        if y.sum() < MIN_POSITIVES:
            log.warning("trend %s: only %d labelled positives; rules only", t, int(y.sum()))
            continue
        weights[t], info[t] = _fit_trend(f, ids, j, y)
    model = TagModel(model_id=model_id, weights=weights, rules_hashes=taxonomy.rules_hashes(),
                     meta={"papers": len(papers), "trends": info})
    return model if vectors is None else with_vector_reference(model, papers, vectors)


def with_vector_reference(model: TagModel, papers: Sequence[LabelledPaper], vectors: np.ndarray) -> TagModel:
    """`model` with each trend's vote zero: the mean w_vec . vector of the `papers` labelled outside the trend
    (`TagModel.vector_reference`; fitting computes it on the fitting papers)."""
    reference = {}
    for t, w in model.weights.items():
        outside = np.array([t not in p.labels for p in papers])
        if w.vector.size and outside.any():
            reference[t] = round(float((vectors[outside] @ w.vector).mean()), 4)
    return TagModel(model.model_id, model.weights, model.rules_hashes, {**model.meta, "vector_reference": reference})


def cross_validate(taxonomy: Taxonomy, papers: Sequence[LabelledPaper], vectors: np.ndarray | None,
                   model_id: str, k: int = 5, fit_on: np.ndarray | None = None,
                   on_fold: Callable[[], None] | None = None) -> dict[str, np.ndarray]:
    """trend -> out-of-fold tag decisions (bool per paper): each fold tagged by a model fitted on the others.

    `fit_on` (bool per paper) restricts fitting to those papers while every paper is still tagged by the model
    of its fold (a learning curve: same test folds, fewer training papers). `on_fold` is called after each fold
    (progress: a fold takes minutes, and the command was silent for eight: a blind docs audit)."""
    folds = np.array([fold_of(p.id, k) for p in papers])
    usable = np.ones(len(papers), dtype=bool) if fit_on is None else np.asarray(fit_on, dtype=bool)
    out = {t: np.zeros(len(papers), dtype=bool) for t in taxonomy.names}
    f = features(taxonomy, papers, vectors)
    for fold in range(k):
        tr, te = np.flatnonzero((folds != fold) & usable), np.flatnonzero(folds == fold)
        ids = [papers[i].id for i in tr]
        ftr, fte = f.subset(tr), f.subset(te)
        for j, t in enumerate(f.trends):
            y = np.array([t in papers[i].labels for i in tr], dtype=float)
            if y.sum() < MIN_POSITIVES:
                continue
            tw, _ = _fit_trend(ftr, ids, j, y)
            vt = fte.vectors @ tw.vector if fte.vectors is not None else None
            for row, i in enumerate(te):
                out[t][i] = tw.logit_from_features(fte.rule[row, j], fte.category[row, j],
                                                   None if vt is None else float(vt[row])) >= 0
        if on_fold is not None:
            on_fold()
    return out


# -- labels and texts --------------------------------------------------------------------------------------
def read_label_file(path: str | Path, known: Sequence[str], unknown: list[str] | None = None,
                    lines: set[int] | None = None) -> list[tuple[str, set[str]]]:
    """(arXiv id, labels) rows of a JSONL label file; one clear error naming the file, line and field. Given
    `unknown`, a label not in `known` is left out and named there instead (scoring: a typo is reported and
    ignored; fitting refuses it). `lines`: read only these lines (numbered from 1), the others skipped."""
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.foundation.json_lines import BadJsonLine, read_json_objects

    rows: list[tuple[str, set[str]]] = []
    seen: set[str] = set()
    for n, obj in read_json_objects(path, "label file"):
        if lines is not None and n not in lines:
            continue
        if isinstance(obj, BadJsonLine):
            raise TrendscopeError(f"{obj.path}:{n}: {obj.reason} (a label line is a JSON object with 'id' and "
                                  "'labels')")
        pid, labels = obj.get("id"), obj.get("labels")
        if not isinstance(pid, str) or not pid:
            raise TrendscopeError(f"{path}:{n}: field 'id' must be an arXiv id")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise TrendscopeError(f"{path}:{n}: field 'labels' must be a list of trend names")
        bad = sorted(set(labels) - set(known))
        if bad and unknown is not None:
            unknown.append(f"{path}:{n}: unknown trend(s) {', '.join(bad)}: ignored")
            labels = [x for x in labels if x in known]
        elif bad:
            raise TrendscopeError(f"{path}:{n}: unknown trend(s) {', '.join(bad)} (known: {', '.join(known)})")
        if pid in seen:
            raise TrendscopeError(f"{path}:{n}: paper {pid} is labelled twice")
        seen.add(pid)
        rows.append((pid, set(labels)))
    return rows


def read_corpus_texts(path: str | Path, ids: set[str]) -> dict[str, tuple[str, str, list[str]]]:
    """id -> (title, abstract, categories) from a JSONL(.gz) corpus file, for the wanted ids only."""
    from trendscope.foundation.json_lines import read_json_objects

    out: dict[str, tuple[str, str, list[str]]] = {}
    for _, row in read_json_objects(path, "corpus"):
        # a line that is not a paper is passed over: a wanted paper missing from the corpus is reported by the caller
        if isinstance(row, dict) and row.get("id") in ids and isinstance(row.get("title"), str) \
                and isinstance(row.get("abstract"), str):
            out[row["id"]] = (row["title"], row["abstract"], list(row.get("categories") or []))
    return out


def labelled_papers(rows: Sequence[tuple[str, set[str]]],
                    texts: dict[str, tuple[str, str, list[str]]]) -> tuple[list[LabelledPaper], list[str]]:
    """Papers with their text (in label-file order) and the ids whose text was not found."""
    papers, missing = [], []
    for pid, labels in rows:
        if pid not in texts:
            missing.append(pid)
            continue
        title, abstract, cats = texts[pid]
        papers.append(LabelledPaper(pid, title, abstract, cats, labels))
    return papers, missing


def decisions_metrics(papers: Sequence[LabelledPaper], decisions: dict[str, np.ndarray],
                      trends: Sequence[str]) -> dict:
    """Per-trend precision, recall, F1 and support, and the macro-F1 over those of `trends` labelled or tagged."""
    out: dict = {"papers": len(papers), "trends": {}}
    f1s: list[float] = []
    averaged: list[str] = []
    for t in trends:
        y = np.array([t in p.labels for p in papers])
        pred = decisions[t]
        tp, fp, fn = int(np.sum(y & pred)), int(np.sum(~y & pred)), int(np.sum(y & ~pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        if tp + fp + fn:  # averaged over the trends labelled or tagged, as `tag_files.evaluate` averages
            f1s.append(f1)
            averaged.append(t)
        out["trends"][t] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                            "support": int(y.sum()), "predicted": int(pred.sum())}
    out["macro_f1"] = round(float(np.mean(f1s)), 4) if f1s else 0.0
    out["macro_trends"] = averaged
    return out
