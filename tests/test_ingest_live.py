"""Live ingest through the fake arXiv server: faults, politeness, early stop, versions, unreachable arXiv."""
from __future__ import annotations

import json
import math
import socket
import time
from datetime import date

import pytest
from arxiv_server import FakeArxiv, Fault
from click.testing import CliRunner

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.arxiv_live import LiveConfig, build_query, ingest_live
from trendscope.ingest.ledger import LedgerStore
from trendscope.ingest.polite_session import PoliteSession
from trendscope.ingest.store import PaperStore, open_database
from trendscope.ui.cli import main

CATS = ["cs.CL", "cs.LG"]
SINCE, UNTIL = "2024-01-01", "2024-12-31"
TODAY = date(2025, 1, 2)


class FakeTime:
    """Injected clock + sleep: sleeping advances the clock instantly and is recorded."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s


def expected_ids(rows, cats=CATS, since=SINCE, until=UNTIL) -> set[str]:
    return {r["id"] for r in rows if set(cats) & set(r["categories"]) and since <= r["published"] <= until}


def config(srv, **kw) -> LiveConfig:
    base = dict(categories=CATS, since=SINCE, until=UNTIL, page_size=20, timeout_s=0.3, api_url=srv.url,
                delay_s=3.0, backoff_s=5.0, retries=3)
    base.update(kw)
    return LiveConfig(**base)


@pytest.fixture
def rows(sample_rows):
    return [r for r in sample_rows if r["published"] >= "2023-06-01"]


def test_query_and_window():
    q = build_query(["cs.LG", "stat.ML"], date(2024, 5, 1), date(2024, 5, 7))
    assert q == "(cat:cs.LG OR cat:stat.ML) AND submittedDate:[202405010000 TO 202405072359]"


@pytest.mark.parametrize("by_id", [False, True])
def test_an_interrupted_run_keeps_its_cause_when_the_ledger_cannot_record_it(tmp_path, rows, monkeypatch, by_id):
    """Ctrl-C (or any failure) mid-run on a full disk: the run cannot be marked failed, and the user sees why the
    run stopped, not the ledger's own error (a window ingest and a fetch by id alike)."""
    import sqlite3

    from trendscope.ingest.arxiv_ids import fetch_ids

    def interrupted(self, papers):
        raise KeyboardInterrupt

    def cannot_record(self, run, outcome):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(PaperStore, "upsert", interrupted)
    monkeypatch.setattr(LedgerStore, "finish", cannot_record)
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows) as srv, pytest.raises(KeyboardInterrupt):
        if by_id:
            fetch_ids(db, [rows[3]["id"]], config(srv), sleep=t.sleep, clock=t.clock)
        else:
            ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)


@pytest.mark.slow  # a real HTTP server with real time-outs
def test_faults_end_with_exactly_the_expected_papers(tmp_path, rows):
    want = expected_ids(rows)
    n_pages = math.ceil(len(want) / 20)
    assert len(want) > 200 and n_pages > 8
    faults_by_request = {2: Fault("http", status=503)}
    faults_by_start = {
        40: Fault("slow", seconds=1.0),     # longer than the 0.3 s client timeout
        60: Fault("truncate"),              # half an XML document
        100: Fault("empty"),                # a valid feed with no entries mid-stream
        120: Fault("http", status=503, times=2),  # twice in a row: backoff doubles
    }
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows, faults_by_request=faults_by_request, faults_by_start=faults_by_start) as srv:
        run = ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
        log = list(srv.log)
    store = PaperStore(db)
    stored = {r[0] for r in db.execute("SELECT id FROM papers")}
    assert stored == want
    assert (run.outcome, run.new, run.updated, run.seen, run.pages) == ("ok", len(want), 0, len(want), n_pages)
    assert run.errors == 6 and len(log) == n_pages + 6
    assert sorted(run.error_messages) == sorted(
        ["HTTP 503", "HTTP 503", "HTTP 503", "empty page", "timeout after 0.3 s"]
        + [m for m in run.error_messages if m.startswith("malformed page")])
    assert [entry.fault for entry in log if entry.fault] == ["http", "slow", "truncate", "empty", "http", "http"]
    # backoff: 5 s after each first failure, 10 s after the second failure in a row
    backoffs = [s for s in t.sleeps if s in (5.0, 10.0)]
    assert backoffs.count(5.0) == 5 and backoffs.count(10.0) == 1
    assert store.fts_integrity_ok()
    saved = LedgerStore(db).get(run.run_id)
    assert (saved.outcome, saved.pages, saved.new, saved.errors) == ("ok", n_pages, len(want), 6)
    assert saved.window_start == SINCE and saved.window_end == UNTIL and saved.categories == CATS


@pytest.mark.parametrize("kind, said", [
    ("bad_date", "skipped: <published> '2026-02-30T10:00:00Z' is not a date"),
    ("no_id", "entry (no <id>) skipped: no <id>"),
])
@pytest.mark.parametrize("last", [False, True])
def test_an_entry_the_client_cannot_read_is_skipped_and_named_not_the_page(tmp_path, rows, kind, said, last):
    """A walkthrough of an unreliable network: one entry dated 2026-02-30 ended `ingest` in a traceback (the
    client raised), its page's 19 other papers lost and no error recorded, every run after it the same while it
    stayed in the window; one entry without an <id> failed the page five times over. The oldest entry of the
    window too: dropped from its page, it shifted the client's paging to an empty page, the run "partial" (a
    review)."""
    want = expected_ids(rows)
    start = 20 * ((len(want) - 1) // 20) if last else 20
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows, faults_by_start={start: Fault(kind, times=99, entry=-1 if last else 0)}) as srv:
        # a roomy timeout: a page slowed by a busy machine must not add a timeout to the one error counted
        run = ingest_live(db, config(srv, timeout_s=5.0), sleep=t.sleep, clock=t.clock, today=TODAY)
    stored = {r[0] for r in db.execute("SELECT id FROM papers")}
    assert run.outcome == "ok" and len(stored) == len(want) - 1 and stored < want, run.error_messages
    assert [m for m in run.error_messages if said in m] and run.errors == 1, run.error_messages
    assert run.seen == len(want)


@pytest.mark.parametrize("fault", [Fault("cut"), Fault("trickle", seconds=0.05)])
def test_a_page_cut_off_or_trickling_is_retried_within_a_deadline(tmp_path, rows, fault):
    """A walkthrough of an unreliable network: a connection closed mid-page failed the run at once (it is retried
    as any bad page), and a server sending a byte every 2 s held `ingest` for ever (each read within its timeout)."""
    want = expected_ids(rows)
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    session = PoliteSession(delay_s=3.0, timeout_s=2, retries=2, backoff_s=0.5, sleep=t.sleep, clock=time.monotonic)
    session.page_deadline_s = 1.0
    with FakeArxiv(rows, faults_by_start={20: fault}) as srv:
        run = ingest_live(db, config(srv), session=session, today=TODAY)
    assert run.outcome == "ok" and {r[0] for r in db.execute("SELECT id FROM papers")} == want
    expected = "connection broken mid-page" if fault.kind == "cut" else "page coming slower than 20 KB/s after 1 s"
    assert [m for m in run.error_messages if expected in m] == [run.error_messages[0]], run.error_messages
    # the bad page was given up on once (cut, or abandoned at its deadline) and asked for again, answered whole;
    # every other page asked for once
    page_20 = [(r.fault, r.status) for r in srv.log if r.params.get("start") == "20"]
    assert page_20 == [(fault.kind, 200), (None, 200)], page_20
    starts = [r.params.get("start") for r in srv.log]
    assert len(starts) == len(set(starts)) + 1 and run.errors == 1, starts


def test_politeness_delay_is_enforced_between_all_requests(tmp_path, rows):
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows, faults_by_start={20: Fault("http", status=503)}) as srv:
        session = PoliteSession(delay_s=3.0, timeout_s=2, retries=2, backoff_s=0.5, sleep=t.sleep, clock=t.clock)
        run = ingest_live(db, config(srv, max_results=100), session=session, today=TODAY)
    gaps = [b - a for a, b in zip(session.stats.request_times, session.stats.request_times[1:])]
    assert run.outcome == "ok" and run.seen == 100 and len(gaps) == 5  # 5 pages + 1 retry
    assert all(g >= 3.0 for g in gaps), gaps


@pytest.mark.slow  # a real HTTP server with real time-outs
def test_page_that_keeps_failing_gives_partial_run_then_rerun_completes(tmp_path, rows):
    want = expected_ids(rows)
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows, faults_by_start={60: Fault("truncate", times=4)}) as srv:
        run = ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
        assert (run.outcome, run.new, run.pages) == ("partial", 60, 3)
        assert "malformed page" in run.error_messages[-1]
        # the partial run covers nothing, so the rerun does not stop early at the 60 stored papers
        again = ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
    assert (again.outcome, again.new, again.skipped) == ("ok", len(want) - 60, 60)
    assert {r[0] for r in db.execute("SELECT id FROM papers")} == want


@pytest.mark.slow  # a real HTTP server with real time-outs
def test_rerun_stops_early_and_picks_up_only_new_papers(tmp_path, rows):
    want = expected_ids(rows)
    window = sorted((r for r in rows if r["id"] in want), key=lambda r: r["published"], reverse=True)
    newest = {r["id"] for r in window[:5]}
    older_rows = [r for r in rows if r["id"] not in newest]
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(older_rows) as srv:
        first = ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
        assert first.outcome == "ok" and first.new == len(want) - 5
        changes = db.conn.total_changes
        nothing = ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
        # 25 known papers in a row: page 1 (20) + page 2 -> stop; no paper written
        assert (nothing.new, nothing.updated, nothing.pages) == (0, 0, 2)
        assert db.conn.total_changes - changes <= 4  # ledger start + 2 progress saves + finish only
        srv.set_rows(rows)
        second = ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
    assert (second.outcome, second.new, second.pages) == ("ok", 5, 2)
    assert {r[0] for r in db.execute("SELECT id FROM papers")} == want


def test_force_fetches_a_paper_an_earlier_run_missed_inside_a_covered_window(tmp_path, rows, monkeypatch):
    """A walkthrough of an unreliable network: a paper a short page left out was never fetched again (each later
    run stopped early at the stored papers around it, `--force` was for snapshots only)."""
    want = expected_ids(rows)
    window = sorted((r for r in rows if r["id"] in want), key=lambda r: r["published"], reverse=True)
    missed = window[len(window) // 2]["id"]  # deep in the window: past where a rerun stops early
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv([r for r in rows if r["id"] != missed]) as srv:
        assert ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY).outcome == "ok"
        srv.set_rows(rows)
        assert ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY).new == 0  # stopped early
        assert PaperStore(db).get(missed) is None
        forced = ingest_live(db, config(srv, stop_after_known=None), sleep=t.sleep, clock=t.clock, today=TODAY)
    assert forced.new == 1 and PaperStore(db).get(missed) is not None
    # the CLI's --force asks for that
    import trendscope.ingest.runner as runner

    asked = []
    monkeypatch.setattr(runner, "run_live", lambda home, cfg, progress=None: asked.append(cfg) or forced)
    for args, stop in ((["--force"], None), ([], 25)):
        out = CliRunner().invoke(main, ["--home", str(tmp_path / "home"), "ingest", *args])
        assert out.exit_code == 0 and asked[-1].stop_after_known == stop, out.output


def test_newer_version_from_arxiv_replaces_older(tmp_path, rows):
    want = sorted(expected_ids(rows))[:3]
    subset = [r for r in rows if r["id"] in want]
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    cfg = dict(stop_after_known=1000)
    with FakeArxiv([{**r, "version": 2} for r in subset]) as srv:
        assert ingest_live(db, config(srv, **cfg), sleep=t.sleep, clock=t.clock, today=TODAY).new == 3
        srv.set_rows([{**r, "version": 3, "title": "Revised " + r["title"]} if r["id"] == want[0]
                      else {**r, "version": 1} for r in subset])
        run = ingest_live(db, config(srv, **cfg), sleep=t.sleep, clock=t.clock, today=TODAY)
    assert (run.new, run.updated, run.skipped) == (0, 1, 2)
    store = PaperStore(db)
    assert store.get(want[0]).version == 3 and store.get(want[0]).title.startswith("Revised ")
    assert store.get(want[1]).version == 2 and store.fts_integrity_ok()


def test_client_error_is_not_retried(tmp_path, rows):
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows, faults_by_request={1: Fault("http", status=400, times=5)}) as srv:
        with pytest.raises(TrendscopeError, match="HTTP 400"):
            ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
        assert len(srv.log) == 1
    assert LedgerStore(db).last("arxiv-api").outcome == "failed"


def _closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/api/query"


@pytest.mark.slow  # full tier: keeps `make test-fast` under a minute
def test_cli_unreachable_arxiv_is_one_line(home, monkeypatch):
    monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", _closed_port_url())
    res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--since", "2d"])
    assert res.exit_code == 1
    out = res.output.strip()
    assert "\n" not in out and "Traceback" not in out, out
    assert out.startswith("Error: arXiv API") and "unreachable" in out and "trendscope ingest --snapshot PATH" in out
    run = LedgerStore(open_database(home / "trendscope.db")).last("arxiv-api")
    assert run.outcome == "failed" and run.pages == 0
    # one error per try, the last one the failure itself ("errors 3" beside "failed after 2 tries" counted it twice)
    assert run.errors == len(run.error_messages) == 2, run.error_messages
    assert run.error_messages[0].startswith("cannot connect")
    assert run.error_messages[-1].startswith("arXiv API request failed after 2 tries (cannot connect")
    # --json prints the failed run's record on stdout, the error on stderr (stdout was empty: a blind docs audit)
    res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--since", "2d", "--json"])
    record = json.loads(res.stdout)
    assert res.exit_code == 1 and record["outcome"] == "failed" and record["pages"] == 0 and record["run_id"]
    assert res.stderr.startswith("Error: arXiv API") and "unreachable" in res.stderr


def test_cli_live_ingest_against_fake_server(home, monkeypatch, rows):
    want = expected_ids(rows, ["stat.ML"], "2024-06-01", "2024-12-31")
    assert 0 < len(want) <= 200
    with FakeArxiv(rows) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "-c", "stat.ML", "--since", "2024-06-01",
                                        "--until", "2024-12-31"])
    assert res.exit_code == 0, res.output
    assert f"new {len(want)}" in res.output and "arxiv-api: ok" in res.output
    db = open_database(home / "trendscope.db")
    assert {r[0] for r in db.execute("SELECT id FROM papers")} == want


@pytest.mark.slow  # the politeness pause between two pages is real in the CLI (3 s)
@pytest.mark.parametrize("as_json", [False, True])
def test_cli_live_ingest_that_lost_a_page_exits_3(home, monkeypatch, rows, as_json):
    """A page refused (HTTP 400, not retried) after a good one: the first page's papers are stored, the run is
    partial, and the exit status says so with or without --json (it was 0: a blind walkthrough)."""
    with FakeArxiv(rows, faults_by_start={20: Fault("http", status=400, times=9)}) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "-c", "cs.CL", "--since", "2020-01-01",
                                        "--until", "2024-12-31", "--page-size", "20", *(["--json"] * as_json)])
    assert res.exit_code == 3, res.output
    run = LedgerStore(open_database(home / "trendscope.db")).last("arxiv-api")
    assert run.outcome == "partial" and run.new == 20
    if as_json:
        assert json.loads(res.stdout)["outcome"] == "partial"


# -- fetching named papers (`ingest --id`) ------------------------------------------------------------
def test_fetch_by_id_through_the_real_client_politely(tmp_path, rows):
    from trendscope.ingest.arxiv_ids import fetch_ids

    want = [rows[3]["id"], rows[40]["id"]]
    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    with FakeArxiv(rows) as srv:
        run = fetch_ids(db, [f"https://arxiv.org/abs/{want[0]}v1", want[1], "2101.99999", "not-an-id"],
                        config(srv), sleep=t.sleep, clock=t.clock)
        asked = [r.params.get("id_list", "") for r in srv.log]
    assert run.outcome == "ok" and run.new == 2, run
    assert {r[0] for r in db.execute("SELECT id FROM papers")} == set(want)
    assert any("2101.99999: not found on arXiv" in m for m in run.error_messages)
    assert any("not an arXiv id or URL: 'not-an-id' (e.g. 2106.09685" in m for m in run.error_messages)
    assert len(asked) == 1 and set(asked[0].split(",")) == {*want, "2101.99999"}  # one request for all ids
    assert LedgerStore(db).last("arxiv-id").outcome == "ok"
    assert LedgerStore(db).last("arxiv-api") is None  # a by-id run covers no window
    # an entry arXiv sends that the client cannot read is named as such, not "not found" (a review)
    with FakeArxiv(rows, faults_by_start={0: Fault("bad_date", times=99)}) as srv:
        run = fetch_ids(db, want, config(srv), sleep=t.sleep, clock=t.clock)
    broken = [m for m in run.error_messages if "is not a date" in m]
    assert len(broken) == 1 and run.errors == 1 and "not found" not in " ".join(run.error_messages), run.error_messages


def test_cli_ingest_by_id(home, monkeypatch, rows):
    with FakeArxiv(rows) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", rows[5]["id"]])
    assert res.exit_code == 0, res.output
    assert "arxiv-id: ok" in res.output and "new 1" in res.output
    assert PaperStore(open_database(home / "trendscope.db")).has(rows[5]["id"])
    # an id arXiv does not know is named, the others stored, and the exit status says so (3; it was 0)
    with FakeArxiv(rows) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", rows[6]["id"], "--id", "2101.99999"])
    assert res.exit_code == 3 and "2101.99999: not found on arXiv" in res.output, res.output
    assert PaperStore(open_database(home / "trendscope.db")).has(rows[6]["id"])
    # with --json the exit status is the same: a cron job logging JSON saw 0 (a blind walkthrough)
    with FakeArxiv(rows) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", rows[7]["id"], "--id", "2101.99998",
                                        "--json"])
    assert res.exit_code == 3 and json.loads(res.stdout)["outcome"] == "ok", res.output
    # none of the ids found is a failed run, not "partial" with nothing seen
    with FakeArxiv(rows) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", "2101.99997", "--json"])
        plain = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", "2101.99996"])
    assert res.exit_code == 1 and json.loads(res.stdout)["outcome"] == "failed", res.output
    assert plain.exit_code == 1 and "Error: arXiv found none of the papers asked for" in plain.output, plain.output


@pytest.mark.slow  # real retry pauses against a closed port
def test_cli_ingest_by_id_unreachable_arxiv_is_one_line(home, monkeypatch):
    monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", _closed_port_url())
    res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", "1706.03762"])
    assert res.exit_code == 1 and res.output.startswith("Error: arXiv API") and "\n" not in res.output.strip()


def test_cli_ingest_with_an_empty_id_is_refused_not_a_run(home):
    """`ingest --id "$IDS"` with an empty variable exited 0 and stored a run of nothing (a blind walkthrough)."""
    from trendscope.ingest.ledger import LedgerStore
    from trendscope.ingest.store import open_database

    for given in ("", " , "):
        res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--id", given, "--json"])
        assert res.exit_code == 2 and "--id names no arXiv id" in res.output
    assert LedgerStore(open_database(home / "trendscope.db")).recent() == []


def test_status_lines_cut_long_request_urls():
    from trendscope.foundation.wording import short_urls

    url = "http://export.arxiv.org/api/query?search_query=cat:cs.LG+AND+submittedDate:[202611010000+TO+2026]&start=0"
    assert short_urls(f"last live ingest failed: cannot reach {url} (timed out)") == \
        f"last live ingest failed: cannot reach {url[:47]}… (timed out)"
    assert short_urls("see https://arxiv.org/abs/2106.09685") == "see https://arxiv.org/abs/2106.09685"


def test_ctrl_c_records_the_run_as_interrupted_and_an_error_as_failed(tmp_path, rows, monkeypatch):
    """Ctrl-C during an import was recorded as 'failed', as if something had gone wrong (a blind walkthrough)."""
    def interrupted(self, papers):
        raise KeyboardInterrupt

    def broken(self, papers):
        raise RuntimeError("boom")

    t = FakeTime()
    db = open_database(tmp_path / "db.sqlite")
    for stop, outcome in ((interrupted, "interrupted"), (broken, "failed")):
        monkeypatch.setattr(PaperStore, "upsert", stop)
        with FakeArxiv(rows) as srv, pytest.raises((KeyboardInterrupt, RuntimeError)):
            ingest_live(db, config(srv), sleep=t.sleep, clock=t.clock, today=TODAY)
        assert LedgerStore(db).recent(1)[0].outcome == outcome
        # status says why, not "see trendscope status" inside status itself (a walkthrough)
        from trendscope.foundation.home import Home
        from trendscope.ingest.status import collect_status

        said = [x for x in collect_status(db, Home(tmp_path))["stale"] if x.startswith("last live ingest")]
        assert said and "see trendscope status" not in said[0], said
        assert ("stopped by Ctrl-C" in said[0]) == (outcome == "interrupted"), said


def test_live_entries_are_checked_as_a_snapshot_line_is(tmp_path):
    """A walkthrough of an unreliable network: a live run stored a paper "published 2031-01-01" and one with a
    blank title, which the snapshot import refuses; a future `updated` date is dropped, as the import drops it."""
    from datetime import datetime as dt
    from types import SimpleNamespace

    from trendscope.ingest.arxiv_live import usable_papers
    from trendscope.ingest.ledger import IngestRun

    def result(n: int, title: str, published: str, updated: str):
        return SimpleNamespace(
            entry_id=f"http://arxiv.org/abs/2412.0000{n}v1", title=title, summary="An abstract.",
            authors=[SimpleNamespace(name="Ada Example")], categories=["cs.LG"], primary_category="cs.LG",
            published=dt.fromisoformat(published), updated=dt.fromisoformat(updated), doi=None, journal_ref=None,
            comment=None, links=[])

    run = IngestRun(source="arxiv-api", query="q")
    papers = list(usable_papers([result(1, "Good", "2024-12-02", "2024-12-03"),
                                 result(2, "From the future", "2031-01-01", "2031-01-01"),
                                 result(3, "   ", "2024-12-02", "2024-12-02"),
                                 result(4, "Updated later", "2024-12-02", "2031-01-01")], run, TODAY))
    assert [(p.id, p.updated) for p in papers] == [("2412.00001", "2024-12-03"), ("2412.00004", None)]
    assert run.seen == 4 and run.errors == 2
    assert "2412.00002v1: field 'published' 2031-01-01 is in the future" in run.error_messages[0]
    assert run.error_messages[1].endswith("2412.00003v1: no title")


def test_requests_from_two_processes_of_one_home_keep_arxivs_pace(tmp_path, rows):
    """A walkthrough of an unreliable network: three `ingest` runs back to back asked arXiv 1.0-1.2 s apart (each
    process paced only itself), as could the scheduler, the app's add-by-id and a shell loop together."""
    from trendscope.ingest.polite_session import pace_file_for

    t = FakeTime()
    db = open_database(tmp_path / "trendscope.db")
    pace = pace_file_for(db)
    assert pace == tmp_path / "arxiv-requests.pace"
    with FakeArxiv(rows) as srv:
        for _ in range(2):  # two processes, one after the other: each its own session, one home
            session = PoliteSession(delay_s=3.0, timeout_s=2, retries=1, sleep=t.sleep, clock=t.clock,
                                    pace_file=pace, wall=t.clock)
            ingest_live(db, config(srv, max_results=20), session=session, today=TODAY)
        times = [e.at for e in srv.log]
    assert len(times) == 2 and pace.exists()
    assert t.sleeps and t.sleeps[-1] == pytest.approx(3.0)  # the second process waited its turn
