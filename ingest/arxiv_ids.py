"""Fetch named papers from the arXiv API by id (`trendscope ingest --id`, the Paper page's "Add from arXiv").

The same real `arxiv` client and the same `PoliteSession` as the live ingest (one request per `delay_s`, timeouts,
bounded retries with backoff); ids go to the API's `id_list` in chunks. The run is recorded in the ledger with
source "arxiv-id" (it covers no date window, so it never makes the live ingest stop early).
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import requests
import sqlite_utils

from trendscope.foundation.errors import TrendscopeError

from .arxiv_live import SNAPSHOT_HINT, LiveConfig, arxiv_api_url, arxiv_client, client_results, usable_papers
from .ledger import IngestFailed, IngestRun, LedgerStore
from .polite_session import PageFailed, PoliteSession, pace_file_for
from .records import BadArxivId, Paper, parse_arxiv_id
from .store import PaperStore

log = logging.getLogger(__name__)

SOURCE = "arxiv-id"
IDS_PER_REQUEST = 100  # arXiv's id_list; well under the URL length limits


def parse_ids(raw: Sequence[str]) -> tuple[list[str], list[str]]:
    """(ids without version, in order and unique; one message per input that is not an arXiv id or URL)."""
    ids: list[str] = []
    bad: list[str] = []
    for item in raw:
        for part in str(item).replace(",", " ").split():
            try:
                pid, _ = parse_arxiv_id(part)
            except BadArxivId as exc:
                bad.append(str(exc))
                continue
            if pid not in ids:
                ids.append(pid)
    return ids, bad


def fetch_ids(
    db: sqlite_utils.Database,
    ids: Sequence[str],
    config: LiveConfig | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    session: PoliteSession | None = None,
) -> IngestRun:
    """Fetch the papers `ids` (without version: the newest version) and store them; ids arXiv does not know are
    listed in the run's errors. Raises TrendscopeError (after recording the run) when arXiv cannot be reached."""
    import arxiv

    cfg = config or LiveConfig()
    wanted, bad = parse_ids(ids)
    if bad and not wanted:
        raise TrendscopeError("; ".join(bad))
    store, ledger = PaperStore(db), LedgerStore(db)
    run = ledger.start(IngestRun(source=SOURCE, query="id_list:" + ",".join(wanted)[:1000]))
    for message in bad:
        run.error(message)
    session = session or PoliteSession(delay_s=cfg.delay_s, timeout_s=cfg.timeout_s, retries=cfg.retries,
                                       backoff_s=cfg.backoff_s, sleep=sleep, clock=clock, pace_file=pace_file_for(db))
    client = arxiv_client(cfg, session, IDS_PER_REQUEST)
    found: set[str] = set()
    failure: PageFailed | None = None
    try:
        for i in range(0, len(wanted), IDS_PER_REQUEST):
            chunk = wanted[i:i + IDS_PER_REQUEST]
            papers: list[Paper] = []
            results = client_results(client.results(arxiv.Search(id_list=chunk, max_results=len(chunk))))
            for paper in usable_papers(results, run, unreadable=session.stats.unreadable):
                found.add(paper.id)
                papers.append(paper)
            counts = store.upsert(papers)
            run.new, run.updated, run.skipped = run.new + counts.new, run.updated + counts.updated, \
                run.skipped + counts.skipped
            run.pages = session.stats.pages
            ledger.save(run)
    except PageFailed as exc:
        failure = exc
    except (arxiv.HTTPError, arxiv.UnexpectedEmptyPageError, requests.RequestException) as exc:
        failure = PageFailed(getattr(exc, "url", "?"), str(exc), 1, reachable=True)
    except BaseException:
        ledger.mark_failed(run)
        raise
    for reason in session.stats.skipped_entries:  # arXiv has it, but not readable ("not found" said: a review)
        run.error(reason)
    unreadable = set()
    for entry_id in session.stats.unreadable:
        try:
            unreadable.add(parse_arxiv_id(entry_id)[0])
        except BadArxivId:  # an entry without an id: none of the wanted ones can be told
            pass
    for pid in wanted:
        if pid not in found and pid not in unreadable and failure is None:
            run.error(f"{pid}: not found on arXiv")
    if failure is None:  # none of the ids found is a failed run ("partial" with seen 0: a blind walkthrough)
        ledger.finish(run, "ok" if found or not wanted else "failed")
        return run
    run.error(str(failure))
    ledger.finish(run, "failed" if not found else "partial")
    if not found:
        where = cfg.api_url or arxiv_api_url()
        what = "is unreachable" if not failure.reachable else "request failed"
        raise IngestFailed(f"arXiv API at {where} {what} ({failure.problem}); try again later, or {SNAPSHOT_HINT}",
                           run)
    return run
