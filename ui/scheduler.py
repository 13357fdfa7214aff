"""The long-running scheduler behind `trendscope schedule` (APScheduler 3.x) and its run-once cycle.

A cycle is: live ingest, then the index update (`index.indexer.run_index`: embeddings, FAISS, trend tags), then
the month-by-month rising topics (`index.topic_listings.listed_topics`: computed and kept when the papers or tags
changed, so the app and the digests read them back at once), then, on the digest day, the weekly digests
(`digest.weekly.run_weekly`: mail and Atom feeds). A failing step is logged and recorded in the cycle's result;
the next steps still run.
Every cycle holds `schedule.lock` in the data home, so two cycles (from this process, another
`trendscope schedule`, or cron) never overlap: a cycle that finds the lock held is skipped and says so.
"""
from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from filelock import FileLock, Timeout

from trendscope.foundation.errors import StorageError, Terminated, TrendscopeError, os_reason
from trendscope.foundation.home import DEFAULT_CATEGORIES, Home

log = logging.getLogger("trendscope.schedule")

_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


MAX_EVERY = timedelta(days=31)
# arXiv announces new papers once a day; a cycle every few seconds (a typo: 5s for 5h) would query its API
# almost without pause, against its request to keep to one request every 3 seconds at most
MIN_EVERY = timedelta(minutes=15)


def parse_every(text: str) -> timedelta:
    """`30m`, `6h`, `1d`: the time between cycles, at least 15 minutes and at most 31 days."""
    m = _EVERY.match(text or "")
    if not m or int(m.group(1)) == 0:
        raise TrendscopeError(f"--every must look like 30m, 6h or 1d, got {text!r}")
    n, unit = int(m.group(1)), _UNITS[m.group(2)]
    if n > MAX_EVERY / timedelta(**{unit: 1}):
        raise TrendscopeError(f"--every is at most {MAX_EVERY.days}d, got {text!r}")
    if timedelta(**{unit: n}) < MIN_EVERY:
        raise TrendscopeError(f"--every is at least {MIN_EVERY.seconds // 60}m (arXiv announces papers once a day), "
                              f"got {text!r}")
    return timedelta(**{unit: n})


@dataclass
class ScheduleConfig:
    every: timedelta = timedelta(hours=6)
    digest_day: str | None = "wed"
    digest_hour: int = 7
    since: str = "3d"
    categories: Sequence[str] = DEFAULT_CATEGORIES
    lock_wait_s: float = 0.0  # how long a cycle waits for a running one before skipping


@dataclass
class CycleResult:
    ran: bool = False
    skipped_reason: str | None = None
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        log.info(line)
        self.lines.append(line)


def _summary(name: str, out: object, res: CycleResult) -> None:
    summary = getattr(out, "summary", None)
    res.say(f"{name}: {summary() if callable(summary) else out}")


def _digest_step(result, res: CycleResult) -> None:
    """The weekly run's summary, then each mail that failed (address and reason)."""
    _summary("digest", result, res)
    for err in getattr(result, "errors", ()):
        res.say(f"digest error: {err}")


def _ingest_step(home: Home, cfg: ScheduleConfig, res: CycleResult) -> None:
    from trendscope.ingest.arxiv_live import LiveConfig
    from trendscope.ingest.runner import run_live

    run = run_live(home, LiveConfig(categories=list(cfg.categories), since=cfg.since, catch_up=True))
    res.say(f"ingest: {run.summary()}")
    if run.outcome != "ok":
        res.failed.append(f"ingest {run.outcome}")


def _topics_step(db, res: CycleResult) -> None:
    from trendscope.index.topic_listings import keep_listing

    res.say(f"topics: {keep_listing(db)}")


def run_cycle(home: Home, cfg: ScheduleConfig, *, digest: bool | None = None,
              now: Callable[[], datetime] = lambda: datetime.now(UTC),
              steps: dict[str, Callable] | None = None, lock_wait_s: float | None = None) -> CycleResult:
    """One cycle under the schedule lock. `digest=None`: run digests only on the configured day.

    `steps` overrides step functions by name ('ingest', 'index', 'topics', 'digest'), for tests.
    """
    res = CycleResult()
    home.ensure()
    lock_path = home.lock_path("schedule")
    lock = FileLock(str(lock_path), timeout=cfg.lock_wait_s if lock_wait_s is None else lock_wait_s)
    try:
        lock.acquire()
    except Timeout:
        res.skipped_reason = f"another scheduled run holds {lock_path.name}; skipped this cycle"
        res.say(res.skipped_reason)
        return res
    except OSError as exc:
        raise StorageError(f"cannot lock {lock_path}: {os_reason(exc)} (is the data home read-only?)") from exc
    db = None
    try:
        from trendscope.digest.weekly import run_weekly
        from trendscope.index.indexer import run_index
        from trendscope.ingest.store import open_database
        from trendscope.ui.config_check import refuse_bad_settings

        res.ran = True
        db = open_database(home.db_path)
        actions = {
            "ingest": lambda: _ingest_step(home, cfg, res),
            "index": lambda: _summary("index", run_index(db, home, progress=False), res),
            "topics": lambda: _topics_step(db, res),
            "digest": lambda: (refuse_bad_settings(home, "sending the digests"),
                               _digest_step(run_weekly(db, home), res)),
        }
        actions.update(steps or {})
        today = WEEKDAYS[now().weekday()]
        want_digest = digest if digest is not None else (cfg.digest_day is not None and today == cfg.digest_day)
        for name in ("ingest", "index", "topics", "digest") if want_digest else ("ingest", "index", "topics"):
            try:  # each step isolated: a failing step is recorded and the next one still runs
                actions[name]()
            except TrendscopeError as exc:
                res.failed.append(f"{name}: {exc}")
                res.say(f"{name} failed: {exc}")
            except Exception as exc:  # an unexpected bug in one step must not stop the cycle
                # one line where the cycle's lines go; the traceback at debug level (`-vv`), for a bug report
                log.debug("%s step crashed", name, exc_info=True)
                res.failed.append(f"{name}: unexpected {exc.__class__.__name__}: {exc}")
                res.say(f"{name} failed unexpectedly: {exc.__class__.__name__}: {exc}")
        write_last_cycle(home, now(), res.failed)
        return res
    finally:
        if db is not None:
            db.close()
        lock.release()


LAST_CYCLE = "schedule_last_cycle.json"  # in the data home: when the last scheduled cycle ran, what failed


def write_last_cycle(home: Home, at: datetime, failed: list[str]) -> None:
    """Keep when the cycle ran and which steps failed, for `status` (`last_cycle_problems`): an index step that
    failed (a full disk) showed in the cron log alone, with no time, and `status` said nothing (an operations
    walkthrough). Ingest runs have their ledger; this covers index, topics and digest. Never raises."""
    import json

    from trendscope.foundation.files import atomic_write

    with contextlib.suppress(OSError):
        atomic_write(home.root / LAST_CYCLE, json.dumps({"at": at.isoformat(timespec="seconds"),
                                                         "failed": failed}).encode(), durable=False)


def last_cycle_problems(home: Home) -> list[str]:
    """One stale item when the last scheduled cycle had a failing step (other than ingest, whose runs `status`
    shows from the ledger): "last scheduled cycle (2026-12-07T03:30:00+00:00): index: ..."."""
    import json

    try:
        rec = json.loads((home.root / LAST_CYCLE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(rec, dict) or not isinstance(rec.get("failed"), list):
        return []
    failed = [str(f) for f in rec["failed"] if not str(f).startswith("ingest")]
    return [f"last scheduled cycle ({rec.get('at', '?')}): {'; '.join(failed)[:600]} (the next cycle retries; "
            "`trendscope schedule --once` runs one now)"] if failed else []


def digest_catch_up_due(now: datetime, digest_day: str | None, digest_hour: int) -> bool:
    """Whether a scheduler starting at `now` should run the weekly digests once at start: this ISO week's digest
    time has passed. One started (or restarted: a reboot, a redeploy) after it never ran that week's digests, and
    nothing said so (a blind lab-admin walkthrough). Harmless when they ran: a rerun sends nothing twice."""
    if digest_day is None:
        return False
    day = WEEKDAYS.index(digest_day)
    due = (now - timedelta(days=now.weekday() - day)).replace(hour=digest_hour, minute=0, second=0, microsecond=0)
    return now.weekday() >= day and now >= due


def run_forever(home: Home, cfg: ScheduleConfig) -> None:  # pragma: no cover - blocks; tested via run_cycle
    """Ingest+index every `cfg.every` (first run now) and digests weekly, until interrupted."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.date import DateTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    logging.getLogger("trendscope.schedule").setLevel(logging.INFO)
    # when each line was said, in UTC (a log without times could not say when a step failed: a walkthrough)
    stamped = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%Y-%m-%dT%H:%M:%SZ")
    stamped.converter = time.gmtime
    for handler in logging.getLogger().handlers:
        handler.setFormatter(stamped)
    sched = BlockingScheduler(timezone=UTC)

    def cycle(digest: bool) -> None:
        try:
            # The weekly digest waits for a running ingest cycle instead of being skipped.
            res = run_cycle(home, cfg, digest=digest, lock_wait_s=7200 if digest else None)
            # each line was logged as it was said (CycleResult.say); logging them again doubled every line
            if res.failed or res.skipped_reason:
                log.warning("cycle %s: %s", "skipped" if res.skipped_reason else "failed",
                            res.skipped_reason or "; ".join(res.failed))
        except Exception:  # keep the scheduler alive; the next cycle retries
            log.exception("scheduled cycle crashed")

    sched.add_job(cycle, IntervalTrigger(seconds=cfg.every.total_seconds()), args=[False], id="ingest",
                  next_run_time=datetime.now(UTC), max_instances=1, coalesce=True)
    if cfg.digest_day:
        sched.add_job(cycle, CronTrigger(day_of_week=cfg.digest_day, hour=cfg.digest_hour, timezone=UTC),
                      args=[True], id="digest", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600)
        if digest_catch_up_due(datetime.now(UTC), cfg.digest_day, cfg.digest_hour):
            log.info("this week's digest time (%s %02d:00 UTC) has passed: the digests run once now, after the "
                     "first cycle (a rerun sends nothing twice)", cfg.digest_day, cfg.digest_hour)
            sched.add_job(cycle, DateTrigger(run_date=datetime.now(UTC) + timedelta(seconds=5)), args=[True],
                          id="digest-catch-up", max_instances=1)
    try:
        sched.start()
    except Terminated:  # SIGTERM: stop now and end by the signal (`ui.cli.main`); swallowed with Ctrl-C below, a
        sched.shutdown(wait=False)  # busy scheduler kept running and an idle one exited 0 (a review)
        raise
    except (KeyboardInterrupt, SystemExit):
        pass
