"""Hybrid's and keyword mode's lexical side: BM25 over the query's words (common words left out while rarer
ones remain), pruned to the papers holding the rare words when that provably gives the same top k
(`keyword_pruning`), run beside the query's embedding on a second connection, and the newest papers holding the
query's required items for a date sort. A mixin of `search.Searcher`, which holds the store, the document counts
and the settings it reads (`common_share`, `prune`, `all_words_first`, `bm25_weights`, `parallel`).
"""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import asdict

from trendscope.foundation.side_reader import read_beside

from .doc_counts import DocCounts
from .fts_query import ParsedQuery
from .keyword_pruning import Split, exact_top, plan
from .search_store import SearchStore, SqlFilter

MIN_RARE_LEFT = 2  # common words are left out whenever at least this many rarer words remain (one alone lost
# the query's topic)


class KeywordSide:
    """BM25 ranking for `Searcher` (see the module's docstring for the attributes it reads)."""

    store: SearchStore
    _doc_counts: DocCounts
    common_share: float
    prune: bool
    all_words_first: bool
    parallel: bool
    bm25_weights: tuple[float, float, float]

    def _with_newest_matches(self, pq: ParsedQuery, base: SqlFilter, ranked: list[tuple[int, float]],
                             k: int) -> list[tuple[int, float]]:
        """The relevance pool plus the `k` newest papers holding the query's required items (a phrase, `ti:`,
        `+word`) and the `k` newest holding every word of it: `ti:"speculative decoding"` newest first began at
        2026-06-19 while 3 newer titles held the phrase, and "speculative decoding" at 2026-06-02 while 9 newer
        titles said it, all below the 100 most relevant of its papers (two blind walkthroughs). The relevance
        floor then judges them like the rest."""
        flt = SqlFilter(**{**asdict(base), "exclude_match": None})
        seen = {pk for pk, _ in ranked}
        out = list(ranked)
        for match in (pq.match if pq.required else None, pq.all_match_excluding if pq.optional else None):
            if match:
                fresh = [r for r in self.store.keyword(match, flt, k, order="newest") if r[0] not in seen]
                seen.update(pk for pk, _ in fresh)
                out += fresh
        return out

    def _doc_count(self, match: str | None) -> int:
        """Papers matching an FTS5 expression (every paper for None), remembered until the text changes."""
        return self._doc_counts.count(match)

    def _doc_share(self, match: str) -> float:
        return self._doc_count(match) / max(self._doc_count(None), 1)

    def lexical_query(self, pq: ParsedQuery, share: float | None = None) -> ParsedQuery:
        """The query as BM25 sees it: plain words in more than `share` (default: `common_share`, hybrid's) of the
        papers left out while at least two rarer words remain: "vision language models" searched "vision" alone
        where "language" and "models" were common, and ranked papers on vision without language (a blind
        walkthrough; the dev set's tuning half is the same either way, docs/performance.md)."""
        share = self.common_share if share is None else share
        if share >= 1.0 or len(pq.optional) < 2:
            return pq
        common = {g.label for g in pq.optional if g.plain_word and self._doc_share(g.fts()) > share}
        rare_left = [g for g in pq.groups if g.required or g.label not in common]
        return pq.without(common) if common and len(rare_left) >= MIN_RARE_LEFT else pq

    def _keyword(self, pq: ParsedQuery, flt: SqlFilter, k: int, order: str,
                 share: float | None = None) -> list[tuple[int, float]]:
        """BM25 over the query's words, required items filtering; with `all_words_first`, the papers that hold
        every word come first (each tier in BM25 order), then the papers that hold only some."""
        pq = self.lexical_query(pq, share)
        if order == "relevance":
            ranked = self._ranked(self.store, pq.match, flt, k, self._splits(pq, flt, k))
        else:
            ranked = self.store.keyword(pq.match, flt, k, order=order, weights=self.bm25_weights)
        if order != "relevance" or not self.all_words_first or len(pq.optional) < 2 or pq.match is None:
            return ranked
        complete = self.store.keyword(pq.all_match_excluding, flt, k, weights=self.bm25_weights)
        seen = {pk for pk, _ in complete}
        return (complete + [(pk, s) for pk, s in ranked if pk not in seen])[:k]

    def _splits(self, lexical: ParsedQuery, flt: SqlFilter, k: int) -> list[Split]:
        """How the keyword side may skip the papers holding only common words (keyword_pruning.py)."""
        if not self.prune or lexical.match is None:
            return []
        return plan(lexical, self._doc_count(None), self._doc_count, k)

    def _ranked(self, store: SearchStore, match: str | None, flt: SqlFilter, k: int,
                splits: list[Split]) -> list[tuple[int, float]]:
        """The top k by BM25: among the papers holding the rare words when that is provably the same top k."""
        for split in splits:
            top = store.keyword_among(match, split.essential, flt, k, self.bm25_weights)
            if exact_top(top, split, k):
                return top
        return store.keyword(match, flt, k, weights=self.bm25_weights)

    def _keyword_beside(self, pq: ParsedQuery, flt: SqlFilter, k: int) -> Future[list[tuple[int, float]]] | None:
        """The hybrid's keyword side started on a worker thread (None: run it here, see `read_beside`)."""
        if not self.parallel or self.all_words_first:
            return None
        lexical = self.lexical_query(pq)
        splits = self._splits(lexical, flt, k)
        return read_beside(self.db, lambda db: self._ranked(SearchStore(db), lexical.match, flt, k, splits))
