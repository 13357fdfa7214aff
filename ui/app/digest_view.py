"""The Digests page's facade over `digest.api` (the digest stage validates, builds, renders and sends)."""
from __future__ import annotations

from trendscope.ui.app.state import db, home, summary


def subscriptions() -> list:
    from trendscope.digest import api

    return api.list_subscriptions(db())


def add_subscription(name: str, trends: list[str], query: str | None, exclude: list[str], size: int,
                     emails: list[str]):
    from trendscope.digest import api

    return api.add_subscription(db(), home(), name, trends=trends, query=query, exclude=exclude, size=size,
                                emails=emails)


def remove_subscription(name: str) -> None:
    from trendscope.digest import api

    api.remove_subscription(db(), name)


def recent_weeks(n: int = 16) -> list[str]:
    """The last `n` ISO weeks up to the latest week with papers, newest first."""
    from datetime import date

    from trendscope.foundation.clock import shift_week, week_of

    last = summary()["last"]
    if not last:
        return []
    newest = week_of(date.fromisoformat(last[:10]))
    return [shift_week(newest, -i) for i in range(n)]


def build_digest(sub, week: str):
    from trendscope.digest import api

    return api.build(db(), home(), sub.name, week)


def digest_files(digest) -> dict[str, bytes]:
    from trendscope.digest import api

    sender = smtp_config().sender
    return {fmt: api.render(digest, fmt, sender=sender) for fmt in ("md", "text", "html", "eml")}


def atom_feed(sub) -> bytes:
    from trendscope.digest import api

    return api.feed(db(), sub.name)


def smtp_config():
    from trendscope.digest.mailer import load_smtp_config

    return load_smtp_config(home().config_path)


def send_test_digest(digest, recipient: str) -> str:
    """Mail the previewed digest to one address (not recorded as a delivery); returns the Message-ID."""
    from trendscope.digest import api

    return api.send_digest_test(home(), digest, recipient)
