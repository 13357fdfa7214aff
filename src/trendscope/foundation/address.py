"""Addresses: the one email check every stage applies where an address enters (subscriptions, accounts), and
whether a server address stays on this machine (`serve` and the app's sign-in gate)."""
from __future__ import annotations

import ipaddress
import re
from email import errors, policy
from email.message import EmailMessage

from .errors import TrendscopeError

_ADDR_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)



def validate_address(addr: str) -> str:
    """A bare email address (local@domain), stripped; anything else is refused with a TrendscopeError. The domain
    has a dot (or is `localhost`): "x@y" was taken and mailed (a blind walkthrough)."""
    a = (addr or "").strip()
    if len(a) > 254 or not _ADDR_RE.fullmatch(a) or ".." in a or a.startswith(".") or "@." in a:
        several = a.count("@") > 1 and re.search(r"[;\s]", a)  # "a@x.org; b@y.org" typed as one (a walkthrough)
        raise TrendscopeError(f"not a valid email address: {addr!r}"
                              + (" (one address each: separate them with commas)" if several else ""))
    domain = a.rsplit("@", 1)[1]
    if "." not in domain and domain.lower() != "localhost":
        raise TrendscopeError(f"not a valid email address: {addr!r} (its domain {domain!r} has no dot)")
    if not _mailable(a):
        raise TrendscopeError(f"not a valid email address: {addr!r} (a mail header cannot carry it as written)")
    return a


def _mailable(addr: str) -> bool:
    """Whether a To header holding `addr` reads back as that one address, as the mailer checks every header: an
    encoded word ("=?utf-8?q?a?=@b.co") was taken here and refused at every send (a security walkthrough)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["To"] = addr
    got = msg["To"]
    return (not any(isinstance(d, errors.InvalidHeaderDefect) for d in got.defects)
            and [a.addr_spec for a in got.addresses] == [addr])


def split_addresses(typed) -> list[str]:
    """Addresses as typed: each text may hold several, separated by commas or semicolons (as mail clients take
    them; `--email "a@x.org, b@y.org"` was refused by the CLI while its hint said to separate them with commas)."""
    texts = [typed] if isinstance(typed, str) or typed is None else list(typed)
    return [e.strip() for t in texts for e in re.split(r"[,;]", t or "") if e.strip()]


def is_loopback_host(host: str | None) -> bool:
    """True for `localhost` and loopback IP addresses (127.0.0.0/8, ::1, bracketed or not); False for anything
    else, wildcards ("0.0.0.0", "::", "") and unknown values included."""
    h = (host or "").strip().strip("[]")
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False
