"""User-facing counts: singular for one."""
from __future__ import annotations


def test_counts_are_worded_for_one_and_many():
    from trendscope.foundation.wording import count

    assert count(1, "paper") == "1 paper"
    assert count(0, "paper") == "0 papers"
    assert count(12345, "paper") == "12,345 papers"
    assert count(2, "query", "queries") == "2 queries"


def test_why_a_paper_carries_a_tag_in_one_line():
    from trendscope.foundation.wording import evidence_place, why_tagged

    assert evidence_place("serving (abstract)") == ("serving", "abstract")
    assert evidence_place("vector model: +3.18") is None and evidence_place("category: cs.MM") is None
    assert why_tagged(["vqa (title)", "image captions (abstract)", "vqa (title)", "vector model: +4.79"]) == \
        "“vqa” in the title; “image captions” in the abstract"
    # a phrase inside a longer one matched in the same place is left out
    assert why_tagged(["vision-language (title)", "vision-language-action (title)", "vla (title)"]) == \
        "“vision-language-action”, “vla” in the title"
    # at most three phrases a place, in the tagger's order
    assert why_tagged([f"w{i} (abstract)" for i in range(5)]) == "“w0”, “w1”, “w2” in the abstract"
    # no phrase: the vector model's lean and the category say it
    assert why_tagged(["vector model: +2.83", "category: cs.MM"]) == \
        "wording like the trend's papers (the vector model votes strongly for); arXiv category cs.MM"
    assert why_tagged(["vector model: -0.4"]) is None and why_tagged([]) is None
    assert why_tagged(["vector model: +0.1"]) is None  # about a typical paper outside the trend: no lean


def test_a_long_matched_span_is_shown_by_the_words_the_pattern_matched():
    """A blind walkthrough: a digest's "why" read `“text steering and to 0.8727 with image” in the abstract`: a
    pattern of two modality words a few words apart matched that span, and it was shown whole."""
    from trendscope.foundation.wording import evidence_place, why_tagged

    assert evidence_place("text steering and to 0.8727 with image (abstract)") == ("text … image", "abstract")
    assert evidence_place("language l and (ii) cross modal access between images (abstract)")[0] == \
        "language … images"
    assert evidence_place("vision and language (title)") == ("vision and language", "title")  # short: as it is
    assert evidence_place("vision-language-action (title)") == ("vision-language-action", "title")
    assert why_tagged(["text and multimodal (vision (abstract)", "multimodal (title)"]) == \
        "“multimodal” in the title; “text … vision” in the abstract"
