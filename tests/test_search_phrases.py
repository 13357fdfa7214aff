"""A quoted phrase holds its words as written (in order; as typed or plural), however the index stems them."""
from __future__ import annotations

import pytest
from index_support import make_home, paper_from_row, spread

from trendscope.index.fts_query import parse_query
from trendscope.index.indexer import run_index
from trendscope.index.phrase_check import holds_phrases, phrase_groups
from trendscope.index.search import Searcher, SearchRequest
from trendscope.ingest.store import PaperStore

PAPERS = [
    ("2401.90001", "Visually grounded word embeddings", "Words grounded in images: visually grounded meaning."),
    ("2401.90002", "Visual grounding of referring expressions", "We localise the region a phrase refers to."),
    ("2401.90003", "Benchmarks for visual groundings", "Datasets of visual-grounding annotations."),
    ("2401.90004", "Grounding language in vision", "A survey of visual and grounded language learning."),
]


@pytest.fixture(scope="module")
def phrase_home(tmp_path_factory, sample_rows, embedder):
    rows = spread(sample_rows, 40)
    home, db = make_home(tmp_path_factory.mktemp("phrases") / "home", rows)
    PaperStore(db).upsert([paper_from_row(rows[0], id=pid, title=title, abstract=abstract, version=1)
                           for pid, title, abstract in PAPERS])
    run_index(db, home, progress=False, embedder=embedder)
    return Searcher(db, home, lambda model: embedder)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_quoted_phrase_is_not_its_derived_words(phrase_home, mode):
    """A blind walkthrough: "visual grounding" ranked "Visually Grounded Word Embeddings" first (the light-stemmed
    index reads "visually" as "visual" and "grounded" as "ground")."""
    got = {h.id for h in phrase_home.search(SearchRequest('"visual grounding"', mode=mode, limit=10))}
    assert got == {"2401.90002", "2401.90003"}, mode  # as typed, plural, hyphenated; not "visually grounded"
    titled = {h.id for h in phrase_home.search(SearchRequest('ti:"visual grounding"', mode=mode, limit=10))}
    assert titled == {"2401.90002", "2401.90003"}, mode
    plain = {h.id for h in phrase_home.search(SearchRequest("visual grounding", mode=mode, limit=50))}
    assert {p[0] for p in PAPERS} <= plain, mode  # unquoted, the words rank and all four are found
    # newest first keeps the check
    newest = phrase_home.search(SearchRequest('"visual grounding"', mode=mode, limit=10, sort="date"))
    assert {h.id for h in newest} == {"2401.90002", "2401.90003"}, mode


def test_the_phrase_check_reads_fields_alternatives_and_plurals():
    groups = phrase_groups(parse_query('ti:"language models" ("visual grounding" OR "referring expressions") x'))
    assert len(groups) == 2
    assert holds_phrases(groups, "Large Language Model safety", "visual groundings matter")
    assert holds_phrases(groups, "Language-models at scale", "On referring expressions.")
    assert not holds_phrases(groups, "Large language modelling", "visual grounding")  # not "model" + "-ling"
    assert not holds_phrases(groups, "Language models", "visually grounded")
    assert not holds_phrases(groups, "A study", "language models and visual grounding")  # ti: is the title
    assert phrase_groups(parse_query("visual grounding vision-language")) == []  # words and hyphens only rank
