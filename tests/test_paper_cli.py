"""`trendscope paper ID`: one stored paper with its trend tags and their evidence (there was no way to see a
stored paper's tags from the CLI: a blind walkthrough)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from trendscope.ui.cli import main
from trendscope.ui.cli.paper import evidence_text


def _tagged_paper(db) -> tuple[str, str, str, list[str]]:
    pk, trend, evidence = db.execute(
        "SELECT pk, trend, evidence FROM paper_trends WHERE evidence LIKE '%(title)%' ORDER BY pk LIMIT 1").fetchone()
    aid, title = db.execute("SELECT id, title FROM papers WHERE pk = ?", [pk]).fetchone()
    return aid, title, trend, json.loads(evidence)


def test_a_paper_is_shown_with_its_tags_and_their_evidence(searchable):
    home, db, _ = searchable
    aid, title, trend, evidence = _tagged_paper(db)
    run = CliRunner().invoke(main, ["--home", str(home.root), "paper", f"https://arxiv.org/abs/{aid}v3"])
    assert run.exit_code == 0, run.output
    assert run.output.startswith(aid) and title.split()[0] in run.output.splitlines()[0]
    assert f"({trend}), score " in run.output and "Abstract:" in run.output
    assert all(f"    - {evidence_text(e)}" in run.output for e in evidence)
    data = json.loads(CliRunner().invoke(main, ["--home", str(home.root), "paper", aid, "--json"]).output)
    assert data["id"] == aid and data["url"] == f"https://arxiv.org/abs/{aid}"
    assert {"trend": trend, "evidence": evidence} in [{k: t[k] for k in ("trend", "evidence")} for t in data["trends"]]


def test_a_paper_not_stored_or_not_an_id_is_one_clear_line(searchable):
    home, _db, _ = searchable
    missing = CliRunner().invoke(main, ["--home", str(home.root), "paper", "2101.99999"])
    assert missing.exit_code == 1 and "2101.99999 is not stored: `trendscope ingest --id 2101.99999` adds it" in \
        missing.output and "Traceback" not in missing.output
    bad = CliRunner().invoke(main, ["--home", str(home.root), "paper", "<script>"])
    assert bad.exit_code == 1 and "not an arXiv id or URL: '<script>'" in bad.output


def test_the_vector_models_vote_says_which_way_it_leans():
    assert evidence_text("vector model: +2.89") == "vector model +2.89 (strongly for)"
    # about a typical paper outside the trend: +0.10 read "(for)" (a blind walkthrough)
    assert evidence_text("vector model: +0.10") == "vector model +0.10 (neither for nor against)"
    assert evidence_text("vector model: -0.70") == "vector model -0.70 (against)"
    assert evidence_text("vector model: -0.40") == "vector model -0.40 (neither for nor against)"
    assert evidence_text("lora (title)") == "lora (title)"


def test_a_paper_the_tagger_found_no_trend_in_says_so_not_to_run_index(searchable):
    """After `index` reported "tagged 4 papers (0 tags)", `paper ID` still said `trendscope index` tags new papers
    (a blind walkthrough): a paper the tagger looked at and found nothing in says that."""
    home, db, _ = searchable
    pk, aid = db.execute("SELECT pk, id FROM papers WHERE pk NOT IN (SELECT pk FROM paper_trends) AND pk IN "
                         "(SELECT pk FROM trend_tag_state) LIMIT 1").fetchone()
    run = CliRunner().invoke(main, ["--home", str(home.root), "paper", aid])
    assert "Trends: none (the tagger found none of the trends in it)" in run.output
    assert json.loads(CliRunner().invoke(main, ["--home", str(home.root), "paper", aid, "--json"]).output)["tagged"]


def test_tags_of_an_earlier_version_are_said_to_be_so(tmp_path, sample_rows, embedder):
    """A blind walkthrough: after a new version with a new abstract was imported, `paper` showed tag evidence
    ("sim-to-real (abstract)") the new abstract does not hold, without a word, until the next `index`."""
    from index_support import make_home, paper_from_row

    from trendscope.index.indexer import run_index
    from trendscope.ingest.store import PaperStore

    home, db = make_home(tmp_path / "home", sample_rows[:30])
    run_index(db, home, progress=False, embedder=embedder)
    aid, _title, _trend, _evidence = _tagged_paper(db)
    row = next(r for r in sample_rows[:30] if r["id"] == aid)
    shown = CliRunner().invoke(main, ["--home", str(home.root), "paper", aid]).output
    assert "\nTrends:\n" in shown and "earlier version" not in shown
    PaperStore(db).upsert([paper_from_row(row, version=(row.get("version") or 1) + 1,
                                          abstract="An updated abstract about robots.")])
    shown = CliRunner().invoke(main, ["--home", str(home.root), "paper", aid]).output
    assert "Trends (outdated: of an earlier version of its title and abstract, or of the tagger before" in shown
    assert json.loads(CliRunner().invoke(main, ["--home", str(home.root), "paper", aid, "--json"]).output)[
        "tags_outdated"] is True
    run_index(db, home, progress=False, embedder=embedder)
    shown = CliRunner().invoke(main, ["--home", str(home.root), "paper", aid]).output
    assert "earlier version" not in shown
    # tagged by another fitted model than the one in use (after `train-tags`, before `index`: a blind walkthrough)
    from trendscope.index.trend_store import TrendStore

    store = TrendStore(db)
    store.set_versions({t: (h, "an earlier model") for t, (h, _m) in store.versions().items()})
    assert json.loads(CliRunner().invoke(main, ["--home", str(home.root), "paper", aid, "--json"]).output)[
        "tags_outdated"] is True
    run_index(db, home, progress=False, embedder=embedder)
    assert json.loads(CliRunner().invoke(main, ["--home", str(home.root), "paper", aid, "--json"]).output)[
        "tags_outdated"] is False
    # a broken taxonomy.toml does not stop `paper` (it showed the paper before the check: a review)
    home.taxonomy_path.write_text("[[trend]\nname = broken\n")
    shown = CliRunner().invoke(main, ["--home", str(home.root), "paper", aid])
    assert shown.exit_code == 0 and aid in shown.output, shown.output


def test_latex_in_the_title_and_abstract_is_shown_readable(tmp_path, sample_rows):
    """A blind walkthrough: `paper` printed `\\textbf{...}` and `$2.0\\times$$\\sim$$2.7\\times$` raw."""
    from index_support import make_home, paper_from_row

    from trendscope.ingest.store import PaperStore

    home, db = make_home(tmp_path / "home", sample_rows[:2])
    row = sample_rows[0]
    PaperStore(db).upsert([paper_from_row(row, version=(row.get("version") or 1) + 1,
                                          title=r"\textbf{Fast} exits for $\alpha$-LLMs",
                                          abstract=r"A $2.0\times$$\sim$$2.7\times$ speedup with \emph{no} loss.")])
    out = CliRunner().invoke(main, ["--home", str(home.root), "paper", row["id"]]).output
    assert "Fast exits for α-LLMs" in out.splitlines()[0] and "\\textbf" not in out
    assert "A 2.0×~2.7× speedup with no loss." in out, out
    data = json.loads(CliRunner().invoke(main, ["--home", str(home.root), "paper", row["id"], "--json"]).output)
    assert data["title"] == r"\textbf{Fast} exits for $\alpha$-LLMs"  # JSON keeps the stored text


def test_a_paper_with_thousands_of_authors_names_the_first_and_how_many_more(tmp_path):
    """`trendscope paper` of a 3,000-author paper printed one 45 KB line (a walkthrough of odd real-world data); the
    JSON still lists every name."""
    from trendscope.ingest.records import Paper
    from trendscope.ingest.store import PaperStore, open_database

    names = [f"A. Physicist{i}" for i in range(2999)] + ["ATLAS Collaboration"]
    PaperStore(open_database(tmp_path / "trendscope.db")).upsert([Paper(
        id="1207.7214", title="Observation of a new particle", abstract="A new boson is observed.",
        categories=["hep-ex"], published="2012-07-31", authors=names)])
    run = CliRunner().invoke(main, ["--home", str(tmp_path), "paper", "1207.7214"])
    assert run.exit_code == 0, run.output
    (line,) = [x for x in run.output.splitlines() if x.startswith("Authors: ")]
    assert line.startswith("Authors: A. Physicist0, A. Physicist1,") and len(line) < 1000
    assert line.endswith("A. Physicist24 and 2,975 more, among them ATLAS Collaboration (--json lists them all)")
    data = json.loads(CliRunner().invoke(main, ["--home", str(tmp_path), "paper", "1207.7214", "--json"]).output)
    assert data["authors"] == names


# real records: the shared corpus's 1512.08982 (withdrawn by arXiv's administrators: its abstract says so) and
# 2009.14007 ("withdrawn" as an ordinary word), and a comment as arXiv's OAI-PMH feed records it (math.GT paper,
# tests' recorded ListRecords.xml)
_WITHDRAWN_ROWS = [
    {"id": "1512.08982", "title": "Technical Report: a tool for measuring Prosodic Accommodation",
     "abstract": "This article has been withdrawn by arXiv administrators because the submitter did not have the "
                 "legal authority to grant the license applied to the work.", "authors": [],
     "categories": ["cs.SD", "cs.CL"], "published": "2015-12-30"},
    {"id": "2009.14007", "title": "Tracking Mixed Bitcoins",
     "abstract": "Mixer services purportedly remove all connections between the input (deposited) Bitcoins and the "
                 "output (withdrawn) mixed Bitcoins, seemingly rendering taint analysis tracking ineffectual.",
     "authors": ["Tin Tironsakkul", "Manuel Maarek"], "categories": ["cs.CR"], "published": "2020-09-30"},
    {"id": "1606.01234", "title": "On the number of saddle connections in translation surfaces with poles",
     "abstract": "Translation surfaces with poles correspond to meromorphic differentials on compact Riemann "
                 "surfaces.", "authors": ["Guillaume Tahar"], "categories": ["math.GT"], "published": "2016-06-03",
     "comment": "This paper has been withdrawn by the author because it was merged\n   into a new paper "
                "(arXiv:1606.03705)"},
]


def test_a_withdrawn_paper_says_so_in_search_and_on_its_page(tmp_path):
    """A walkthrough of odd real-world data: arXiv keeps a withdrawn paper listed, and Trendscope showed it like any
    other in search results and on its page; only its comments (or its abstract) said so."""
    snapshot = tmp_path / "papers.jsonl"
    snapshot.write_text("".join(json.dumps(r) + "\n" for r in _WITHDRAWN_ROWS), encoding="utf-8")
    home = str(tmp_path / "home")
    assert CliRunner().invoke(main, ["--home", home, "ingest", "--snapshot", str(snapshot)]).exit_code == 0
    page = CliRunner().invoke(main, ["--home", home, "paper", "1606.01234"])
    assert "Withdrawn: This paper has been withdrawn by the author because it was merged into a new paper " \
           "(arXiv:1606.03705)" in page.output
    assert "Comment: This paper has been withdrawn" in page.output  # the record's comment, as the app shows it
    assert "Withdrawn:" in CliRunner().invoke(main, ["--home", home, "paper", "1512.08982"]).output
    assert "Withdrawn" not in CliRunner().invoke(main, ["--home", home, "paper", "2009.14007"]).output
    query = ["--home", home, "search", "surfaces bitcoins prosodic", "--mode", "keyword"]
    found = CliRunner().invoke(main, query)
    lines = found.output.splitlines()
    marked = [lines[i - 1] for i, line in enumerate(lines) if line.strip().startswith("withdrawn: ")]
    assert sorted(line.split()[1] for line in marked) == ["1512.08982", "1606.01234"], found.output
    hits = [json.loads(line) for line in CliRunner().invoke(main, [*query, "--json"]).output.splitlines()]
    assert {h["id"]: bool(h["withdrawn"]) for h in hits} == {"1512.08982": True, "1606.01234": True,
                                                             "2009.14007": False}
