"""SQL of the accounts stage: users, sign-in sessions and failed sign-ins.

Tables (migration set "trendscope.accounts"):
  users           one row per account: name (lower case), email, argon2 hash of the password (NULL: signs in
                  through the identity provider only, or not at all), admin flag
  auth_sessions   one row per signed-in browser session: SHA-256 of its token (the token itself is never
                  stored), user, when it started, was last seen and expires
  auth_failures   one row per failed sign-in (the name tried and when): what slows the next attempts down
The local owner account (`owner`, admin, no password) exists from the first migration on: data written before
accounts existed belongs to it.
This is the only module of `accounts/` that knows SQL.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.actor import LOCAL_OWNER
from trendscope.foundation.clock import utc_now_iso
from trendscope.foundation.db import apply_migrations, write_transaction

migrations = Migrations("trendscope.accounts")


@migrations()
def m001_users_sessions(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,                 -- lower case, see foundation.actor.check_user_name
            email TEXT UNIQUE COLLATE NOCASE,
            password_hash TEXT,                    -- argon2id; NULL: no password sign-in
            admin INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL
        )
        """
    )
    db.execute("INSERT INTO users (name, email, password_hash, admin, created) VALUES (?, NULL, NULL, 1, ?)",
               [LOCAL_OWNER, utc_now_iso()])
    db.execute(
        """
        CREATE TABLE auth_sessions (
            token_sha256 TEXT PRIMARY KEY,
            user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
            started TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            expires TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE TABLE auth_failures (id INTEGER PRIMARY KEY, name TEXT NOT NULL, at TEXT NOT NULL)")
    db.execute("CREATE INDEX auth_failures_name ON auth_failures(name, at)")


@migrations()
def m002_removed_emails(db: sqlite_utils.Database) -> None:
    """The addresses of removed accounts: `[auth] oidc_domains` must not make them again at the next sign-in."""
    db.execute("CREATE TABLE removed_emails (email TEXT PRIMARY KEY COLLATE NOCASE, name TEXT NOT NULL, "
               "removed TEXT NOT NULL)")


@dataclass
class UserRow:
    name: str
    email: str | None
    password_hash: str | None
    admin: bool
    created: str


def _user(row) -> UserRow:
    return UserRow(row[0], row[1], row[2], bool(row[3]), row[4])


_COLUMNS = "name, email, password_hash, admin, created"


class UserStore:
    """Reads and writes the accounts tables."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        apply_migrations(db, migrations)

    # -- users ---------------------------------------------------------------------------------
    def get(self, name: str) -> UserRow | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", [name]).fetchone()
        return _user(row) if row else None

    def by_email(self, email: str) -> UserRow | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM users WHERE email = ?", [email]).fetchone()
        return _user(row) if row else None

    def all(self) -> list[UserRow]:
        return [_user(r) for r in self.db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name")]

    def add(self, user: UserRow) -> None:
        with write_transaction(self.db):
            self.db.conn.execute(f"INSERT INTO users ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                                 [user.name, user.email, user.password_hash, int(user.admin), user.created])

    def set_password_hash(self, name: str, password_hash: str | None) -> None:
        with write_transaction(self.db):
            self.db.conn.execute("UPDATE users SET password_hash = ? WHERE name = ?", [password_hash, name])
            # a new password ends every session of the old one
            self.db.conn.execute("DELETE FROM auth_sessions WHERE user = ?", [name])

    def set_admin(self, name: str, admin: bool) -> None:
        with write_transaction(self.db):
            self.db.conn.execute("UPDATE users SET admin = ? WHERE name = ?", [int(admin), name])

    def set_email(self, name: str, email: str | None) -> None:
        with write_transaction(self.db):
            self.db.conn.execute("UPDATE users SET email = ? WHERE name = ?", [email, name])

    def remove(self, name: str) -> bool:
        with write_transaction(self.db):
            self.db.conn.execute("DELETE FROM auth_sessions WHERE user = ?", [name])
            self.db.conn.execute("INSERT OR REPLACE INTO removed_emails (email, name, removed) SELECT email, name, ? "
                                 "FROM users WHERE name = ? AND email IS NOT NULL", [utc_now_iso(), name])
            return self.db.conn.execute("DELETE FROM users WHERE name = ?", [name]).rowcount > 0

    def removed_account_of(self, email: str) -> str | None:
        """The name of the removed account that had `email`, if one did (and none has it now)."""
        row = self.db.execute("SELECT name FROM removed_emails WHERE email = ?", [email]).fetchone()
        return row[0] if row else None

    def forget_removed_email(self, email: str) -> None:
        """An admin gave the address an account again: domain sign-in may use it again."""
        with write_transaction(self.db):
            self.db.conn.execute("DELETE FROM removed_emails WHERE email = ?", [email])

    def count_with_password(self) -> int:
        return self.db.execute("SELECT count(*) FROM users WHERE password_hash IS NOT NULL").fetchone()[0]

    def admins(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM users WHERE admin = 1 ORDER BY name")]

    # -- sessions --------------------------------------------------------------------------------
    def add_session(self, token_sha256: str, user: str, now: str, expires: str) -> None:
        with write_transaction(self.db):
            self.db.conn.execute("DELETE FROM auth_sessions WHERE expires <= ?", [now])
            self.db.conn.execute(
                "INSERT INTO auth_sessions (token_sha256, user, started, last_seen, expires) VALUES (?, ?, ?, ?, ?)",
                [token_sha256, user, now, now, expires])

    def session(self, token_sha256: str) -> tuple[str, str, str, str] | None:
        """(user, started, last_seen, expires) of a session."""
        return self.db.execute("SELECT user, started, last_seen, expires FROM auth_sessions WHERE token_sha256 = ?",
                               [token_sha256]).fetchone()

    def touch_session(self, token_sha256: str, last_seen: str) -> None:
        with write_transaction(self.db):
            self.db.conn.execute("UPDATE auth_sessions SET last_seen = ? WHERE token_sha256 = ?",
                                 [last_seen, token_sha256])

    def end_session(self, token_sha256: str) -> None:
        with write_transaction(self.db):
            self.db.conn.execute("DELETE FROM auth_sessions WHERE token_sha256 = ?", [token_sha256])

    def end_sessions_of(self, user: str) -> int:
        with write_transaction(self.db):
            return self.db.conn.execute("DELETE FROM auth_sessions WHERE user = ?", [user]).rowcount

    # -- failed sign-ins ---------------------------------------------------------------------------
    def attempt(self, name: str, at: str, since: str, wait: Callable[[list[str]], float]) -> float:
        """Count a sign-in attempt of `name` as a failure before its password is checked (a success clears it), in
        one write transaction with the throttle's reading of the failures since `since`: `wait(failures)` > 0
        refuses the attempt (returned, nothing written). Read before and written after the check, twelve sign-ins
        sent at once were all checked (a blind walkthrough)."""
        with write_transaction(self.db):
            seconds = wait(self.failures_since(name, since))
            if seconds <= 0:
                self.db.conn.execute("INSERT INTO auth_failures (name, at) VALUES (?, ?)", [name, at])
        return seconds

    def failures_since(self, name: str, since: str) -> list[str]:
        """Times of the failed sign-ins for `name` after `since`, oldest first."""
        return [r[0] for r in self.db.execute(
            "SELECT at FROM auth_failures WHERE name = ? AND at > ? ORDER BY at", [name, since])]

    def clear_failures(self, name: str, before: str | None = None) -> None:
        """Forget the failures of `name` (all of them), or of everyone before `before`."""
        with write_transaction(self.db):
            if before is None:
                self.db.conn.execute("DELETE FROM auth_failures WHERE name = ?", [name])
            else:
                self.db.conn.execute("DELETE FROM auth_failures WHERE at < ?", [before])
