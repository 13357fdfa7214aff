"""A phrase a query requires holds its words as written: in that order, each as typed or in its plural.

The keyword index is light-stemmed (`foundation.stemming`): "visually" is "visual" there and "grounded" is
"ground", as "grounding" is, so the quoted phrase "visual grounding" also matched "Visually Grounded Word
Embeddings" and ranked it first (a blind walkthrough: visual grounding, the task, is another subject). The search
ranks as before and then keeps only the papers whose title or abstract (or the field the phrase names) holds
each required phrase with its words one after another (spaces or hyphens between them), each word as typed or
with a plural or possessive ending, whatever the case. Plain words, prefixes (`word*`) and a hyphenated word
typed without quotes are not checked: they rank, they do not filter.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from .fts_query import Item, ParsedQuery

_JOINERS = r"[\s\-\u2010\u2011]+"


def phrase_groups(pq: ParsedQuery) -> list[list[Item]]:
    """The required groups holding a phrase to check (each group: its items, one of which must hold)."""
    out = []
    for g in pq.required:
        if any(len(i.words) > 1 and not i.prefix and i.column != "authors" for i in g.items):
            out.append(g.items)
    return out


def author_names(pq: ParsedQuery) -> list[list[tuple[str, ...]]]:
    """The required groups made of `au:` names (whole words, not prefixes): a paper must have an author named by
    one name of each group (`known_item.names_author`), which the stemmed keyword index cannot tell."""
    return [[i.words for i in g.items] for g in pq.required
            if all(i.column == "authors" and not i.prefix for i in g.items)]


def excluded_author_names(pq: ParsedQuery) -> list[tuple[str, ...]]:
    """The `-au:` names of several words: FTS5 leaves out the name as written, and a paper with the name and a
    middle initial ("Christopher D. Manning" for `-au:"Christopher Manning"`) must go too."""
    return [i.words for i in pq.excluded if i.column == "authors" and len(i.words) > 1 and not i.prefix]


@lru_cache(maxsize=256)
def phrase_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """The phrase's words in order, each as typed or with a plural or possessive ending ("models" typed: "model"
    too), spaces or hyphens between them."""
    parts = []
    for w in words:
        base = w[:-1] if len(w) > 3 and w.lower().endswith("s") and not w.lower().endswith("ss") else w
        parts.append(re.escape(base) + r"(?:s|es|'s|\u2019s)?")
    return re.compile(r"(?<!\w)" + _JOINERS.join(parts) + r"(?!\w)", re.IGNORECASE)


def holds_phrases(groups: Sequence[Sequence[Item]], title: str, abstract: str) -> bool:
    """Whether a paper's text holds one item of every group (a single word counts as held: FTS5 found it)."""
    def held(item: Item) -> bool:
        if len(item.words) < 2 or item.prefix or item.column == "authors":
            return True
        text = title if item.column == "title" else abstract if item.column == "abstract" else f"{title}\n{abstract}"
        return bool(phrase_pattern(tuple(item.words)).search(" ".join((text or "").split())))
    return all(any(held(i) for i in items) for items in groups)


def keep_holding(ranked: list[tuple[int, float]], groups: Sequence[Sequence[Item]],
                 texts: Callable[[list[int]], dict[int, tuple[str, str]]]) -> list[tuple[int, float]]:
    """The ranked (pk, score) pairs whose text holds the phrases (`texts`: pk -> (title, abstract))."""
    if not groups or not ranked:
        return ranked
    text_of = texts([pk for pk, _ in ranked])
    return [r for r in ranked if r[0] in text_of and holds_phrases(groups, *text_of[r[0]])]
