"""The relevance floor of a query: which of its ranked papers are about it at all.

A ranking always has a first paper, even in a week (or a date window) with nothing about the query. Where papers
are listed for a reason other than their relevance, a floor decides which are listed: a query digest (its week's
papers, best first) and a search sorted newest first (`Searcher.search` with `sort="date"`: the most relevant
papers, ordered by date, must not start with the newest paper that merely shares a word).

A paper passes when it holds the query as a phrase (a query of one plain word, or an OR alternative of one: in its
title), or every query word
with a similarity >= `Z_ALL_WORDS` standard deviations above the query's similarity to a random stored paper, or a
similarity >= `Z_ALONE` standard deviations above it. The thresholds were chosen on the odd half of a blind-graded
set of digest queries (bench/digest_query_eval.py, docs/performance.md#precision-of-query-digests).

A search sorted newest first keeps of those only the papers that hold the query as a phrase, every word, or at least
`WORD_SHARE` of its words (`holds_enough_words`: MiniLM puts papers on "information diffusion in networks" close to
"membership inference attacks on diffusion models"), and of these the ones whose similarity is within
`Z_FROM_BEST` standard deviations of the best of them, or that hold the query as a phrase (`near_best`): over all
dates the floor still admits papers that hold every query word but are about something else, and the newest of
them came first. Chosen on the odd queries of the blind search dev set,
every paper the candidate settings showed graded blind (bench/date_sort_eval.py --dev-set,
docs/performance.md#newest-first-in-a-narrow-window).
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from trendscope.foundation.errors import TrendscopeError

from .fts_query import Item, ParsedQuery, parse_query

if TYPE_CHECKING:
    from .search import Searcher

BACKGROUND_PAPERS = 3000  # random stored papers whose similarity to the query sets its scale (z-scores)
Z_ALL_WORDS = 2.0
Z_ALONE = 3.5
Z_FROM_BEST = 3.0
# newest first: a paper listed for its similarity alone holds at least this share of the query's words (0.67: all of
# two or three, three of four, four of five or six)
WORD_SHARE = 0.67


def has_floor(query: str) -> bool:
    """Whether a query has words to judge relevance by; a query of fields only (au:, cat:) has no floor, since every
    paper it finds matched it (and an unparsable query has none either: its search says what is wrong)."""
    try:
        return bool(parse_query(query).semantic_text)
    except TrendscopeError:
        return False


def passes_floor(f: dict, *, words_without_vectors: bool = False) -> bool:
    """Whether a paper's `query_features` pass the floor. Without vectors (z is 0 for every paper)
    `words_without_vectors` lets every query word stand in for the similarity it cannot be checked against."""
    all_words = f["all_words"] and (f["z"] >= Z_ALL_WORDS or (words_without_vectors and not f["vectors"]))
    return bool(f["phrase"] or all_words or f["z"] >= Z_ALONE)


def near_best(ranked: list[tuple[int, float]], feats: dict[int, dict], d: float) -> list[tuple[int, float]]:
    """The papers of `ranked` (those above the floor) whose similarity `z` is within `d` of the best of them, so the
    best is always kept; a paper holding the query as a phrase stays too (one short paper that is nearly the
    query's own words must not push out every paper that names it), and so does one without a vector (no
    similarity to judge)."""
    judged = [feats[pk]["z"] for pk, _ in ranked if feats[pk]["vectors"]]
    if not judged:
        return ranked
    best = max(judged)
    return [r for r in ranked
            if feats[r[0]]["phrase"] or not feats[r[0]]["vectors"] or feats[r[0]]["z"] >= best - d]


def holds_enough_words(f: dict, share: float = WORD_SHARE) -> bool:
    """Whether a paper above the floor holds enough of the query to be listed newest first: the query as a phrase,
    every word, or at least `share` of its words (phrases, fields), or no vector to judge it by. MiniLM finds
    "Agent Based Rumor Spreading in a scale-free network" 5 sd closer than a random paper to "membership inference
    attacks on diffusion models", and newest first listed it among four such papers above the on-topic ones (a
    blind walkthrough); by relevance the keyword side keeps such papers down, by date nothing did."""
    return bool(f["phrase"] or f["all_words"] or not f["vectors"] or f["word_share"] >= share - 1e-9)


def background_vectors(searcher: Searcher, model: str) -> np.ndarray:
    """Vectors of a fixed random sample of stored papers (the same sample for every query of one Searcher)."""
    cached = searcher._floor_background
    if cached is not None and cached[0] == model:
        return cached[1]
    pks = sorted(searcher.store.papers.states())
    rng = np.random.default_rng(0)
    pick = [pks[i] for i in rng.choice(len(pks), min(BACKGROUND_PAPERS, len(pks)), replace=False)] if pks else []
    vecs = np.stack(list(searcher.vectors.get(pick, model).values())) if pick else np.zeros((0, 1), np.float32)
    searcher._floor_background = (model, vecs)
    return vecs


def query_features(searcher: Searcher, query: str, pks: Sequence[int],
                   embed_text: str | None = None) -> dict[int, dict]:
    """Per paper: `cosine` of the query's and the paper's vectors (0.0 without one), `z` (that cosine in standard
    deviations above the query's mean cosine to random stored papers), `vectors` (whether the similarity could be
    judged), `all_words` (the paper holds every content word of the query: FTS5 AND over the words keyword search
    uses) and `phrase` (the query's words as a phrase). `embed_text` is what is embedded (default: the query as
    written; search passes its words without fields and operators, as its semantic side embeds them)."""
    out = {pk: {"cosine": 0.0, "z": 0.0, "vectors": False, "all_words": False, "phrase": False, "word_share": 0.0}
           for pk in pks}
    if not pks:
        return out
    parsed = parse_query(query)
    if len(choices := alternatives(parsed)) > 1:
        return _any_alternative(searcher, parsed, choices, pks, out)
    model = searcher.model()
    if model is not None:
        for pk, (c, z) in _similarities(searcher, model, embed_text or query,
                                        searcher.vectors.get(list(pks), model)).items():
            out[pk].update(cosine=c, z=z, vectors=True)
    strict = parse_query(query, all_words=True)
    _word_shares(searcher, parsed, pks, out)
    if strict.match:
        for pk in searcher.store.matching(strict.match, pks):
            out[pk]["all_words"] = True
    # the query's own words, without field names and excluded words ("ti:LoRA" is the phrase "LoRA", not "ti LoRA")
    words = re.findall(r"[^\W_]+", parsed.semantic_text)
    if len(words) > 1:
        for pk in searcher.store.matching('"' + " ".join(words) + '"', pks):
            out[pk]["phrase"] = True
    elif strict.match:
        items = [i for g in parsed.groups for i in g.items]
        if len(items) == 1 and items[0].column is None:
            # one plain word: its phrase is the word in the title. Held anywhere, it let any paper that mentions
            # "hallucination" once in its abstract (HDR imaging, MRI refinement) past the floor, whatever its
            # similarity, and newest first listed mostly those (a blind walkthrough); such a paper still passes
            # with a similarity of Z_ALL_WORDS, as a paper holding every word of a longer query does
            titled = set(searcher.store.matching(f"title : {items[0].fts()}", pks))
            for pk in pks:
                out[pk]["phrase"] = pk in titled
        else:  # a field (ti:LoRA, au:...) or an OR of words: holding it is what was asked for
            for pk in pks:
                out[pk]["phrase"] = out[pk]["all_words"]
    return out


def _similarities(searcher: Searcher, model: str, text: str, stored: dict[int, np.ndarray]
                  ) -> dict[int, tuple[float, float]]:
    """{pk: (cosine of `text`'s vector and the paper's, that cosine in standard deviations above `text`'s mean
    cosine to the background papers)}, rounded as `query_features` reports them."""
    qv = searcher.embed_query(text)
    background = background_vectors(searcher, model)
    bg = background @ qv if len(background) > 1 else np.zeros(2)
    mean, sd = float(bg.mean()), float(bg.std()) or 1.0
    return {pk: (round(c, 4), round((c - mean) / sd, 3)) for pk, c in
            ((pk, float(np.dot(qv, v))) for pk, v in stored.items())}


def _word_shares(searcher: Searcher, parsed: ParsedQuery, pks: Sequence[int], out: dict[int, dict]) -> None:
    """How many of the query's words (or phrases, fields) each paper holds, as a share of its groups."""
    for g in parsed.groups:
        for pk in searcher.store.matching(g.fts(), pks):
            out[pk]["word_share"] += 1 / len(parsed.groups)


MAX_ALTERNATIVES = 8  # OR-combinations judged one by one; a query with more is judged by its first ones


def alternatives(parsed: ParsedQuery) -> list[list[Item]]:
    """The queries an OR query stands for, one item of each group: `"membership inference" OR "machine
    unlearning"` is about membership inference, or about machine unlearning. One alternative (the groups' items)
    when the query has no OR. Author items are left out (they filter, they say nothing of the topic)."""
    groups = [[i for i in g.items if i.column != "authors"] for g in parsed.groups]
    groups = [g for g in groups if g]
    if all(len(g) == 1 for g in groups):
        return [[g[0] for g in groups]]
    return [list(combo) for combo in itertools.islice(itertools.product(*groups), MAX_ALTERNATIVES)]


def _any_alternative(searcher: Searcher, parsed: ParsedQuery, choices: list[list[Item]], pks: Sequence[int],
                     out: dict[int, dict]) -> dict[int, dict]:
    """`query_features` of an OR query: each alternative judged as a query of its own (its words embedded, all its
    words, its phrase), a paper keeping the best of them. The query embedded whole mixed its alternatives' topics,
    so a paper with "Machine Unlearning" in its title was not "about" `"membership inference" OR "machine
    unlearning"` and its digest listed nothing (a blind walkthrough)."""
    model = searcher.model()
    stored = searcher.vectors.get(list(pks), model) if model is not None else {}
    not_excluded = f" NOT ({' OR '.join(i.exact_fts() for i in parsed.excluded)})" if parsed.excluded else ""
    _word_shares(searcher, parsed, pks, out)
    for items in choices:
        words = [w for i in items for w in i.words]
        if stored:
            for pk, (c, z) in _similarities(searcher, model, " ".join(words), stored).items():
                if z > out[pk]["z"] or not out[pk]["vectors"]:
                    out[pk].update(cosine=c, z=z, vectors=True)
        for pk in searcher.store.matching("(" + " AND ".join(i.fts() for i in items) + ")" + not_excluded, pks):
            out[pk]["all_words"] = True
        if len(words) > 1:
            for pk in searcher.store.matching('"' + " ".join(words) + '"' + not_excluded, pks):
                out[pk]["phrase"] = True
        elif len(items) == 1 and items[0].column is None:
            # one plain word: its phrase is the word in the title, as for a query of that word alone (`LoRA OR
            # "low-rank adaptation"` newest first lost "RadLite: Multi-Task LoRA Fine-Tuning", which `LoRA` lists:
            # a blind walkthrough)
            for pk in searcher.store.matching(f"title : {items[0].fts()}" + not_excluded, pks):
                out[pk]["phrase"] = True
    return out
