"""The web address of a subscription's Atom feed, served by the app (`ui/app/feed_server.py`).

A feed reader cannot sign in, so the address itself is the key, as a private calendar's address is: it carries
`Subscription.feed_token` (32 hex digits, a keyed hash under the subscription's secret token). Whoever holds the
address reads the feed (its name, its owner's account name, what it follows, the weeks' papers) and nothing else:
no address, no other feed. Removing the subscription or its owner's account ends the address; so does giving the
feed a new address (`new_feed_address`, for one that leaked), which keeps everything else of the subscription.
"""
from __future__ import annotations

import hmac
import logging
import re
import shlex

import sqlite_utils

from trendscope.foundation.actor import OWNER, Actor
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.foundation.wording import quoted

from .model import Subscription
from .subscription_store import SubscriptionStore

log = logging.getLogger(__name__)

FEED_TOKEN = re.compile(r"[0-9a-f]{32}")


def feed_address(sub: Subscription, app_url: str | None) -> str | None:
    """`<app url>/feeds/<token>.xml`, or the path alone (`/feeds/<token>.xml`) when the app's address is not
    configured; None for a subscription without a feed."""
    token = sub.feed_token
    if token is None:
        return None
    return f"{(app_url or '').rstrip('/')}/feeds/{token}.xml"


def subscription_for_feed(db: sqlite_utils.Database, token: str) -> Subscription | None:
    """The subscription whose feed address carries `token` (compared in constant time), None when none does or
    when its owner's account was removed (a departed member's feed reader kept reading: a blind security review;
    adding the account again resumes it, as it resumes the digests)."""
    from trendscope.accounts.users import Accounts

    from .weekly import owner_removed

    if not FEED_TOKEN.fullmatch(token or ""):
        return None
    found = None
    for sub in SubscriptionStore(db).all():
        mine = sub.feed_token
        if mine is not None and hmac.compare_digest(mine, token):
            found = sub
    if found is not None and owner_removed(found, Accounts(db)):
        return None
    return found


def feed_for_address(db: sqlite_utils.Database, token: str, home: Home) -> bytes | None:
    """The Atom feed (as the weekly run writes it) of the subscription whose feed address carries `token`."""
    from .app_link import load_app_url
    from .content import trend_labels
    from .weekly import feed_bytes

    sub = subscription_for_feed(db, token)
    if sub is None:
        return None
    app_url = load_app_url(home.config_path)
    # its own address as rel="self" (Atom's advice; a blind review missed it), known only under [app] url
    return feed_bytes(SubscriptionStore(db), sub, trend_labels(home.taxonomy_path), app_url,
                      self_url=feed_address(sub, app_url) if app_url else None)


def new_feed_address(db: sqlite_utils.Database, name: str | Subscription, *, user: Actor = OWNER) -> Subscription:
    """Give the feed of subscription `name` (as `user` names it, or the Subscription as listed) a new address, for
    whoever may change it: the old address answers 404 from now on. Its addresses, unsubscribe tokens, sent weeks
    and feed file stay. Returns the subscription with its new feed token."""
    from .api import check_may_change, stored_subscription

    sub = stored_subscription(db, name, user=user)
    check_may_change(sub, user)
    if not sub.feed:
        raise TrendscopeError(f"the subscription {quoted(sub.name_for(user.name))} has no Atom feed, so no feed "
                              f"address (`trendscope subscriptions edit {shlex.quote(sub.name_for(user.name))} "
                              "--feed` gives it one)")
    sub.feed_salt = SubscriptionStore(db).new_feed_salt(sub.id)
    log.info("the feed of subscription %r (owner %s) has a new address; the old one ended", sub.name, sub.owner)
    return sub
