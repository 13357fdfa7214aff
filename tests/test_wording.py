"""User-facing counts: singular for one."""
from __future__ import annotations


def test_counts_are_worded_for_one_and_many():
    from trendscope.foundation.wording import count

    assert count(1, "paper") == "1 paper"
    assert count(0, "paper") == "0 papers"
    assert count(12345, "paper") == "12,345 papers"
    assert count(2, "query", "queries") == "2 queries"
