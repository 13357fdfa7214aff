"""A page that says why, for a browser that opens the app at an address the server does not answer to.

`trendscope serve` gives Streamlit the host names it answers to (`server.allowedHosts`: loopback, the bind
address and each `--allowed-host`), so a web page whose name was rebound to this machine cannot open the app's
WebSocket. Streamlit checks only the WebSocket, though: the page itself loaded, its WebSocket was refused, and the
browser showed a blank page with nothing to say why (a blind walkthrough of a lab install, opened by the server's
name before `--allowed-host` named it). This ASGI middleware answers every HTTP request whose Host header Streamlit
would refuse with 403 and a short page naming the address and the option that admits it. It does not list the
names the server does answer to (a rebound page could read them).
"""
from __future__ import annotations

import html
import logging

log = logging.getLogger(__name__)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Trendscope: address not allowed</title>
</head><body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>This address is not one the server answers to</h1>
<p>Trendscope refuses the address <code>{host}</code>, so that another web site cannot reach it through a
rebound name.</p>
<p>If this is the right address, whoever runs the server adds it: <code>trendscope serve --allowed-host {name}</code>
(the name or IP address without the port), then restarts it.</p>
</body></html>
"""


def refusal_page(host: str) -> bytes:
    """The page for a request whose Host header is `host` (escaped: the header is the client's to write)."""
    if host.startswith("[") and "]" in host:  # an IPv6 address, "[::1]:8501"
        name = host[1:host.index("]")]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return PAGE.format(host=html.escape(host), name=html.escape(name or "NAME")).encode("utf-8")


class HostCheck:
    """ASGI middleware: HTTP requests with a Host header that `allowed` refuses get the refusal page."""

    def __init__(self, app, allowed=None):
        self.app = app
        if allowed is None:
            from streamlit.web.server.starlette.starlette_websocket import is_host_allowed as allowed
        self.allowed = allowed

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            host = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), None)
            if not self.allowed(host):
                body = refusal_page(host or "")
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                        (b"content-length", str(len(body)).encode()),
                                        (b"cache-control", b"no-store")]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def install() -> None:
    """Put ResponseHeaders (response_headers.py) first in the middleware of the Starlette app Streamlit builds (its
    server is Starlette since 1.5x), so that every response carries its headers, HostCheck's refusals too (they had
    none: a blind security review), then HostCheck, then FeedServer (feed_server.py); when Streamlit's layout
    differs, say so in the log and serve as before (the WebSocket check stays)."""
    try:
        from starlette.middleware import Middleware
        from streamlit.web.server.starlette import starlette_app
        from streamlit.web.server.starlette.starlette_websocket import is_host_allowed  # noqa: F401
        original = starlette_app.create_streamlit_middleware
    except (ImportError, AttributeError) as exc:
        log.warning("cannot add the page for refused addresses (%s): a browser at such an address sees a blank page",
                    exc)
        return

    from .feed_server import FeedServer
    from .response_headers import ResponseHeaders

    def with_host_check():
        return [Middleware(ResponseHeaders), Middleware(HostCheck), Middleware(FeedServer), *original()]

    starlette_app.create_streamlit_middleware = with_host_check
