"""The scheduler: one cycle at a time (file lock), steps in order, `schedule --once`, and status."""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import pytest
from arxiv_server import FakeArxiv, Fault
from click.testing import CliRunner
from filelock import FileLock

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.ingest.ledger import IngestRun, LedgerStore
from trendscope.ingest.store import open_database
from trendscope.ui.cli import main
from trendscope.ui.scheduler import ScheduleConfig, parse_every, run_cycle


def test_parse_every():
    assert parse_every("6h").total_seconds() == 6 * 3600
    assert parse_every("30m").total_seconds() == 1800
    assert parse_every("1d").days == 1
    assert parse_every("31d").days == 31
    assert parse_every("15m").total_seconds() == 900
    # the last overflowed a C int; "5s" (for 5h) queried arXiv almost without pause
    for bad in ("0h", "6 hours", "32d", "745h", "99999999999d", "5s", "14m", "899s"):
        with pytest.raises(TrendscopeError, match="--every"):
            parse_every(bad)


@pytest.mark.slow  # a real server held slow for 1.5 s
def test_two_cycles_never_overlap(tmp_path, sample_rows, monkeypatch):
    """Two cycles started together: one ingests (slowly), the other finds the lock held and skips."""
    home = Home(tmp_path / "home").ensure()
    rows = [r for r in sample_rows if r["published"] >= "2026-06-01"]
    with FakeArxiv(rows, faults_by_request={1: Fault("slow", seconds=1.5)}) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        cfg = ScheduleConfig(since="2026-06-01", categories=("cs.CL",))
        active = []
        overlap = []

        def index_step():
            active.append(1)
            if len(active) > 1:
                overlap.append(True)
            time.sleep(0.2)
            active.pop()
            return "indexed"

        results = []
        threads = [threading.Thread(target=lambda: results.append(
            run_cycle(home, cfg, digest=False, steps={"index": index_step}))) for _ in range(2)]
        for th in threads:
            th.start()
            time.sleep(0.3)
        for th in threads:
            th.join(30)
    ran = [r for r in results if r.ran]
    skipped = [r for r in results if not r.ran]
    assert len(ran) == 1 and len(skipped) == 1 and not overlap
    assert "skipped" in skipped[0].skipped_reason
    assert any(line.startswith("ingest: arxiv-api: ok") for line in ran[0].lines)
    db = open_database(home.db_path)
    assert len(LedgerStore(db).recent(10)) == 1  # exactly one ingest ran
    assert db.execute("SELECT count(*) FROM papers").fetchone()[0] == sum(
        1 for r in rows if "cs.CL" in r["categories"] and r["published"] <= datetime.now(UTC).date().isoformat())


def test_cycle_runs_steps_in_order_and_digest_only_on_its_day(tmp_path):
    home = Home(tmp_path / "home").ensure()
    calls = []
    steps = {"ingest": lambda: calls.append("ingest"), "index": lambda: calls.append("index"),
             "topics": lambda: calls.append("topics"), "digest": lambda: calls.append("digest")}
    monday = datetime(2026, 6, 1, 7, tzinfo=UTC)
    tuesday = datetime(2026, 6, 2, 7, tzinfo=UTC)
    run_cycle(home, ScheduleConfig(digest_day="mon"), now=lambda: tuesday, steps=steps)
    assert calls == ["ingest", "index", "topics"]
    calls.clear()
    run_cycle(home, ScheduleConfig(digest_day="mon"), now=lambda: monday, steps=steps)
    assert calls == ["ingest", "index", "topics", "digest"]


def test_status_names_a_failed_step_of_the_last_scheduled_cycle(tmp_path):
    """An operations walkthrough: the index step failed (a full disk); the cron log said so, without a time, and
    `status` said nothing. The last cycle's failing steps are a stale item until a cycle runs clean."""
    from trendscope.foundation.errors import StorageError
    from trendscope.ui.status_report import full_status

    home = Home(tmp_path / "home").ensure()

    def full_disk():
        raise StorageError("cannot write the FAISS index: File too large")

    at = datetime(2026, 6, 2, 3, 30, tzinfo=UTC)
    steps = {"ingest": lambda: None, "index": full_disk, "topics": lambda: None}
    run_cycle(home, ScheduleConfig(digest_day=None), now=lambda: at, steps=steps)
    (said,) = [s for s in full_status(home)["stale"] if s.startswith("last scheduled cycle")]
    assert said.startswith("last scheduled cycle (2026-06-02T03:30:00+00:00): index: cannot write the FAISS index")
    run_cycle(home, ScheduleConfig(digest_day=None), now=lambda: at, steps={**steps, "index": lambda: None})
    assert not any(s.startswith("last scheduled cycle") for s in full_status(home)["stale"])


def test_the_digest_day_stops_before_sending_when_a_setting_is_misspelt(tmp_path):
    """As `digest --send` does: a `[smpt]` section let the week be issued and every mail fail (a walkthrough)."""
    home = Home(tmp_path / "home").ensure()
    home.config_path.write_text('[smpt]\nhost = "127.0.0.1"\n', encoding="utf-8")
    steps = {"ingest": lambda: None, "index": lambda: None, "topics": lambda: None}
    res = run_cycle(home, ScheduleConfig(digest_day="mon"), now=lambda: datetime(2026, 6, 1, 7, tzinfo=UTC),
                    steps=steps)
    assert len(res.failed) == 1 and res.failed[0].startswith("digest: ") and "[smpt], read by nothing" in \
        res.failed[0] and "nothing was issued or mailed" in res.failed[0], res.failed


def test_a_cycle_keeps_the_rising_topics_and_reuses_them_while_nothing_changed(tmp_path, sample_rows):
    from index_support import make_home

    from trendscope.index.hash_embedder import HashingEmbedder
    from trendscope.index.indexer import run_index
    from trendscope.index.topic_listing_store import TopicListingStore

    home, db = make_home(tmp_path / "home", [r for r in sample_rows if r["published"] >= "2025-01-01"][:600])
    steps = {"ingest": lambda: None,
             "index": lambda: run_index(db, home, progress=False, embedder=HashingEmbedder())}
    first = run_cycle(home, ScheduleConfig(digest_day=None), steps=steps)
    assert not first.failed and any(x.startswith("topics: computed for 600 papers") for x in first.lines), first.lines
    kept = TopicListingStore(db).get("month")
    assert kept is not None and kept.papers == 600
    second = run_cycle(home, ScheduleConfig(digest_day=None), steps=steps)
    assert any(x == f"topics: unchanged since {kept.computed_at}" for x in second.lines), second.lines


def test_schedule_once_cli_skips_when_locked(home):
    lock = FileLock(str(Home(home).lock_path("schedule")))
    with lock:
        res = CliRunner().invoke(main, ["--home", str(home), "schedule", "--once"])
    assert res.exit_code == 0, res.output
    assert "skipped" in res.output
    assert LedgerStore(open_database(home / "trendscope.db")).recent(5) == []


def test_status_json_flags_stale_and_interrupted_runs(home, tmp_path, sample_rows):
    from trendscope.ingest.snapshot import import_snapshot

    snap = tmp_path / "s.jsonl"
    snap.write_text("".join(json.dumps(r) + "\n" for r in sample_rows[-300:]))
    db = open_database(home / "trendscope.db")
    import_snapshot(db, snap)
    ledger = LedgerStore(db)
    old = ledger.start(IngestRun(source="arxiv-api", query="q", window_start="2026-01-01", window_end="2026-01-07",
                                 started_at="2026-01-07T00:00:00Z"))
    ledger.finish(old, "ok")
    old.ended_at = "2026-01-07T00:05:00Z"  # a week-old success
    ledger.save(old)
    ledger.start(IngestRun(source="snapshot", query="killed"))  # left 'running' by a killed process
    res = CliRunner().invoke(main, ["--home", str(home), "status", "--json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    assert st["papers"] == 300 and isinstance(st["papers"], int)
    assert [r["outcome"] for r in st["runs"]] == ["running", "ok", "ok"]
    assert any("last successful live arXiv ingest was" in s for s in st["stale"])
    assert any("interrupted" in s for s in st["stale"])
    # for a monitor: --check exits 1 when anything is stale (status exited 0 beside a failed ingest: a walkthrough)
    for args in (["status", "--check"], ["status", "--check", "--json"]):
        checked = CliRunner().invoke(main, ["--home", str(home), *args])
        assert checked.exit_code == 1 and "interrupted" in checked.output, args
    from trendscope.ui import status_report

    calm = dict(st, stale=[])
    with pytest.MonkeyPatch.context() as mp:  # and 0 when nothing is
        mp.setattr(status_report, "full_status", lambda *a, **k: calm)
        assert CliRunner().invoke(main, ["--home", str(home), "status", "--check", "--json"]).exit_code == 0
    counts = {c["category"]: c["papers"] for c in st["categories"]}
    assert counts["cs.CL"] == sum(1 for r in sample_rows[-300:] if "cs.CL" in r["categories"])
    # the next ingest marks the orphaned run as interrupted
    CliRunner().invoke(main, ["--home", str(home), "ingest", "--snapshot", str(snap)])
    assert LedgerStore(open_database(home / "trendscope.db")).running() == []


def test_status_says_how_many_papers_have_no_authors(home, tmp_path, sample_rows):
    """A blind walkthrough: most papers of the shared snapshot have no authors, which quietly empties au: searches
    and BibTeX author fields; status said nothing."""
    from trendscope.ingest.snapshot import import_snapshot

    rows = sample_rows[-100:]
    snap = tmp_path / "s.jsonl"
    snap.write_text("".join(json.dumps({**r, "authors": [] if i % 4 else r["authors"]}) + "\n"
                            for i, r in enumerate(rows)))
    import_snapshot(open_database(home / "trendscope.db"), snap)
    res = CliRunner().invoke(main, ["--home", str(home), "status", "--json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    without = sum(1 for i, r in enumerate(rows) if i % 4 or not r["authors"])
    assert st["papers_without_authors"] == without
    assert any(s.startswith(f"{without} of 100 papers ({without / 100:.0%}) have no authors") for s in st["notes"])
    assert any("trendscope ingest --id" in s for s in st["notes"])
    # a note, not a fault: `status --check` stayed red on every snapshot home for it (a blind walkthrough)
    assert not any("have no authors" in s for s in st["stale"])
    shown = CliRunner().invoke(main, ["--home", str(home), "status"]).output
    assert "Notes:\n  - " in shown and "have no authors" in shown.split("Notes:")[1]


def test_the_digest_step_names_each_mail_that_failed():
    """The weekly run's failures are no longer logged as warnings (`digest --send` said each twice): the
    scheduler's cycle says them itself."""
    from trendscope.digest.weekly import WeeklyResult
    from trendscope.ui.scheduler import CycleResult, _digest_step

    res, result = CycleResult(), WeeklyResult(week="2026-W21")
    result.failed, result.errors = 1, ["mm 2026-W21 me@example.org: SMTP is not configured"]
    _digest_step(result, res)
    assert res.lines[0].startswith("digest: week 2026-W21") and res.lines[1:] == [
        "digest error: mm 2026-W21 me@example.org: SMTP is not configured"]


def test_a_scheduled_window_reaches_back_to_the_last_complete_run():
    """A 3-day window run weekly skipped four days a week (a blind walkthrough): a scheduled ingest starts no later
    than the day before the last complete run ended, at most CATCH_UP_DAYS back, and never later than asked."""
    from datetime import date

    from trendscope.ingest.arxiv_live import CATCH_UP_DAYS, catch_up_start

    today = date(2026, 12, 6)
    asked = date(2026, 12, 3)  # --since 3d
    assert catch_up_start(asked, [], today) == asked  # nothing ran yet
    assert catch_up_start(asked, [("2026-11-20", "2026-12-05")], today) == asked  # ran yesterday: covered
    week = [("2026-11-20", "2026-11-26"), ("2026-11-24", "2026-11-29")]
    assert catch_up_start(asked, week, today) == date(2026, 11, 28)  # the newest end, less a day
    idle = catch_up_start(asked, [("2025-01-01", "2025-01-04")], today)  # idle for a year: not back to 2025
    assert (today - idle).days == CATCH_UP_DAYS
    assert catch_up_start(date(2026, 1, 1), week, today) == date(2026, 1, 1)  # a longer window stays


def test_a_scheduled_cycle_after_a_week_asks_arxiv_from_where_the_last_run_ended(tmp_path, monkeypatch):
    from datetime import timedelta

    home = Home(tmp_path / "home").ensure()
    today = datetime.now(UTC).date()
    ledger = LedgerStore(open_database(home.db_path))
    done = ledger.start(IngestRun(source="arxiv-api", window_start=(today - timedelta(days=10)).isoformat(),
                                  window_end=(today - timedelta(days=7)).isoformat(), categories=["cs.CL"],
                                  covered_from=(today - timedelta(days=10)).isoformat()))
    ledger.finish(done, "ok")
    with FakeArxiv([]) as srv:
        monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", srv.url)
        res = run_cycle(home, ScheduleConfig(since="3d", categories=("cs.CL",)), digest=False,
                        steps={"index": lambda: "indexed", "topics": lambda: "kept"})
    assert any(line.startswith("ingest: arxiv-api: ok") for line in res.lines), res.lines
    last = LedgerStore(open_database(home.db_path)).last_success("arxiv-api")
    assert last.window_start == (today - timedelta(days=8)).isoformat(), last


def test_a_scheduler_started_after_the_digest_time_runs_the_digests_once_at_start():
    """A blind lab-admin walkthrough: `schedule --digest-day sun --digest-hour 20` started at 20:34 on a Sunday
    never sent that week's digests (APScheduler keeps no record of runs missed before it started); a reboot after
    Wednesday 07:00 lost the week."""
    from datetime import UTC, datetime

    from trendscope.ui.scheduler import digest_catch_up_due

    sunday_late, sunday_early = datetime(2026, 12, 6, 20, 34, tzinfo=UTC), datetime(2026, 12, 6, 19, 0, tzinfo=UTC)
    assert digest_catch_up_due(sunday_late, "sun", 20) and not digest_catch_up_due(sunday_early, "sun", 20)
    assert digest_catch_up_due(datetime(2026, 12, 3, 8, 0, tzinfo=UTC), "wed", 7)  # Thursday after a Wednesday run
    assert digest_catch_up_due(datetime(2026, 12, 2, 7, 0, tzinfo=UTC), "wed", 7)
    assert not digest_catch_up_due(datetime(2026, 12, 2, 6, 59, tzinfo=UTC), "wed", 7)
    assert not digest_catch_up_due(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "wed", 7)  # Tuesday: not due yet
    assert not digest_catch_up_due(sunday_late, None, 7)  # no digest day: no digests


def test_sigterm_stops_the_long_running_scheduler_by_the_signal(tmp_path):
    """A review: `systemctl stop` (SIGTERM) reached the scheduler as Ctrl-C does and was swallowed: an idle one
    exited 0, a busy one kept running. It ends by the signal, as a service manager expects."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as s:  # a port nothing listens on: the first cycle's ingest fails at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TRENDSCOPE_ARXIV_URL": f"http://127.0.0.1:{port}/api/query", "TRENDSCOPE_MODEL": "hash-384"}
    proc = subprocess.Popen([sys.executable, "-m", "trendscope", "--home", str(tmp_path / "h"), "schedule",
                             "--digest-day", "none"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    time.sleep(4)  # started, first cycle done or under way
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGTERM, (proc.returncode, out)
