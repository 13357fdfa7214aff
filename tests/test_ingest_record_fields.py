"""Snapshot fields checked where they enter (ingest/record_fields.py): dates within arXiv's life, categories shaped
like arXiv's, DOIs shaped like DOIs, web links only, and caps on how many of each a paper keeps. A line a paper
cannot be stored from is skipped with its reason; a bad field a paper does without is dropped with a note."""
from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from trendscope.ingest import record_fields
from trendscope.ingest.snapshot import import_snapshot
from trendscope.ingest.snapshot_lines import BadLine, parse_line
from trendscope.ingest.store import PaperStore, open_database

TODAY = date(2026, 12, 7)


def corpus(**fields) -> str:
    return json.dumps({"id": "2101.00001", "title": "T", "abstract": "A", "categories": ["cs.LG"],
                       "published": "2021-01-04", **fields})


def kaggle(**fields) -> str:
    return json.dumps({"id": "2101.00001", "title": "T", "abstract": "A", "authors": "X Y", "categories": "cs.LG",
                       "versions": [{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"}], **fields})


def parsed(line: str):
    notes: list[str] = []
    return parse_line(line, TODAY, notes), notes


@pytest.mark.parametrize("line, reason", [
    # the audit's lines: stored, they made every `trendscope index` run fail with OverflowError
    ('{"id":"cs/0112999","title":"T","abstract":"A","categories":["cs.LG"],"published":"9999-12-31"}',
     "'published' 9999-12-31 is after the month of arXiv id cs/0112999 \\(2001-12\\)"),
    ('{"id":"2301.90010","title":"K","abstract":"A","authors":"X Y","categories":"cs.LG",'
     '"update_date":"9999-12-31"}', "'update_date' 9999-12-31 is in the future \\(today is 2026-12-07\\)"),
    (corpus(published="0001-01-01"), "'published' 0001-01-01 is before arXiv began \\(1991-01-01\\)"),
    (corpus(id="math/9101001", published="1990-12-31"), "before arXiv began"),
    (kaggle(versions=None, update_date="0001-01-01"), "'update_date' 0001-01-01 is before arXiv began"),
    # an id of this month and a date past today: only the clock can tell
    (corpus(id="2612.00001", published="2026-12-10"), "'published' 2026-12-10 is in the future"),
    (kaggle(id="2612.00001", versions=[{"version": "v1", "created": "Thu, 31 Dec 2026 10:00:00 GMT"}]),
     "'versions' 2026-12-31 is in the future"),
    # old-style ids name their month too (archive/YYMMNNN)
    (corpus(id="hep-th/9108001", published="1993-05-02"), "after the month of arXiv id hep-th/9108001 \\(1991-08\\)"),
    (corpus(id="math.GT/0309136", published="2005-01-01"), "after the month of arXiv id math/0309136 \\(2003-09\\)"),
])
def test_dates_outside_arxivs_life_are_bad_lines(line, reason):
    with pytest.raises(BadLine, match=reason):
        parse_line(line, TODAY)


def test_dates_at_the_edges_of_arxivs_life_are_kept():
    for line, day in ((corpus(id="hep-th/9108001", published="1991-08-14"), "1991-08-14"),
                      (corpus(id="math/9101001", published="1991-01-01"), "1991-01-01"),
                      (corpus(id="2612.00001", published="2026-12-09"), "2026-12-09"),  # today + 2 days
                      (kaggle(versions=None, update_date="2026-12-07"), "2026-12-07")):
        paper, notes = parsed(line)
        assert (paper.published, notes) == (day, [])


def test_an_updated_date_that_cannot_be_true_is_dropped_and_the_paper_kept():
    # dropped rather than refused: the paper and its publication date are good
    paper, notes = parsed(corpus(updated="2020-05-01"))
    assert paper.published == "2021-01-04" and paper.updated is None
    assert notes == ["field 'updated' 2020-05-01 is before the paper's publication date 2021-01-04: dropped"]
    paper, notes = parsed(corpus(updated="9999-12-31"))
    assert paper.updated is None and notes == ["field 'updated' 9999-12-31 is in the future (today is 2026-12-07): "
                                               "dropped"]
    paper, notes = parsed(kaggle(versions=[{"version": "v1", "created": "Mon, 4 Jan 2021 10:00:00 GMT"},
                                           {"version": "v2", "created": "Fri, 31 Dec 9999 10:00:00 GMT"}]))
    assert (paper.version, paper.updated) == (2, None) and "'versions' 9999-12-31 is in the future" in notes[0]
    assert parsed(corpus(updated="2021-03-01"))[0].updated == "2021-03-01"


def test_categories_must_look_like_arxivs():
    real = ["cs.LG", "math.ST", "hep-th", "cond-mat.stat-mech", "q-bio.NC", "physics.data-an", "astro-ph.CO",
            "cmp-lg", "gr-qc"]
    paper, notes = parsed(corpus(categories=real, primary_category="hep-th"))
    assert (paper.categories, paper.primary_category, notes) == (real, "hep-th", [])
    paper, notes = parsed(kaggle(categories=" ".join(real)))
    assert (paper.categories, paper.primary_category, notes) == (real, "cs.LG", [])
    # some bad among good ones: the bad dropped, the paper kept
    paper, notes = parsed(corpus(categories=["<b>evil</b>", "cs.CL", "c" * 100_000], primary_category="<b>evil</b>"))
    assert paper.categories == ["cs.CL"] and paper.primary_category == "cs.CL"
    assert notes == ["field 'categories': '<b>evil</b>', 'ccccccccccccccccccccccccccccccccccccccc…' (100,000 "
                     "characters) are not arXiv categories: dropped",
                     "field 'primary_category' '<b>evil</b>' is not an arXiv category: the first category used "
                     "instead"]
    # none good: the line is skipped, its reason quoting what it held (cut short)
    with pytest.raises(BadLine, match=r"^field 'categories' holds no arXiv category \(such as cs.LG or hep-th\): "
                                      r"'ccc[c]+…' \(100,000 characters\)$"):
        parse_line(corpus(categories=["c" * 100_000]), TODAY)
    with pytest.raises(BadLine, match="holds no arXiv category .*: '<b>evil</b>', 'cs:LG' and 1 more$"):
        parse_line(kaggle(categories="<b>evil</b> cs:LG x;y"), TODAY)
    # none at all: kept, and said (it was stored without a word: a walkthrough of an unreliable network)
    for line in (corpus(categories=[]), kaggle(categories="")):
        paper, notes = parsed(line)
        assert paper.categories == [] and notes == ["field 'categories' is empty: stored without a category "
                                                    "(category filters and trends by category leave it out)"]


def test_a_word_shaped_like_a_category_of_no_arxiv_archive_is_none():
    """A blind walkthrough: "banana" and "notacat" were stored as categories (primary too), filtered on and
    charted, while "cs.FAKE" was dropped; the shared corpus itself lists "na" and "none" beside real ones."""
    paper, notes = parsed(corpus(categories=["banana", "cs.CV", "none"], primary_category="banana"))
    assert paper.categories == ["cs.CV"] and paper.primary_category == "cs.CV"
    assert notes == ["field 'categories': 'banana', 'none' are not arXiv categories: dropped",
                     "field 'primary_category' 'banana' is not an arXiv category: the first category used instead"]
    with pytest.raises(BadLine, match="holds no arXiv category .*: 'notacat'$"):
        parse_line(corpus(categories=["notacat"]), TODAY)
    old = ["cmp-lg", "solv-int", "alg-geom", "q-alg", "chao-dyn", "cond-mat.supr-con", "math.AG", "econ.EM"]
    assert parsed(corpus(categories=old, primary_category="cmp-lg"))[0].categories == old  # every archive arXiv had


def test_an_api_entrys_acm_or_msc_classes_are_no_categories():
    """The API's category terms may hold ACM or MSC classes beside arXiv's; a review: migration m014 dropped them
    from what was stored while the next live ingest wrote them back. Live entries keep arXiv's categories only."""
    from trendscope.ingest.record_fields import api_categories

    assert api_categories(["cs.LG", "I.2.6", "68T05", "cs.LG", "stat.ML"], "cs.LG") == (["cs.LG", "stat.ML"], "cs.LG")
    assert api_categories(["I.2.7", "cs.CL"], "I.2.7") == (["cs.CL"], "cs.CL")
    assert api_categories(["68T05"], None) == ([], None)
    from trendscope.ingest.atom import AtomEntry

    entry = AtomEntry(entry_id="http://arxiv.org/abs/2401.00001v2", title="T", summary="A.", published="2024-01-02",
                      updated="2024-01-03", categories=["I.2.6", "cs.LG", "68T05"], primary_category="I.2.6")
    paper = entry.to_paper()
    assert (paper.categories, paper.primary_category) == (["cs.LG"], "cs.LG")


def test_many_categories_are_cut_to_the_first_twenty():
    words = ["cs." + "".join(chr(97 + i // 26 ** k % 26) for k in range(4)) for i in range(300_000)]  # distinct
    line = kaggle(categories=" ".join(words))
    assert len(line) > 1_500_000
    paper, notes = parsed(line)
    assert paper.categories == words[:20] and paper.primary_category == words[0]
    assert notes == ["field 'categories' lists 300,000 categories: the first 20 kept"]


def test_authors_are_capped_past_any_real_list():
    real = [f"Author {i}" for i in range(5_200)]  # the longest real lists (ATLAS, CMS) are kept whole
    paper, notes = parsed(corpus(authors=real))
    assert (paper.authors, notes) == (real, [])
    many = [f"Author {i}" for i in range(200_000)]
    paper, notes = parsed(corpus(authors=many))
    assert paper.authors == many[:record_fields.MAX_AUTHORS] and notes == ["200,000 authors: the first 6,000 kept"]
    paper, notes = parsed(kaggle(authors=", ".join(many[:9_000])))
    assert len(paper.authors) == 6_000 and notes == ["9,000 authors: the first 6,000 kept"]


def test_links_are_http_links_of_reasonable_length_and_number():
    good = ["https://github.com/org/repo", "http://example.org/x?y=1"]
    paper, notes = parsed(corpus(links=["javascript:alert(1)", *good, "https://x.org/" + "a" * 500_000,
                                        "ftp://example.org/f", "https://", good[0]]))
    assert paper.links == good
    assert notes == ["field 'links': 'javascript:alert(1)', 'https://x.org/aaaaaaaaaaaaaaaaaaaaaaaaa…' (500,014 "
                     "characters) and 2 more are not http(s) links of at most 2,000 characters: dropped"]
    paper, notes = parsed(corpus(links=[f"https://example.org/{i}" for i in range(25)]))
    assert len(paper.links) == 20 and notes == ["field 'links' lists 25 links: the first 20 kept"]


@pytest.mark.parametrize("value, kept, note", [
    ("10.1103/PhysRevD.76.013009", "10.1103/PhysRevD.76.013009", None),
    ("10.1002/(SICI)1097-4636(199706)35:4<441::AID-JBM4>3.0.CO;2-B", "10.1002/(SICI)1097-4636(199706)35:4<441::"
     "AID-JBM4>3.0.CO;2-B", None),
    ("10.1088/1126-6708/2007/07/027 10.1088/1126-6708/2007/07/028", "10.1088/1126-6708/2007/07/027",
     "field 'doi' holds 2 DOIs: the first kept"),
    # a comma or semicolon between two: the first kept without it ("...044016," was kept: a review)
    ("10.1103/PhysRevD.76.044016, 10.1103/PhysRevD.76.044017", "10.1103/PhysRevD.76.044016",
     "field 'doi' holds 2 DOIs: the first kept"),
    ("10.1103/PhysRevD.76.044016;10.1103/PhysRevD.76.044017", "10.1103/PhysRevD.76.044016",
     "field 'doi' holds 2 DOIs: the first kept"),
    ("10.1/x}\n@misc{y", None, "field 'doi' '10.1/x} @misc{y' is not a DOI (10.NNNN/...): dropped"),
    ("10.1234/a{b}", None, "is not a DOI"),
    ("doi:10.1234/x", None, "is not a DOI"),
    ("10.1234/" + "x" * 400, None, "field 'doi' is longer than 300 characters (408): dropped"),
    (12, None, "field 'doi' is not a string (int): dropped"),
])
def test_a_doi_must_look_like_one(value, kept, note):
    for line in (corpus(doi=value), kaggle(doi=value)):
        paper, notes = parsed(line)
        assert paper.doi == kept
        assert notes == [] if note is None else (len(notes) == 1 and note in notes[0])


def test_every_paper_of_the_shared_sample_passes_unchanged(sample_rows):
    """Real data keeps every field: no note, no refusal, across the 6,000 sample papers (dated against the fixed
    TODAY, so the result does not depend on the day the test runs)."""
    for row in sample_rows:
        notes: list[str] = []
        p = parse_line(json.dumps(row), TODAY, notes)
        assert notes == [] and p.categories == list(dict.fromkeys(row["categories"])), row["id"]


def test_the_import_skips_the_bad_lines_stores_the_rest_and_warns_of_dropped_fields(tmp_path: Path, caplog):
    lines = [
        '{"id":"cs/0112999","title":"T","abstract":"A","categories":["cs.LG"],"published":"9999-12-31"}',
        '{"id":"2301.90010","title":"K","abstract":"A","authors":"X Y","categories":"cs.LG",'
        '"update_date":"9999-12-31"}',
        corpus(id="2101.00002", doi="10.1/x}\n@misc{y", links=["javascript:alert(1)", "https://ok.org/a"]),
        corpus(id="2101.00003", published="0001-01-01"),
        corpus(id="2101.00004", categories=["<b>evil</b>"]),
        corpus(id="2101.00005"),
    ]
    path = tmp_path / "audit.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = open_database(tmp_path / "db.sqlite")
    with caplog.at_level(logging.WARNING, logger="trendscope.ingest.snapshot"):
        res = import_snapshot(db, path, today=TODAY)
    assert [b.line_no for b in res.bad_lines] == [1, 2, 4, 5] and res.run.new == 2
    assert "9999-12-31 is in the future" in res.bad_lines[1].reason
    stored = PaperStore(db).get("2101.00002")
    assert stored.doi is None and stored.links == ["https://ok.org/a"]
    assert PaperStore(db).get("cs/0112999") is None and PaperStore(db).get("2301.90010") is None
    assert [(n.line_no, n.reason[:13]) for n in res.notes] == [(3, "field 'doi' '"), (3, "field 'links'")]
    assert res.note_count == 2 and res.run.outcome == "partial"
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [f"{path}:3: field 'doi' '10.1/x}} @misc{{y' is not a DOI (10.NNNN/...): dropped",
                      f"{path}:3: field 'links': 'javascript:alert(1)' is not an http(s) link of at most 2,000 "
                      "characters: dropped"]


def test_an_id_that_is_no_string_is_named_as_such_not_missing():
    """`"id": 12345` was reported as "missing field 'id'" (a walkthrough of an unreliable network)."""
    with pytest.raises(BadLine, match=r"^field 'id' must be a string such as \"2106.09685\", got int 12345$"):
        parse_line(corpus(id=12345), TODAY)
    with pytest.raises(BadLine, match="^field 'id' is empty$"):
        parse_line(corpus(id=" "), TODAY)
    with pytest.raises(BadLine, match="^missing field 'id'$"):
        parse_line(json.dumps({k: v for k, v in json.loads(corpus()).items() if k != "id"}), TODAY)


@pytest.mark.parametrize("comment, abstract, note", [
    # arXiv's own words (recorded OAI-PMH comments; the shared corpus's 1512.08982 abstract)
    ("This paper has been withdrawn. Theorem 38 and Corollary 39 are in\n   error.", "x",
     "This paper has been withdrawn. Theorem 38 and Corollary 39 are in error."),
    (None, "This article has been withdrawn by arXiv administrators because the submitter did not have the legal "
           "authority to grant the license applied to the work.",
     "This article has been withdrawn by arXiv administrators because the submitter did not have the legal "
     "authority to grant the license applied to the work."),
    ("Withdrawn: a flaw in the proof of Lemma 2", "x", "Withdrawn: a flaw in the proof of Lemma 2"),
    ("Paper withdrawn due to an error in Table 3", None, "Paper withdrawn due to an error in Table 3"),
    # "withdrawn" about something else
    ("Supersedes arXiv:1606.03705, which was withdrawn", "x", None),
    (None, "Mixer services remove all connections between the input (deposited) Bitcoins and the output "
           "(withdrawn) mixed Bitcoins.", None),
    ("10 pages; withdrawn transactions are studied in Section 4", "x", None),
    (None, None, None),
    # a review: an abstract or comment opening with "withdrawn" as an adjective, or "(withdrawn)", is no withdrawal;
    # a comment saying it after the page count is
    (None, "Withdrawn transactions in payment channels are studied.", None),
    (None, "(withdrawn) mixed Bitcoins are tracked.", None),
    ("Withdrawn transactions are studied", "x", None),
    ("12 pages. This paper has been withdrawn by the author.", "x", "This paper has been withdrawn by the author."),
    ("Withdrawn by the authors due to an error in Table 2", "x", "Withdrawn by the authors due to an error in Table 2"),
    ("Withdrawn in favour of arXiv:1606.03705", "x", "Withdrawn in favour of arXiv:1606.03705"),
    # a mutation audit: each part of the rules
    ("This paper was withdrawn by the author", "x", "This paper was withdrawn by the author"),
    ("Withdrawn (an error in Lemma 3)", "x", "Withdrawn (an error in Lemma 3)"),
    ("Accepted at ICML 2021 after the submission was withdrawn from NeurIPS", "x", None),
    ("Accepted at ICML; the submission was withdrawn from NeurIPS", "x", None),
    ("Accepted at ICML. The submission was withdrawn from NeurIPS.", "x", None),
    ("Withdrawn individuals are excluded from the cohort", "x", None),
    (None, "We examine a case in which the paper was withdrawn after peer review.", None),
    (None, "Withdrawn, anxious children were studied.", None),
])
def test_a_withdrawn_paper_is_told_by_what_it_says_of_itself(comment, abstract, note):
    from trendscope.ingest.records import Paper, withdrawal_note

    assert withdrawal_note(comment, abstract) == note
    assert Paper(id="2401.00001", title="t", abstract=abstract or "a", comment=comment).withdrawn == \
        withdrawal_note(comment, abstract or "a")


def test_a_long_withdrawal_note_is_cut():
    from trendscope.ingest.records import MAX_WITHDRAWAL_NOTE, withdrawal_note

    note = withdrawal_note("This paper has been withdrawn " + "because " * 100, None)
    assert len(note) == MAX_WITHDRAWAL_NOTE and note.endswith("…")


def test_withdrawn_papers_are_found_by_reading_only_the_rows_that_can_say_so(tmp_path: Path, sample_rows):
    """Digests and recommendations leave withdrawn papers out: `PaperReads.withdrawn_pks` finds them through an
    index of comments mentioning a withdrawal and the abstracts holding "withdrawn", not a scan of every paper."""
    from dataclasses import replace

    from trendscope.ingest.paper_reads import WITHDRAWAL_COMMENT, PaperReads
    from trendscope.ingest.records import Paper

    db = open_database(tmp_path / "trendscope.db")
    store = PaperStore(db)
    rows = [r for r in sample_rows if "/" not in r["id"]][:8]
    store.upsert([Paper(**{k: v for k, v in r.items() if k in Paper.__dataclass_fields__}) for r in rows])
    reads = PaperReads(db)
    assert reads.withdrawn_pks() == set()
    papers = [store.get(r["id"]) for r in rows[:4]]
    admin = ("This article has been withdrawn by arXiv administrators because the submitter did not have the "
             "legal authority to grant the license.")
    store.upsert([
        replace(papers[0], version=(papers[0].version or 1) + 1,
                comment="This paper has been withdrawn by the author."),
        replace(papers[1], version=(papers[1].version or 1) + 1, abstract=admin),
        replace(papers[2], version=(papers[2].version or 1) + 1, comment="Supersedes arXiv:1606.03705, which was "
                "withdrawn"),
        replace(papers[3], version=(papers[3].version or 1) + 1,
                abstract="We study withdrawn loans and the (withdrawn) deposits of banks."),
    ])
    assert reads.withdrawn_pks() == {store.pk_of(papers[0].id), store.pk_of(papers[1].id)}
    # the comments are read through m013's partial index (the condition written alike in both places)
    plan = " ".join(str(r) for r in db.execute(f"EXPLAIN QUERY PLAN SELECT pk FROM papers WHERE {WITHDRAWAL_COMMENT}"))
    assert "idx_papers_withdrawal_comment" in plan, plan


def test_stored_categories_of_no_archive_are_dropped_once_on_opening(tmp_path: Path):
    """Homes filled before archives were checked keep "banana" (and the shared corpus's "na"): migration m014 drops
    them from the paper and its category rows, a primary among them becomes the first category left."""
    from trendscope.ingest.records import Paper

    path = tmp_path / "db.sqlite"
    db = open_database(path)
    PaperStore(db).upsert([Paper(id=f"2401.0000{i}", title=f"Paper {i}", abstract="Words.", version=1,
                                 published="2024-01-02", categories=["cs.CV", "cs.LG"], primary_category="cs.CV")
                           for i in (1, 2)])
    with db.conn:  # as an earlier release stored them
        db.execute("UPDATE papers SET categories = ?, primary_category = 'banana' WHERE id = '2401.00001'",
                   [json.dumps(["banana", "cs.CV", "na"])])
        db.execute("DELETE FROM paper_categories WHERE pk = (SELECT pk FROM papers WHERE id = '2401.00001')")
        db.execute("INSERT INTO paper_categories (pk, category) SELECT p.pk, c.value FROM papers p, json_each(?) c "
                   "WHERE p.id = '2401.00001'", [json.dumps(["banana", "cs.CV", "na"])])
        # a primary the categories do not list (the import checked only its shape: a review)
        db.execute("UPDATE papers SET primary_category = 'notacat' WHERE id = '2401.00002'")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm014_categories_of_no_archive'")
    db.conn.close()
    db = open_database(path)
    rows = {r[0]: (json.loads(r[1]), r[2]) for r in db.execute("SELECT id, categories, primary_category FROM papers")}
    assert rows == {"2401.00001": (["cs.CV"], "cs.CV"), "2401.00002": (["cs.CV", "cs.LG"], "cs.CV")}
    assert sorted(c for (c,) in db.execute("SELECT DISTINCT category FROM paper_categories")) == ["cs.CV", "cs.LG"]
