"""The corpus counts behind rising topics: each dated paper's phrase keys (acronyms merged into their
expansions), each trend's papers, and the corpus-wide counts of every name some trend could list.

`emerging_topics` counts once per call; `name_feature_table` (fitting the topic-name model on judged names) and
`trend_papers_naming` (how many papers of a trend use given names in given periods: which known rises the corpus
holds at all) count the same way, so that what they report is what the listing sees.
"""
from __future__ import annotations

import gc
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import numpy as np

from trendscope.ingest.paper_reads import PaperReads

from .topic_coherence import phrase_coherence
from .topic_names import FEATURES, NameCounts, name_features
from .topic_phrases import (
    AcronymMap,
    abbreviated_forms,
    normalise,
    singular_word,
    title_case,
    written_in_text,
)
from .topic_store import TopicStore
from .trend_store import TrendStore
from .trends_over_time import period_start

WRITTEN_FORM_PAPERS = 200  # papers read for how a definition-only key is written
RUNNING_TEXT_PAPERS = 50  # papers whose abstracts are read for how a name always written in Title Case runs in text
EVENT_RE = re.compile(r"^[a-z]+[ -]?(19|20)\d\d$", re.IGNORECASE)  # "AAAI2021", "SemEval-2019": events, not topics


def _quarter_start(day: str) -> str:
    d = date.fromisoformat(day[:10])
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1).isoformat()


def period_of(day: str, freq: str) -> str:
    return _quarter_start(day) if freq == "quarter" else period_start(day, freq)


@dataclass
class TopicCorpus:
    """Per-paper phrase sets and the corpus-wide counts of the names some trend could list."""
    period: dict[int, str]
    week: dict[int, str]
    category: dict[int, str]                # pk -> its primary arXiv category ('' when unknown)
    in_title: dict[int, set[str]]           # pk -> the candidate keys its title names (papers naming none: absent)
    title_words: dict[int, str]             # pk -> its title's phrases as `title_words_of` writes them (see there)
    acronyms: AcronymMap
    merge: dict[str, str]                   # key -> the key it is counted under (acronyms, abbreviated forms)
    phrase_sets: dict[int, set[str]]        # pk -> its candidate phrase keys, acronyms merged into their expansions
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


def count_corpus(db, store: TrendStore, freq: str, trends: list[str] | None, min_papers: int,
                 fragment_share: float, progress=None, extra: frozenset[str] = frozenset()) -> TopicCorpus:
    """Counts over the dated papers; `extra` keys are counted as candidates too (for judging given names)."""
    with gc_paused():
        return _count_corpus(db, store, freq, trends, min_papers, fragment_share, progress, extra)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: counting allocates millions of sets, dicts and strings (none of them in
    a reference cycle), and the collector's passes over them cost about a third of the time (10 of 32 s on the
    full corpus, measured)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _count_corpus(db, store: TrendStore, freq: str, trends: list[str] | None, min_papers: int,
                  fragment_share: float, progress, extra: frozenset[str]) -> TopicCorpus:
    topic_store = TopicStore(db)
    topic_store.refresh()  # new or changed papers only (`trendscope index` keeps it current)
    papers = store.publication_dates()  # dates only: the phrases come from the phrase cache, not the text
    tags = _trend_tags(store, trends)
    period: dict[int, str] = {}
    week: dict[int, str] = {}
    for pk, published in papers:
        period[pk] = period_of(published, freq)
        week[pk] = period_start(published, "week")
    read = _read_phrases(topic_store, period, progress, len(papers))
    mapping = read.acronyms.mapping()
    merge = {**abbreviated_forms(mapping), **mapping}
    merged = _merger(merge)
    read.merge_acronyms(mapping, merged)
    phrase_sets = read.phrase_sets
    by_trend = _trend_papers(tags, period)
    df_by_trend, candidates = _trend_counts(by_trend, phrase_sets, merged(set(extra)), min_papers)
    fragments = _fragments(df_by_trend.values(), candidates, fragment_share)
    title_df = _papers_with(read.raw_title.values(), merged, candidates)
    closed_df = _papers_with(read.raw_closed.values(), merged, candidates)
    in_title = {pk: kept for pk, keys in read.raw_title.items() if keys and (kept := merged(set(keys)) & candidates)}
    title_words = {pk: title_words_of(keys) for pk, keys in read.raw_title.items() if keys}
    read.raw_title, read.raw_closed = {}, {}  # freed before the corpus-wide counts
    df_all, per_period_all, n_period_all = _corpus_counts(phrase_sets, period, candidates)
    category = store.primary_categories()
    return TopicCorpus(period, week, category, in_title, title_words, read.acronyms, merge, phrase_sets, by_trend,
                       df_by_trend, candidates, fragments, title_df, closed_df, df_all, per_period_all, n_period_all,
                       len(phrase_sets))


def _trend_tags(store: TrendStore, trends: list[str] | None) -> dict[int, list[str]]:
    """pk -> its trend tags (only `trends`, when given)."""
    tags: dict[int, list[str]] = defaultdict(list)
    for pk, trend in store.tag_pairs():
        if trends is None or trend in trends:
            tags[pk].append(trend)
    return tags


@dataclass
class _PhraseCache:
    """What the phrase cache holds for the dated papers: their keys as written, title and closed keys, and the
    acronyms defined (corpus-wide, and each paper's own)."""
    acronyms: AcronymMap
    phrase_sets: dict[int, set[str]]  # the keys as written first; acronyms are merged once all are read
    raw_title: dict[int, list[str]]
    raw_closed: dict[int, list[str]]
    own_definitions: dict[int, dict[str, str]]  # the acronyms a paper defines itself

    def merge_acronyms(self, mapping: dict[str, str], merged: Callable[[set[str]], set[str]]) -> None:
        """Each paper's acronym keys counted under their expansions (its phrase set changed in place)."""
        for pk, keys in self.phrase_sets.items():
            # a paper that defines an acronym otherwise than the corpus does means its own long form, which it writes
            # too: "Deep learning models (DLMs)" counted among "Diffusion Language Models (DLM)" (a blind walkthrough)
            for acronym, long_key in self.own_definitions.get(pk, {}).items():
                if acronym in keys and mapping.get(acronym, long_key) != long_key:
                    keys.discard(acronym)
            merged(keys)


def _read_phrases(topic_store: TopicStore, period: dict[int, str], progress, total: int) -> _PhraseCache:
    read = _PhraseCache(AcronymMap(), {}, {}, {}, {})
    for i, (pk, pp) in enumerate(topic_store.iter_all()):
        if pk not in period:
            continue
        read.acronyms.add(pp.definitions)
        if pp.definitions:
            read.own_definitions[pk] = pp.definitions
        read.phrase_sets[pk] = set(pp.surfaces)  # how each key is written is read again for the listed names only
        read.raw_title[pk] = pp.in_title
        read.raw_closed[pk] = pp.closed
        if progress and i % 20000 == 0:
            progress(i, total)
    return read


def _trend_papers(tags: dict[int, list[str]], period: dict[int, str]) -> dict[str, list[int]]:
    """trend -> its dated papers."""
    by_trend: dict[str, list[int]] = defaultdict(list)
    for pk, ts in tags.items():
        if pk in period:
            for t in ts:
                by_trend[t].append(pk)
    return by_trend


def _trend_counts(by_trend: dict[str, list[int]], phrase_sets: dict[int, set[str]], candidates: set[str],
                  min_papers: int) -> tuple[dict[str, Counter], set[str]]:
    """Per trend, how many of its papers hold each key; and the candidates (`candidates` and more, in place)."""
    # Only phrases that some trend could list (in at least `min_papers` of its papers) are counted corpus-wide:
    # the background model needs nothing else, and most phrases occur in a handful of papers.
    df_by_trend: dict[str, Counter] = {}
    for trend, pks in by_trend.items():
        df_trend = Counter()
        for pk in pks:
            df_trend.update(phrase_sets[pk])
        df_by_trend[trend] = df_trend
        candidates.update(k for k, n in df_trend.items() if n >= min_papers and not EVENT_RE.match(k))
    return df_by_trend, candidates


def _corpus_counts(phrase_sets: dict[int, set[str]], period: dict[int, str],
                   candidates: set[str]) -> tuple[Counter, dict[str, Counter], Counter]:
    """Corpus-wide counts of the candidates: papers holding each, per period too, and papers per period; each
    paper's phrase set cut to the candidates (in place)."""
    df_all: Counter = Counter()
    per_period_all: dict[str, Counter] = defaultdict(Counter)
    n_period_all: Counter = Counter()
    for pk, keys in phrase_sets.items():
        kept = keys & candidates
        phrase_sets[pk] = kept  # from here on only candidates are asked about: smaller sets, faster to intersect
        df_all.update(kept)
        per_period_all[period[pk]].update(kept)
        n_period_all[period[pk]] += 1
    return df_all, per_period_all, n_period_all


def name_counts(c: TopicCorpus, trend: str, coherence: dict[str, float] | None) -> NameCounts:
    return NameCounts(df_all=c.df_all, n_all=c.n_all, title_df=c.title_df, closed_df=c.closed_df,
                      df_trend=c.df_by_trend[trend], n_trend=len(c.by_trend[trend]), coherence=coherence)


def name_feature_table(db, pairs: list[tuple[str, str]], freq: str = "month",
                       min_papers: int = 4) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The topic-name model's features (topic_names.FEATURES) for given (trend, key) pairs, counted as
    `emerging_topics` counts them (acronyms merged into their expansions: keys are returned merged), for fitting
    the model on judged names. Pairs whose trend has no papers are left out."""
    store = TrendStore(db)
    c = count_corpus(db, store, freq, None, min_papers, 0.6, extra=frozenset(k for _, k in pairs))
    merge = c.merge
    merged = [(t, merge.get(k, k)) for t, k in pairs if t in c.by_trend]
    coherence = phrase_coherence(db, c.phrase_sets, {k for _, k in merged})
    rows = [name_features([k], name_counts(c, t, coherence), float("nan"))[0] for t, k in merged]
    return merged, np.array(rows).reshape(len(rows), len(FEATURES))


def title_words_of(title_keys: list[str]) -> str:
    """A title's phrases as one string, each word lower case and singular, each phrase between " | ", so that a
    key names the title when `key_in_title` finds its words in a row: the phrases of "The Sparsely-Gated
    Mixture-of-Experts Layer" are "sparsely gated mixture of expert" and "mixture of experts layer", and no phrase
    is "mixture of expert" itself (a hyphenated word is not a phrase on its own)."""
    return " | " + " | ".join(" ".join(singular_word(w) for w in key.lower().split()) for key in title_keys) + " | "


def key_in_title(key: str, title_words: str) -> bool:
    """Whether a key's words stand in a row in a title written by `title_words_of` (any case: "LoRA-based"
    names "LoRA")."""
    return f" {' '.join(singular_word(w) for w in key.lower().split())} " in title_words


def _merger(merge: dict[str, str]) -> Callable[[set[str]], set[str]]:
    """A function that replaces, in a set of a paper's keys, each acronym key by its expansion's key (`merge`:
    acronym key -> expansion key) and returns the set. Set operations instead of a lookup per key: most keys are
    no acronym, and the set is changed in place, not copied."""
    acronym_keys = frozenset(merge)

    def merged(keys: set[str]) -> set[str]:
        hit = keys & acronym_keys
        if hit:
            keys -= hit
            keys.update(merge[k] for k in hit)
        return keys
    return merged


def _papers_with(key_lists, merged: Callable[[set[str]], set[str]], candidates: set[str]) -> Counter:
    """Per candidate, how many papers list it (each paper's keys merged through the acronym map first)."""
    out: Counter = Counter()
    for keys in key_lists:
        if keys:
            out.update(merged(set(keys)) & candidates)
    return out


def written_forms(db, c: TopicCorpus, keys: set[str]) -> dict[str, Counter]:
    """Per key, how the papers that use it write it (surface form -> papers), read back from the phrase cache for
    those papers only (for display names: `topic_phrases.display_names`)."""
    holders = [pk for pk, ks in c.phrase_sets.items() if not ks.isdisjoint(keys)]
    out: dict[str, Counter] = defaultdict(Counter)
    for _pk, written in TopicStore(db).surfaces(holders):
        for key in keys.intersection(written):
            out[key][written[key]] += 1
    unwritten = {k for k in keys if not out.get(k) and " " in k}
    if unwritten:  # keys known only from acronym definitions: read how the papers' abstracts spell them
        reads = PaperReads(db)
        for key in sorted(unwritten):
            users = [pk for pk in holders if key in c.phrase_sets[pk]][:WRITTEN_FORM_PAPERS]
            forms = written_in_text(key, (abstract for _pk, _t, abstract, _h in reads.texts(users)))
            if forms:
                out[key] = forms
    # a paper's first spelling is its title's: a name every paper puts in its title was counted in Title Case only
    # ("Speculative Decoding" though all 7 papers write "speculative decoding" in their abstracts: a blind
    # walkthrough); their abstracts say how it is written in running text (`topic_phrases.display_names`)
    titled = sorted(k for k in keys if k not in unwritten and out.get(k) and all(map(title_case, out[k])))
    if titled:
        reads = PaperReads(db)
        for key in titled:
            users = [pk for pk in holders if key in c.phrase_sets[pk]][:RUNNING_TEXT_PAPERS]
            out[key] += written_in_text(key, (abstract for _pk, _t, abstract, _h in reads.texts(users)))
    return out


def _fragments(dfs, candidates: set[str], share: float) -> set[str]:
    """Candidates that one longer candidate (a word more on either side) holds in at least `share` of the papers
    that use them, and names of four words or more (once hyphens are spaces) that end in a two-word fragment ("red
    teaming large language", where "large language" goes on as "large language model"); `dfs` count papers per
    phrase (here: each trend's papers)."""
    df: Counter = Counter()
    for d in dfs:
        df.update(d)
    tails = {k: " ".join(k.split()[-2:]) for k in candidates if k.count(" ") >= 3}  # names of 4+ words
    wanted = candidates | set(tails.values())
    # An extension decides something only when it holds `share` of a candidate's papers, or of a tail's that is at
    # least as common as its name: rarer phrases (most of them) need not be split at all.
    floor = share * min([df[k] for k in candidates] + [df[t] for k, t in tails.items() if df[t] >= df[k]],
                        default=0)
    longest: dict[str, int] = defaultdict(int)  # phrase -> papers of its most common one-word-longer extension
    longest_right: dict[str, int] = defaultdict(int)  # the same, going on to the right only
    for k, n in df.items():
        if n < floor or k.count(" ") < 2:  # keys are words joined by single spaces: 3 words at least
            continue
        words = k.split()
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


def trend_papers_naming(db, queries: list[tuple[str, list[str], set[str]]], freq: str = "month",
                        min_papers: int = 4) -> list[int]:
    """For each (trend, names, periods) query, how many of the trend's papers in those periods use one of the
    names (as phrase keys, acronyms merged): whether the corpus holds a topic at all where it should rise.
    Periods are given as their first days' "YYYY-MM" (months) or the period keys themselves."""
    store = TrendStore(db)
    keys = [{normalise(n) for n in names} for _, names, _ in queries]
    c = count_corpus(db, store, freq, None, min_papers, 0.6, extra=frozenset().union(*keys))
    merge = c.merge
    out = []
    for (trend, _names, periods), ks in zip(queries, keys):
        merged = {merge.get(k, k) for k in ks}
        out.append(sum(1 for pk in c.by_trend.get(trend, [])
                       if (c.period[pk] in periods or c.period[pk][:7] in periods) and c.phrase_sets[pk] & merged))
    return out
