"""Serves each subscription's Atom feed at `/feeds/<token>.xml`, beside the app, for feed readers.

A feed reader polls an address and cannot sign in, so the address is the key (`digest/feed_address.py`): a GET or
HEAD of `<base path>/feeds/<32 hex digits>.xml` answers the feed of the subscription whose feed token that is,
built from the database as the weekly run writes it (the weeks issued so far), and 404 for anything else under
`/feeds/`, the same for a key that never existed, a malformed one, and one whose subscription (or its owner's
account) was removed or has no feed; each 404 is logged with the client's address. A client with too many 404s
in a while (`feed_guess_limit.py`: 20 in 10 minutes) gets 429 with Retry-After for every feed address until the
window clears, logged once. Nothing else of the app is reachable without signing in. The work (a database read)
runs in a worker thread, off the server's event loop.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import time
from collections.abc import Callable

from .feed_guess_limit import LIMIT, WINDOW, FeedGuessLimit

log = logging.getLogger(__name__)

FEEDS = "/feeds/"
KEY_FILE = re.compile(r"([0-9a-f]{32})\.xml")
ATOM = b"application/atom+xml; charset=utf-8"


def read_feed(token: str) -> bytes | None:
    """The feed for `token` from the data home the app serves (`TRENDSCOPE_HOME`), None when no feed has it."""
    from trendscope.digest.feed_address import feed_for_address
    from trendscope.foundation.home import Home
    from trendscope.ingest.store import open_database

    home = Home.resolve()
    if not home.db_path.exists():
        return None
    db = open_database(home.db_path)
    try:
        return feed_for_address(db, token, home)
    finally:
        db.conn.close()


def base_path() -> str:
    """The server's base path (`server.baseUrlPath`: "" or "/trendscope"), under which the feeds are served."""
    try:
        import streamlit as st

        path = (st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # noqa: BLE001 - outside a Streamlit server: no base path
        path = ""
    return f"/{path}" if path else ""


class FeedServer:
    """ASGI middleware: answers every path under `<base path>/feeds/` itself (a feed for a well-formed key, else
    404); everything else goes on to the app. Only there: `/_stcore/feeds/<key>.xml` served the feed too, past a
    proxy rule on /feeds/ (a blind security review)."""

    def __init__(self, app, reader=read_feed, base: str | None = None, *, limit: int = LIMIT,
                 window: float = WINDOW, now: Callable[[], float] = time.monotonic):
        self.app = app
        self.reader = reader
        self.prefix = (base_path() if base is None else base) + FEEDS
        self.guesses = FeedGuessLimit(limit, window, now=now)  # per client: 404s, then 429 for a while

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        if method not in ("GET", "HEAD"):
            await _answer(send, 405, b"Only GET and HEAD", [(b"allow", b"GET, HEAD")], method)
            return
        wait = self.guesses.retry_after(_client(scope))
        if wait is not None:  # a valid key too: a guess that hit would otherwise stand out among the 429s
            log.info("feed request by %s answered 429 (waiting %d s more)", _client(scope), wait)
            await _answer(send, 429, b"Too many requests for feeds that do not exist; try again later",
                          [(b"retry-after", str(wait).encode())], method)
            return
        found = KEY_FILE.fullmatch(path[len(self.prefix):])
        if found is None:
            await self._not_found(scope, send, method, None)
            return
        import anyio

        try:
            body = await anyio.to_thread.run_sync(self.reader, found.group(1))
        except Exception as exc:  # noqa: BLE001 - a feed reader gets a status, the log the reason
            log.warning("feed not served: %s", exc)
            await _answer(send, 503, b"The feed cannot be read now", [], method)
            return
        if body is None:
            await self._not_found(scope, send, method, found.group(1))
            return
        # a validator, so that a feed reader's conditional GET gets 304 instead of the whole feed each poll (it got
        # 35 KB each time: a blind review)
        etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
        headers = [(b"content-type", ATOM), (b"cache-control", b"private, max-age=300"), (b"etag", etag)]
        if etag in _if_none_match(scope):  # no body, no length (RFC 9110: a 304 ends at its headers)
            await send({"type": "http.response.start", "status": 304, "headers": headers[1:]})
            await send({"type": "http.response.body", "body": b""})
            return
        await _answer(send, 200, body, headers, method)

    async def _not_found(self, scope, send, method: str, key: str | None) -> None:
        # named in the log with the client's address, so a scan for feed addresses can be seen (and banned), and
        # with the first 8 hex digits of a well-formed key, so that an admin sees whether a retired (leaked)
        # address is still asked for (a blind security review); never the rest of a key, nor a malformed path
        client = _client(scope)
        asked = f"/feeds/{key[:8]}….xml" if key else "a malformed feed address"
        log.warning("no feed at %s asked for by %s", asked, client)
        if self.guesses.missed(client):
            log.warning("%s asked for %d feed addresses that do not exist within %s: its feed requests are answered "
                        "429 until that window clears", client, self.guesses.limit, self.guesses.window_text)
        await _answer(send, 404, b"No such feed", [], method)


def _if_none_match(scope) -> set[bytes]:
    """The entity tags of the request's If-None-Match header(s)."""
    tags: set[bytes] = set()
    for name, value in scope.get("headers") or ():
        if name.lower() == b"if-none-match":
            tags.update(t.strip().removeprefix(b"W/") for t in value.split(b","))
    return tags


def _client(scope) -> str:
    """The client's address as the server saw it (X-Forwarded-For read by uvicorn only from `serve
    --trusted-proxy`): an IP address, or "an unreadable address" for anything else, so that no header can write
    a line of its own into the log (a forged "failed sign-in" line for fail2ban: a blind security review)."""
    raw = str((scope.get("client") or ("",))[0])
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return "an unreadable address"


async def _answer(send, status: int, body: bytes, headers: list[tuple[bytes, bytes]], method: str) -> None:
    if not any(k == b"content-type" for k, _ in headers):
        headers = [(b"content-type", b"text/plain; charset=utf-8"), *headers]
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
