"""What a Zotero library says in its braces, its `and others`, its venues' years and its keys survives an import
and an export back to Overleaf; a re-import names what it left as it was (a blind user test moving a library)."""
from __future__ import annotations

import csv
import io
import json

import bibtexparser
import pytest
from bibtexparser import middlewares as mw
from lists_support import cli, ingest_rows, to_paper, with_authors

from trendscope.ingest.store import PaperStore, open_database
from trendscope.reading.lists import ReadingLists


@pytest.fixture
def rows(sample_rows):
    return with_authors(sample_rows, 40)


@pytest.fixture
def db(home, rows):
    return ingest_rows(home, rows[:30])  # rows[30:] are not ingested


def _entries(text: str, decode: bool = True) -> dict:
    """eprint -> entry; raw (braces as written) unless `decode`."""
    extra = [mw.LatexDecodingMiddleware()] if decode else []
    lib = bibtexparser.parse_string(text, append_middleware=extra)
    assert lib.failed_blocks == []
    return {e["eprint"]: e for e in lib.entries}


def _names(value: str) -> list[list[str]]:
    """The `last` parts of each name of a raw author field, as bibtexparser splits them (as BibTeX does)."""
    lib = bibtexparser.parse_string("@misc{k, author = {" + value + "}}",
                                    append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts()])
    return [n.last for n in lib.entries[0]["author"]]


def _import(db, name: str, path, text: str):
    path.write_text(text, encoding="utf-8")
    return ReadingLists(db).import_file(name, path)


def test_and_others_is_kept_as_et_al_in_every_export(db, rows, tmp_path):
    """`author = {A and B and others}` was exported as A and B, the complete list, in every format."""
    later, bare, full = rows[35]["id"], rows[0]["id"], rows[1]["id"]
    with db.conn:
        db.execute("UPDATE papers SET authors = '[]' WHERE id = ?", [bare])  # stored without authors
    rl = ReadingLists(db)
    _import(db, "Z", tmp_path / "z.bib",
            f"@article{{h, title={{A survey}}, author={{Huang, Lei and Yu, Weijiang and others}},\n"
            f"  eprint={{{later}}}}}\n"
            f"@article{{b, title={{B}}, author={{Doe, Jane and others}}, eprint={{{bare}}}}}\n"
            f"@article{{f, title={{F}}, author={{Roe, Rick and others}}, eprint={{{full}}}}}\n")
    raw = _entries(rl.export("Z", "bibtex").decode("utf-8"), decode=False)
    assert raw[later]["author"] == "Huang, Lei and Yu, Weijiang and others"
    assert _names(raw[later]["author"])[-1] == ["others"]
    assert raw[bare]["author"] == "Doe, Jane and others"
    # a stored paper's own authors are its complete list: no "others"
    assert not raw[full]["author"].endswith("others") and "Roe" not in raw[full]["author"]
    md = rl.export("Z", "md").decode("utf-8")
    assert "Lei Huang, Weijiang Yu et al." in md and "Jane Doe et al." in md
    assert f"{rows[1]['authors'][0]}" in md
    sheet = {r["arxiv_id"]: r for r in csv.DictReader(io.StringIO(rl.export("Z", "csv").decode("utf-8")))}
    assert sheet[later]["authors"] == "Lei Huang; Weijiang Yu; et al." and "et al." not in sheet[full]["authors"]
    records = {r["arxiv_id"]: r for r in json.loads(rl.export("Z", "json"))["items"]}
    assert records[later]["authors"] == ["Lei Huang", "Weijiang Yu"] and records[later]["authors_incomplete"] is True
    assert records[bare]["authors_incomplete"] is True and records[full]["authors_incomplete"] is False
    for fmt in ("csv", "json"):  # Trendscope's own exports read back keep it
        out = tmp_path / f"z.{fmt}"
        out.write_bytes(rl.export("Z", fmt))
        rl.import_file(f"again-{fmt}", out)
        again = {i.arxiv_id: i for i in rl.items(f"again-{fmt}")}
        assert again[later].authors_incomplete and again[later].metadata.authors == ["Lei Huang", "Weijiang Yu"], fmt
        assert not again[full].authors_incomplete, fmt


def test_an_organisation_written_as_one_brace_group_is_exported_braced(db, rows, tmp_path):
    """`{BigScience Workshop}` and `{{Gemini Team} and Anil, Rohan}` were exported bare, and styles cited
    "Workshop, B."; a name holding " and " inside its braces was split into two authors. Inside the braces the
    name is escaped as any other."""
    a, b, c, d = (rows[i]["id"] for i in (31, 32, 33, 34))
    rl = ReadingLists(db)
    _import(db, "Orgs", tmp_path / "orgs.bib",
            f"@misc{{bloom, title={{BLOOM}}, author={{{{BigScience Workshop}}}}, eprint={{{a}}}}}\n"
            f"@misc{{gemini, title={{Gemini}}, author={{{{Gemini Team}} and Anil, Rohan}}, eprint={{{b}}}}}\n"
            f"@misc{{bn, title={{Books}}, author={{{{Barnes and Noble}} and Smith, J.}}, eprint={{{c}}}}}\n"
            f"@misc{{odd, title={{Odd}}, author={{{{R\\&D 100\\% {{Lab}}}} and {{\\'E}}mile Zola}}, eprint={{{d}}}}}\n")
    items = {i.arxiv_id: i for i in rl.items("Orgs")}
    assert items[c].metadata.authors == ["Barnes and Noble", "Smith, J."]  # one organisation, not two authors
    text = rl.export("Orgs", "bibtex").decode("utf-8")
    raw = _entries(text, decode=False)
    assert raw[a]["author"] == "{BigScience Workshop}" and _names(raw[a]["author"]) == [["{BigScience Workshop}"]]
    assert raw[b]["author"] == "{Gemini Team} and Anil, Rohan"
    assert _names(raw[b]["author"]) == [["{Gemini Team}"], ["Anil"]]
    assert raw[c]["author"] == "{Barnes and Noble} and Smith, J."
    # escaped inside its braces, balanced; a name that only begins with a group is a person's
    assert raw[d]["author"] == r"{R\&D 100\% Lab} and Émile Zola"
    assert _entries(text)[d]["author"] == "R&D 100% Lab and Émile Zola"


def test_a_collaboration_is_one_name_and_et_al_is_others(db, rows, tmp_path):
    """Physics papers list "The CMS Collaboration" and "ATLAS Collaboration" as authors, some "et al." too: BibTeX
    got `author = {The CMS Collaboration and A. Tumasyan and et al.}`, styles printing "Collaboration, T." and a
    person named "al.", keyed `collaboration2024...` (a walkthrough of odd real-world data)."""
    a, b, c = (rows[i]["id"] for i in (0, 1, 2))
    store = PaperStore(db)
    store.upsert([to_paper(rows[0], authors=["The CMS Collaboration", "A. Tumasyan", "et al."], version=9),
                  to_paper(rows[1], authors=["G. Aad", "M. Zur Nedden", "ATLAS Collaboration"], version=9),
                  to_paper(rows[2], authors=["J. Doe et al."], version=9)])
    rl = ReadingLists(db)
    rl.create("Physics")
    rl.add("Physics", [a, b, c])
    raw = _entries(rl.export("Physics", "bibtex").decode("utf-8"), decode=False)
    assert raw[a]["author"] == "{The CMS Collaboration} and A. Tumasyan and others"
    assert _names(raw[a]["author"]) == [["{The CMS Collaboration}"], ["Tumasyan"], ["others"]]
    assert raw[b]["author"] == "G. Aad and M. Zur Nedden and {ATLAS Collaboration}"
    assert raw[c]["author"] == "J. Doe and others"
    assert raw[a].key.startswith("cms") and raw[b].key.startswith("aad") and raw[c].key.startswith("doe")
    # surnames that are also organisation words stay people's names (a review); a hyphen joins a word to a name
    from trendscope.foundation.text import is_organisation

    assert [is_organisation(n) for n in ("Anna Group", "Sarah Alliance", "Jo Team-Smith", "Lee, Team",
                                         "Gemini Team", "Euclid Collaboration", "BigScience Workshop")] == [
        False, False, False, False, True, True, True]
    from trendscope.reading.bibtex_export import _last_name

    assert _last_name("et al.") == "" and _last_name("J. Doe et al.") == "doe"


def test_an_entry_with_its_venue_keeps_the_venues_year(db, rows, tmp_path):
    """Lu et al. 2023 in "Proceedings of the 61st Annual Meeting of the ACL" was exported with the arXiv paper's
    2022: the venue and the year disagreed. The year of an entry whose venue is written goes with it; without a
    venue, the arXiv year stays."""
    stored, plain, arxiv_journal, later = rows[0]["id"], rows[1]["id"], rows[2]["id"], rows[35]["id"]
    year = {r["id"]: int(r["published"][:4]) for r in rows}
    rl = ReadingLists(db)
    _import(db, "V", tmp_path / "v.bib",
            f"@inproceedings{{lu, title={{T}}, booktitle={{Proceedings of the 61st Annual Meeting of the ACL}}, "
            f"year={{{year[stored] + 1}}}, eprint={{{stored}}}}}\n"
            f"@misc{{m, title={{M}}, year={{{year[plain] + 1}}}, eprint={{{plain}}}}}\n"
            f"@article{{s, title={{S}}, journal={{arXiv preprint arXiv:{arxiv_journal}}},\n"
            f"  year={{{year[arxiv_journal] + 1}}}}}\n"
            f"@article{{j, title={{J}}, author={{Doe, J.}}, journal={{Nature}}, year={{2019}}, eprint={{{later}}}}}\n")
    entries = _entries(rl.export("V", "bibtex").decode("utf-8"))
    assert entries[stored]["booktitle"].startswith("Proceedings of the 61st")
    assert entries[stored]["year"] == str(year[stored] + 1)
    assert entries[plain]["year"] == str(year[plain])  # no venue: the arXiv paper's year
    assert entries[arxiv_journal]["year"] == str(year[arxiv_journal])  # arXiv is no venue
    assert entries[later]["journal"] == "Nature" and entries[later]["year"] == "2019"


def test_the_words_a_title_braced_stay_braced(db, rows, tmp_path):
    """`title = {Evaluating {Multimodal} Models in {Chinese}}`: Zotero's braces were dropped, and styles that
    lower-case titles printed "chinese". They are kept, in the stored arXiv title too where the words occur."""
    later, stored = rows[35]["id"], rows[0]["id"]
    PaperStore(db).upsert([to_paper(rows[0], title="Scaling Instruction-Finetuned Models for Chinese with T5",
                                    version=9)])
    rl = ReadingLists(db)
    _import(db, "P", tmp_path / "p.bib",
            f"@misc{{e, title={{Evaluating {{Multimodal}} Models in {{Chinese}}}}, author={{Doe, J.}}, "
            f"eprint={{{later}}}}}\n"
            f"@misc{{s, title={{{{Scaling}} Instruction-Finetuned Models for {{Chinese}} with {{T5}} on {{Absent}} "
            f"D{{\\'e}}tection \\textbf{{{{Bold}}}}}}, eprint={{{stored}}}}}\n")
    raw = _entries(rl.export("P", "bibtex").decode("utf-8"), decode=False)
    assert raw[later]["title"] == "Evaluating {Multimodal} Models in {Chinese}"
    # the stored title, with the braced words that occur in it; "Absent" does not
    assert raw[stored]["title"] == "{Scaling} Instruction-Finetuned Models for {Chinese} with {T5}"
    from trendscope.reading.bibtex_export import bib_title, protect_words

    assert protect_words("T5X and T5-base on {T5} via T5", ["T5"]) == "T5X and {T5}-base on {T5} via {T5}"
    assert protect_words(r"Big \& Small Models", ["Big & Small", "Models"]) == r"{Big \& Small} {Models}"
    assert bib_title("Low-Rank LLMs in Chinese", ["Low-Rank", "LLMs"]) == "{Low-Rank} {LLMs} in Chinese"


def test_a_reimport_names_what_it_left_as_it_was(home, db, rows, tmp_path):
    """Re-importing an updated Zotero file said only "Already in the list: 3 papers": a changed annote and a renamed
    key were ignored without a word, and an id given twice was dropped silently. Papers already in the list stay
    as they are; the summary names which differ and in what, and the repeated ids."""
    a, b, c, d = rows[0]["id"], rows[1]["id"], rows[2]["id"], rows[3]["id"]
    v1 = tmp_path / "v1.bib"
    v1.write_text(f"@misc{{one, title={{One}}, eprint={{{a}}}, annote={{first read}}}}\n"
                  f"@misc{{chung_scaling_2022, title={{Two}}, eprint={{{b}}}}}\n"
                  f"@misc{{three, title={{Three}}, eprint={{{c}}}}}\n", encoding="utf-8")
    assert cli(home, "lists", "import", "Z", str(v1)).exit_code == 0
    v2 = tmp_path / "v2.bib"
    v2.write_text(f"@misc{{one, title={{One}}, eprint={{{a}}}, annote={{second read}}}}\n"
                  f"@misc{{chung2022scaling, title={{Two}}, eprint={{{b}}}}}\n"
                  f"@misc{{three, title={{Three}}, eprint={{{c}}}}}\n"
                  f"@misc{{four, title={{Four}}, eprint={{{d}}}}}\n"
                  f"@misc{{again, title={{Four again}}, eprint={{{d}}}}}\n", encoding="utf-8")
    r = cli(home, "lists", "import", "Z", str(v2))
    assert r.exit_code == 0, r.output
    assert "Already in the list: 3 papers" in r.output
    assert (f"2 papers already in the list differ from the file (note: {a}; citation key: {b} chung_scaling_2022 -> "
            "chung2022scaling) and were left as they are.") in r.output, r.output
    assert f"{d} appears twice in the file (lines 4 and 5): the first was used." in r.output
    items = {i.arxiv_id: i for i in ReadingLists(open_database(home / "trendscope.db")).items("Z")}
    assert items[a].note == "first read" and items[b].citation_key == "chung_scaling_2022"
    assert items[d].imported.title == "Four"
    # a file that says nothing of notes or keys (ids), or the list's own export read back, differs in nothing
    ids = tmp_path / "ids.txt"
    ids.write_text(f"{a}\n{b}\n", encoding="utf-8")
    assert "differ" not in cli(home, "lists", "import", "Z", str(ids)).output
    own = tmp_path / "own.bib"
    assert cli(home, "lists", "export", "Z", "--out", str(own)).exit_code == 0
    r = cli(home, "lists", "import", "Z", str(own))
    assert "Already in the list: 4 papers" in r.output and "differ" not in r.output, r.output
    res = ReadingLists(db).import_file("Z", v2)  # the API's result says the same
    assert [(x.arxiv_id, x.aspect) for x in res.differ] == [(a, "note"), (b, "citation key")]
    assert res.repeated == {d: [4, 5]} and len(res.notes()) == 2
    v3 = tmp_path / "v3.bib"
    v3.write_text(f"@misc{{one, title={{One}}, eprint={{{a}}}, annote={{third read}}}}\n", encoding="utf-8")
    assert ReadingLists(db).import_file("Z", v3).notes() == [
        f"1 paper already in the list differs from the file (note: {a}) and was left as it is."]


def test_a_paper_keeps_the_key_its_owner_imported_it_with_in_every_list(db, rows, tmp_path):
    """One paper had the imported key `chung_scaling_2022` in one list and the generated `chung2022scaling` in
    another (a CSV import has no key): two exports pasted into one .bib held it twice. A list item without a key of
    its own takes the key the owner imported it with elsewhere; keys stay unique within an export, and another
    user's import is theirs."""
    a, b, c = rows[0]["id"], rows[1]["id"], rows[2]["id"]
    rl = ReadingLists(db)
    _import(db, "Thesis", tmp_path / "t.bib", f"@misc{{chung_scaling_2022, title={{T}}, eprint={{{a}}}}}\n"
                                              f"@misc{{Shared, title={{S}}, eprint={{{c}}}}}\n")
    sheet = tmp_path / "s.csv"
    sheet.write_text(f"arxiv_id,note\n{a},from csv\n{c},x\n", encoding="utf-8")
    rl.import_file("Review", sheet)
    rl.add("Review", [b])
    _import(db, "Review", tmp_path / "r.bib", f"@misc{{shared, title={{B}}, eprint={{{b}}}}}\n")  # b's own key
    keys = {e["eprint"]: e.key for e in _entries(rl.export("Review", "bibtex").decode("utf-8")).values()}
    assert keys[a] == "chung_scaling_2022"
    first, second = sorted([b, c])  # "Shared" (c, from Thesis) and "shared" (b, its own): one keeps it
    assert keys[first].lower() == "shared" and keys[second].lower() != "shared"
    assert len({k.lower() for k in keys.values()}) == 3
    from trendscope.foundation.actor import Actor

    ana = ReadingLists(db, user=Actor("ana", admin=False))
    ana.create("Mine")
    ana.add("Mine", [a])
    (entry,) = _entries(ana.export("Mine", "bibtex").decode("utf-8")).values()
    assert entry.key != "chung_scaling_2022"


def test_an_item_stored_before_the_forms_column_exports_as_before(home, db, rows, tmp_path):
    """A home made before `imported_forms`: the migration adds the column, and its items (NULL there) export as
    they did."""
    later = rows[35]["id"]
    bib = f"@misc{{k, title={{In {{Chinese}}}}, author={{{{Big Lab}} and Doe, J. and others}}, eprint={{{later}}}}}\n"
    _import(db, "Old", tmp_path / "old.bib", bib)
    path = home / "trendscope.db"
    with db.conn:  # as the release before left it
        db.execute("ALTER TABLE reading_list_items DROP COLUMN imported_forms")
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_imported_forms'")
    db.conn.close()
    rl = ReadingLists(open_database(path))
    raw = _entries(rl.export("Old", "bibtex").decode("utf-8"), decode=False)
    assert raw[later]["author"] == "Big Lab and Doe, J." and raw[later]["title"] == "In Chinese"
    assert json.loads(rl.export("Old", "json"))["items"][0]["authors_incomplete"] is False
    _import(rl.store.db, "New", tmp_path / "new.bib", bib)  # the migrated home keeps them from now on
    raw = _entries(rl.export("New", "bibtex").decode("utf-8"), decode=False)
    assert raw[later]["author"] == "{Big Lab} and Doe, J. and others" and raw[later]["title"] == "In {Chinese}"


def test_an_imported_title_keeps_its_maths_braces_and_a_csv_title_its_own(db, rows, tmp_path):
    """Every brace of an imported title was dropped: `$\\mathcal{O}(n)$` was stored and exported as
    `$\\mathcalO(n)$` (BibTeX, CSV and JSON alike: a blind walkthrough). A BibTeX title's case braces go, its
    math's stay; a CSV or JSON title is plain text, braces and all."""
    bib, csv_id, json_id = rows[35]["id"], rows[36]["id"], rows[37]["id"]
    rl = ReadingLists(db)
    _import(db, "M", tmp_path / "m.bib",
            f"@misc{{m, title={{Mu$^{{2}}$SLAM: $\\mathcal{{O}}(n)$ Speech and {{BERT}} with "
            f"$\\frac{{1}}{{2}}$-approx}}, eprint={{{bib}}}}}\n")
    _import(db, "M", tmp_path / "m.csv",
            f'arxiv_id,title\n{csv_id},"Sorting in $\\mathcal{{O}}(n)$ with \\textbf{{x}}"\n')
    _import(db, "M", tmp_path / "m.json",
            json.dumps({"items": [{"arxiv_id": json_id, "title": "A {0,1}-valued $\\mathcal{O}(1)$ map"}]}))
    titles = {i.arxiv_id: i.imported.title for i in rl.items("M")}
    assert titles[bib] == "Mu$^{2}$SLAM: $\\mathcal{O}(n)$ Speech and BERT with $\\frac{1}{2}$-approx"
    assert titles[csv_id] == "Sorting in $\\mathcal{O}(n)$ with \\textbf{x}"
    assert titles[json_id] == "A {0,1}-valued $\\mathcal{O}(1)$ map"
    raw = _entries(rl.export("M", "bibtex").decode("utf-8"), decode=False)
    assert "{$\\mathcal{O}(n)$}" in raw[bib]["title"] and "{$\\frac{1}{2}$}" in raw[bib]["title"]


def test_an_import_says_which_keys_it_changes_in_other_lists(db, rows, tmp_path):
    """A file keying another paper with the key list A's export gave one of its papers moved that key to the other
    paper in A, and gave A's paper the file's key, without a word (a blind walkthrough): a thesis citing the key
    silently cited another paper. The import now names each key it changes in the user's other lists."""
    one, two = rows[0]["id"], rows[1]["id"]
    rl = ReadingLists(db)
    rl.create("A")
    rl.add("A", [one, two])
    keys = {e["eprint"]: e.key for e in _entries(rl.export("A", "bibtex").decode("utf-8")).values()}
    res = _import(db, "B", tmp_path / "b.bib", f"@misc{{mine, eprint={{{one}}}}}\n"
                                               f"@misc{{{keys[one]}, eprint={{{two}}}}}\n")
    after = {e["eprint"]: e.key for e in _entries(rl.export("A", "bibtex").decode("utf-8")).values()}
    assert after == {one: "mine", two: keys[one]}  # the design: one key per paper in all the user's lists
    notes = [n for n in res.notes() if "changes its citation keys" in n]
    moved = "; ".join(f"{aid} {keys[aid]} -> {after[aid]}" for aid in sorted((one, two)))
    assert notes == [f'The BibTeX export of "A" changes its citation keys: {moved} (a paper takes the key its latest '
                     "import gave it in all your lists)."]
    # importing the same file again changes nothing more, and says nothing
    assert not [n for n in _import(db, "C", tmp_path / "b.bib", (tmp_path / "b.bib").read_text()).notes()
                if "changes its citation keys" in n]


@pytest.mark.parametrize("fmt", ["bibtex", "md"])
def test_a_fresh_export_reimported_differs_in_nothing(db, rows, tmp_path, fmt):
    """A note with a line break or a tab, exported to BibTeX or Markdown (which write them as spaces) and imported
    back, was reported as "differs from the file (note: ...)"."""
    rl = ReadingLists(db)
    rl.create("N")
    rl.add("N", [rows[0]["id"]])
    rl.set_note("N", rows[0]["id"], "line one\nline two\tand a tab")
    path = tmp_path / f"n.{'bib' if fmt == 'bibtex' else 'md'}"
    path.write_bytes(rl.export("N", fmt))
    res = rl.import_file("N", path)
    assert res.already == [rows[0]["id"]] and res.notes() == []
    path.write_text(path.read_text().replace("line two", "line 2"))
    assert [d.aspect for d in rl.import_file("N", path).differ] == ["note"]  # a real change is still said


def test_an_organisation_and_others_are_shown_as_the_entry_says(home, db, rows, tmp_path):
    """`author = {M{\\"u}ller, J{\\"o}rg and {BigScience Workshop} and others}`: `lists show` gave "(Müller and
    Workshop, 2024; ...)" and the app's card "Jörg Müller, BigScience Workshop" (a blind walkthrough): the
    organisation cut to its last word, and no et al."""
    from trendscope.ui.app.widgets import meta_line

    later, other = rows[35]["id"], rows[36]["id"]
    _import(db, "O", tmp_path / "o.bib",
            f"@misc{{o, title={{Bloom}}, author={{M{{\\\"u}}ller, J{{\\\"o}}rg and {{BigScience Workshop}} and "
            f"others}}, year={{2024}}, eprint={{{later}}}}}\n"
            f"@misc{{p, title={{Gemini}}, author={{Anil, Rohan and {{Gemini Team}}}}, year={{2023}}, "
            f"eprint={{{other}}}}}\n")
    shown = cli(home, "lists", "show", "O").output
    assert "(Müller et al., 2024; not ingested yet)" in shown
    assert "(Anil and Gemini Team, 2023; not ingested yet)" in shown
    items = {i.arxiv_id: i for i in ReadingLists(db).items("O")}
    card = meta_line(items[later].imported.authors, "2024", [], et_al=items[later].authors_incomplete)
    assert card.replace("\\", "").startswith("Jörg Müller, BigScience Workshop et al. · 2024")  # Markdown-escaped
    card = meta_line(items[other].imported.authors, "2023", [], et_al=items[other].authors_incomplete)
    assert card.replace("\\", "").startswith("Rohan Anil, Gemini Team · 2023")


def test_a_list_imports_standard_input(home, db, rows):
    """`echo 1706.03762 | trendscope lists import x - --format ids` was "-: no such file" (a blind walkthrough)."""
    res = cli(home, "lists", "import", "piped", "-", "--format", "ids", input=f"{rows[0]['id']}\nnot-an-id\n")
    assert res.exit_code == 0 and "Imported 1 paper into 'piped' from stdin (ids)." in res.stdout
    assert "skipped: stdin: line 2: not an arXiv id or URL: 'not-an-id'" in res.stderr
    assert [i.arxiv_id for i in ReadingLists(db).items("piped")] == [rows[0]["id"]]


def test_a_csv_author_cell_fits_a_spreadsheet_and_reads_back_as_incomplete(db, rows, tmp_path):
    """A 3,000-author paper's CSV cell held 44,998 characters, past a spreadsheet cell's 32,767 (a walkthrough of
    odd real-world data): the names that fit, then "et al.", which an import reads as an incomplete list."""
    from trendscope.reading.exporters import CSV_CELL_CHARS

    pid = rows[0]["id"]
    names = [f"A. Physicist{i}" for i in range(2999)] + ["ATLAS Collaboration"]
    PaperStore(db).upsert([to_paper(rows[0], authors=names, version=9)])
    rl = ReadingLists(db)
    rl.create("Big")
    rl.add("Big", [pid])
    (row,) = csv.DictReader(io.StringIO(rl.export("Big", "csv").decode("utf-8")))
    cell = row["authors"]
    assert len(cell) <= CSV_CELL_CHARS < 32_767 and cell.endswith("; et al.")
    kept = cell.split("; ")[:-1]
    assert kept == names[:len(kept)] and 1500 < len(kept) < 3000
    out = tmp_path / "big.csv"
    out.write_bytes(rl.export("Big", "csv"))
    rl.import_file("again", out)
    (again,) = rl.items("again")  # (the stored paper's own list stays whole; the import's form says et al.)
    assert again.forms.et_al and again.metadata.authors == names
