"""Which of a few papers match a keyword expression, without asking the whole keyword index.

FTS5 answers `papers_terms MATCH ? AND rowid IN (...)` by first merging the posting lists of every term of the
expression over the whole corpus, however few papers are asked about: over 162,699 papers a prefix such as
`con*` (thousands of words, millions of postings) took 20 s a call, and newest first asks several such questions
of its candidates, so one search address kept a core busy for 90 s after the browser had gone (an audit; plain
common words cost seconds too). Here the few papers' own text is indexed in a private in-memory FTS5 table, with
the keyword index's tokenizer and light stemming (`light_text`), so the matches are the same and the cost grows
with the papers asked about, not with the corpus.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.stemming import light_text

from .store_schema import TERMS_TOKENIZER

# Up to this many papers a matcher is built (light stemming costs about 40 us a text, so 2,000 papers ~0.25 s);
# a larger set is asked of the keyword index itself.
SUBSET_LIMIT = 2000


class SubsetMatcher:
    """The keyword index of a few papers: `rows` of (pk, title, abstract, authors as stored)."""

    def __init__(self, rows: Iterable[tuple[int, str | None, str | None, str | None]]):
        # its own connection: no transaction of the caller's connection is opened, extended or committed here
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE terms USING fts5(title, abstract, authors, "
                           f"tokenize = '{TERMS_TOKENIZER}')")
        self._conn.executemany("INSERT INTO terms (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)",
                               [(pk, light_text(t), light_text(a), light_text(au)) for pk, t, a, au in rows])

    def matching(self, light_expression: str) -> set[int]:
        """The pks whose text matches an FTS5 expression already rewritten by `light_match`."""
        try:
            return {r[0] for r in self._conn.execute("SELECT rowid FROM terms WHERE terms MATCH ?",
                                                     [light_expression])}
        except sqlite3.OperationalError as exc:  # as PaperReads._run says it: never the raw SQL
            raise TrendscopeError(f"cannot run this search: {exc}") from exc

    def close(self) -> None:
        self._conn.close()
