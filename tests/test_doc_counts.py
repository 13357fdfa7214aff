"""Document frequencies for hybrid search are kept per database file across Searchers (the app makes one per
search) and are counted again as soon as any connection changes the papers' text."""
from __future__ import annotations

from index_support import make_home, paper_from_row

from trendscope.foundation.db import connect
from trendscope.index import doc_counts
from trendscope.index.search import Searcher
from trendscope.index.search_store import SearchStore
from trendscope.ingest.store import PaperStore


def _counting(monkeypatch) -> list[str | None]:
    asked: list[str | None] = []
    original = SearchStore.doc_count

    def spy(self, match=None):
        asked.append(match)
        return original(self, match)

    monkeypatch.setattr(SearchStore, "doc_count", spy)
    return asked


def test_counts_are_shared_by_searchers_of_one_file_until_its_text_changes(tmp_path, sample_rows, monkeypatch):
    monkeypatch.setattr(doc_counts, "_shared", {})
    rows = sample_rows[:40]
    home, db = make_home(tmp_path / "home", rows)
    asked = _counting(monkeypatch)
    first = Searcher(db, home)._doc_count("learning")
    exact = db.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'learning'").fetchone()[0]
    assert first == exact > 0 and asked == ["learning"]
    # a new Searcher on a new connection to the same file: no counting
    other = connect(home.db_path)
    assert Searcher(other, home)._doc_count("learning") == exact and asked == ["learning"]
    # another connection adds a paper with the word: counted again, and right
    PaperStore(other).upsert([paper_from_row(rows[0], id="2399.99999", title="Learning to count",
                                             abstract="Learning about learning.")])
    assert Searcher(db, home)._doc_count("learning") == exact + 1
    assert asked == ["learning", "learning"]
    assert Searcher(db, home)._doc_count(None) == len(rows) + 1


def test_an_in_memory_database_keeps_its_counts_to_itself(sample_rows, monkeypatch, tmp_path):
    from trendscope.ingest.store import open_database

    monkeypatch.setattr(doc_counts, "_shared", {})
    home, _db = make_home(tmp_path / "home", sample_rows[:5])
    mem = open_database(":memory:")
    PaperStore(mem).upsert([paper_from_row(r) for r in sample_rows[:10]])
    searcher = Searcher(mem, home)
    n = searcher._doc_count("learning")
    assert n == mem.execute("SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'learning'").fetchone()[0]
    assert doc_counts._shared == {}
