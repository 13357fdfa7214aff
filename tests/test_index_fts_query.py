"""The query parser: field syntax, phrases, exclusions; any input gives a safe MATCH or a clear error."""
from __future__ import annotations

import re
import sqlite3

import pytest

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.fts_query import parse_query

NASTY = [
    '"',
    '""',
    '"""',
    '"unbalanced quote',
    'unbalanced" quote',
    "'",
    "''",
    "-",
    "--",
    "---x",
    "*",
    "**",
    "a*",
    "*a",
    "AND",
    "OR",
    "NOT",
    "AND OR",
    "a AND",
    "OR b",
    "a OR OR b",
    "NOT NOT a",
    "NEAR(",
    "NEAR(a b)",
    "NEAR",
    "a NEAR b",
    "(",
    ")",
    "(a OR b",
    "a)",
    "{title}: x",
    "title:",
    "ti:",
    "au:",
    "abs:",
    "cat:",
    'ti:"',
    'ti:"unclosed',
    "-ti:",
    "ti:-x",
    "x:y",
    "http://arxiv.org/abs/2106.09685",
    "a:b:c",
    ":",
    "::",
    "^a",
    "a^",
    "+a",
    "a + b",
    "a - b",
    "'; DROP TABLE papers; --",
    '" OR 1=1 --',
    "x' OR '1'='1",
    "1; SELECT * FROM sqlite_master",
    "papers_fts MATCH 'x'",
    "\\",
    '\\"',
    "%",
    "_",
    "a%b_c",
    "\x00",
    "tab\tsep",
    "new\nline",
    "émotion détection",
    "ニューラルネットワーク",
    "нейронные сети",
    "🙂 emoji 🚀",
    "a\u200bb",
    "ＡＩ full-width",
    "self-supervised",
    "GPT-4o",
    "C++",
    "k-NN",
    "O'Reilly",
    "x" * 300,
    " ".join(["w"] * 60),
    "cat:cs.CL",
    "-cat:cs.CL",
    "cat:cs.CL -foo",
    'au:"Yann LeCun"',
]


@pytest.fixture(scope="module")
def fts():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors, "
                 "tokenize='porter unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO papers_fts VALUES ('Deep learning for graphs', 'We study neural networks.', "
                 "'[\"Yann LeCun\"]')")
    return conn


@pytest.mark.parametrize("text", NASTY)
def test_nasty_input_gives_valid_fts5_or_a_clear_error(fts, text):
    try:
        pq = parse_query(text)
    except TrendscopeError as exc:
        assert str(exc)
        return
    for expr in (pq.match, pq.exclude_match, pq.author_match):
        if expr is not None:
            fts.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", [expr]).fetchall()
    assert pq.has_text or pq.categories or pq.excluded_categories


def _rows(fts, expr):
    return fts.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?", [expr]).fetchall()


def test_fields_phrases_and_exclusions(fts):
    pq = parse_query('ti:graphs "neural networks" -image au:lecun')
    assert pq.match == '(title : "graphs" AND "neural networks" AND authors : "lecun") NOT ("image")'
    assert _rows(fts, pq.match) == [(1,)]
    assert pq.semantic_text == "graphs neural networks"
    assert pq.author_match == 'authors : "lecun"'
    assert pq.exclude_match == '"image"'
    assert _rows(fts, parse_query("ti:networks").match) == []  # "networks" is in the abstract only
    assert _rows(fts, parse_query("abs:networks").match) == [(1,)]
    assert _rows(fts, parse_query("deep -graphs").match) == []


def test_a_field_takes_the_word_after_a_space_and_a_field_alone_is_an_error():
    assert parse_query("ti: graphs au:  lecun").match == 'title : "graphs" AND authors : "lecun"'
    assert parse_query("note: graphs").match == '("note" OR "graphs")'  # not a field: two plain words
    for text, needle in (("ti:", '"ti:" needs a word or a "phrase" right after it (e.g. ti:diffusion)'),
                         ("graphs AU:", '"AU:" needs a word'), ("graphs -cat:  ", "(e.g. cat:cs.CL)")):
        with pytest.raises(TrendscopeError, match=re.escape(needle)):
            parse_query(text)


def test_or_not_prefix_and_categories():
    pq = parse_query("diffusion OR flow NOT video cat:cs.CV -cat:cs.RO learn*")
    assert pq.groups and len(pq.groups[0].items) == 2
    assert pq.match == '((("diffusion" OR "flow") OR "learn"*)) NOT ("video")'
    assert pq.all_match == '("diffusion" OR "flow") AND "learn"*'
    assert pq.categories == ["cs.CV"] and pq.excluded_categories == ["cs.RO"]


def test_unbalanced_quote_runs_to_the_end():
    pq = parse_query('attention "is all you need')
    assert pq.match == '"is all you need" AND ("attention" OR "is all you need")'  # the phrase is required


def test_plain_words_rank_and_only_required_items_filter(fts):
    pq = parse_query("graphs molecules proteins")
    assert pq.match == '("graphs" OR "molecules" OR "proteins")' and not pq.required
    assert _rows(fts, pq.match) == [(1,)]  # one word of three is enough to match
    assert _rows(fts, pq.all_match) == []
    assert _rows(fts, parse_query("graphs molecules", all_words=True).match) == []
    assert _rows(fts, parse_query("+molecules graphs").match) == []  # +word is required
    assert _rows(fts, parse_query("+graphs molecules").match) == [(1,)]
    assert [g.label for g in parse_query("+graphs molecules").required] == ["graphs"]


def test_stop_words_are_dropped_and_a_query_of_nothing_else_is_refused():
    assert [g.label for g in parse_query("learning for the graphs").groups] == ["learning", "graphs"]
    assert parse_query("learning for the graphs").semantic_text == "learning for the graphs"  # embedded as typed
    # "the of and for with" listed ten arbitrary papers with no word of a topic (a blind walkthrough)
    with pytest.raises(TrendscopeError, match=r"only common words \(the, of\)"):
        parse_query("the of")
    assert [g.label for g in parse_query('"the of"').groups] == ["the of"]  # a quoted phrase is a choice
    assert [g.label for g in parse_query('"the of" graphs').groups] == ["the of", "graphs"]  # phrases stay


def test_a_words_label_leaves_out_the_punctuation_around_it():
    # 'what is "attention"? (a survey): transformers' said "missing: survey):" on every hit (a blind walkthrough)
    q = parse_query('what is "attention"? (a survey): transformers lora* C++')
    assert [g.label for g in q.groups] == ["attention", "survey", "transformers", "lora", "C++"]


def test_a_hyphenated_compound_is_searched_joined():
    """"multi-modal" and "multimodal" found different papers (a blind walkthrough): after a prefix written both
    joined and apart, a query's hyphenated word is searched joined, as the keyword index also holds it."""
    pq = parse_query('pre-training of (multi-modal) models -self-supervised ti:fine-tuned "cross-lingual transfer" '
                     "non-IID text-to-SQL pre-train*")
    assert [g.fts() for g in pq.groups] == [
        '"pretraining"', '"multimodal"', '"models"', 'title : "finetuned"', '"cross lingual transfer"',
        '"non IID"', '("text to SQL" OR "text2SQL")', '"pretrain"*']
    assert [i.fts() for i in pq.excluded] == ['"selfsupervised"']
    assert [g.label for g in pq.groups][:2] == ["pre-training", "multi-modal"]  # notes name it as typed
    assert pq.semantic_text.startswith("pre training of multi modal models")  # embedded as typed


def test_a_compound_written_apart_is_searched_joined():
    """A blind walkthrough: "multi modal" and "multimodal" shared none of their 20 keyword results, while the docs
    say the three spellings find the same papers (the index holds the joined word for each)."""
    for typed, joined in (("multi modal", "multimodal"), ("Pre training", "Pretraining"),
                          ("self attention", "selfattention"), ("cross lingual", "crosslingual")):
        pq = parse_query(f"{typed} transfer")
        assert [g.fts() for g in pq.groups] == [f'"{joined}"', '"transfer"'], typed
        assert pq.groups[0].label == typed and pq.semantic_text == f"{typed.replace('-', ' ')} transfer"
    # not a compound: a phrase in quotes, a field, an exclusion, a prefix, a short word after the prefix
    for query, groups in (('"multi modal"', ['"multi modal"']), ("ti:multi modal", ['title : "multi"', '"modal"']),
                          ("multi -modal", ['"multi"']), ("multi* modal", ['"multi"*', '"modal"']),
                          ("multi hop", ['"multi"', '"hop"']), ("over time", ['"time"'])):
        assert [g.fts() for g in parse_query(query).groups] == groups, query


def test_a_hyphenated_word_is_labelled_as_typed():
    """A blind walkthrough: "missing: DP SGD" read as two missing words; the note names the word as typed."""
    from trendscope.index.fts_query import parse_query

    groups = parse_query('DP-SGD "membership inference" ti:GPT-4 pre-training').groups
    assert [g.label for g in groups] == ["DP-SGD", "membership inference", "GPT-4", "pre-training"]
    assert [g.fts() for g in groups][0] == '"DP SGD"'  # still searched as the phrase of its parts


def test_an_a_to_b_word_is_searched_in_both_spellings():
    """A blind walkthrough: "sim2real" found none of the papers that write "sim-to-real", and "sim-to-real" none
    of those writing "sim2real". Each is searched as either; a phrase in quotes stays as typed."""
    groups = parse_query('sim-to-real Text2SQL ti:img2img "end-to-end" word2vec gpt2 -seq2seq').groups
    assert [g.fts() for g in groups] == [
        '("sim to real" OR "sim2real")', '("Text2SQL" OR "Text to SQL")', '(title : "img2img" OR title : "img to img")',
        '"end to end"', '("word2vec" OR "word to vec")', '"gpt2"']
    assert [g.label for g in groups][:2] == ["sim-to-real", "Text2SQL"]  # notes name it as typed
    assert parse_query("sim2real OR sim-to-real").groups[0].fts() == \
        '("sim2real" OR "sim to real" OR "sim to real" OR "sim2real")'
    assert [i.fts() for i in parse_query("robots -seq2seq").excluded] == ['"seq2seq"']  # an exclusion as typed


def test_prefixes_are_bounded():
    """`a*` (every word starting with a) cost 12 s a search over 162,699 papers and 64 of them minutes, the
    server busy after the browser left (an audit): a prefix needs 2 letters, a query holds 4 prefixes at most."""
    assert parse_query("RL*").match == '"RL"*'  # an acronym's start (RLHF, RLAIF) reads
    for short in ("a*", "x*", "ti:b*"):
        with pytest.raises(TrendscopeError, match="too short a prefix"):
            parse_query(short)
    assert parse_query("distill*").match == '"distill"*'
    four = "con* pro* tra* rec*"
    assert parse_query(four).match.count("*") == 4
    with pytest.raises(TrendscopeError, match="at most 4 prefixes"):
        parse_query(four + " dis*")
    assert parse_query('"a*"').match == '"a"'  # in quotes a star is no prefix


@pytest.mark.parametrize("typed, plain", [
    ("lora \u2013quantization", "lora -quantization"),   # en dash, as pasted from a paper
    ("lora \u2212quantization", "lora -quantization"),   # minus sign
    ("lora \u2014ti:quantization", "lora -ti:quantization"),
    ("\u201clow-rank adaptation\u201d", '"low-rank adaptation"'),
    ("\u00ablow-rank adaptation\u00bb lora", '"low-rank adaptation" lora'),
])
def test_typographic_dashes_and_quotes_mean_what_their_plain_forms_do(typed, plain):
    """`lora –quantization` searched "–quantization" (papers were marked "missing: –quantization") and
    `“low-rank adaptation”` was no phrase (a blind walkthrough of a researcher pasting from papers and chat)."""
    assert parse_query(typed) == parse_query(plain)
    # a lone closing quote is an inch or seconds mark, not the start of a phrase (a review)
    assert [g.items for g in parse_query("12\u201d display panels").groups] == [
        g.items for g in parse_query("12 display panels").groups]


@pytest.fixture
def fts_three():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, authors)")
    for rowid, title in ((1, "graphs alone"), (2, "graphs with molecules"), (3, "graphs with proteins"),
                         (4, "proteins only")):
        conn.execute("INSERT INTO papers_fts (rowid, title, abstract, authors) VALUES (?, ?, '', '')", [rowid, title])
    return conn


def test_several_exclusions_leave_out_papers_holding_any_of_them(fts_three):
    """A mutation audit: exclusions joined with AND instead of OR went uncaught. `a -b -c` leaves out every
    paper holding b or c, not only those holding both."""
    pq = parse_query("graphs -molecules -proteins")
    assert pq.match == '("graphs") NOT ("molecules" OR "proteins")'
    assert _rows(fts_three, pq.match) == [(1,)]
    assert pq.exclude_match == '"molecules" OR "proteins"'
    assert _rows(fts_three, pq.all_match_excluding) == [(1,)]


def test_an_or_group_with_a_plain_word_only_ranks(fts_three):
    """A mutation audit: an OR group made required when any one of its sides is (`and` -> `or`) went uncaught.
    A group is one item a paper must contain only when every side is required: in `+molecules OR alone proteins`
    the plain `alone` only ranks, so the group does not filter and a paper with neither side still matches."""
    pq = parse_query("+molecules OR alone proteins")
    assert [(g.label, g.required) for g in pq.groups] == [("molecules OR alone", False), ("proteins", False)]
    assert pq.required == [] and pq.required_match is None
    assert pq.match == '(("molecules" OR "alone") OR "proteins")'
    assert _rows(fts_three, pq.match) == [(1,), (2,), (3,), (4,)]  # 4 holds neither molecules nor alone
    both = parse_query("+molecules OR +alone proteins")
    assert [g.required for g in both.groups] == [True, False]
    assert _rows(fts_three, both.match) == [(1,), (2,)]


@pytest.mark.parametrize("text", ["cat:1x", "cat:cs.CL.x", "-cat:2401.00001"])
def test_a_category_filter_that_is_no_arxiv_category_is_refused(text):
    """A mutation audit: removing the `cat:` check went uncaught. A value that cannot be an arXiv category is
    refused with a message saying so, not searched as a filter that matches nothing."""
    with pytest.raises(TrendscopeError, match=r"not an arXiv category: '.*' \(write e\.g\. cat:cs\.CL\)"):
        parse_query(f"graphs {text}")
    assert parse_query("graphs cat:cs.CL -cat:q-bio.NC").categories == ["cs.CL"]


def test_a_query_of_exactly_the_longest_length_is_accepted_and_one_more_character_refused():
    """A mutation audit: MAX_QUERY_CHARS off by one went uncaught. A query of exactly the limit is searched, one
    character more refused with the lengths."""
    from trendscope.index.fts_query import MAX_QUERY_CHARS

    words = ("graphs " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS - 1] + "x"
    assert len(words) == MAX_QUERY_CHARS
    assert parse_query(words).groups
    with pytest.raises(TrendscopeError, match=rf"query too long \({MAX_QUERY_CHARS + 1} characters, at most "
                                              rf"{MAX_QUERY_CHARS}\)"):
        parse_query(words + "y")


@pytest.mark.parametrize("query, labels, excluded", [
    ("lora OR adapter", ["lora OR adapter"], []),
    ("OR lora adapter", ["lora", "adapter"], []),  # an OR with nothing before it joins nothing
    ("lora OR -bert adapter", ["lora", "adapter"], [("bert",)]),  # an excluded word ends the OR
    ("lora OR ??? adapter", ["lora", "adapter"], []),  # so does a token without a word
    ("NOT bert lora", ["lora"], [("bert",)]),
])
def test_or_and_not_join_only_the_terms_beside_them(query, labels, excluded):
    """A mutation audit of the parser's token reading (`_Reading`): an OR's state was never checked next to an
    excluded or an empty term."""
    pq = parse_query(query)
    assert [g.label for g in pq.groups] == labels and [i.words for i in pq.excluded] == excluded
