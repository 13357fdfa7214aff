"""Live ingest from the arXiv API with the `arxiv` package client, made polite and robust.

The `arxiv` 4.0.2 client pages and parses, but it has no HTTP timeout, retries 4xx errors without backoff,
sleeps with the real clock, and parses damaged (truncated) pages leniently. So the client is given a
`PoliteSession` (`polite_session.py`) that does the transport work instead; the client itself runs with
`num_retries=0` and `delay_seconds=0`. This module holds the windows, the query and the run.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import requests
import sqlite_utils

from trendscope.foundation.clock import parse_day
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import DEFAULT_CATEGORIES
from trendscope.foundation.progress import progress_bar

from .ledger import IngestFailed, IngestRun, LedgerStore
from .polite_session import PageFailed, PoliteSession, pace_file_for
from .record_fields import api_categories, published_date, updated_date
from .records import BadArxivId, Paper, parse_arxiv_id
from .store import PaperStore

log = logging.getLogger(__name__)

SOURCE = "arxiv-api"
DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"


def arxiv_api_url() -> str:
    """The arXiv API query URL; `TRENDSCOPE_ARXIV_URL` points it at a mirror or a test server."""
    return os.environ.get("TRENDSCOPE_ARXIV_URL", DEFAULT_ARXIV_URL)

SNAPSHOT_HINT = "import a snapshot instead: trendscope ingest --snapshot PATH"


# ---------------------------------------------------------------------------------------------
# queries and windows


DEFAULT_DAYS = 7  # the window when --since is not given


CATCH_UP_DAYS = 90  # how far back a catching-up window reaches at most (a home idle for a year asks for 90 days)


def catch_up_start(since: date, covered: Sequence[tuple[str, str]], today: date) -> date:
    """The first day of a scheduled ingest's window: `since`, or earlier when the last complete run ended before
    it (from the day before that end, which arXiv may still have been announcing), so that no day falls between
    two runs: a 3-day window run weekly skipped four days a week (a blind walkthrough), as does a cron cycle
    that missed runs. Never more than CATCH_UP_DAYS back."""
    if not covered:
        return since
    last_end = date.fromisoformat(max(end for _start, end in covered)[:10])
    return min(since, max(last_end - timedelta(days=1), today - timedelta(days=CATCH_UP_DAYS)))


def live_window(cfg: LiveConfig, today: date) -> tuple[date, date]:
    """(first, last) submission day of a window ingest; one error line when it is not a date or empty."""
    since = parse_day(cfg.since, "--since", today=today) or today - timedelta(days=DEFAULT_DAYS)
    until = parse_day(cfg.until, "--until", end=True, today=today) or today
    if since > until:
        raise TrendscopeError(f"empty window: --since {since} is after --until {until}")
    return since, until


def build_query(categories: Sequence[str], since: date, until: date) -> str:
    """`(cat:A OR cat:B) AND submittedDate:[YYYYMMDD0000 TO YYYYMMDD2359]`."""
    cats = " OR ".join(f"cat:{c}" for c in categories)
    return f"({cats}) AND submittedDate:[{since:%Y%m%d}0000 TO {until:%Y%m%d}2359]"


def result_to_paper(result) -> Paper:
    """An `arxiv.Result` -> Paper (id without version; the version kept)."""
    pid, version = parse_arxiv_id(result.entry_id)
    cats, primary = api_categories(list(result.categories), result.primary_category)
    return Paper(
        id=pid,
        title=" ".join(result.title.split()),
        abstract=" ".join(result.summary.split()),
        authors=[a.name for a in result.authors],
        categories=cats,
        primary_category=primary,
        published=result.published.date().isoformat() if result.published else None,
        updated=result.updated.date().isoformat() if result.updated else None,
        version=version,
        doi=result.doi or None,
        journal_ref=result.journal_ref or None,
        comment=result.comment or None,
        links=[link.href for link in result.links],
    )


@dataclass
class LiveConfig:
    categories: Sequence[str] = DEFAULT_CATEGORIES
    since: str | None = None  # as `foundation.clock.parse_day` reads it (2024-03-05, 2024-03, 7d); default 7d
    until: str | None = None  # the same (a month or year means its last day); default today (UTC)
    max_results: int | None = None
    page_size: int = 200
    delay_s: float = 3.0
    timeout_s: float = 30.0
    retries: int = 4
    backoff_s: float = 5.0
    stop_after_known: int | None = 25  # consecutive already-stored papers (in covered windows) before stopping
    #                                    early; None: never (`ingest --force`: a paper an earlier run missed)
    api_url: str | None = None  # default: TRENDSCOPE_ARXIV_URL or export.arxiv.org
    catch_up: bool = False  # start no later than the last complete run's end (`catch_up_start`): the scheduler's


def usable_papers(results, run: IngestRun, today: date | None = None,
                  unreadable: set[str] | frozenset[str] = frozenset()) -> Iterator[Paper]:
    """The client's results as Papers, counted in `run.seen`; an entry that cannot be read, or that the snapshot
    import would refuse (no title, published outside arXiv's life: a live run stored a paper "published 2031-01-01"
    and one with a blank title, a walkthrough of an unreliable network), is recorded in the run's errors and
    skipped; a future `updated` date is dropped, as the import drops it."""
    today = today or datetime.now(UTC).date()
    for result in results:
        run.seen += 1
        if getattr(result, "entry_id", None) in unreadable:  # named by the session (`PoliteSession._usable`)
            continue
        try:
            paper = result_to_paper(result)
            if not paper.title.strip():
                raise ValueError("no title")
            if paper.published:
                published_date(paper.published, "published", today)
            notes: list[str] = []
            paper.updated = updated_date(paper.updated, paper.published, "updated", today, notes)
            for note in notes:
                log.info("arXiv entry %s: %s", paper.id, note)
            yield paper
        except (BadArxivId, AttributeError, ValueError) as exc:  # BadLine is a ValueError
            run.error(f"unusable entry {getattr(result, 'entry_id', '?')}: {exc}")


def client_results(results: Iterator) -> Iterator:
    """The client's results; an error of the client itself (not of the request, which the session retries) ends the
    run as a failed page, named, with what was stored kept: a traceback lost the page's other entries and recorded
    no error (a walkthrough of an unreliable network)."""
    import arxiv

    while True:
        try:
            result = next(results)
        except StopIteration:
            return
        except (PageFailed, arxiv.HTTPError, arxiv.UnexpectedEmptyPageError, requests.RequestException):
            raise
        except Exception as exc:  # noqa: BLE001 - see the docstring
            log.debug("the arXiv client failed", exc_info=True)
            raise PageFailed("(the page after the last stored)", f"the arXiv client failed: {type(exc).__name__}: "
                             f"{exc}", 1, reachable=True) from exc
        yield result


def arxiv_client(cfg: LiveConfig, session: PoliteSession, page_size: int):
    """The real `arxiv` client on the polite session (which does delay, timeouts and retries), at the API URL."""
    import arxiv

    client = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
    client._session = session  # the documented seam is the session; 4.0.2 builds its own otherwise
    client.query_url_format = (cfg.api_url or arxiv_api_url()) + "?{}"
    return client


@dataclass
class _PageWriter:
    """Stores the run's papers a page at a time, counting the already-stored papers of a covered window in a row
    (`stop_after_known` of them end the run early) and the oldest publication day seen."""

    store: PaperStore
    ledger: LedgerStore
    run: IngestRun
    session: PoliteSession
    covered: list[tuple[str, str]]
    page_size: int
    stop_after_known: int | None
    bar: object | None = None
    page: list[Paper] = field(default_factory=list)
    known_streak: int = 0
    stopped_early: bool = False
    oldest_seen: str | None = None

    def add(self, paper: Paper) -> bool:
        """Take one paper; True when the run should stop (a full page stored and the known streak reached)."""
        if paper.published and (self.oldest_seen is None or paper.published < self.oldest_seen):
            self.oldest_seen = paper.published
        self.page.append(paper)
        if len(self.page) >= self.page_size:
            self.flush()
        return self.stopped_early

    def _is_covered(self, day: str | None) -> bool:
        return bool(day) and any(a <= day <= b for a, b in self.covered)

    def flush(self) -> None:
        if not self.page:
            return
        versions = self.store.versions([p.id for p in self.page])
        for p in self.page:
            stored = versions.get(p.id)
            if stored is not None and (p.version or 0) <= (stored[1] or 0) and self._is_covered(p.published):
                self.known_streak += 1
            else:
                self.known_streak = 0
            if self.stop_after_known is not None and self.known_streak >= self.stop_after_known:
                self.stopped_early = True
        counts = self.store.upsert(self.page)
        run = self.run
        run.new += counts.new
        run.updated += counts.updated
        run.skipped += counts.skipped
        run.pages = self.session.stats.pages
        self.ledger.save(run)
        if self.bar is not None:
            self.bar.update(len(self.page))
            self.bar.set_postfix(new=run.new, updated=run.updated, skipped=run.skipped)
        self.page.clear()


def ingest_live(
    db: sqlite_utils.Database,
    config: LiveConfig | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    today: date | None = None,
    session: PoliteSession | None = None,
    progress: bool = False,
) -> IngestRun:
    """Fetch the window newest-first, store each page as it comes, stop early at already-stored papers.

    Raises TrendscopeError (after recording the run as failed) when arXiv cannot be reached at all.
    """
    import arxiv  # the real client; imported here so snapshot-only use never needs it

    cfg = config or LiveConfig()
    if cfg.delay_s < 0 or cfg.page_size < 1:
        raise TrendscopeError("page size must be >= 1 and the delay >= 0")
    today = today or datetime.now(UTC).date()
    categories = list(dict.fromkeys(cfg.categories))
    since, until = live_window(cfg, today)
    ledger = LedgerStore(db)
    covered = ledger.covered_windows(SOURCE, categories)
    start = catch_up_start(since, covered, today) if cfg.catch_up else since
    if start < since:
        since = start
        log.info("ingest window starts %s, the day before the last complete run ended (nothing skipped)", since)
    query = build_query(categories, since, until)
    run = ledger.start(
        IngestRun(source=SOURCE, query=query, window_start=since.isoformat(), window_end=until.isoformat(),
                  categories=categories)
    )
    session = session or PoliteSession(
        delay_s=cfg.delay_s, timeout_s=cfg.timeout_s, retries=cfg.retries, backoff_s=cfg.backoff_s,
        sleep=sleep, clock=clock, pace_file=pace_file_for(db),
    )
    client = arxiv_client(cfg, session, cfg.page_size)
    search = arxiv.Search(
        query=query, max_results=cfg.max_results,
        sort_by=arxiv.SortCriterion.SubmittedDate, sort_order=arxiv.SortOrder.Descending,
    )
    writer = _PageWriter(PaperStore(db), ledger, run, session, list(covered), cfg.page_size, cfg.stop_after_known,
                         progress_bar(cfg.max_results, "arXiv", "paper") if progress else None)
    failure: PageFailed | None = None
    try:
        for paper in usable_papers(client_results(client.results(search)), run, today, session.stats.unreadable):
            if writer.add(paper):
                log.info("reached %d already-stored papers in a covered window: stopping early",
                         cfg.stop_after_known)
                break
        writer.flush()
    except PageFailed as exc:
        failure = exc
    except (arxiv.HTTPError, arxiv.UnexpectedEmptyPageError, requests.RequestException) as exc:
        failure = PageFailed(getattr(exc, "url", None) or "(the page after the last stored)", str(exc), 1,
                             reachable=True)
    except BaseException:  # e.g. Ctrl-C: what was committed stays; the rest comes next run
        ledger.mark_failed(run)
        raise
    finally:
        if writer.bar is not None:
            writer.bar.close()
    writer.flush()
    return _finish(ledger, run, cfg, session, failure, since, writer)


def _finish(ledger: LedgerStore, run: IngestRun, cfg: LiveConfig, session: PoliteSession,
            failure: PageFailed | None, since: date, writer: _PageWriter) -> IngestRun:
    """Record the run's errors and its end: ok (with the window it covered), partial, or failed (raised)."""
    run.pages = session.stats.pages
    # one error per failed try; the try that ended the run reads as the failure ("errors 3" beside "failed
    # after 2 tries" counted the last try twice: a blind walkthrough)
    problems = list(session.stats.problems)
    if failure is not None:
        if failure.counted and problems:
            problems[-1] = str(failure)
        else:
            problems.append(str(failure))
    problems += session.stats.skipped_entries
    for problem in problems:
        run.error(problem)
    if failure is None:
        hit_max = cfg.max_results is not None and run.seen >= cfg.max_results and not writer.stopped_early
        # A run cut short by --max saw the window only down to the oldest paper it got.
        if hit_max and writer.oldest_seen:
            run.covered_from = (date.fromisoformat(writer.oldest_seen) + timedelta(days=1)).isoformat()
        else:
            run.covered_from = since.isoformat()
        ledger.finish(run, "ok")
        return run
    if session.stats.pages == 0:
        ledger.finish(run, "failed")
        if not failure.reachable:
            raise IngestFailed(
                f"arXiv API at {cfg.api_url or arxiv_api_url()} is unreachable ({failure.problem}); "
                f"check the network or TRENDSCOPE_ARXIV_URL, or {SNAPSHOT_HINT}", run
            )
        raise IngestFailed(
            f"arXiv API request failed ({failure.problem}); try again later, or {SNAPSHOT_HINT}", run
        )
    ledger.finish(run, "partial")
    return run
