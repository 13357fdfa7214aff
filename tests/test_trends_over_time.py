"""Trends over time: counting invariants, growth/emerging, c-TF-IDF terms, the chart and the CLI."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections import Counter
from dataclasses import replace

import pandas as pd
import pytest
from click.testing import CliRunner

from trendscope.foundation.home import Home
from trendscope.foundation.words import STOP_WORDS as STOPWORDS
from trendscope.index.trend_chart import plot_trends
from trendscope.index.trend_update import update_trend_tags
from trendscope.index.trends_over_time import COLUMNS, period_start, tokens, trend_table
from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database
from trendscope.ui.cli import main
from trendscope.ui.cli.trends import CSV_COLUMNS


@pytest.fixture(scope="module")
def tagged_base(tmp_path_factory, sample_rows):
    """A database of 300 sample papers (spread over 2015-2026), tagged; built once per module."""
    hm = Home.resolve(tmp_path_factory.mktemp("trends_base"))
    db = open_database(hm.db_path)
    rows = sample_rows[::20]
    PaperStore(db).upsert(
        Paper(id=r["id"], title=r["title"], abstract=r["abstract"], categories=r["categories"],
              published=r["published"], version=1) for r in rows)
    update_trend_tags(db, hm, progress=False)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return hm.db_path, rows


@pytest.fixture
def tagged_db(home, tagged_base):
    """The test's data home (conftest `home`) with a copy of the tagged database."""
    path, rows = tagged_base
    shutil.copy(path, Home.resolve(home).db_path)
    return open_database(Home.resolve(home).db_path), rows


def test_period_start():
    assert period_start("2024-03-14", "week") == "2024-03-11"
    assert period_start("2024-03-11", "week") == "2024-03-11"
    assert period_start("2024-03-14", "month") == "2024-03-01"
    with pytest.raises(ValueError):
        period_start("2024-03-14", "year")


@pytest.mark.parametrize("freq", ["week", "month"])
def test_counting_invariants(tagged_db, freq):
    db, rows = tagged_db
    df = trend_table(db, freq=freq)
    assert list(df.columns) == COLUMNS
    assert not df.empty
    per_period = Counter(period_start(r["published"], freq) for r in rows)
    tags = db.execute("SELECT trend, count(*) FROM paper_trends GROUP BY trend").fetchall()
    for trend, n in tags:
        g = df[df.trend == trend]
        assert g["count"].sum() == n  # every tag is counted once
        assert set(g["period"]) == set(per_period)  # one row per period, including empty ones
    for r in df.itertuples():
        assert r.total == per_period[r.period]
        assert 0 <= r.count <= r.total
        assert 0.0 <= r.share <= 1.0
        assert r.share == pytest.approx(r.count / r.total)
        assert -10 <= r.emerging_score <= 10
        assert isinstance(r.terms, list)
    assert (df.groupby("trend")["total"].sum() == len(rows)).all()
    # without terms (the CLI's table, the app: reading every paper's words took 13 of the table's 14 s over the
    # full corpus), every other column is the same
    bare = trend_table(db, freq=freq, with_terms=False)
    assert bare.drop(columns="terms").equals(df.drop(columns="terms"))
    assert all(t == [] for t in bare["terms"]) and any(df["terms"].map(bool))
    # a trend with no paper in a period nor in the periods before it has not changed (it read -83%)
    months = sorted(df["period"].unique())
    for trend, g in df.groupby("trend"):
        counts = dict(zip(g["period"], g["count"]))
        for i, p in enumerate(months):
            if counts.get(p, 0) == 0 and not any(counts.get(q, 0) for q in months[max(0, i - 8):i]):
                row = g[g["period"] == p].iloc[0]
                assert (row["growth"], row["emerging_score"]) == (0.0, 0.0), (trend, p)
            elif counts.get(p, 0) == 0 and i:  # none now, some before: the share fell to nothing (it read -97%)
                assert g[g["period"] == p].iloc[0]["growth"] == -1.0, (trend, p)


def test_since_filters_and_growth_reacts(tagged_db):
    db, _rows = tagged_db
    df = trend_table(db, freq="month", since="2024-01-01")
    assert (df["period"] >= "2024-01-01").all()
    # --since chooses the periods shown, not the data: every shown period, the first too, is compared with the
    # months before it exactly as without --since (the first used to read +0.00, having no baseline)
    whole = trend_table(db, freq="month")
    cols = ["trend", "period", "count", "total", "growth", "emerging_score"]
    shown = whole[whole["period"] >= "2024-01-01"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(df[cols].reset_index(drop=True), shown, check_dtype=False)
    first = df.sort_values("period").groupby("trend").head(1)
    assert (first["growth"] != 0).any()


def test_every_tagged_trend_has_its_rows_even_with_no_paper_in_the_periods_shown(tagged_db):
    """A blind walkthrough: `trends --freq week --since ...` left continual out of the table (none of its papers
    fell in those weeks or the eight before), while the app listed it at 0."""
    db, _rows = tagged_db
    every = {t for (t,) in db.execute("SELECT trend FROM trend_versions")}
    newest = db.execute("SELECT max(published) FROM papers").fetchone()[0]
    df = trend_table(db, freq="week", since=newest)
    assert set(df["trend"]) == every and len(every) >= 8
    assert (df.groupby("trend").size() == 1).all()  # one week shown, one row per trend
    assert (df["count"] == 0).any()


def test_new_terms_come_from_the_trend_papers_of_the_period(tagged_db):
    db, _rows = tagged_db
    df = trend_table(db, freq="month")
    words = {}
    for pk, published, title, abstract in db.execute("SELECT pk, published, title, abstract FROM papers"):
        words[pk] = (period_start(published, "month"), set(tokens(title + " " + abstract)))
    tagged = {}
    doc_freq = {}
    for pk, trend in db.execute("SELECT pk, trend FROM paper_trends").fetchall():
        period, ws = words[pk]
        tagged.setdefault((trend, period), set()).update(ws)
        for w in ws:
            doc_freq[(trend, period, w)] = doc_freq.get((trend, period, w), 0) + 1
    some = df[df["terms"].map(len) > 0]
    assert len(some) > 0
    for r in some.itertuples():
        assert set(r.terms) <= tagged[(r.trend, r.period)]
        assert not set(r.terms) & STOPWORDS
        # one paper's rare words are not a trend's new vocabulary: every term is in >= 2 of its papers
        assert all(doc_freq[(r.trend, r.period, t)] >= 2 for t in r.terms)
    assert (df[df["count"] <= 1]["terms"].map(len) == 0).all()


@pytest.mark.slow  # matplotlib: ~1.7 s
def test_png_chart(tagged_db, tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    db, _rows = tagged_db
    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: (figures.append(fig), close(fig)))
    df = trend_table(db, freq="month")
    out = plot_trends(df, tmp_path / "c.png", smooth=3, labels={"multimodal": "Multimodal learning"})
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    legend = [t.get_text() for t in figures[0].axes[0].get_legend().get_texts()]
    assert "Multimodal learning" in legend and "multimodal" not in legend  # the label, as the app names it
    assert set(legend) - {"Multimodal learning"} <= set(df["trend"])  # no label given: the id


def test_png_chart_leaves_months_without_papers_as_gaps_and_marks_thin_ones(tmp_path, monkeypatch):
    """A blind walkthrough: `trends --png` joined months without papers by straight lines across years, and drew a
    thin month's 33% spike unmarked (the app leaves gaps and names thin months)."""
    import math

    import matplotlib.pyplot as plt
    import pandas as pd

    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: (figures.append(fig), close(fig)))
    months = ["2020-01-01", "2020-02-01", "2020-06-01", "2020-07-01", "2020-09-01"]
    df = pd.DataFrame({"trend": "privacy", "period": months, "count": [2, 3, 1, 4, 2],
                       "total": [100, 100, 3, 100, 100]})
    df["share"] = df["count"] / df["total"]
    plot_trends(df, tmp_path / "c.png", freq="month", thin={"2020-06-01"})
    ax = figures[0].axes[0]
    line = ax.get_lines()[0]
    ys = list(line.get_ydata())
    assert len(ys) == 9  # January to September, every month
    assert [math.isnan(y) for y in ys] == [False, False, True, True, True, False, False, True, False]
    marks = [ln for ln in ax.get_lines()[1:] if ln.get_marker() == "o"]
    hollow = [ln for ln in marks if ln.get_markerfacecolor() == "white"]
    assert [list(ln.get_ydata()) for ln in hollow] == [[pytest.approx(100 / 3)]]  # the thin June
    alone = [ln for ln in marks if ln not in hollow]
    assert [list(ln.get_ydata()) for ln in alone] == [[pytest.approx(2.0)]]  # September, between gaps
    assert any("hollow points" in t.get_text() for t in figures[0].texts)
    assert not [ln for ln in ax.get_lines() if ln.get_linestyle() == ":"]  # no change of sources given
    # a month whose papers' categories are mixed unlike the year before is a dotted line, named below (a slide
    # showed a 6% -> 28% jump in the month the corpus's sources changed, unmarked: a blind walkthrough)
    plot_trends(df, tmp_path / "s.png", freq="month", shifts=["2020-07", "2019-01"])  # 2019-01: outside
    dotted = [ln for ln in figures[-1].axes[0].get_lines() if ln.get_linestyle() == ":"]
    assert len(dotted) == 1 and pd.Timestamp(dotted[0].get_xdata()[0]) == pd.Timestamp("2020-07-01")
    assert any(t.get_text().startswith("dotted lines (2020-07): the papers' mix of categories changed")
               for t in figures[-1].texts)
    # by quarter, a change in a quarter's second month is on the chart too (a review: only its first was)
    quarters = pd.DataFrame({"trend": "privacy", "period": ["2020-01-01", "2020-04-01"], "count": [2, 3],
                             "total": [100, 100], "share": [0.02, 0.03]})
    plot_trends(quarters, tmp_path / "q.png", freq="quarter", shifts=["2020-05"])
    assert len([ln for ln in figures[-1].axes[0].get_lines() if ln.get_linestyle() == ":"]) == 1
    figures.clear()
    # weeks pooled over 4 calendar weeks: four weeks without papers are a gap, not 0%
    weeks = pd.DataFrame({"trend": "privacy", "period": ["2020-01-06", "2020-03-02"], "count": [1, 1],
                          "total": [10, 10], "share": [0.1, 0.1]})
    plot_trends(weeks, tmp_path / "w.png", freq="week", smooth=4)
    ys = list(figures[0].axes[0].get_lines()[0].get_ydata())
    assert len(ys) == 9 and any(math.isnan(y) for y in ys) and not any(y == 0 for y in ys)


def test_trends_cli(tagged_db, home, tmp_path, monkeypatch):
    from trendscope.index import trend_chart

    drawn_with = []
    real_plot = trend_chart.plot_trends
    monkeypatch.setattr(trend_chart, "plot_trends",
                        lambda df, path, **kw: drawn_with.append(kw["smooth"]) or real_plot(df, path, **kw))
    runner = CliRunner()
    res = runner.invoke(main, ["--home", str(home), "trends", "--freq", "month", "--json"])
    assert res.exit_code == 0, res.output
    # JSON lines, one record per trend and period, as `--topics --json` prints them (it was one JSON array)
    records = [json.loads(x) for x in res.stdout.splitlines()]
    assert records and set(records[0]) == {*COLUMNS, "label", "few_papers", "complete", "no_papers"}
    # each period named as the text names it ("2015-01-01" beside the table's "2015-Q1": a blind walkthrough)
    by_quarter = [json.loads(x) for x in runner.invoke(main, ["--home", str(home), "trends", "--freq", "quarter",
                                                               "--json"]).stdout.splitlines()]
    assert all(re.fullmatch(r"\d{4}-Q[1-4]", r["label"]) and r["label"][:4] == r["period"][:4] for r in by_quarter)
    # the same table as CSV, for a spreadsheet (only JSON lines: a blind walkthrough preparing a talk)
    as_csv = runner.invoke(main, ["--home", str(home), "trends", "--freq", "quarter", "--csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert as_csv.exit_code == 0 and len(rows) == len(by_quarter)
    assert [(r["trend"], r["period"], r["label"], int(r["count"])) for r in rows] == [
        (r["trend"], r["period"], r["label"], r["count"]) for r in by_quarter]
    both = runner.invoke(main, ["--home", str(home), "trends", "--csv", "--json"])
    assert both.exit_code == 2 and "--csv prints the trend table" in both.output
    png = tmp_path / "trends.png"
    res = runner.invoke(main, ["--home", str(home), "trends", "--png", str(png), "--since", "2020-01-01"])
    assert res.exit_code == 0, res.output
    assert png.exists() and png.stat().st_size > 10_000
    # months drawn as they are, as the app and the printed table give them (pooled over 3, the PNG's June read
    # 12.2% beside the table's 9.35%: a blind walkthrough); weeks pooled over 4 as in the app
    assert drawn_with == [1]
    res = runner.invoke(main, ["--home", str(home), "trends", "--freq", "week", "--png", str(png)])
    assert res.exit_code == 0 and drawn_with == [1, 4], res.output
    assert "share" in res.output and "multimodal" in res.output
    # single "new terms" words are mostly not topics: the table leaves them out and points at the named topics
    assert "new terms" not in res.output and "by name: trendscope trends --topics" in res.output
    res = runner.invoke(main, ["--home", str(home), "trends", "--since", "last week"])
    assert res.exit_code != 0 and "--since: not a date: 'last week'" in res.output
    res = runner.invoke(main, ["--home", str(home), "trends", "--last", "-3"])
    assert res.exit_code == 2 and "Invalid value for '--last'" in res.output
    res = runner.invoke(main, ["--home", str(home), "trends", "--json", "-t", "privacy", "--trend", "efficiency"])
    only = [json.loads(x) for x in res.stdout.splitlines()]
    assert only and {r["trend"] for r in only} == {"privacy", "efficiency"}
    assert only == [r for r in records if r["trend"] in ("privacy", "efficiency")]  # the same rows and shares
    res = runner.invoke(main, ["--home", str(home), "trends", "-t", "privacy", "--topics", "--json"])
    assert res.exit_code == 0 and {json.loads(x)["trend"] for x in res.stdout.splitlines()} == {"privacy"}
    # a trend's name in another case is the trend (categories already were: cs.sd is cs.SD)
    res = runner.invoke(main, ["--home", str(home), "trends", "--json", "-t", "Privacy", "--trend", "EFFICIENCY"])
    assert [json.loads(x) for x in res.stdout.splitlines()] == only
    res = runner.invoke(main, ["--home", str(home), "trends", "-t", "privacy-ish"])
    assert res.exit_code == 1 and "unknown trend(s): privacy-ish (known: multimodal" in res.output
    res = runner.invoke(main, ["--home", str(home), "trends", "--recompute"])  # was silently ignored
    assert res.exit_code == 2 and "--recompute applies to --topics" in res.output
    for topics in ([], ["--topics"]):  # not "run `trendscope index` first": every paper is tagged
        res = runner.invoke(main, ["--home", str(home), "trends", "--since", "2099", *topics])
        # and where the papers end (`--since 3m` of a stale home said no more: a blind walkthrough)
        newest = tagged_db[0].execute("SELECT max(published) FROM papers").fetchone()[0][:10]
        assert res.exit_code == 0 and res.stdout.strip() == (
            f"no tagged papers published since 2099-01-01 (the newest stored paper is from {newest})"), topics


def test_trends_cli_without_database(tmp_path):
    res = CliRunner().invoke(main, ["--home", str(tmp_path / "empty"), "trends"])
    assert res.exit_code != 0 and "no database" in res.output


def test_publication_dates_are_the_dated_papers_without_their_text(tagged_db):
    db, rows = tagged_db
    from trendscope.ingest.paper_reads import PaperReads

    reads = PaperReads(db)
    dates = reads.publication_dates()
    assert dates == [(pk, published) for pk, published, _t, _a in reads.dated()]
    assert len(dates) == len(rows) and dates == sorted(dates, key=lambda r: (r[1], r[0]))


def test_papers_dated_outside_arxivs_life_in_an_old_database_are_left_out(tagged_db, home, monkeypatch, caplog):
    """A snapshot read before the import refused such dates stored papers dated 9999-12-31 and 0001-01-01: every
    `trendscope index` run failed (OverflowError stepping past 9999-12-31 in periods_between), and `trends` too.
    They are left out of the periods and the table, with one warning for each edge of arXiv's life."""
    import logging
    from datetime import date

    from trendscope.index import period_coverage
    from trendscope.index import trends_over_time as tot
    from trendscope.index.emerging_topics import emerging_topics

    db, rows = tagged_db
    PaperStore(db).upsert([Paper(id="cs/0112999", title="T", abstract="A", categories=["cs.LG"],
                                 published="9999-12-31", version=1),
                           Paper(id="cs/0112998", title="T", abstract="A", categories=["cs.LG"],
                                 published="0001-01-01", version=1)])
    for freq in ("week", "month", "quarter"):
        df = trend_table(db, freq=freq)
        assert "1991" <= df["period"].min() and df["period"].max() <= max(r["published"] for r in rows), freq
        assert df.groupby("period")["total"].first().sum() == len(rows), freq  # the two are left out
    assert period_coverage.period_totals(db, "month") == Counter(period_start(r["published"], "month") for r in rows)
    # the newest paper inside arXiv's life, as the table counts them (not "today + 2 days", which made a
    # half-filled last period read as complete: a review)
    assert tot.newest_published(db) == max(r["published"] for r in rows)
    topics = emerging_topics(db, freq="month")  # what `trendscope index` computes after tagging
    assert all(r["period"] < "2027" for r in topics.records)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--freq", "month"])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output
    # each edge is warned of once a process, and the table above has been: counted afresh from here
    monkeypatch.setattr(tot, "_warned", set(), raising=False)
    caplog.clear()
    today = date(2026, 12, 7)
    with caplog.at_level(logging.WARNING, logger="trendscope.index.trends_over_time"):
        assert tot.periods_between("2026-10-15", "9999-12-31", "month", today) == [
            "2026-10-01", "2026-11-01", "2026-12-01"]
        assert tot.periods_between("9999-12-31", "9999-12-31", "week", today) == ["2026-12-07"]  # to today + 2 days
        assert tot.periods_between("2026-09-01", "9999-12-31", "quarter", today) == ["2026-07-01", "2026-10-01"]
        assert tot.periods_between("0001-01-01", "1991-03-02", "month", today) == [
            "1991-01-01", "1991-02-01", "1991-03-01"]
    warned = [r.getMessage() for r in caplog.records if r.name == "trendscope.index.trends_over_time"]
    assert len(warned) == 2, warned
    assert warned[0].startswith("9999-12-31 is outside arXiv's life (1991-01-01 to 2026-12-09)")
    assert "the periods end at 2026-12-09" in warned[0] and "the periods start at 1991-01-01" in warned[1]
    assert tot.periods_between("2023-01-15", "2023-03-02", "month", today) == ["2023-01-01", "2023-02-01",
                                                                             "2023-03-01"]  # as before


def test_a_trailing_period_after_the_newest_paper_is_left_out_of_the_table_and_chart(tagged_db, home, tmp_path):
    """A blind walkthrough: the week of 2026-06-29 (3 days of papers) read as every trend cooling in the CLI table
    and the PNG, while the app left it out. The CLI leaves out, and says so, a trailing period that ends after the
    newest stored paper; --include-thin and --json keep it."""
    import pandas as pd

    from trendscope.index.trends_over_time import drop_incomplete_tail

    df = pd.DataFrame({"trend": ["a"] * 3, "period": ["2026-06-15", "2026-06-22", "2026-06-29"], "count": [1, 2, 3]})
    assert list(drop_incomplete_tail(df, "week", "2026-07-01")["period"]) == ["2026-06-15", "2026-06-22"]
    assert list(drop_incomplete_tail(df, "week", "2026-07-05")["period"]) == list(df["period"])
    assert list(drop_incomplete_tail(df.tail(1), "week", "2026-07-01")["period"]) == ["2026-06-29"]  # the only one
    db, _rows = tagged_db
    newest = db.execute("SELECT max(published) FROM papers").fetchone()[0][:10]
    month = newest[:7]  # the table names a month as "2026-07"
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--last", "3"])
    thin = CliRunner().invoke(main, ["--home", str(home), "trends", "--last", "3", "--include-thin"])
    as_json = CliRunner().invoke(main, ["--home", str(home), "trends", "--json"])
    assert month in thin.stdout and f'"{month}-01"' in as_json.stdout
    assert not newest.endswith(("-28", "-29", "-30", "-31")), newest  # the sample's newest month is filling up
    assert f" {month} " not in res.stdout and f"note: left out {month}, still filling up" in res.stderr
    # `--since` on the last period: the table keeps it alone, and it is still filling up all the same (the JSON
    # called it complete, the text said nothing: a blind walkthrough of a scripting researcher)
    alone = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", month])
    assert f"note: {month} is still filling up (the newest paper is from {newest})" in alone.stderr
    alone = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", month, "--json"])
    assert {json.loads(x)["complete"] for x in alone.stdout.splitlines()} == {False}


def test_a_month_whose_categories_are_mixed_unlike_the_year_before_is_named(tagged_db, home, monkeypatch):
    """A blind walkthrough: cs.CV went from 4% to 61% of the corpus's papers in 2025-03, and "Vision Transformers"
    read as rising in efficiency, ethics as halving; neither the CLI nor the app said the corpus had changed."""
    from trendscope.index import period_coverage
    from trendscope.index.trend_store import TrendStore

    rows = [(f"2024-{m:02d}", "cs.CL", 900) for m in range(1, 13)] + \
           [(f"2024-{m:02d}", "cs.CV", 40) for m in range(1, 13)] + \
           [("2025-01", "cs.CL", 950), ("2025-01", "cs.CV", 50), ("2025-02", "cs.CL", 60),  # a thin month: skipped
            ("2025-03", "cs.CL", 400), ("2025-03", "cs.CV", 600)]
    monkeypatch.setattr(TrendStore, "primary_category_months", lambda self: sorted(rows))
    db, _rows = tagged_db
    shifts = period_coverage.category_mix_shifts(db)
    assert [(s.month, s.category) for s in shifts] == [("2025-03", "cs.CV")]
    assert shifts[0].text() == "2025-03: cs.CV 60% of the month's papers (4% the year before)"
    assert period_coverage.category_mix_shifts(db, since="2025-04") == []
    monkeypatch.setattr(period_coverage, "category_mix_shifts", lambda db, since=None, categories=(): shifts)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--last", "2"])
    assert "note: in these months the corpus holds a very different mix of categories" in res.stderr
    assert "  2025-03: cs.CV 60% of the month's papers (4% the year before)" in res.stderr
    assert "a topic is listed only" not in res.stderr  # the table shows no topics
    # every such month is named: "(and 3 earlier)" hid 2025-03 itself (a blind walkthrough)
    many = [replace(shifts[0], month=f"2025-{m:02d}") for m in range(3, 10)]
    monkeypatch.setattr(period_coverage, "category_mix_shifts", lambda db, since=None, categories=(): many)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--last", "2"])
    assert all(f"  2025-{m:02d}: cs.CV 60%" in res.stderr for m in range(3, 10)) and "earlier" not in res.stderr


def test_a_change_of_category_mix_is_named_in_a_small_home_too(tagged_db, monkeypatch):
    """A blind walkthrough on a 6,000-paper home (about 45 papers a month): cs.CV went from 14 papers in half a year
    to 153 and the multimodal share doubled, but no month was named (the test needed 200 papers a month)."""
    from trendscope.index import period_coverage
    from trendscope.index.trend_store import TrendStore

    rows = [(f"2024-{m:02d}", cat, n) for m in range(1, 13) for cat, n in (("cs.CL", 36), ("cs.CV", 4))]
    rows += [("2025-01", "cs.CL", 22), ("2025-01", "cs.CV", 8),    # 27% against 10%: could be chance in 30 papers
             ("2025-02", "cs.CL", 18), ("2025-02", "cs.CV", 27),   # 60%: not chance
             ("2025-03", "cs.CL", 4), ("2025-03", "cs.CV", 8)]     # 12 papers: too few to say
    monkeypatch.setattr(TrendStore, "primary_category_months", lambda self: sorted(rows))
    db, _rows = tagged_db
    assert [(s.month, s.category) for s in period_coverage.category_mix_shifts(db)] == [("2025-02", "cs.CV")]


def test_the_year_before_a_mix_shift_is_twelve_calendar_months(tagged_db, monkeypatch):
    """"The year before" counted the 12 months holding papers, so on a home with a gap it reached back years
    (here: a 2019 mix read as the year before 2025-02, and cs.CV was named)."""
    from trendscope.index import period_coverage
    from trendscope.index.trend_store import TrendStore

    rows = [(f"2019-{m:02d}", cat, n) for m in range(1, 13) for cat, n in (("cs.CL", 36), ("cs.CV", 4))]
    rows += [(f"2024-{m:02d}", cat, n) for m in range(3, 13) for cat, n in (("cs.CL", 20), ("cs.CV", 20))]
    rows += [("2025-01", "cs.CL", 20), ("2025-01", "cs.CV", 20), ("2025-02", "cs.CL", 20), ("2025-02", "cs.CV", 22)]
    monkeypatch.setattr(TrendStore, "primary_category_months", lambda self: sorted(rows))
    db, _rows = tagged_db
    assert [(s.month, s.category) for s in period_coverage.category_mix_shifts(db)
            if s.month >= "2024-03"] == []


def test_since_shows_every_period_from_it_unless_last_says_how_many(tagged_db, home):
    """A blind walkthrough: "trends --since 2024-01 -t privacy" printed the newest month alone (--last was 1)."""
    db, _rows = tagged_db
    months = sorted({r[0][:7] for r in db.execute("SELECT published FROM papers WHERE published != ''")})
    since = months[len(months) // 2]

    def periods(*args: str) -> list[str]:
        out = CliRunner().invoke(main, ["--home", str(home), "trends", "-t", "efficiency", *args]).stdout
        return [line.split()[1] for line in out.splitlines() if line.startswith("efficiency")]
    shown = periods("--since", since)
    assert len(shown) > 2 and shown[0] == since and shown == sorted(shown)  # months named as months ("2024-06")
    assert periods("--since", since, "--last", "2") == shown[-2:]
    assert len(periods()) == 1  # no --since: the newest period


def _months_table(totals: dict[str, int], share: float = 0.1) -> pd.DataFrame:
    return pd.DataFrame([{"trend": "efficiency", "period": p, "count": round(n * share), "total": n, "share": share,
                          "growth": 0.0, "emerging_score": 0.0, "terms": []} for p, n in totals.items()])


FEW_PAPER_MONTHS = {**{f"2024-{m:02d}-01": 2000 + 10 * m for m in range(1, 13)}, "2025-01-01": 128,
                    "2025-02-01": 49, **{f"2025-{m:02d}-01": 9000 for m in range(3, 9)}}


def test_a_month_with_few_papers_between_full_ones_is_named():
    """A blind walkthrough: 2025-02 of the full shared corpus holds 49 papers between months of thousands, and its
    shares (efficiency 16%) read as a jump; only a trailing thin month was left out, a mid-series one not marked."""
    from trendscope.index.period_coverage import thin_periods

    assert thin_periods(_months_table(FEW_PAPER_MONTHS)) == {"2025-01-01": 128, "2025-02-01": 49}
    assert thin_periods(_months_table({k: 2000 for k in FEW_PAPER_MONTHS})) == {}
    assert thin_periods(_months_table({"2025-01-01": 10, "2025-02-01": 1000})) == {}  # too few periods to say


def test_the_trend_table_marks_months_with_few_papers(tagged_db, home, monkeypatch):
    from trendscope.index import period_coverage, trends_over_time

    monkeypatch.setattr(trends_over_time, "trend_table",
                        lambda db, freq, **_kw: _months_table(FEW_PAPER_MONTHS))
    monkeypatch.setattr(period_coverage, "period_totals", lambda db, freq, categories=(): FEW_PAPER_MONTHS)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2024-06"])
    rows = {line.split()[1]: line for line in res.stdout.splitlines() if line.startswith("efficiency")}
    assert rows["2025-02"].endswith(" *") and rows["2025-01"].endswith(" *")
    assert not rows["2025-03"].endswith("*") and not rows["2024-12"].endswith("*")
    assert "note: * few papers: 2025-01 (128 papers), 2025-02 (49 papers) hold under a quarter" in res.stderr
    as_json = CliRunner().invoke(main, ["--home", str(home), "trends", "--json"])
    few = {r["period"]: r["few_papers"] for r in map(json.loads, as_json.stdout.splitlines())}
    assert few["2025-02-01"] is True and few["2025-03-01"] is False
    # a last month still filling up is left out of the table, and so out of the note (a blind walkthrough: the
    # note named "2026-07 (300 papers)" under a table without it)
    monkeypatch.setattr(trends_over_time, "trend_table", lambda db, freq, **_kw: _months_table(
        {**FEW_PAPER_MONTHS, "2025-09-01": 300}))
    monkeypatch.setattr(period_coverage, "period_totals",
                        lambda db, freq, categories=(): {**FEW_PAPER_MONTHS, "2025-09-01": 300})
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2024-06"])
    assert "2025-09" not in res.stdout and "left out 2025-09," in res.stderr
    # the JSON keeps the whole table, and says which period is still filling up (a script took its growth of -100%
    # for a collapse: a blind walkthrough)
    as_json = CliRunner().invoke(main, ["--home", str(home), "trends", "--json"])
    complete = {r["period"]: r["complete"] for r in map(json.loads, as_json.stdout.splitlines())}
    assert complete["2025-09-01"] is False and complete["2025-08-01"] is True and complete["2025-02-01"] is True
    assert "note: * few papers: 2025-01 (128 papers), 2025-02 (49 papers) hold" in res.stderr


def test_a_month_with_few_papers_keeps_its_mark_in_a_narrow_range(tagged_db, home, monkeypatch):
    """A blind walkthrough: `--since 2024-06` marked a 9-paper month, `--since 2024-10 --until 2025-04` did not
    (the months around it were judged only among the months shown)."""
    from trendscope.index import period_coverage, trends_over_time

    def table(db, freq, since=None, with_terms=True, categories=()):
        return _months_table({p: n for p, n in FEW_PAPER_MONTHS.items() if not since or p >= since})

    monkeypatch.setattr(trends_over_time, "trend_table", table)
    monkeypatch.setattr(period_coverage, "period_totals", lambda db, freq, categories=(): FEW_PAPER_MONTHS)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2025-01", "--until", "2025-03"])
    rows = {line.split()[1]: line for line in res.stdout.splitlines() if line.startswith("efficiency")}
    assert set(rows) == {"2025-01", "2025-02", "2025-03"}, res.output
    assert rows["2025-02"].endswith(" *") and rows["2025-01"].endswith(" *")
    assert "note: * few papers: 2025-01 (128 papers), 2025-02 (49 papers) hold" in res.stderr


def test_few_papers_and_the_category_mix_are_judged_within_the_categories_shown(tagged_db, monkeypatch):
    """A blind walkthrough: `trends -c eess.AS -c cs.SD` marked no period of 66 speech papers between quarters of
    1,000 (judged against the whole corpus's totals), and named the whole corpus's cs.CV surge under it."""
    from trendscope.index import period_coverage
    from trendscope.index.trend_store import TrendStore

    months = [f"2024-{m:02d}" for m in range(1, 13)]
    dates = [(m * 100 + i, f"{month}-15") for m, month in enumerate(months) for i in range(100)]
    speech = {pk for pk, day in dates if pk % 10 == 0 and (not day.startswith("2024-06") or pk % 100 == 0)}
    primary = {pk: ("cs.CV" if pk < 900 else "cs.CL") if pk not in speech else
               ("eess.AS" if day < "2024-10" else "cs.SD") for pk, day in dates}
    monkeypatch.setattr(TrendStore, "publication_dates", lambda self: dates)
    monkeypatch.setattr(TrendStore, "pks_in_categories", lambda self, cats: speech if cats else set())
    monkeypatch.setattr(TrendStore, "primary_categories", lambda self: primary)
    db, _rows = tagged_db
    shown = pd.DataFrame({"period": [f"{m}-01" for m in months]})
    assert period_coverage.period_totals(db, "month", ["eess.AS"])["2024-06-01"] == 1
    assert period_coverage.thin_periods_of(db, shown, "month") == {}
    assert period_coverage.thin_periods_of(db, shown, "month", categories=["eess.AS"]) == {"2024-06-01": 1}
    shifts = period_coverage.category_mix_shifts(db, min_papers=5, categories=["eess.AS"])
    assert [(s.month, s.category) for s in shifts][:1] == [("2024-10", "cs.SD")]  # the speech papers' own mix
    assert all(s.category in {"eess.AS", "cs.SD"} for s in shifts)


def test_a_handful_of_papers_does_not_read_as_a_firm_rise():
    """Blind walkthroughs: "Continual learning ▲ growing +228%" from 3 papers of 69 in a month (0.9 expected); an
    emerging score of 7.6 from 2 papers of 28 after none of 300 in the 8 months before (the window's share was
    taken as known, though measured from no paper at all)."""
    import math

    from scipy.stats import fisher_exact, norm

    from trendscope.index.trends_over_time import emerging_z

    assert emerging_z(3, 69, 9, 690) < 2  # 0.9 expected: not a firm rise
    assert emerging_z(8, 69, 9, 690) > 2  # 8 against 0.9 is
    assert 2 < emerging_z(2, 28, 0, 300) < 2.6  # the exact chance that both papers fall in the 28: 0.7%
    # the one-sided p-value of Fisher's exact test, read as a normal quantile
    p = fisher_exact([[2, 26], [0, 300]], alternative="greater").pvalue
    assert emerging_z(2, 28, 0, 300) == pytest.approx(norm.isf(p))
    pooled = 1900 / 9000  # large counts: about the usual two-share z-score
    usual = (0.3 - 0.2) / math.sqrt(pooled * (1 - pooled) * (1 / 1000 + 1 / 8000))
    assert abs(emerging_z(300, 1000, 1600, 8000) - usual) < 0.1 * usual
    assert emerging_z(100, 1000, 1600, 8000) < -2  # a fall is as sure, with its sign
    assert emerging_z(1, 100, 8, 800) == 0.0 and emerging_z(0, 0, 5, 100) == 0.0 and emerging_z(0, 50, 0, 400) == 0.0


def test_trends_cli_until_shows_the_periods_up_to_a_date(tagged_db, home):
    """`--until` looks back: what the trends and their rising topics were then (a walkthrough had no way to)."""
    runner = CliRunner()
    every = [json.loads(x) for x in runner.invoke(main, ["--home", str(home), "trends", "--json"]).stdout.splitlines()]
    periods = sorted({r["period"] for r in every})
    cut = periods[len(periods) // 2]
    res = runner.invoke(main, ["--home", str(home), "trends", "--json", "--until", cut[:7]])
    upto = [json.loads(x) for x in res.stdout.splitlines()]
    assert upto == [r for r in every if r["period"] <= cut]  # the same rows: growth still against the periods before
    res = runner.invoke(main, ["--home", str(home), "trends", "--until", cut[:7], "--last", "2", "-t", "multimodal"])
    assert res.exit_code == 0, res.output
    shown = [line.split()[1] for line in res.stdout.splitlines()[1:]]
    assert shown == [p[:7] for p in periods if p <= cut and any(r["period"] == p and r["trend"] == "multimodal"
                                                               for r in every)][-2:]
    topics = runner.invoke(main, ["--home", str(home), "trends", "--topics", "--json", "--until", cut[:7]])
    assert topics.exit_code == 0, topics.output
    assert {json.loads(x)["period"] for x in topics.stdout.splitlines()} <= {p for p in periods if p <= cut}
    res = runner.invoke(main, ["--home", str(home), "trends", "--since", "2024", "--until", "2023-06"])
    assert res.exit_code == 2 and "--until 2023-06-30 is before --since 2024-01-01" in res.output
    res = runner.invoke(main, ["--home", str(home), "trends", "--until", "1990"])
    assert res.exit_code == 0 and res.stdout.strip() == "no tagged papers published up to 1990-12-31"
    for fmt in ("--json", "--csv"):  # printed nothing at all, where the text said why (a numbers audit)
        res = runner.invoke(main, ["--home", str(home), "trends", "--until", "1990", fmt])
        assert res.exit_code == 0 and "note: no tagged papers published up to 1990-12-31" in res.stderr, fmt
        assert res.stdout.strip() in ("", ",".join(CSV_COLUMNS)), fmt


def test_the_table_names_the_periods_no_paper_was_published_in():
    """A blind walkthrough: `trends --since 2024-06 --until 2025-06` jumped from 2024-12 to 2025-03 without a word."""
    from trendscope.ui.cli.trends import periods_without_papers

    assert periods_without_papers(["2024-11-01", "2024-12-01", "2025-03-01", "2025-04-01"], "month") == [
        "2025-01-01", "2025-02-01"]
    assert periods_without_papers(["2024-10-01", "2025-04-01"], "quarter") == ["2025-01-01"]
    assert periods_without_papers(["2025-01-06", "2025-01-20"], "week") == ["2025-01-13"]
    assert periods_without_papers(["2025-01-01", "2025-02-01"], "month") == []
    assert periods_without_papers(["2025-01-01"], "month") == []


def _table(rows: dict[str, list[str]], total: int = 2000) -> pd.DataFrame:
    return pd.DataFrame([{"trend": t, "period": p, "count": 200, "total": total, "share": 0.1, "growth": 0.0,
                          "emerging_score": 0.0, "terms": []} for t, periods in rows.items() for p in periods])


def test_the_trend_table_says_which_months_no_paper_was_published_in(tagged_db, home, monkeypatch):
    """A blind walkthrough: the rows jumped from 2024-12 to 2025-03 without a word."""
    from trendscope.index import trends_over_time

    gap = ["2024-11-01", "2024-12-01", "2025-03-01", "2025-04-01"]
    monkeypatch.setattr(trends_over_time, "trend_table",
                        lambda db, freq, **_kw: _table({"efficiency": gap}))
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2024-11", "--include-thin"])
    assert res.exit_code == 0, res.output
    assert "note: no stored paper was published in 2025-01, 2025-02: those rows are left out" in res.stderr
    # and the months from --since to the first row: "--since 2025-01" began at 2025-03 without a word (a docs audit)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2024-09", "--include-thin"])
    assert "note: no stored paper was published in 2024-09, 2024-10, 2025-01, 2025-02: those rows are left out" \
        in res.stderr, res.stderr
    # the JSON and the CSV hold those months too, as periods without papers: a script plotting the JSON drew a
    # straight line across them (a blind walkthrough)
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2024-10", "--json"])
    records = [json.loads(line) for line in res.stdout.splitlines()]
    assert [(r["period"], r["total"], r["no_papers"]) for r in records] == [
        ("2024-10-01", 0, True), ("2024-11-01", 2000, False), ("2024-12-01", 2000, False), ("2025-01-01", 0, True),
        ("2025-02-01", 0, True), ("2025-03-01", 2000, False), ("2025-04-01", 2000, False)]
    empty = records[3]
    assert empty["label"] == "2025-01" and empty["share"] is None and empty["growth"] is None and empty["count"] == 0
    assert empty["terms"] == [] and empty["trend"] == "efficiency"
    rows = list(csv.DictReader(io.StringIO(CliRunner().invoke(main, ["--home", str(home), "trends", "--csv"]).stdout)))
    assert [(r["label"], r["share"], r["no_papers"]) for r in rows][2:4] == [("2025-01", "", "True"),
                                                                           ("2025-02", "", "True")]
    # with --last, two trends' rows need not meet: months the table holds are not called empty
    full = ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01"]
    monkeypatch.setattr(trends_over_time, "trend_table", lambda db, freq, **_kw: _table(
        {"efficiency": full, "continual": full[:2]}))
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--since", "2024-06", "--last", "1",
                                    "--include-thin"])
    assert res.exit_code == 0, res.output
    assert "no stored paper was published" not in res.stderr


def test_each_trend_keeps_one_style_and_a_ninth_repeats_a_colour_dashed(tagged_db, tmp_path, monkeypatch):
    """A blind walkthrough: a user's ninth trend was drawn in the first one's blue, and the CLI's chart and the
    app's gave multimodal two colours (purple and blue)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from trendscope.index.trend_chart import TREND_COLOURS, trend_styles

    names = [f"t{i}" for i in range(10)]
    styles = trend_styles(names)
    assert [styles[n] for n in names[:8]] == [(c, False) for c in TREND_COLOURS]
    assert styles["t8"] == (TREND_COLOURS[0], True) and styles["t9"] == (TREND_COLOURS[1], True)
    assert len(set(styles.values())) == 10
    # the PNG draws each trend in its style by the taxonomy's order, as the app does
    db, _rows = tagged_db
    df = trend_table(db, freq="month", with_terms=False)
    order = ["zero_shot", *sorted(set(df["trend"]) - {"zero_shot"})]
    drawn, close = {}, plt.close

    def keep(fig):  # read the lines as drawn, before the figure is closed
        drawn.update({line.get_label(): (matplotlib.colors.to_hex(line.get_color()).upper(), line.get_linestyle())
                      for line in fig.axes[0].get_lines()})
        close(fig)

    monkeypatch.setattr(plt, "close", keep)
    plot_trends(df, tmp_path / "t.png", order=order)
    assert drawn["zero_shot"] == (TREND_COLOURS[0], "-") and drawn[order[1]] == (TREND_COLOURS[1], "-")
    assert len(drawn) == len(order)


def test_trends_warns_of_a_taxonomy_the_index_refuses(tagged_db, home):
    """`index` refused a broken taxonomy.toml while `trends` printed without a word (a blind walkthrough)."""
    from trendscope.foundation.home import Home

    Home(home).taxonomy_path.write_text("[trends.foo]\nlabel = 3\n")
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--json"])
    assert res.exit_code == 0 and res.stdout, res.output
    assert "warning: " in res.stderr and "label must be a non-empty string" in res.stderr
    assert "these are the trends as last tagged" in res.stderr


def test_the_trend_table_of_one_field(tagged_db, home):
    """A lab head asked what rises in speech and NLP: `trends -c cs.CL` said "No such option". With categories the
    table counts only those papers (cross-lists included), totals and shares alike; a category no paper has is an
    error, and --topics (named per trend over all its papers) refuses it."""
    db, _rows = tagged_db
    cats = Counter(c for (c,) in db.execute("SELECT category FROM paper_categories"))
    cat = next(c for c, n in cats.most_common() if n < sum(1 for _ in db.execute("SELECT pk FROM papers")) / 2)
    inside = {pk for (pk,) in db.execute("SELECT pk FROM paper_categories WHERE category = ?", [cat])}
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--freq", "month", "--json", "-c", cat.upper()])
    assert res.exit_code == 0, res.output
    records = [json.loads(x) for x in res.stdout.splitlines()]
    per_month = Counter(period_start(p, "month") for (pk, p) in db.execute("SELECT pk, published FROM papers")
                        if pk in inside and p)
    assert records and {r["period"]: r["total"] for r in records if not r["no_papers"]} == {
        p: n for p, n in per_month.items() if p in {r["period"] for r in records}}
    assert all(per_month[r["period"]] == 0 and r["total"] == 0 for r in records if r["no_papers"])
    tagged = Counter((t, period_start(p, "month")) for (pk, t, p) in db.execute(
        "SELECT t.pk, t.trend, p.published FROM paper_trends t JOIN papers p ON p.pk = t.pk") if pk in inside)
    assert all(r["count"] == tagged[(r["trend"], r["period"])] for r in records)
    everyone = [json.loads(x) for x in CliRunner().invoke(
        main, ["--home", str(home), "trends", "--freq", "month", "--json"]).stdout.splitlines()]
    assert sum(r["total"] for r in everyone) > sum(r["total"] for r in records)
    text = CliRunner().invoke(main, ["--home", str(home), "trends", "-c", cat])
    assert text.exit_code == 0 and f"papers in {cat} only" in text.stderr
    bad = CliRunner().invoke(main, ["--home", str(home), "trends", "-c", "cs.CLL"])
    assert bad.exit_code == 2 and "no stored paper is in category 'cs.CLL'" in bad.output
    assert "(did you mean cs.CL?)" in bad.output or "cs.CL" not in cats
    topics = CliRunner().invoke(main, ["--home", str(home), "trends", "--topics", "-c", cat])
    assert topics.exit_code == 2 and "not to --topics" in topics.output


def test_a_quarterly_chart_has_its_ticks_on_quarters_named_as_the_table_names_them():
    """A blind walkthrough: `trends --freq quarter --png` put its ticks at 2023-01, 2023-05, 2023-09."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from trendscope.index.trend_chart import _quarter_ticks

    for quarters, expected in ((8, ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3",
                                    "2024-Q4"]),
                               (14, ["2023-Q1", "2023-Q3", "2024-Q1", "2024-Q3", "2025-Q1", "2025-Q3", "2026-Q1"])):
        fig, ax = plt.subplots()
        starts = pd.to_datetime([f"{2023 + i // 4}-{3 * (i % 4) + 1:02d}-01" for i in range(quarters)])
        ax.plot(starts, range(quarters))
        _quarter_ticks(ax, quarters)
        fig.canvas.draw()
        shown = [t.get_text() for t in ax.get_xticklabels()
                 if starts[0] <= pd.Timestamp(matplotlib.dates.num2date(t.get_position()[0])).tz_localize(None)
                 <= starts[-1]]
        plt.close(fig)
        assert shown == expected, shown


def test_a_chart_file_not_ending_in_png_is_one_clear_line(tagged_db, home, tmp_path):
    """A blind walkthrough: `trends --png x.txt` ended in matplotlib's traceback."""
    res = CliRunner().invoke(main, ["--home", str(home), "trends", "--png", str(tmp_path / "x.txt")])
    assert res.exit_code == 2 and "does not end in .png" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "x.txt").exists()
    # with --topics, or an empty name, it was ignored without a word
    for args in (["--topics", "--png", str(tmp_path / "t.png")], ["--png", ""]):
        res = CliRunner().invoke(main, ["--home", str(home), "trends", *args])
        assert res.exit_code == 2 and "--png draws the trend table's shares" in res.output, args


def test_the_first_and_last_days_of_arxivs_life_are_inside_it():
    """A mutation audit: `in_arxiv_life`'s upper bound made exclusive went uncaught. With an injected today, a paper
    dated on the last day a paper can be dated (today + FUTURE_DAYS) or on arXiv's first day is kept; one day past
    either edge is left out."""
    from datetime import date, timedelta

    from trendscope.index import trends_over_time as tot

    today = date(2026, 12, 7)
    last = today + timedelta(days=tot.FUTURE_DAYS)
    first = tot.ARXIV_START
    rows = [(1, first.isoformat()), (2, (first - timedelta(days=1)).isoformat()), (3, "2021-06-01T10:00:00"),
            (4, last.isoformat()), (5, (last + timedelta(days=1)).isoformat()), (6, None)]
    assert [pk for pk, *_ in tot.in_arxiv_life(rows, today)] == [1, 3, 4]
