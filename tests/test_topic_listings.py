"""Kept rising-topic listings: read back while the data is unchanged, computed afresh when anything it depends on
changes, and always what computing it now would give."""
from __future__ import annotations

import json
import sqlite3

import pytest
import sqlite_utils
from click.testing import CliRunner
from index_support import CachingEmbedder, make_home, paper_from_row

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.emerging_topics import emerging_topics
from trendscope.index.indexer import run_index
from trendscope.index.topic_listing_store import TopicListingStore
from trendscope.index.topic_listings import listed_topics
from trendscope.index.trend_store import TrendStore
from trendscope.ingest.store import PaperStore
from trendscope.ui.cli import main

BURST = ("Plum caching for efficient inference: quantization of attention",
         "We study plum caching, a quantization scheme that makes inference efficient and cheap.")


def _burst(rows, first: int, n: int, month: str) -> list:
    return [paper_from_row(rows[0], id=f"2398.{first + i}", title=BURST[0], abstract=BURST[1],
                           published=f"{month}-{2 + 3 * i:02d}T00:00:00Z", updated=f"{month}-{2 + 3 * i:02d}T00:00:00Z",
                           version=1, categories=["cs.LG"]) for i in range(n)]


@pytest.fixture
def topic_home(tmp_path, sample_rows, embedder):
    rows = [r for r in sample_rows if "2022-06-01" <= r["published"] < "2024-01-01"]
    home, db = make_home(tmp_path / "home", rows)
    PaperStore(db).upsert(_burst(rows, 100, 8, "2023-10"))
    embedder = CachingEmbedder(embedder)  # the same papers in every test: embedded once
    run_index(db, home, progress=False, embedder=embedder)
    return home, db, rows, embedder


def test_a_listing_is_kept_and_read_back_while_the_data_is_unchanged(topic_home):
    _home, db, _rows, _embedder = topic_home
    first = listed_topics(db, freq="month")
    assert first.kept_since is None and first.records == emerging_topics(db, freq="month").records
    assert any(r["topics"] for r in first.records)  # something is listed: the comparison means something
    again = listed_topics(db, freq="month")
    assert again.kept_since is not None and again.records == first.records and again.papers == first.papers
    assert listed_topics(db, freq="month", recompute=True).kept_since is None
    # `since` filters the kept listing as emerging_topics filters what it computes
    assert listed_topics(db, freq="month", since="2023-09-01").records == \
        emerging_topics(db, freq="month", since="2023-09-01").records
    # quarters are kept apart from months, and weeks too (a weekly listing of the full corpus took 45 s at every
    # call: a blind walkthrough)
    assert listed_topics(db, freq="quarter").kept_since is None
    assert listed_topics(db, freq="quarter").kept_since is not None
    weeks = listed_topics(db, freq="week")
    assert weeks.kept_since is None and weeks.records == emerging_topics(db, freq="week").records
    assert listed_topics(db, freq="week").kept_since is not None
    assert listed_topics(db, freq="week", since="2023-10-02").records == \
        emerging_topics(db, freq="week", since="2023-10-02").records


def test_new_papers_or_changed_tags_compute_the_listing_afresh(topic_home):
    home, db, rows, embedder = topic_home
    listed_topics(db, freq="month")
    PaperStore(db).upsert(_burst(rows, 200, 6, "2023-12"))
    run_index(db, home, progress=False, embedder=embedder)
    after = listed_topics(db, freq="month")
    assert after.kept_since is None and after.records == emerging_topics(db, freq="month").records
    assert listed_topics(db, freq="month").kept_since is not None
    TrendStore(db).delete_trend("ethics")  # a trend's tags gone (a taxonomy edit): the listing changes
    fresh = listed_topics(db, freq="month")
    assert fresh.kept_since is None and not any(r["trend"] == "ethics" for r in fresh.records)
    db.execute("UPDATE papers SET published = '2023-11-20T00:00:00Z' WHERE id = '2398.100'")  # redated
    assert listed_topics(db, freq="month").kept_since is None


def test_a_damaged_kept_listing_is_computed_again_not_trusted(topic_home, caplog):
    _home, db, _rows, _embedder = topic_home
    computed = listed_topics(db, freq="month")
    db.execute("UPDATE topic_listings SET records = x'00ff00' WHERE freq = 'month'")
    again = listed_topics(db, freq="month")
    assert again.kept_since is None and again.records == computed.records
    assert "unreadable" in caplog.text
    kept = TopicListingStore(db).get("month")
    assert kept is not None and kept.records == computed.records  # and kept again


def test_a_read_only_home_computes_the_listing_without_keeping_it(topic_home, caplog):
    home, db, _rows, _embedder = topic_home
    expected = listed_topics(db, freq="month").records
    TopicListingStore(db).clear()
    ro = sqlite_utils.Database(sqlite3.connect(f"file:{home.db_path}?mode=ro", uri=True))
    res = listed_topics(ro, freq="month")
    assert res.kept_since is None and res.records == expected
    assert "not kept" in caplog.text
    assert TopicListingStore(db).get("month") is None


def test_cli_says_whether_the_listing_was_kept_or_computed(topic_home):
    home, _db, _rows, _embedder = topic_home
    runner = CliRunner()
    args = ["--home", str(home.root), "trends", "--topics", "--json", "--since", "2023-10-01"]
    first = runner.invoke(main, args)
    assert first.exit_code == 0 and "computed in" in first.stderr and "kept since" not in first.stderr
    second = runner.invoke(main, args)
    assert second.exit_code == 0 and "kept since" in second.stderr
    assert second.stdout == first.stdout and all(json.loads(x)["period"] >= "2023-10-01"
                                                 for x in second.stdout.splitlines())
    third = runner.invoke(main, [*args, "--recompute"])
    assert "kept since" not in third.stderr and third.stdout == first.stdout


def test_index_keeps_the_listing_so_trends_reads_it_back_at_once(topic_home):
    home, db, rows, _embedder = topic_home
    TopicListingStore(db).clear()
    runner = CliRunner()
    base = ["--home", str(home.root)]
    first = runner.invoke(main, [*base, "index", "--tags-only"])
    assert first.exit_code == 0 and "rising topics: computed for" in first.stdout, first.output
    assert TopicListingStore(db).get("month") is not None
    # and the quarterly one the app's quarterly Trends view reads (its first view computed it: ~30 s on 162,699)
    assert "(by quarter: computed in " in first.stdout and TopicListingStore(db).get("quarter") is not None
    again = json.loads(runner.invoke(main, [*base, "index", "--tags-only", "--json"]).stdout)["topics"]
    assert again["computed"] is False and again["kept_since"] and again["line"].startswith("unchanged since")
    assert again["also"] == [] and "quarter" not in again["line"]
    shown = runner.invoke(main, [*base, "trends", "--topics", "--json"])
    assert shown.exit_code == 0 and "kept since" in shown.stderr  # read back, not computed
    PaperStore(db).upsert(_burst(rows, 200, 4, "2023-11"))  # new papers: their phrases, then the listing afresh
    quick = runner.invoke(main, [*base, "index", "--tags-only"])
    assert quick.exit_code == 0 and "topic phrases: 4 papers extracted" in quick.stdout, quick.output
    assert "rising topics: computed for" in quick.stdout
    after = runner.invoke(main, [*base, "index", "--json"])  # the vectors: tags and listing computed again
    assert after.exit_code == 0, after.output
    res = json.loads(after.stdout)
    assert res["new"] == 4 and res["topics"]["computed"] is True and res["topics"]["papers"] == len(rows) + 12
    assert listed_topics(db, freq="month").kept_since is not None


def test_index_no_topics_leaves_the_listing_and_a_failure_does_not_fail_the_index(topic_home, monkeypatch):
    home, db, _rows, _embedder = topic_home
    TopicListingStore(db).clear()
    runner = CliRunner()
    out = runner.invoke(main, ["--home", str(home.root), "index", "--tags-only", "--no-topics"])
    assert out.exit_code == 0 and "rising topics" not in out.output
    assert TopicListingStore(db).get("month") is None

    def broken(db, freq="month"):
        raise TrendscopeError("the phrase cache is locked")
    monkeypatch.setattr("trendscope.index.topic_listings.keep_listing", broken)
    failed = runner.invoke(main, ["--home", str(home.root), "index", "--tags-only", "--json"])
    assert failed.exit_code == 0
    assert "warning: rising topics not updated: the phrase cache is locked" in failed.stderr
    assert json.loads(failed.stdout)["topics"] == {"error": "the phrase cache is locked"}


def test_the_refresh_line_counts_one_paper_as_one():
    """A blind docs audit read "topic phrases: 1 papers extracted" after `schedule --once`."""
    from trendscope.index.topic_store import RefreshResult

    assert str(RefreshResult(extracted=1, removed=0, seconds=0.04)).startswith("topic phrases: 1 paper extracted, ")
    assert str(RefreshResult(extracted=2, removed=3, seconds=1.0)) == \
        "topic phrases: 2 papers extracted, 3 removed (1.0s)"


def test_the_code_stamp_covers_every_module_the_listing_is_computed_with():
    """A kept listing is trusted while `code_stamp` is unchanged: a module of the index package that
    emerging_topics.py or a module it names imports, left out of the stamp, would let a change to it serve the old
    listing (the topic choice was split into its own module)."""
    import re
    from pathlib import Path

    from trendscope.index import topic_listings

    here = Path(topic_listings.__file__).parent
    todo, seen = ["emerging_topics"], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += re.findall(r"^from \.(\w+) import", (here / f"{name}.py").read_text(), re.M)
    # the store modules hold no listing logic of their own beyond how tags and topics are read
    computed = {n for n in seen if not n.endswith("_store")} | {"topic_store"}
    assert {f"{n}.py" for n in computed} <= set(topic_listings._CODE)
