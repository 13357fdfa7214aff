"""Email addresses: the one check every stage applies where an address enters (subscriptions, accounts)."""
from __future__ import annotations

import re

from .errors import TrendscopeError

_ADDR_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)



def validate_address(addr: str) -> str:
    """A bare email address (local@domain), stripped; anything else is refused with a TrendscopeError."""
    a = (addr or "").strip()
    if len(a) > 254 or not _ADDR_RE.fullmatch(a) or ".." in a or a.startswith(".") or "@." in a:
        raise TrendscopeError(f"not a valid email address: {addr!r}")
    return a
