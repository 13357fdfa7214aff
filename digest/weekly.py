"""The weekly run: build each subscription's digest, email it to every target not yet served, write its feed.

Delivery rules:
- a (subscription, week, address) is recorded 'sent' only after the SMTP server accepted the message;
- a failure is recorded ('failed', attempts, last error) and retried by the next run, for up to
  RETRY_WEEKS weeks after the digest's week, with the same Message-ID (a new one when the sender's domain
  changed since) and the same (frozen) papers;
- a rerun never sends a delivery that is already 'sent';
- only confirmed addresses are mailed: an address added in the app waits for the operator's
  `trendscope subscriptions confirm` (counted as `unconfirmed` in the result);
- one run at a time (a file lock in the data home), so the scheduler and the CLI can't double-send.
"""
from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlite_utils
from filelock import FileLock, Timeout

from trendscope.accounts.users import Accounts
from trendscope.foundation.actor import LAB, LOCAL_OWNER
from trendscope.foundation.clock import last_complete_week, parse_week, shift_week, week_bounds, week_of
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.files import atomic_write
from trendscope.foundation.home import Home
from trendscope.foundation.progress import progress_bar
from trendscope.foundation.text import slug
from trendscope.foundation.wording import count, quoted

from .app_link import load_app_url
from .atom_feed import render_atom
from .content import QueryScorer, build_digest, explain, paper_from_row, trend_labels
from .mail_message import build_message
from .mailer import DeliveryError, SmtpFactory, connect, message_id_for, send_message
from .model import Digest, Subscription
from .query import SearchQueryScorer
from .smtp_config import SmtpConfig, load_smtp_config
from .subscription_store import SubscriptionStore
from .week_context import FtsQueryScorer, WeekContext, partial_week_end

log = logging.getLogger(__name__)

RETRY_WEEKS = 4
FEED_ENTRIES = 100
ATOM = "atom"


@dataclass
class WeeklyResult:
    """What one weekly run did."""

    week: str
    digests: int = 0          # digests built
    papers: int = 0           # papers in them
    sent: int = 0             # emails accepted by the server in this run
    failed: int = 0           # emails that failed in this run (retried next run)
    already_sent: int = 0     # deliveries skipped because they were sent before
    retried_weeks: list[str] = field(default_factory=list)
    feeds_written: int = 0    # feed files written or changed
    unconfirmed: int = 0      # addresses skipped because the operator has not confirmed them yet
    errors: list[str] = field(default_factory=list)
    broken: int = 0           # subscriptions whose digest could not be built (each named in `errors`)
    unconfirmed_in: list[str] = field(default_factory=list)  # the subscriptions holding them, as commands name them
    orphaned: list[str] = field(default_factory=list)  # subscriptions of removed users: not built, mailed nor fed
    empty_week: bool = False  # the database holds no paper of the week: nothing issued, mailed or fed
    not_mailed_empty: list[str] = field(default_factory=list)  # digests with no new paper: not mailed
    corpus_ends: str | None = None  # the newest stored paper's day, when it falls before the week's Friday

    def summary(self) -> str:
        s = (f"week {self.week}: {count(self.digests, 'digest')}, {count(self.papers, 'paper')}; "
             f"emails sent {self.sent}, "
             f"failed {self.failed}, already sent {self.already_sent}; feeds written {self.feeds_written}")
        if self.retried_weeks:
            s += f"; retried weeks {', '.join(sorted(set(self.retried_weeks)))}"
        if self.broken:
            s += f"; {self.broken} subscription{'s' if self.broken != 1 else ''} could not be built"
        if self.unconfirmed:
            names = self.unconfirmed_in
            # one command per subscription (only the first was named, as if it were the only one: a walkthrough)
            how = "; ".join(f"`trendscope subscriptions confirm {shlex.quote(n)}`" for n in names[:5]) or \
                "`trendscope subscriptions confirm NAME`"
            s += (f"; {self.unconfirmed} unconfirmed address{'es' if self.unconfirmed != 1 else ''} skipped, in "
                  f"{', '.join(quoted(n) for n in names)} (see them with `trendscope subscriptions list --all`, "
                  f"confirm with {how})")
        if self.not_mailed_empty:
            s += f"; no new paper for {', '.join(quoted(n) for n in self.not_mailed_empty)}: not mailed"
        if self.corpus_ends and not self.empty_week:
            # a week whose papers stop mid-week was issued with "1 paper this week (5.3% of 19)" for good, without
            # a word (a blind walkthrough); its later papers come in the next digest, marked as late
            s += (f"; the newest stored paper is from {self.corpus_ends}, inside {self.week}: its digests count only "
                  "the papers up to then (is ingest behind? see `trendscope status`); later ones of the week come "
                  "in the next digest")
        if self.empty_week:
            s += (f"; the database holds no paper published in {self.week}: nothing was issued or mailed for it "
                  "(is ingest failing? see `trendscope status`); a later run issues it once papers are in")
        if self.orphaned:
            s += (f"; {count(len(self.orphaned), 'subscription')} of removed users skipped "
                  f"({', '.join(repr(n) for n in self.orphaned)}: kept stored; adding the user again resumes them)")
        return s


def feed_slug(name: str) -> str:
    """File name stem for a subscription's feed: lower-case letters, digits and dashes."""
    return slug(name)


def feed_path(home: Home, sub: Subscription) -> Path:
    return home.feeds_dir / f"{feed_slug(sub.name)}-{sub.id}.xml"


def feed_bytes(store: SubscriptionStore, sub: Subscription, labels: dict[str, str] | None = None,
               app_url: str | None = None, self_url: str | None = None) -> bytes:
    """The subscription's Atom feed: every paper issued to it (newest weeks first, at most FEED_ENTRIES), those
    its mail named under "Less sure" marked so; `labels` (trend id -> label) names the trends as readers see them;
    `app_url`: the lab's app ([app] url)."""
    items = store.issued_items(sub.id, FEED_ENTRIES)
    rows = store.papers_by_ids([i.arxiv_id for i in items])
    tags = store.tags_for([r["pk"] for r in rows.values()])
    entries = []
    for item in items:
        r, week = rows.get(item.arxiv_id), item.week
        if r is not None:
            paper = paper_from_row(r, tags.get(r["pk"], {}))
            paper.trend_labels = [(labels or {}).get(t, t) for t in paper.trends]
            paper.less_sure, paper.confidence = item.less_sure, item.confidence
            published = week_of(date.fromisoformat(r["published"][:10])) if r.get("published") else week
            if not paper.less_sure:  # noted as in the mail (a walkthrough), which notes it of listed papers
                paper.late_week = published if published < week else None
            entries.append((paper, week, item.recorded_at))
    papers = [p for p, _, _ in entries]
    if sub.trends and papers:  # why each is listed, as in the mail
        explain(store, sub, papers, labels or {})
    listed = [(p, w) for p, w, _ in entries if not p.less_sure]
    if sub.query and listed:  # found by meaning alone, as the mail says (the feed did not: a walkthrough)
        weeks = [week_bounds(w) for _, w in listed]
        start = min(b[0] for b in weeks) - timedelta(days=14)  # late papers: published up to 2 weeks before
        end = max(b[1] for b in weeks) + timedelta(days=1)
        holding = {pk for pk, _, _ in FtsQueryScorer(store).matches(sub.query, start.isoformat(), end.isoformat())}
        for p, _ in listed:
            p.by_meaning = rows[p.id]["pk"] not in holding
    return render_atom(sub, entries, self_url=self_url, app_url=app_url)


def write_feed(home: Home, store: SubscriptionStore, sub: Subscription, app_url: str | None = None) -> bool:
    """Write the feed file atomically; False when it already had this content."""
    path = feed_path(home, sub)
    data = feed_bytes(store, sub, trend_labels(home.taxonomy_path), app_url)
    if path.exists() and path.read_bytes() == data:
        return False
    atomic_write(path, data)
    return True


class _Mailer:
    """Sends one digest to its addresses that are not served yet, recording every attempt."""

    def __init__(self, store: SubscriptionStore, cfg: SmtpConfig | None, cfg_error: str | None,
                 connector: SmtpFactory, now: datetime, result: WeeklyResult):
        self.store, self.cfg, self.cfg_error = store, cfg, cfg_error
        self.connector, self.now, self.result = connector, now, result

    def pending(self, sub: Subscription, week: str) -> list[str]:
        """The confirmed addresses not served yet this week."""
        waiting = len(sub.emails) - len(sub.confirmed_emails)
        self.result.unconfirmed += waiting
        if waiting:
            self.result.unconfirmed_in.append(sub.command_name)
        out = []
        for addr in sub.confirmed_emails:
            d = self.store.delivery(sub.id, week, addr)
            if d is not None and d.status == "sent":
                self.result.already_sent += 1
            else:
                out.append(addr)
        return out

    def deliver(self, digest: Digest, addrs: Sequence[str]) -> None:
        sub, week = digest.subscription, digest.week
        for addr in addrs:
            prior = self.store.delivery(sub.id, week, addr)
            sender = self.cfg.sender if self.cfg else SmtpConfig.sender
            operator = self.cfg.operator_address if self.cfg else None
            mid = message_id_for(sender, prior.message_id if prior else None)
            self.store.begin_attempt(sub.id, week, addr, mid)
            try:
                if self.cfg is None:
                    raise DeliveryError(self.cfg_error or "SMTP is not configured")
                try:
                    msg = build_message(digest, sender, addr, mid, self.now, operator=operator)
                except ValueError as exc:  # a header that would not survive (render.build_message checks each)
                    raise DeliveryError(f"cannot build the message: {exc}") from exc
                send_message(self.cfg, msg, addr, self.connector)
            except DeliveryError as exc:
                # recorded in the result, which `digest --send` and the scheduler print (logged as a warning too,
                # each failure was printed twice: a blind walkthrough)
                log.info("digest %r week %s to %s failed: %s", sub.name, week, addr, exc)
                self.store.finish_attempt(sub.id, week, addr, str(exc))
                self.result.failed += 1
                self.result.errors.append(f"{sub.name} {week} {addr}: {exc}")
            else:
                self.store.finish_attempt(sub.id, week, addr, None)
                self.result.sent += 1


def run_weekly(
    db: sqlite_utils.Database,
    home: Home,
    week: str | None = None,
    send: bool = True,
    *,
    subscriptions: Sequence[str] | None = None,
    now: datetime | None = None,
    connector: SmtpFactory = connect,
    smtp_config: SmtpConfig | None = None,
    query_scorer: QueryScorer | None = None,
    progress: bool = False,
    lock_timeout: float = 60.0,
) -> WeeklyResult:
    """Build, send and publish each subscription's digest for `week` (default: the last complete ISO week).

    Also retries failed emails of the RETRY_WEEKS weeks before. `send=False` builds and writes feeds only.
    """
    now = now or datetime.now(UTC)
    week = parse_week(week) if week else last_complete_week(now)
    sunday = week_bounds(week)[1]
    if sunday >= now.date():  # an issued week's paper list is fixed for good: an unfinished one would stay short
        raise TrendscopeError(f"week {week} is not over yet: its digests can be issued from "
                              f"{(sunday + timedelta(days=1)).isoformat()}")
    home.ensure()
    try:
        with FileLock(str(home.lock_path("digest")), timeout=lock_timeout):
            return _run(db, home, week, send, subscriptions, now, connector, smtp_config, query_scorer, progress)
    except Timeout as exc:
        raise TrendscopeError("another digest run is in progress (lock held on digest.lock)") from exc


def owner_removed(sub: Subscription, accounts: Accounts) -> bool:
    """Whether the subscription's owner was an account that has been removed: its digests and its feed stop (the
    subscription stays stored; adding the account again resumes them)."""
    return sub.owner not in (LOCAL_OWNER, LAB) and not accounts.exists(sub.owner)


def _run(db, home, week, send, names, now, connector, smtp_config, query_scorer, progress) -> WeeklyResult:
    store = SubscriptionStore(db)
    app_url = load_app_url(home.config_path)  # a bad [app] url is refused before anything is sent
    subs = store.all()
    if names:  # a name, or OWNER/NAME as `subscriptions list --all` names another user's (it was refused)
        wanted = {n.lower() for n in names}
        missing = wanted - {s.name.lower() for s in subs} - {s.command_name.lower() for s in subs}
        if missing:
            raise TrendscopeError(f"no subscription named {', '.join(sorted(missing))}")
        subs = [s for s in subs if s.name.lower() in wanted or s.command_name.lower() in wanted]
    result = WeeklyResult(week=week)
    newest = store.newest_published()
    if newest and newest < week_bounds(week)[0].isoformat():
        # no paper of the week at all, whether or not a subscription would have found it out (with none, the run
        # said "the newest stored paper is from 2026-07-01, inside 2026-W49": a blind walkthrough)
        result.empty_week = True
    else:
        result.corpus_ends = partial_week_end(newest, week)
    cfg, cfg_error = smtp_config, None
    if send and cfg is None and any(s.confirmed_emails for s in subs):
        # a bad setting is refused before anything is issued, as a bad [app] url is (a typo "prot = 8025" issued
        # the week, wrote the feeds and then failed every mail: a blind walkthrough); no SMTP host at all is a
        # failed delivery, retried once one is set
        cfg = load_smtp_config(home.config_path)
        if not cfg.configured:
            cfg, cfg_error = None, "SMTP is not configured (set [smtp] host in config.toml or TRENDSCOPE_SMTP_HOST)"
    if query_scorer is None and any(s.query for s in subs):
        query_scorer = SearchQueryScorer.create(db, home)
    mailer = _Mailer(store, cfg, cfg_error, connector, now, result)
    contexts: dict[str, WeekContext] = {}
    # a removed user's subscriptions stay stored (adding the user again gives them back) but get no mail or feed
    # (a blind walkthrough: `users remove bo` and bo's digests still went out)
    accounts = Accounts(db)
    gone = [s for s in subs if owner_removed(s, accounts)]
    result.orphaned = [s.command_name for s in gone]
    subs = [s for s in subs if s not in gone]

    def digest_for(sub: Subscription, wk: str) -> Digest:
        ctx = contexts.setdefault(wk, WeekContext(store, wk, taxonomy_path=home.taxonomy_path))
        digest = build_digest(db, sub, wk, context=ctx, query_scorer=query_scorer)
        digest.app_url = app_url
        return digest

    # a bar on a terminal, occasional lines in a log ("digests 2026-W48: 0sub [00:00, ?sub/s]" in cron mail)
    with progress_bar(len(subs), f"digests {week}", "subscription", enabled=progress) as bar:
        for sub in subs:
            _issue(sub, week, send, store, mailer, digest_for, home, app_url, result)
            bar.update(1)
    log.info(result.summary())
    return result


def _issue(sub: Subscription, week: str, send: bool, store: SubscriptionStore, mailer: _Mailer, digest_for,
           home: Home, app_url: str | None, result: WeeklyResult) -> None:
    """Build one subscription's digest for `week`, record its issue, mail it, retry older failures, write its feed."""
    addrs = mailer.pending(sub, week) if send else []
    try:
        digest = digest_for(sub, week)
    except TrendscopeError as exc:  # one broken subscription (a query stored by an older version) spares the rest
        result.errors.append(f"subscription {quoted(sub.command_name)}: {exc}")
        result.broken += 1
        log.error("subscription %r: %s", sub.name, exc)
        return
    result.digests += 1
    result.papers += len(digest.papers)
    if digest.total_week_papers == 0:
        # no paper of the week is stored at all: the corpus is behind (ingest failing), not the week quiet.
        # Nothing is issued (an issued week is fixed for good) and nobody is mailed "0 papers this week"
        result.empty_week = True
    else:
        if addrs or sub.feed:
            # with the papers it names under "Less sure": its feed shows them as the mail does (a week of only those
            # was mailed and its feed showed nothing)
            store.record_issue(sub.id, week, [p.id for p in digest.papers],
                               [(p.id, p.confidence) for p in digest.less_sure])
        # an email each week saying "no new papers" is noise (a blind walkthrough); one naming the likeliest papers
        # the list left out is not (weeks of only "Less sure" papers were never mailed: a blind walkthrough)
        if digest.empty and not digest.less_sure and addrs:
            result.not_mailed_empty.append(sub.command_name)
        else:
            mailer.deliver(digest, addrs)
    if send:
        _retry_older(store, mailer, sub, week, digest_for, result)
    if sub.feed and not result.empty_week:
        if write_feed(home, store, sub, app_url):
            result.feeds_written += 1
        if store.delivery(sub.id, week, ATOM) is None:
            store.begin_attempt(sub.id, week, ATOM, None)
            store.finish_attempt(sub.id, week, ATOM, None)


def _retry_older(store, mailer: _Mailer, sub: Subscription, week: str, digest_for, result: WeeklyResult) -> None:
    oldest = shift_week(week, -RETRY_WEEKS)
    todo: dict[str, list[str]] = {}
    for d in store.deliveries(sub.id):
        if (d.target != ATOM and d.status != "sent" and oldest <= d.week < week
                and d.target in sub.confirmed_emails):
            todo.setdefault(d.week, []).append(d.target)
    for wk, addrs in sorted(todo.items()):
        result.retried_weeks.append(wk)
        mailer.deliver(digest_for(sub, wk), addrs)
