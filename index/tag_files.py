"""Tag papers given as a JSONL file (no database) and evaluate tags against hand labels.

Used by `trendscope tag` and `trendscope eval-tags`. The vectors come from the embedder when one is
given (the fitted model then uses the paper vectors), otherwise its rules-only formula decides.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trendscope.foundation.json_lines import BadJsonLine, read_json_objects

from .embedder import paper_text
from .tag_model import TagModel, load_tag_model
from .tagger import Tagger, TrendTag
from .taxonomy import Taxonomy

log = logging.getLogger(__name__)


@dataclass
class InputPaper:
    id: str
    title: str
    abstract: str
    categories: list[str] = field(default_factory=list)
    labels: list[str] | None = None
    line: int = 0


def read_papers(path: str | Path, need_labels: bool = False,
                bad: dict[int, tuple[str | None, str]] | None = None) -> tuple[list[InputPaper], list[str]]:
    """Papers from a JSONL file; bad lines are skipped with a message naming file, line and field (and, given
    `bad`, recorded there as line -> (its id when it has one, the reason))."""
    papers: list[InputPaper] = []
    problems: list[str] = []

    def skip(n: int, obj, reason: str, message: str) -> None:
        problems.append(message)
        if bad is not None:
            pid = obj.get("id") if isinstance(obj, dict) else None
            bad[n] = (pid if isinstance(pid, str) else str(pid) if isinstance(pid, int) else None, reason)

    for n, obj in read_json_objects(path):
        if isinstance(obj, BadJsonLine):
            skip(n, None, obj.reason, str(obj))
            continue
        # a number ("id": 42, as a data frame writes it) is not missing: it is no text (a blind walkthrough)
        not_text = [k for k in ("id", "title", "abstract") if obj.get(k) is not None and not isinstance(obj[k], str)]
        missing = [k for k in ("id", "title", "abstract")
                   if k not in not_text and (not isinstance(obj.get(k), str) or not obj[k].strip())]
        if missing or not_text:
            reason = "; ".join(([f"missing or empty field(s) {', '.join(missing)}"] if missing else [])
                               + [f"field {k!r} must be text in quotes (got {obj[k]!r})" for k in not_text])
            skip(n, obj, reason, f"{path}:{n}: {reason}; skipped")
            continue
        labels = obj.get("labels")
        if need_labels and not (isinstance(labels, list) and all(isinstance(x, str) for x in labels)):
            reason = "field 'labels' must be a list of trend names"
            skip(n, obj, reason, f"{path}:{n}: {reason}; skipped")
            continue
        cats = obj.get("categories") or []
        papers.append(InputPaper(obj["id"], obj["title"], obj["abstract"],
                                 [c for c in cats if isinstance(c, str)], labels, n))
    return papers, problems


def tag_papers(
    papers: Sequence[InputPaper], taxonomy: Taxonomy, embedder=None,
    progress: Callable[[int], None] | None = None,
    embed_progress: Callable[[int], None] | None = None,
    model: TagModel | None = None,
) -> list[list[TrendTag]]:
    """Tags (only those the paper gets, best first) for each paper, in input order.

    `model`: the fitted tag model (default: the packaged one). Vectors are used when `embedder` is given and
    is the model's embedding model; otherwise the model's rules-only formula decides."""
    model = model if model is not None else load_tag_model()
    vecs = None
    if embedder is not None and model is not None:
        if model.model_id != embedder.model_id:
            log.warning("the tag model was fitted on %s vectors, not %s: rules only", model.model_id,
                        embedder.model_id)
        else:
            texts = [paper_text(p.title, p.abstract) for p in papers]
            chunks = [embedder.encode(texts[i : i + 256], progress=embed_progress) for i in range(0, len(texts), 256)]
            vecs = np.concatenate(chunks) if chunks else None
    tagger = Tagger(taxonomy, model)
    terms = tagger.model.vector_terms(vecs) if tagger.model is not None and vecs is not None else None
    out = []
    for i, p in enumerate(papers):
        vt = {t: float(v[i]) for t, v in terms.items()} if terms is not None else None
        out.append(tagger.tag(p.title, p.abstract, None, p.categories, vector_terms=vt))
        if progress:
            progress(1)
    return out


@dataclass
class TrendScore:
    trend: str
    support: int
    predicted: int
    tp: int
    precision: float
    recall: float
    f1: float


def evaluate(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], trends: Sequence[str]
) -> tuple[list[TrendScore], float]:
    """Per-trend precision/recall/F1 and the macro-F1 over those of `trends` labelled or tagged (`macro_trends`)."""
    if len(gold) != len(pred):
        raise ValueError("gold and predicted label lists differ in length")
    scores = []
    for t in trends:
        g = np.array([t in x for x in gold])
        p = np.array([t in x for x in pred])
        tp = int((g & p).sum())
        prec = tp / p.sum() if p.sum() else 0.0
        rec = tp / g.sum() if g.sum() else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        scores.append(TrendScore(t, int(g.sum()), int(p.sum()), tp, round(prec, 4), round(rec, 4), round(f1, 4)))
    judged = [s.f1 for s in scores if s.support or s.predicted]  # `macro_trends`
    macro = float(np.mean(judged)) if judged else 0.0
    return scores, round(macro, 4)


def macro_trends(scores: Sequence[TrendScore]) -> list[str]:
    """The trends a macro-F1 is averaged over: those labelled or tagged on some paper. A trend with neither has
    no F1 to speak of; counted as 0, it put one correct tag of a one-paper file at macro-F1 0.125 (a blind
    walkthrough)."""
    return [s.trend for s in scores if s.support or s.predicted]
