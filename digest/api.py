"""The digest stage's Python API (the CLI and the Streamlit app call these): manage subscriptions, build
and render a digest, send a test mail. Every user input is validated here; errors are TrendscopeErrors.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import sqlite_utils

from trendscope.foundation.clock import last_complete_week, parse_week
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.index.taxonomy import load_taxonomy

from .content import QueryScorer, WeekContext, build_digest
from .mailer import DeliveryError, SmtpConfig, load_smtp_config, message_id_for, validate_address
from .mailer import send_test_mail as _send_test
from .model import Delivery, Digest, Subscription
from .query import SearchQueryScorer
from .render import build_message, digest_entries, render_atom, render_html, render_markdown, render_text
from .subscription_store import SubscriptionStore
from .weekly import feed_bytes

log = logging.getLogger(__name__)

FORMATS = ("md", "html", "atom", "text", "eml")
MAX_SIZE = 100
_CATEGORY_RE = re.compile(r"^[a-z][a-z\-]*(\.[A-Za-z][A-Za-z\-]*)?$")
_CTRL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]")


def known_trends(home: Home | None = None) -> list[str]:
    """Trend names of the taxonomy (packaged + the user's file)."""
    return load_taxonomy(home.taxonomy_path if home else None).names


def _line(value: str, what: str, limit: int) -> str:
    v = (value or "").strip()
    if not v:
        raise TrendscopeError(f"{what} must not be empty")
    if _CTRL_RE.search(v):
        raise TrendscopeError(f"{what} must be a single line without control characters: {value!r}")
    if len(v) > limit:
        raise TrendscopeError(f"{what} is longer than {limit} characters")
    return v


def _unique(items: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def make_subscription(
    name: str, *, trends: Sequence[str] = (), query: str | None = None, categories: Sequence[str] = (),
    exclude: Sequence[str] = (), size: int = 10, emails: Sequence[str] = (), feed: bool = True,
    valid_trends: Sequence[str] | None = None,
) -> Subscription:
    """A validated Subscription (not stored)."""
    name = _line(name, "subscription name", 80)
    valid_trends = known_trends() if valid_trends is None else valid_trends
    bad = [t for t in trends if t not in valid_trends]
    if bad:
        raise TrendscopeError(f"unknown trend(s): {', '.join(bad)} (known: {', '.join(valid_trends)})")
    query = _line(query, "query", 500) if query is not None and query.strip() else None
    cats = [c.strip() for c in categories if c.strip()]
    for c in cats:
        if not _CATEGORY_RE.match(c):
            raise TrendscopeError(f"not an arXiv category: {c!r} (e.g. cs.LG)")
    words = [_line(w, "exclude word", 100) for w in exclude]
    if not 1 <= int(size) <= MAX_SIZE:
        raise TrendscopeError(f"size must be between 1 and {MAX_SIZE}, not {size}")
    addrs = [validate_address(e) for e in emails]
    if not (trends or query or cats):
        raise TrendscopeError("a subscription needs at least one --trend, a --query or a --category")
    return Subscription(name=name, trends=_unique(list(trends)), query=query, categories=_unique(cats),
                        exclude=_unique(words), size=int(size), emails=_unique(addrs), feed=bool(feed))


def add_subscription(db: sqlite_utils.Database, home: Home | None, name: str, **fields) -> Subscription:
    """Validate and store a new subscription (names are unique, case-insensitively)."""
    sub = make_subscription(name, valid_trends=known_trends(home), **fields)
    store = SubscriptionStore(db)
    if store.exists(sub.name):
        raise TrendscopeError(f"a subscription named {sub.name!r} already exists")
    return store.add(sub)


def list_subscriptions(db: sqlite_utils.Database) -> list[Subscription]:
    return SubscriptionStore(db).all()


def get_subscription(db: sqlite_utils.Database, name: str) -> Subscription:
    sub = SubscriptionStore(db).get(name)
    if sub is None:
        raise TrendscopeError(f"no subscription named {name!r}")
    return sub


def remove_subscription(db: sqlite_utils.Database, name: str) -> None:
    """Delete a subscription with its delivery records (its feed file stays until removed by hand)."""
    if not SubscriptionStore(db).remove(name):
        raise TrendscopeError(f"no subscription named {name!r}")


def deliveries(db: sqlite_utils.Database, name: str) -> list[Delivery]:
    sub = get_subscription(db, name)
    return SubscriptionStore(db).deliveries(sub.id)


def default_query_scorer(db: sqlite_utils.Database, home: Home) -> QueryScorer | None:
    """The index stage's hybrid search (None when it cannot run: keyword search through FTS5 then)."""
    return SearchQueryScorer.create(db, home)


def build(db: sqlite_utils.Database, home: Home, name: str, week: str | None = None,
          query_scorer: QueryScorer | None = None) -> Digest:
    """The digest of subscription `name` for `week` (default: the last complete ISO week)."""
    sub = get_subscription(db, name)
    week = parse_week(week) if week else last_complete_week()
    scorer = query_scorer if query_scorer is not None else (default_query_scorer(db, home) if sub.query else None)
    return build_digest(
        db,
        sub,
        week,
        context=WeekContext(SubscriptionStore(db), week, taxonomy_path=home.taxonomy_path),
        query_scorer=scorer,
    )


def render(digest: Digest, fmt: str, sender: str | None = None) -> bytes:
    """The digest as md | html (standalone, chart as data: URI) | atom | text | eml (the MIME email) bytes."""
    if fmt == "md":
        return render_markdown(digest).encode("utf-8")
    if fmt == "html":
        return render_html(digest).encode("utf-8")
    if fmt == "atom":
        return render_atom(digest.subscription, digest_entries(digest))
    if fmt == "text":
        return render_text(digest).encode("utf-8")
    if fmt == "eml":
        to = digest.subscription.emails[0] if digest.subscription.emails else "reader@example.org"
        sender = sender or SmtpConfig.sender
        return bytes(build_message(digest, sender, to, message_id_for(sender)))
    raise TrendscopeError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def send_test_mail(home: Home, recipient: str) -> str:
    """Send a test mail with the configured SMTP settings; returns its Message-ID."""
    cfg = load_smtp_config(home.config_path)
    try:
        return _send_test(cfg, recipient)
    except DeliveryError as exc:
        raise TrendscopeError(f"test mail to {recipient} failed: {exc}") from exc


def send_digest_test(home: Home, digest: Digest, recipient: str) -> str:
    """Mail a built digest to one address as a test (not recorded as a delivery); returns its Message-ID."""
    from .mailer import send_message

    cfg = load_smtp_config(home.config_path)
    recipient = validate_address(recipient)
    message_id = message_id_for(cfg.sender)
    try:
        send_message(cfg, build_message(digest, cfg.sender, recipient, message_id), recipient)
    except DeliveryError as exc:
        raise TrendscopeError(f"test digest to {recipient} failed: {exc}") from exc
    return message_id


def feed(db: sqlite_utils.Database, name: str) -> bytes:
    """The subscription's Atom feed as the weekly run writes it (every paper issued to it, newest week first)."""

    return feed_bytes(SubscriptionStore(db), get_subscription(db, name))
