"""Rising topics inside each trend: named phrases whose share of the trend's papers bursts in a period.

For every trend T and period p (week, month or quarter), a candidate phrase t (index/topic_phrases.py) is scored by
how its share of T's papers *now* compares with its share in the year *before*:

- **now** is p widened back, period by period, until T has at least `min_now` papers in it (at most a year, and
  only while the year before still holds a quarter as many papers, so there is something to compare with): a
  trend with 600 papers a month is judged month by month, one with 300 over two months, one with 50 a month over
  the last year, so a thin trend's topics are not lost to noise and a busy trend's are not averaged away (600
  found one more of the tuning half's known rises than 300, and 450, 800 and 1,000 the same as 600). Each record
  says its span.
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
- **not the trend itself**: a name whose key is the trend's own label's, or one of the names it joins with "and"
  ("Continual Learning (CL)" in continual learning, "multimodal learning" in multimodal learning,
  "self-supervised learning" in self-supervised and weakly supervised learning; labels from the packaged
  taxonomy) is a change of wording inside T, not a topic rising in it;
- **one topic, two names**: a rising name written by nearly the same papers in the span as a better-ranked one
  (Jaccard >= `same_papers`) is shown with it ("also": "KV cache" / "key value (KV)"), not on its own;
- **standing alone**: in at least `min_closed_share` of the papers using t (corpus-wide), t must stand on its
  own at least once, with no content word right before or after it (topic_phrases.py): "medical image" or
  "pre-trained vision" are nearly always the start of a longer name, spread over many different ones;
- **coherence**: when the papers have vectors, the papers using t must be about one thing: the mean cosine
  between their vectors at least `min_coherence` (topic_coherence.py; "efficient inference" or "best practices"
  are written by papers on everything);
- **source mix**: when the rest of the corpus writes t in at least half of t's papers now (`min_rest_share`), t
  must rise more inside T than in the rest in the same periods (a change in the corpus's sources lifts a word
  everywhere); a name the trend writes most of ("in-context learning" in zero/few-shot papers, 2023) is the
  trend's rise even when the field took it up faster. The rest's growth adds 2 papers to its two counts in
  proportion to the spans' sizes, so that a name the rest never writes did not "grow" there;
- **the same categories**: the rise must hold, by the same growth and G2 floors, against the trend's share before
  standardised to the primary arXiv categories of its papers now (each category's share before, shrunk towards
  the trend's by `category_prior` papers' worth, weighted by the category's papers now): when a source change
  filled a month with cs.CV papers (4% -> 61% of the corpus in 2025-03), "video understanding" rose in the
  multimodal trend because more of its papers were vision papers, not because vision papers wrote it more often.
  Each topic shows this growth beside the plain one ("Vision Transformers" in efficiency, 2025-04: 6.6x, 1.9x
  within the same categories);
- **support**: at least `min_papers` papers of T now, published in at least 2 different weeks, at least
  `min_growth` times the share it had before, and G2 >= 2.0 (p < 0.16 for one degree of freedom: with the
  topic-name model guarding what is listed, a lower bar finds more of the known rises; each topic's G2 is shown).

Each topic comes with its first papers in the trend, its most typical papers now (those holding the most of the
period's rising phrases), so a reader can check it, and its own curve: its papers in the trend, period by period,
over the two years up to the period.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from .rise_statistics import growth_interval, mix_standardiser, rising_names
from .topic_choice import MERGE_SHARE, choose_topics, specific_name_first
from .topic_coherence import phrase_coherence
from .topic_corpus import TopicCorpus, count_corpus, name_counts, written_forms
from .topic_names import TopicNameModel, load_name_model
from .topic_papers import first_mention, first_papers, first_users, oldest_first, typical_papers
from .topic_phrases import display_names, normalise
from .trend_store import TrendStore
from .trends_over_time import periods_between

MAX_TOPICS = 10
PERIODS_PER_YEAR = {"week": 52, "month": 12, "quarter": 4}


@dataclass
class Topic:
    name: str
    key: str
    papers: int          # papers of the trend in the period that use it
    before: float        # its share of the trend's papers in the window before (0-1), smoothed: (b + 0.5) / (n + 1)
    share: float         # its share now
    growth: float        # share now / share before (smoothed)
    score: float         # G2 burst statistic
    growth_interval: tuple[float, float] = (0.0, 0.0)  # 90% interval of the growth (its uncertainty)
    topic_probability: float | None = None  # the topic-name model's vote (None: no model)
    growth_same_categories: float | None = None  # the growth against the year before in now's mix of primary
    #                                              categories (None: not standardised)
    since: str = ""      # the first period of "now" (the record's period itself unless the trend is thin)
    first_papers: list[str] = field(default_factory=list)
    first_mention: str | None = None  # the trend's first paper to use it at all, when first_papers (which prefer
    #                                   titles naming it) leave it out: "first here" named a paper of 2026-05 beside a
    #                                   curve from 2025-09 (a walkthrough following rising topics)
    central_papers: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # other rising names written by mostly the same papers now
    curve: list[list] = field(default_factory=list)  # its own curve: [period, the trend's papers using it, the
    #                                                  trend's papers] for the two years up to this period
    papers_before: int | None = None  # the trend's papers using it in the window before (0: new in the trend)
    trend_papers_before: int | None = None  # the trend's papers in the window before

    def to_json(self) -> dict:
        """JSON's own types (lists, not tuples), so that a listing read back from JSON equals the one computed."""
        return {**vars(self), "growth_interval": list(self.growth_interval)}


@dataclass
class TopicsResult:
    freq: str
    records: list[dict]   # {"trend", "period", "papers", "since", "window_papers", "topics": [names],
    #                         "details": [Topic json]}: papers in the period, and in the span now = since..period
    seconds: float        # how long computing it took
    papers: int
    kept_since: str | None = None  # when it was computed, if it was read back (topic_listings.py)


def span_start(periods: list[str], n_period: Counter, i: int, min_now: int, year: int,
               window: int) -> tuple[int, int]:
    """(index of the first period of "now", the trend's papers in it) for the period `periods[i]`: widened back
    until the trend has `min_now` papers in it, at most a year, and only while the `window` periods before still
    hold a quarter as many (a growing corpus)."""
    start, now_n = i, n_period.get(periods[i], 0)
    while now_n < min_now and start > 1 and i - start + 1 < year:
        wider = now_n + n_period.get(periods[start - 1], 0)
        if 4 * sum(n_period.get(q, 0) for q in periods[max(0, start - 1 - window):start - 1]) < wider:
            break
        start -= 1
        now_n = wider
    return start, now_n


def own_names() -> dict[str, frozenset[str]]:
    """trend -> the phrase keys of its own label in the packaged taxonomy ("continual learning"), a label of two
    names joined by "and" giving each ("Self-supervised and weakly supervised learning": "self-supervised
    learning (SSL)" was listed as rising in its own trend, a blind walkthrough; `label_names`)."""
    from .taxonomy import load_taxonomy

    return {t.name: frozenset(normalise(n) for n in label_names(t.label)) for t in load_taxonomy().trends}


def label_names(label: str) -> list[str]:
    """A trend label and the names it joins with "and": "Zero-shot and few-shot generalisation" -> itself,
    "Zero-shot generalisation", "Few-shot generalisation", "Zero-shot", "few-shot generalisation"; a one-word left
    name shares the right one's last word ("Self-supervised and weakly supervised learning" -> "Self-supervised
    learning")."""
    names = [label]
    left, sep, right = label.partition(" and ")
    if not sep:
        return names
    names += [left, right]
    tail = right.split()[-1]
    if len(left.replace("-", " ").split()) <= 2 and len(right.split()) >= 2 and not left.endswith(tail):
        names.append(f"{left} {tail}")
    return names


def listable_names(db, c: TopicCorpus, *, min_papers: int, min_lift: float, min_title_share: float,
                   min_closed_share: float, min_coherence: float, name_model: TopicNameModel | str | None,
                   min_topic_probability: float | None) -> dict[str, dict[str, float | None]]:
    """Per trend, the names that may be listed there (every test of the module docstring but the burst), each with
    the topic-name model's vote (None without a model). The settings are `emerging_topics`' own."""
    df_all, n_all = c.df_all, c.n_all
    # the corpus-wide tests first: coherence (reading every vector) is judged only for what passes them
    passing = {k for k in c.candidates - c.fragments
               if c.title_df[k] >= min_title_share * df_all[k] and c.closed_df[k] >= min_closed_share * df_all[k]}
    coherence = phrase_coherence(db, c.phrase_sets, passing) if (min_coherence > 0 or name_model) else None
    if name_model == "packaged":
        name_model = load_name_model()
    if name_model is not None and min_topic_probability is not None:
        name_model = replace(name_model, threshold=min_topic_probability)
    own = own_names()
    out: dict[str, dict[str, float | None]] = {}
    for trend, pks in c.by_trend.items():
        n_trend = len(pks)
        associated = {k for k, n in c.df_by_trend[trend].items()
                      if n >= min_papers and k in passing and (n / n_trend) >= min_lift * (df_all[k] / n_all)
                      and (coherence is None or coherence.get(k, 1.0) >= min_coherence) and k not in own.get(trend, ())}
        if name_model is not None:
            out[trend] = dict(name_model.keep(sorted(associated), name_counts(c, trend, coherence)))
        else:
            out[trend] = dict.fromkeys(associated)
    return out


def emerging_topics(db, freq: str = "month", since: str | None = None, trends: list[str] | None = None,
                    window: int | None = None, n_topics: int = MAX_TOPICS, min_papers: int = 4,
                    min_lift: float = 2.0, min_g2: float = 2.0, min_title_share: float = 0.1, min_now: int = 600,
                    min_growth: float = 1.5, fragment_share: float = 0.6, min_coherence: float = 0.4,
                    min_closed_share: float = 0.2, name_model: TopicNameModel | str | None = "packaged",
                    min_topic_probability: float | None = None, min_rest_share: float = 0.5,
                    same_papers: float = MERGE_SHARE, category_prior: float | None = 20.0,
                    progress=None) -> TopicsResult:
    """Rising topics per trend and period (see the module docstring)."""
    if freq not in PERIODS_PER_YEAR:
        raise ValueError(f"freq must be week, month or quarter, not {freq!r}")
    year = PERIODS_PER_YEAR[freq]
    rules = _Rules(year=year, window=window or year, n_topics=n_topics, min_papers=min_papers, min_g2=min_g2,
                   min_now=min_now, min_growth=min_growth, min_rest_share=min_rest_share, same_papers=same_papers,
                   category_prior=category_prior)
    started = time.perf_counter()
    store = TrendStore(db)
    c = count_corpus(db, store, freq, trends, min_papers, fragment_share, progress)
    listable = listable_names(db, c, min_papers=min_papers, min_lift=min_lift, min_title_share=min_title_share,
                              min_closed_share=min_closed_share, min_coherence=min_coherence, name_model=name_model,
                              min_topic_probability=min_topic_probability)
    # every calendar period, empty ones too: "at most a year" and "the year before" are counted in periods, and
    # months no paper was published in made a span of 12 periods cover 14 months (a blind walkthrough)
    periods = periods_between(min(c.n_period_all), max(c.n_period_all), freq) if c.n_period_all else []
    records = []
    names_for: set[str] = set()
    for trend in sorted(c.by_trend):
        records += _TrendTopics(c, trend, listable[trend], periods, rules).records(since, names_for)
    _name_and_identify(db, c, store, records, names_for)
    return TopicsResult(freq, records, time.perf_counter() - started, len(c.period))


@dataclass(frozen=True)
class _Rules:
    """The settings of `emerging_topics` that judge a trend's periods (`window`: the periods of "before")."""

    year: int
    window: int
    n_topics: int
    min_papers: int
    min_g2: float
    min_now: int
    min_growth: float
    min_rest_share: float
    same_papers: float
    category_prior: float | None


@dataclass(frozen=True)
class _Span:
    """A record's two spans: `now` (its period, `periods[i]`, widened back to `periods[start]`) and `before`, with
    the trend's papers in each and those of `now` (`holders`)."""

    i: int
    start: int
    now: list[str]
    before: list[str]
    now_n: int
    before_n: int
    holders: list[int]


class _TrendTopics:
    """One trend's papers counted by period (`votes`: the names that may be listed in it, with the topic-name
    model's vote), for its record of each period (`periods`: every calendar period of the corpus)."""

    def __init__(self, c: TopicCorpus, trend: str, votes: dict[str, float | None], periods: list[str],
                 rules: _Rules):
        self.c, self.trend, self.votes, self.periods, self.rules = c, trend, votes, periods, rules
        pks = c.by_trend[trend]
        associated = set(votes)
        self.t = _tally(pks, c.period, c.phrase_sets, associated,
                        c.category if rules.category_prior is not None else None)
        self.first_seen = first_users(sorted(pks, key=lambda p: (c.period[p], p)), c.phrase_sets, c.in_title,
                                      associated, c.title_words)

    def records(self, since: str | None, names_for: set[str]) -> list[dict]:
        """A record for each period from `since` on that holds papers; the keys of the topics listed, and of the
        names written with them, are added to `names_for`."""
        out = []
        for i, p in enumerate(self.periods):
            if (since and p < since) or not self.c.n_period_all.get(p):  # no record for a period without papers
                continue
            out.append(self.record(i, names_for))
        return out

    def record(self, i: int, names_for: set[str]) -> dict:
        """The record of `periods[i]`: the trend's papers in it and in the span now, and its rising topics."""
        periods, n_period, rules = self.periods, self.t.n_period, self.rules
        p = periods[i]
        start, now_n = span_start(periods, n_period, i, rules.min_now, rules.year, rules.window)
        now = periods[start:i + 1]
        prev = periods[max(0, start - rules.window):start]
        before_n = sum(n_period.get(q, 0) for q in prev)
        record = {"trend": self.trend, "period": p, "papers": n_period.get(p, 0), "since": periods[start],
                  "window_papers": now_n}
        if now_n < rules.min_papers or not prev or before_n == 0:
            return {**record, "topics": [], "details": []}
        span = _Span(i, start, now, prev, now_n, before_n, [pk for q in now for pk in self.t.members[q]])
        counts_before = _sum_counts(self.t.per_period, prev)
        chosen, merged = self.chosen(span, counts_before)
        rising = {c[1] for c in chosen}
        details = []
        for g, k, a, sb, sh, gr, gc in chosen:
            details.append(self.topic(span, k, (g, a, sb, sh, gr, gc), counts_before.get(k, 0), rising,
                                      merged.get(k, [])))
            names_for.update([k, *merged.get(k, [])])
        return {**record, "details": details}

    def chosen(self, span: _Span, counts_before: Counter) -> tuple[list[tuple], dict[str, list[str]]]:
        """The names rising in the span, as `choose_topics` chooses them, and the names merged into each."""
        c, t, rules = self.c, self.t, self.rules
        now, prev, holders_now = span.now, span.before, span.holders
        rest_now = sum(c.n_period_all[q] for q in now) - span.now_n
        rest_before = sum(c.n_period_all[q] for q in prev) - span.before_n
        counts_now = _sum_counts(t.per_period, now)
        expected = (None if rules.category_prior is None else
                    mix_standardiser(t.per_category, t.n_by_category, now, prev, rules.category_prior))

        def rest_counts(k: str, a: int, b: int) -> tuple[int, int]:  # the name in papers outside the trend
            return (sum(c.per_period_all[q].get(k, 0) for q in now) - a,
                    sum(c.per_period_all[q].get(k, 0) for q in prev) - b)

        def weeks_of(k: str) -> int:
            return len({c.week[pk] for pk in holders_now if k in c.phrase_sets[pk]})

        scored = rising_names(counts_now, counts_before, span.now_n, span.before_n, expected, rest_counts, rest_now,
                              rest_before, weeks_of, min_papers=rules.min_papers, min_growth=rules.min_growth,
                              min_g2=rules.min_g2, min_rest_share=rules.min_rest_share)
        return choose_topics(scored, rules.n_topics, rules.same_papers,
                             lambda key: {pk for pk in holders_now if key in c.phrase_sets[pk]})

    def topic(self, span: _Span, k: str, scores: tuple, papers_before: int, rising: set[str],
              also: list[str]) -> Topic:
        """A chosen name `k` as a Topic (`scores`: its G2, papers now, shares before and now, growth and growth
        within the same categories), its papers still as keys."""
        c, periods, n_period, year = self.c, self.periods, self.t.n_period, self.rules.year
        g, a, sb, sh, gr, gc = scores
        p = periods[span.i]
        holders = typical_papers(k, [pk for pk in span.holders if k in c.phrase_sets[pk]], c, rising)
        firsts = first_papers(self.first_seen[k], lambda pk: c.period[pk] <= p)
        return Topic(name=k, key=k, papers=a, before=round(sb, 4), share=round(sh, 4),
                     growth=round(gr, 2), score=round(g, 2), since=periods[span.start],
                     growth_same_categories=None if gc is None else round(gc, 2),
                     growth_interval=growth_interval(gr, a, span.now_n, papers_before, span.before_n),
                     topic_probability=None if self.votes[k] is None else round(self.votes[k], 3),
                     first_papers=firsts,
                     first_mention=first_mention(self.first_seen[k], firsts, lambda pk: c.period[pk] <= p),
                     central_papers=holders, also=also,
                     curve=[[q, self.t.per_period.get(q, {}).get(k, 0), n_period.get(q, 0)]
                            for q in periods[max(0, span.i - 2 * year + 1):span.i + 1]],
                     papers_before=papers_before, trend_papers_before=span.before_n)


def _name_and_identify(db, c: TopicCorpus, store: TrendStore, records: list[dict], names_for: set[str]) -> None:
    """The records' topics named as papers write them (`names_for`: the keys to name), their papers as arXiv ids
    (first papers oldest first), and written as JSON, with each record's list of topic names."""
    names = display_names(written_forms(db, c, names_for), c.acronyms, names_for)
    pk_ids = store.ids_for([pk for r in records for t in r["details"] for pk in (
        *t.first_papers, *t.central_papers, *([t.first_mention] if t.first_mention else []))])
    for r in records:
        for t in r["details"]:
            t.name, t.also = specific_name_first(names.get(t.key, t.key), [names.get(k, k) for k in t.also])
            t.first_papers = [pk_ids.get(pk, str(pk)) for pk in oldest_first(t.first_papers, pk_ids, c.period)]
            t.first_mention = None if t.first_mention is None else pk_ids.get(t.first_mention, str(t.first_mention))
            t.central_papers = [pk_ids.get(pk, str(pk)) for pk in t.central_papers]
        r["topics"] = [t.name for t in r["details"]]
        r["details"] = [t.to_json() for t in r["details"]]


@dataclass
class _Tally:
    """One trend's papers by period: the listable names' counts, paper counts, the papers, and the same per
    primary category (for the category-mix standardisation; empty when it is off)."""

    per_period: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    n_period: Counter = field(default_factory=Counter)
    members: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    per_category: dict[str, dict[str, Counter]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    n_by_category: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))


def _tally(pks, period: dict[int, str], phrase_sets: dict[int, set[str]], associated: set[str],
           category: dict[int, str] | None) -> _Tally:
    t = _Tally()
    for pk in pks:
        keys = phrase_sets[pk] & associated
        p = period[pk]
        t.per_period[p].update(keys)
        t.n_period[p] += 1
        t.members[p].append(pk)
        if category is not None:
            cat = category.get(pk, "")
            t.per_category[p][cat].update(keys)
            t.n_by_category[p][cat] += 1
    return t


def _sum_counts(per_period: dict[str, Counter], periods: list[str]) -> Counter:
    total: Counter = Counter()
    for q in periods:
        total.update(per_period.get(q, {}))
    return total
