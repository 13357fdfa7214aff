"""Reading-list imports keep to the limits typed input keeps to: a note is cut to MAX_NOTE characters in every
format (the entry kept, the cut named), one file adds at most MAX_IMPORT papers, and a JSON number too long for
Python is a number, not a traceback (an audit: a 5,000,000-character note stored whole, a 99,999-paper list, and
"ValueError: Exceeds the limit (4300 digits)")."""
from __future__ import annotations

import json

import pytest
from lists_support import cli

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.store import open_database
from trendscope.reading.bibtex_import import MAX_FIELD_SOURCE
from trendscope.reading.list_input import MAX_IMPORT, MAX_NOTE
from trendscope.reading.lists import ReadingLists

AID, OTHER = "2106.09685", "2106.09686"
LONG = "N" * (MAX_NOTE + 2_000)


def _lists(home) -> ReadingLists:
    return ReadingLists(open_database(home / "trendscope.db"))


def _note(rl: ReadingLists, name: str, aid: str = AID) -> str:
    return next(it.note for it in rl.items(name) if it.arxiv_id == aid)


# one file per format, each giving AID a note MAX_NOTE + 2,000 characters long and OTHER a short one
FILES = {
    "n.json": json.dumps({"items": [{"arxiv_id": AID, "note": LONG, "status": "read"},
                                    {"arxiv_id": OTHER, "note": "short"}]}),
    "n.csv": f"arxiv_id,note,status\n{AID},{LONG},read\n{OTHER},short,unread\n",
    "n.bib": (f"@misc{{a,\n  title = {{A}},\n  eprint = {{{AID}}},\n  archiveprefix = {{arXiv}},\n"
              f"  annote = {{{LONG}}}\n}}\n@misc{{b,\n  eprint = {{{OTHER}}},\n  annote = {{short}}\n}}\n"),
    "n.md": (f"- [x] [A](https://arxiv.org/abs/{AID})\n" + "".join(f"  > {LONG[:1000]}\n" for _ in range(7))
             + f"- [ ] [B](https://arxiv.org/abs/{OTHER})\n  > short\n"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_note_longer_than_a_list_note_is_cut_on_every_import_path_and_named(home, tmp_path, name):
    f = tmp_path / name
    f.write_text(FILES[name], encoding="utf-8")
    rl = _lists(home)
    res = rl.import_file("imp", f, display_name=f"upload-{name}")
    assert sorted(res.added) == [AID, OTHER] and res.bad == []  # the entry is kept
    whole = "\n".join([LONG[:1000]] * 7) if name == "n.md" else LONG  # a Markdown note's lines are kept
    assert _note(rl, "imp") == whole[:MAX_NOTE] and _note(rl, "imp", OTHER) == "short"
    cut = [n for n in res.notes() if "was cut" in n]
    assert len(cut) == 1 and cut[0].startswith(f"upload-{name}: ") and AID in cut[0]
    assert f"its first {MAX_NOTE:,} characters" in cut[0] and str(tmp_path) not in cut[0]


def test_the_cli_says_which_note_was_cut_and_lists_show_prints_no_more(home, tmp_path):
    f = tmp_path / "bignote.json"
    f.write_text(json.dumps({"items": [{"arxiv_id": AID, "note": "N" * 200_000, "status": "read"}]}),
                 encoding="utf-8")
    r = cli(home, "lists", "import", "imp", str(f))
    assert r.exit_code == 0, r.output
    assert f"{f}: the note of {AID} was cut to its first {MAX_NOTE:,} characters" in r.output
    assert "N" * (MAX_NOTE + 1) not in cli(home, "lists", "show", "imp").output


def test_a_paper_already_in_the_list_keeps_its_note_and_no_cut_is_named(home, tmp_path):
    rl = _lists(home)
    rl.create("imp")
    rl.add("imp", [AID], note="mine")
    f = tmp_path / "again.json"
    f.write_text(json.dumps({"items": [{"arxiv_id": AID, "note": LONG}]}), encoding="utf-8")
    res = rl.import_file("imp", f)
    assert res.already == [AID] and _note(rl, "imp") == "mine"
    assert not any("was cut" in n for n in res.notes())


def test_a_huge_bibtex_annote_is_cut_before_it_is_decoded_and_the_cut_is_named(home, tmp_path):
    """Decoding a 5,000,000-character annote ran for many minutes; a source cut that leaves the note shorter than
    MAX_NOTE (braces written as macros) is named too."""
    braces = r"\textbraceleft{}" * (MAX_FIELD_SOURCE // 16 + 100)
    f = tmp_path / "big.bib"
    f.write_text(f"@misc{{a,\n  eprint = {{{AID}}},\n  annote = {{{'N' * 5_000_000}}}\n}}\n"
                 f"@misc{{b,\n  eprint = {{{OTHER}}},\n  annote = {{{braces}}}\n}}\n", encoding="utf-8")
    rl = _lists(home)
    res = rl.import_file("imp", f)
    assert _note(rl, "imp") == "N" * MAX_NOTE
    assert _note(rl, "imp", OTHER) == "{" * (MAX_FIELD_SOURCE // 16)
    cut = [n for n in res.notes() if "was cut" in n]
    assert len(cut) == 2 and f"line 5: the note of {OTHER} was cut to its first {MAX_FIELD_SOURCE // 16:,}" in cut[1]


def test_a_file_of_more_papers_than_one_import_adds_is_refused_whole(home, tmp_path):
    f = tmp_path / "many.txt"
    f.write_text("".join(f"2301.{n:05d}\n" for n in range(1, MAX_IMPORT + 2)), encoding="utf-8")
    r = cli(home, "lists", "import", "imp", str(f))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip() == (f"Error: {f}: {MAX_IMPORT + 1:,} papers; one import adds at most {MAX_IMPORT:,}: "
                                "split the file")
    rl = _lists(home)
    assert not rl.exists("imp")  # nothing written, no list made
    f.write_text("".join(f"2301.{n:05d}\n" for n in range(1, MAX_IMPORT + 1)) + "2301.00001\n", encoding="utf-8")
    assert len(rl.import_file("imp", f).added) == MAX_IMPORT  # an id given twice counts once


def test_a_json_number_longer_than_python_reads_is_a_number_not_a_traceback(home, tmp_path):
    huge = "1" + "0" * 5_000
    f = tmp_path / "bigint.json"
    f.write_text(f'{{"items":[{{"arxiv_id":"{AID}","n":{huge}}}]}}', encoding="utf-8")
    r = cli(home, "lists", "import", "imp", str(f))  # ValueError: Exceeds the limit (4300 digits)
    assert r.exit_code == 0 and "Imported 1 paper" in r.output
    f.write_text(f'{{"items":[{{"arxiv_id":{huge}}},{{"arxiv_id":"{OTHER}","status":{huge}}}]}}', encoding="utf-8")
    with pytest.raises(TrendscopeError) as err:  # the app's upload: "Internal error (ValueError)"
        _lists(home).import_file("imp", f, display_name="upload.json")
    assert str(err.value) == ("nothing imported: upload.json: item 1: arxiv_id must be text (got a number); "
                              "upload.json: item 2: status must be one of unread, reading, read (got Infinity)")


def _nested(depth: int) -> str:
    """A Trendscope export whose one item carries an unused field, arrays and objects `depth` levels deep in all
    (the object, its items list and the item make three)."""
    inner = "[" * (depth - 3) + "]" * (depth - 3)
    return json.dumps({"items": [{"arxiv_id": AID, "extra": "X"}]}).replace('"X"', inner)


def test_json_nested_to_the_depth_limit_is_read_and_one_level_deeper_refused():
    """A mutation audit: the JSON depth limit made four times larger went uncaught. A file nested exactly
    MAX_JSON_DEPTH levels imports its paper; one level deeper is refused before it is parsed, with the limit."""
    from trendscope.reading.importers import MAX_JSON_DEPTH, parse_json

    at_limit = parse_json(_nested(MAX_JSON_DEPTH))
    assert at_limit.problems == [] and [it.arxiv_id for it in at_limit.items] == [AID]
    deeper = parse_json(_nested(MAX_JSON_DEPTH + 1))
    assert deeper.items == []
    assert deeper.problems == [f"too deeply nested (more than {MAX_JSON_DEPTH} levels of arrays and objects)"]
