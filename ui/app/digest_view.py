"""The Digests page's facade over `digest.api` (the digest stage validates, builds, renders and sends)."""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count
from trendscope.ui.app.state import actor, db, home, summary
from trendscope.ui.app.text import safe_inline


def subscriptions() -> list:
    """The signed-in user's subscriptions and the lab-wide ones."""
    from trendscope.digest import api

    return api.list_subscriptions(db(), user=actor())


def add_subscription(name: str, trends: list[str], query: str | None, exclude: list[str], size: int,
                     emails: list[str], categories: list[str] = (), lab: bool = False):
    from trendscope.digest import api

    # Addresses typed here are not the operator's: they wait for `trendscope subscriptions confirm`.
    return api.add_subscription(db(), home(), name, trends=trends, query=query, categories=list(categories),
                                exclude=exclude, size=size, emails=emails, confirmed=False, user=actor(), lab=lab)


def follow_topic(topic: str, also: Sequence[str] = ()):
    """A subscription of the signed-in user following a rising topic, mailed to their account address when they
    have one (Follow gave a feed-only subscription that nothing in the app could add an address to: a blind
    walkthrough); more addresses on the Digests page."""
    from trendscope.digest import api

    return api.follow_topic(db(), home(), topic, user=actor(), emails=own_addresses(), also=also)


def delivery_note(sub) -> str:
    """How a followed subscription reaches its reader, for the message after Follow ("lists its papers each week"
    alone, above a feed-only subscription, read as a promise of mail: a blind walkthrough). Markdown: the addresses
    escaped, the command as code (escaped whole, its backticks were shown: a narrow-screen walkthrough)."""
    if sub.confirmed_emails:
        return f"mailed to {safe_inline(', '.join(sub.confirmed_emails))} each week"
    if sub.emails:
        return f"mailed to {safe_inline(', '.join(sub.emails))} once the operator confirms the address"
    # "each week" held only where a schedule runs the digests: on a laptop without one the feed stayed empty (a
    # blind walkthrough)
    return ("in its Atom feed each week the digests run (the lab's schedule, or `trendscope digest --feeds-only`; "
            "add an email address to it on the Digests page to get it by mail)")


def follow_trend(trend: str, label: str):
    """A subscription of the signed-in user to one whole trend ("trend: LABEL"), mailed to their account address
    when they have one (the Trends page followed topics only: a blind walkthrough)."""
    from trendscope.digest import api

    return api.add_subscription(db(), home(), f"trend: {label}"[:80].rstrip(), trends=[trend], size=10,
                                emails=own_addresses(), confirmed=False, user=actor())


def follows_trend(trend: str) -> bool:
    """Whether one of the user's subscriptions follows exactly this trend (no query, no categories)."""
    return any(s.trends == [trend] and not s.query and not s.categories for s in subscriptions())


def own_addresses() -> list[str]:
    """The signed-in user's account address, as a list (none for the local owner or an account without one)."""
    from trendscope.digest import api

    mine = api.own_address(db(), actor())
    return [mine] if mine else []


def add_addresses(sub, emails: list[str]):
    """Add addresses to one of the user's subscriptions (they await the operator's confirmation)."""
    from trendscope.digest import api

    return api.add_addresses(db(), sub, emails, user=actor())


def follow_search(query: str, trends: list[str], categories: list[str]):
    """A subscription of the signed-in user whose saved query and filters are a search's (the Search page's
    "Follow this search"; a blind walkthrough had to retype the query on the Digests page)."""
    from trendscope.digest import api

    name = "search: " + " ".join(query.replace("/", " ").split())
    return api.add_subscription(db(), home(), name[:80].rstrip(), trends=list(trends), query=query,
                                categories=list(categories), exclude=[], size=10, emails=own_addresses(),
                                confirmed=False, user=actor())


def follows_search(query: str, trends: list[str], categories: list[str]) -> bool:
    """Whether one of the user's subscriptions already has this saved query and these filters."""
    return any(s.query == query and sorted(s.trends) == sorted(trends) and sorted(s.categories) == sorted(categories)
               for s in subscriptions())


def followed_topic(query: str) -> str | None:
    """The name of the user's subscription that follows `query` as a rising topic ("topic: speculative decoding"),
    if one does: "Follow this search" made a second subscription beside it, and the two read alike (a blind
    walkthrough of a PI)."""
    from trendscope.digest.api import TOPIC_PREFIX

    wanted = " ".join(query.split()).casefold()
    return next((s.name for s in subscriptions() if s.name.startswith(TOPIC_PREFIX)
                 and " ".join(s.name[len(TOPIC_PREFIX):].split()).casefold() == wanted), None)


def may_change(sub) -> bool:
    """The owner changes a subscription; lab-wide ones only admins (`digest.api.may_change`)."""
    from trendscope.digest.api import may_change as allowed

    return allowed(sub, actor())


def shown_addresses(sub) -> str:
    """A subscription's addresses as its card shows them: every address to whoever may change it; to any other
    reader (a lab-wide subscription seen by a non-admin) only how many there are, since they are other people's
    addresses (a blind lab-admin walkthrough found every user could read them)."""
    if not sub.emails:
        return "no email"
    if not may_change(sub):
        return count(len(sub.emails), "email address", "email addresses")
    waiting = {a.lower() for a in sub.pending}
    return ", ".join(f"{a} (awaiting confirmation)" if a.lower() in waiting else a for a in sub.emails)


def remove_subscription(sub) -> None:
    from trendscope.digest import api

    api.remove_subscription(db(), sub, user=actor(), home=home())


def is_admin() -> bool:
    return actor().admin


def recent_weeks(n: int = 16) -> list[str]:
    """The last `n` ISO weeks up to the latest week with papers, newest first."""
    from datetime import date

    from trendscope.foundation.clock import shift_week, week_of

    last = summary()["last"]
    if not last:
        return []
    newest = week_of(date.fromisoformat(last[:10]))
    return [shift_week(newest, -i) for i in range(n)]


def partial_newest_week() -> bool:
    """True when the newest week with papers has not ended in the data (its Sunday is after the last paper)."""
    from datetime import date

    from trendscope.foundation.clock import week_days_of

    last = summary()["last"]
    return bool(last) and week_days_of(last[:10])[1] > date.fromisoformat(last[:10]).isoformat()


def build_digest(sub, week: str):
    """The digest as the weekly run builds it; its rising topics come from the trends page's cache."""
    from trendscope.digest import api
    from trendscope.ui.app.trend_state import rising_topics

    return api.build(db(), home(), sub, week,
                     topics=lambda trend, month: rising_topics("month", month).get(trend, []))


def digest_files(digest) -> dict[str, bytes]:
    from trendscope.digest import api

    cfg = smtp_config()
    hidden = not may_change(digest.subscription)  # as its card shows: how many addresses, not which
    return {fmt: api.render(digest, fmt, sender=cfg.sender, operator=cfg.operator_address, recipients_hidden=hidden)
            for fmt in ("md", "text", "html", "eml")}


def atom_feed(sub) -> bytes:
    from trendscope.digest import api

    return api.feed(db(), sub.name, home(), user=actor())


def feed_address(sub) -> str:
    """The feed's web address: under the app's configured address (`[app] url`), else under the address this page
    was opened at (with the server's base path)."""
    from urllib.parse import urlsplit

    from trendscope.digest.app_link import load_app_url
    from trendscope.digest.feed_address import feed_address as address

    try:
        base = load_app_url(home().config_path)
    except TrendscopeError:
        base = None
    if base is None:
        opened = urlsplit(getattr(st.context, "url", None) or "")
        path = (st.get_option("server.baseUrlPath") or "").strip("/")
        base = f"{opened.scheme}://{opened.netloc}" + (f"/{path}" if path else "") if opened.netloc else ""
    return address(sub, base) or ""


def new_feed_address(sub):
    """Give the subscription's feed a new address (the old one ends); whoever may change it."""
    from trendscope.digest.feed_address import new_feed_address as renew

    return renew(db(), sub, user=actor())


def smtp_config():
    from trendscope.digest.smtp_config import load_smtp_config

    return load_smtp_config(home().config_path)


def rate_limit_text() -> str:
    """How many test mails the data home allows, in words ("at most 3 per 10 minutes")."""
    from trendscope.digest import api

    return f"at most {api.TEST_MAIL_LIMIT} per {int(api.TEST_MAIL_WINDOW.total_seconds() // 60)} minutes"


def config_warnings() -> list[str]:
    from trendscope.digest import api

    return api.config_warnings(home())


def send_test_digest(digest) -> str:
    """Mail the previewed digest to the operator's address only (not recorded as a delivery; rate-limited per
    data home); returns the Message-ID."""
    from trendscope.digest import api

    actor().require_admin("sending test mails")
    return api.send_digest_test(home(), digest, db=db())
