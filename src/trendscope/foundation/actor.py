"""Who is acting: the signed-in user (or the CLI's `--user`), as every stage that keeps per-user rows sees it.

The accounts stage decides who someone is (passwords, OpenID Connect, sessions); the reading and digest stages
only need the name and whether that user administers the lab. Both travel as one `Actor`.

- `LOCAL_OWNER` ("owner") is the account of a single-user install: the CLI acts as it by default, the app
  runs as it on 127.0.0.1 when no sign-in is configured, and data written before accounts existed belongs to it.
- `LAB` ("*") owns the lab-wide subscriptions (managed by admins, readable by every user) and, as a share
  grantee, means "every signed-in user".
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import TrendscopeError
from .wording import quoted

LOCAL_OWNER = "owner"
LAB = "*"
SHARE_WITH_ALL = ("everyone", "all")  # how `lists share` names LAB; no account may take these names
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")


def check_user_name(name: str) -> str:
    """A user name, lower-cased: 1-40 of a-z 0-9 . _ - (starting with a letter or digit); TrendscopeError else."""
    n = (name or "").strip().lower()
    if not _NAME_RE.match(n):
        raise TrendscopeError(f"not a user name: {quoted(name or '')} "
                              "(1-40 characters: letters, digits, '.', '_' or '-')")
    return n


@dataclass(frozen=True)
class Actor:
    """A user acting through the app, the CLI or the Python API."""

    name: str = LOCAL_OWNER
    admin: bool = True

    def require_admin(self, what: str) -> None:
        if not self.admin:
            raise TrendscopeError(f"{what} is for admins only ({self.name} is not an admin)")


OWNER = Actor(LOCAL_OWNER, admin=True)
