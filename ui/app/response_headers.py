"""Headers every HTTP response of the app carries, and what it does not serve.

- `Content-Security-Policy: frame-ancestors 'self'` and `X-Frame-Options: SAMEORIGIN`: another site (another port
  of the same host name included) cannot show the app in a frame, where a signed-in user's clicks could be led
  (a blind security walkthrough framed the signed-in Lists page from a page on another port);
- `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin`: a download is what its type says, and a
  link out does not carry the page's address (a paper id, a search) to another site;
- `/_stcore/metrics` is not served: Streamlit's counters named the app's internal functions and how often they ran
  to anyone, signed in or not.
"""
from __future__ import annotations

HEADERS = (
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
NOT_SERVED = frozenset({"/_stcore/metrics"})


class ResponseHeaders:
    """ASGI middleware: adds `HEADERS` to every HTTP response that does not set them, answers `NOT_SERVED` with 404."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("path", "").rstrip("/") in NOT_SERVED:
            body = b"Not found"
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
                                    *HEADERS]})
            await send({"type": "http.response.body", "body": body})
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                held = {k.lower() for k, _ in message.get("headers", ())}
                message = {**message, "headers": [*message.get("headers", ()),
                                                  *((k, v) for k, v in HEADERS if k not in held)]}
            await send(message)

        await self.app(scope, receive, with_headers)
