"""The keyword index's light stemming: "continual" is not "continuous" (porter gave both "continu": a blind
walkthrough's continual-learning searches ranked papers on continuous control), and the index follows every write
to the papers, bulk or not, through the store or straight SQL, and is built once for a home made before it."""
from __future__ import annotations

import pytest

from trendscope.foundation.stemming import light_match, light_stem, light_text
from trendscope.ingest.paper_reads import PaperFilter, PaperReads
from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database


@pytest.mark.parametrize("words, stem", [
    (["continual", "Continually"], "continual"),
    (["continuous", "continuously"], "continuous"),
    (["model", "models", "modelling", "modeled"], "model"),
    (["learn", "learns", "learning", "learned"], "learn"),
    (["tune", "tuned", "tuning", "tunes"], "tun"),
    (["study", "studies", "studied"], "studi"),
    (["bias", "biases"], "bia"),
    (["class", "classes"], "class"),
    (["LLM", "LLMs"], "llm"),
    (["apply", "applied", "applies", "applying"], "appli"),
    (["family", "families"], "famili"),
    (["generation", "generate", "generated", "generating"], "generat"),
    (["enhancement", "enhance", "enhanced"], "enhanc"),
    (["adapt", "adapting", "adaptation", "adaptations"], "adapt"),  # "Missing: adapt" on adaptation papers
    (["generalize", "generalization", "generalizing", "generalise", "generalisation"], "generalis"),  # (a blind
    # walkthrough); British and American spellings meet ("quantisation" found nothing: two blind walkthroughs)
    (["quantization", "quantized", "quantize", "quantisation", "quantised", "quantising"], "quantis"),
    (["summarization", "summarisation", "summarize", "summarised"], "summaris"),
    (["analyze", "analyzed", "analyse", "analysed"], "anali"),
    (["tokenizer", "tokeniser"], "tokeniser"),
    (["supervised", "supervision"], "supervis"),  # turned British, never American: these still meet
    (["annotate", "annotation", "annotated"], "annot"),
    # accents dropped before stemming ("Herve" found no "Hervé": a blind walkthrough), with the letters Unicode does
    # not decompose; British spellings beyond -ise made American ("behaviour cloning" missed "behavior cloning")
    (["Hervé", "Herve", "herves"], "herv"),
    (["Søgaard", "Sogaard"], "sogaard"),
    (["Nießner", "Niessner"], "niessner"),
    (["behaviour", "behaviours", "behavior", "behaviors"], "behavior"),
    (["colour", "colours", "color", "colors"], "color"),
    (["neighbourhood", "neighborhood"], "neighborhood"),
    (["centre", "center", "centred", "centered", "centring", "centering"], "center"),
    (["catalogue", "catalogued", "cataloguing", "catalog", "cataloged"], "catalog"),
    (["defence", "defense"], "defen"),
    (["grey", "gray"], "grai"),
    (["four"], "four"), (["hour", "hours"], "hour"), (["programmed", "programs"], "program"),  # not "-our" words
])
def test_a_word_and_its_inflections_share_one_stem(words, stem):
    assert {light_stem(w) for w in words} == {stem}


def test_derivations_that_porter_merges_stay_apart():
    apart = ["continual", "continuous", "generation", "generative", "general", "generalization", "learner",
             "action", "act", "segment", "comment"]
    assert len({light_stem(w) for w in apart}) == len(apart)
    assert light_stem("analysis") == "analysis" and light_stem("corpus") == "corpus" and light_stem("loss") == "loss"


def test_an_fts5_expression_is_rewritten_term_by_term():
    assert light_match('"continual" OR "learning"') == '"continual" OR "learn"'
    assert light_match('title : "Speech Language Models"*') == 'title : "speech languag model"*'
    assert light_match('("networks" OR a) AND NOT abstract : "studies"') == \
        '("network" OR a) AND NOT abstract : "studi"'
    assert light_match('NEAR("deep" "learning", 5)') == 'NEAR("deep" "learn", 5)'
    assert light_match('{title abstract} : "said ""models"""') == '{title abstract} : "said ""model"""'
    assert light_text("Continual learning_rates: pre-training") == "continual learn_rat: pre-train pretrain"


def _paper(pid: str, title: str, abstract: str = "A study.") -> Paper:
    return Paper(id=pid, version=1, title=title, abstract=abstract, authors=["A. Author"], categories=["cs.LG"],
                 published="2026-01-05")


def _titles(db, match: str) -> set[str]:
    reads = PaperReads(db)
    return {reads.rows([pk])[pk].title for pk, _ in reads.keyword(match, PaperFilter(), 500)}


def test_continual_learning_does_not_find_continuous_control(tmp_path):
    db = open_database(tmp_path / "t.db")
    PaperStore(db).upsert([_paper("2601.00001", "Continual learning without forgetting"),
                           _paper("2601.00002", "Continuously learned policies for continuous control"),
                           _paper("2601.00003", "Learners that learn continually")])
    assert _titles(db, '"continual"') == {"Continual learning without forgetting", "Learners that learn continually"}
    assert _titles(db, '"continuous"') == {"Continuously learned policies for continuous control"}
    assert len(_titles(db, '"learning"')) == 3  # "learned", "learn": inflections still match
    reads = PaperReads(db)
    pks = reads.pks_of(["2601.00001", "2601.00002"])
    assert reads.matching('"continual"', list(pks.values())) == {pks["2601.00001"]}  # the "missing: ..." notes
    assert reads.doc_count('"continual"') == 2 and reads.doc_count() == 3


def test_the_keyword_index_follows_every_write(tmp_path):
    db = open_database(tmp_path / "t.db")
    store = PaperStore(db)
    store.upsert([_paper("2601.00001", "Dogs and cats")])
    store.upsert([Paper(id="2601.00001", version=2, title="Birds", abstract="Only birds.", published="2026-01-05")])
    assert not _titles(db, '"dogs"') and _titles(db, '"birds"') == {"Birds"}
    db.execute("UPDATE papers SET title = 'Horses galloping' WHERE id = '2601.00001'")  # straight SQL
    assert _titles(db, '"horse"') == {"Horses galloping"} and not _titles(db, '"bird" AND title : "bird"')
    db.execute("UPDATE papers SET ingested_at = '2026-01-06T00:00:00Z'")  # not the text: nothing to redo
    assert store.fts_integrity_ok()
    bulk = [_paper(f"2601.{i:05d}", f"Quantized transformers number {i}") for i in range(10, 80)]  # the bulk path
    assert store.upsert(bulk).new == 70
    assert len(_titles(db, '"quantization" OR "quantized"')) == 70 and store.fts_integrity_ok()
    db.execute("DELETE FROM paper_categories WHERE pk IN (SELECT pk FROM papers WHERE id = '2601.00010')")
    db.execute("DELETE FROM papers WHERE id = '2601.00010'")
    assert len(_titles(db, '"quantized"')) == 69 and store.fts_integrity_ok()
    db.execute("INSERT INTO papers_terms (papers_terms) VALUES ('delete-all')")  # drift, repaired by a rebuild
    assert not store.fts_integrity_ok()
    store.rebuild_fts()
    assert store.fts_integrity_ok() and len(_titles(db, '"quantized"')) == 69


def test_an_upgrade_over_several_index_rebuilds_fills_the_keyword_index_once(tmp_path, caplog):
    """An upgrade walkthrough: a home from before the keyword index took five rebuilds of it in one upgrade (33-55 s
    each on the full corpus, "once" said five times)."""
    import logging

    path = _home_before_the_keyword_index(tmp_path, ["Continual learning", "Behaviour cloning"],
                                          "name >= 'm006' AND migration_set = 'trendscope.ingest'")
    with caplog.at_level(logging.INFO, logger="trendscope.ingest.store_schema"):
        db = open_database(path)
    said = [r.getMessage() for r in caplog.records if "building the keyword index" in r.getMessage()]
    assert said == ["building the keyword index of 2 papers (once, for this release; about 30 s per 100,000)"]
    assert _titles(db, '"continual"') == {"Continual learning"} and _titles(db, '"behavior"') == {"Behaviour cloning"}
    assert PaperStore(db).fts_integrity_ok()


def _home_before_the_keyword_index(tmp_path, titles: list[str], unapplied: str):
    """A database as the release before the keyword index left it (its papers `titles`), the migrations matched
    by the SQL condition `unapplied` not yet applied."""
    path = tmp_path / "t.db"
    db = open_database(path)
    PaperStore(db).upsert([_paper(f"2601.{i + 1:05d}", title) for i, title in enumerate(titles)])
    for trigger in ("papers_terms_ai", "papers_terms_ad", "papers_terms_au"):
        db.execute(f"DROP TRIGGER {trigger}")
    db.execute("DROP TABLE papers_terms")
    db.execute(f"DELETE FROM _sqlite_migrations WHERE {unapplied}")
    db.conn.close()
    return path


def test_a_home_made_before_the_keyword_index_gets_it_once(tmp_path):
    path = _home_before_the_keyword_index(tmp_path, ["Continual learning", "Continuous flows"],
                                          "name = 'm006_light_terms'")
    db = open_database(path)
    assert _titles(db, '"continual"') == {"Continual learning"} and PaperStore(db).fts_integrity_ok()


def test_a_compound_is_indexed_joined_however_it_is_written():
    """"multimodal generation" and "multi-modal generation" shared none of their ten keyword results (a blind
    walkthrough): after a prefix written both joined and apart, the index also holds the joined word, at the end
    of the text so that phrases keep their positions."""
    from trendscope.foundation.stemming import compounds_in, joined_compound

    assert compounds_in("Pre-training and fine tuning of multi\u2011modal self-supervised models") == \
        ["Pretraining", "finetuning", "multimodal", "selfsupervised"]
    assert light_text("fine tuning BERT") == "fin tun bert finetun"
    # not a compound: a prefix that is a word of its own, a short rest, no prefix at all, inside a longer word
    assert compounds_in("over time, under water, non-IID, co-t, low-resource, text-to-SQL, GPT-4, repre-training") == []
    assert joined_compound("pre-training") == "pretraining" and joined_compound("Multi-Modal") == "MultiModal"
    assert joined_compound("non-IID") is None and joined_compound("text-to-SQL") is None
    assert joined_compound("pre training") is None  # a query's words apart stay apart


def test_every_spelling_of_a_compound_finds_the_same_papers(tmp_path):
    db = open_database(tmp_path / "t.db")
    PaperStore(db).upsert([_paper("2601.00001", "Multimodal generation with diffusion"),
                           _paper("2601.00002", "Multi-modal generation of captions"),
                           _paper("2601.00003", "Multi modal generation, written apart"),
                           _paper("2601.00004", "Modal logic generation")])
    every = {"Multimodal generation with diffusion", "Multi-modal generation of captions",
             "Multi modal generation, written apart"}
    assert _titles(db, '"multimodal"') == every
    assert _titles(db, 'title : "multimodal" AND "generation"') == every
    assert _titles(db, '"multi modal"') == every - {"Multimodal generation with diffusion"}  # phrases as before
    assert _titles(db, '"modal"') == (every - {"Multimodal generation with diffusion"}) | {"Modal logic generation"}
    assert _titles(db, '"modal generation"') == every - {"Multimodal generation with diffusion"}
    # a change of the text re-indexes it (the contentless index removes a row with the text it was built from)
    PaperStore(db).upsert([Paper(id="2601.00002", version=2, title="Unimodal captions", abstract="A study.",
                                 authors=["A. Author"], categories=["cs.LG"], published="2026-01-05")])
    assert _titles(db, '"multimodal"') == every - {"Multi-modal generation of captions"}
    assert PaperStore(db).fts_integrity_ok()


def test_british_and_american_spellings_find_each_other_and_a_home_is_rebuilt_once(tmp_path):
    """"quantisation" found nothing by keyword, and newest first listed no paper, while papers wrote
    "quantization" (two blind walkthroughs). A home made before the rule gets its keyword index rebuilt once."""
    path = tmp_path / "t.db"
    db = open_database(path)
    PaperStore(db).upsert([_paper("2601.00001", "Post-training quantization of LLMs"),
                           _paper("2601.00002", "Summarisation with quantised models"),
                           _paper("2601.00003", "Supervised learning without supervision")])
    both = {"Post-training quantization of LLMs", "Summarisation with quantised models"}
    assert _titles(db, '"quantisation"') == _titles(db, '"quantization"') == both
    assert _titles(db, '"summarization"') == {"Summarisation with quantised models"}
    # a prefix in its American spelling too: `quantiz*` found 1 paper of 54, `optimiz*` none (a blind walkthrough);
    # and a prefix of a British word, or of an "-iz" word the index keeps so, still finds it (a review)
    assert _titles(db, '"quantiz"*') == _titles(db, '"quantis"*') == _titles(db, '"quantizat"*') == both
    assert _titles(db, '"summariz"*') == {"Summarisation with quantised models"}
    PaperStore(db).upsert([_paper("2601.00004", "Behaviour cloning of generalizable dialogue policies")])
    for prefix in ("behaviou", "behavio", "generaliz", "dialogu", "dialog"):
        assert _titles(db, f'"{prefix}"*') == {"Behaviour cloning of generalizable dialogue policies"}, prefix
    assert _titles(db, '"supervision"') == {"Supervised learning without supervision"}
    db.execute("INSERT INTO papers_terms (papers_terms) VALUES ('delete-all')")  # as an older release's index
    db.execute("INSERT INTO papers_terms (rowid, title, abstract, authors) "
               "SELECT pk, lower(title), lower(abstract), lower(authors) FROM papers")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_british_spellings'")
    db.conn.close()
    db = open_database(path)
    assert _titles(db, '"quantisation"') == both and PaperStore(db).fts_integrity_ok()
