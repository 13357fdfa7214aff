"""Keyword search ranks by how much of the query a paper holds; it never comes back empty while some query word
occurs, and only +required words, phrases and fields filter."""
from __future__ import annotations

import json

import pytest
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


def test_a_one_word_query_says_which_papers_lack_the_word(searchable):
    """A paper found by meaning alone says so for a one-word query too (it used to be said only for two or more)."""
    _home, db, searcher = searchable
    hits = searcher.search(SearchRequest("transformers", mode="semantic", limit=30))
    # the keyword index's light stemming: "transformer(s)", not porter's "transformation" (CNN Is All You Need)
    holds = {pk for (pk,) in db.execute("SELECT rowid FROM papers_terms WHERE papers_terms MATCH 'transformer'")}
    assert any(h.pk not in holds for h in hits) and any(h.pk in holds for h in hits)
    for h in hits:
        assert h.missing == ([] if h.pk in holds else ["transformers"]), (h.id, h.title)
    assert all(not h.missing for h in searcher.search(SearchRequest("transformers", mode="keyword", limit=10)))


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

    pq = parse_query("language model evaluation benchmarks")
    lexical = searcher.lexical_query(pq)
    # "language" and "model": > 30% of these papers
    assert [g.label for g in lexical.groups] == ["evaluation", "benchmarks"]
    assert lexical.semantic_text == pq.semantic_text == "language model evaluation benchmarks"
    assert [g.label for g in searcher.lexical_query(parse_query("language model")).groups] == ["language", "model"]
    # one rarer word alone is not the query's topic: "vision language models" searched "vision" and ranked papers on
    # vision without language (a blind walkthrough)
    assert [g.label for g in searcher.lexical_query(parse_query("language model evaluation")).groups] == [
        "language", "model", "evaluation"]
    everything = Searcher(db, searcher.home, searcher._factory, common_share=1.0)
    assert everything.lexical_query(pq).groups == pq.groups


def test_keyword_mode_keeps_the_common_words_that_hybrids_keyword_side_leaves_out(searchable):
    _home, db, searcher = searchable
    from trendscope.index.search import SearchRequest

    req = SearchRequest("language model evaluation benchmarks", mode="keyword", limit=200)
    every_word = searcher.search(req)
    # papers holding only the common words ("language", "model") are ranked too
    assert any({"evaluation", "benchmarks"} <= set(h.missing) for h in every_word)
    assert "evaluation" not in every_word[0].missing
    cut = Searcher(db, searcher.home, searcher._factory, keyword_mode_common_share=0.3).search(req)
    assert cut and all(not {"evaluation", "benchmarks"} <= set(h.missing) for h in cut)
    assert len(every_word) > len(cut)


def test_a_compound_written_with_a_hyphen_is_not_reported_missing(searchable):
    """"pretraining" in the query, "pre-training" in the paper: the same term to a reader, so no "missing:
    pretraining" note, and the keyword index finds the paper by it (it holds the joined word too:
    foundation.stemming.compounds_in); every spelling of the query finds the same papers."""
    home, db, searcher = searchable

    def papers(match):
        return {pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", [match])}

    pairs = [("pre", "trained"), ("pre", "training"), ("multi", "modal"), ("fine", "tuning"), ("multi", "task"),
             ("self", "supervised"), ("fine", "tuned"), ("co", "operative"), ("non", "linear")]
    head, tail = next((a, b) for a, b in pairs if len(papers(f'"{a} {b}"') - papers(a + b)) >= 3)
    hyphen_only = papers(f'"{head} {tail}"') - papers(head + tail)
    query = f"{head}{tail} neural networks"
    plain = Searcher(db, home, searcher._factory, compounds=False)
    for mode in ("keyword", "hybrid"):
        hits = searcher.search(SearchRequest(query, mode=mode, limit=100))
        assert [h.id for h in hits] == [h.id for h in plain.search(SearchRequest(query, mode=mode, limit=100))]
        with_hyphen = [h for h in hits if h.pk in hyphen_only]
        assert with_hyphen and all(head + tail not in h.missing for h in with_hyphen), (head, tail, mode)
        hyphenated = searcher.search(SearchRequest(f"{head}-{tail} neural networks", mode=mode, limit=100))
        if mode == "keyword":  # they shared none of ten before (a blind walkthrough)
            assert [h.id for h in hyphenated] == [h.id for h in hits]
        else:  # the words are embedded as typed: the semantic side may differ a little
            assert {h.pk for h in hyphenated} & hyphen_only == {h.pk for h in hits} & hyphen_only
    # requiring every word keeps them
    for s in (searcher, plain):
        strict = s.search(SearchRequest(f"{head}{tail}", mode="keyword", limit=100, all_words=True))
        assert hyphen_only <= {h.pk for h in strict}, (head, tail)
    assert searcher.search(SearchRequest(f"+{head}{tail} neural", mode="keyword", limit=100))  # +word too


def test_compound_spellings_are_offered_only_when_the_corpus_uses_them():
    from trendscope.index.compound_words import spellings, with_compound_spellings
    from trendscope.index.fts_query import Item, parse_query

    assert [i.words for i in spellings(Item(("pretraining",)))] == [("pre", "training")]
    assert [i.words for i in spellings(Item(("fine", "tuned"), "title"))] == [("finetuned",)]
    assert spellings(Item(("fine", "tuned"), "title"))[0].column == "title"
    assert spellings(Item(("cot",))) == [] and spellings(Item(("pre",), prefix=True)) == []
    used = {'"pre training"': 40, '"under standing"': 1}
    pq = with_compound_spellings(parse_query("pretraining for understanding"), lambda m: used.get(m, 0))
    assert [g.fts() for g in pq.groups] == ['("pretraining" OR "pre training")', '"understanding"']


def test_a_pasted_abstract_is_searched_not_refused(searchable):
    """A blind walkthrough: pasting an abstract (1,399 characters) gave "query has too many terms (at most 64)"."""
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.index.fts_query import MAX_ITEMS, parse_query
    from trendscope.index.search_request import long_query_note

    home, db, searcher = searchable
    abstract = db.execute("SELECT abstract FROM papers WHERE length(abstract) > 1200 ORDER BY pk LIMIT 1").fetchone()[0]
    pq = parse_query(abstract)
    assert pq.embedded_only > 0 and len(pq.semantic_text.split()) > MAX_ITEMS  # all of it embedded
    for mode in ("keyword", "semantic", "hybrid"):
        assert searcher.search(SearchRequest(abstract, mode=mode, limit=5)), mode
    assert "only by meaning" in long_query_note(abstract, "hybrid")
    assert "only its first 64 terms were matched" in long_query_note(abstract, "keyword")
    assert long_query_note("speech recognition", "hybrid") is None
    assert long_query_note(abstract, "semantic") is None  # it matches no words ("first 64 terms matched")
    # search syntax past the limit is not dropped: refused, saying so ("too many terms" read as if the query's
    # length were refused, though plain words past the limit are accepted: a blind docs audit)
    with pytest.raises(TrendscopeError, match=r"search syntax \(phrases, fields such as ti:, -word.* is read only "
                       r"among a query's first 64 terms: move 'survey' to the front"):
        parse_query(" ".join(f"w{i}" for i in range(70)) + " -survey")
    # each missing word is named once, however often the pasted text repeats it
    for h in searcher.search(SearchRequest(abstract, mode="hybrid", limit=10)):
        assert len(h.missing) == len(set(h.missing)), h.missing
    out = CliRunner().invoke(main, ["--home", str(home.root), "search", abstract[:1900], "-n", "3"])
    assert out.exit_code == 0, out.output
    assert "(a long query: its first 64 terms were matched as words" in out.output


def test_words_asking_for_papers_are_not_looked_for(searchable):
    """A blind walkthrough: "looking for recent papers on ..." listed "missing: looking, recent, papers" under
    every hit."""
    from trendscope.index.fts_query import parse_query

    _home, _db, searcher = searchable
    pq = parse_query("looking for recent papers on speech recognition")
    assert [g.label for g in pq.groups] == ["speech", "recognition"]
    assert "looking for recent papers on speech recognition" == pq.semantic_text  # the meaning keeps every word
    hits = searcher.search(SearchRequest("looking for recent papers on speech recognition", mode="keyword", limit=5))
    assert hits and not any({"looking", "recent", "papers"} & set(h.missing) for h in hits)
    assert [g.label for g in parse_query('"recent papers" speech').groups][0] == "recent papers"  # quoted: kept


def test_a_word_the_query_also_excludes_is_not_said_to_be_held_by_no_paper():
    from trendscope.index.search_request import SearchHit, words_none_holds

    def hit(missing):
        return SearchHit(pk=1, id="2601.00001", title="t", score=1.0, published=None, categories=[], authors=[],
                         abstract="", snippet="", missing=missing)

    # "lora -lora": every hit lacks "lora" because the query excludes it, not because no paper holds it
    assert words_none_holds([hit(["lora"])], "lora -lora") == []
    assert words_none_holds([hit(["zzqx", "lora"])], "zzqx lora -lora") == ["zzqx"]
    assert words_none_holds([hit(["zzqx"])], "zzqx") == ["zzqx"]


def test_a_part_written_as_a_field_that_is_none_is_named():
    """A search walkthrough: `year:2024 lora` showed "missing: year:2024" on every hit without a word of why."""
    from trendscope.index.search_request import unknown_field_note

    note = unknown_field_note("year:2024 lora venue:ACL")
    assert note.startswith("year:, venue: are no search fields here, so it was searched as words")
    assert "--since and --until" in note
    assert unknown_field_note("ti:lora re:act https://x.org") is None  # real fields, words with a colon



def test_a_quote_left_open_is_named_with_the_phrase_it_made(searchable):
    """A blind walkthrough: `"unterminated phrase` printed "no results", exit 0, and nothing of the open quote."""
    from trendscope.index.search_request import unclosed_quote_note

    assert unclosed_quote_note('lora "low  rank') == ("the last quote is not closed, so “low rank” was searched as one "
                                                      "phrase: close it where the phrase ends, or leave the quote out "
                                                      "to match the words anywhere")
    assert unclosed_quote_note('“low rank” adapters') is None and unclosed_quote_note('"a" "b"') is None
    assert unclosed_quote_note('"low rank" "') is None  # nothing after it: nothing was made a phrase
    home, _, _ = searchable
    res = CliRunner().invoke(main, ["--home", str(home.root), "search", '"zzqxunterminated phrase', "--mode",
                                    "keyword"])
    assert res.exit_code == 0 and "no results" in res.output
    assert "the last quote is not closed, so “zzqxunterminated phrase” was searched as one phrase" in res.stderr


def test_papers_not_embedded_yet_are_placed_by_meaning_as_if_indexed(tmp_path, sample_rows, embedder, monkeypatch):
    """A blind walkthrough: with part of the corpus not embedded (new papers before `index`, or an index run
    stopped halfway), hybrid put papers holding one word of "speculative decoding" above the papers holding the
    phrase, which the meaning side could not see. Keyword candidates with no vector are embedded for the search:
    the ranking is the one of the fully indexed home. A stopped `index` says how far it got."""
    from index_support import CachingEmbedder, make_home, spread

    from trendscope.index.faiss_index import index_paths
    from trendscope.index.indexer import run_index

    home, db = make_home(tmp_path / "h", spread(sample_rows, 200))
    run_index(db, home, progress=False, embedder=CachingEmbedder(embedder))
    query = "neural machine translation"
    req = SearchRequest(query=query, mode="hybrid", limit=10)
    indexed = [h.id for h in Searcher(db, home, lambda model: embedder).search(req)]
    unembedded = [pk for (pk,) in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'translation'")]
    assert len(unembedded) >= 3
    db.execute(f"DELETE FROM embeddings WHERE pk IN ({', '.join(map(str, unembedded))})")
    for path in index_paths(home.index_dir):  # as `index --rebuild` stopped halfway leaves it
        path.unlink()
    encoded = []

    class Counting:  # the real embedder, counting the texts it embeds
        model_id, dim = embedder.model_id, embedder.dim

        def encode(self, texts, progress=None):
            encoded.extend(texts)
            return embedder.encode(texts)

    searcher = Searcher(db, home, lambda model: Counting())
    assert [h.id for h in searcher.search(req)] == indexed
    assert len(searcher.embedded_now([int(p) for p in unembedded])) == min(len(unembedded), 15)
    done = len(encoded)
    again = Searcher(db, home, lambda model: Counting())  # the app makes a searcher per search
    assert [h.id for h in again.search(req)] == indexed and len(encoded) == done + 1  # the query alone: kept

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("trendscope.index.indexer.run_index", stopped)
    res = CliRunner().invoke(main, ["--home", str(home.root), "index"])
    assert res.exit_code == 130
    assert (f"interrupted: {200 - len(unembedded):,} of 200 papers embedded (kept; hybrid search embeds the others it "
            "finds by their words, a few per search); run `trendscope index` again to finish") in res.stderr
