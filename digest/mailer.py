"""SMTP delivery: connecting as configured (`smtp_config`: config.toml [smtp] or TRENDSCOPE_SMTP_* variables),
sending, Message-IDs.

TLS: `auto` upgrades with STARTTLS whenever the server offers it (a certificate that does not verify is an
error, never a fallback to cleartext); `starttls` requires it; `ssl` is TLS from the first byte. A password is
never sent over a connection without TLS unless `allow_plaintext_auth = true`.

No user-controlled text reaches a header unchecked: addresses must match a strict pattern (no display names,
no CR/LF), display names must not hold RFC 2047 encoded words, and subjects are made single-line and inert
(`text.header_text`).
"""
from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from trendscope.foundation.address import validate_address

from .smtp_config import PLAINTEXT_AUTH_REFUSED, SmtpConfig

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The SMTP server could not be reached or did not accept the message (recorded, retried next run)."""


def _id_domain(sender: str) -> str:
    _, addr = parseaddr(sender)
    return (addr.rsplit("@", 1)[-1] if "@" in addr else "trendscope.local")[:60]


def message_id_for(sender: str, earlier: str | None = None) -> str:
    """A new Message-ID in the sender's domain, short enough never to be folded; or `earlier` (a retry's first
    Message-ID) while it is still in that domain. A mail that failed before SMTP was set up was retried under
    "@localhost.localdomain" once the real sender was configured (a blind walkthrough)."""
    domain = _id_domain(sender)
    if earlier and earlier.lower().endswith(f"@{domain.lower()}>"):
        return earlier
    return f"<{int(time.time())}.{secrets.token_hex(8)}@{domain}>"


def _tls_context(cfg: SmtpConfig) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cfg.cafile) if cfg.cafile else ssl.create_default_context()


SmtpFactory = Callable[[SmtpConfig], smtplib.SMTP]


def connect(cfg: SmtpConfig) -> smtplib.SMTP:
    """An SMTP session, TLS set up and logged in as configured.

    `auto` upgrades with STARTTLS whenever the server offers it; a password goes out only over TLS unless
    `allow_plaintext_auth` is set (else a DeliveryError, before the password leaves this machine)."""
    if not cfg.configured:
        raise DeliveryError("SMTP is not configured (set [smtp] host in config.toml or TRENDSCOPE_SMTP_HOST)")
    if cfg.user and cfg.tls == "none" and not cfg.allow_plaintext_auth:
        raise DeliveryError(PLAINTEXT_AUTH_REFUSED.format(host=cfg.host, port=cfg.port, why='tls = "none"'))
    if cfg.tls == "ssl":
        smtp = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=_tls_context(cfg))
    else:
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    try:
        smtp.ehlo()
        encrypted = cfg.tls == "ssl"
        if cfg.tls == "starttls" or (cfg.tls == "auto" and smtp.has_extn("starttls")):
            smtp.starttls(context=_tls_context(cfg))
            smtp.ehlo()
            encrypted = True
        if cfg.user:
            if not encrypted and not cfg.allow_plaintext_auth:
                raise DeliveryError(PLAINTEXT_AUTH_REFUSED.format(host=cfg.host, port=cfg.port,
                                                                  why="the server offers no STARTTLS"))
            smtp.login(cfg.user, cfg.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_message(cfg: SmtpConfig, msg: EmailMessage, recipient: str, connector: SmtpFactory = connect) -> None:
    """Send `msg` to one recipient; returns only when the server accepted it, else raises DeliveryError."""
    recipient = validate_address(recipient)
    _, envelope_from = parseaddr(str(msg["From"]))
    try:
        smtp = connector(cfg)
        try:
            refused = smtp.send_message(msg, from_addr=envelope_from, to_addrs=[recipient])
            if refused:
                raise DeliveryError(f"recipient refused: {refused}")
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except DeliveryError:
        raise
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # which server: "Connection refused" alone
        raise DeliveryError(f"SMTP server {cfg.host}:{cfg.port} ({cfg.tls}): {type(exc).__name__}: {exc}") from exc


def make_test_mail(cfg: SmtpConfig, recipient: str) -> EmailMessage:
    """A short test message from the configured sender to `recipient`."""
    msg = EmailMessage()
    msg["Subject"] = "Trendscope test mail"
    msg["From"] = cfg.sender
    msg["To"] = validate_address(recipient)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = message_id_for(cfg.sender)
    msg.set_content("This is a test mail from Trendscope. Your SMTP settings work.\n")
    return msg


def deliver_test_message(cfg: SmtpConfig, recipient: str, connector: SmtpFactory = connect) -> str:
    """Send a short test message; returns its Message-ID (raises DeliveryError on failure). The low-level
    sender: `api.send_test_mail` is the one that limits it to the operator and rate-limits it."""
    msg = make_test_mail(cfg, recipient)
    send_message(cfg, msg, recipient, connector)
    return str(msg["Message-ID"])
