"""Search papers: keyword (FTS5 BM25), semantic (FAISS over the query embedding) and hybrid (both,
fused by reciprocal rank), with category / trend / date filters applied before the top-k cut. What a search asks
for and returns (`SearchRequest`, `SearchHit`) is in `search_request`.

`Searcher` is long-lived (the app keeps one): it loads the embedding model and the FAISS index on first
use and reloads the index when `trendscope index` rewrites it. An index file that fails its checksum is rebuilt
from the stored vectors and written again (said in the log), never searched (`search_index`).
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import asdict
from pathlib import Path

import numpy as np
import sqlite_utils

from trendscope.foundation.db import database_path
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.foundation.side_reader import read_beside
from trendscope.foundation.wording import known_names
from trendscope.ingest.records import BadArxivId, parse_arxiv_id

from .compound_words import with_compound_spellings
from .doc_counts import DocCounts
from .embedder import Embedder
from .faiss_index import VectorIndex, index_paths
from .fts_query import ParsedQuery, parse_query
from .keyword_side import KeywordSide
from .known_item import (
    KnownPapers,
    arxiv_ids_query,
    known_first,
    known_papers,
    known_person,
    names_author,
    title_query,
    unknown_person,
)
from .phrase_check import author_names, excluded_author_names, keep_holding, phrase_groups
from .query_encoder import load_query_embedder
from .relevance_floor import (
    WORD_SHARE,
    Z_FROM_BEST,
    has_floor,
    holds_enough_words,
    near_best,
    passes_floor,
    query_features,
)
from .search_hits import search_hits
from .search_index import NO_VECTORS, open_search_index
from .search_request import MAX_LIMIT, SearchHit, SearchRequest, checked_filters, date_window, validate
from .search_store import BM25_WEIGHTS, SearchStore, SqlFilter
from .semantic_side import SemanticSide, with_unembedded
from .spelling import held_nowhere, shared_vocabulary, suggest
from .taxonomy import load_taxonomy
from .vector_store import VectorStore

log = logging.getLogger(__name__)

# Reciprocal-rank fusion: score = sum_i weight_i / (RRF_K + rank_i); tuned on the tuning half of the blind
# search dev set (bench/search_dev_eval.py --tune).
RRF_K = 5
RRF_WEIGHTS = {"keyword": 1.0, "semantic": 1.0}
FUSION_DEPTH = 100  # candidates taken from the semantic side before fusing
# ... and from the keyword side (at least the limit). With RRF_K = 5 a paper at keyword rank 30 adds 1/35 to its
# score, so deeper keyword ranks seldom change the top 10 (tuning half: nDCG@10 0.847 at 30, 0.845 at 100), while
# BM25's top 30 prunes far better than its top 100 (bench/bench_search.py: hybrid p50 about 10 ms lower).
KEYWORD_DEPTH = 30
# "Newest first" orders the most relevant papers by date: this many (or 5x the limit), in every mode, so a date
# sort neither re-sorts only the first page nor lists the newest paper that happens to contain one query word.
DATE_SORT_POOL = 100
# Pseudo-relevance feedback (hybrid only): the query vector moves towards the mean vector of the first fused
# results, then the semantic side is searched again and fused again; 0 documents turns it off.
PRF_DOCS = 10
PRF_WEIGHT = 1.0
# A plain query word found in more than this share of all papers ("model", "learning") adds almost nothing to
# BM25 but makes FTS5 score most of the corpus: hybrid leaves it out of its keyword side (it stays in the embedded
# text) whenever rarer words remain (keyword_side.MIN_RARE_LEFT). 1.0 keeps every word. Keyword mode keeps every
# word: with the keyword side pruned (keyword_pruning.py) common words cost little, and on the tuning half keyword
# mode ranks better with them (nDCG@10 0.792 -> 0.798) while hybrid ranks slightly better without (0.847 against 0.844).
COMMON_SHARE = 0.3
KEYWORD_MODE_COMMON_SHARE = 1.0
PHRASE_DEPTH = 3  # a query requiring a phrase ranks this many times its limit, as the phrase check may drop some


def rrf_fuse(
    ranked: dict[str, list[int]], k: int = RRF_K, weights: dict[str, float] | None = None
) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion of several ranked pk lists -> (pk, fused score), best first."""
    weights = weights or RRF_WEIGHTS
    fused: dict[int, float] = {}
    for name, pks in ranked.items():
        w = weights.get(name, 1.0)
        for rank, pk in enumerate(pks, start=1):
            fused[pk] = fused.get(pk, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def _pool_size(req: SearchRequest, pq: ParsedQuery, phrases: list) -> tuple[int, int]:
    """(how many papers to rank, how many the request wants): a date sort orders a deeper pool, and required
    phrases and au: names are ranked deeper, as their check may drop some."""
    limit = int(req.limit)
    wanted = limit
    if req.sort == "date":
        limit = min(max(DATE_SORT_POOL, 5 * wanted), MAX_LIMIT)
    if (phrases or author_names(pq) or excluded_author_names(pq)) and req.sort != "date":  # so do au: names
        limit = min(PHRASE_DEPTH * wanted, MAX_LIMIT)
    return limit, wanted


class Searcher(KeywordSide, SemanticSide):
    """Answers SearchRequests against one database (+ its FAISS index under the home)."""

    def __init__(self, db: sqlite_utils.Database, home: Home | str | Path,
                 embedder_factory: Callable[[str], Embedder] | None = None,
                 rrf_k: int = RRF_K, rrf_weights: dict[str, float] | None = None, depth: int = FUSION_DEPTH,
                 keyword_depth: int = KEYWORD_DEPTH,
                 bm25_weights: tuple[float, float, float] = BM25_WEIGHTS, all_words_first: bool = False,
                 prf_docs: int = PRF_DOCS, prf_weight: float = PRF_WEIGHT, common_share: float = COMMON_SHARE,
                 keyword_mode_common_share: float = KEYWORD_MODE_COMMON_SHARE,
                 parallel: bool = True, prune: bool = True, compounds: bool = True):
        self.db = db
        self.home = home if isinstance(home, Home) else Home.resolve(home)
        self.store = SearchStore(db)
        self.vectors = VectorStore(db)
        self._factory = embedder_factory or load_query_embedder
        self._embedder: Embedder | None = None
        self._index: VectorIndex | None = None
        self._index_stamp: tuple | None = None
        self._qcache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model_id: str | None = None
        self._model_stamp: tuple | None = None
        self.rrf_k = rrf_k
        self.rrf_weights = rrf_weights or dict(RRF_WEIGHTS)
        self.depth, self.keyword_depth = depth, keyword_depth
        self.bm25_weights = bm25_weights
        self.all_words_first = all_words_first
        self.prf_docs, self.prf_weight = prf_docs, prf_weight
        self.common_share, self.keyword_mode_common_share = common_share, keyword_mode_common_share
        self.prune = prune  # exact top-k BM25 without scoring papers that hold only common words
        self.parallel = parallel  # hybrid: the keyword side on a second connection while the query is embedded
        self.compounds = compounds  # notes: "pretraining" is found in "pre-training" (compound_words.py)
        self.known_items = True  # a query that is a title, a title's name or an arXiv id finds it first
        self.date_floor = True  # newest first lists only papers above the relevance floor (bench: off to compare)
        self.date_floor_from_best: float | None = Z_FROM_BEST  # ... and near the pool's best (None: not)
        self.date_floor_word_share: float | None = WORD_SHARE  # ... holding this share of the words (None: any)
        self._floor_background: tuple[str, np.ndarray] | None = None  # relevance_floor.background_vectors' cache
        self._doc_counts = DocCounts(self.store, database_path(db) or None)

    # -- resources ------------------------------------------------------------------------
    def _stamp(self) -> tuple:
        return tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None
                     for p in index_paths(self.home.index_dir))

    def model(self) -> str | None:
        """The model of the stored vectors (re-read when `trendscope index` rewrites the index files)."""
        stamp = self._stamp()
        if self._model_stamp != stamp or self._model_id is None:
            self._model_id, self._model_stamp = self.vectors.model_in_use(), stamp
        return self._model_id

    def embedder(self) -> Embedder:
        model = self.model()
        if model is None:
            raise TrendscopeError(NO_VECTORS)
        if self._embedder is None or self._embedder.model_id != model:
            self._embedder = self._factory(model)
            self._qcache.clear()
        return self._embedder

    def vector_index(self) -> VectorIndex:
        """The FAISS index (reloaded when its files change; built in memory if missing or unreadable)."""
        stamp = self._stamp()
        if self._index is not None and stamp == self._index_stamp:
            return self._index
        model = self.model()
        if model is None:
            raise TrendscopeError(NO_VECTORS)
        vi = open_search_index(self.home, self.vectors, model)
        # the stamp from before loading: files rewritten meanwhile (by `index`, or a damaged file written again
        # here) are loaded afresh by the next search, never taken for the version in memory
        self._index, self._index_stamp = vi, stamp
        return vi

    # -- search ---------------------------------------------------------------------------
    def papers_in_window(self, since: str | None, until: str | None) -> int:
        """How many stored papers were published in the window (`--since`/`--until` as search reads them): an
        empty result there says nothing about the query."""
        lo, hi = date_window(since, until)
        return int(self.store.filtered_pks(SqlFilter(since=lo, until=hi)).size)

    def search(self, req: SearchRequest) -> list[SearchHit]:
        validate(req)
        allowed: dict[str, np.ndarray] = {}  # filter -> every pk passing it: the feedback round filters again
        pq = self._parsed_query(req)
        base = self._base_filter(req, pq)
        arxiv_ids = arxiv_ids_query(req.query) if self.known_items else None
        if arxiv_ids:  # ids or arXiv addresses: those papers alone, in the order given (ten unrelated ones followed
            #            an id, each "missing: https arxiv org ...", and a pasted list of ids searched for more)
            return self._hits([hit for aid in arxiv_ids for hit in self._stored_paper(aid, base)], None)
        phrases = phrase_groups(pq)  # required phrases hold as written (phrase_check.py): ranked deeper, then kept
        limit, wanted = _pool_size(req, pq, phrases)
        known = self._known_beside(req.query, base, limit) if self.known_items and req.sort != "date" else None
        mode = self._effective_mode(req.mode, pq)
        ranked = self._mode_ranked(mode, pq, base, limit, allowed)
        if mode == "semantic":  # its words are embedded, not matched (index.md): phrases do not filter it
            phrases = []
        ranked = keep_holding(self._authors_named(pq, ranked), phrases, self._texts)
        if self.known_items and req.sort != "date":
            ranked = self._known_papers_first(req.query, pq, base, ranked, known, limit, mode)
        if req.sort == "date":
            # the newest papers matching the au: stem are checked too (`au:Manning` newest first began with papers
            # of "Yong Man Ro": a blind walkthrough)
            ranked = keep_holding(self._authors_named(pq, self._with_newest_matches(pq, base, ranked, limit)),
                                  phrases, self._texts)
            ranked = self._newest_first(req.query, pq, ranked, wanted)
        ranked = ranked[:wanted]
        # the snippets come from porter's index, which holds "pre-training" as two words: the notes and snippets get
        # a compound's other spellings (the ranking's keyword index holds the joined word: foundation.stemming)
        return self._hits(ranked, with_compound_spellings(pq, self._doc_count) if self.compounds else pq)

    def _parsed_query(self, req: SearchRequest) -> ParsedQuery:
        pq = parse_query(req.query, all_words=req.all_words)
        if self.compounds and pq.required:
            # a required word holds in its other spellings too: `--all-words "pretraining speech"` dropped the
            # papers writing "pre-training", which the "missing" notes said held every word (a blind docs audit);
            # optional words rank as typed (spellings OR-ed into the ranking lost 0.01 nDCG@10: performance.md)
            pq = with_compound_spellings(pq, self._doc_count, required_only=True)
        return pq

    def _base_filter(self, req: SearchRequest, pq: ParsedQuery) -> SqlFilter:
        """The request's filters and the query's cat: items, spelled as the corpus spells them."""
        since, until = date_window(req.since, req.until)
        trends = self._trend_names(req.trends)
        return SqlFilter(
            categories=self._categories([*req.categories, *pq.categories], trends),
            # `-cat:cs.cv` excluded nothing (the filter compares the corpus's spelling) and `-cat:cs.XX` passed
            # without a word, while `-c cs.XX` was refused (a blind walkthrough): spelled and checked alike
            excluded_categories=self._categories(pq.excluded_categories, []) if req.strict_exclusions else
            [c for c in map(self.store.category_spelling, pq.excluded_categories) if c],
            trends=trends,
            since=since,
            until=until,
        )

    def _effective_mode(self, mode: str, pq: ParsedQuery) -> str:
        """The mode asked for, or keyword where hybrid has nothing to embed or no embeddings to search."""
        if mode == "semantic" and not pq.semantic_text:
            raise TrendscopeError("semantic search needs words to embed (author-only or category-only "
                                  "queries work with --mode keyword)")
        if mode == "hybrid" and (not pq.semantic_text or self.model() is None):
            if pq.semantic_text:
                log.warning("no embeddings yet: keyword results only (run `trendscope index`)")
            mode = "keyword"
        return mode

    def _mode_ranked(self, mode: str, pq: ParsedQuery, base: SqlFilter, limit: int,
                allowed: dict[str, np.ndarray]) -> list[tuple[int, float]]:
        if mode == "keyword":
            flt = SqlFilter(**{**asdict(base), "exclude_match": None if pq.match else pq.exclude_match})
            return self._keyword(pq, flt, limit, "relevance", self.keyword_mode_common_share)
        if mode == "semantic":
            return self._semantic(pq, base, limit, allowed=allowed)
        return self._hybrid(pq, base, limit, allowed)

    def _hybrid(self, pq: ParsedQuery, base: SqlFilter, limit: int,
                allowed: dict[str, np.ndarray]) -> list[tuple[int, float]]:
        """Both sides fused by reciprocal rank, then the semantic side again with feedback from the first results."""
        depth, kw_depth = max(self.depth, limit), max(self.keyword_depth, limit)
        kw_job = self._keyword_beside(pq, base, kw_depth) if pq.match else None
        sem = self._semantic(pq, base, depth, allowed=allowed, strict=True)
        if kw_job is not None:
            kw = kw_job.result()
        else:
            kw = self._keyword(pq, base, kw_depth, "relevance") if pq.match else []
        fresh = self.embedded_now([pk for pk, _ in kw])  # none on a home that is fully indexed
        sem = with_unembedded(sem, self.embed_query(pq.semantic_text), fresh, depth)
        fused = rrf_fuse({"keyword": [pk for pk, _ in kw], "semantic": [pk for pk, _ in sem]},
                         self.rrf_k, self.rrf_weights)
        if self.prf_docs > 0 and self.prf_weight > 0 and fused:
            sem = self._semantic(pq, base, depth, feedback=[pk for pk, _ in fused[:self.prf_docs]],
                                 allowed=allowed, strict=True, unembedded=fresh)
            fused = rrf_fuse({"keyword": [pk for pk, _ in kw], "semantic": [pk for pk, _ in sem]},
                             self.rrf_k, self.rrf_weights)
        return fused[:limit]

    def _known_papers_first(self, query: str, pq: ParsedQuery, base: SqlFilter, ranked: list[tuple[int, float]],
                            known: Future[KnownPapers] | None, limit: int, mode: str) -> list[tuple[int, float]]:
        """The papers the query names (a title, a person's papers) first (`known_item`)."""
        found = known.result() if known is not None else self._known_items(self.store, query, base, limit)
        if found.person and found.pks and mode == "hybrid" and pq.all_match:
            # after a person's papers, papers near the name by meaning alone ("Tang poems" for "Lijuan Wang",
            # each "missing: Lijuan, Wang": a blind walkthrough) or by another "Wang" say nothing: only those
            # holding the whole name stay
            whole = {pk for pk, _ in self.store.keyword(pq.all_match, base, max(limit, 100))}
            ranked = [r for r in ranked if r[0] in whole]
        return known_first(ranked, found.pks, limit, found.cap)

    def _texts(self, pks: list[int]) -> dict[int, tuple[str, str]]:
        """pk -> (title, abstract), for the phrase check."""
        return {pk: (row.title or "", row.abstract or "") for pk, row in self.store.rows(pks).items()}

    def _known_beside(self, query: str, flt: SqlFilter, limit: int) -> Future[KnownPapers] | None:
        """`_known_items` on a worker thread, beside the ranking (a few ms at p50 on the full corpus)."""
        if not self.parallel or title_query(query) is None:
            return None
        return read_beside(self.db, lambda db: self._known_items(SearchStore(db), query, flt, limit))

    def _known_items(self, store: SearchStore, query: str, flt: SqlFilter, limit: int) -> KnownPapers:
        return known_papers(store, query, flt, limit, self.bm25_weights)

    def _authors_named(self, pq: ParsedQuery, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        """Only papers where one author is each `au:` name, as written: FTS5 reads the authors as one stemmed text,
        so `au:"Song Han"` also matched "Wenxuan Song, Han Zhao" and "Juntong Song, Hanning Zhang", and
        `au:Manning` (stem "man") "Yong Man Ro" and "Chi-Man Pun" (two blind walkthroughs)."""
        names, unwanted = author_names(pq), excluded_author_names(pq)
        if not (names or unwanted) or not ranked:
            return ranked
        rows = self.store.rows([pk for pk, _ in ranked])
        return [r for r in ranked if r[0] in rows and all(
            any(names_author(words, rows[r[0]].authors) for words in group) for group in names) and not any(
            names_author(words, rows[r[0]].authors) for words in unwanted)]

    def _stored_paper(self, arxiv_id: str, flt: SqlFilter) -> list[tuple[int, float]]:
        pk = self.store.pk_of(arxiv_id)
        return [(pk, 1.0)] if pk is not None and len(self.store.filtered_pks(flt, [pk])) else []

    def _newest_first(self, query: str, pq: ParsedQuery, ranked: list[tuple[int, float]],
                      wanted: int) -> list[tuple[int, float]]:
        """The relevance pool ordered by date, newest first, keeping only papers above the query's relevance floor
        (`relevance_floor.py`): in a narrow date window the pool's tail is papers that share one word, and the
        newest of them would come first; over a wide one, papers that share the query's words or field but not its
        topic. A query of fields only (au:, cat:) has no floor: every hit matched it."""
        if self.date_floor and has_floor(query):
            feats = query_features(self, query, [pk for pk, _ in ranked], embed_text=pq.semantic_text)
            ranked = [r for r in ranked if passes_floor(feats[r[0]], words_without_vectors=True)]
            if self.date_floor_word_share is not None:
                ranked = [r for r in ranked if holds_enough_words(feats[r[0]], self.date_floor_word_share)]
            if self.date_floor_from_best is not None:  # near the best of what is left
                ranked = near_best(ranked, feats, self.date_floor_from_best)
        published = self.store.published_of([pk for pk, _ in ranked])
        return sorted(ranked, key=lambda r: (published.get(r[0]) or "", r[0]), reverse=True)[:wanted]

    def known_person(self, query: str) -> tuple[str, int] | None:
        """(name, papers listing it) when the query is a stored author's name, whose papers come first."""
        return known_person(self.store, query) if self.known_items else None

    def unknown_person(self, query: str) -> str | None:
        """The person's name the query seems to be, when no stored paper lists it as an author's (`known_item`)."""
        return unknown_person(self.store, query)

    def did_you_mean(self, query: str) -> str | None:
        """The query with words that (almost) no paper holds corrected to words many titles use (`spelling`)."""
        if arxiv_ids_query(query):
            return None
        return suggest(query, self._doc_count, lambda: shared_vocabulary(
            database_path(self.db) or None, self.store.fts_stamp(), self.store.titles))

    def held_nowhere(self, query: str, fixed: str) -> list[str]:
        """The words `did_you_mean` corrected that no stored paper holds at all (`spelling.held_nowhere`)."""
        return held_nowhere(query, fixed, self._doc_count)

    def similar(self, arxiv_id: str, limit: int = 10, categories: list[str] | None = None,
                since: str | None = None, until: str | None = None) -> list[SearchHit]:
        """Papers nearest to a stored paper's vector (the paper itself excluded)."""
        try:
            aid, _ = parse_arxiv_id(arxiv_id)
        except BadArxivId as exc:
            raise TrendscopeError(str(exc)) from None
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise TrendscopeError(f"limit must be between 1 and {MAX_LIMIT}")
        pk = self.store.pk_of(aid)
        if pk is None:
            raise TrendscopeError(f"paper {aid} is not stored: `trendscope ingest --id {aid}` adds it, then "
                                  "`trendscope index`")
        model = self.model()
        vec = self.vectors.get([pk], model).get(pk) if model else None
        if vec is None:
            raise TrendscopeError(f"paper {aid} has no embedding yet: run `trendscope index`")
        since, until = date_window(since, until)
        flt = SqlFilter(categories=self._categories(categories or [], []), since=since, until=until)
        return self._hits(self.nearest(vec, int(limit), flt, exclude={pk}), None)

    def _trend_names(self, trends: Sequence[str]) -> list[str]:
        """The trends as the taxonomy (or the stored tags) spell them, whatever their case ("Efficiency")."""
        if not trends:
            return []
        known = load_taxonomy(self.home.taxonomy_path).names
        folded = {k.casefold() for k in known}
        if any(t.casefold() not in folded for t in trends):  # also a trend papers are tagged with, since removed
            known = list(dict.fromkeys([*known, *self.store.known_trends()]))
        return known_names(trends, known)

    def _categories(self, categories: list[str], trends: list[str]) -> list[str]:
        """The categories as the corpus spells them; `trends` are `_trend_names`' (checked already)."""
        return checked_filters(categories, trends, trends, self.store.category_spelling)

    def _hits(self, ranked: list[tuple[int, float]], pq: ParsedQuery | None) -> list[SearchHit]:
        return search_hits(self.store, ranked, pq)
