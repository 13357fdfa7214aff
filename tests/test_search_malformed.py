"""Malformed queries in every mode: results or a clear TrendscopeError, never an SQL error or a crash."""
from __future__ import annotations

import pytest
from test_index_fts_query import NASTY

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.search import SearchRequest


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_nasty_queries_never_raise_sql_errors(searchable, mode):
    home, db, searcher = searchable
    answered = errors = 0
    for text in NASTY:
        try:
            hits = searcher.search(SearchRequest(text, mode=mode, limit=5))
        except TrendscopeError as exc:
            assert str(exc) and "sqlite" not in str(exc).lower() and "fts5" not in str(exc).lower(), (text, exc)
            errors += 1
            continue
        assert isinstance(hits, list) and len(hits) <= 5
        answered += 1
    assert answered >= len(NASTY) // 2 and errors > 0  # ("a*" is refused: too short a prefix)
    # the injection attempt left the table alone
    assert db.execute("SELECT count(*) FROM papers").fetchone()[0] == 200


def test_exclusion_only_and_category_only_queries(searchable):
    home, db, searcher = searchable
    cat = db.execute("SELECT category FROM paper_categories GROUP BY category ORDER BY count(*) DESC").fetchone()[0]
    hits = searcher.search(SearchRequest(f"cat:{cat}", limit=5))
    assert len(hits) == 5 and all(cat in h.categories for h in hits)
    dates = [h.published for h in hits]
    assert dates == sorted(dates, reverse=True)
    hits = searcher.search(SearchRequest(f"cat:{cat} -learning", mode="keyword", limit=50))
    assert hits and all("learn" not in (h.title + h.abstract).lower() for h in hits)
    with pytest.raises(TrendscopeError, match="needs words to embed"):
        searcher.search(SearchRequest(f"cat:{cat}", mode="semantic"))
