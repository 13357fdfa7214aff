"""What reference managers write in a BibTeX file reaches the list as the user meant it (a blind walkthrough moving a
Zotero, JabRef, Better BibTeX and Google Scholar library): bare `%` and `&`, addresses, `@comment` blocks, two
entries sharing a key, notes in other managers' fields, old-style ids in Google Scholar's "journal"."""
from __future__ import annotations

import pytest
from lists_support import ingest_rows

from trendscope.ingest.records import arxiv_id_in_text, parse_arxiv_id
from trendscope.reading.bibtex_import import parse_bibtex
from trendscope.reading.lists import ReadingLists


@pytest.fixture
def db(home, sample_rows):
    return ingest_rows(home, sample_rows[:10])


def _items(text: str):
    parsed = parse_bibtex(text)
    return parsed, {i.arxiv_id: i for i in parsed.items}


def test_bare_percent_and_ampersand_are_characters_not_latex():
    """`%` cut the rest of a title or note (a LaTeX comment) and `&` became spaces, without a word."""
    parsed, items = _items(
        "@misc{c1,\n  title = {Q&A and 50% of the $a & b$ cases},\n  author = {Smith, John and {Barnes & Noble}},\n"
        "  eprint = {2301.00002}, archivePrefix = {arXiv},\n"
        "  annote = {see https://github.com/foo/bar_baz?x=1&y=2#L10 ; 50% done, \\url{https://x.org/~me/a%20b}},\n}\n")
    item = items["2301.00002"]
    assert parsed.problems == []
    assert item.title == "Q&A and 50% of the $a & b$ cases"
    assert item.authors == ("Smith, John", "Barnes & Noble")
    assert item.note == "see https://github.com/foo/bar_baz?x=1&y=2#L10 ; 50% done, https://x.org/~me/a%20b"


def test_escaped_specials_still_decode():
    _, items = _items("@misc{c, title = {R\\&D at 5\\% cost}, eprint = {2301.00002}}\n")
    assert items["2301.00002"].title == "R&D at 5% cost"


def test_an_entry_inside_a_comment_block_is_not_imported():
    """bibtexparser read the entry of an `@comment{...}` block and called the block broken."""
    parsed, items = _items(
        "@preamble{ \"\\newcommand{\\noopsort}[1]{}\" }\n"
        "@comment{ old entry kept for reference:\n"
        "@misc{commented_out, eprint = {2010.11151}, archivePrefix = {arXiv}}\n"
        "}\n"
        "@misc{kept, eprint = {2106.09685}}\n"
        "@misc{broken, eprint = {2106.00001}\n")
    assert list(items) == ["2106.09685"]
    assert items["2106.09685"].line == 5  # lines keep their numbers
    assert len(parsed.problems) == 1 and parsed.problems[0].startswith("line 6: broken BibTeX entry")


def test_two_entries_sharing_a_key_are_both_imported(db, sample_rows, tmp_path):
    """Two Google Scholar entries keyed `wang2020survey`: the second was refused as a "broken BibTeX entry"."""
    small, big = sorted([sample_rows[0]["id"], sample_rows[1]["id"]])
    path = tmp_path / "same.bib"
    path.write_text(f"@article{{wang2020survey, title={{A}}, journal={{arXiv preprint arXiv:{big}}}}}\n"
                    f"@article{{wang2020survey, title={{B}}, journal={{arXiv preprint arXiv:{small}}}}}\n")
    parsed = parse_bibtex(path.read_text())
    assert [i.arxiv_id for i in parsed.items] == [big, small] and parsed.problems == []
    res = ReadingLists(db).import_file("S", path)
    assert sorted(res.added) == [small, big] and res.bad == []
    exported = ReadingLists(db).export("S", "bibtex").decode()
    assert "@misc{wang2020survey,\n  title = " in exported and exported.count("wang2020survey") == 1
    said = " ".join(res.notes())
    assert f"{big} wang2020survey -> " in said and "the smaller arXiv id keeps it" in said


def test_an_entry_repeating_a_key_is_read_like_any_other(home, db, sample_rows, tmp_path):
    """The second entry keyed `same` came back `author = {{Smith, Bob and White, Carol and others}}` (one braced
    name, "and others" lost) with a case-locked title, and those authors were written onto its stored paper when it
    had none (a blind walkthrough): bibtexparser leaves a duplicate's values as split, braces and all."""
    from lists_support import cli, to_paper

    from trendscope.ingest.store import PaperStore

    first, bare, later = sample_rows[0]["id"], sample_rows[1]["id"], sample_rows[20]["id"]  # `later` not ingested
    PaperStore(db).upsert([to_paper(sample_rows[1], authors=[], version=(sample_rows[1].get("version") or 1) + 1)])
    path = tmp_path / "d.bib"
    path.write_text(f"@string{{nat = \"Nature\"}}\n"
                    f"@misc{{same, title={{First {{BERT}} paper}}, author={{Jones, Alice and Brown, Carl}}, "
                    f"eprint={{{first}}}, year={{2025}}}}\n"
                    f"@article{{same, title={{Second {{GPT}} D{{\\'e}}tection paper}}, author={{Smith, Bob and "
                    f"White, Carol and others}}, journal=nat, eprint={{{bare}}}, year={{2024}}}}\n"
                    f"@misc{{same, title={{Third {{GPT}} paper}}, eprint={{{later}}}}}\n", encoding="utf-8")
    assert cli(home, "lists", "import", "L", str(path)).exit_code == 0
    second = next(i for i in ReadingLists(db).items("L") if i.arxiv_id == bare)
    assert second.imported.title == "Second GPT Détection paper" and second.imported.published == "2024"
    assert second.imported.authors == ["Smith, Bob", "White, Carol"] and second.authors_incomplete
    assert second.metadata.authors == ["Smith, Bob", "White, Carol"]  # its stored paper had none
    exported = cli(home, "lists", "export", "L").stdout
    assert "author = {Smith, Bob and White, Carol and others}" in exported and "journal = {Nature}" in exported
    assert "title = {Third {GPT} paper}" in exported and "{{Smith" not in exported


def test_notes_in_biblatex_and_jabref_fields_are_kept():
    """Better BibTeX's `annotation` and JabRef's `comment` were dropped; only `annote` was read."""
    _, items = _items("@online{hu2021, title={LoRA}, eprint={2106.09685}, eprinttype={arxiv},\n"
                      "  annotation = {My own annotation}, comment = {Key reference for chapter 2}}\n"
                      "@misc{z, eprint={2101.00001}, annote={Zotero note}}\n")
    assert items["2106.09685"].note == "My own annotation\n\nKey reference for chapter 2"
    assert items["2101.00001"].note == "Zotero note"


def test_old_style_ids_in_google_scholars_journal_field():
    """`journal = {arXiv preprint cs/0112017}` was "has no arXiv id" while `arXiv preprint arXiv:X` was read."""
    _, items = _items("@article{lafferty2001crf, title={Conditional random fields}, "
                      "journal={arXiv preprint cs/0112017}, year={2001}}\n"
                      "@article{m, journal={arXiv preprint hep-th/9711200}}\n")
    assert set(items) == {"cs/0112017", "hep-th/9711200"}
    assert arxiv_id_in_text("arXiv preprint arXiv:2010.12309") == "2010.12309"


def test_old_style_ids_lose_their_subject_class_and_cite_as_forms_are_ids():
    """`math.GT/0309136` became a list item of its own that never resolved (arXiv stores `math/0309136`); arXiv's
    "Cite as" form `arXiv:2106.09685 [cs.CL]` was refused."""
    assert parse_arxiv_id("math.GT/0309136") == ("math/0309136", None)
    assert parse_arxiv_id("arXiv:math.GT/0309136v2") == ("math/0309136", 2)
    assert parse_arxiv_id("arXiv:2106.09685 [cs.CL]") == ("2106.09685", None)
    assert parse_arxiv_id("arXiv:hep-th/9901001v1 [hep-th]") == ("hep-th/9901001", 1)
    assert arxiv_id_in_text("eprint arXiv:math.GT/0309136") == "math/0309136"
    # other sites' addresses of an arXiv paper, as a search walkthrough pasted them
    assert parse_arxiv_id("https://huggingface.co/papers/1706.03762") == ("1706.03762", None)
    assert parse_arxiv_id("https://www.alphaxiv.org/abs/1706.03762v2") == ("1706.03762", 2)
    assert parse_arxiv_id("https://ar5iv.labs.arxiv.org/html/1706.03762") == ("1706.03762", None)
    assert arxiv_id_in_text("see https://huggingface.co/papers/2106.09685 too") == "2106.09685"  # in text (a review)


CSL = """[
  {"id": "http://zotero.org/users/123/items/7XKQ2ABC", "type": "article", "title": "LoRA",
   "URL": "http://arxiv.org/abs/2106.09685", "DOI": "10.48550/arXiv.2106.09685", "note": "arXiv:2106.09685 [cs]",
   "author": [{"family": "Hu", "given": "Edward J."}, {"literal": "OpenAI"}], "issued": {"date-parts": [[2021, 6]]}},
  {"id": "x2", "type": "article-journal", "title": "Not on arXiv", "container-title": "Nature"},
  {"id": "x3", "type": "article", "title": "Only its note", "note": "arXiv: 2301.00002",
   "issued": {"date-parts": [["2023"]]}}
]"""

RIS = """TY  - PREPRINT
TI  - LoRA: Low-Rank Adaptation
AU  - Hu, Edward J.
AU  - Shen, Yelong
PY  - 2021
UR  - http://arxiv.org/abs/2106.09685
N1  - arXiv:2106.09685 [cs]
N1  - <p>Great paper &amp; useful</p>
N1  - arXiv version read first
N1  - plain note
  wrapped on a second line
ER  -

TY  - JOUR
TI  - Not on arXiv
ER  -

TY  - GEN
TI  - Old one
DO  - 10.48550/arXiv.2301.00002
ER  -
"""


def test_csl_json_items_are_read_by_their_url_doi_or_note(tmp_path):
    """Zotero's CSL JSON: every item was "not an arXiv id or URL: 'http://zotero.org/users/...'" (its own `id`)."""
    from trendscope.reading.importers import parse_file

    path = tmp_path / "export.json"
    path.write_text(CSL)
    parsed = parse_file(path)
    items = {i.arxiv_id: i for i in parsed.items}
    assert set(items) == {"2106.09685", "2301.00002"}
    assert items["2106.09685"].authors == ("Edward J. Hu", "OpenAI") and items["2106.09685"].year == "2021"
    assert items["2106.09685"].note == ""  # CSL's note is the reference's Extra field, not the reader's note
    assert items["2301.00002"].year == "2023"
    assert parsed.problems == [f"{path}: item 2 ('Not on arXiv'): no arXiv id in its URL, DOI, number or note"]
    (tmp_path / "noext").write_text(CSL)  # a list of objects is JSON whatever the file's name
    assert parse_file(tmp_path / "noext").fmt == "json"


def test_ris_records_are_imported_with_their_notes(db, tmp_path):
    """A RIS file was read as a list of ids: every line "not an arXiv id"."""
    from trendscope.reading.importers import parse_file

    path = tmp_path / "zotero.ris"
    path.write_text(RIS)
    parsed = parse_file(path)
    items = {i.arxiv_id: i for i in parsed.items}
    assert parsed.fmt == "ris" and list(items) == ["2106.09685", "2301.00002"]
    # not Zotero's "arXiv:X [cs]" Extra line; a plain note keeps its lines (a review)
    assert items["2106.09685"].note == ("Great paper & useful\n\narXiv version read first\n\nplain note\n"
                                        "wrapped on a second line")
    assert items["2106.09685"].authors == ("Hu, Edward J.", "Shen, Yelong") and items["2106.09685"].year == "2021"
    assert items["2301.00002"].line == 18
    assert parsed.problems == [f"{path}: line 14: record 'Not on arXiv' has no arXiv id (UR, DO, AN or N1)"]
    (tmp_path / "export.txt").write_text(RIS)
    assert parse_file(tmp_path / "export.txt").fmt == "ris"
    res = ReadingLists(db).import_file("R", path)
    assert sorted(res.added) == ["2106.09685", "2301.00002"] and len(res.bad) == 1


def test_a_ris_record_without_its_end_is_imported_and_said_so(db, home, tmp_path):
    """A record lacking its `ER  -` line was imported, while the import said "skipped: ... record without its end
    (ER) before the next one" and "Skipped 1 entry"."""
    from lists_support import cli

    path = tmp_path / "m.ris"
    path.write_text("TY  - GEN\nTI  - first record without ER\nDO  - 10.48550/arXiv.2305.14314\nTY  - JOUR\n"
                    "TI  - second\nUR  - https://arxiv.org/abs/2106.09685\nER  - \nTY  - JOUR\nTI  - last\n"
                    "UR  - https://arxiv.org/abs/2301.00002\n")
    r = cli(home, "lists", "import", "ris2", str(path), "--strict")  # nothing would be skipped
    assert r.exit_code == 0 and "Imported 3 papers" in r.stdout and r.stderr == "", r.output
    assert (f"{path}: line 1: record of 2305.14314 without its end (ER) before the next record: read as ending "
            "there and imported.") in r.stdout
    assert "line 8: record of 2301.00002 without its end (ER) before the end of the file" in r.stdout
    assert sorted(i.arxiv_id for i in ReadingLists(db).items("ris2")) == ["2106.09685", "2301.00002", "2305.14314"]
    again = ReadingLists(db).import_file("ris2", path)
    assert again.bad == [] and again.notes()[0].endswith("read as ending there; already in the list.")
    path.write_text("TY  - BOOK\nTI  - A book\nTY  - JOUR\nUR  - https://arxiv.org/abs/2106.09685\nER  - \n")
    r = cli(home, "lists", "import", "ris3", str(path))  # a record without an id is skipped once, not twice
    assert "Skipped 1 entry" in r.stderr and "has no arXiv id" in r.stderr and "(ER)" not in r.output, r.output


def test_search_hits_piped_as_json_lines_or_an_array_are_imported(db, home, sample_rows):
    """`search --json | lists import NAME -` was "invalid JSON (Extra data)"; a JSON array on stdin was read as ids."""
    import json

    from lists_support import cli

    a, b = sample_rows[0]["id"], sample_rows[1]["id"]
    lines = "".join(json.dumps({"id": i, "title": "T", "score": 0.5}) + "\n" for i in (a, b))
    r = cli(home, "lists", "import", "piped", "-", input=lines)
    assert r.exit_code == 0, r.output
    assert "Imported 2 papers" in r.output
    r = cli(home, "lists", "import", "array", "-", input=json.dumps([a, b]))
    assert r.exit_code == 0 and "Imported 2 papers" in r.output, r.output
    r = cli(home, "lists", "import", "bad", "-", input=json.dumps({"id": a}) + "\n{oops\n")
    assert "line 2: invalid JSON" in r.output


def test_lists_json_names_each_list_as_the_commands_take_it(db, home):
    """Two lists of one name, yours and one shared with you, both read `"name": "L"` in `lists --json`."""
    import json

    from lists_support import cli

    assert cli(home, "users", "add", "ana", "--no-password").exit_code == 0
    assert cli(home, "--user", "ana", "lists", "create", "L").exit_code == 0
    assert cli(home, "--user", "ana", "lists", "share", "L", "owner").exit_code == 0
    assert cli(home, "lists", "create", "L").exit_code == 0
    r = cli(home, "lists", "--json")
    assert sorted(x["list"] for x in json.loads(r.output)) == ["L", "ana/L"]


def test_a_list_name_typed_decomposed_is_the_same_list(db):
    """"lëcture" typed as e + combining diaeresis (NFD, as macOS files give it) was "no reading list named" and
    made a second list that looked the same."""
    import unicodedata

    rl = ReadingLists(db)
    rl.create("lëcture-列表")
    nfd = unicodedata.normalize("NFD", "lëcture-列表")
    assert nfd != "lëcture-列表" and rl.exists(nfd)
    with pytest.raises(Exception, match="already"):
        rl.create(nfd)
    assert [s.name for s in rl.lists()] == ["lëcture-列表"]


def test_a_json_export_moves_a_list_with_its_citation_keys_and_venues(db, sample_rows, tmp_path):
    """Exported as JSON and imported into another home, `kaiser2017` became `kaiser2017one` and an
    @inproceedings a @misc without its booktitle (the \\cite keys of a moved list broke)."""
    from lists_support import ingest_rows

    a, b = sample_rows[0]["id"], sample_rows[1]["id"]
    bib = tmp_path / "v.bib"
    bib.write_text(f"@inproceedings{{jolicoeur_2021, title={{A}}, booktitle={{ICLR}}, eprint={{{a}}}, year={{2021}}}}\n"
                   f"@misc{{kaiser2017, title={{B}}, eprint={{{b}}}}}\n")
    ReadingLists(db).import_file("V", bib)
    moved = tmp_path / "v.json"
    moved.write_bytes(ReadingLists(db).export("V", "json"))
    other = ingest_rows(tmp_path / "other", sample_rows[:2])
    assert ReadingLists(other).import_file("V", moved).added == [a, b]
    exported = ReadingLists(other).export("V", "bibtex").decode()
    assert "@inproceedings{jolicoeur_2021," in exported and "booktitle = {ICLR}" in exported
    assert "year = {2021}" in exported and "@misc{kaiser2017," in exported


def test_a_markdown_round_trip_keeps_what_an_import_said_of_a_paper_not_ingested(db, tmp_path):
    """Re-imported, the Markdown export's "[Attention Is All You Need (not ingested yet)](...) — A, B et al.; 2017"
    came back as "arXiv:1706.03762 (not ingested yet)"."""
    bib = tmp_path / "ni.bib"
    bib.write_text("@misc{v, title={Attention Is All You Need}, author={Vaswani, Ashish and Shazeer, Noam and "
                   "Parmar, Niki and Uszkoreit, Jakob and others}, eprint={1706.03762}, year={2017}}\n"
                   "@misc{o, title={Some: title [with] *stars*}, author={Doe, Jane}, eprint={2301.00002}, "
                   "year={2023}}\n")
    rl = ReadingLists(db)
    rl.import_file("NI", bib)
    md = tmp_path / "ni.md"
    md.write_bytes(rl.export("NI", "md"))
    rl.import_file("back", md)
    back = {it.arxiv_id: it.imported for it in rl.items("back")}
    assert back["1706.03762"].title == "Attention Is All You Need" and back["1706.03762"].published == "2017"
    assert back["1706.03762"].authors[:2] == ["Ashish Vaswani", "Noam Shazeer"]
    assert back["2301.00002"].title == "Some: title [with] *stars*" and back["2301.00002"].authors == ["Jane Doe"]
    assert "et al." in ReadingLists(db).export("back", "md").decode()


def test_notes_keep_their_paragraphs_not_the_files_indentation(tmp_path):
    """Zotero's CSV Notes "<p>one</p><p>two</p>" became one line; a wrapped BibTeX annote kept the file's indentation
    inside the note."""
    from trendscope.reading.importers import parse_file

    csv_file = tmp_path / "zotero.csv"
    csv_file.write_text('"Key","Url","Notes"\n"K","https://arxiv.org/abs/2106.09685",'
                        '"<div><p>Benchmark paper &amp; dataset</p>\n<p>Second paragraph<br/>and a line</p></div>"\n')
    assert parse_file(csv_file).items[0].note == "Benchmark paper & dataset\nSecond paragraph\nand a line"
    _, items = _items("@misc{k, eprint={2106.09685},\n  annote = {Multi-line\n    note, wrapped\n    by the editor}}\n")
    assert items["2106.09685"].note == "Multi-line\nnote, wrapped\nby the editor"


def test_crossref_reports_and_theses_keep_their_venue(db, sample_rows, tmp_path):
    """A JabRef @inproceedings taking its booktitle from the @proceedings it cross-references, a @techreport's
    institution and a @phdthesis's school all came back as bare @misc entries; the @proceedings was reported as an
    entry without an arXiv id."""
    a, b, c = (r["id"] for r in sample_rows[:3])
    bib = tmp_path / "jabref.bib"
    bib.write_text(
        "@Proceedings{neurips2020, title = {Advances in Neural Information Processing Systems 33}, year = {2020},\n"
        "  editor = {Larochelle, H. and Ranzato, M.}, publisher = {Curran Associates}}\n"
        f"@InProceedings{{schaetzle2020, title = {{A}}, crossref = {{neurips2020}}, pages = {{1--12}},\n"
        f"  eprint = {{{a}}}}}\n"
        f"@techreport{{tr1, title = {{R}}, institution = {{FAIR}}, number = {{TR-7}}, eprint = {{{b}}},\n"
        "  year = {2021}}\n"
        f"@phdthesis{{th1, title = {{T}}, school = {{Uni Heidelberg}}, eprint = {{{c}}}, year = {{2023}}}}\n")
    res = ReadingLists(db).import_file("J", bib)
    assert res.bad == [] and len(res.added) == 3
    out = ReadingLists(db).export("J", "bibtex").decode()
    assert "@inproceedings{schaetzle2020," in out and "booktitle = {Advances in Neural Information Processing " \
        "Systems 33}" in out and "pages = {1--12}" in out and "year = {2020}" in out
    assert "editor = {Larochelle, H. and Ranzato, M.}" in out and "publisher = {Curran Associates}" in out
    assert "@techreport{tr1," in out and "institution = {FAIR}" in out and "number = {TR-7}" in out
    assert "@phdthesis{th1," in out and "school = {Uni Heidelberg}" in out


def test_a_list_an_earlier_version_stored_decomposed_stays_reachable(db, tmp_path):
    """A review: a name stored NFD before names were stored NFC could not be shown, changed or deleted, and every
    BibTeX import of the user failed naming it."""
    import unicodedata

    rl = ReadingLists(db)
    rl.create("plain")
    nfd = unicodedata.normalize("NFD", "café")
    with db.conn:
        db.execute("UPDATE reading_lists SET name = ? WHERE name = 'plain'", [nfd])
    rl.add(nfd, ["2106.09685"])
    assert [i.arxiv_id for i in rl.items(nfd)] == ["2106.09685"]
    bib = tmp_path / "k.bib"
    bib.write_text("@misc{hu2021lora, eprint={2106.09685}}\n")
    assert rl.import_file("other", bib).added == ["2106.09685"]
    rl.delete(nfd)
    assert [s.name for s in rl.lists()] == ["other"]


def test_items_stored_with_a_subject_class_are_brought_to_arxivs_form(db):
    """A review: an item an earlier version stored as `math.GT/0309136` showed in `lists show`, but `lists remove
    math.GT/0309136` said "math/0309136 is not in list" (ids are read as arXiv stores them now)."""
    from trendscope.reading.store_schema import ensure_schema

    rl = ReadingLists(db)
    rl.create("old")
    rl.add("old", ["2106.09685"])
    with db.conn:
        db.execute("UPDATE reading_list_items SET arxiv_id = 'math.GT/0309136'")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_ids_without_subject_class'")
    ensure_schema(db)
    assert [i.arxiv_id for i in rl.items("old")] == ["math/0309136"]
    assert rl.remove("old", ["math.GT/0309136"]).removed == ["math/0309136"]
    # a list holding both forms keeps one row, with the note either had (a review)
    rl.add("old", ["math/0309136", "2106.09685"])
    with db.conn:
        db.execute("UPDATE reading_list_items SET arxiv_id = 'math.GT/0309136', note = 'kept note' "
                   "WHERE arxiv_id = '2106.09685'")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm010_ids_without_subject_class'")
    ensure_schema(db)
    assert [(i.arxiv_id, i.note) for i in rl.items("old")] == [("math/0309136", "kept note")]


def test_odd_csl_items_are_read_or_named_never_a_traceback(tmp_path):
    """A review: `{"type": "article", "author": 5}` was a TypeError traceback; CSL's numeric `id` and its own `status`
    ("forthcoming") refused valid items; CSL items as JSON Lines were not read by their upper-case URL."""
    import json

    from trendscope.reading.importers import parse_file

    items = [{"type": "article", "author": 5, "id": "2106.09685"},
             {"id": 17, "type": "article", "URL": "https://arxiv.org/abs/2301.00002", "status": "forthcoming",
              "issued": {"date-parts": [[2023]]}, "author": [{"given": ["x"], "family": "Doe"}]}]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(items))
    parsed = parse_file(path)
    assert {i.arxiv_id for i in parsed.items} == {"2106.09685", "2301.00002"} and parsed.problems == []
    assert next(i for i in parsed.items if i.arxiv_id == "2301.00002").authors == ("Doe",)
    lines = tmp_path / "odd.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in items[1:] * 2) + "\n")
    assert [i.arxiv_id for i in parse_file(lines, "json").items] == ["2301.00002"]


def test_a_ris_value_wrapped_over_a_million_lines_is_cut_not_copied_each_time():
    """A hostile-input check: a note wrapped onto 1,000,000 lines took 79 s (each line copied the whole value)."""
    from trendscope.reading.ris_import import MAX_WRAPPED, parse_ris

    text = "TY  - JOUR\nUR  - https://arxiv.org/abs/2601.00031\nN1  - start\n" + "abcd\n" * 1_000_000 + "ER  - \n"
    parsed = parse_ris(text)  # (a timing belongs in a benchmark: bounded copying is what this checks)
    (item,) = parsed.items
    assert item.arxiv_id == "2601.00031"
    assert len(item.note or "") <= MAX_WRAPPED + 5


def test_hostile_imports_are_refused_early_and_read_right(tmp_path):
    """A hostile-input check: a key equal to a repeated key's stand-in made the whole file "not parseable"; 50,000
    entries were parsed for 21 s before being refused; after a BOM the bad byte was named off by three."""
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.reading.importers import parse_file

    bib = tmp_path / "c.bib"
    bib.write_text("% " + "x" * 5000 + "\n@article{k, title={A}, eprint={1509.07175}}\n"
                   "@article{k, title={B}, eprint={1506.01597}}\n@article{k\x000, title={C}, eprint={1506.05702}}\n")
    parsed = parse_file(bib)
    assert [i.arxiv_id for i in parsed.items] == ["1509.07175", "1506.01597", "1506.05702"] and not parsed.problems
    big = tmp_path / "big.bib"
    big.write_text("@string{v = {Venue}}\n" + "".join(f"@article{{k{i}, eprint={{2501.{i:05d}}}}}\n"
                                                       for i in range(10_001)))
    with pytest.raises(TrendscopeError, match=r"big.bib: 10,001 entries; one import adds at most 10,000 papers"):
        parse_file(big)
    ris = tmp_path / "big.ris"
    ris.write_text("TY  - JOUR\nUR  - https://arxiv.org/abs/2501.00001\n" * 10_001)
    with pytest.raises(TrendscopeError, match=r"big.ris: 10,001 entries"):
        parse_file(ris)
    bom = tmp_path / "bom.bib"
    bom.write_bytes(b"\xef\xbb\xbf@article{x,\r\n title={Caf\xe9},\r\n eprint={2601.00062}\r\n}\r\n")
    with pytest.raises(TrendscopeError, match=r"line 2: not UTF-8 text \(byte 0xe9 at byte 12 of the line\)"):
        parse_file(bom)


def test_many_ris_records_without_their_end_are_counted_not_named_one_by_one():
    """A hostile-input check: 9,000 records without ER printed 9,000 lines."""
    from trendscope.reading.import_report import UNENDED_SHOWN, unended_notes

    unended = [(2 * i + 1, f"2601.{i:05d}", "the next record") for i in range(9_000)]
    notes = unended_notes("f.ris", unended, [a for _, a, _ in unended], {a: n for n, a, _ in unended})
    assert len(notes) == UNENDED_SHOWN + 1
    assert notes[0] == ("f.ris: line 1: record of 2601.00000 without its end (ER) before the next record: read as "
                        "ending there and imported.")
    assert notes[-1] == ("f.ris: 8,995 more records without an end (ER), each read as ending where the next record "
                         "begins")
