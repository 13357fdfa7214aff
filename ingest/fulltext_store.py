"""SQL of papers' full text: the fetched PDF's record, its passages (headings, paragraphs, captions) with an FTS5
index, and its reference list (each matched to a corpus paper when possible).

Tables (created by the ingest stage's migration m005 in `store.py`):
  paper_fulltext    arxiv_id -> status ok|failed, the PDF's sha256 and size (the file lives content-addressed in
                    the data home), pages, when, the extractor version, the last error
  paper_passages    (arxiv_id, seq) -> section number, heading, level, kind heading|paragraph|caption, label, text, page
  passages_fts      FTS5 over passage text and heading (arxiv_id, seq unindexed)
  paper_references  (arxiv_id, n) -> the entry's printed number, text, title and year guesses, matched corpus id
A paper's passages and references are replaced in one transaction: a failed fetch or parse stores nothing of them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlite_utils

from trendscope.foundation.clock import utc_now_iso
from trendscope.foundation.db import write_transaction
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.text import MATCH_CLOSE, MATCH_OPEN

HEADING_WEIGHT = 0.25  # a passage's section heading, against its text (1.0), in full-text search's BM25


@dataclass
class Passage:
    seq: int
    section: int
    heading: str
    level: int
    kind: str  # heading | paragraph | caption
    text: str
    page: int | None = None
    label: str | None = None


@dataclass
class StoredReference:
    n: int
    number: int | None
    text: str
    title: str | None
    year: int | None
    matched_id: str | None


@dataclass
class FulltextRecord:
    arxiv_id: str
    status: str  # ok | failed
    sha256: str | None
    bytes: int | None
    pages: int | None
    fetched_at: str
    extractor: str | None
    error: str | None


@dataclass
class PassageHit:
    arxiv_id: str
    seq: int
    heading: str
    snippet: str
    score: float  # -bm25: higher is better


_PHRASE = re.compile(r'"([^"]+)"')
_WORD = re.compile(r"[^\W_]+")
# a query's pieces, in order: a "quoted phrase" (with a "-" before it) anywhere, or a run of other characters
_PIECE = re.compile(r'(-?)"([^"]+)"|([^\s"]+)')


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """(terms to match, terms to leave out) of a query, each a quoted FTS5 string, once each: "quoted phrases" and
    words; `-word`, `-"a phrase"` and `NOT word` leave out; `AND` and `OR` in capitals join (any word matches in
    any case). "CiteSee AND NOT baseline" searched "and", "not" and "baseline" (a blind walkthrough)."""
    keep: list[str] = []
    drop: list[str] = []
    negate_next = False
    query = query or ""
    for m in _PIECE.finditer(query):
        minus, phrase, word = m.groups()
        if phrase is None and word in ("AND", "OR"):
            continue
        if phrase is None and word == "NOT":
            negate_next = True
            continue
        if phrase is None and word.startswith("-"):
            minus, word = "-", word[1:]
        if phrase is None and word.endswith(":"):  # `title:"user study"`: a field name, no word to search (a review)
            continue
        # "-" leaves out only at the start or after a space: in `"a b"-c` or `x-ray` it joins (a review found
        # `("user study")` and `title:"user study"` lost their phrase to a parser that wanted a space first)
        left_out = bool(minus) and (m.start() == 0 or query[m.start() - 1].isspace())
        text = " ".join(_WORD.findall(phrase if phrase is not None else word))
        if text:
            (drop if left_out or negate_next else keep).append(f'"{text}"')
        negate_next = False
    return list(dict.fromkeys(keep)), list(dict.fromkeys(t for t in drop if t not in keep))


def fts_terms(query: str) -> list[str]:
    """The query's terms to match (`query_terms`)."""
    return query_terms(query)[0]


def fts_expression(query: str) -> str | None:
    """A safe FTS5 expression: "quoted phrases" kept as phrases, every other word OR-ed (papers with more of
    them rank first), the terms to leave out after NOT; None when the query has no word to match."""
    keep, drop = query_terms(query)
    if not keep:
        return None
    expr = " OR ".join(keep)
    return f"({expr}) NOT ({' OR '.join(drop)})" if drop else expr


class FulltextStore:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    # -- writes -------------------------------------------------------------------------------
    def save(self, record: FulltextRecord, passages: Sequence[Passage], references: Sequence[StoredReference]) -> None:
        """Replace the paper's full text (passages, references, record) in one transaction."""
        aid = record.arxiv_id
        with write_transaction(self.db):
            conn = self.db.conn
            conn.execute("DELETE FROM paper_passages WHERE arxiv_id = ?", [aid])
            conn.execute("DELETE FROM passages_fts WHERE arxiv_id = ?", [aid])
            conn.execute("DELETE FROM paper_references WHERE arxiv_id = ?", [aid])
            conn.executemany(
                "INSERT INTO paper_passages (arxiv_id, seq, section, heading, level, kind, label, text, page) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(aid, p.seq, p.section, p.heading, p.level, p.kind, p.label, p.text, p.page) for p in passages])
            conn.executemany("INSERT INTO passages_fts (text, heading, arxiv_id, seq) VALUES (?, ?, ?, ?)",
                             [(p.text, p.heading, aid, p.seq) for p in passages if p.kind != "heading"])
            conn.executemany(
                "INSERT INTO paper_references (arxiv_id, n, number, text, title, year, matched_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(aid, r.n, r.number, r.text, r.title, r.year, r.matched_id) for r in references])
            self._put_record(record)

    def record_failure(self, arxiv_id: str, error: str) -> None:
        """Remember a failed attempt (a paper fetched before keeps its stored text)."""
        with write_transaction(self.db):
            if self.db.execute("SELECT 1 FROM paper_fulltext WHERE arxiv_id = ? AND status = 'ok'",
                               [arxiv_id]).fetchone():
                self.db.execute("UPDATE paper_fulltext SET error = ? WHERE arxiv_id = ?", [error, arxiv_id])
            else:
                self._put_record(FulltextRecord(arxiv_id, "failed", None, None, None, utc_now_iso(), None, error))

    def _put_record(self, r: FulltextRecord) -> None:
        self.db.conn.execute(
            "INSERT OR REPLACE INTO paper_fulltext (arxiv_id, status, sha256, bytes, pages, fetched_at, extractor, "
            "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [r.arxiv_id, r.status, r.sha256, r.bytes, r.pages, r.fetched_at, r.extractor, r.error])

    # -- reads --------------------------------------------------------------------------------
    def record(self, arxiv_id: str) -> FulltextRecord | None:
        row = self.db.execute("SELECT arxiv_id, status, sha256, bytes, pages, fetched_at, extractor, error "
                              "FROM paper_fulltext WHERE arxiv_id = ?", [arxiv_id]).fetchone()
        return FulltextRecord(*row) if row else None

    def passages(self, arxiv_id: str) -> list[Passage]:
        return [Passage(*r) for r in self.db.execute(
            "SELECT seq, section, heading, level, kind, text, page, label FROM paper_passages WHERE arxiv_id = ? "
            "ORDER BY seq", [arxiv_id])]

    def printed_title(self, arxiv_id: str) -> str | None:
        """The title the PDF prints: the first paragraph of its untitled first section (`pdf_sections` puts the title
        block there, title first), when it reads as a title (10-300 characters); None otherwise or when not fetched.
        The page of a paper read from its PDF but not in the corpus was headed "arXiv 2302.07302" (a walkthrough)."""
        row = self.db.execute(
            "SELECT section, heading, kind, text FROM paper_passages WHERE arxiv_id = ? ORDER BY seq LIMIT 1",
            [arxiv_id]).fetchone()
        if row is None or row[0] != 0 or row[1] or row[2] != "paragraph":
            return None
        text = " ".join(row[3].split())
        return text if 10 <= len(text) <= 300 else None

    def printed_titles(self, arxiv_ids: Iterable[str]) -> dict[str, str]:
        """{arxiv id: the title its PDF prints} for the fetched papers among `arxiv_ids` that print one (a paper read
        from its PDF but not in the corpus showed as its bare id in lists and passage hits: a walkthrough)."""
        return {a: t for a in dict.fromkeys(arxiv_ids) if (t := self.printed_title(a))}

    def references(self, arxiv_id: str) -> list[StoredReference]:
        return [StoredReference(*r) for r in self.db.execute(
            "SELECT n, number, text, title, year, matched_id FROM paper_references WHERE arxiv_id = ? ORDER BY n",
            [arxiv_id])]

    def terms_held_nowhere(self, query: str, arxiv_id: str | None = None) -> list[str]:
        """The query's words and "phrases" that no passage holds (of the paper `arxiv_id`, or of any): any word
        matches, so "inline zebra" listed the passages of "inline" without a word about "zebra" (a blind
        walkthrough)."""
        where = " AND arxiv_id = ?" if arxiv_id else ""
        out = []
        for term in fts_terms(query):  # (splitting the expression at " OR " cut the phrase "rock OR roll": a review)
            row = self.db.execute(f"SELECT 1 FROM passages_fts WHERE passages_fts MATCH ?{where} LIMIT 1",
                                  [term, *([arxiv_id] if arxiv_id else [])]).fetchone()
            if row is None:
                out.append(term.strip('"'))
        return out

    def fetched_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT arxiv_id FROM paper_fulltext WHERE status = 'ok' ORDER BY arxiv_id")]

    def search(self, query: str, limit: int = 20, arxiv_id: str | None = None) -> list[PassageHit]:
        """Passages matching the query's words (any of them; more first), best first, with a snippet whose matches
        foundation.text.MATCH_OPEN/MATCH_CLOSE mark ("⟦dataset⟧")."""
        expr = fts_expression(query)
        if expr is None:
            if query_terms(query)[1]:  # "NOT citation" said "no passage matches", `search` refused it (a walkthrough)
                raise TrendscopeError("the query only excludes words: add at least one word to look for")
            return []
        # the passage's own words count 4x its section heading's: the short caption "Comparing BART performance
        # ..." under "5 Human evaluation", holding neither query word, came first for "human evaluation" (a blind
        # walkthrough)
        sql = ("SELECT arxiv_id, seq, heading, snippet(passages_fts, 0, ?, ?, '…', 28), "
               f"bm25(passages_fts, 1.0, {HEADING_WEIGHT}) AS s FROM passages_fts WHERE passages_fts MATCH ?")
        args: list = [MATCH_OPEN, MATCH_CLOSE, expr]
        if arxiv_id:
            sql += " AND arxiv_id = ?"
            args.append(arxiv_id)
        rows = self.db.execute(sql + " ORDER BY s LIMIT ?", [*args, int(limit)]).fetchall()
        return [PassageHit(a, int(q), h, snip, -float(s)) for a, q, h, snip, s in rows]
