"""What every digest of one ISO week shares, computed once per run (`WeekContext`): the week's papers and counts,
term statistics for novelty, the trend's centroid for centrality, the taxonomy's digest rules (`DigestRules`),
keyword matches of query subscriptions (`FtsQueryScorer`), the trend table's rows and the month's rising
topics. Also where a paper states its subject (`subject_texts`) and whether a trend's core pattern matches there
(`has_core`): a trend digest ranks papers with such core evidence first (see `content`).
"""
from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from trendscope.foundation.clock import shift_week, week_bounds
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import quoted
from trendscope.index.tagger import latex_stripped, split_sentences

from .confidence import Calibration, load_calibration
from .model import Subscription
from .subscription_store import SubscriptionStore
from .terms import NoveltyScorer, terms

log = logging.getLogger(__name__)

MIN_STRENGTH = 2.0  # ... whose tag strength (logit) shows the trend is their subject, not a side topic
TRAILING_WEEKS = 8
LATE_WEEKS = 2  # papers of the two weeks before that arrived after their digest went out are offered again
NOVELTY_BACKGROUND = 3000  # most recent papers a novelty background holds
# sentences that report an evaluation are not subject sentences ("We evaluate ... in semi-supervised settings")
_EVALUATION = re.compile(r"^\W*we (also |further |then |additionally )?(evaluate|assess|test|benchmark|validate|"
                         r"compare|report|experiment|conduct)")


@dataclass
class DigestRules:
    """The digest-only rules of a taxonomy: per-trend core patterns and minimum tag strengths."""

    core: dict[str, tuple[re.Pattern, ...]] = field(default_factory=dict)
    min_strength: dict[str, float] = field(default_factory=dict)  # trend -> its digest_min_strength
    contribution_cues: re.Pattern | None = None
    passing: re.Pattern | None = None
    labels: dict[str, str] = field(default_factory=dict)  # trend id -> the label readers see

    def strength_floor(self, trend: str) -> float:
        """The strength a tag of `trend` needs to be shown: the trend's own minimum, never below MIN_STRENGTH."""
        return max(MIN_STRENGTH, self.min_strength.get(trend, MIN_STRENGTH))


def partial_week_end(newest: str | None, week: str) -> str | None:
    """`newest` (the newest stored paper's day) when it falls inside ISO `week` before its Friday: the week's papers
    stop there (ingest behind); None otherwise (a week after the newest paper holds none: `weekly` says so)."""
    monday, sunday = week_bounds(week)
    return newest if newest and monday.isoformat() <= newest < (sunday - timedelta(days=2)).isoformat() else None


@dataclass
class WeekContext:
    """What every digest of one week shares (counts and term statistics), computed once per run."""

    store: SubscriptionStore
    week: str
    taxonomy_path: Path | str | None = None  # the user's taxonomy file (its digest_core patterns); None: packaged
    calibration: Calibration | None = None  # P(on-trend) of trend papers; None: the packaged fit
    # (trend, month start YYYY-MM-01) -> that trend's rising topics that month; None: computed here, once
    topics: Callable[[str, str], list[dict]] | None = None
    _cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start, self.end = week_bounds(self.week)
        self.end_excl = (self.end + timedelta(days=1)).isoformat()
        self.trailing_start = (self.start - timedelta(weeks=TRAILING_WEEKS)).isoformat()
        self.weeks = [shift_week(self.week, -k) for k in range(TRAILING_WEEKS, -1, -1)]  # oldest .. this
        self.mondays = [week_bounds(w)[0].isoformat() for w in self.weeks]

    def confidence_model(self) -> Calibration:
        if self.calibration is None:
            self.calibration = load_calibration()
        return self.calibration

    def corpus_ends_inside(self) -> str | None:
        """The newest stored paper's day when it falls inside the week, before its Friday (`partial_week_end`): the
        week's counts are then of its papers up to that day (the operator's summary said so, the reader's mail did
        not: a blind walkthrough compared "19 papers" with "34 a week")."""
        return self._cached("corpus_ends", lambda: partial_week_end(self.store.newest_published(), self.week))

    def newest_after(self) -> str | None:
        """The newest stored paper's day when it is after the week's Sunday, else None."""
        newest = self._cached("newest", self.store.newest_published)
        return newest[:10] if newest and newest[:10] > self.end.isoformat() else None

    def _cached(self, key, fn: Callable):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def rising_topics(self, trend: str) -> tuple[str, list[dict]]:
        """(YYYY-MM, topics) rising in `trend` in the month of this week's Sunday, or in the month before when
        that month lists none yet (early in a month); ("", []) when none or they cannot be computed."""
        this = self.end.replace(day=1)
        prev = (this - timedelta(days=1)).replace(day=1)
        lookup = self.topics or self._computed_topics(prev.isoformat())
        for month in (this, prev):
            found = lookup(trend, month.isoformat())
            if found:
                return month.isoformat()[:7], found
        return "", []

    def _computed_topics(self, since: str) -> Callable[[str, str], list[dict]]:
        def build() -> dict[tuple[str, str], list[dict]]:
            from trendscope.index.topic_listings import listed_topics

            try:
                res = listed_topics(self.store.db, freq="month", since=since)
            except (TrendscopeError, sqlite3.Error) as exc:  # e.g. a read-only home whose phrase cache is stale
                log.warning("rising topics left out of the digest: %s", exc)
                return {}
            # a month in which the trend has no paper lists nothing, as `trends --topics` shows it (its record holds
            # the span before's topics, which the digest quoted "as of" that month: a blind walkthrough)
            return {(r["trend"], r["period"]): r["details"] for r in res.records if r.get("papers", 1)}

        found = self._cached(("topics", since), build)
        return lambda trend, month: found.get((trend, month), [])

    @property
    def totals(self) -> dict[str, int]:
        """Week Monday -> papers published that week, for the 9 weeks."""
        return self._cached("totals", lambda: self.store.weekly_counts(self.trailing_start, self.end_excl))

    @property
    def total_this_week(self) -> int:
        return self.totals.get(self.mondays[-1], 0)

    def week_rows(self, categories: tuple[str, ...]) -> list[dict]:
        return self._cached(("rows", categories), lambda: self.store.week_papers(
            self.start.isoformat(), self.end_excl, categories))

    def late_for(self, sub: Subscription) -> dict[str, str]:
        """arXiv id -> week, for the papers of the LATE_WEEKS weeks before that were stored after those weeks'
        digests of `sub` were issued (`SubscriptionStore.late_ids`): this week's digest offers them."""
        if sub.id is None:
            return {}
        weeks = []
        for k in range(1, LATE_WEEKS + 1):
            wk = shift_week(self.week, -k)
            monday, sunday = week_bounds(wk)
            weeks.append((wk, monday.isoformat(), (sunday + timedelta(days=1)).isoformat()))
        return self.store.late_ids(sub.id, weeks)

    def terms_of(self, row: dict) -> set[str]:
        """Term set of a paper row (cached by pk)."""
        return self.doc_terms([(row["pk"], row["title"], row["abstract"])])[0]

    @property
    def week_docs(self) -> list[set[str]]:
        """Term sets of every paper of the week (the background for characteristic terms)."""
        return self._cached("week_docs", lambda: [self.terms_of(r) for r in self.week_rows(())])

    def doc_terms(self, rows: list[tuple[int, str, str]]) -> list[set[str]]:
        """Term sets of (pk, title, abstract) rows, cached by pk."""
        cache = self._cache.setdefault("terms", {})
        out = []
        for pk, title, abstract in rows:
            if pk not in cache:
                cache[pk] = terms(f"{title} {abstract}")
            out.append(cache[pk])
        return out

    def query_matches(self, query: str) -> list[tuple[int, str, float]]:
        """(pk, published, bm25) of the query's keyword matches over the 9 weeks."""
        return self._cached(("matches", query), lambda: FtsQueryScorer(self.store).matches(
            query, self.trailing_start, self.end_excl))

    def novelty_for(self, sub: Subscription) -> NoveltyScorer:
        """Novelty against what the subscription would have seen in the 8 weeks before: the papers of its
        trends, else its query's keyword matches, else its categories (at most NOVELTY_BACKGROUND papers)."""
        key = ("novelty", tuple(sub.trends), sub.query if not sub.trends else None, tuple(sub.categories))

        def build() -> NoveltyScorer:
            start = self.start.isoformat()
            if sub.trends or not sub.query:
                rows = self.store.background_texts(self.trailing_start, start, trends=sub.trends,
                                                   categories=sub.categories, limit=NOVELTY_BACKGROUND)
            else:
                pks = [pk for pk, published, _ in self.query_matches(sub.query) if published < start]
                rows = self.store.texts_for(pks[-NOVELTY_BACKGROUND:])
            return NoveltyScorer(self.doc_terms(rows))
        return self._cached(key, build)

    def _vectors(self):
        """(VectorStore, model) of the search area when paper vectors are stored, else None."""
        def build():
            from trendscope.index.vector_store import VectorStore

            vs = VectorStore(self.store.db)
            model = vs.model_in_use()
            return (vs, model) if model else None
        return self._cached("vectors", build)

    def centrality_for(self, sub: Subscription, pks: list[int]) -> dict[int, float]:
        """Trend subscriptions with stored vectors: pk -> cosine between the paper and the mean vector of the
        subscription's papers of the 8 weeks before (how typical of the trend it is). Empty otherwise."""
        got = self._vectors()
        if not sub.trends or got is None or not pks:
            return {}
        vs, model = got

        def centroid():
            rows = self.store.background_texts(self.trailing_start, self.start.isoformat(), trends=sub.trends,
                                               categories=sub.categories, limit=NOVELTY_BACKGROUND)
            vecs = list(vs.get([pk for pk, _, _ in rows], model).values())
            if not vecs:
                return None
            c = np.mean(np.stack(vecs), axis=0)
            n = float(np.linalg.norm(c))
            return c / n if n > 0 else None
        c = self._cached(("centroid", tuple(sub.trends), tuple(sub.categories)), centroid)
        if c is None:
            return {}
        return {pk: float(np.dot(v, c)) for pk, v in vs.get(pks, model).items()}

    def rules(self) -> DigestRules:
        """The taxonomy's digest-only fields (digest_core patterns, digest_min_strength), loaded once."""
        def build():
            from trendscope.foundation.errors import TrendscopeError
            from trendscope.index.taxonomy import load_taxonomy
            try:
                tax = load_taxonomy(self.taxonomy_path)
            except TrendscopeError as exc:  # a broken user file: rank with the global rules, don't fail
                log.warning("digest ranking without the taxonomy's digest rules: %s", exc)
                return DigestRules()
            return DigestRules(
                core={t.name: t.digest_core for t in tax.trends if t.digest_core},
                min_strength={t.name: t.digest_min_strength for t in tax.trends
                              if t.digest_min_strength is not None},
                contribution_cues=tax.scoring.contribution_cues, passing=tax.scoring.global_passing,
                labels={t.name: t.label for t in tax.trends})
        return self._cached("rules", build)

    def core_for(self, trends: dict[int, list[str]], rows: list[dict]) -> dict[int, bool]:
        """pk -> whether the paper has core evidence of one of its qualifying trends `trends[pk]` (see has_core);
        a trend without digest_core patterns counts as core evidence."""
        rules = self.rules()
        out = {}
        for r in rows:
            mine = trends.get(r["pk"], [])
            if any(t not in rules.core for t in mine):
                out[r["pk"]] = True
                continue
            texts = subject_texts(r["title"], r["abstract"], rules.contribution_cues, rules.passing)
            out[r["pk"]] = any(has_core(rules.core[t], texts) for t in mine)
        return out

    def trend_rows(self) -> dict[tuple[str, str], dict]:
        """(trend, period Monday) -> row of `index.trends_over_time.trend_table` for the 9 weeks (computed once)."""
        def build():
            from trendscope.index.trends_over_time import trend_table

            df = trend_table(self.store.db, freq="week", since=self.trailing_start, window=TRAILING_WEEKS)
            df = df[df["period"] <= self.mondays[-1]]
            return {(r["trend"], r["period"]): r for r in df.to_dict("records")}
        return self._cached("trend_rows", build)


class FtsQueryScorer:
    """Keyword scoring through SQLite FTS5 (bm25): every query word must occur (porter-stemmed)."""

    def __init__(self, store: SubscriptionStore):
        self.store = store

    _STOP = frozenset("a an and are as at by for from in into is of on or the to via with without".split())

    @classmethod
    def match_expression(cls, query: str) -> str | None:
        """Every word of the query (quoted, so no FTS syntax gets through), small words left out; a phrase the
        query quotes stays a phrase (`"video generation"` counted papers holding both words anywhere, while the
        digest listed only papers about video generation); `a OR b` holds either, as in a search (a followed
        topic is `"its name" OR ITS-ACRONYM`, which read as both, the OR a small word: a blind walkthrough)."""
        groups: list[list[str]] = []
        join = False
        for token in re.findall(r'"[^"]*"?|[^\s"]+', query):
            if token == "OR":
                join = bool(groups)
                continue
            unit = cls._unit(token)
            if unit is None:
                continue
            if join:
                groups[-1].append(unit)
            else:
                groups.append([unit])
            join = False
        if not groups:  # only small words: every word, as before
            words = re.findall(r"\w+", query.lower())
            return " ".join(f'"{w}"' for w in words) if words else None
        return " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)

    @classmethod
    def _unit(cls, token: str) -> str | None:
        """One quoted phrase or one word of the query as an FTS5 expression (None for a small word)."""
        words = re.findall(r"\w+", token.lower())
        if token.startswith('"'):
            return f'"{" ".join(words)}"' if words else None
        words = [w for w in words if w not in cls._STOP]
        if not words:
            return None
        return f'"{words[0]}"' if len(words) == 1 else "(" + " AND ".join(f'"{w}"' for w in words) + ")"

    @staticmethod
    def describe(query: str) -> str:
        """What the keyword matches of `query` are, for the digest's summary line."""
        if re.search(r'"[^"]*\w[^"]*"', query) or re.search(r"\sOR\s", query):
            return f"papers with {query}"  # its quotes say which words go together; "every word of a OR b" is not
        return f"papers with every word of {quoted(query, 500)}"  # repr doubled a backslash (a blind walkthrough)

    def matches(self, query: str, start: str, end_excl: str) -> list[tuple[int, str, float]]:
        expr = self.match_expression(query)
        return self.store.fts_matches(expr, start, end_excl) if expr else []

    def __call__(self, sub: Subscription, start: date, end: date) -> dict[int, float]:
        rows = self.matches(sub.query or "", start.isoformat(), (end + timedelta(days=1)).isoformat())
        return {pk: -rank for pk, _, rank in rows}  # bm25: lower is better


def subject_texts(title: str, abstract: str, contribution_cues: re.Pattern | None = None,
                  passing: re.Pattern | None = None) -> list[str]:
    """Where a paper states its subject, lower-cased: the title, the abstract's first sentence and its
    contribution sentences (`contribution_cues`), leaving out evaluation sentences and (except the title)
    sentences with a passing cue (`passing`: "such as", "also", numbered lists ...)."""
    out = [latex_stripped(title).lower()]
    for i, sent in enumerate(split_sentences(abstract or "")):
        sent = sent.lower()
        if i > 0 and (contribution_cues is None or not contribution_cues.search(sent)):
            continue
        if _EVALUATION.search(sent) or (passing is not None and passing.search(sent)):
            continue
        out.append(sent)
    return out


def has_core(patterns: tuple[re.Pattern, ...] | list[re.Pattern], texts: list[str]) -> bool:
    """Whether one of a trend's digest_core patterns matches one of the subject texts."""
    return any(p.search(t) for p in patterns for t in texts)
