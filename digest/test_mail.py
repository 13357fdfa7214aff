"""Test mails: a short test or a built digest, sent only to the operator's own address (`[smtp] operator`, else
the `from` address), at most TEST_MAIL_LIMIT per TEST_MAIL_WINDOW per data home (counted in the database, across
sessions and restarts), so that the app cannot be used to mail anyone else."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import sqlite_utils

from trendscope.foundation.address import validate_address
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home

from .mail_message import build_message
from .mailer import DeliveryError, make_test_mail, message_id_for, send_message
from .model import Digest
from .smtp_config import SmtpConfig, load_smtp_config
from .subscription_store import SubscriptionStore

TEST_MAIL_LIMIT = 3
TEST_MAIL_WINDOW = timedelta(minutes=10)


def operator_address(cfg: SmtpConfig) -> str:
    """The only address test mails go to: `[smtp] operator`, else the `from` address."""
    if not cfg.operator:
        raise TrendscopeError("test mails go only to the operator: set operator = \"you@example.org\" (or from) "
                              "in the [smtp] section of config.toml, or TRENDSCOPE_MAIL_OPERATOR")
    return cfg.operator


def _send_to_operator(home: Home, recipient: str | None, make: Callable[[SmtpConfig, str], EmailMessage],
                      what: str, db: sqlite_utils.Database | None, now: datetime | None) -> str:
    cfg = load_smtp_config(home.config_path)
    to = operator_address(cfg)
    if recipient is not None and validate_address(recipient).lower() != to.lower():
        raise TrendscopeError(f"{what} goes only to the operator address {to} ([smtp] operator in config.toml); "
                              "to mail someone else, add the address to a subscription and confirm it with "
                              "`trendscope subscriptions confirm`")
    if not cfg.configured:
        raise TrendscopeError("SMTP is not configured (set [smtp] host in config.toml or TRENDSCOPE_SMTP_HOST)")
    msg = make(cfg, to)
    own = db is None
    if own:
        from trendscope.ingest.store import open_database

        db = open_database(home.db_path)
    try:
        store = SubscriptionStore(db)
        now = now or datetime.now(UTC)
        slot, free_at = store.reserve_test_mail(now, TEST_MAIL_WINDOW, TEST_MAIL_LIMIT)
        if slot is None:
            wait = max(1, int((free_at - now).total_seconds() // 60) + 1)
            raise TrendscopeError(f"at most {TEST_MAIL_LIMIT} test mails per "
                                  f"{int(TEST_MAIL_WINDOW.total_seconds() // 60)} minutes from this data home: "
                                  f"try again in {wait} minute{'s' if wait != 1 else ''}")
        try:
            send_message(cfg, msg, to)
        except DeliveryError as exc:
            store.release_test_mail(slot)  # nothing was sent: the attempt does not count
            raise TrendscopeError(f"{what} to {to} failed: {exc}") from exc
        return str(msg["Message-ID"])
    finally:
        if own:
            db.conn.close()


def send_test_mail(home: Home, recipient: str | None = None, *, db: sqlite_utils.Database | None = None,
                   now: datetime | None = None) -> str:
    """Send a short test mail to the operator (a `recipient` other than the operator is refused); rate-limited.
    Returns its Message-ID."""
    return _send_to_operator(home, recipient, make_test_mail, "test mail", db, now)


def send_digest_test(home: Home, digest: Digest, recipient: str | None = None, *,
                     db: sqlite_utils.Database | None = None, now: datetime | None = None) -> str:
    """Mail a built digest to the operator as a test (not recorded as a delivery; a `recipient` other than the
    operator is refused); rate-limited. Returns its Message-ID."""
    def make(cfg: SmtpConfig, to: str) -> EmailMessage:
        try:
            msg = build_message(digest, cfg.sender, to, message_id_for(cfg.sender), operator=to)
        except ValueError as exc:
            raise TrendscopeError(f"cannot build the test digest: {exc}") from exc
        subject = str(msg["Subject"])  # said in the subject: a test looked like the real digest in the inbox
        del msg["Subject"]
        msg["Subject"] = f"[test] {subject}"
        return msg

    return _send_to_operator(home, recipient, make, "test digest", db, now)
