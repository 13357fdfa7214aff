"""Matching a few papers by their own small keyword index (`ingest/subset_match.py`) gives what the whole keyword
index gives: newest first and the "missing" notes ask it of a search's candidates, and over the full corpus the
whole index took 20 s a question for a prefix such as `con*` (an audit)."""
from __future__ import annotations

import pytest

from trendscope.ingest import paper_reads
from trendscope.ingest.paper_reads import PaperReads

EXPRESSIONS = ['"learn"*', '"language" "model"', '"neural network"', 'title : "learn"*', '"data" NOT "image"',
               '("transformer" OR "attention")', 'authors : "wang"', '"pretrain"', '"generat"']


def test_a_few_papers_match_as_the_whole_index_says(searchable, monkeypatch):
    home, db, _ = searchable
    pks = [r[0] for r in db.execute("SELECT pk FROM papers ORDER BY pk LIMIT 150")]
    reads = PaperReads(db)
    small = {e: reads.matching(e, pks) for e in EXPRESSIONS}
    monkeypatch.setattr(paper_reads, "SUBSET_LIMIT", 0)  # every set asked of the whole keyword index
    whole = {e: PaperReads(db).matching(e, pks) for e in EXPRESSIONS}
    assert small == whole
    assert all(small[e] for e in ('"learn"*', '"language" "model"', '"data" NOT "image"')), small  # not vacuous
    assert all(small[e] < set(pks) for e in EXPRESSIONS)


def test_the_small_index_follows_the_database(searchable):
    home, db, _ = searchable
    pk, title = db.execute("SELECT pk, title FROM papers ORDER BY pk LIMIT 1").fetchone()
    reads = PaperReads(db)
    assert pk not in reads.matching('"zyxwvut"', [pk, pk + 1])
    try:
        with db.conn:
            db.execute("UPDATE papers SET title = ? WHERE pk = ?", [title + " zyxwvut", pk])
        assert pk in reads.matching('"zyxwvut"', [pk, pk + 1])  # the same pks asked again: built anew
    finally:
        with db.conn:
            db.execute("UPDATE papers SET title = ? WHERE pk = ?", [title, pk])
    assert pk not in reads.matching('"zyxwvut"', [pk, pk + 1])


def test_a_bad_expression_is_one_line_without_sql(searchable):
    from trendscope.foundation.errors import TrendscopeError

    home, db, _ = searchable
    with pytest.raises(TrendscopeError, match="cannot run this search") as err:
        PaperReads(db).matching('"unclosed', [1, 2])
    assert "SELECT" not in str(err.value)


def test_rows_written_then_rolled_back_are_not_remembered(searchable):
    """Inside a transaction the matcher is built afresh each time: a rolled-back write changes neither the
    database's data_version nor the connection's total_changes, so a kept matcher would still hold it (a review)."""
    home, db, _ = searchable
    pk, title = db.execute("SELECT pk, title FROM papers ORDER BY pk LIMIT 1 OFFSET 3").fetchone()
    reads = PaperReads(db)
    db.execute("BEGIN")
    db.execute("UPDATE papers SET title = ? WHERE pk = ?", [title + " qwertzuiop", pk])
    assert pk in reads.matching('"qwertzuiop"', [pk, pk + 1])
    db.conn.rollback()
    assert pk not in reads.matching('"qwertzuiop"', [pk, pk + 1])
