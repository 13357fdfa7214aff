"""The CLI: `search` (text, --json, --batch, filters), `similar`, `index` on a real (small) home."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from trendscope.ui.cli import main


@pytest.fixture(scope="module")
def cli(searchable):
    home, db, _ = searchable
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, ["--home", str(home.root), *args], input=input)

    return run


def test_search_text_and_json(cli, searchable):
    out = cli("search", "speech recognition", "-n", "4")
    assert out.exit_code == 0, out.output
    assert len([line for line in out.output.splitlines() if line.strip()[:2].rstrip(".").isdigit()]) == 4
    out = cli("search", "speech recognition", "--mode", "keyword", "--json", "-n", "3", "--since", "2016")
    assert out.exit_code == 0, out.output
    hits = [json.loads(line) for line in out.output.splitlines()]
    assert len(hits) == 3
    for h in hits:
        assert {"id", "title", "score", "published", "categories"} <= set(h)
        assert h["published"] >= "2016-01-01"


def test_an_empty_date_window_says_when_the_stored_papers_were_published(cli, searchable):
    _home, db, _ = searchable
    first, last = db.execute("SELECT min(published), max(published) FROM papers").fetchone()
    out = cli("search", "speech recognition", "--since", "2031-01")
    assert out.exit_code == 0 and "no results" in out.stderr and not out.stdout  # `| wc -l` counted it (a walkthrough)
    assert (f"(no stored paper was published in this window; the stored papers were published from {first[:10]} "
            f"to {last[:10]})") in out.output
    assert "stored papers were published" not in cli("search", "speech recognition", "--since", "2016").output
    # a window holding papers but none about the query: its papers' dates are no explanation (a blind walkthrough),
    # and newest first says why it listed nothing
    week = db.execute("SELECT substr(min(published), 1, 10) FROM papers WHERE published >= '2020'").fetchone()[0]
    out = cli("search", "zzqxunfindable", "--mode", "keyword", "--since", week, "--until", week)
    assert "no results" in out.output and "published in this window" not in out.output
    out = cli("search", "speech recognition", "--since", "2031-01", "--sort", "date")  # a window with no paper
    assert "no stored paper was published in this window" in out.output and "newest first lists" not in out.output


def test_a_query_no_paper_has_a_word_of_says_the_results_are_by_meaning_alone(cli):
    """"zzqxv nonexistentword" listed ten papers, each "missing" both words, and never said that no paper has
    either (a blind CLI walkthrough)."""
    out = cli("search", "zzqxv nonexistentword", "-n", "3")
    assert out.exit_code == 0 and "missing: zzqxv, nonexistentword" in out.output
    assert ("(no stored paper holds any of the words zzqxv, nonexistentword: these are the nearest by meaning)"
            in out.output)
    assert "no stored paper holds" not in cli("search", "zzqxv language models", "-n", "3").output  # some do
    assert "no stored paper holds" not in cli("search", "zzqxv", "--mode", "semantic", "-n", "3").output
    # with filters the note speaks of the papers within them, not of the corpus ("privacy" -t privacy --since
    # said no stored paper held "privacy": a blind walkthrough)
    filtered = cli("search", "zzqxv", "-n", "3", "--since", "2020").output
    assert "(no paper within these filters holds any of the words zzqxv:" in filtered
    assert "no stored paper holds" not in filtered


def test_newest_first_says_when_the_relevance_floor_shortened_the_list(cli):
    note = "newest first lists only papers that hold the query as a phrase, or most of its words with a close meaning"
    out = cli("search", "language models", "--sort", "date", "--since", "2022", "--until", "2022", "-n", "20")
    listed = [line for line in out.output.splitlines() if line.strip()[:2].rstrip(".").isdigit()]
    assert out.exit_code == 0 and 0 < len(listed) < 20
    assert (f"({len(listed)} shown: {note}; --sort relevance also ranks the papers that match it only partly, where "
            "there are any)") in out.output
    full = cli("search", "language models", "--since", "2022", "--until", "2022", "-n", "20").output
    assert len([x for x in full.splitlines() if x.strip()[:2].rstrip(".").isdigit()]) > len(listed)
    assert note not in full  # sorted by relevance: no floor, no note
    assert note not in cli("search", "language models", "--sort", "date", "-n", "5").output  # a full list
    # newest first shows no score: the list is in date order, and its scores mixed two scales (a blind walkthrough)
    scored = re.compile(r"^\s*\d+\. \S+\s+\S+\s+-?\d+\.\d{4}  \[")
    assert listed and not any(scored.match(x) for x in listed), listed[:2]
    ranked = [x for x in full.splitlines() if x.strip()[:2].rstrip(".").isdigit()]
    assert ranked and all(scored.match(x) for x in ranked), ranked[:2]
    # a listed paper lacking a query word: how to require it ("clearly about the query" was said over 52 of 62
    # papers lacking "diffusion": a blind walkthrough)
    lacking = cli("search", "graph neural networks molecules", "--sort", "date", "-n", "10")
    assert "missing: molecules" in lacking.output
    assert "(papers marked missing lack that word of the query; write +word to require it)" in lacking.output
    assert "write +word" not in out.output or "missing:" in out.output


def test_search_batch(cli, tmp_path):
    f = tmp_path / "queries.txt"
    f.write_text("graph neural networks\n\nti:\"unclosed\n-only -exclusions\nmachine translation\n", encoding="utf-8")
    out = cli("search", "--batch", str(f), "-n", "3", "--mode", "hybrid")
    # one query refused: every other answered, and the exit status says so (it was 0: a blind walkthrough)
    assert out.exit_code == 3, out.output
    assert "1 query refused" in out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["query"] for x in lines] == ["graph neural networks", 'ti:"unclosed', "-only -exclusions",
                                           "machine translation"]
    # each hit as --json gives it (ids and scores alone had to be joined with the snapshot: a blind walkthrough)
    assert len(lines[0]["hits"]) == 3 and all({"id", "score", "title", "published", "authors"} <= set(h)
                                              for h in lines[0]["hits"])
    assert all(h["title"] for h in lines[0]["hits"])
    assert lines[2]["hits"] == [] and "only excludes" in lines[2]["error"]
    out = cli("search", "--batch", "-", "-n", "2", input="robots\n")
    assert out.exit_code == 0 and len(json.loads(out.output)["hits"]) == 2
    assert "notes" not in json.loads(out.output)  # nothing to say
    # what a single search says on stderr, each line says in "notes" (a not-stored id was a bare `"hits": []`: a
    # blind walkthrough)
    out = cli("search", "--batch", "-", "-n", "2", input="2106.99999\nzzqxv\n")
    notes = [json.loads(x).get("notes") for x in out.stdout.splitlines()]
    single = cli("search", "2106.99999", "-n", "2")
    assert notes[0] == ["arXiv 2106.99999 is not stored here: trendscope ingest --id 2106.99999 fetches it"]
    assert f"({notes[0][0]})" in single.stderr
    assert notes[1] and all(f"({n})" in cli("search", "zzqxv", "-n", "2").stderr for n in notes[1])
    # a byte that is not UTF-8 was a traceback, and the answers before it were lost (a blind walkthrough)
    f.write_bytes(b"robots\ncaf\xe9 latte\nmachine translation\n")
    out = cli("search", "--batch", str(f), "-n", "2")
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert out.exit_code == 3 and [len(x["hits"]) for x in lines] == [2, 0, 2]
    assert lines[1]["error"] == "line 2: not UTF-8 (byte 0xe9 at byte 4)"
    # a BOM is no part of the first query, and a lone CR ends a line (a review)
    f.write_bytes(b"\xef\xbb\xbfrobots\rmachine translation\r")
    lines = [json.loads(x) for x in cli("search", "--batch", str(f), "-n", "2").stdout.splitlines()]
    assert [x["query"] for x in lines] == ["robots", "machine translation"]
    # a window without papers is all a single search says, and all the line says (a review)
    out = cli("search", "--batch", "-", "--since", "2099", "--sort", "date", input="robots\n")
    assert json.loads(out.stdout)["notes"] == [
        "no stored paper was published in this window; the stored papers were published from "
        + cli("search", "robots", "--since", "2099").stderr.split("published from ", 1)[1].rstrip().rstrip(")")]


def test_similar_and_errors(cli, searchable):
    home, db, _ = searchable
    pid = db.execute("SELECT id FROM papers ORDER BY pk LIMIT 1 OFFSET 5").fetchone()[0]
    out = cli("similar", pid, "-n", "3", "--json")
    assert out.exit_code == 0, out.output
    ids = [json.loads(x)["id"] for x in out.output.splitlines()]
    assert len(ids) == 3 and pid not in ids
    out = cli("similar", "2512.99999")  # says how to add it (a blind docs audit: "not in the database" alone)
    assert out.exit_code == 1 and "paper 2512.99999 is not stored: `trendscope ingest --id 2512.99999` adds it" \
        in out.output
    # a window no stored paper was published in is said so, as search says it (it printed a bare "no results")
    out = cli("similar", pid, "--since", "2031-01-01")
    assert out.exit_code == 0 and "(no stored paper was published in this window; the stored papers were " \
        "published from" in out.output, out.output
    out = cli("search", "x", "--since", "yesterday")
    assert out.exit_code == 1 and "not a date" in out.output and "Traceback" not in out.output
    out = cli("search")
    assert out.exit_code == 2 and "QUERY" in out.output
    for blank in ("", "   "):  # given but empty: one error line, as for blanks (it asked for a QUERY: a docs audit)
        out = cli("search", blank)
        assert out.exit_code == 1 and out.output.startswith("Error: empty query: give at least one word"), out.output


def test_index_command_with_nothing_new(cli):
    out = cli("index")
    assert out.exit_code == 0, out.output
    assert "embedded 0" in out.output and "FAISS unchanged" in out.output


def test_a_query_starting_with_a_dash_is_told_how_and_verbose_hides_faiss_noise(searchable):
    import logging

    home, db, searcher = searchable
    done = CliRunner().invoke(main, ["--home", str(home.root), "search", "-survey transformers"])
    assert done.exit_code == 2 and "needs -- before it, after any options: trendscope search -n 5 -- '-survey gans'" \
        in done.output
    # search-text too ("No such option '-r'" alone: a blind walkthrough)
    done = CliRunner().invoke(main, ["--home", str(home.root), "search-text", "-rank"])
    assert done.exit_code == 2 and "needs -- before it, after any options: trendscope search-text -n 5" in done.output
    # a short option's letter first: "-transformers" is -t ransformers, leaving no query
    done = CliRunner().invoke(main, ["--home", str(home.root), "search", "-transformers"])
    assert done.exit_code == 2 and "'-transformers' was read as options" in done.output, done.output
    assert "trendscope search -n 5 -- '-transformers'" in done.output
    # trendscope's own option after the command: where to put it, not how to search for "-v" (a blind walkthrough)
    done = CliRunner().invoke(main, ["--home", str(home.root), "search", "-v", "lora"])
    assert done.exit_code == 2 and "-v is an option of trendscope itself: put it before the command, trendscope -v " \
        "search ..." in done.output and "needs --" not in done.output, done.output
    done = CliRunner().invoke(main, ["--home", str(home.root), "-v", "search", "ti:", "--mode", "keyword"])
    assert done.exit_code == 1 and '"ti:" needs a word' in done.output
    assert logging.getLogger("faiss.loader").level == logging.WARNING  # -v: ours at INFO, faiss's loader not


def test_index_on_an_empty_home_says_there_is_no_index_yet(tmp_path):
    """A blind walkthrough: `index` on an empty home printed "FAISS unchanged (None)"."""
    from click.testing import CliRunner

    from trendscope.ui.cli import main

    out = CliRunner().invoke(main, ["--home", str(tmp_path / "empty"), "index"])
    assert out.exit_code == 0, out.output
    assert "no FAISS index (no vectors yet)" in out.output and "None" not in out.output


def test_an_empty_home_says_to_import_papers_not_to_index(home):
    """A blind walkthrough: on an empty home `search` said "no embeddings yet ... (run `trendscope index`)", then
    "no results"; `status` printed 28 rows of 0 papers a day before its advice."""
    res = CliRunner().invoke(main, ["--home", str(home), "search", "diffusion"])
    assert res.exit_code == 1 and "no papers stored yet: import some first (`trendscope ingest --snapshot FILE`" in \
        res.output and "no embeddings yet" not in res.output, res.output
    status = CliRunner().invoke(main, ["--home", str(home), "status"])
    assert status.exit_code == 0 and "Papers per day" not in status.output
    assert "no papers stored: import a snapshot" in status.output


def test_a_verbose_snippet_reads_tex_as_the_title_does(capsys):
    """A blind docs audit: `-v search lora` showed "Low-Rank Adaptation~(⟦LoRA⟧)" and "50\\% of": TeX made readable
    as the title is; --json keeps the source."""
    from types import SimpleNamespace

    from trendscope.ui.cli.index import _print_hits

    hit = SimpleNamespace(id="2106.09685", title="LoRA", score=0.3, published="2021-06-17", categories=["cs.CL"],
                          authors=[], missing=[], withdrawn=None,
                          snippet="Low-Rank Adaptation~(⟦LoRA⟧) on 50\\% of $\\alpha$")
    _print_hits([hit], as_json=False, verbose=1)
    assert "       Low-Rank Adaptation (⟦LoRA⟧) on 50% of α\n" in capsys.readouterr().out
    _print_hits([hit], as_json=True, verbose=1)
    assert "Adaptation~(⟦LoRA⟧)" in capsys.readouterr().out


def test_an_author_no_stored_paper_lists_is_said_so(cli):
    """A blind docs audit: `search 'au:"Percy Lang"'` printed a bare "no results"."""
    out = cli("search", 'au:"Zzyzx Qwertyuiop"')
    assert out.exit_code == 0 and "no results" in out.output
    assert "(no stored paper lists an author matching the au: part of the query" in out.output
    assert "au: part" not in cli("search", "zzyzxqwertyuiop").output  # not said of a query without au:
