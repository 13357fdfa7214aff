"""The transport under the `arxiv` client (and the PDF downloads): a `requests.Session` made polite and robust.

* one connection, at least `delay_s` (>= 3 s in production) between requests, measured with an injected clock
  and waited out with an injected sleep, and across every process of a data home by a pace file's time;
* an HTTP timeout on every request, a deadline and a size limit on every page;
* bounded retries with exponential backoff on timeouts, connection errors, 429/5xx, malformed, truncated or cut-off
  pages, and an empty page in the middle of a result set; other 4xx fail at once (a retry cannot fix them);
* entries of a good page that the client cannot read kept on it with placeholder values (its paging counts them),
  named, and left for `arxiv_live.usable_papers` to skip (`atom.readable_entries`).

Each good page is parsed twice, strictly to judge it (`atom.parse_feed`) and to mend its unreadable entries: a few
milliseconds beside the 3 s between requests.
"""
from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
import sqlite_utils
import urllib3

from trendscope.foundation.db import database_path
from trendscope.foundation.errors import TrendscopeError

from .atom import AtomParseError, parse_feed, readable_entries

log = logging.getLogger(__name__)

USER_AGENT = "trendscope/0.1 (+https://github.com/; polite ingest, one request per 3 s)"


MAX_PAGE_BYTES = 64_000_000  # an API page of 2,000 entries is about 5 MB
MAX_ERROR_BYTES = 1_000_000  # of an answer other than 200: its status decides, not its body
MIN_BYTES_PER_S = 20_000  # past the page deadline, an answer coming slower than this is given up


def _declared_length(resp: requests.Response) -> int:
    """The Content-Length a response declares (0 when none or unreadable; "14, 14", which RFC 9110 allows and
    urllib3 accepts, raised ValueError: a review)."""
    values = {v.strip() for v in (resp.headers.get("Content-Length") or "").split(",") if v.strip()}
    return int(values.pop()) if len(values) == 1 and next(iter(values)).isdigit() else 0


class PageFailed(TrendscopeError):
    """A page of results could not be fetched after all retries."""

    def __init__(self, url: str, problem: str, attempts: int, reachable: bool, counted: bool = False):
        self.url = url
        self.problem = problem
        self.attempts = attempts
        self.reachable = reachable
        self.counted = counted  # its last try is already the last of the session's `stats.problems`
        super().__init__(f"arXiv API request failed after {attempts} tries ({problem}): {url}")


@dataclass
class SessionStats:
    pages: int = 0  # successful responses
    requests: int = 0  # every attempt
    retries: int = 0
    problems: list[str] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)  # injected-clock time of each attempt
    skipped_entries: list[str] = field(default_factory=list)  # entries of good pages the client cannot read: why
    unreadable: set[str] = field(default_factory=set)  # their ids as the client gives them (`usable_papers` skips)


class PoliteSession(requests.Session):
    """A requests session for the arXiv client: delay, timeout, validation and bounded retries with backoff."""

    def __init__(
        self,
        *,
        delay_s: float = 3.0,
        timeout_s: float = 30.0,
        retries: int = 4,
        backoff_s: float = 5.0,
        max_backoff_s: float = 120.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        pace_file: Path | None = None,
        wall: Callable[[], float] = time.time,
    ):
        super().__init__()
        # the time of the last request to arXiv from any process of this data home (the file's mtime): three
        # `ingest` runs back to back asked 1.0-1.2 s apart, and the scheduler, the app's add-by-id and a shell loop
        # together could exceed arXiv's one request per 3 s (a walkthrough of an unreliable network)
        self.pace_file = pace_file
        self.wall = wall
        self.delay_s = delay_s
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.sleep = sleep
        self.clock = clock
        self.stats = SessionStats()
        # a whole page within this, whatever its pace: a server sending a byte every 2 s held `ingest` (and the
        # scheduler's lock) for ever, each read within the timeout (a walkthrough of an unreliable network)
        self.page_deadline_s = max(60.0, 4 * timeout_s)
        self._last_request_end: float | None = None
        # One connection to arXiv, reused.
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.headers["User-Agent"] = USER_AGENT

    def _wait_turn(self) -> None:
        wait = 0.0 if self._last_request_end is None else self.delay_s - (self.clock() - self._last_request_end)
        if self.pace_file is not None:
            try:
                wait = max(wait, self.delay_s - (self.wall() - self.pace_file.stat().st_mtime))
            except OSError:  # no request yet from this home, or it cannot be read: this process's own pace
                pass
        if wait > 0:
            log.debug("politeness delay: sleeping %.2f s", min(wait, self.delay_s))
            self.sleep(min(wait, self.delay_s))  # a clock set back cannot make it wait longer

    def _paced(self) -> None:
        """This home's last request to arXiv is now (for the other processes' `_wait_turn`)."""
        if self.pace_file is None:
            return
        try:
            self.pace_file.touch()
            now = self.wall()
            os.utime(self.pace_file, (now, now))
        except OSError:  # a read-only home: its own pace still holds
            pass

    max_bytes = MAX_PAGE_BYTES  # a response larger is refused, unread past the limit
    too_big = "page over {mb} MB"

    def _too_big(self) -> str:
        return self.too_big.format(mb=f"{self.max_bytes / 10**6:g}")

    def _usable(self, resp: requests.Response, url: str) -> requests.Response:
        """A good page as the client reads it: the entries it cannot read dropped and named."""
        resp._content, reasons, skip = readable_entries(resp.content)
        for reason in reasons:  # named in the run's errors; the page's other entries are stored
            log.warning("arXiv page %s: %s", url, reason)
        self.stats.skipped_entries.extend(r for r in reasons if r not in self.stats.skipped_entries)
        self.stats.unreadable |= skip
        return resp

    def _read_body(self, resp: requests.Response, started: float) -> str | None:
        """Read a streamed response's body within the size limit, as long as it keeps coming; what went wrong, if
        anything (a body over the limit raises PageFailed: trying again brings the same). An answer other than 200
        is read up to `MAX_ERROR_BYTES` only: its status decides."""
        limit = self.max_bytes if resp.status_code == 200 else MAX_ERROR_BYTES
        if resp.status_code == 200 and _declared_length(resp) > self.max_bytes:
            resp.close()  # refused on the header, unread (a 1 GB answer was read whole: a walkthrough)
            raise PageFailed(resp.url, self._too_big(), 1, reachable=True)
        chunks, size = [], 0
        try:
            # read1: what has arrived, at most one read of the socket (read(n) waits for all n bytes: a byte every
            # 50 ms held one read(65536) for an hour)
            while chunk := resp.raw.read1(65536, decode_content=True):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    if resp.status_code == 200:
                        raise PageFailed(resp.url, self._too_big(), 1, reachable=True)
                    break
                elapsed = self.clock() - started
                if elapsed > self.page_deadline_s and size < MIN_BYTES_PER_S * elapsed:
                    # a stall, not a large answer coming at a usable pace (a 30 MB PDF at 1 Mbit/s: a review)
                    return (f"page coming slower than {MIN_BYTES_PER_S // 1000} KB/s after "
                            f"{self.page_deadline_s:g} s")
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:  # cut mid-page:
            return f"connection broken mid-page ({type(exc).__name__})"  # retried as any bad page
        finally:
            resp.close()
        resp._content = b"".join(chunks)  # what `resp.content` gives the client
        resp._content_consumed = True
        return None

    @staticmethod
    def _check(resp: requests.Response, url: str) -> str | None:
        """None when the response is a complete, usable page; else what is wrong with it."""
        if resp.status_code != 200:
            return f"HTTP {resp.status_code}"
        try:
            feed = parse_feed(resp.content)
        except AtomParseError as exc:
            return f"malformed page ({str(exc)[:120]})"
        start = int((parse_qs(urlparse(url).query).get("start") or ["0"])[0])
        if start > 0 and not feed.entries:
            return "empty page"
        if feed.errors:
            return "API error: " + feed.errors[0].summary
        return None

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", (min(10.0, self.timeout_s), self.timeout_s))
        problem = "no attempt"
        reachable = self.stats.pages > 0
        attempts = self.retries + 1
        for attempt in range(attempts):
            if attempt:
                self.stats.retries += 1
                pause = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
                if not reachable:  # nothing answered yet: probably offline, so find out fast
                    pause = min(pause, 1.0)
                self.sleep(pause)
            self._wait_turn()
            self.stats.requests += 1
            self.stats.request_times.append(self.clock())
            connected = True
            started = self.clock()
            try:
                resp = super().request(method, url, *args, **{**kwargs, "stream": True})
            except requests.ConnectionError as exc:  # includes ConnectTimeout: the server was never reached
                problem = f"cannot connect ({type(exc).__name__})"
                connected = False
            except requests.Timeout:
                problem = f"timeout after {self.timeout_s:g} s"
                reachable = True
            else:
                reachable = True
                problem = self._read_body(resp, started) or self._check(resp, url)
                if problem is None:
                    self._last_request_end = self.clock()
                    self._paced()
                    self.stats.pages += 1
                    return self._usable(resp, url)
                if 400 <= resp.status_code < 500 and resp.status_code != 429:
                    self._last_request_end = self.clock()
                    self._paced()
                    raise PageFailed(url, problem, attempt + 1, reachable=True)
                retry_after = resp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    self.sleep(min(float(retry_after), self.max_backoff_s))
            if connected:  # the politeness delay counts from the last request that reached the server
                self._last_request_end = self.clock()
                self._paced()
            self.stats.problems.append(problem)
            log.info("arXiv request failed (try %d of %d): %s: %s", attempt + 1, attempts, problem, url)
            if not reachable and attempt >= min(1, self.retries):
                raise PageFailed(url, problem, attempt + 1, reachable=False, counted=True)
        raise PageFailed(url, problem, attempts, reachable=reachable, counted=True)



PACE_FILE = "arxiv-requests.pace"  # beside the database: its mtime is the home's last request to arXiv


def pace_file_for(db: sqlite_utils.Database) -> Path | None:
    """The file every process of the data home paces its arXiv requests by (None for an in-memory database)."""
    path = database_path(db)
    return Path(path).with_name(PACE_FILE) if path else None
