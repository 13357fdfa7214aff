""""New for you": the latest papers ranked by what the user keeps, as arxiv-sanity-lite does it.

Positives are every paper in any reading list plus every thumbs-up; explicit negatives are thumbs-down and
"not interested" marks. A linear SVM (LinearSVC's objective, class-balanced, C=0.1; see `svm_scores`) is fitted on the
papers' stored embeddings with the positives against every other paper of the window (and the explicit
negatives), then scores the window's papers: the latest `days` days of data, newest paper included. A reader
keeps more than one subject: the kept papers are grouped as a reading list's topics are (`list_topics`), each
group gets its own SVM and a share of the places in proportion to its papers (`ranked`), so a side interest is
not crowded out (readers of two interests from the blind dev set: docs/performance.md#new-for-you). Each pick
says why: the kept paper it is closest to ("close to “…”"). Feedback is stored at once and the next ranking
uses it.

With nothing kept yet (or no embeddings), it falls back to the newest papers in the user's categories, saying so.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np

from trendscope.foundation.actor import LOCAL_OWNER
from trendscope.ingest.paper_reads import PaperFilter, PaperReads

from .list_store import ListStore
from .list_topics import list_topics, shared_out, topic_places
from .recommend import VectorSource

log = logging.getLogger(__name__)

WINDOW_DAYS = 30
SVM_C = 0.1
SVM_TOL = 1e-6  # gradient norm (relative) at which Newton's method stops
SVM_MAX_STEPS = 50
INTEREST_SIMILARITY: float | None = 0.5  # kept papers' groups (`list_topics`) that share the places; None: one
MAX_INTERESTS = 6  # groups of their own at most; the papers of smaller groups are ranked for together
PER_INTEREST_SVM = True  # each group its own SVM (else one SVM, each candidate in its closest kept paper's group)
# A pick the SVM scores below its boundary is not taken for "like what you keep" and is marked a weaker match: on the
# blind two-interest readers 43% (report half, 44 picks) and 62% (tuning half, 13) of such picks were on topic,
# against 95% and 92% of the others (bench/for_you_eval.py --mixed). A small corpus fills its places with them.
WEAK_SCORE = 0.0


@dataclass
class Pick:
    arxiv_id: str
    pk: int
    title: str
    authors: list[str]
    published: str | None
    categories: list[str]
    score: float
    reason: str
    reason_id: str | None = None  # the kept paper it is closest to
    weak: bool = False  # scored below the SVM's boundary (WEAK_SCORE): a weaker match


@dataclass
class ForYou:
    picks: list[Pick]
    mode: str  # "svm" (ranked by what you keep) | "newest" (nothing kept yet, or no embeddings)
    kept: int  # the reader's kept papers (the positives, when ranked)
    since: str | None  # first day of the window
    categories: list[str] = field(default_factory=list)
    interests: int = 1  # groups of related kept papers that share the places (`ranked`)
    loose: int = 0  # kept papers in no group (they share one more group's places)
    newest: str | None = None  # the newest stored paper's date (the window ends there, not today)
    candidates: int = 0  # the window's papers it ranked (not kept, not turned down)

    @property
    def weak(self) -> int:
        return sum(p.weak for p in self.picks)


def for_you(db, vectors: VectorSource, *, limit: int = 10, days: int = WINDOW_DAYS,
            categories: Sequence[str] = (), owner: str = LOCAL_OWNER) -> ForYou:
    """The `limit` best papers of the latest `days` days of data for reader `owner` (their lists, thumbs and
    not-interested marks)."""
    reads, store = PaperReads(db), ListStore(db)
    last = reads.newest(PaperFilter(), 1)
    if not last or not last[0].published:
        return ForYou([], "newest", 0, None, list(categories))
    since = (date.fromisoformat(last[0].published[:10]) - timedelta(days=days - 1)).isoformat()
    feedback = store.marks.feedback(owner)
    kept_ids = store.kept_ids(owner) | {a for a, v in feedback.items() if v > 0}
    shunned_ids = store.not_interested_anywhere(owner) | {a for a, v in feedback.items() if v < 0}
    window = [int(p) for p in reads.filtered_pks(PaperFilter(since=since))]
    kept_pks = reads.pks_of(kept_ids)
    shunned_pks = reads.pks_of(shunned_ids)
    # a paper of a list shared with the reader is one they have already: ana was offered the paper she had just put
    # on the group's list (a blind walkthrough); it is left out, not learnt from
    excluded = set(kept_pks.values()) | set(shunned_pks.values()) | set(reads.pks_of(store.shared_ids(owner)).values())
    excluded |= reads.withdrawn_pks()  # a withdrawn paper is no news, however close to what the reader keeps
    candidates = [p for p in window if p not in excluded]
    model = vectors.model_in_use()
    if kept_pks and model is not None:
        found = _svm(reads, vectors, model, kept_pks, shunned_pks, candidates, limit)
        if found is not None:
            picks, ranking = found
            return ForYou(picks, "svm", len(kept_pks), since, interests=ranking.interests, loose=ranking.loose,
                          newest=last[0].published[:10], candidates=len(candidates))
    # kept papers and still the newest: nothing left to rank (every recent paper is kept or turned down) or no
    # vectors; `kept` says so, for the caption ("You keep no papers yet" to a reader keeping 15: a walkthrough)
    return ForYou(_newest(reads, candidates, categories, limit), "newest", len(kept_pks), since, list(categories),
                  newest=last[0].published[:10], candidates=len(candidates))


def svm_scores(positives: np.ndarray, candidates: np.ndarray, negatives: np.ndarray | None = None) -> np.ndarray:
    """Decision values, for each candidate, of a linear SVM fitted on `positives` (label +1) against `candidates`
    and `negatives` (label -1): arxiv-sanity-lite's ranking, on embeddings.

    The same objective as scikit-learn's LinearSVC(C=SVM_C, class_weight="balanced") (squared hinge loss, L2
    penalty, the intercept as a penalised constant feature), minimised by Newton's method on the primal
    (Chapelle 2007): each step solves a (d+1) x (d+1) system over the margin violators; a handful of steps
    converge. Written out because importing scikit-learn costs 3 s of the app's first page here."""
    parts = [positives, candidates] + ([negatives] if negatives is not None and len(negatives) else [])
    x = np.hstack([np.vstack(parts).astype(np.float64), np.ones((sum(len(p) for p in parts), 1))])
    y = np.r_[np.ones(len(positives)), -np.ones(len(x) - len(positives))]
    n_pos, n_neg = len(positives), len(x) - len(positives)
    c = SVM_C * np.where(y > 0, len(x) / (2 * n_pos), len(x) / (2 * max(n_neg, 1)))
    w = np.zeros(x.shape[1])
    for _ in range(SVM_MAX_STEPS):
        margin = 1 - y * (x @ w)
        active = margin > 0
        xa, ca, ya = x[active], c[active], y[active]
        grad = w - 2 * (xa.T @ (ca * ya * margin[active]))
        if np.linalg.norm(grad) <= SVM_TOL * max(1.0, np.linalg.norm(w)):
            break
        hess = np.eye(x.shape[1]) + 2 * (xa.T * ca) @ xa
        w = w - np.linalg.solve(hess, grad)
    cx = np.hstack([candidates.astype(np.float64), np.ones((len(candidates), 1))])
    return cx @ w


class Ranking(NamedTuple):
    top: np.ndarray  # the first `limit` candidates' indices, best first
    scores: np.ndarray  # every candidate's score
    interests: int  # groups of related kept papers with places of their own (1: one SVM for all)
    loose: int  # kept papers in no group, ranked for together


def ranked(positives: np.ndarray, candidates: np.ndarray, negatives: np.ndarray | None = None, *,
           limit: int = 10, similarity: float | None = INTEREST_SIMILARITY,
           per_topic: bool = PER_INTEREST_SVM, stray_whole: bool = False,
           min_score: float | None = None) -> Ranking:
    """The candidates to show, best first, and how the kept papers were grouped. `min_score` (tried, not used):
    only candidates whose score reaches it (0: the SVM's own boundary, "like what you keep") may be picked.

    `similarity` None: one SVM over every kept paper, best scores first. Otherwise the kept papers' topics
    (`list_topics` at that similarity) share the places in proportion to their papers: each candidate belongs to
    the topic of the kept paper it is closest to (or, `per_topic`, to the topic whose own SVM, its papers against
    the candidates, scores it highest, that score being its score). Kept papers in no topic (the last index) form
    one group of their own, or with `stray_whole` are ranked for by the SVM of every kept paper (on the blind
    two-interest readers the two differ by one paper in 400; the former was the better on the tuning half)."""
    centroids, of_paper = list_topics(positives, similarity)
    if len(centroids) == 1:
        scores = svm_scores(positives, candidates, negatives)
        return Ranking(_allowed(np.argsort(-scores, kind="stable"), scores, min_score)[:limit],
                       scores, 1, 0)
    stray = len(centroids) - 1
    of_paper = largest_groups(of_paper, stray, MAX_INTERESTS)
    places = topic_places(of_paper, len(centroids), limit)
    if per_topic:  # an SVM for each group that has places (at most `limit` fits, each about 0.1-0.4 s)
        present = [t for t in range(len(centroids)) if places[t] > 0]
        per = np.stack([svm_scores(positives if t == stray and stray_whole else positives[of_paper == t],
                                   candidates, negatives) for t in present], axis=1)
        scores = per.max(axis=1)
        topic_of = np.asarray(present)[per.argmax(axis=1)]
    else:
        scores = svm_scores(positives, candidates, negatives)
        topic_of = of_paper[np.argmax(candidates @ positives.T, axis=1)]
    order = _allowed(np.argsort(-scores, kind="stable"), scores, min_score)
    chosen = shared_out(order, topic_of, places, limit)
    groups = set(of_paper.tolist()) - {stray}
    return Ranking(np.asarray(chosen, dtype=np.int64), scores, len(groups), int((of_paper == stray).sum()))


def _allowed(order: np.ndarray, scores: np.ndarray, min_score: float | None) -> np.ndarray:
    return order if min_score is None else order[scores[order] >= min_score]


def largest_groups(of_paper: np.ndarray, stray: int, most: int) -> np.ndarray:
    """Each kept paper's group, the `most` largest groups kept (ties: the earlier group) and the papers of the
    others moved to the group of papers in no group (`stray`), so that a reader keeping papers on thirty
    subjects is ranked for by at most `most` + 1 SVMs (25 groups took 17-22 s on a month of the full corpus)."""
    sizes = np.bincount(of_paper[of_paper != stray], minlength=stray)
    kept = set(sorted(range(stray), key=lambda t: (-sizes[t], t))[:most])
    return np.asarray([t if t == stray or t in kept else stray for t in of_paper.tolist()], dtype=np.int64)


def _svm(reads: PaperReads, vectors: VectorSource, model: str, kept: dict[str, int], shunned: dict[str, int],
         candidates: list[int], limit: int) -> tuple[list[Pick], Ranking] | None:
    pos = vectors.get(kept.values(), model)
    if not pos or not candidates:
        return None
    cand = vectors.get(candidates, model)
    neg = vectors.get(shunned.values(), model)
    cand_pks = [p for p in candidates if p in cand]
    if not cand_pks:
        return None
    pos_pks = sorted(pos)
    cx = np.stack([cand[p] for p in cand_pks])
    px = np.stack([pos[p] for p in pos_pks])
    ranking = ranked(px, cx, np.stack([neg[p] for p in sorted(neg)]) if neg else None, limit=limit)
    top = [cand_pks[i] for i in ranking.top]
    rows = reads.rows(top + pos_pks)
    scores = ranking.scores
    out = []
    for i in ranking.top:
        pk = cand_pks[i]
        near = pos_pks[int(np.argmax(px @ cand[pk]))]
        r, n = rows[pk], rows.get(near)
        weak = bool(scores[i] < WEAK_SCORE)
        # "Weaker match: close to “SmoothQuant…”" on a speech paper read as a false reason (a blind walkthrough)
        reason = ((f"close to “{n.title}”" if n else "close to a paper you keep") if not weak else
                  (f"nearest paper you keep: “{n.title}”" if n else "nearest to a paper you keep"))
        out.append(Pick(r.id, pk, r.title, r.authors, r.published, r.categories, float(scores[i]), reason,
                        n.id if n else None, weak=weak))
    return out, ranking


def _newest(reads: PaperReads, candidates: list[int], categories: Sequence[str], limit: int) -> list[Pick]:
    rows = reads.newest(PaperFilter(categories=list(categories), within=candidates), limit) if categories else []
    if not rows:  # none of the window is in those categories: the newest of the window
        categories = ()
        rows = reads.newest(PaperFilter(within=candidates), limit)
    where = ", ".join(categories) if categories else "your corpus"
    return [Pick(r.id, r.pk, r.title, r.authors, r.published, r.categories, 0.0,
                 f"new in {where} (keep papers in a list or give a thumbs up to rank by your interests)")
            for r in rows]
