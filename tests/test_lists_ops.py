"""Reading lists: every operation through the Python API and the CLI, on real sample papers."""
from __future__ import annotations

import json

import pytest
from lists_support import cli, ingest_rows, to_paper, with_authors

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.store import PaperStore, open_database
from trendscope.reading.lists import ReadingLists


@pytest.fixture
def rows(sample_rows):
    """30 real papers with authors, the first 20 ingested (the last 10 are 'not ingested yet')."""
    return with_authors(sample_rows, 30)


@pytest.fixture
def db(home, rows):
    return ingest_rows(home, rows[:20])


def test_create_rename_delete_api(db):
    rl = ReadingLists(db)
    assert rl.create("  ML reading ") == "ML reading"
    rl.create("Other")
    with pytest.raises(TrendscopeError, match="already exists"):
        rl.create("ml READING")
    with pytest.raises(TrendscopeError, match="'Other' already exists"):
        rl.rename("ML reading", "other")
    assert rl.rename("ML reading", "ml reading") == "ml reading"  # case change of itself is fine
    assert rl.rename("ml reading", "Theory") == "Theory"
    assert [s.name for s in rl.lists()] == ["Other", "Theory"]
    with pytest.raises(TrendscopeError, match=r"no reading list named 'nope' \(lists: 'Other', 'Theory'\)"):
        rl.items("nope")  # each name quoted: a name may hold ", " (a blind walkthrough)
    with pytest.raises(TrendscopeError, match="empty"):
        rl.create("   ")
    # "alice/to read" is how alice's list shared with you is named: a list of yours may not take that form
    with pytest.raises(TrendscopeError, match="cannot contain '/'"):
        rl.create("alice/to read")
    with pytest.raises(TrendscopeError, match="cannot contain '/'"):
        rl.rename("Theory", "bob/theory")
    assert rl.delete("Theory") == 0
    assert [s.name for s in rl.lists()] == ["Other"]


def test_add_versions_urls_dupes_and_not_ingested(db, rows):
    rl = ReadingLists(db, clock=lambda: "2026-01-02T03:04:05Z")
    rl.create("L")
    a, b, c = rows[0]["id"], rows[1]["id"], rows[2]["id"]
    missing = rows[25]["id"]  # real paper, not ingested yet
    res = rl.add("L", [f"{a}v3", f"https://arxiv.org/abs/{b}v1", f"arXiv:{c}", a, f"http://arxiv.org/pdf/{missing}.pdf"])
    assert res.added == [a, b, c, missing]
    assert res.not_ingested == [missing]
    assert res.bad == []
    res2 = rl.add("L", [a, f"{b}v9"])
    assert res2.added == [] and res2.already == [a, b]
    items = rl.items("L")
    assert [it.arxiv_id for it in items] == [a, b, c, missing]
    assert all(it.status == "unread" and it.added == "2026-01-02T03:04:05Z" for it in items)
    assert items[0].paper.title == rows[0]["title"] and items[3].paper is None
    summary = rl.lists()[0]
    assert (summary.items, summary.unread, summary.not_ingested) == (4, 4, 1)


def test_bad_ids_keep_good_ones_and_stored_items(db, rows):
    rl = ReadingLists(db)
    rl.create("L")
    rl.add("L", [rows[0]["id"]])
    res = rl.add("L", ["not-an-id", rows[1]["id"], "https://example.com/abs/1234.5678", ""])
    assert res.added == [rows[1]["id"]]
    assert len(res.bad) == 3 and "'not-an-id'" in res.bad[0] and "example.com" in res.bad[1]
    assert [it.arxiv_id for it in rl.items("L")] == [rows[0]["id"], rows[1]["id"]]


def test_notes_keep_their_lines_but_lose_control_characters(db, rows, home):
    """A blind walkthrough: a note typed with a bell and a terminal's colour codes was stored raw, and every
    `lists show` rang the bell; imported notes were cleaned, typed ones were not."""
    rl = ReadingLists(db)
    rl.create("L")
    ids = [r["id"] for r in rows[:2]]
    rl.add("L", [ids[0]], note="tab\there\r\nbell\a esc\x1b[31mred\x1b[0m ")
    rl.add("L", [ids[1]])
    rl.set_note("L", ids[1], "line one\r\nline two\x07")
    by_id = {it.arxiv_id: it.note for it in rl.items("L")}
    assert by_id == {ids[0]: "tab\there\nbell esc[31mred[0m ", ids[1]: "line one\nline two"}
    note = rl.add_passage_note(ids[0], 1, "see\x1b[1m this", quote="a\x07 quote")
    assert [(n.note, n.quote) for n in rl.passage_notes(ids[0]) if n.note_id == note] == [("see[1m this", "a quote")]
    # nor the invisible ones that change how a note reads (U+202E showed it reversed to everyone the list was
    # shared with; names refused them, notes kept them: a blind security walkthrough)
    rl.set_note("L", ids[1], "\u202eRTL a\u2066b\u200bc\ufeffd")
    assert {it.arxiv_id: it.note for it in rl.items("L")}[ids[1]] == "RTL abcd"
    with pytest.raises(TrendscopeError, match="at most 5,000 characters"):
        rl.set_note("L", ids[1], "x" * 5001)
    shown = cli(home, "lists", "show", "L")
    assert "\x07" not in shown.output and "\x1b" not in shown.output
    # notes on passages show under their paper, as in the app and the Markdown export (a blind walkthrough)
    assert "      on passage 1: “a quote” see[1m this" in shown.output, shown.output


def test_a_passage_note_quote_must_be_in_its_passage(db, rows):
    """A blind walkthrough quoted a sentence of the paragraph before; it was stored and exported as this passage's."""
    rl = ReadingLists(db)
    passage = "While inline citations are use-\nful, readers lose track of them. One in five (21%) discoveries..."
    with pytest.raises(TrendscopeError, match="the quote is not in this passage"):
        rl.add_passage_note(rows[0]["id"], 10, "a note", quote="of paper discoveries came from citations",
                            passage=passage)
    assert rl.passage_notes(rows[0]["id"]) == []
    # its words, in another case, spacing or with the line's hyphen break, are in it
    for quote in ("READERS lose  track", "inline citations are use- ful", "One in five (21%)"):
        rl.add_passage_note(rows[0]["id"], 10, "a note", quote=quote, passage=passage)
    assert len(rl.passage_notes(rows[0]["id"])) == 3


def test_remove_note_status(db, rows):
    rl = ReadingLists(db)
    rl.create("L")
    ids = [r["id"] for r in rows[:4]]
    rl.add("L", ids)
    res = rl.remove("L", [f"{ids[1]}v2", rows[10]["id"], "junk"])
    assert res.removed == [ids[1]] and res.missing == [rows[10]["id"]] and len(res.bad) == 1
    assert rl.set_note("L", f"https://arxiv.org/abs/{ids[0]}v1", "read §3 — ✓") == ids[0]
    st = rl.set_status("L", [ids[0], ids[2]], "Reading")
    assert st.removed == [ids[0], ids[2]]
    with pytest.raises(TrendscopeError, match="unknown status 'done'"):
        rl.set_status("L", [ids[0]], "done")
    with pytest.raises(TrendscopeError, match="is not in list"):
        rl.set_note("L", rows[10]["id"], "x")
    with pytest.raises(TrendscopeError, match="not an arXiv id"):
        rl.set_note("L", "bogus", "x")
    by_id = {it.arxiv_id: it for it in rl.items("L")}
    assert set(by_id) == {ids[0], ids[2], ids[3]}
    assert by_id[ids[0]].note == "read §3 — ✓" and by_id[ids[0]].status == "reading"
    assert by_id[ids[3]].status == "unread"


def test_delete_removes_items_but_not_papers(db, rows):
    rl = ReadingLists(db)
    rl.create("L")
    rl.add("L", [r["id"] for r in rows[:5]])
    rl.mark_not_interested("L", [rows[6]["id"]])
    assert rl.delete("L") == 5
    rl.create("L")
    assert rl.items("L") == [] and rl.not_interested("L") == []
    assert PaperStore(db).count() == 20


def test_list_survives_reingest_of_newer_version(home, db, rows):
    rl = ReadingLists(db)
    rl.create("L")
    first, late = rows[0], rows[22]
    rl.add("L", [first["id"], late["id"]])
    rl.set_note("L", first["id"], "keep me")
    rl.set_status("L", [first["id"]], "read")
    assert rl.items("L")[1].paper is None
    # a newer version of the first paper and the late paper arrive; the store is reopened (as after a restart)
    counts = PaperStore(db).upsert([
        to_paper(first, version=5, title=first["title"] + " (revised)"),
        to_paper(late, version=1),
    ])
    assert counts.updated == 1 and counts.new == 1
    rl2 = ReadingLists(open_database(home / "trendscope.db"))
    items = rl2.items("L")
    assert [it.arxiv_id for it in items] == [first["id"], late["id"]]
    assert items[0].paper.title.endswith("(revised)") and items[0].paper.version == 5
    assert items[0].note == "keep me" and items[0].status == "read"
    assert items[1].paper is not None and items[1].paper.title == late["title"]  # filled in once ingested


def test_not_interested_marks(db, rows):
    rl = ReadingLists(db)
    rl.create("L")
    res = rl.mark_not_interested("L", [f"{rows[3]['id']}v2", rows[4]["id"], "??"])
    assert res.added == [rows[3]["id"], rows[4]["id"]] and len(res.bad) == 1
    assert rl.not_interested("L") == sorted([rows[3]["id"], rows[4]["id"]])
    assert rl.mark_not_interested("L", [rows[4]["id"]], undo=True).added == [rows[4]["id"]]
    assert rl.not_interested("L") == [rows[3]["id"]]


# -- CLI -----------------------------------------------------------------------------------------
def test_cli_every_operation(home, db, rows):
    a, b, c = rows[0]["id"], rows[1]["id"], rows[2]["id"]
    late = rows[24]["id"]
    r = cli(home, "lists")
    assert r.exit_code == 0 and "No reading lists yet" in r.output

    assert cli(home, "lists", "create", "to read").exit_code == 0
    r = cli(home, "lists", "create", "To Read")
    assert r.exit_code == 1 and "already exists" in r.output

    r = cli(home, "lists", "add", "to read", f"{a}v2", f"https://arxiv.org/abs/{b}", late, "1234")
    assert r.exit_code == 1  # one bad id: the good ones are still added
    assert "Added 3 papers" in r.stdout and f"{late}: not ingested yet" in r.stdout
    assert "not an arXiv id or URL: '1234'" in r.stderr

    r = cli(home, "lists", "add", "nope", a)
    assert r.exit_code == 1 and "no reading list named 'nope'" in r.output and "add --create to make it" in r.output
    r = cli(home, "lists", "add", "new one", a, "--create", "--status", "reading", "--note", "n1")
    assert r.exit_code == 0 and "Created list 'new one'" in r.output
    r = cli(home, "lists", "create", r"50% $\alpha$ & {x} ~_^")  # repr doubled the backslashes
    assert r.output.strip() == r"Created list '50% $\alpha$ & {x} ~_^'."
    empty = cli(home, "lists", "export", r"50% $\alpha$ & {x} ~_^")  # an empty export says so, on stderr
    assert empty.stdout == "" and r"note: '50% $\alpha$ & {x} ~_^' holds no paper" in empty.stderr
    assert cli(home, "lists", "delete", r"50% $\alpha$ & {x} ~_^", "--yes").exit_code == 0
    r = cli(home, "lists", "add", "new one", a, "--note", "n2")  # a blind walkthrough: the note went without a word
    assert f"Already in the list: {a}; their notes and statuses are unchanged" in r.output
    assert "unchanged" not in cli(home, "lists", "add", "new one", a).output
    r = cli(home, "lists", "note", "new one", a, "--", "-1 on eq. 3")  # a note starting with '-', as the help says
    assert r.exit_code == 0 and "-- \"-1 on eq. 3\"" in cli(home, "lists", "note", "--help").output

    assert cli(home, "lists", "note", "to read", a, "skim", "the", "proofs").exit_code == 0
    assert cli(home, "lists", "status", "to read", a, b, "read").exit_code == 0
    assert cli(home, "lists", "status", "to read", "reading", b).exit_code == 0  # status first works too
    r = cli(home, "lists", "status", "to read", a, "finished")
    assert r.exit_code == 1 and "unknown status 'finished'" in r.output
    r = cli(home, "lists", "status", "to read", c, "read")
    assert r.exit_code == 1 and f"{c} is not in list" in r.output

    r = cli(home, "lists", "show", "to read", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    by_id = {x["arxiv_id"]: x for x in data["items"]}
    assert list(by_id) == [a, b, late]
    assert by_id[a]["note"] == "skim the proofs" and by_id[a]["status"] == "read"
    assert by_id[b]["status"] == "reading" and by_id[a]["title"] == rows[0]["title"]
    assert by_id[late]["ingested"] is False and by_id[late]["title"] is None

    r = cli(home, "lists", "show", "to read")
    assert r.exit_code == 0 and "1 not ingested yet" in r.output and "note: skim the proofs" in r.output
    assert cli(home, "lists", "note", "to read", b, "line one\nline two").exit_code == 0
    assert "      note: line one\n            line two\n" in cli(home, "lists", "show", "to read").output
    # filtered by status: the count says of how many ("to read: 1 paper" read as the list's size: a walkthrough)
    assert cli(home, "lists", "show", "to read", "--status", "read").output.startswith("to read: 1 of 3 papers read")

    r = cli(home, "lists", "remove", "to read", f"{b}v7", c)
    # a paper not in the list exits 1, as `lists status` does, after removing the others
    assert r.exit_code == 1 and "Removed 1 paper" in r.output and f"error: {c} is not in list 'to read'" in r.output

    r = cli(home, "lists", "rename", "to read", "New One")
    assert r.exit_code == 1 and "already exists" in r.output
    assert cli(home, "lists", "rename", "to read", "done reading").exit_code == 0

    r = cli(home, "lists", "list", "--json")
    got = {x["name"]: x for x in json.loads(r.stdout)}
    assert set(got) == {"done reading", "new one"}
    assert got["done reading"]["items"] == 2 and got["done reading"]["not_ingested"] == 1
    assert got["new one"]["reading"] == 1

    r = cli(home, "lists", "not-interested", "done reading", c, "xx")
    assert r.exit_code == 1 and "Marked 1 paper" in r.stdout
    shown = cli(home, "lists", "not-interested", "done reading").stdout  # with titles (bare ids said nothing)
    assert shown.startswith(f"{c}  ") and len(shown.splitlines()) == 1 and shown.strip() != c
    r = cli(home, "lists", "not-interested", "done reading", a)  # a paper of the list itself: said so
    assert "is in the list itself" in r.stderr and a in r.stderr
    assert cli(home, "lists", "not-interested", "done reading", a, "--undo").exit_code == 0
    r = cli(home, "lists", "not-interested", "DONE reading", "--json")
    assert json.loads(r.stdout) == {"list": "done reading", "not_interested": [c]}
    r = cli(home, "lists", "not-interested", "done reading", a, "--json")  # prose was printed (a walkthrough)
    assert json.loads(r.stdout) == {"list": "done reading", "marked": [a]}
    r = cli(home, "lists", "not-interested", "done reading", a, "--undo", "--json")
    assert json.loads(r.stdout) == {"list": "done reading", "unmarked": [a]}

    r = cli(home, "lists", "delete", "done reading", input="n\n")
    assert r.exit_code == 1  # declined: nothing deleted
    assert "done reading" in cli(home, "lists").output
    r = cli(home, "lists", "delete", "done reading", "--yes")
    assert r.exit_code == 0 and "2 papers" in r.output
    assert "done reading" not in cli(home, "lists").output


def test_large_list_no_size_cap(db, rows, tmp_path):
    """A 5,000-id import file (real ingested papers plus syntactically valid ids not ingested yet)."""
    ids = [r["id"] for r in rows[:20]] + [f"2301.{n:05d}" for n in range(1, 4981)]
    f = tmp_path / "many.txt"
    f.write_text("\n".join(ids) + "\n", encoding="utf-8")
    rl = ReadingLists(db)
    res = rl.import_file("Big", f)
    assert res.created and len(res.added) == 5000 and len(res.not_ingested) == 4980 and res.bad == []
    items = rl.items("Big")
    assert [it.arxiv_id for it in items] == ids
    assert sum(it.ingested for it in items) == 20
    assert rl.lists()[0].items == 5000


def test_a_list_name_longer_than_80_characters_is_refused(db):
    rl = ReadingLists(db)
    with pytest.raises(TrendscopeError, match="a list name is longer than 80 characters"):
        rl.create("x" * 81)
    assert rl.create("x" * 80) == "x" * 80


def test_a_passage_note_is_edited_by_its_owner_only(db, rows):
    """Notes on passages could only be deleted and typed again (a blind walkthrough)."""
    from trendscope.foundation.actor import Actor

    rl = ReadingLists(db)
    note_id = rl.add_passage_note(rows[0]["id"], 3, "first thought", quote="q")
    assert rl.edit_passage_note(note_id, "second\x07 thought ")
    assert [(n.note, n.quote, n.seq) for n in rl.passage_notes(rows[0]["id"])] == [("second thought", "q", 3)]
    with pytest.raises(TrendscopeError, match="cannot be empty"):
        rl.edit_passage_note(note_id, "   ")
    assert not ReadingLists(db, user=Actor("ana", admin=False)).edit_passage_note(note_id, "ana's")  # not hers
    assert rl.passage_notes(rows[0]["id"])[0].note == "second thought"
