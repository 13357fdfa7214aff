"""The tagger's literal prefilter may only skip regex scans that cannot match."""

from __future__ import annotations

import re

import pytest

from trendscope.index.regex_literals import may_match, required_literals
from trendscope.index.tagger import _doc, rule_score
from trendscope.index.taxonomy import load_taxonomy


@pytest.mark.parametrize("pattern,expected", [
    (r"\bmulti[- ]?modal(ity|ities)?\b|\bvqa\b", {"multi", "vqa"}),
    (r"\bclip\b|\bllava\b|\bblip-?2?\b", {"clip", "llava", "blip"}),
    (r"\bmodalit(y|ies)\b", {"modalit"}),
    (r"(?i)Zero-Shot", {"zero-shot"}),
    (r"(abc)+x", {"abc"}),
])
def test_literals_read_off_the_pattern(pattern, expected):
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", [r"a.b", r"[a-z]+", r"(foo)?bar?", r"x|yy", r"(?<=ab)c", r"(a)\1"])
def test_patterns_without_a_safe_literal_are_never_filtered(pattern):
    lits = required_literals(pattern)
    assert lits is None or all(len(x) >= 2 for x in lits)
    for text in ["", "a-b", "zzz", "abc", "yy", "aa"]:
        if re.search(pattern, text):
            assert may_match(lits, text.lower())


def test_no_taxonomy_phrase_is_skipped_on_text_it_matches(sample_rows):
    tx = load_taxonomy()
    phrases = [p for t in tx.trends for p in (*t.include, *t.exclude)]
    assert sum(p.literals is not None for p in phrases) > len(phrases) // 2  # the filter does work
    for row in sample_rows[:200]:
        text = f"{row['title']} {row['abstract']}".lower()
        for p in phrases:
            if p.regex.search(text):
                assert may_match(p.literals, text), (p.pattern, row["id"])


def test_rule_scores_equal_a_scan_without_the_filter(sample_rows):
    tx = load_taxonomy()
    unfiltered = type(tx)(
        tuple(t.__class__(**{**t.__dict__,
                             "include": tuple(p.__class__(p.pattern, p.weight, p.regex, None) for p in t.include),
                             "exclude": tuple(p.__class__(p.pattern, p.weight, p.regex, None) for p in t.exclude)})
              for t in tx.trends),
        tx.scoring, tx.sources)
    for row in sample_rows[:100]:
        doc = _doc(tx, row["title"], row["abstract"])
        for fast, slow in zip(tx.trends, unfiltered.trends, strict=True):
            assert rule_score(fast, tx, doc) == rule_score(slow, unfiltered, doc)
