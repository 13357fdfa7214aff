"""One reading of the dates users type (`foundation.clock.parse_day`), the same in every --since/--until."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from trendscope.foundation.clock import parse_day
from trendscope.foundation.errors import TrendscopeError
from trendscope.index.search_request import date_bound
from trendscope.ingest.arxiv_live import LiveConfig, live_window
from trendscope.ui.cli import main

TODAY = date(2026, 7, 1)


def test_days_months_years_and_spans():
    assert parse_day("2024-03-05", "--since") == date(2024, 3, 5)
    assert parse_day("2024-3-5", "--since") == date(2024, 3, 5)
    assert parse_day("2024-03", "--since") == date(2024, 3, 1)
    assert parse_day("2024-02", "--until", end=True) == date(2024, 2, 29)
    assert parse_day("2023", "--since") == date(2023, 1, 1)
    assert parse_day("2023", "--until", end=True) == date(2023, 12, 31)
    assert parse_day("30d", "--since", today=TODAY) == date(2026, 6, 1)
    assert parse_day(" 2W ", "--since", today=TODAY) == date(2026, 6, 17)
    # months and years by the calendar ("6m" was 180 days, 2026-01-02 here: a blind docs audit)
    assert parse_day("6m", "--since", today=TODAY) == date(2026, 1, 1)
    assert parse_day("6m", "--since", today=date(2026, 8, 31)) == date(2026, 2, 28)  # the month's last day
    assert parse_day("14m", "--since", today=date(2026, 1, 15)) == date(2024, 11, 15)
    assert parse_day("1y", "--since", today=TODAY) == date(2025, 7, 1)
    assert parse_day("1y", "--since", today=date(2024, 2, 29)) == date(2023, 2, 28)
    assert parse_day(None, "--since") is None and parse_day("  ", "--since") is None


@pytest.mark.parametrize("bad", ["yesterday", "2024-13", "2024-02-30", "24-03-05", "30 days", "-7d", "2024/03/05",
                                 "99999y", "0000"])
def test_anything_else_is_one_line_naming_the_option(bad):
    with pytest.raises(TrendscopeError) as err:
        parse_day(bad, "--until", end=True)
    msg = str(err.value)
    assert msg.startswith("--until: not a date: ") and repr(bad.strip()) in msg and "\n" not in msg


def test_search_bounds_are_periods_or_spans():
    assert date_bound("2024-03", True, "until") == "2024-03-31"
    assert date_bound("2024-03", False, "since") == "2024-03-01"
    assert date_bound("", False, "since") is None
    assert len(date_bound("30d", False, "since")) == 10  # a day back from the real today
    with pytest.raises(TrendscopeError, match="--since: not a date"):
        date_bound("last week", False, "since")


def test_the_ingest_window_reads_months_spans_and_its_default():
    assert live_window(LiveConfig(), TODAY) == (date(2026, 6, 24), TODAY)
    assert live_window(LiveConfig(since="2w", until="2026-06"), TODAY) == (date(2026, 6, 17), date(2026, 6, 30))
    assert live_window(LiveConfig(since="2024", until="2024"), TODAY) == (date(2024, 1, 1), date(2024, 12, 31))
    with pytest.raises(TrendscopeError, match="empty window"):
        live_window(LiveConfig(since="2026-06-10", until="2026-06-01"), TODAY)
    with pytest.raises(TrendscopeError, match="--since: not a date: 'last week'"):
        live_window(LiveConfig(since="last week"), TODAY)


@pytest.mark.parametrize("args", [["search", "x", "--since", "someday"], ["trends", "--since", "someday"],
                                  ["ingest", "--since", "someday"], ["lists", "recommend", "L", "--since", "someday"],
                                  ["schedule", "--once", "--since", "someday"]])
def test_every_cli_since_refuses_a_bad_date_in_one_line(tmp_path, args):
    out = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), *args])
    assert out.exit_code != 0 and "--since: not a date: 'someday'" in out.output, out.output
    assert "Traceback" not in out.output


def test_a_quarter_as_the_trend_table_names_it_is_a_date():
    """A blind walkthrough: `trends --since 2025-Q1` said "not a date: '2025-Q1'", the name the table, the CSV and the
    app give that quarter."""
    assert parse_day("2025-Q1", "--since") == date(2025, 1, 1)
    assert parse_day("2025-q4", "--until", end=True) == date(2025, 12, 31)
    assert parse_day("2024Q1", "--until", end=True) == date(2024, 3, 31)
    with pytest.raises(TrendscopeError, match="use YYYY-MM-DD, YYYY-MM, YYYY-Q1, YYYY"):
        parse_day("2025-Q5", "--since")


def test_trend_names_as_the_docs_write_them_are_the_trends():
    """A blind walkthrough: `-t self-supervised` and `-t zero-shot` (the README's words) were unknown trends."""
    from trendscope.foundation.wording import known_names

    known = ["self_supervised", "zero_shot", "privacy"]
    assert known_names(["self-supervised", "Zero shot", "PRIVACY"], known) == known
    with pytest.raises(TrendscopeError, match="unknown trend"):
        known_names(["self supervision"], known)
