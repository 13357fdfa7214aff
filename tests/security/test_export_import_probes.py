"""Security probes for reading-list exports and imports (audit findings 10 and 7).

- CSV cells that a spreadsheet would run as a formula are guarded with a leading `'`, and import removes the guard;
- BibTeX field values cannot add fields or unbalance braces, categories must look like arXiv categories;
- control characters (NUL from a snapshot) never reach an export, and every export imports back (round trip with
  nasty titles and notes);
- JSON/CSV imports are validated per item and field, absurd nesting is refused without recursing, messages name
  the file the user gave (a display name), never a server temp path; bad rows are reported and skipped, good rows
  applied, and a file with no good row changes nothing.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata

import bibtexparser
import pytest
from bibtexparser import middlewares as mw
from lists_support import cli

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database
from trendscope.reading.bibtex_import import latex_decoder
from trendscope.reading.lists import ReadingLists

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

NASTY = [
    '=HYPERLINK("https://evil.example/x","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=tab then formula",
    "\r=carriage return then formula",
    "'=already quoted",
    "Braces } unbalanced {{ and }, evil = {x",
    "Quotes \"double\" 'single' `` '' -- dash --- !` ?`",
    "NUL\x00in\x00the\x00title, bell \x07, escape \x1b[31m, DEL \x7f, C1 \x85",
    "Windows\r\nline\r\nbreaks\rand a lone CR",
    "Emoji 🎉🚀 and a ZWJ sequence 👩‍💻",
    "RTL עברית والعربية \u202eevil\u202c mixed",
    "Unicode line\u2028separator\u2029paragraph, NEL\x85 and form\x0cfeed",
    "Comment on arXiv:1706.03762 and https://arxiv.org/abs/2101.00001",
    "% comment # hash & amp _ under ~ tilde ^ caret \\ backslash $x$ {ok}",
    "[x](javascript:alert(1)) <img src=x onerror=alert(1)> | a | b |",
]
STATUSES = ("unread", "reading", "read")


def _ids(n: int) -> list[str]:
    return [f"2607.{i:05d}" for i in range(1, n + 1)]


# bidirectional embeddings, overrides and isolates, zero-width space, word joiner, BOM: they change how a note reads
INVISIBLE = {0x200B, *range(0x202A, 0x202F), 0x2060, *range(0x2066, 0x206A), 0xFEFF}


def clean(text: str) -> str:
    """What the exports may keep of a text: CR/CRLF become LF, other control characters (but tab) and the
    invisible characters that change how it reads are dropped."""
    text = re.sub(r"\r\n?", "\n", text)
    return "".join(ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ord(ch) not in INVISIBLE))


def _nasty_list(home, name="Nasty") -> tuple[ReadingLists, list[str]]:
    db = open_database(home / "trendscope.db")
    ids = _ids(len(NASTY))
    papers = [
        Paper(id=aid, title=title, abstract="abstract " + title, version=1, published="2026-07-01",
              authors=[title, "Last, First", "A and B Corp"], categories=["cs.LG"],
              primary_category=["cs.LG}, evil={x", "-2+3", "cs.LG"][i % 3],
              doi="10.1234/x}, evil={y" if i == 0 else None, journal_ref=title if i % 2 else None)
        for i, (aid, title) in enumerate(zip(ids, NASTY))
    ]
    PaperStore(db).upsert(papers)
    rl = ReadingLists(db)
    rl.create(name)
    rl.add(name, ids)
    for i, (aid, note) in enumerate(zip(ids, NASTY)):
        rl.set_note(name, aid, note)
        rl.set_status(name, [aid], STATUSES[i % 3])
    return rl, ids


# -- CSV formula injection ----------------------------------------------------------------------------------
def test_csv_cells_never_start_like_a_formula_and_import_removes_the_guard(home, tmp_path):
    rl, ids = _nasty_list(home)
    text = rl.export("Nasty", "csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    dangerous = [c for c in cells if c.startswith(FORMULA_START)]
    assert dangerous == [], dangerous
    by_id = {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert by_id[ids[0]]["title"] == "'" + NASTY[0]
    assert by_id[ids[0]]["authors"].startswith("'=HYPERLINK(")
    assert by_id[ids[1]]["primary_category"] == "'-2+3"
    assert by_id[ids[6]]["note"] == "''=already quoted"  # a leading quote before a trigger is guarded too
    assert by_id[ids[4]]["note"] == "'\t=tab then formula"

    out = tmp_path / "export.csv"
    out.write_text(text, encoding="utf-8")
    res = rl.import_file("Copy", out)
    assert res.bad == [] and res.added == ids
    copy = {it.arxiv_id: it for it in rl.items("Copy")}
    for aid, note in zip(ids, NASTY):
        assert copy[aid].note == clean(note), aid
    assert copy[ids[0]].note == NASTY[0] and copy[ids[6]].note == "'=already quoted"


def test_csv_guard_is_removed_only_before_a_formula_character(home, tmp_path):
    db = open_database(home / "trendscope.db")
    rl = ReadingLists(db)
    f = tmp_path / "hand-made.csv"
    f.write_text("arxiv_id,note,status\n"
                 "2607.00001,'=1+2,read\n"
                 "2607.00002,'quoted words',reading\n"
                 "2607.00003,''@x,\n", encoding="utf-8")
    res = rl.import_file("L", f)
    assert res.bad == []
    assert [(it.note, it.status) for it in rl.items("L")] == [
        ("=1+2", "read"), ("'quoted words'", "reading"), ("'@x", "unread")]


# -- BibTeX field injection ---------------------------------------------------------------------------------
def _classic_bibtex_fields(entry_text: str) -> list[str]:
    """Field names as classic BibTeX sees them: braces are counted whether or not a backslash precedes them."""
    body = entry_text[entry_text.index("{") + 1:]
    depth, names, token = 0, [], ""
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            assert depth >= -1, entry_text
            if depth == -1:
                break
        elif depth == 0:
            token += ch
            if ch == "=":
                names.append(token.split(",")[-1].strip(" \n="))
                token = ""
    assert depth == -1, f"unbalanced braces in {entry_text!r}"
    return names


def test_bibtex_values_cannot_add_fields_or_unbalance_braces(home):
    rl, ids = _nasty_list(home)
    text = rl.export("Nasty", "bibtex", include_abstract=True).decode("utf-8")
    assert "evil" not in re.findall(r"^\s*(\w+)\s*=", text, re.M)
    allowed = {"title", "author", "year", "eprint", "archivePrefix", "primaryClass", "url", "doi", "journal",
               "annote", "abstract"}
    entries = ["@" + e for e in text.split("\n@") if e.strip()]
    entries[0] = entries[0].lstrip("@")
    assert len(entries) == len(ids)
    for entry in entries:
        names = _classic_bibtex_fields(entry)
        assert set(names) <= allowed and len(names) == len(set(names)), names
    decoding = mw.LatexDecodingMiddleware(decoder=latex_decoder())  # knows \textbraceleft{} and \textbraceright{}
    lib = bibtexparser.parse_string(text, append_middleware=[decoding])
    assert lib.failed_blocks == []
    assert len(lib.entries) == len(ids)
    for e in lib.entries:
        assert set(e.fields_dict) <= allowed, set(e.fields_dict)
        cls = e.fields_dict.get("primaryClass")
        assert cls is None or re.fullmatch(r"[a-z]+(-[a-z]+)*(\.[A-Za-z]+(-[A-Za-z]+)*)?", cls.value), cls.value
    by_id = {e.fields_dict["eprint"].value: e for e in lib.entries}
    assert "primaryClass" not in by_id[ids[0]].fields_dict  # "cs.LG}, evil={x" is dropped
    assert "primaryClass" not in by_id[ids[1]].fields_dict  # "-2+3" too
    assert by_id[ids[2]].fields_dict["primaryClass"].value == "cs.LG"
    title = by_id[ids[7]].fields_dict["title"].value
    assert title == " ".join(clean(NASTY[7]).split())


# -- control characters and round trips ---------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["bibtex", "md", "csv", "json"])
def test_exports_hold_no_control_characters(home, fmt):
    rl, _ = _nasty_list(home)
    text = rl.export("Nasty", fmt, include_abstract=True).decode("utf-8")
    allowed = "\n" if fmt in ("bibtex", "md") else "\n\t"
    bad = sorted({hex(ord(ch)) for ch in text if unicodedata.category(ch) == "Cc" and ch not in allowed})
    assert bad == []


@pytest.mark.parametrize("fmt", ["bibtex", "md", "csv", "json"])
def test_round_trip_with_nasty_titles_and_notes(home, tmp_path, fmt):
    rl, ids = _nasty_list(home)
    out = tmp_path / f"export.{ {'bibtex': 'bib'}.get(fmt, fmt) }"
    abstract = ["--abstract"] if fmt == "bibtex" else []  # only BibTeX holds abstracts (others refuse the flag)
    r = cli(home, "lists", "export", "Nasty", "--format", fmt, "--out", str(out), *abstract)
    assert r.exit_code == 0, r.output
    r = cli(home, "lists", "import", "Copy", str(out))
    assert r.exit_code == 0, r.output
    copy = {it.arxiv_id: it for it in rl.items("Copy")}
    assert list(copy) == ids  # no id taken from a title or a note ("arXiv:1706.03762" in the Markdown)
    if fmt in ("md", "csv", "json"):
        assert [copy[a].status for a in ids] == [STATUSES[i % 3] for i in range(len(ids))]
    if fmt in ("csv", "json"):
        assert [copy[a].note for a in ids] == [clean(n) for n in NASTY]
    if fmt == "bibtex":  # BibTeX folds whitespace
        assert [copy[a].note for a in ids] == [" ".join(clean(n).split()) for n in NASTY]


# -- import validation ---------------------------------------------------------------------------------------
def _list_with_one(home):
    db = open_database(home / "trendscope.db")
    rl = ReadingLists(db)
    rl.create("L")
    rl.add("L", ["2607.00001"])
    rl.set_note("L", "2607.00001", "precious")
    return rl


def _snapshot(rl):
    return [(s.name, [(i.arxiv_id, i.note, i.status) for i in rl.items(s.name)]) for s in rl.lists()]


def test_json_fields_are_validated_per_item_with_the_display_name(home, tmp_path):
    rl = _list_with_one(home)
    f = tmp_path / "tmpab12cd" / "import.json"
    f.parent.mkdir()
    f.write_text(json.dumps({"items": [
        {"arxiv_id": "2607.00002", "status": "read"},
        {"arxiv_id": "2607.00003", "status": 5},
        {"arxiv_id": "2607.00004", "status": "done"},
        {"arxiv_id": "2607.00005", "note": {"nested": [1, 2]}},
        {"arxiv_id": 2607.00006},
        {"arxiv_id": "2607.00007", "note": None, "status": None},
        [[["deep"]]],
    ]}), encoding="utf-8")
    res = rl.import_file("L", f, display_name="my list.json")
    assert res.added == ["2607.00002", "2607.00007"]
    assert res.bad == [
        "my list.json: item 2: status must be one of unread, reading, read (got 5)",
        "my list.json: item 3: status must be one of unread, reading, read (got 'done')",
        "my list.json: item 4: note must be text (got an object)",
        "my list.json: item 5: arxiv_id must be text (got a number)",
        "my list.json: item 7: expected an arXiv id or an object (got a list)",
    ]
    assert all(str(f.parent) not in m for m in res.bad)
    assert [(i.arxiv_id, i.note, i.status) for i in rl.items("L")] == [
        ("2607.00001", "precious", "unread"), ("2607.00002", "", "read"), ("2607.00007", "", "unread")]


@pytest.mark.parametrize("payload", [
    "[" * 100_000 + "]" * 100_000,
    '{"items": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"items": [' + '{"a":' * 50_000 + "1" + "}" * 50_000 + "]}",
])
def test_absurd_json_nesting_is_refused_and_changes_nothing(home, tmp_path, payload):
    rl = _list_with_one(home)
    before = _snapshot(rl)
    f = tmp_path / "deep.json"
    f.write_text(payload, encoding="utf-8")
    r = cli(home, "lists", "import", "L", str(f))  # today: RecursionError out of json.loads
    assert r.exit_code == 1 and "too deeply nested" in r.output and "Traceback" not in r.output
    with pytest.raises(TrendscopeError, match=r"upload\.json: .*too deeply nested") as err:
        rl.import_file("L", f, display_name="upload.json")
    assert str(tmp_path) not in str(err.value)
    with pytest.raises(TrendscopeError, match="too deeply nested"):
        rl.import_file("Fresh", f)
    assert _snapshot(rl) == before  # no list created, nothing changed


def test_json_status_5_through_the_cli_is_a_message_not_a_traceback(home, tmp_path):
    rl = _list_with_one(home)
    before = _snapshot(rl)
    f = tmp_path / "import.json"
    f.write_text('{"items": [{"arxiv_id": "2607.00009", "status": 5}]}', encoding="utf-8")
    r = cli(home, "lists", "import", "L", str(f))
    assert r.exit_code == 1
    assert f"{f}: item 1: status must be one of unread, reading, read (got 5)" in r.output
    assert _snapshot(rl) == before


def test_csv_rows_are_validated_per_line_and_field(home, tmp_path):
    rl = _list_with_one(home)
    f = tmp_path / "import.csv"
    f.write_text(
        "arxiv_id,title,status,note\n"
        "2607.00002,ok,read,fine\n"
        "2607.00003,bad status,finished,x\n"
        '2607.00004,"multi\nline title",reading,"note\nwith lines"\n'
        "not-an-id,x,read,y\n"
        "2607.00005,,,\n",
        encoding="utf-8")
    res = rl.import_file("L", f, display_name="mine.csv")
    assert res.added == ["2607.00002", "2607.00004", "2607.00005"]
    assert res.bad == [
        "mine.csv: line 3: status must be one of unread, reading, read (got 'finished')",
        "mine.csv: line 7: not an arXiv id or URL: 'not-an-id'",
    ]
    assert [(i.note, i.status) for i in rl.items("L")][1:] == [("fine", "read"), ("note\nwith lines", "reading"),
                                                               ("", "unread")]


def test_csv_with_a_huge_field_is_a_message(home, tmp_path):
    rl = _list_with_one(home)
    before = _snapshot(rl)
    f = tmp_path / "huge.csv"
    f.write_text("arxiv_id,note\n2607.00002," + "x" * 200_000 + "\n", encoding="utf-8")
    r = cli(home, "lists", "import", "L", str(f))  # today: _csv.Error out of the csv module
    assert r.exit_code == 1 and f"{f}: line 2: " in r.output
    with pytest.raises(TrendscopeError, match=r"nothing imported: big\.csv: line 2: .*field larger than"):
        rl.import_file("L", f, display_name="big.csv")
    assert _snapshot(rl) == before


def test_unreadable_files_are_named_by_their_display_name(home, tmp_path):
    rl = _list_with_one(home)
    binary = tmp_path / "import.bib"
    binary.write_bytes(b"\x00\x01garbage")
    with pytest.raises(TrendscopeError) as err:
        rl.import_file("L", binary, display_name="refs.bib")
    assert str(err.value).startswith("refs.bib: ") and str(tmp_path) not in str(err.value)
    empty = tmp_path / "import.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(TrendscopeError, match="nothing imported: ids.txt: no arXiv ids found"):
        rl.import_file("L", empty, display_name="ids.txt")
