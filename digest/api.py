"""The digest stage's Python API (the CLI and the Streamlit app call these): manage subscriptions, build
and render a digest, send a test mail. Every user input is validated (`subscription_input`); errors are
TrendscopeErrors.

Who may cause mail to whom:
- addresses added by the operator (the CLI passes `confirmed=True`) are mailed every week; addresses added
  anywhere else (the app) wait in `pending` until the operator runs `trendscope subscriptions confirm`;
- test mails go only to the operator's own address (`test_mail`), rate-limited per data home.
"""
from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace

import sqlite_utils

from trendscope.accounts.users import Accounts
from trendscope.foundation.actor import LAB, OWNER, Actor
from trendscope.foundation.address import validate_address
from trendscope.foundation.clock import last_complete_week, parse_week
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.foundation.wording import quoted
from trendscope.ingest.paper_reads import PaperReads

from .app_link import load_app_url
from .atom_feed import digest_atom
from .content import QueryScorer, build_digest, trend_labels
from .feed_address import feed_address
from .mail_message import build_message
from .mailer import message_id_for
from .model import Delivery, Digest, DigestPaper, Subscription
from .query import SearchQueryScorer
from .render import likely_text, render_html, render_markdown, render_text, summary_text
from .smtp_config import SmtpConfig, sender_warnings, shown_config_warnings
from .subscription_input import (  # noqa: F401 (the stage's API: callers import these from here)
    MAX_EMAILS,
    MAX_SIZE,
    checked_line,
    follows_topic,
    known_trends,
    make_subscription,
    same_topic_name,
    topic_queries,
    topic_query,
    unique,
)
from .subscription_store import SubscriptionStore
from .test_mail import (  # noqa: F401 (the stage's API)
    TEST_MAIL_LIMIT,
    TEST_MAIL_WINDOW,
    operator_address,
    send_digest_test,
    send_test_mail,
)
from .week_context import WeekContext
from .weekly import feed_bytes, feed_path

log = logging.getLogger(__name__)

FORMATS = ("md", "html", "atom", "text", "eml")


def add_subscription(db: sqlite_utils.Database, home: Home | None, name: str, *, confirmed: bool = False,
                     user: Actor = OWNER, lab: bool = False, **fields) -> Subscription:
    """Validate and store a new subscription of `user` (names are unique per owner, case-insensitively);
    `lab=True` makes it lab-wide (admins only): every user sees it, admins manage it.

    `confirmed=True` only where the operator added the addresses (the CLI); otherwise they are stored as
    pending and get no mail until `confirm_addresses`."""
    if lab:
        user.require_admin("adding a lab-wide subscription")
    sub = make_subscription(name, valid_trends=known_trends(home), **fields)
    reads = PaperReads(db)  # a category in the stored papers' own spelling ("cs.sd" -> "cs.SD")
    sub.categories = unique([reads.category_spelling(c) or c for c in sub.categories])
    # the user's own account address needs nobody's confirmation (an admin set it, or their provider verified it)
    own = Accounts(db).get(user.name) if not confirmed else None
    mine = own.email.lower() if own is not None and own.email else None
    sub.pending = [] if confirmed else [a for a in sub.emails if a.lower() != mine]
    sub.owner = LAB if lab else user.name
    store = SubscriptionStore(db)
    if store.exists(sub.name, sub.owner):  # named as stored ("'VISION' already exists" of 'vision': a docs audit)
        held = store.get(sub.name, sub.owner)
        raise TrendscopeError(f"a subscription named {quoted(held.name if held else sub.name)} already exists")
    return store.add(sub)


def edit_subscription(db: sqlite_utils.Database, home: Home | None, name: str, *, user: Actor = OWNER,
                      **changes) -> Subscription:
    """Change what subscription `name` follows: any of trends, query, categories, exclude, size, feed (a value
    replaces the stored one; None clears the query). Its name, addresses, unsubscribe token and delivery records
    stay: a typo (`-c cs.CLL`) could only be mended by removing it and adding it again (a blind walkthrough).
    Validated as a new subscription is."""
    unknown = set(changes) - {"trends", "query", "categories", "exclude", "size", "feed"}
    if unknown:
        raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
    sub = get_subscription(db, name, user=user)
    check_may_change(sub, user)
    was_fed = sub.feed
    fields = {"trends": sub.trends, "query": sub.query, "categories": sub.categories, "exclude": sub.exclude,
              "size": sub.size, "feed": sub.feed, **changes}
    checked = make_subscription(sub.name, valid_trends=known_trends(home), emails=(), **fields)
    reads = PaperReads(db)
    sub.trends, sub.query, sub.exclude, sub.size, sub.feed = (checked.trends, checked.query, checked.exclude,
                                                               checked.size, checked.feed)
    sub.categories = unique([reads.category_spelling(c) or c for c in checked.categories])
    store = SubscriptionStore(db)
    feed_back = checked.feed and not was_fed
    store.set_definition(sub)
    if feed_back:  # a feed turned off and on again gets a new address: switching off after a leak and later on
        sub.feed_salt = store.new_feed_salt(sub.id)  # again reopened the leaked one (a blind security review)
    return sub


def own_address(db: sqlite_utils.Database, user: Actor) -> str | None:
    """The user's account address (set by an admin or verified by their identity provider), None without one."""
    account = Accounts(db).get(user.name)
    return account.email if account is not None and account.email else None


def add_addresses(db: sqlite_utils.Database, name: str | Subscription, emails: Sequence[str], *,
                  user: Actor = OWNER, confirmed: bool = False) -> tuple[Subscription, list[str]]:
    """Add addresses to an existing subscription of `user` (lab-wide ones: admins). They await the operator's
    confirmation as in a new subscription, but for the user's own account address (`confirmed=True`: the
    operator adds them, as `subscriptions add --email` by an admin). Returns the subscription as it is now and
    the addresses added (those it already held are left out)."""
    store = SubscriptionStore(db)
    sub = name if isinstance(name, Subscription) else get_subscription(db, name, user=user)
    check_may_change(sub, user)
    given = [validate_address(e) for e in emails if e.strip()]
    if not given:
        raise TrendscopeError("give at least one email address")
    held, new = {a.lower() for a in sub.emails}, []
    for a in given:  # one mailbox once, however its letters are cased
        if a.lower() not in held:
            held.add(a.lower())
            new.append(a)
    mine = (own_address(db, user) or "").lower()
    sub.emails = [*sub.emails, *new]
    sub.pending = [*sub.pending, *(a for a in new if a.lower() != mine and not confirmed)]
    store.set_recipients(sub.id, sub.emails, sub.pending)
    return sub, new


TOPIC_PREFIX = "topic: "  # how a followed rising topic's subscription is named


def follow_topic(db: sqlite_utils.Database, home: Home | None, topic: str, *, user: Actor = OWNER,
                 emails: Sequence[str] = (), size: int = 10, confirmed: bool = False,
                 also: Sequence[str] = ()) -> Subscription:
    """Follow a rising topic like a trend: a subscription "topic: NAME" whose saved query is the topic's name and
    the other names it is written with (`topic_query`), so each week's digest lists the papers about it (the query
    digest's relevance floor)."""
    name = f"{TOPIC_PREFIX}{checked_line(topic, 'topic', 200)}"[:80].rstrip()
    return add_subscription(db, home, name, query=topic_query(topic, also), emails=emails, size=size,
                            confirmed=confirmed, user=user)


def pending_addresses(db: sqlite_utils.Database, name: str, *, user: Actor = OWNER) -> list[str]:
    """The unconfirmed addresses of subscription `name`, for an admin about to confirm them."""
    user.require_admin("confirming addresses")
    return list(get_subscription(db, name, user=user).pending)


def confirm_addresses(db: sqlite_utils.Database, name: str, email: str | None = None, *,
                      user: Actor = OWNER) -> list[str]:
    """An admin confirms the pending addresses of subscription `name` (all, or just `email`; another user's
    subscription as `owner/name`); returns the addresses confirmed now (empty when none was pending)."""
    user.require_admin("confirming addresses")
    sub = get_subscription(db, name, user=user)
    if email is not None:
        addr = validate_address(email).lower()
        if addr not in {a.lower() for a in sub.emails}:
            raise TrendscopeError(f"{email} is not an address of the subscription {quoted(sub.command_name)}")
        now = [a for a in sub.pending if a.lower() == addr]
    else:
        now = list(sub.pending)
    if now:
        done = {a.lower() for a in now}
        SubscriptionStore(db).set_recipients(sub.id, sub.emails, [a for a in sub.pending if a.lower() not in done])
    return now


def unsubscribe(db: sqlite_utils.Database, token_or_name: str, email: str | None = None, *,
                user: Actor = OWNER) -> tuple[Subscription, str]:
    """Remove an address from a subscription; the subscription stays. Returns it as it is now and the address.

    `token_or_name`: the token of one recipient's mail (`Subscription.token_for`: it names the address, so
    `email` may be left out, and when given must be that address), or the subscription's own token (mails of
    earlier versions: whoever holds it) or its name (among `user`'s), both with `email`."""
    store = SubscriptionStore(db)
    key = (token_or_name or "").strip().lower()
    found = [(s, a) for s in store.all() if s.token for a in [*s.emails, *s.pending] if s.token_for(a) == key]
    if found:
        sub, addr = found[0]
        if email is not None and validate_address(email).lower() != addr.lower():
            raise TrendscopeError(f"the token {token_or_name.strip()!r} is the unsubscribe token of another address "
                                  f"of {quoted(sub.command_name)}, not of {email.strip()}")
    else:
        by_token = store.by_token(key)
        sub = by_token or _find(store, (token_or_name or "").strip(), user)
        if sub is None:
            # a second request for the same address read as a bad token (a blind walkthrough)
            raise TrendscopeError(f"no subscription or recipient with the token or name {token_or_name!r} (an "
                                  "address already removed is no longer known by its token)")
        if email is None:
            raise TrendscopeError(f"{token_or_name.strip()!r} names the subscription {quoted(sub.command_name)}, not "
                                  "one address: give the address to remove too")
        addr = validate_address(email)
        if by_token is None and addr.lower() != (own_address(db, user) or "").lower():
            # by name, anyone but the owner (an admin for a lab-wide one) removes only their own address: a
            # student took colleagues off the lab's digest (a blind lab-admin walkthrough)
            check_may_change(sub, user)
        if addr.lower() not in {a.lower() for a in sub.emails}:
            raise TrendscopeError(f"{email} is not an address of the subscription {quoted(sub.command_name)}")
    gone = addr.lower()
    sub.emails = [a for a in sub.emails if a.lower() != gone]
    sub.pending = [a for a in sub.pending if a.lower() != gone]
    store.set_recipients(sub.id, sub.emails, sub.pending)
    return sub, addr


def list_subscriptions(db: sqlite_utils.Database, *, user: Actor = OWNER) -> list[Subscription]:
    """`user`'s subscriptions and the lab-wide ones."""
    return SubscriptionStore(db).of([user.name, LAB])


def all_subscriptions(db: sqlite_utils.Database) -> list[Subscription]:
    """Every user's subscriptions: what the weekly run (the operator's job) builds and sends."""
    return SubscriptionStore(db).all()


def _find(store: SubscriptionStore, name: str, user: Actor) -> Subscription | None:
    """`user`'s subscription `name`, else the lab-wide one; an admin may name anyone's as `owner/name`."""
    key = unicodedata.normalize("NFC", (name or "").strip())  # as stored (`make_subscription`)
    sub = store.get(key, user.name) or store.get(key, LAB)
    if sub is None and user.admin and "/" in key:
        owner, _, rest = key.partition("/")
        sub = store.get(rest.strip(), owner.strip().lower())
    return sub


def get_subscription(db: sqlite_utils.Database, name: str, *, user: Actor = OWNER) -> Subscription:
    store = SubscriptionStore(db)
    sub = _find(store, name, user)
    if sub is None:
        # an admin naming another user's subscription bare ("confirm tts" for ana/tts: a blind walkthrough)
        others = [s.command_name for s in store.all() if s.name.lower() == (name or "").strip().lower()
                  and s.owner not in (user.name, LAB)] if user.admin else []
        if not others:  # "mechanistic interpretability" for the "search: mechanistic interpretability" that Follow
            wanted = (name or "").strip().lower()  # this search named (a blind walkthrough)
            others = [s.name for s in store.of([user.name, LAB]) if wanted and wanted in s.name.lower()]
        hint = f" (did you mean {' or '.join(quoted(o) for o in others[:3])}?)" if others else ""
        raise TrendscopeError(f"no subscription named {quoted(name)}{hint}")
    return sub


def stored_subscription(db: sqlite_utils.Database, name: str | Subscription, *, user: Actor = OWNER) -> Subscription:
    """`user`'s subscription `name` (as `get_subscription` finds it), or the Subscription as the app listed it,
    read again: still stored, and the user's or lab-wide (anyone's for an admin)."""
    if not isinstance(name, Subscription):
        return get_subscription(db, name, user=user)
    sub = SubscriptionStore(db).get(name.name, name.owner)
    if sub is None or sub.id != name.id or (sub.owner not in (user.name, LAB) and not user.admin):
        raise TrendscopeError(f"no subscription named {quoted(name.name)}")
    return sub


def may_change(sub: Subscription, user: Actor) -> bool:
    """The owner changes a subscription and sees its addresses and token; a lab-wide one, only admins."""
    return sub.owner == user.name or user.admin


def shown_to(sub: Subscription, user: Actor, app_url: str | None = None) -> dict:
    """`sub.to_json()` as `user` may see it: to a reader who may not change it (a lab-wide subscription seen by a
    non-admin) how many addresses, not which, and no unsubscribe token (`subscriptions list --json` gave a student
    every address and the token that removes any of them: a blind lab-admin walkthrough). `app_url`: the app's
    address ([app] url) the feed's address is given under (the path alone without it)."""
    out = sub.to_json()
    # the feed's web address the app serves (`digest/feed_address.py`): a key, as the token is
    out["feed_address"] = feed_address(sub, app_url)
    if not may_change(sub, user):
        out.update(emails=[], pending=[], unsubscribe_token=None, email_count=len(sub.emails), feed_address=None)
    return out


def check_may_change(sub: Subscription, user: Actor) -> None:
    if not may_change(sub, user):
        user.require_admin(f"changing the {'lab-wide ' if sub.lab_wide else ''}subscription {quoted(sub.command_name)}")


def remove_subscription(db: sqlite_utils.Database, name: str | Subscription, *, user: Actor = OWNER,
                        home: Home | None = None) -> bool:
    """Delete a subscription (by name among `user`'s, or the Subscription as listed) with its delivery records,
    and, given the `home`, its Atom feed file (it stayed behind, served with its old papers for ever: a blind
    walkthrough). Whether a feed file was deleted."""
    sub = stored_subscription(db, name, user=user)
    check_may_change(sub, user)
    SubscriptionStore(db).remove(sub.name, sub.owner)
    path = feed_path(home, sub) if home is not None else None
    if path is None or not path.exists():
        return False
    path.unlink(missing_ok=True)
    return True


def deliveries(db: sqlite_utils.Database, name: str, *, user: Actor = OWNER) -> list[Delivery]:
    sub = get_subscription(db, name, user=user)
    return SubscriptionStore(db).deliveries(sub.id)


def unsent_deliveries(db: sqlite_utils.Database) -> list[tuple[str, Delivery]]:
    """(subscription name, delivery) of every mail to a confirmed address of a subscription that failed, or started
    and never finished: `status` lists them (a failed weekly send showed only in the cron job's exit code: a blind
    walkthrough). A send retries those of the RETRY_WEEKS weeks before the week it sends."""
    store = SubscriptionStore(db)
    subs = {s.id: s for s in store.all()}
    return [(subs[d.subscription_id].name, d) for d in store.deliveries()
            if d.status in ("failed", "pending") and d.subscription_id in subs
            and d.target in subs[d.subscription_id].confirmed_emails]


def mailing(db: sqlite_utils.Database, address: str, *, besides: str | None = None) -> list[Subscription]:
    """The subscriptions (of owners other than `besides`) that mail `address`, case-insensitively: removing a user
    stopped their own digests but not a lab-wide one that still mailed them (a blind lab-admin walkthrough)."""
    addr = address.strip().lower()
    return [s for s in SubscriptionStore(db).all()
            if s.owner != besides and addr in {a.lower() for a in s.confirmed_emails}]


def owned_count(db: sqlite_utils.Database, owner: str) -> int:
    """How many subscriptions `owner` has (what `users remove` reports)."""
    return SubscriptionStore(db).owned_count(owner)


def default_query_scorer(db: sqlite_utils.Database, home: Home) -> QueryScorer | None:
    """The index stage's hybrid search (None when it cannot run: keyword search through FTS5 then)."""
    return SearchQueryScorer.create(db, home)


def build(db: sqlite_utils.Database, home: Home, name: str | Subscription, week: str | None = None,
          query_scorer: QueryScorer | None = None, *, user: Actor = OWNER,
          topics: Callable[[str, str], list[dict]] | None = None) -> Digest:
    """The digest of subscription `name` (one of `user`'s, or the Subscription itself) for `week` (default: the
    last complete ISO week). `topics(trend, month start)`: rising topics already at hand (the app's cache);
    None computes them."""
    sub = name if isinstance(name, Subscription) else get_subscription(db, name, user=user)
    week = parse_week(week) if week else last_complete_week()
    app_url = load_app_url(home.config_path)  # [app] url: each paper links to its page in the app too
    scorer = query_scorer if query_scorer is not None else (default_query_scorer(db, home) if sub.query else None)
    digest = build_digest(
        db,
        sub,
        week,
        context=WeekContext(SubscriptionStore(db), week, taxonomy_path=home.taxonomy_path, topics=topics),
        query_scorer=scorer,
    )
    digest.app_url = app_url
    return digest


def render(digest: Digest, fmt: str, sender: str | None = None, operator: str | None = None,
           recipients_hidden: bool = False) -> bytes:
    """The digest as md | html (standalone, chart as data: URI) | atom | text | eml (the MIME email) bytes.

    `recipients_hidden`: the email as a reader who may not see the subscription's addresses downloads it, to a
    placeholder address and without the subscription's unsubscribe token (a lab-wide subscription's `.eml` held
    its first recipient and the token that unsubscribes any address: a blind lab-admin walkthrough)."""
    if fmt == "md":
        return render_markdown(digest).encode("utf-8")
    if fmt == "html":
        return render_html(digest).encode("utf-8")
    if fmt == "atom":
        return digest_atom(digest)
    if fmt == "text":
        return render_text(digest).encode("utf-8")
    if fmt == "eml":
        if recipients_hidden:
            digest = replace(digest, subscription=replace(digest.subscription, token=None, emails=[]))
        to = digest.subscription.emails[0] if digest.subscription.emails else "reader@example.org"
        sender = sender or SmtpConfig.sender
        return bytes(build_message(digest, sender, to, message_id_for(sender), operator=operator))
    raise TrendscopeError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def summary(digest: Digest) -> tuple[str, str, str, list[str]]:
    """(title, subtitle, summary heading, one sentence per trend line) as plain text, for the app's preview."""
    return summary_text(digest)


def likely(paper: DigestPaper) -> str:
    """"94% likely about it": how sure the digest is that a paper is about its trend (for the app's preview)."""
    return likely_text(paper)


def app_url(home: Home) -> str | None:
    """Where the lab's app is served (`[app] url` or TRENDSCOPE_APP_URL; None: digests link to arXiv alone); a
    TrendscopeError naming the file or variable when the address is bad."""
    return load_app_url(home.config_path)


def mail_configured(home: Home) -> bool:
    """Whether the data home names a mail server (`[smtp] host` or TRENDSCOPE_SMTP_HOST); a broken setting counts
    as named (the settings check reports it)."""
    from .smtp_config import load_smtp_config

    try:
        return load_smtp_config(home.config_path).configured
    except TrendscopeError:
        return True


def config_warnings(home: Home, mailing: bool = True) -> list[str]:
    """Warnings about the data home's config.toml (a password others can read) for the CLI and the app, which
    show them (so reading the SMTP settings afterwards does not log them again), and, when mail is to go out
    (`mailing`), a mail server set without a sender address."""
    return shown_config_warnings(home.config_path) + (sender_warnings(home.config_path) if mailing else [])


def feed(db: sqlite_utils.Database, name: str, home: Home | None = None, *, user: Actor = OWNER) -> bytes:
    """The subscription's Atom feed as the weekly run writes it (every paper issued to it, newest week first)."""
    labels = trend_labels(home.taxonomy_path if home else None)
    app_url = load_app_url(home.config_path) if home else None
    return feed_bytes(SubscriptionStore(db), get_subscription(db, name, user=user), labels, app_url)
