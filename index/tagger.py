"""Tag a paper with trends: weighted phrase rules plus a model fitted on blind-labelled papers.

Pure: text (+ optional unit vector) in, scored tags with evidence out. No I/O, no model loading.

Rule score of a trend: each include pattern that matches contributes its weight times the factor of
the best place it matched (title > contribution sentence > first sentence > other sentence; a sentence
that marks the mention as passing, e.g. "zero-shot" in an evaluation sentence, counts much less), plus
a small bonus when it matches in several sentences; exclude patterns subtract. The tag's logit comes from the
fitted model (`tag_model.TagModel`: the paper's vector, the rule score and the category flag, or its
rules-only formula for papers without a vector); a trend the model does not cover (one the user added or
whose rules the user edited) uses `rule_scale * (rules - rules_only_offset)`, plus 0.5 for a listed arXiv
category. The score is the logit's sigmoid, and the paper gets the tag iff score >= the trend's threshold.
Each tag also keeps that logit as its `strength` (unbounded, unlike the score, which saturates near 1 for
every clearly tagged paper), stored in the `strength` column of `paper_trends`; it orders tagged papers by
how strongly the trend is their subject.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .regex_literals import may_match
from .tag_model import TagModel
from .taxonomy import Taxonomy, Trend

_LATEX_CMD = re.compile(r"\\[a-zA-Z]+\*?")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[\"'])")
_SPACES = re.compile(r"\s+")


@dataclass
class TrendTag:
    trend: str
    score: float
    evidence: list[str] = field(default_factory=list)
    strength: float = 0.0  # the logit behind the score (not squashed): how strongly the paper is about the trend


def latex_stripped(text: str) -> str:
    """Strip LaTeX commands, math delimiters and braces; collapse whitespace."""
    text = _LATEX_CMD.sub(" ", text or "")
    text = text.replace("$", " ").replace("{", "").replace("}", "").replace("~", " ")
    return _SPACES.sub(" ", text).strip()


def _lower(text: str) -> str:
    """Lower-case for matching (patterns are written in lower case; see taxonomy._compile)."""
    return text.lower()


def split_sentences(abstract: str) -> list[str]:
    return [s for s in _SENT_SPLIT.split(latex_stripped(abstract)) if s]


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass
class RuleResult:
    raw: float
    evidence: list[str]


@dataclass
class _Doc:
    """A paper split for scoring: segment texts, position factors, global passing flags, and offsets."""

    texts: list[str]
    factors: list[float]
    passing: list[bool]
    full: str
    starts: list[int]

    def segment_at(self, pos: int) -> int:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo


_JOIN = " \n "


def _doc(taxonomy: Taxonomy, title: str, abstract: str) -> _Doc:
    """The title and each abstract sentence with its position factor (title > contribution > first > other)."""
    s = taxonomy.scoring
    texts, factors, passing = [_lower(latex_stripped(title))], [s.title_factor], [False]
    for i, sent in enumerate(split_sentences(abstract)):
        sent = _lower(sent)
        if s.contribution_cues is not None and s.contribution_cues.search(sent):
            factors.append(s.contribution_factor)
        elif i == 0:
            factors.append(s.first_factor)
        else:
            factors.append(s.body_factor)
        texts.append(sent)
        passing.append(bool(s.global_passing is not None and s.global_passing.search(sent)))
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + len(_JOIN)
    return _Doc(texts, factors, passing, _JOIN.join(texts), starts)


def rule_score(trend: Trend, taxonomy: Taxonomy, doc: _Doc) -> RuleResult:
    s = taxonomy.scoring
    raw = 0.0
    evidence: list[tuple[float, str]] = []
    trend_passing: dict[int, bool] = {}
    for phrase in trend.include:
        if not may_match(phrase.literals, doc.full):
            continue
        best, best_text, in_title = 0.0, "", False
        segs: set[int] = set()
        for m in phrase.regex.finditer(doc.full):
            idx = doc.segment_at(m.start())
            if idx in segs:
                continue
            segs.add(idx)
            f = doc.factors[idx]
            if idx == 0:  # the title is never a passing mention
                in_title = True
            else:
                if idx not in trend_passing:
                    trend_passing[idx] = any(p.search(doc.texts[idx]) for p in trend.passing)
                if trend_passing[idx]:
                    f *= s.passing_factor
                elif doc.passing[idx]:
                    f *= (1.0 + s.passing_factor) / 2
            if f > best:
                best, best_text = f, m.group(0)
        if segs:
            contrib = phrase.weight * (best + s.repeat_bonus * min(len(segs) - 1, 3))
            raw += contrib
            evidence.append((contrib, f"{best_text.strip()} ({'title' if in_title else 'abstract'})"))
    for phrase in trend.exclude:
        m = phrase.regex.search(doc.full) if may_match(phrase.literals, doc.full) else None
        if m:
            raw -= phrase.weight
            evidence.append((-phrase.weight, f"not: {m.group(0).strip()}"))
    evidence.sort(key=lambda x: -x[0])
    return RuleResult(raw=raw, evidence=[e for _c, e in evidence])


class Tagger:
    """Scores papers against a taxonomy; `model` adds a per-trend linear term over the paper vector."""

    def __init__(self, taxonomy: Taxonomy, model: TagModel | None = None):
        self.taxonomy = taxonomy
        self.model = model.for_taxonomy(taxonomy.rules_hashes()) if model is not None else None

    def rules(self, title: str, abstract: str) -> dict[str, RuleResult]:
        doc = _doc(self.taxonomy, title, abstract)
        return {t.name: rule_score(t, self.taxonomy, doc) for t in self.taxonomy.trends}

    def score(
        self,
        title: str,
        abstract: str,
        vector: np.ndarray | None = None,
        categories: Sequence[str] = (),
        trends: Sequence[str] | None = None,
        vector_terms: Mapping[str, float] | None = None,
    ) -> list[TrendTag]:
        """A scored TrendTag for every trend (or the named ones), tagged or not.

        `vector_terms` (trend -> the fitted model's w . vector) may be passed precomputed for a batch; else it
        is computed from `vector` when given. Without either, the fitted model's rules-only formula decides.
        Trends the model does not cover (added or edited by the user) use the taxonomy's rules formula.
        """
        s = self.taxonomy.scoring
        doc = _doc(self.taxonomy, title, abstract)
        if vector_terms is None and vector is not None and self.model is not None:
            vector_terms = {t: float(v[0]) for t, v in self.model.vector_terms(vector).items()}
        out = []
        for trend in self.taxonomy.trends:
            if trends is not None and trend.name not in trends:
                continue
            rr = rule_score(trend, self.taxonomy, doc)
            evidence = list(dict.fromkeys(rr.evidence))[:6]  # two patterns may name the same phrase
            cats = sorted(set(categories) & set(trend.categories)) if trend.categories else []
            fitted = self.model.weights.get(trend.name) if self.model is not None else None
            if fitted is not None:
                vt = vector_terms.get(trend.name) if vector_terms is not None else None
                logit = fitted.logit(rr.raw, bool(cats), vt)
                reference = self.model.vector_reference(trend.name)
                if vt is not None and fitted.vector.size and reference is not None:
                    # the vote: how much more the paper's wording is like the trend's than the average paper outside
                    # it is (the move from the rules-only logit read "against" on nearly every firm tag)
                    evidence.append(f"vector model: {vt - reference:+.2f}")
            else:
                logit = s.rule_scale * (rr.raw - s.rules_only_offset) + (0.5 if cats else 0.0)
            if cats:
                evidence.append("category: " + ", ".join(cats))
            out.append(TrendTag(trend.name, round(sigmoid(logit), 4), evidence, round(logit, 2)))
        return out

    def tag(self, title: str, abstract: str, vector: np.ndarray | None = None,
            categories: Sequence[str] = (), **kw) -> list[TrendTag]:
        """Only the tags the paper gets (score >= the trend's threshold), best first."""
        thresholds = {t.name: t.threshold for t in self.taxonomy.trends}
        tags = [t for t in self.score(title, abstract, vector, categories, **kw) if t.score >= thresholds[t.trend]]
        return sorted(tags, key=lambda t: -t.score)
