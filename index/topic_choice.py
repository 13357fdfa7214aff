"""Choosing a period's rising topics, one place per research topic: of the names ranked by their rise, the best
`n`, each with the lower-ranked names that stand for the same topic (a phrase inside a better one, the same
papers' other name, an acronym and its long form, a plural, a shorter or sibling form), and which of a topic's
names to show first. Pure functions over names and the sets of papers writing them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from .topic_phrases import normalise, spells_acronym, split_acronym

# A rising name written by nearly the same papers in the span as a better-ranked rising name (the overlap at least
# this share of the union, Jaccard) is listed with it as another name, not on its own (above 1.0: never).
MERGE_SHARE = 0.7
# an acronym and its long form, both rising in a month, are one topic when half the smaller one's papers write both
ACRONYM_PAIR_OVERLAP = 0.5
# ... and so are a name and the same name with words left out, when half the shorter name's papers write both
SHORTER_FORM_OVERLAP = 0.5
# ... and a name the same as a better-ranked one but for its last word ("image captions" after "image captioning";
# "embodied AI" after "embodied agents"), when half its own papers write the other too (above 1.0: never)
SIBLING_OVERLAP = 0.5


def choose_topics(scored: list[tuple], n: int, same_papers: float,
            holders: Callable[[str], set[int]]) -> tuple[list[tuple], dict[str, list[str]]]:
    """The best `n` names, and for each the lower-ranked names it stands for. A phrase inside (or around) a
    better-ranked one is skipped ("augmented generation" after "retrieval augmented generation"); a name written
    by nearly the same papers now as a better-ranked one (their overlap at least `same_papers` of their union) is
    another name for that topic ("MLLMs" beside "Multimodal Large Language Models (MLLM)") and is shown with it
    instead of taking a place of its own. An overlap of the smaller set alone would fold subtopics into an
    umbrella name that most of a trend's papers write ("GPT-4o" and "DPO" into "MLLM")."""
    out: list[tuple] = []
    merged: dict[str, list[str]] = defaultdict(list)
    papers: dict[str, set[int]] = {}
    for item in scored:
        k = f" {item[1]} "
        if any(k in f" {o[1]} " or f" {o[1]} " in k for o in out):
            continue
        if same_papers <= 1.0:
            mine = holders(item[1])
            home = next((o[1] for o in out if len(mine & papers[o[1]]) >= same_papers * len(mine | papers[o[1]])
                         or _acronym_pair(item[1], o[1], mine, papers[o[1]]) or _plural_pair(item[1], o[1])
                         or _shorter_form(item[1], o[1], mine, papers[o[1]])
                         or _sibling_form(item[1], o[1], mine, papers[o[1]])), None)
            if home is not None:
                merged[home].append(item[1])
                continue
            papers[item[1]] = mine
        out.append(item)
        if len(out) == n:
            break
    return out, merged


def _plural_pair(a: str, b: str) -> bool:
    """The same name but one word's plural "s" ("compressed llms", "compressed llm"): inside a longer name an
    acronym keeps its plural in the key (see `topic_phrases`), and both were listed in one month, side by side."""
    wa, wb = a.lower().split(), b.lower().split()
    return len(wa) == len(wb) > 1 and sum(x != y for x, y in zip(wa, wb)) == 1 and all(
        x == y or x == y + "s" or y == x + "s" for x, y in zip(wa, wb))


def _shorter_form(a: str, b: str, a_papers: set[int], b_papers: set[int]) -> bool:
    """One name is the other with words left out ("KV compression", "KV cache compression") and at least half of
    the papers writing the shorter one write the longer one too: listed side by side with the same typical papers
    they read as two topics (a blind walkthrough). The shorter name's papers, not the smaller set: "LoRA" is not
    a short form of "LoRA experts" though most papers on LoRA experts write "LoRA" (a subtopic folded into its
    umbrella, see `choose_topics`); shared words alone would join "graph neural network" to "neural network"."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    if not (wa < wb or wb < wa):
        return False
    shorter = a_papers if wa < wb else b_papers
    return len(a_papers & b_papers) >= SHORTER_FORM_OVERLAP * len(shorter)


def _sibling_form(a: str, b: str, a_papers: set[int], b_papers: set[int]) -> bool:
    """`a`, ranked below `b`, is the same name of two or more words but for the last ("embodied AI" after
    "embodied agents"; "dense retrievers" after "dense retrieval"), and at least half of `a`'s papers write `b`
    too: listed side by side in one month they read as one topic twice (a blind walkthrough). The share is of the
    lower-ranked name's papers, so that a small name does not take in a larger other topic ("scene generation", 11
    papers, 2 of them writing "scene exploration"), and subtopics that share a head ("token pruning", "token
    merging") are written by different papers and keep their places."""
    wa, wb = _words(a), _words(b)
    if len(wa) < 2 or len(wa) != len(wb) or wa[:-1] != wb[:-1] or wa[-1] == wb[-1]:
        return False
    return len(a_papers & b_papers) >= SIBLING_OVERLAP * len(a_papers)


def _acronym_pair(a: str, b: str, a_papers: set[int], b_papers: set[int]) -> bool:
    """One name is the other's acronym ("LoRA", "low rank adaptation") and at least half of the smaller one's papers
    write the other too (so "GAN" does not join "graph attention network")."""
    return ((spells_acronym(a, b) or spells_acronym(b, a))
            and len(a_papers & b_papers) >= ACRONYM_PAIR_OVERLAP * min(len(a_papers), len(b_papers)))


def specific_name_first(name: str, also: list[str]) -> tuple[str, list[str]]:
    """(the name to show, its other names): another name of the same papers that holds the name's words, or its
    acronym, and more ("COVID19 Fake News Detection" for "COVID19", "KV cache" for "key value (KV)") says what the
    papers are about and is shown first; following "key value (KV)" followed every paper on key-value stores."""
    base, acronym = split_acronym(name)
    mine = set(_words(base))
    for other in also:
        words = _words(other)
        if mine < set(words) or (acronym and acronym.lower() in words and len(words) > 1):
            return other, [name, *(a for a in also if a != other)]
    return name, also


def _words(name: str) -> list[str]:
    return re.findall(r"[^\W_]+", name.lower())


def topic_key(name: str) -> str:
    """The merge key of a topic name written by a person (for matching names against the listed topics)."""
    return normalise(name)
