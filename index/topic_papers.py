"""The papers a listed rising topic shows (`emerging_topics`): its first papers in the trend (titles naming it
first), its first mention when they leave that out, its typical papers of the span, and first papers oldest first."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from .topic_corpus import TopicCorpus, key_in_title


def typical_papers(key: str, holders: list[int], c: TopicCorpus, rising: set[str], n: int = 3) -> list[int]:
    """A rising topic's typical papers of its span: those whose title names it first, then those using fewer of
    the period's other rising names (the papers using most of them came first before, so one paper on
    vision-language trajectory forecasting was "typical" of both vision-language models and video generation, and
    a paper on object-centric slots of video generation: a blind walkthrough)."""
    def named(pk: int) -> bool:
        return key in c.in_title.get(pk, ()) or key_in_title(key, c.title_words.get(pk) or "")

    return sorted(holders, key=lambda pk: (not named(pk), len(c.phrase_sets[pk] & rising), pk))[:n]


def first_users(ordered: list[int], phrase_sets: dict[int, set[str]], in_title: dict[int, set[str]],
                keys: set[str], title_words: dict[int, str] | None = None,
                n: int = 3) -> dict[str, tuple[list[int], list[int]]]:
    """Per key, the first `n` papers of `ordered` (oldest first) that name it in their title, and the first `n`
    that use it at all (`first_papers` picks from them). A title names a key when one of its phrases is the key or
    holds the key's words in a row (`title_words`): "The Sparsely-Gated Mixture-of-Experts Layer" (2017) names
    "mixture of experts", and was left out of its first papers once three later titles said "MoE" (a blind
    walkthrough)."""
    titled: dict[str, list[int]] = defaultdict(list)
    anywhere: dict[str, list[int]] = defaultdict(list)
    no_title: set[str] = set()
    title_words = title_words or {}
    for pk in ordered:
        used = phrase_sets[pk] & keys
        if not used:
            continue
        named = in_title.get(pk, no_title) & used
        words = title_words.get(pk)
        for k in used:
            if len(titled[k]) < n and (k in named or (words is not None and key_in_title(k, words))):
                titled[k].append(pk)
        for k in used:
            if len(anywhere[k]) < n:
                anywhere[k].append(pk)
    return {k: (titled.get(k, []), anywhere[k]) for k in anywhere}


def first_papers(users: tuple[list[int], list[int]], published_by: Callable[[int], bool], n: int = 3) -> list[int]:
    """A listed topic's first papers: of those published by the end of its period, the first `n` that name it in
    their title, then, when fewer do, the first that use it at all. A paper that mentions "sparse autoencoders"
    once in its abstract ("Group Sparse CNNs for Question Classification", 2017) was the first paper of Sparse
    Autoencoders in interpretability, before "Sparse Autoencoders Find Highly Interpretable Features", and a
    paper of 2026-05 was a "first paper" of a rise in 2025-03 (two blind walkthroughs)."""
    titled = [pk for pk in users[0] if published_by(pk)]
    return (titled + [pk for pk in users[1] if published_by(pk) and pk not in titled])[:n]


def first_mention(users: tuple[list[int], list[int]], firsts: list[int],
                  published_by: Callable[[int], bool]) -> int | None:
    """The first paper (of those published by the end of the period) to use a topic at all, when `firsts` (titles
    naming it first) do not hold it; None when they do."""
    earliest = next((pk for pk in users[1] if published_by(pk)), None)
    return None if earliest is None or earliest in firsts else earliest


def oldest_first(pks: list[int], ids: dict[int, str], period: dict[int, str]) -> list[int]:
    """First papers as readers scan them, oldest first (by month, then arXiv id, which counts up within a month):
    titles naming the topic are chosen before papers that only use it, and listed "2021, 2017" they read as a
    mistake (a blind walkthrough)."""
    return sorted(pks, key=lambda pk: (period.get(pk, ""), ids.get(pk, ""), pk))
