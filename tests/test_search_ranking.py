"""Keyword search ranks by how much of the query a paper holds; it never comes back empty while some query word
occurs, and only +required words, phrases and fields filter."""
from __future__ import annotations

import json

from click.testing import CliRunner

from trendscope.index.search import Searcher, SearchRequest
from trendscope.ui.cli import main


def test_a_query_with_an_absent_word_still_ranks_the_papers_with_the_others(searchable):
    _home, _db, searcher = searchable
    for mode in ("keyword", "hybrid"):
        hits = searcher.search(SearchRequest("speech noise zzqxunfindable", mode=mode, limit=10))
        assert len(hits) == 10
        assert all("zzqxunfindable" in h.missing for h in hits)
    assert searcher.search(SearchRequest("speech noise zzqxunfindable", mode="keyword", all_words=True)) == []
    assert searcher.search(SearchRequest("speech +zzqxunfindable", mode="keyword")) == []


def test_papers_with_every_word_can_be_put_first(searchable):
    """Off by default (it lost nDCG@10 on the dev set), the strict tier puts every all-word paper first."""
    _home, db, searcher = searchable
    searcher = Searcher(db, searcher.home, searcher._factory, all_words_first=True, common_share=1.0)
    hits = searcher.search(SearchRequest("language model evaluation", mode="keyword", limit=30))
    complete = [not h.missing for h in hits]
    assert any(complete) and not all(complete)
    first_partial = complete.index(False)
    assert not any(complete[first_partial:])  # every paper with all the words before any with only some
    full = searcher.search(SearchRequest("language model evaluation", mode="keyword", limit=30, all_words=True))
    assert {h.pk for h in full} == {h.pk for h in hits if not h.missing}


def test_stop_words_do_not_change_the_ranking(searchable):
    _home, _db, searcher = searchable
    plain = [h.pk for h in searcher.search(SearchRequest("speech recognition", mode="keyword"))]
    assert [h.pk for h in searcher.search(SearchRequest("the speech recognition of", mode="keyword"))] == plain


def test_cli_all_words_flag_and_missing_in_json(searchable):
    home, _db, _ = searchable
    run = CliRunner().invoke
    out = run(main, ["--home", str(home.root), "search", "speech zzqxunfindable", "--mode", "keyword", "--json"])
    assert out.exit_code == 0, out.output
    hits = [json.loads(x) for x in out.output.splitlines()]
    assert hits and all(h["missing"] == ["zzqxunfindable"] for h in hits)
    out = run(main, ["--home", str(home.root), "search", "speech zzqxunfindable", "--mode", "keyword", "--all-words"])
    assert out.exit_code == 0 and "no results" in out.output
    out = run(main, ["--home", str(home.root), "search", "speech zzqxunfindable", "--mode", "keyword"])
    assert "missing: zzqxunfindable" in out.output


def test_very_common_words_only_rank_the_semantic_side(searchable):
    _home, db, searcher = searchable
    from trendscope.index.fts_query import parse_query

    pq = parse_query("language model evaluation")
    lexical = searcher.lexical_query(pq)
    assert [g.label for g in lexical.groups] == ["evaluation"]  # "language" and "model": > 30% of these papers
    assert lexical.semantic_text == pq.semantic_text == "language model evaluation"
    assert [g.label for g in searcher.lexical_query(parse_query("language model")).groups] == ["language", "model"]
    everything = Searcher(db, searcher.home, searcher._factory, common_share=1.0)
    assert everything.lexical_query(pq).groups == pq.groups


def test_keyword_mode_keeps_the_common_words_that_hybrids_keyword_side_leaves_out(searchable):
    _home, db, searcher = searchable
    from trendscope.index.search import SearchRequest

    req = SearchRequest("language model evaluation", mode="keyword", limit=200)
    every_word = searcher.search(req)
    # papers holding only the common words ("language", "model") are ranked too
    assert any("evaluation" in h.missing for h in every_word)
    assert "evaluation" not in every_word[0].missing
    cut = Searcher(db, searcher.home, searcher._factory, keyword_mode_common_share=0.3).search(req)
    assert cut and all("evaluation" not in h.missing for h in cut)
    assert len(every_word) > len(cut)
