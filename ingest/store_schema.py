"""The ingest stage's tables: papers, their FTS5 keyword indexes (porter's for snippets, the light-stemmed one for
matching and BM25), ingest runs and full texts, as `sqlite_utils` migrations; `open_database` applies them. The
store modules (`store`, `fulltext_store`, `ledger`) read and write the tables.
"""
from __future__ import annotations

import logging
from pathlib import Path

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, connect

log = logging.getLogger(__name__)

migrations = Migrations("trendscope.ingest")

FTS_INSERT_TRIGGER = "papers_ai"
TERMS_INSERT_TRIGGER = "papers_terms_ai"
TERMS_TOKENIZER = "unicode61 remove_diacritics 2"  # the keyword index's (subset_match.py indexes a few papers alike)


@migrations()
def m001_papers(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE papers (
            pk INTEGER PRIMARY KEY,           -- stable rowid: FAISS ids and tags refer to it
            id TEXT NOT NULL UNIQUE,          -- arXiv id without version
            version INTEGER,
            title TEXT NOT NULL,
            abstract TEXT NOT NULL,
            authors TEXT NOT NULL DEFAULT '[]',     -- JSON list
            categories TEXT NOT NULL DEFAULT '[]',  -- JSON list, primary first
            primary_category TEXT,
            published TEXT,                   -- ISO date of v1
            updated TEXT,
            doi TEXT,
            journal_ref TEXT,
            comment TEXT,
            links TEXT NOT NULL DEFAULT '[]',       -- JSON list
            content_hash TEXT NOT NULL,
            ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )
        """
    )
    db.execute("CREATE INDEX idx_papers_published ON papers(published)")
    db.execute(
        "CREATE TABLE paper_categories (pk INTEGER NOT NULL REFERENCES papers(pk), "
        "category TEXT NOT NULL, PRIMARY KEY (category, pk)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX idx_paper_categories_pk ON paper_categories(pk)")
    db["papers"].enable_fts(
        ["title", "abstract", "authors"], fts_version="FTS5", create_triggers=True,
        tokenize="porter unicode61 remove_diacritics 2",
    )


@migrations()
def m002_ingest_runs(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE ingest_runs (
            run_id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,          -- 'arxiv-api' | 'snapshot'
            query TEXT,
            window_start TEXT,
            window_end TEXT,
            pages INTEGER NOT NULL DEFAULT 0,
            seen INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            error_messages TEXT NOT NULL DEFAULT '[]',
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT NOT NULL DEFAULT 'running'  -- running | ok | partial | failed
        )
        """
    )


@migrations()
def m003_ingest_runs_coverage(db: sqlite_utils.Database) -> None:
    # categories: JSON list of the categories a live run asked for; covered_from: first day of the window the
    # run saw completely (a run cut short by --max covers less than it asked for).
    db.execute("ALTER TABLE ingest_runs ADD COLUMN categories TEXT")
    db.execute("ALTER TABLE ingest_runs ADD COLUMN covered_from TEXT")
    db.execute("CREATE INDEX idx_ingest_runs_source ON ingest_runs(source, outcome)")


@migrations()
def m004_ingest_runs_fingerprint(db: sqlite_utils.Database) -> None:
    # snapshot runs: sha256 of the file, so an unchanged file that was fully imported is not rescanned
    db.execute("ALTER TABLE ingest_runs ADD COLUMN fingerprint TEXT")


@migrations()
def m005_fulltext(db: sqlite_utils.Database) -> None:
    """Full text of fetched papers (read and written by `fulltext_store`)."""
    db.execute("""
        CREATE TABLE IF NOT EXISTS paper_fulltext (
            arxiv_id TEXT PRIMARY KEY, status TEXT NOT NULL, sha256 TEXT, bytes INTEGER, pages INTEGER,
            fetched_at TEXT NOT NULL, extractor TEXT, error TEXT)""")
    db.execute("""
        CREATE TABLE IF NOT EXISTS paper_passages (
            arxiv_id TEXT NOT NULL, seq INTEGER NOT NULL, section INTEGER NOT NULL, heading TEXT NOT NULL,
            level INTEGER NOT NULL, kind TEXT NOT NULL, label TEXT, text TEXT NOT NULL, page INTEGER,
            PRIMARY KEY (arxiv_id, seq))""")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5("
               "text, heading, arxiv_id UNINDEXED, seq UNINDEXED, tokenize = 'porter unicode61')")
    db.execute("""
        CREATE TABLE IF NOT EXISTS paper_references (
            arxiv_id TEXT NOT NULL, n INTEGER NOT NULL, number INTEGER, text TEXT NOT NULL, title TEXT,
            year INTEGER, matched_id TEXT, PRIMARY KEY (arxiv_id, n))""")


@migrations()
def m006_light_terms(db: sqlite_utils.Database) -> None:
    """The keyword index: each paper's title, abstract and authors light-stemmed (`foundation.stemming`), so that
    "continual" no longer finds "continuous" as porter's `papers_fts` does (that table stays, for snippets).
    Contentless: it holds the index alone; the triggers give it the text through `light_text`, which
    `foundation.db.connect` registers on every connection."""
    db.execute("CREATE VIRTUAL TABLE papers_terms USING fts5(title, abstract, authors, content = '', "
               f"tokenize = '{TERMS_TOKENIZER}')")
    db.execute(f"""
        CREATE TRIGGER {TERMS_INSERT_TRIGGER} AFTER INSERT ON papers BEGIN
          INSERT INTO papers_terms (rowid, title, abstract, authors)
          VALUES (new.pk, light_text(new.title), light_text(new.abstract), light_text(new.authors));
        END""")
    db.execute("""
        CREATE TRIGGER papers_terms_ad AFTER DELETE ON papers BEGIN
          INSERT INTO papers_terms (papers_terms, rowid, title, abstract, authors)
          VALUES ('delete', old.pk, light_text(old.title), light_text(old.abstract), light_text(old.authors));
        END""")
    db.execute("""
        CREATE TRIGGER papers_terms_au AFTER UPDATE OF title, abstract, authors ON papers BEGIN
          INSERT INTO papers_terms (papers_terms, rowid, title, abstract, authors)
          VALUES ('delete', old.pk, light_text(old.title), light_text(old.abstract), light_text(old.authors));
          INSERT INTO papers_terms (rowid, title, abstract, authors)
          VALUES (new.pk, light_text(new.title), light_text(new.abstract), light_text(new.authors));
        END""")
    _fill_terms(db, "m006_light_terms")


@migrations()
def m007_joined_compounds(db: sqlite_utils.Database) -> None:
    """The keyword index built again, now with each compound's joined spelling after the text ("pre-training" and
    "pre training" also index "pretrain", `foundation.stemming.compounds_in`). Contentless: a row is removed with
    the text it was built from, so the index is emptied and filled anew before anything else writes to it."""
    db.execute("INSERT INTO papers_terms (papers_terms) VALUES ('delete-all')")
    _fill_terms(db, "m007_joined_compounds")


# the migrations that fill the keyword index, in order: one that a later one still pending will fill again leaves it
# empty (five of them each filled the index anew in one upgrade: five times 33-55 s on the full corpus, the same
# message each time: an upgrade walkthrough)
_TERMS_FILLS = ("m006_light_terms", "m007_joined_compounds", "m008_british_spellings",
                "m009_accents_and_more_british_spellings", "m010_british_inflections")


def _rebuild_terms(db: sqlite_utils.Database, name: str) -> None:
    db.execute("INSERT INTO papers_terms (papers_terms) VALUES ('delete-all')")
    _fill_terms(db, name)


def _fill_terms(db: sqlite_utils.Database, name: str) -> None:
    if name not in _TERMS_FILLS:  # a new rebuilding migration belongs at the end of the list, or none fills it
        raise ValueError(f"{name} rebuilds the keyword index but is not in _TERMS_FILLS")
    applied = {r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                                        [migrations.name])}
    if any(later not in applied for later in _TERMS_FILLS[_TERMS_FILLS.index(name) + 1:]):
        return  # a later migration of this upgrade fills it
    n = db.execute("SELECT count(*) FROM papers").fetchone()[0]
    if n:
        (log.warning if n >= 20_000 else log.info)(
            "building the keyword index of %d papers (once, for this release; about 30 s per 100,000)", n)
        db.execute(FILL_TERMS)


@migrations()
def m008_british_spellings(db: sqlite_utils.Database) -> None:
    """The keyword index built again with "-ize" words stemmed as their British "-ise" spellings
    (`foundation.stemming`: "quantization" and "quantisation" one stem), as m007 rebuilt it."""
    _rebuild_terms(db, "m008_british_spellings")


@migrations()
def m009_accents_and_more_british_spellings(db: sqlite_utils.Database) -> None:
    """The keyword index built again with accents dropped before stemming ("Herve" found no "Hervé": the tokenizer
    folded the accent after the stemmer had cut the plain "e") and British spellings beyond "-ise" made American
    ("behaviour", "colour", "centre", `foundation.stemming`), as m007 rebuilt it."""
    _rebuild_terms(db, "m009_accents_and_more_british_spellings")


@migrations()
def m010_british_inflections(db: sqlite_utils.Database) -> None:
    """The keyword index built again with the inflections of British "-re"/"-ue" words that m009's rules left apart
    ("centred" was stemmed "centerd", meeting neither "centre" nor "centered": a review), as m007 rebuilt it."""
    _rebuild_terms(db, "m010_british_inflections")


@migrations()
def m011_author_names_composed(db: sqlite_utils.Database) -> None:
    """Stored author names with TeX accents ("Fokou\\'e", "M{\\aa}ns") or decomposed accents made the letters they
    show ("Fokoué", "Måns"), as `records.author_name` now stores them, so that `au:` finds them; the keyword
    indexes follow through their triggers. Only rows holding a backslash or any non-ASCII character are read (6.6 s
    for 20,000 rewritten of 162,699, a review's synthetic home). The rule is written out here, not taken from
    `author_name`, so that a later change to that function does not change what this migration did."""
    import json

    from trendscope.foundation.text import latex_accents, nfc

    def author_name(name: str) -> str:
        return nfc(latex_accents(name))

    rows = db.execute("SELECT pk, authors FROM papers WHERE authors LIKE '%\\%' OR authors GLOB ?",
                      ["*[^ -~]*"]).fetchall()
    changed = 0
    for pk, raw in rows:
        try:
            authors = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(authors, list):
            continue
        mended = [author_name(a) if isinstance(a, str) else a for a in authors]
        if mended != authors:
            db.execute("UPDATE papers SET authors = ? WHERE pk = ?", [json.dumps(mended, ensure_ascii=False), pk])
            changed += 1
    if changed:
        log.info("author names of %d papers written with the letters their TeX or combining accents make", changed)


@migrations()
def m012_fulltext_controls(db: sqlite_utils.Database) -> None:
    """Stored full text without what PDF text now drops where it enters (DEL, C1 controls such as a terminal's CSI,
    bidirectional overrides and isolates, invisible marks): passages and references fetched before kept them, and
    `trendscope read` printed them raw (a review). The rule is written out here, as of this migration."""
    import re

    bad = re.compile("[\u200b-\u200f\u2060\u061c\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
                     "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

    def clean(text):
        return bad.sub("", text) if isinstance(text, str) else text

    changed = 0
    for aid, seq, heading, label, text in db.execute(
            "SELECT arxiv_id, seq, heading, label, text FROM paper_passages").fetchall():
        if any(isinstance(t, str) and bad.search(t) for t in (heading, label, text)):
            db.execute("UPDATE paper_passages SET heading = ?, label = ?, text = ? WHERE arxiv_id = ? AND seq = ?",
                       [clean(heading), clean(label), clean(text), aid, seq])
            db.execute("UPDATE passages_fts SET heading = ?, text = ? WHERE arxiv_id = ? AND seq = ?",
                       [clean(heading), clean(text), aid, seq])
            changed += 1
    for aid, n, text, title in db.execute("SELECT arxiv_id, n, text, title FROM paper_references").fetchall():
        if any(isinstance(t, str) and bad.search(t) for t in (text, title)):
            db.execute("UPDATE paper_references SET text = ?, title = ? WHERE arxiv_id = ? AND n = ?",
                       [clean(text), clean(title), aid, n])
            changed += 1
    if changed:
        log.info("full text: %d stored passages and references cleaned of control characters", changed)


@migrations()
def m013_withdrawal_comments(db: sqlite_utils.Database) -> None:
    """An index of the papers whose comments mention a withdrawal (a few in a hundred thousand), so that
    `PaperReads.withdrawn_pks` reads those rows, not every paper's comment: digests and recommendations leave
    withdrawn papers out. The condition must stay the one `paper_reads.WITHDRAWAL_COMMENT` writes."""
    db.execute("CREATE INDEX IF NOT EXISTS idx_papers_withdrawal_comment ON papers(pk) "
               "WHERE comment LIKE '%withdraw%'")


@migrations()
def m014_categories_of_no_archive(db: sqlite_utils.Database) -> None:
    """Stored categories of no arXiv archive ("banana", and the shared corpus's "na" and "none" beside real ones)
    dropped, as import now drops them; a primary category among them becomes the paper's first one left. The
    archives are written out here, as of this migration."""
    import json

    archives = {
        "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math",
        "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin", "quant-ph", "stat",
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "atom-ph", "bayes-an", "chao-dyn", "chem-ph", "cmp-lg",
        "comp-gas", "dg-ga", "funct-an", "mtrl-th", "patt-sol", "plasm-ph", "q-alg", "solv-int", "supr-con"}

    def bad_one(category: str | None) -> bool:
        return category is not None and category.split(".", 1)[0] not in archives

    bad = [c for (c,) in db.execute("SELECT DISTINCT category FROM paper_categories").fetchall() if bad_one(c)]
    # a primary of no archive that the paper's categories do not list (the import checked only its shape)
    primaries = [p for (p,) in db.execute("SELECT DISTINCT primary_category FROM papers").fetchall() if bad_one(p)]
    if not bad and not primaries:
        return
    marks = ", ".join("?" for _ in bad)
    pks = {pk for (pk,) in db.execute(f"SELECT pk FROM paper_categories WHERE category IN ({marks})", bad)}
    pks |= {pk for (pk,) in db.execute(
        f"SELECT pk FROM papers WHERE primary_category IN ({', '.join('?' for _ in primaries)})", primaries)}
    bad = [*bad, *primaries]
    marks = ", ".join("?" for _ in bad)
    for pk in sorted(pks):
        cats, primary = db.execute("SELECT categories, primary_category FROM papers WHERE pk = ?", [pk]).fetchone()
        kept = [c for c in json.loads(cats or "[]") if c not in bad]
        db.execute("UPDATE papers SET categories = ?, primary_category = ? WHERE pk = ?",
                   [json.dumps(kept), primary if primary not in bad else (kept[0] if kept else None), pk])
    db.execute(f"DELETE FROM paper_categories WHERE category IN ({marks})", bad)
    log.info("categories of no arXiv archive dropped from %d papers: %s", len(pks), ", ".join(sorted(bad)[:5]))


FILL_TERMS = ("INSERT INTO papers_terms (rowid, title, abstract, authors) "
               "SELECT pk, light_text(title), light_text(abstract), light_text(authors) FROM papers")


def open_database(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the Trendscope database with the ingest schema applied."""
    db = connect(path)
    apply_migrations(db, migrations)
    return db
