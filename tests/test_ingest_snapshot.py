"""Snapshot import: both line formats, .gz, malformed lines, version rules, reruns that write nothing; arXiv ids."""
from __future__ import annotations

import gzip
import json
import re
import zlib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from trendscope.ingest.records import BadArxivId, Paper, parse_arxiv_id
from trendscope.ingest.snapshot import import_snapshot
from trendscope.ingest.snapshot_lines import BadLine, detect_format, parse_line
from trendscope.ingest.store import PaperStore, open_database
from trendscope.ui.cli import main

KAGGLE = {
    "id": "0704.0001", "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages, 15 figures; published version", "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009", "report-no": "ANL-HEP-PR-07-12", "categories": "hep-ph cs.LG",
    "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented.\n",
    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                 {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}],
    "update_date": "2008-11-13",
    "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", ""],
                       ["Yuan", "C. -P.", ""]],
}


def write_lines(path: Path, lines: list[str]) -> Path:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as fh:
        for line in lines:
            fh.write(line + "\n")
    return path


def test_parse_official_arxiv_snapshot_line():
    assert detect_format(KAGGLE) == "arxiv-oai"
    p = parse_line(json.dumps(KAGGLE))
    assert p.id == "0704.0001" and p.version == 2
    assert p.published == "2007-04-02" and p.updated == "2007-07-24"
    assert p.categories == ["hep-ph", "cs.LG"] and p.primary_category == "hep-ph"
    assert p.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"]
    assert p.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert p.abstract.startswith("A fully differential") and "\n" not in p.abstract
    assert p.doi == "10.1103/PhysRevD.76.013009" and p.journal_ref == "Phys.Rev.D76:013009,2007"


def test_an_author_string_without_authors_parsed_keeps_names_whole():
    """Without `authors_parsed`, "W. Adam (Institut f\\"ur Hochenergiephysik der OeAW, Wien)" gave an author "Wien)",
    "J. Smith, Jr." an author "Jr." and "CMS Collaboration: S. Chatrchyan" one name of both (a walkthrough of odd
    real-world data)."""
    line = {k: v for k, v in KAGGLE.items() if k != "authors_parsed"}
    line["authors"] = ("CMS Collaboration: S. Chatrchyan (Yerevan Physics Institute), W. Adam (Institut f\\\"ur "
                       "Hochenergiephysik der OeAW, Wien (Austria)), J. Smith, Jr., M. Dragicevic and A. B. Last")
    assert parse_line(json.dumps(line)).authors == [
        "CMS Collaboration", "S. Chatrchyan", "W. Adam", "J. Smith Jr.", "M. Dragicevic", "A. B. Last"]
    # a group standing alone in parentheses is a name, not an affiliation
    assert parse_line(json.dumps({**line, "authors": "A. Doe, (The CMS Collaboration)"})).authors == [
        "A. Doe", "The CMS Collaboration"]
    assert parse_line(json.dumps({**line, "authors": KAGGLE["authors"]})).authors == [
        "C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]


def test_parse_corpus_line(sample_rows):
    row = sample_rows[0]
    assert detect_format(row) == "trendscope"
    p = parse_line(json.dumps(row))
    assert (p.id, p.title, p.categories, p.published) == (row["id"], row["title"], row["categories"], row["published"])
    assert p.version is None


@pytest.mark.parametrize("published, updated, day, updated_day", [
    ("2025-12-31T23:30:00-05:00", "2026-01-02T20:00:00-08:00", "2026-01-01", "2026-01-03"),  # the next day in UTC
    ("2026-01-01T01:00:00+09:00", None, "2025-12-31", None),  # the day before
    ("2025-06-01T10:00:00Z", "2025-06-02", "2025-06-01", "2025-06-02"),  # already UTC, or a day
    ("2025-06-01T23:59:00", None, "2025-06-01", None),  # no offset: as written
    ("2026-01-05T00:00:00+01:00", None, "2026-01-05", None),  # a day written as local midnight: that day
])
def test_a_timestamp_with_an_offset_is_dated_by_its_day_in_utc(sample_rows, published, updated, day, updated_day):
    """arXiv dates papers in UTC; "2025-12-31T23:30:00-05:00" was stored as 2025-12-31 and counted in the wrong year
    and ISO week (a walkthrough of odd real-world data)."""
    row = {**sample_rows[0], "id": "2601.00001", "published": published, "updated": updated}
    p = parse_line(json.dumps(row), today=date(2026, 6, 1))
    assert (p.published, p.updated) == (day, updated_day)



def test_a_kaggle_version_date_with_an_offset_is_its_day_in_utc():
    """The version dates' path kept the day as written while the ISO path took UTC: the same instant, two days (a
    review)."""
    line = {**KAGGLE, "versions": [{"version": "v1", "created": "Wed, 31 Dec 2025 23:30:00 -0500"},
                                   {"version": "v2", "created": "Mon, 5 Jan 2026 00:00:00 +0100"}]}
    p = parse_line(json.dumps({**line, "id": "2601.00002"}), today=date(2026, 6, 1))
    assert (p.published, p.updated) == ("2026-01-01", "2026-01-05")


@pytest.mark.parametrize("line, reason", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    (json.dumps({"title": "t", "abstract": "a", "categories": ["cs.LG"]}), "missing field 'id'"),
    (json.dumps({"id": "nonsense id", "title": "t", "abstract": "a"}), "not an arXiv id"),
    (json.dumps({"id": "2101.00001", "abstract": "a", "categories": ["cs.LG"]}), "missing field 'title'"),
    (json.dumps({"id": "2101.00001", "title": "", "abstract": "a"}), "field 'title' is empty"),  # not "missing"
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "yesterday"}), "not an ISO date"),
    # shaped like dates but not in the calendar, or years after the id's month: stored, they made `status`,
    # `trends` and `index` fail with tracebacks (a blind CLI walkthrough)
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "2026-13-45"}),
     "'published' is not a calendar date: '2026-13-45'"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "2021-02-30"}),
     "not a calendar date"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "2021-01-04",
                 "updated": "2021-02-30"}), "'updated' is not a calendar date"),
    # a paper stored without a date was undated everywhere: first in newest-first search, no year in BibTeX,
    # left out of every trend count (a blind walkthrough)
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": None}), "missing field 'published'"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a"}), "missing field 'published'"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": ""}), "field 'published' is empty"),
    (json.dumps({"id": "2606.00001", "title": "t", "abstract": "a", "published": "2031-01-01"}),
     "'published' 2031-01-01 is after the month of arXiv id 2606.00001 \\(2026-06\\)"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "categories": "cs.LG",
                 "versions": [{"version": "v1", "created": "Mon, 2 Apr 2029 18:09:58 GMT"}]}),
     "'versions' 2029-04-02 is after the month of arXiv id 2101.00001"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "categories": "cs.LG",
                 "versions": [{"version": "one", "created": "x"}]}), "bad version label"),
    # text far past any real paper's is refused, not stored (a 5,000-character title filled screens of heading: a
    # blind security walkthrough); the corpus's longest title is 240 characters, abstract 4,031, author name 512
    (json.dumps({"id": "2101.00001", "title": "t" * 1001, "abstract": "a", "published": "2021-01-04"}),
     "field 'title' is longer than 1,000 characters \\(1,001\\)"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a" * 20_001, "published": "2021-01-04"}),
     "field 'abstract' is longer than 20,000 characters"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "2021-01-04",
                 "authors": ["Ada Lovelace", "x" * 1001]}), "an author name in 'authors' is longer than 1,000"),
    (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "categories": "cs.LG",
                 "authors": "Ada Lovelace and " + "x" * 1001, "update_date": "2021-01-04"}),
     "an author name in 'authors' is longer than 1,000"),
    # json's own message ends in "at": it read "starting at at column 8" (a blind walkthrough)
    ('{"id": "2101.00001", "title": "t', r"^invalid JSON \(Unterminated string starting at column 31\)$"),
])
def test_bad_lines_say_why(line, reason):
    with pytest.raises(BadLine, match=reason):
        parse_line(line)


def test_a_first_version_in_the_month_after_its_ids_or_before_it_is_a_real_date():
    # the corpus's first versions fall from months before the id's month to one month after it
    for pid, day in (("2101.00001", "2021-02-28"), ("2101.00001", "2020-11-03"), ("2112.00001", "2022-01-02")):
        line = json.dumps({"id": pid, "title": "t", "abstract": "a", "published": day})
        assert parse_line(line).published == day



def test_a_first_version_two_months_after_its_ids_month_is_a_bad_line():
    """A mutation audit: the id-month window widened from one month to two went uncaught. docs/ingest.md: "a first
    version cannot be dated more than a month after the month its arXiv id was given in", in either format."""
    for line in (json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "2021-03-01"}),
                 json.dumps({"id": "2112.00001", "title": "t", "abstract": "a", "published": "2022-02-01"}),
                 json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "categories": "cs.LG",
                             "versions": [{"version": "v1", "created": "Mon, 1 Mar 2021 10:00:00 GMT"}]})):
        with pytest.raises(BadLine, match=r"is after the month of arXiv id 21(01|12)\.00001 \(202[01]-(01|12)\)"):
            parse_line(line, date(2026, 12, 7))
    ok = json.dumps({"id": "2101.00001", "title": "t", "abstract": "a", "published": "2021-02-28"})
    assert parse_line(ok, date(2026, 12, 7)).published == "2021-02-28"


def test_kaggle_versions_listed_out_of_order_give_the_latest_version_and_both_dates():
    """A mutation audit: dropping the sort of a Kaggle record's `versions` went uncaught. Listed v3, v1, v2, the
    paper is version 3, published on v1's date and updated on v3's."""
    line = json.dumps({**KAGGLE, "versions": [{"version": "v3", "created": "Wed, 1 Aug 2007 10:00:00 GMT"},
                                              {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
                                              {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"}]})
    p = parse_line(line, date(2026, 12, 7))
    assert (p.version, p.published, p.updated) == (3, "2007-04-02", "2007-08-01")


def test_more_bad_lines_than_reported_are_all_counted_and_the_first_ones_reported(tmp_path, sample_rows):
    """A mutation audit: removing the MAX_REPORTED_BAD_LINES cap went uncaught. A file with more bad lines than the
    cap reports exactly the cap's number (the first ones) and still counts every one."""
    from trendscope.ingest.snapshot import MAX_REPORTED_BAD_LINES

    extra = 7
    lines = [json.dumps(sample_rows[0])] + ["42"] * (MAX_REPORTED_BAD_LINES + extra)
    res = import_snapshot(open_database(tmp_path / "db.sqlite"), write_lines(tmp_path / "s.jsonl", lines))
    assert res.bad_count == MAX_REPORTED_BAD_LINES + extra == res.run.errors
    assert len(res.bad_lines) == MAX_REPORTED_BAD_LINES
    assert [b.line_no for b in res.bad_lines] == list(range(2, MAX_REPORTED_BAD_LINES + 2))
    assert res.run.new == 1

@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_malformed_snapshot_stores_every_valid_line(tmp_path, sample_rows, suffix):
    good = sample_rows[:300]
    lines = [json.dumps(r) for r in good]
    bad = {5: "{truncated", 50: json.dumps({"id": "2101.00001"}), 120: "42", 299: json.dumps({**good[0], "id": "x y"})}
    for line_no in sorted(bad):  # 1-based line numbers in the final file
        lines.insert(line_no - 1, bad[line_no])
    lines.insert(10, "")  # blank lines are not papers and not errors
    path = write_lines(tmp_path / f"snap{suffix}", lines)
    blank_shift = {n if n <= 10 else n + 1 for n in bad}
    db = open_database(tmp_path / "db.sqlite")
    res = import_snapshot(db, path, batch_size=64)
    assert res.bad_count == len(bad)
    assert [b.line_no for b in res.bad_lines] == sorted(blank_shift)
    assert res.run.new == len(good) and res.run.seen == len(good)
    store = PaperStore(db)
    assert store.count() == len(good)
    assert set(store.get_many([r["id"] for r in good])) == {r["id"] for r in good}
    assert store.fts_integrity_ok()
    assert res.run.outcome == "partial" and res.run.errors == len(bad)
    assert any("line 5:" in m for m in res.run.error_messages)


def test_a_gzip_file_cut_short_stores_every_line_before_the_cut(tmp_path, sample_rows):
    """A blind walkthrough: the first 300,000 bytes of the corpus (836 whole lines by zcat) imported nothing
    ("all 1 lines are bad; line 1: file ends early"), and a 3 MB cut lost 85 readable lines: gzip.GzipFile's
    error dropped the output of its whole read."""
    rows = sample_rows[:1200]
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 3])
    readable = zlib.decompressobj(wbits=31).decompress(data[: len(data) // 3])
    complete = readable.count(b"\n")  # the lines zcat gives whole
    assert 0 < complete < len(rows)
    db = open_database(tmp_path / "db.sqlite")
    res = import_snapshot(db, cut)
    assert res.run.new == complete and PaperStore(db).count() == complete
    assert [(b.line_no, b.reason.split(" (")[0]) for b in res.bad_lines] == [
        (complete + 1, "file ends early or is corrupt")]
    # members written one after another (gzip's concatenation) and zero padding after them read as one file
    two = tmp_path / "two.jsonl.gz"
    two.write_bytes(gzip.compress(json.dumps(rows[0]).encode() + b"\n")
                    + gzip.compress(json.dumps(rows[1]).encode() + b"\n") + b"\x00" * 64)
    res = import_snapshot(open_database(tmp_path / "db2.sqlite"), two)
    assert res.run.new == 2 and res.bad_lines == []


def test_an_empty_file_or_one_bad_line_is_refused_in_words(home, tmp_path):
    """ingest.md: a file in which no line is a paper is refused with exit status 1; an empty file was "imported"
    (a blind walkthrough), and one bad line read "all 1 lines are bad"."""
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n\n")
    res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--snapshot", str(empty)])
    assert res.exit_code == 1 and "holds no paper record, nothing imported: the file is empty" in res.output
    one = tmp_path / "one.jsonl"
    one.write_text("{not json\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--snapshot", str(one)])
    assert res.exit_code == 1 and "nothing imported: its one line is bad; line 1: invalid JSON" in res.output


def test_newer_version_replaces_older_equal_or_older_changes_nothing(tmp_path):
    db = open_database(tmp_path / "db.sqlite")
    store = PaperStore(db)
    v1 = Paper(id="2101.00001", title="Old title", abstract="old abstract about cats", categories=["cs.LG"],
               version=1, published="2021-01-01")
    v2 = Paper(id="2101.00001", title="New title", abstract="new abstract about dogs", categories=["cs.CL", "cs.AI"],
               version=2, published="2021-01-01", updated="2021-02-01")
    assert store.upsert([v1]).new == 1
    pk = store.pk_of("2101.00001")
    c = store.upsert([v2])
    assert (c.new, c.updated) == (0, 1)
    got = store.get("2101.00001")
    assert (got.version, got.title, got.categories) == (2, "New title", ["cs.CL", "cs.AI"])
    assert store.pk_of("2101.00001") == pk  # the stable rowid survives the update
    before = db.conn.total_changes
    for older in (v1, v2):
        c = store.upsert([older])
        assert (c.new, c.updated, c.skipped) == (0, 0, 1)
    assert db.conn.total_changes == before
    assert store.get("2101.00001").title == "New title"
    assert sorted(r[0] for r in db.execute("SELECT category FROM paper_categories WHERE pk = ?", [pk])) == [
        "cs.AI",
        "cs.CL",
    ]
    hits = [r[0] for r in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'dogs'")]
    assert hits == [pk] and not list(db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'cats'"))
    assert store.fts_integrity_ok()
    # within one batch the newest version wins whatever the order
    c = store.upsert([Paper(id="2102.00002", title="a", abstract="b", version=3),
                      Paper(id="2102.00002", title="c", abstract="d", version=1)])
    assert (c.new, c.skipped) == (1, 1) and store.get("2102.00002").version == 3


def test_the_same_version_with_authors_fills_a_record_stored_without_them(tmp_path):
    """Most of the bulk snapshot's papers carry no authors, and an API record of the same version was skipped, so
    `ingest --id` could not mend a reading list's BibTeX entries without authors (a blind walkthrough). The same
    version with authors now replaces the record; nothing else of the same or an older version does."""
    db = open_database(tmp_path / "db.sqlite")
    store = PaperStore(db)
    bare = Paper(id="2101.00001", title="A title", abstract="an abstract", categories=["cs.LG"], version=2,
                 published="2021-01-01")
    store.upsert([bare])
    pk = store.pk_of(bare.id)
    older = Paper(**{**bare.__dict__, "version": 1, "authors": ["Ada Lovelace"]})
    assert store.upsert([older]).skipped == 1 and store.get(bare.id).authors == []
    full = Paper(**{**bare.__dict__, "authors": ["Ada Lovelace", "Alan Turing"]})
    assert (store.upsert([full]).updated, store.pk_of(bare.id)) == (1, pk)
    assert store.get(bare.id).authors == ["Ada Lovelace", "Alan Turing"]
    assert [r[0] for r in db.execute("SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'authors : turing'")] == [pk]
    assert store.fts_integrity_ok() and store.count_without_authors() == 0
    before = db.conn.total_changes
    for again in (full, bare, Paper(**{**bare.__dict__, "authors": ["Someone Else"]})):
        assert store.upsert([again]).skipped == 1  # stored authors are never replaced by the same version's
    assert db.conn.total_changes == before and store.get(bare.id).authors == ["Ada Lovelace", "Alan Turing"]


def test_snapshot_rerun_writes_nothing(tmp_path, sample_rows):
    path = write_lines(tmp_path / "s.jsonl.gz", [json.dumps(r) for r in sample_rows[:2500]])
    db = open_database(tmp_path / "db.sqlite")
    first = import_snapshot(db, path)
    assert first.run.new == 2500
    state = list(db.execute("SELECT pk, id, version, ingested_at FROM papers ORDER BY pk"))
    papers_changes = db.conn.total_changes
    second = import_snapshot(db, path)  # same file, fully imported before: not even rescanned
    assert second.unchanged_since == first.run.run_id and (second.run.new, second.run.updated) == (0, 0)
    assert db.conn.total_changes - papers_changes == 2  # only the run's own ledger row (insert + finish)
    third = import_snapshot(db, path)  # the run that read the file, not the second, which read nothing
    assert third.unchanged_since == first.run.run_id
    papers_changes = db.conn.total_changes
    rescan = import_snapshot(db, path, force=True)  # every line parsed and checked: still nothing written
    assert rescan.unchanged_since is None
    assert (rescan.run.new, rescan.run.updated, rescan.run.skipped) == (0, 0, 2500)
    assert db.conn.total_changes - papers_changes == 2  # its ledger row alone
    assert list(db.execute("SELECT pk, id, version, ingested_at FROM papers ORDER BY pk")) == state
    # a killed (never finished) import of the same file does not count as complete
    path2 = write_lines(tmp_path / "t.jsonl", [json.dumps(r) for r in sample_rows[2500:2600]])
    from trendscope.foundation.hashing import file_fingerprint
    from trendscope.ingest.ledger import IngestRun, LedgerStore
    LedgerStore(db).start(IngestRun(source="snapshot", query=str(path2), fingerprint=file_fingerprint(path2)))
    assert import_snapshot(db, path2).run.new == 100


def test_cli_snapshot_import_and_status(home, tmp_path, sample_rows):
    path = write_lines(tmp_path / "s.jsonl", [json.dumps(r) for r in sample_rows[:200]] + ["oops"])
    runner = CliRunner()
    res = runner.invoke(main, ["--home", str(home), "ingest", "--snapshot", str(path)])
    # stored what it could, told a cron job or script so (exit status 3; it was 0: a walkthrough)
    assert res.exit_code == 3, res.output
    assert "200 new" in res.output and "1 bad line skipped" in res.output and "line 201: invalid JSON" in res.output
    assert "exit status 3: 1 line skipped, every good line stored" in res.output
    res = runner.invoke(main, ["--home", str(home), "ingest", "--snapshot", str(tmp_path / "missing.jsonl")])
    assert res.exit_code == 1 and "snapshot not found" in res.output and "Traceback" not in res.output
    st = json.loads(runner.invoke(main, ["--home", str(home), "status", "--json"]).output)
    assert st["papers"] == 200 and isinstance(st["papers"], int)
    assert len(st["per_day"]) == 28
    last_day = max(r["published"] for r in sample_rows[:200])
    assert st["per_day"][-1]["date"] == last_day
    per_day_expected = sum(1 for r in sample_rows[:200] if st["per_day"][0]["date"] <= r["published"] <= last_day)
    assert sum(d["papers"] for d in st["per_day"]) == per_day_expected
    assert st["runs"][0]["source"] == "snapshot" and st["runs"][0]["new"] == 200
    assert any("no successful live arXiv ingest" in s for s in st["stale"])
    # an old corpus says so: every digest of a recent week was empty with nothing to say why (a blind walkthrough)
    from datetime import date

    age = (date.today() - date.fromisoformat(last_day)).days
    assert age > 14 and f"the newest paper was published {last_day}, {age} days ago" in " ".join(st["stale"])
    text = runner.invoke(main, ["--home", str(home), "status"]).output
    assert "Papers: 200" in text and "Last runs:" in text
    # the run's line counts its bad line as such, and no pages for a file ("skipped 0" beside "errors 8" read as
    # if the bad lines the import had called skipped were not counted: a blind walkthrough)
    run = next(x for x in text.splitlines() if " snapshot: partial; " in x)
    assert run.endswith("snapshot: partial; seen 200, new 200, updated 0, unchanged 0, bad lines 1"), run
    # a file that is no snapshot at all is refused in one line, and is not taken as "fully imported"
    readme = write_lines(tmp_path / "README.md", ["# Title", "", "Some *text*.", "{not json"])
    for _ in range(2):
        res = runner.invoke(main, ["--home", str(home), "ingest", "--snapshot", str(readme)])
        assert res.exit_code == 1 and "Traceback" not in res.output, res.output
        assert res.output.strip().splitlines() == [
            f"Error: {readme} holds no paper record, nothing imported: all 3 lines are bad; line 1: invalid JSON "
            "(Expecting value at column 1)"]
    again = runner.invoke(main, ["--home", str(home), "ingest", "--snapshot", str(path)]).output
    assert "which read every line of it" in again and "fully imported" not in again  # it had skipped a line
    as_json = runner.invoke(main, ["--home", str(home), "ingest", "--snapshot", str(path), "--force", "--json"])
    assert as_json.exit_code == 3 and json.loads(as_json.stdout)["bad_count"] == 1


@pytest.mark.parametrize("text, expected", [
    ("2106.09685", ("2106.09685", None)), ("https://arxiv.org/pdf/2106.09685v3", ("2106.09685", 3)),
    ("0704.0001", ("0704.0001", None)), ("1412.6980v9", ("1412.6980", 9)), ("1501.00001", ("1501.00001", None)),
    ("arXiv:cs/0112017v1", ("cs/0112017", 1)), ("math.GT/0309136", ("math/0309136", None)),
    # forms a blind walkthrough had refused: listing links, the arXiv DOI, "arXiv: ID" as references print it
    ("https://arxiv.org/abs/2106.09685?context=cs", ("2106.09685", None)),
    ("https://arxiv.org/pdf/2106.09685v2#page=3", ("2106.09685", 2)),
    ("https://doi.org/10.48550/arXiv.2106.09685", ("2106.09685", None)),
    ("10.48550/arXiv.2106.09685v2", ("2106.09685", 2)), ("arXiv: 2106.09685", ("2106.09685", None)),
])

def test_arxiv_ids_are_parsed(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("2106.9685", "from 1501 on the number after the dot has 5 digits"),  # a digit lost: it could never fill in
    ("1412.69800", "before it 4"), ("2613.00001", "a year and month from 0704 on"),
    ("0612.0001", "a year and month from 0704 on"), ("foo", "not an arXiv id or URL: 'foo' (e.g. 2106.09685"),
])
def test_ids_that_cannot_exist_are_refused_with_the_reason(text, reason):
    with pytest.raises(BadArxivId, match=re.escape(reason)):
        parse_arxiv_id(text)


def test_an_and_left_on_the_last_author_is_dropped_when_stored_and_read(tmp_path):
    """A blind walkthrough: 14 papers of the shared corpus list "and Wen Tong" as their last author (a split
    "A, B, and C"); BibTeX read "Jun Wang and and Wen Tong" and the Atom feed "<name>and Wen Tong</name>"."""
    from trendscope.ingest.paper_reads import PaperReads

    p = Paper(id="2512.02201", title="T", abstract="A", authors=["Jun Wang", "and Wen Tong", "Andrea Anderson",
                                                                 "And  Li Wei", "and"])
    assert p.authors == ["Jun Wang", "Wen Tong", "Andrea Anderson", "Li Wei", "and"]
    db = open_database(tmp_path / "t.db")
    PaperStore(db).upsert([p])
    # a row stored before the fix is read as the name too
    db.execute("UPDATE papers SET authors = ? WHERE id = ?", [json.dumps(["Jun Wang", "and Wen Tong"]), p.id])
    db.conn.commit()
    assert PaperStore(db).get(p.id).authors == ["Jun Wang", "Wen Tong"]
    pk = PaperReads(db).pk_of(p.id)
    assert PaperReads(db).rows([pk])[pk].authors == ["Jun Wang", "Wen Tong"]


def test_a_small_file_that_inflates_hugely_is_read_a_little_at_a_time(tmp_path):
    """The streaming reader inflates at most a megabyte a step: one read of 64 KB of a gzip bomb would otherwise
    inflate to some 64 MB at once."""
    import tracemalloc

    from trendscope.ingest.snapshot import iter_snapshot

    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b'{"x": 1}' + b" " * (96 << 20) + b"\n", 1))
    tracemalloc.start()
    try:
        got = list(iter_snapshot(bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [(n, str(b).split(" (")[0]) for n, b in got] == [(1, "line too long")]
    assert peak < 48 << 20, peak >> 20


def test_stored_author_names_with_tex_accents_are_mended_once_on_opening(tmp_path):
    """Homes made before names were stored as the letters they show keep "M{\\aa}ns" and "Fran\\c{c}ois": migration
    m011 rewrites those names once (the keyword indexes follow), leaves every other name alone, and `au:` then
    finds them by the letters the app shows."""
    path = tmp_path / "db.sqlite"
    db = open_database(path)
    store = PaperStore(db)
    store.upsert([Paper(id=f"2401.0000{i}", title=f"Paper {i}", abstract="An abstract about words.", version=1,
                        published="2024-01-02", updated="2024-01-02", authors=[name, "Plain Name"])
                  for i, name in enumerate(["Måns Magnusson", "François Dupont", "Ada Lovelace", "한 Kim"], start=1)])
    raw = {"2401.00001": ["M{\\aa}ns Magnusson", "Plain Name"], "2401.00002": ["Fran\\c{c}ois Dupont", "Plain Name"],
           "2401.00004": ["\u1112\u1161\u11ab Kim", "Plain Name"]}  # (decomposed Hangul, as macOS writes it)
    with db.conn:  # as an earlier release stored them
        for pid, authors in raw.items():
            db.execute("UPDATE papers SET authors = ? WHERE id = ?", [json.dumps(authors), pid])
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_author_names_composed'")

    def found(db, name: str, table: str = "papers_terms") -> list[str]:  # the index `au:` matches with
        from trendscope.foundation.stemming import light_text

        term = light_text(name) if table == "papers_terms" else name  # (its text is light-stemmed)
        return sorted(r[0] for r in db.execute(f"SELECT p.id FROM {table} JOIN papers p ON p.pk = {table}.rowid "
                                               f"WHERE {table} MATCH ?", [f'authors : "{term}"']))

    assert found(db, "Mans") == [] and found(db, "Francois") == []  # what the earlier release's home answered
    db.conn.close()
    db = open_database(path)
    assert [json.loads(r[0]) for r in db.execute("SELECT authors FROM papers ORDER BY id")] == [
        ["Måns Magnusson", "Plain Name"], ["François Dupont", "Plain Name"], ["Ada Lovelace", "Plain Name"],
        ["한 Kim", "Plain Name"]]
    for table in ("papers_terms", "papers_fts"):  # (porter's, for snippets, follows too)
        assert found(db, "Mans", table) == ["2401.00001"] and found(db, "Francois", table) == ["2401.00002"]
    assert found(db, "Plain") == ["2401.00001", "2401.00002", "2401.00003", "2401.00004"]
