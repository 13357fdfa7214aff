"""Rising topics inside each trend: named phrases whose share of the trend's papers bursts in a period.

For every trend T and period p (week, month or quarter), a candidate phrase t (index/topic_phrases.py) is scored by
how its share of T's papers *now* compares with its share in the year *before*:

- **now** is p widened back, period by period, until T has at least `min_now` papers in it (at most a year, and
  only while the year before still holds a quarter as many papers, so there is something to compare with): a
  trend with 300 papers a month is judged month by month, one with 20 a month over the last year, so a thin
  trend's topics are not lost to noise and a busy trend's are not averaged away. Each record says its span.
- **before** is the year (`window` periods; a year by default) that ends where now starts.
- **burst**: Dunning's log-likelihood ratio G2 of the two shares (counts of papers with and without t, now and
  before), signed; shares, not counts, so a trend that grows as a whole does not make its words rise;
- **background model**: t must be associated with T over the whole corpus (its share of T's papers at least
  `min_lift` times its share of all papers), which filters generic ML vocabulary ("neural network", "large
  language model") by the corpus itself, not by a hand list; and papers must name it in their titles (at least
  `min_title_share` of the papers that use it), as researchers do with topics and rarely with phrases such as
  "promising solution" or "trainable parameters";
- **a research topic of its own**: the topic-name model (topic_names.py), fitted on blind readers' judgements
  of earlier listings, weighs how papers use the name (title share, standing alone, coherence, below) into the
  probability that readers take it for a specific research topic; a name below its threshold is not listed.
  The title share above and the standing-alone share and coherence below are floors that leave out what is
  plainly not a topic; the model weighs the three together for the names that pass them;
- **fragments**: t is dropped when one longer candidate holds it in at least `fragment_share` of the tagged
  papers that use it ("visual question" inside "visual question answering", "elastic weight" inside "elastic
  weight consolidation"), and so is a name of 4+ words ending in such a fragment or an event with its year
  ("SemEval-2019"); a name written inside many different longer ones ("vision language model") stays;
- **standing alone**: in at least `min_closed_share` of the papers using t (corpus-wide), t must stand on its
  own at least once, with no content word right before or after it (topic_phrases.py): "medical image" or
  "pre-trained vision" are nearly always the start of a longer name, spread over many different ones;
- **coherence**: when the papers have vectors, the papers using t must be about one thing: the mean cosine
  between their vectors at least `min_coherence` (topic_coherence.py; "efficient inference" or "best practices"
  are written by papers on everything);
- **source mix**: t must rise more inside T than in the rest of the corpus in the same periods (a change in the
  corpus's sources lifts a word everywhere);
- **support**: at least `min_papers` papers of T now, published in at least 2 different weeks, at least
  `min_growth` times the share it had before, and G2 >= 2.0 (p < 0.16 for one degree of freedom: with the
  topic-name model guarding what is listed, a lower bar finds more of the known rises; each topic's G2 is shown).

Each topic comes with its first papers in the trend and its most typical papers now (those holding the most of
the period's rising phrases), so a reader can check it.
"""
from __future__ import annotations

import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date

import numpy as np

from .topic_coherence import phrase_coherence
from .topic_names import FEATURES, NameCounts, TopicNameModel, load_name_model, name_features
from .topic_phrases import AcronymMap, display_names, normalise
from .topic_store import TopicStore
from .trend_store import TrendStore
from .trends_over_time import period_start

MAX_TOPICS = 10
PERIODS_PER_YEAR = {"week": 52, "month": 12, "quarter": 4}
_EVENT_RE = re.compile(r"^[a-z]+[ -]?(19|20)\d\d$", re.IGNORECASE)  # "AAAI2021", "SemEval-2019": events, not topics


@dataclass
class Topic:
    name: str
    key: str
    papers: int          # papers of the trend in the period that use it
    before: float        # its share of the trend's papers in the window before (0-1)
    share: float         # its share now
    growth: float        # share now / share before (smoothed)
    score: float         # G2 burst statistic
    topic_probability: float | None = None  # the topic-name model's vote (None: no model)
    since: str = ""      # the first period of "now" (the record's period itself unless the trend is thin)
    first_papers: list[str] = field(default_factory=list)
    central_papers: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class TopicsResult:
    freq: str
    records: list[dict]   # {"trend", "period", "papers", "since", "window_papers", "topics": [names],
    #                         "details": [Topic json]}: papers in the period, and in the span now = since..period
    seconds: float
    papers: int


def _quarter_start(day: str) -> str:
    d = date.fromisoformat(day[:10])
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1).isoformat()


def period_of(day: str, freq: str) -> str:
    return _quarter_start(day) if freq == "quarter" else period_start(day, freq)


def _g2(a: int, n1: int, b: float, n2: float) -> float:
    """Log-likelihood ratio of a/n1 vs b/n2 (signed: positive when the first share is larger)."""
    def ll(k, n, p):
        p = min(max(p, 1e-12), 1 - 1e-12)
        return k * math.log(p) + (n - k) * math.log(1 - p)
    p = (a + b) / (n1 + n2)
    g = 2 * (ll(a, n1, a / n1) + ll(b, n2, b / n2) - ll(a, n1, p) - ll(b, n2, p)) if n1 and n2 else 0.0
    return g if a / max(n1, 1) >= b / max(n2, 1) else -g


def emerging_topics(db, freq: str = "month", since: str | None = None, trends: list[str] | None = None,
                    window: int | None = None, n_topics: int = MAX_TOPICS, min_papers: int = 4,
                    min_lift: float = 2.0, min_g2: float = 2.0, min_title_share: float = 0.1, min_now: int = 300,
                    min_growth: float = 1.5, fragment_share: float = 0.6, min_coherence: float = 0.4,
                    min_closed_share: float = 0.2, name_model: TopicNameModel | str | None = "packaged",
                    min_topic_probability: float | None = None, progress=None) -> TopicsResult:
    """Rising topics per trend and period (see the module docstring)."""
    if freq not in PERIODS_PER_YEAR:
        raise ValueError(f"freq must be week, month or quarter, not {freq!r}")
    year = PERIODS_PER_YEAR[freq]
    window = window or year
    started = time.perf_counter()
    store = TrendStore(db)
    c = _count_corpus(db, store, freq, trends, min_papers, fragment_share, progress)
    period, week, phrase_sets, by_trend = c.period, c.week, c.phrase_sets, c.by_trend
    df_all, per_period_all, n_period_all, n_all = c.df_all, c.per_period_all, c.n_period_all, c.n_all
    # the corpus-wide tests first: coherence (reading every vector) is judged only for what passes them
    passing = {k for k in c.candidates - c.fragments
               if c.title_df[k] >= min_title_share * df_all[k] and c.closed_df[k] >= min_closed_share * df_all[k]}
    coherence = phrase_coherence(db, phrase_sets, passing) if (min_coherence > 0 or name_model) else None
    if name_model == "packaged":
        name_model = load_name_model()
    if name_model is not None and min_topic_probability is not None:
        name_model = replace(name_model, threshold=min_topic_probability)
    periods = sorted(n_period_all)
    records = []
    names_for: set[str] = set()
    for trend in sorted(by_trend):
        pks = by_trend[trend]
        df_trend = c.df_by_trend[trend]
        n_trend = len(pks)
        associated = {k for k, n in df_trend.items()
                      if n >= min_papers and k in passing and (n / n_trend) >= min_lift * (df_all[k] / n_all)
                      and (coherence is None or coherence.get(k, 1.0) >= min_coherence)}
        if name_model is not None:
            votes = name_model.keep(sorted(associated), _name_counts(c, trend, coherence))
            associated = set(votes)
        else:
            votes = {}
        per_period: dict[str, Counter] = defaultdict(Counter)
        n_period: Counter = Counter()
        members: dict[str, list[int]] = defaultdict(list)
        for pk in pks:
            per_period[period[pk]].update(phrase_sets[pk] & associated)
            n_period[period[pk]] += 1
            members[period[pk]].append(pk)
        first_seen: dict[str, list[int]] = defaultdict(list)
        for pk in sorted(pks, key=lambda p: (period[p], p)):
            for k in phrase_sets[pk] & associated:
                if len(first_seen[k]) < 3:
                    first_seen[k].append(pk)
        for i, p in enumerate(periods):
            if since and p < since:
                continue
            start, now_n = i, n_period.get(p, 0)  # widen now back until the trend has min_now papers in it,
            while now_n < min_now and start > 1 and i - start + 1 < year:  # while the year before holds a quarter
                wider = now_n + n_period.get(periods[start - 1], 0)          # as many (a growing corpus)
                if 4 * sum(n_period.get(q, 0) for q in periods[max(0, start - 1 - window):start - 1]) < wider:
                    break
                start -= 1
                now_n = wider
            now = periods[start:i + 1]
            prev = periods[max(0, start - window):start]
            before_n = sum(n_period.get(q, 0) for q in prev)
            record = {"trend": trend, "period": p, "papers": n_period.get(p, 0), "since": periods[start],
                      "window_papers": now_n}
            if now_n < min_papers or not prev or before_n == 0:
                records.append({**record, "topics": [], "details": []})
                continue
            rest_now = sum(n_period_all[q] for q in now) - now_n
            rest_before = sum(n_period_all[q] for q in prev) - before_n
            counts_now = _sum_counts(per_period, now)
            counts_before = _sum_counts(per_period, prev)
            holders_now = [pk for q in now for pk in members[q]]
            scored = []
            for k, a in counts_now.items():
                if a < min_papers:
                    continue
                b = counts_before.get(k, 0)
                share, share_before = a / now_n, (b + 0.5) / (before_n + 1)
                growth = share / share_before
                if growth < min_growth:
                    continue
                ra = sum(per_period_all[q].get(k, 0) for q in now) - a
                rb = sum(per_period_all[q].get(k, 0) for q in prev) - b
                prior = df_all[k] / n_all  # both shares shrink towards the corpus-wide share (20 papers' worth)
                rest_growth = ((ra + 20 * prior) / (rest_now + 20)) / ((rb + 20 * prior) / (rest_before + 20))
                if growth <= rest_growth:
                    continue
                weeks = {week[pk] for pk in holders_now if k in phrase_sets[pk]}
                if len(weeks) < 2:
                    continue
                g2 = _g2(a, now_n, b, before_n)
                if g2 >= min_g2:
                    scored.append((g2, k, a, share_before, share, growth))
            scored.sort(key=lambda x: (-x[0], x[1]))
            chosen = _drop_nested(scored, n_topics)
            rising = {c[1] for c in chosen}
            central = sorted(holders_now, key=lambda pk: (-len(phrase_sets[pk] & rising), pk))
            details = []
            for g, k, a, sb, sh, gr in chosen:
                holders = [pk for pk in central if k in phrase_sets[pk]][:3]
                details.append(Topic(name=k, key=k, papers=a, before=round(sb, 4), share=round(sh, 4),
                                     growth=round(gr, 2), score=round(g, 2), since=periods[start],
                                     topic_probability=round(votes[k], 3) if k in votes else None,
                                     first_papers=first_seen[k],
                                     central_papers=holders))
                names_for.add(k)
            records.append({**record, "details": details})
    surfaces: dict[str, Counter] = defaultdict(Counter)  # how papers write the listed topics
    for written in c.raw.values():
        for key in names_for.intersection(written):
            surfaces[key][written[key]] += 1
    names = display_names(surfaces, c.acronyms, names_for)
    pk_ids = store.ids_for([pk for r in records for t in r["details"] for pk in (*t.first_papers, *t.central_papers)])
    for r in records:
        for t in r["details"]:
            t.name = names.get(t.key, t.key)
            t.first_papers = [pk_ids.get(pk, str(pk)) for pk in t.first_papers]
            t.central_papers = [pk_ids.get(pk, str(pk)) for pk in t.central_papers]
        r["topics"] = [t.name for t in r["details"]]
        r["details"] = [t.to_json() for t in r["details"]]
    return TopicsResult(freq, records, time.perf_counter() - started, len(period))


@dataclass
class _Corpus:
    """Per-paper phrase sets and the corpus-wide counts of the names some trend could list."""
    period: dict[int, str]
    week: dict[int, str]
    raw: dict[int, dict[str, str]]          # pk -> {phrase key: the surface the paper wrote}
    acronyms: AcronymMap
    phrase_sets: dict[int, set[str]]        # pk -> phrase keys, acronyms merged into their expansions
    by_trend: dict[str, list[int]]
    df_by_trend: dict[str, Counter]
    candidates: set[str]
    fragments: set[str]
    title_df: Counter
    closed_df: Counter
    df_all: Counter
    per_period_all: dict[str, Counter]
    n_period_all: Counter
    n_all: int


def _count_corpus(db, store: TrendStore, freq: str, trends: list[str] | None, min_papers: int,
                  fragment_share: float, progress=None, extra: frozenset[str] = frozenset()) -> _Corpus:
    """Counts over the dated papers; `extra` keys are counted as candidates too (for judging given names)."""
    topic_store = TopicStore(db)
    topic_store.refresh()  # new or changed papers only (`trendscope index` keeps it current)
    papers = store.dated_papers()
    tags: dict[int, list[str]] = defaultdict(list)
    for pk, trend in store.tag_pairs():
        if trends is None or trend in trends:
            tags[pk].append(trend)
    period: dict[int, str] = {}
    week: dict[int, str] = {}
    for pk, published, _title, _abstract in papers:
        period[pk] = period_of(published, freq)
        week[pk] = period_start(published, "week")
    acronyms = AcronymMap()
    raw: dict[int, dict[str, str]] = {}
    raw_title: dict[int, list[str]] = {}
    raw_closed: dict[int, list[str]] = {}
    for i, (pk, pp) in enumerate(topic_store.iter_all()):
        if pk not in period:
            continue
        acronyms.add(pp.definitions)
        raw[pk] = pp.surfaces
        raw_title[pk] = pp.in_title
        raw_closed[pk] = pp.closed
        if progress and i % 20000 == 0:
            progress(i, len(papers))
    merge = acronyms.mapping()  # acronym key -> its expansion's key
    phrase_sets = {pk: {merge.get(k, k) for k in keys} for pk, keys in raw.items()}

    by_trend: dict[str, list[int]] = defaultdict(list)
    for pk, ts in tags.items():
        if pk in period:
            for t in ts:
                by_trend[t].append(pk)
    # Only phrases that some trend could list (in at least `min_papers` of its papers) are counted corpus-wide:
    # the background model needs nothing else, and most phrases occur in a handful of papers.
    df_by_trend: dict[str, Counter] = {}
    candidates: set[str] = {merge.get(k, k) for k in extra}
    for trend, pks in by_trend.items():
        df_trend = Counter()
        for pk in pks:
            df_trend.update(phrase_sets[pk])
        df_by_trend[trend] = df_trend
        candidates.update(k for k, n in df_trend.items() if n >= min_papers and not _EVENT_RE.match(k))
    fragments = _fragments(df_by_trend.values(), candidates, fragment_share)
    title_df = _papers_with(raw_title.values(), merge, candidates)
    closed_df = _papers_with(raw_closed.values(), merge, candidates)
    del raw_title, raw_closed
    df_all: Counter = Counter()
    per_period_all: dict[str, Counter] = defaultdict(Counter)
    n_period_all: Counter = Counter()
    for pk, keys in phrase_sets.items():
        kept = keys & candidates
        df_all.update(kept)
        per_period_all[period[pk]].update(kept)
        n_period_all[period[pk]] += 1
    return _Corpus(period, week, raw, acronyms, phrase_sets, by_trend, df_by_trend, candidates, fragments,
                   title_df, closed_df, df_all, per_period_all, n_period_all, len(phrase_sets))


def _name_counts(c: _Corpus, trend: str, coherence: dict[str, float] | None) -> NameCounts:
    return NameCounts(df_all=c.df_all, n_all=c.n_all, title_df=c.title_df, closed_df=c.closed_df,
                      df_trend=c.df_by_trend[trend], n_trend=len(c.by_trend[trend]), coherence=coherence)


def name_feature_table(db, pairs: list[tuple[str, str]], freq: str = "month",
                       min_papers: int = 4) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The topic-name model's features (topic_names.FEATURES) for given (trend, key) pairs, counted as
    `emerging_topics` counts them (acronyms merged into their expansions: keys are returned merged), for fitting
    the model on judged names. Pairs whose trend has no papers are left out."""
    store = TrendStore(db)
    c = _count_corpus(db, store, freq, None, min_papers, 0.6, extra=frozenset(k for _, k in pairs))
    merge = c.acronyms.mapping()
    merged = [(t, merge.get(k, k)) for t, k in pairs if t in c.by_trend]
    coherence = phrase_coherence(db, c.phrase_sets, {k for _, k in merged})
    rows = [name_features([k], _name_counts(c, t, coherence), float("nan"))[0] for t, k in merged]
    return merged, np.array(rows).reshape(len(rows), len(FEATURES))


def _sum_counts(per_period: dict[str, Counter], periods: list[str]) -> Counter:
    total: Counter = Counter()
    for q in periods:
        total.update(per_period.get(q, {}))
    return total


def _papers_with(key_lists, merge: dict[str, str], candidates: set[str]) -> Counter:
    """Per candidate, how many papers list it (each paper's keys merged through the acronym map first)."""
    out: Counter = Counter()
    for keys in key_lists:
        out.update({merge.get(k, k) for k in keys} & candidates)
    return out


def _fragments(dfs, candidates: set[str], share: float) -> set[str]:
    """Candidates that one longer candidate (a word more on either side) holds in at least `share` of the papers
    that use them, and names of four words or more (whose longer forms are not candidates) that end in a two-word
    fragment ("red teaming large language", where "large language" goes on as "large language model"); `dfs`
    count papers per phrase (here: each trend's papers)."""
    df: Counter = Counter()
    for d in dfs:
        df.update(d)
    tails = {k: " ".join(k.split()[-2:]) for k in candidates if k.count(" ") >= 3}  # 4+ words: no longer kept
    wanted = candidates | set(tails.values())
    longest: dict[str, int] = defaultdict(int)  # phrase -> papers of its most common one-word-longer extension
    longest_right: dict[str, int] = defaultdict(int)  # the same, going on to the right only
    for k, n in df.items():
        words = k.split()
        if len(words) >= 3:
            head, tail = " ".join(words[:-1]), " ".join(words[1:])
            for part in (head, tail):
                if part in wanted and n > longest[part]:
                    longest[part] = n
            if head in wanted and n > longest_right[head]:
                longest_right[head] = n
    out = {k for k in candidates if longest.get(k, 0) >= share * df[k]}
    # (a tail rarer than the name is written as one hyphenated word inside it: not a sub-phrase to judge). Names
    # ending in a hyphenated word that usually goes on ("few-shot fine-tuning": "fine-tuning large ...") are
    # dropped too: a known cost of judging by the key's words.
    out |= {k for k, tail in tails.items() if df[tail] >= df[k] and longest_right.get(tail, 0) >= share * df[tail]}
    return out


def _drop_nested(scored: list[tuple], n: int) -> list[tuple]:
    """The best `n`, skipping a phrase inside (or around) a better-ranked one ("augmented generation" after
    "retrieval augmented generation")."""
    out: list[tuple] = []
    for item in scored:
        k = f" {item[1]} "
        if any(k in f" {o[1]} " or f" {o[1]} " in k for o in out):
            continue
        out.append(item)
        if len(out) == n:
            break
    return out


def topic_key(name: str) -> str:
    """The merge key of a topic name written by a person (for matching names against the listed topics)."""
    return normalise(name)
