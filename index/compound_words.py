"""Compound words written three ways: "pretraining", "pre-training" and "pre training" are one term to a reader,
but three to the full-text index, whose tokenizer splits at the hyphen. A query word gets its other spelling as
an alternative when the corpus uses it:

    "pretraining"   ->  pretraining OR "pre training"      (which also matches "pre-training")
    "pre-training"  ->  "pre training" OR pretraining
    "fine-tuned"    ->  "fine tuned" OR finetuned

A joined word is split only after one of a few prefixes that science writes both ways (pre-, self-, multi-,
non-, ...), and an alternative is added only when at least `MIN_PAPERS` papers use it, so "understanding" never
becomes "under standing". The alternatives join the word's group, which the search uses for its "missing: ..."
notes and snippets. Ranking with them was measured and not kept (docs/performance.md: nDCG@10 fell by about
0.01 on both halves of the blind dev set). Ranking now treats the spellings as one term another way: the keyword
index also holds each such compound joined (`foundation.stemming.compounds_in`), and a query's hyphenated word is
searched joined; the snippets still come from porter's index, which holds only the words as written, so the
alternatives stay for them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from trendscope.foundation.stemming import MIN_REST, PREFIXES

from .fts_query import Item, ParsedQuery

MIN_PAPERS = 3


def spellings(item: Item) -> list[Item]:
    """The item's other spellings as a compound (candidates: the corpus decides), in the item's column."""
    if item.prefix:
        return []
    if len(item.words) == 2 and item.words[0].lower() in PREFIXES and len(item.words[1]) >= MIN_REST:
        return [Item(("".join(item.words),), item.column)]
    if len(item.words) == 1:
        word = item.words[0]
        low = word.lower()
        return [Item((word[:len(p)], word[len(p):]), item.column) for p in PREFIXES
                if low.startswith(p) and len(low) - len(p) >= MIN_REST and low[len(p)].isalpha()]
    return []


def with_compound_spellings(pq: ParsedQuery, papers_matching: Callable[[str], int],
                            required_only: bool = False) -> ParsedQuery:
    """`pq` with each positive item's compound spellings that at least MIN_PAPERS papers use OR-ed into its
    group (`required_only`: only the groups every result must hold). `papers_matching(fts_expression)` counts
    papers (the searcher's cached counts)."""
    groups, changed = [], False
    for g in pq.groups:
        if required_only and not g.required:
            groups.append(g)
            continue
        extra = [alt for item in g.items for alt in spellings(item)
                 if alt not in g.items and papers_matching(alt.fts()) >= MIN_PAPERS]
        if extra:
            g = dataclasses.replace(g, items=[*g.items, *extra])
            changed = True
        groups.append(g)
    return dataclasses.replace(pq, groups=groups) if changed else pq

