"""Search with filters: categories, trends and dates apply before the top-k cut; modes; similar."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from search_fixture import TEST_TREND, tag

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.fts_query import parse_query
from trendscope.index.relevance_floor import (
    Z_FROM_BEST,
    holds_enough_words,
    near_best,
    passes_floor,
    query_features,
)
from trendscope.index.search import Searcher, SearchRequest, rrf_fuse
from trendscope.index.search_store import SqlFilter
from trendscope.index.vector_store import VectorStore

MODES = ("keyword", "semantic", "hybrid")


def all_rows(db):
    return db.execute("SELECT pk, id, title, published, categories FROM papers").fetchall()


def rare_category(db, at_least=12):
    counts = Counter(c for (c,) in db.execute("SELECT category FROM paper_categories").fetchall())
    return min((n, c) for c, n in counts.items() if n >= at_least)[1]


def brute_force(db, searcher, text, allowed_pks, k):
    """(pk, similarity) of the k most similar allowed papers, best first."""
    model = searcher.model()
    vecs = VectorStore(db).get(allowed_pks, model)
    q = searcher.embed_query(text)
    ranked = sorted(((pk, float(vecs[pk] @ q)) for pk in vecs), key=lambda x: -x[1])
    return ranked[:k]


@pytest.mark.parametrize("mode", MODES)
def test_category_filter_still_returns_k(searchable, mode):
    home, db, searcher = searchable
    cat = rare_category(db)
    members = {pk for (pk,) in db.execute("SELECT pk FROM paper_categories WHERE category = ?", [cat]).fetchall()}
    query = "learning" if mode == "keyword" else "neural networks for language and vision"
    hits = searcher.search(SearchRequest(query, mode=mode, categories=[cat], limit=10))
    matching = len(members) if mode != "keyword" else len(
        searcher.search(SearchRequest(query, mode="keyword", categories=[cat], limit=1000)))
    assert len(hits) == min(10, matching) and len(hits) > 0
    assert all(h.pk in members and cat in h.categories for h in hits)


def test_selective_semantic_filter_equals_brute_force_over_the_allowed_set(searchable):
    home, db, searcher = searchable
    cat = rare_category(db)
    members = [pk for (pk,) in db.execute("SELECT pk FROM paper_categories WHERE category = ?", [cat]).fetchall()]
    text = "probabilistic models of data"
    hits = searcher.search(SearchRequest(text, mode="semantic", categories=[cat], limit=10))
    exact = brute_force(db, searcher, text, members, 10)
    sims = {pk: s for pk, s in brute_force(db, searcher, text, members, len(members))}
    # the same similarities in the same order (papers of equal similarity may trade places)
    assert [round(sims[h.pk], 5) for h in hits] == [round(s, 5) for _, s in exact]


@pytest.mark.parametrize("mode", MODES)
def test_trend_filter(searchable, mode):
    home, db, searcher = searchable
    pks = [r[0] for r in all_rows(db)][::13]  # 16 papers with a test tag
    tag(db, pks)
    hits = searcher.search(SearchRequest("model", mode=mode, trends=[TEST_TREND], limit=10))
    assert hits and all(h.pk in set(pks) for h in hits)
    if mode != "keyword":
        assert len(hits) == 10
    # a trend's name in another case is the trend, as a category's is
    cased = searcher.search(SearchRequest("model", mode=mode, trends=[TEST_TREND.upper()], limit=10))
    assert [h.pk for h in cased] == [h.pk for h in hits]
    with pytest.raises(TrendscopeError, match=r"unknown trend\(s\): no_such_trend \(known: multimodal, "):
        searcher.search(SearchRequest("model", mode=mode, trends=["no_such_trend"]))  # a typo, not "no results"


def test_a_category_is_matched_ignoring_case_and_an_absent_one_is_an_error(searchable):
    home, db, searcher = searchable
    cat = rare_category(db)
    for mode in MODES:
        exact = searcher.search(SearchRequest("learning", mode=mode, categories=[cat], limit=20))
        assert exact and [h.id for h in searcher.search(SearchRequest(
            "learning", mode=mode, categories=[cat.swapcase()], limit=20))] == [h.id for h in exact]
        assert [h.id for h in searcher.search(SearchRequest(f"learning cat:{cat.lower()}", mode=mode, limit=20))] \
            == [h.id for h in exact]
        with pytest.raises(TrendscopeError, match=r"no paper in category cs\.XX \(categories are written like"):
            searcher.search(SearchRequest("learning", mode=mode, categories=[cat, "cs.XX"]))
    with pytest.raises(TrendscopeError, match=r"no paper in category cs\.XX"):
        searcher.similar(all_rows(db)[0][1], categories=["cs.XX"])


@pytest.mark.parametrize("mode", MODES)
def test_an_excluded_category_is_matched_ignoring_case_and_an_absent_one_is_an_error(searchable, mode):
    """A blind walkthrough: `diffusion -cat:cs.cv` gave 28 cs.CV papers of 50 (only `cs.CV` as the corpus writes
    it excluded them), and `-cat:cs.XX` passed without a word while `-c cs.XX` was refused."""
    home, db, searcher = searchable
    cat = rare_category(db)
    within = {h.id for h in searcher.search(SearchRequest("learning", mode=mode, categories=[cat], limit=50))}
    assert within
    for written in (cat, cat.lower(), cat.upper()):
        ids = {h.id for h in searcher.search(SearchRequest(f"learning -cat:{written}", mode=mode, limit=50))}
        assert ids and not ids & within, written
    with pytest.raises(TrendscopeError, match=r"no paper in category cs\.XX"):
        searcher.search(SearchRequest("learning -cat:cs.XX", mode=mode))


def test_a_window_that_ends_before_it_starts_is_an_error(searchable):
    home, db, searcher = searchable
    with pytest.raises(TrendscopeError, match=r"empty window: --since 2025 \(2025-01-01\) is after --until 2024 "):
        searcher.search(SearchRequest("learning", since="2025", until="2024"))
    assert searcher.search(SearchRequest("learning", since="2019-03", until="2019-03"))  # one month: both ends in


@pytest.mark.parametrize("mode", MODES)
def test_date_filters_are_inclusive_and_accept_years_and_months(searchable, mode):
    home, db, searcher = searchable
    hits = searcher.search(SearchRequest("learning", mode=mode, since="2018", until="2019-06", limit=50))
    assert hits and all("2018-01-01" <= h.published <= "2019-06-30" for h in hits)
    in_range = db.execute(
        "SELECT count(*) FROM papers WHERE published BETWEEN '2018-01-01' AND '2019-06-30'"
    ).fetchone()[0]
    if mode == "semantic":
        assert len(hits) == min(50, in_range)


def test_sort_by_date(searchable):
    home, db, searcher = searchable
    for mode in MODES:
        hits = searcher.search(SearchRequest("neural network", mode=mode, sort="date", limit=15))
        dates = [h.published for h in hits]
        assert hits and dates == sorted(dates, reverse=True)
        # the newest of the most relevant papers (and of the newest papers holding every word) above the relevance
        # floor and near the best of them
        pool = searcher.search(SearchRequest("neural network", mode=mode, limit=100))
        seen = {h.pk for h in pool}
        every_word = parse_query("neural network").all_match_excluding
        newest_both = [pk for pk, _ in searcher.store.keyword(every_word, SqlFilter(), 100, order="newest")]
        pool += [h for h in searcher._hits([(pk, 0.0) for pk in newest_both if pk not in seen], None)]
        feats = query_features(searcher, "neural network", [h.pk for h in pool], embed_text="neural network")
        above = [h for h in pool if _date_sorted_keeps(feats, h.pk)]
        newest = sorted(above, key=lambda h: (h.published, h.pk), reverse=True)[:15]
        assert [h.id for h in hits] == [h.id for h in newest]
        # with the floor alone (the test embedder's similarities are spread unlike MiniLM's, so "near the best"
        # may keep few here): 15 papers, not a re-sort of the first page
        shipped, searcher.date_floor_from_best = searcher.date_floor_from_best, None
        try:
            floored = searcher.search(SearchRequest("neural network", mode=mode, sort="date", limit=15))
        finally:
            searcher.date_floor_from_best = shipped
        assert len(floored) == 15 and {h.id for h in floored} != {h.id for h in pool[:15]}


def _date_sorted_keeps(feats: dict[int, dict], pk: int) -> bool:
    """What newest first keeps of a relevance pool: above the floor holding enough of the query's words, and near
    the best similarity of those or holding the query as a phrase."""
    def above(f: dict) -> bool:
        return passes_floor(f, words_without_vectors=True) and holds_enough_words(f)
    best = max(f["z"] for f in feats.values() if above(f))
    f = feats[pk]
    return above(f) and (f["phrase"] or f["z"] >= best - Z_FROM_BEST)


def test_newest_first_lists_a_paper_found_by_similarity_alone_only_when_it_holds_most_of_the_words(searchable,
                                                                                                   monkeypatch):
    """A blind walkthrough: "membership inference attacks on diffusion models" newest first listed "Agent Based
    Rumor Spreading in a scale-free network" and "Integral Privacy for Sampling" (MiniLM: 5 sd closer than a random
    paper) above the on-topic papers; by relevance the keyword side kept them down, by date nothing did."""
    def f(word_share, **kw):
        return {"z": 5.0, "vectors": True, "phrase": False, "all_words": False, "word_share": word_share, **kw}

    assert not holds_enough_words(f(0.0)) and not holds_enough_words(f(0.25)) and not holds_enough_words(f(0.5))
    assert holds_enough_words(f(0.75)) and holds_enough_words(f(1.0))  # three of four words, every word
    assert not holds_enough_words(f(2 / 3))  # two of three words (as measured: 0.67 asks for all of three)
    assert holds_enough_words(f(0.0, phrase=True)) and holds_enough_words(f(0.5, all_words=True))
    assert holds_enough_words(f(0.0, vectors=False))  # nothing to judge its similarity by: the words decided
    # in the search: the pool's papers as the walkthrough saw them, one close by meaning that holds one word of
    # four (and is the newest), one that holds every word; the similarity of the first no longer sets the best
    _home, _db, searcher = searchable
    pool = [h.pk for h in searcher.search(SearchRequest("neural network training", limit=100))]
    published = searcher.store.published_of(pool)
    newest, other = sorted(pool, key=lambda pk: published[pk], reverse=True)[:2]
    fake = {pk: f(0.0, z=0.0) for pk in pool}
    fake[newest] = f(0.25, z=9.0)
    fake[other] = f(1.0, z=5.0, all_words=True)

    def features(*_args, **_kw):
        return fake
    monkeypatch.setattr("trendscope.index.search.query_features", features)
    assert [h.pk for h in searcher.search(SearchRequest("neural network training", sort="date"))] == [other]
    monkeypatch.setattr(searcher, "date_floor_word_share", None)  # without it: the newest, and it is the best
    assert [h.pk for h in searcher.search(SearchRequest("neural network training", sort="date"))] == [newest]


def test_near_best_keeps_papers_close_to_the_pools_best_similarity():
    """Over all dates the floor still admitted papers holding every query word but about something else (a
    study of a different problem that mentions both words); newest first listed the newest of them first."""
    feats = {1: {"z": 9.0, "vectors": True}, 2: {"z": 7.6, "vectors": True}, 3: {"z": 7.4, "vectors": True},
             4: {"z": 2.1, "vectors": False}, 5: {"z": 12.0, "vectors": True}}
    for f in feats.values():
        f["phrase"] = False
    ranked = [(3, 0.1), (1, 0.15), (2, 0.2), (4, 0.3)]  # those above the floor (5 is not: it is not the best)
    assert near_best(ranked, feats, 1.5) == [(1, 0.15), (2, 0.2), (4, 0.3)]  # 7.4 < 9.0 - 1.5; 4: not judged
    assert near_best(ranked, feats, 2.0) == ranked
    assert near_best([(3, 0.1)], feats, 0.0) == [(3, 0.1)]  # the best above the floor always stays
    # a paper naming the query as a phrase stays however close another is: one short paper whose title is the
    # query's words pushed out every paper with "Speculative Decoding" in its title (a blind walkthrough)
    feats[3]["phrase"] = True
    assert near_best(ranked, feats, 1.5) == ranked
    no_vectors = {pk: {**f, "vectors": False} for pk, f in feats.items()}
    assert near_best(ranked, no_vectors, 0.0) == ranked


def test_newest_first_lists_only_papers_about_the_query(searchable):
    """In a narrow date window the relevance pool's tail is papers that share one word with the query; newest
    first used to list the newest of them first ("speculative decoding" in one week: ten unrelated papers)."""
    home, db, searcher = searchable
    query, window = "language models", dict(since="2022", until="2022")  # 16 papers in the window
    by_relevance = searcher.search(SearchRequest(query, mode="hybrid", limit=50, **window))
    newest = searcher.search(SearchRequest(query, mode="hybrid", sort="date", limit=50, **window))
    feats = query_features(searcher, query, [h.pk for h in by_relevance], embed_text=query)
    assert newest and len(newest) < len(by_relevance)
    assert {h.pk for h in newest} == {h.pk for h in by_relevance if _date_sorted_keeps(feats, h.pk)}
    searcher.date_floor = False  # the bench's comparison: the pool by date, as before
    try:
        unfloored = searcher.search(SearchRequest(query, mode="hybrid", sort="date", limit=50, **window))
    finally:
        searcher.date_floor = True
    assert {h.pk for h in unfloored} == {h.pk for h in by_relevance}
    # a query of fields only has no floor: every hit matched the field
    category = by_relevance[0].categories[0]
    by_field = searcher.search(SearchRequest(f"cat:{category}", mode="keyword", limit=50, **window))
    dated = searcher.search(SearchRequest(f"cat:{category}", mode="keyword", sort="date", limit=50, **window))
    assert by_field and {h.pk for h in dated} == {h.pk for h in by_field}


def test_one_word_is_a_phrase_only_in_the_title(searchable):
    """`hallucination --sort date` listed mostly papers that mention the word once in their abstract (HDR imaging,
    MRI refinement): a single word counted as the query's phrase wherever it stood, and a phrase passes the floor
    at any similarity (a blind walkthrough). A one-word query's phrase is now the word in the title; elsewhere the
    paper needs the similarity a paper holding every word of a longer query needs."""
    home, db, searcher = searchable
    words = Counter(w for (t,) in db.execute("SELECT title FROM papers").fetchall()
                    for w in set(t.lower().split()) if w.isalpha() and len(w) > 6)
    pks = [pk for (pk,) in db.execute("SELECT pk FROM papers")]

    def holding(column, word):
        return {pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?",
                                           [f'{column} : "{word}"'])}

    word = next(w for w, n in words.most_common() if n >= 3 and holding("abstract", w) - holding("title", w))
    feats = query_features(searcher, word, pks, embed_text=word)
    in_title, anywhere = holding("title", word), {pk for pk, f in feats.items() if f["all_words"]}
    assert {pk for pk, f in feats.items() if f["phrase"]} == in_title and anywhere > in_title
    assert all(passes_floor(feats[pk]) == (feats[pk]["z"] >= 2.0)
               for pk in anywhere - in_title)
    newest = {h.pk for h in searcher.search(SearchRequest(word, mode="hybrid", sort="date", limit=100))}
    assert in_title <= newest and all(feats[pk]["z"] >= 2.0 for pk in newest - in_title)
    ti = query_features(searcher, f"ti:{word}", pks, embed_text=word)  # a field: holding it is the phrase
    assert {pk for pk, f in ti.items() if f["phrase"]} == in_title
    # an OR alternative of one word is judged the same way: `LoRA OR "low-rank adaptation"` newest first lost
    # papers with LoRA in the title that `LoRA` alone lists (a blind walkthrough)
    either = query_features(searcher, f'{word} OR "zzzz qqqq"', pks)
    assert in_title <= {pk for pk, f in either.items() if f["phrase"]}
    listed = {h.pk for h in searcher.search(SearchRequest(f'{word} OR "zzzz qqqq"', mode="hybrid", sort="date",
                                                          limit=100))}
    assert in_title <= listed


def test_newest_first_keeps_every_paper_a_title_field_query_names(searchable):
    """`ti:LoRA --sort date` left out one of four papers with LoRA in the title: the floor read the query's words
    with the field name ("ti LoRA"), so no paper held them as a phrase and "near the best" cut one."""
    home, db, searcher = searchable
    words = Counter(w for (t,) in db.execute("SELECT title FROM papers").fetchall()
                    for w in set(t.lower().split()) if w.isalpha() and len(w) > 5)
    word = next(w for w, n in words.most_common() if 4 <= n <= 10)
    for query in (f"ti:{word}", f"ti:{word} -zzzz"):
        feats = query_features(searcher, query, [pk for (pk,) in db.execute("SELECT pk FROM papers")],
                               embed_text=word)
        holding = {pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?",
                                              [f'title : "{word}"'])}
        assert holding and {pk for pk, f in feats.items() if f["phrase"]} == holding
        by_relevance = searcher.search(SearchRequest(query, mode="keyword", limit=50))
        newest = searcher.search(SearchRequest(query, mode="keyword", sort="date", limit=50))
        assert {h.pk for h in newest} == {h.pk for h in by_relevance} == holding


def test_hybrid_results_from_either_side_hold_the_required_items(searchable):
    """`ti:word`, "a phrase" and +word filter hybrid's semantic side too: the date sort's deeper pool used to
    bring in papers without them (only `au:` was applied there)."""
    home, db, searcher = searchable
    words = Counter(w for (t,) in db.execute("SELECT title FROM papers").fetchall()
                    for w in set(t.lower().split()) if w.isalpha() and len(w) > 6)
    word = next(w for w, n in words.most_common() if 3 <= n <= 8)
    for query, match in ((f"ti:{word} neural network", f'title : "{word}"'),
                         (f'"{word}" neural network', f'"{word}"'), (f"+{word} neural network", f'"{word}"')):
        holding = {pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", [match])}
        for sort in ("relevance", "date"):
            hits = searcher.search(SearchRequest(query, mode="hybrid", sort=sort, limit=15))
            # (newest first may list none: the relevance floor also asks for the plain words or a close meaning)
            assert (hits or sort == "date") and {h.pk for h in hits} <= holding, (query, sort)
        searcher.date_floor = False
        try:
            hits = searcher.search(SearchRequest(query, mode="hybrid", sort="date", limit=15))
        finally:
            searcher.date_floor = True
        assert hits and {h.pk for h in hits} <= holding, query
    # semantic mode embeds those words instead (only au: and exclusions filter there)
    hits = searcher.search(SearchRequest(f"ti:{word} neural network", mode="semantic", limit=15))
    assert len(hits) == 15


def test_semantic_finds_a_paper_from_its_title(searchable):
    home, db, searcher = searchable
    for pk, pid, title, *_ in all_rows(db)[::40]:
        hits = searcher.search(SearchRequest(title, mode="semantic", limit=3))
        assert pid in [h.id for h in hits]


def test_hybrid_fuses_both_rankings(searchable):
    home, db, searcher = searchable
    searcher = Searcher(db, home, searcher._factory, prf_docs=0)  # plain fusion (feedback: the next test)
    q = "speech recognition"
    kw = [h.pk for h in searcher.search(SearchRequest(q, mode="keyword", limit=100))]
    sem = [h.pk for h in searcher.search(SearchRequest(q, mode="semantic", limit=100))]
    hyb = searcher.search(SearchRequest(q, mode="hybrid", limit=10))
    expected = [pk for pk, _ in rrf_fuse({"keyword": kw, "semantic": sem}, searcher.rrf_k, searcher.rrf_weights)[:10]]
    assert [h.pk for h in hyb] == expected
    assert all(h.title and h.published and h.categories is not None for h in hyb)


def test_hybrid_feedback_searches_again_from_the_first_fused_papers(searchable):
    home, db, searcher = searchable
    q = "speech recognition"
    plain = Searcher(db, home, searcher._factory, prf_docs=0)
    first = [h.pk for h in plain.search(SearchRequest(q, mode="hybrid", limit=searcher.prf_docs))]
    kw = [h.pk for h in searcher.search(SearchRequest(q, mode="keyword", limit=100))]
    vecs = searcher.vectors.get(first, searcher.model())
    qv = searcher.embed_query(q) + searcher.prf_weight * np.mean(list(vecs.values()), axis=0)
    sem = [pk for pk, _ in searcher.nearest((qv / np.linalg.norm(qv)).astype(np.float32), 100)]
    expected = [pk for pk, _ in rrf_fuse({"keyword": kw, "semantic": sem}, searcher.rrf_k, searcher.rrf_weights)[:10]]
    assert [h.pk for h in searcher.search(SearchRequest(q, mode="hybrid", limit=10))] == expected


def test_exclusion_and_author_items_apply_in_semantic_mode(searchable):
    home, db, searcher = searchable
    hits = searcher.search(SearchRequest("neural network -learning", mode="semantic", limit=20))
    assert hits and all("learn" not in (h.title + " " + h.abstract).lower() for h in hits)
    author = next(a for (a,) in db.execute("SELECT authors FROM papers WHERE authors != '[]'").fetchall())
    surname = __import__("json").loads(author)[0].split()[-1]
    hits = searcher.search(SearchRequest(f"au:{surname} models", mode="semantic", limit=5))
    assert hits and all(any(surname.lower() in a.lower() for a in h.authors) for h in hits)


def test_similar(searchable):
    home, db, searcher = searchable
    pk, pid, *_ = all_rows(db)[17]
    hits = searcher.similar(f"https://arxiv.org/abs/{pid}v3", 5)
    assert len(hits) == 5 and pid not in [h.id for h in hits]
    vecs = VectorStore(db).get([r[0] for r in all_rows(db)], searcher.model())
    ranked = sorted((p for p in vecs if p != pk), key=lambda p: -float(vecs[p] @ vecs[pk]))
    assert [h.pk for h in hits] == ranked[:5]
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and np.isclose(
        scores[0], float(vecs[ranked[0]] @ vecs[pk]), atol=1e-4
    )
    with pytest.raises(TrendscopeError, match="is not stored: `trendscope ingest --id"):
        searcher.similar("2512.99998")
    with pytest.raises(TrendscopeError, match="not an arXiv id"):
        searcher.similar("'; DROP TABLE papers")


@pytest.mark.parametrize("req,needle", [
    (dict(mode="fuzzy"), "unknown search mode"), (dict(sort="stars"), "unknown sort"), (dict(limit=0), "limit"),
    (dict(since="last week"), "--since: not a date"), (dict(until="2024-13"), "--until: not a date"),
])
def test_bad_requests_are_clear_errors(searchable, req, needle):
    home, db, searcher = searchable
    with pytest.raises(TrendscopeError, match=needle):
        searcher.search(SearchRequest("graphs", **req))


def test_one_search_asks_for_a_filters_papers_once_and_the_next_search_sees_changes(tmp_path, sample_rows,
                                                                                   embedder, monkeypatch):
    from index_support import make_home, paper_from_row, spread

    from trendscope.index.indexer import run_index
    from trendscope.index.search_store import SearchStore
    from trendscope.ingest.store import PaperStore

    rows = spread(sample_rows, 300)
    home, db = make_home(tmp_path / "home", rows)
    run_index(db, home, progress=False, embedder=embedder)
    searcher = Searcher(db, home, lambda model: embedder, depth=20)  # 8 x 20 candidates of 300 papers
    cat = rare_category(db, at_least=3)
    members = db.execute("SELECT count(*) FROM paper_categories WHERE category = ?", [cat]).fetchone()[0]
    assert members < 10  # 160 candidates hold fewer than 20 of them: the search runs over the filter's papers
    full_lists = []
    original = SearchStore.filtered_pks

    def spy(self, flt, among=None):
        if among is None:
            full_lists.append(flt.categories)
        return original(self, flt, among)

    monkeypatch.setattr(SearchStore, "filtered_pks", spy)
    req = SearchRequest("neural networks for language", mode="hybrid", categories=[cat], limit=10)
    first = searcher.search(req)
    assert len(first) == members and all(cat in h.categories for h in first)
    assert full_lists == [[cat]]  # the feedback round reused the filter's papers
    # a paper moved into the category: the next search with the same Searcher sees it
    outsider = next(r for r in rows if cat not in r["categories"])
    counts = PaperStore(db).upsert([paper_from_row(outsider, categories=[*outsider["categories"], cat],
                                                   version=int(outsider.get("version") or 1) + 1)])
    assert counts.updated == 1
    assert outsider["id"] in [h.id for h in searcher.search(req)]


def test_newest_first_takes_every_paper_holding_the_required_items(searchable, monkeypatch):
    """A blind walkthrough: `ti:"speculative decoding"` newest first began weeks before the newest titles holding
    the phrase, which ranked below the relevance pool. Papers holding the required items are all candidates."""
    from trendscope.index import search as search_module

    _home, db, searcher = searchable
    holders = [pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'abstract : learning'")]
    newest = max(holders, key=lambda pk: (db.execute("SELECT published FROM papers WHERE pk = ?", [pk])
                                          .fetchone()[0], pk))
    monkeypatch.setattr(search_module, "DATE_SORT_POOL", 1)  # a pool of 5 (5 x the limit) of many holders
    searcher.date_floor = False
    try:
        for mode in MODES:
            hits = searcher.search(SearchRequest("abs:learning", mode=mode, sort="date", limit=1))
            assert [h.pk for h in hits] == [newest], mode
            pool = searcher.search(SearchRequest("abs:learning", mode=mode, limit=5))
            assert newest not in [h.pk for h in pool]  # it was not among the most relevant
        # a plain query: the newest papers holding every word are candidates too ("speculative decoding" began
        # at 2026-06-02 while 9 newer titles said it: a blind walkthrough)
        both = [pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'speech AND model'")]
        newest_both = max(both, key=lambda pk: (db.execute("SELECT published FROM papers WHERE pk = ?", [pk])
                                                .fetchone()[0], pk))
        for mode in MODES:
            hits = searcher.search(SearchRequest("speech model", mode=mode, sort="date", limit=1))
            assert [h.pk for h in hits] == [newest_both], mode
    finally:
        searcher.date_floor = True


def test_an_or_query_is_judged_by_its_best_alternative(searchable):
    """A blind walkthrough: the digest of `"membership inference" OR "machine unlearning"` listed nothing in a week
    with "Machine Unlearning" in a paper's title, because the query was embedded whole (both topics mixed) and no
    paper held all its words. Each alternative is now judged as a query of its own, and a paper keeps the best."""
    from trendscope.index.relevance_floor import alternatives, passes_floor

    home, db, searcher = searchable
    pairs = Counter(" ".join(t.lower().split()[i:i + 2]) for (t,) in db.execute("SELECT title FROM papers")
                    for i in range(len(t.split()) - 1))
    a, *others = [p for p, n in pairs.most_common() if 3 <= n <= 12 and all(w.isalpha() and len(w) > 4
                                                                             for w in p.split())]
    b = next(p for p in others if not set(p.split()) & set(a.split()))
    pks = [pk for (pk,) in db.execute("SELECT pk FROM papers")]
    either = query_features(searcher, f'"{a}" OR "{b}"', pks)
    alone = [query_features(searcher, f'"{x}"', pks, embed_text=x) for x in (a, b)]
    for pk in pks:
        assert either[pk]["z"] == pytest.approx(max(f[pk]["z"] for f in alone), abs=2e-3)
        assert either[pk]["phrase"] == any(f[pk]["phrase"] for f in alone)
        assert either[pk]["all_words"] == any(f[pk]["all_words"] for f in alone)
        assert passes_floor(either[pk]) == any(passes_floor(f[pk]) for f in alone)
    assert any(either[pk]["phrase"] and not alone[0][pk]["phrase"] for pk in pks), (a, b)  # b's papers count
    # without OR, one alternative: the query's own items
    assert [[i.words for i in alt] for alt in alternatives(parse_query("graph neural networks"))] == \
        [[("graph",), ("neural",), ("networks",)]]
    assert len(alternatives(parse_query("a1 OR b1 c1 OR d1 e1 OR f1 g1 OR h1"))) == 8  # at most MAX_ALTERNATIVES
