"""Accounts: the Python API the CLI (`trendscope users ...`) and the app's sign-in call.

    accounts = Accounts(db)
    accounts.add("ana", email="ana@lab.example", password="...", admin=False)
    actor = accounts.sign_in("ana", "...")          # an Actor, or TrendscopeError (slowed down after failures)
    token = accounts.start_session(actor.name)       # kept by the browser session; only its SHA-256 is stored
    accounts.session_actor(token)                    # the Actor while the session lives, else None

Passwords are hashed with argon2id (argon2-cffi) and never stored, logged or echoed. A failed sign-in costs
`FAILURE_DELAY` seconds, and from the `FREE_FAILURES`-th failure on within `FAILURE_WINDOW` the name is refused
without checking the password for a growing wait (doubling up to `MAX_LOCKOUT`). Unknown names and wrong
passwords get the same answer after the same work, so sign-in does not tell which names exist.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from trendscope.foundation.actor import LOCAL_OWNER, SHARE_WITH_ALL, Actor, check_user_name
from trendscope.foundation.address import validate_address
from trendscope.foundation.clock import utc_now, utc_now_iso
from trendscope.foundation.errors import TrendscopeError

from .user_store import UserRow, UserStore

log = logging.getLogger(__name__)

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
FAILURE_DELAY = 1.0
FREE_FAILURES = 3
FAILURE_WINDOW = timedelta(minutes=15)
MAX_LOCKOUT = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=12)
SESSION_MAX = timedelta(days=7)
SIGN_IN_REFUSED = "wrong user name or password"


@dataclass
class UserInfo:
    """An account as `users list` shows it (never the hash)."""

    name: str
    email: str | None
    admin: bool
    password: bool  # can sign in with a password
    created: str

    def actor(self) -> Actor:
        return Actor(self.name, admin=self.admin)


def _info(row: UserRow) -> UserInfo:
    return UserInfo(row.name, row.email, row.admin, row.password_hash is not None, row.created)


_DUMMY_HASHES: dict[tuple, str] = {}  # hasher settings -> a hash of a random password (`_dummy_verify`)


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise TrendscopeError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise TrendscopeError(f"a password holds at most {MAX_PASSWORD} characters")
    if password != password.strip() or any(ord(c) < 32 for c in password):
        raise TrendscopeError("a password cannot start or end with spaces or contain control characters")
    return password


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Users, password sign-in with throttling, and sessions. `clock` and `sleep` are injected for tests."""

    def __init__(self, db: sqlite_utils.Database, *, clock: Callable[[], datetime] = utc_now,
                 sleep: Callable[[float], None] = time.sleep, hasher: PasswordHasher | None = None):
        self.store = UserStore(db)
        self.clock = clock
        self.sleep = sleep
        self.hasher = hasher or PasswordHasher()

    # -- users ---------------------------------------------------------------------------------
    def users(self) -> list[UserInfo]:
        return [_info(r) for r in self.store.all()]

    def get(self, name: str) -> UserInfo | None:
        row = self.store.get((name or "").strip().lower())
        return _info(row) if row else None

    def actor(self, name: str) -> Actor:
        """The Actor of an existing account (TrendscopeError naming the known accounts otherwise)."""
        user = self.get(check_user_name(name))
        if user is None:
            known = ", ".join(u.name for u in self.users())
            raise TrendscopeError(f"no user named {name!r} (users: {known}); an admin adds one with "
                                  "`trendscope users add NAME --email ADDRESS`")
        return user.actor()

    def exists(self, name: str) -> bool:
        return self.store.get((name or "").strip().lower()) is not None

    def check_new(self, name: str, email: str | None = None) -> tuple[str, str | None]:
        """(user name, address) as a new account would store them; one error line when either is not valid or
        taken. `add` checks the same; a caller asking for a password checks first, so no one types it in vain."""
        name = check_user_name(name)
        addr = validate_address(email) if email else None
        if name in SHARE_WITH_ALL:  # `lists share L everyone` shares with every user: no one can be named so
            raise TrendscopeError(f"{name!r} cannot be a user name: it means every user when a list is shared")
        if self.store.get(name) is not None:
            raise TrendscopeError(f"a user named {name!r} already exists")
        if addr and (holder := self.store.by_email(addr)) is not None:
            raise TrendscopeError(f"{addr} is already the address of user {holder.name!r}")
        return name, addr

    def add(self, name: str, *, email: str | None = None, password: str | None = None, admin: bool = False,
            by: Actor | None = None) -> UserInfo:
        """Create an account (`by`: who asks; must be an admin when given)."""
        if by is not None:
            by.require_admin("adding users")
        name, addr = self.check_new(name, email)
        digest = self.hasher.hash(check_password(password)) if password is not None else None
        row = UserRow(name, addr, digest, bool(admin), utc_now_iso(self.clock()))
        self.store.add(row)
        if addr:  # an account given the address of a removed one: its domain sign-in works again
            self.store.forget_removed_email(addr)
        log.info("user %s added (admin=%s, password=%s)", name, admin, digest is not None)
        return _info(row)

    def remove(self, name: str, *, by: Actor | None = None) -> None:
        self.store.remove(self.removable(name, by=by).name)

    def removable(self, name: str, *, by: Actor | None = None) -> Actor:
        """The account `remove` would remove, or the TrendscopeError it would raise: asked before "Remove user
        'owner'?" (a confirmation for what was then refused: a blind walkthrough)."""
        if by is not None:
            by.require_admin("removing users")
        user = self.actor(name)
        if user.name == LOCAL_OWNER:  # the CLI acts as it without --user: removed, every plain command failed
            raise TrendscopeError(f"{LOCAL_OWNER!r} is the local owner, who runs the CLI without --user, and cannot "
                                  f"be removed; `trendscope users passwd {LOCAL_OWNER} --clear` takes away its "
                                  "password (no sign-in as it), `users admin` gives admin to others")
        if user.admin and self.store.admins() == [user.name]:
            raise TrendscopeError(f"{user.name} is the last admin: make another user admin first "
                                  "(`trendscope users add NAME --admin` or `users admin NAME`)")
        return user

    def set_password(self, name: str, password: str | None, *, by: Actor | None = None) -> None:
        """Set (or, with None, clear) a password; every session of the account ends. Users may change their own;
        admins anyone's. An empty password is refused as too short, not a clearing one (an empty line on standard
        input removed a password, and with the last one every visitor became the owner: a blind walkthrough)."""
        user = self.actor(name)
        if by is not None and by.name != user.name:
            by.require_admin("setting another user's password")
        digest = None if password is None else self.hasher.hash(check_password(password))
        self.store.set_password_hash(user.name, digest)
        self.store.clear_failures(user.name)

    def set_admin(self, name: str, admin: bool, *, by: Actor | None = None) -> None:
        if by is not None:
            by.require_admin("changing who is admin")
        user = self.actor(name)
        if not admin and user.admin and self.store.admins() == [user.name]:
            raise TrendscopeError(f"{user.name} is the last admin")
        self.store.set_admin(user.name, admin)

    def set_email(self, name: str, email: str | None, *, by: Actor | None = None) -> None:
        user = self.actor(name)
        if by is not None and by.name != user.name:
            by.require_admin("changing another user's email")
        addr = validate_address(email) if email else None
        other = self.store.by_email(addr) if addr else None
        if other is not None and other.name != user.name:
            raise TrendscopeError(f"{addr} is already the address of user {other.name!r}")
        self.store.set_email(user.name, addr)
        if addr:
            self.store.forget_removed_email(addr)

    def password_sign_in_configured(self) -> bool:
        """True once any account has a password: the app then asks everyone to sign in."""
        return self.store.count_with_password() > 0

    # -- password sign-in ------------------------------------------------------------------------
    def retry_after(self, name: str) -> float:
        """Seconds before `name` may try again (0 when it may now)."""
        now = self.clock()
        return self._wait(self.store.failures_since(name, utc_now_iso(now - FAILURE_WINDOW)), now)

    def _wait(self, fails: list[str], now: datetime) -> float:
        if len(fails) < FREE_FAILURES:
            return 0.0
        wait = min(timedelta(seconds=2 ** (len(fails) - FREE_FAILURES) * 15), MAX_LOCKOUT)
        last = datetime.fromisoformat(fails[-1].replace("Z", "+00:00"))
        return max(0.0, (last + wait - now).total_seconds())

    def sign_in(self, name: str, password: str) -> Actor:
        """The account's Actor when the password matches; TrendscopeError otherwise (the same message for an
        unknown name and a wrong password; slowed down after failures)."""
        key = (name or "").strip().lower()[:64]
        now = self.clock()
        wait = self.store.attempt(key, utc_now_iso(now), utc_now_iso(now - FAILURE_WINDOW),
                                  lambda fails: self._wait(fails, now))
        if wait > 0:
            raise TrendscopeError(f"too many failed sign-ins for {key!r}: try again in {int(wait) + 1} s")
        row = self.store.get(key) if key else None
        ok = False
        if row is not None and row.password_hash and isinstance(password, str) and len(password) <= MAX_PASSWORD:
            try:
                ok = self.hasher.verify(row.password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if ok and self.hasher.check_needs_rehash(row.password_hash):
                self.store.set_password_hash(row.name, self.hasher.hash(password))
        else:
            self._dummy_verify(password)
        if not ok:  # the attempt is counted already (`attempt`)
            log.warning("failed sign-in for %r", key)
            self.sleep(FAILURE_DELAY)
            raise TrendscopeError(SIGN_IN_REFUSED)
        self.store.clear_failures(key)
        self.store.clear_failures("", before=utc_now_iso(self.clock() - FAILURE_WINDOW))
        return Actor(row.name, admin=row.admin)

    def _dummy_verify(self, password) -> None:
        """The same argon2 work as a real check, so timing does not reveal unknown names. The stand-in hash is made
        once per process and hasher settings: the app opens `Accounts` anew on every run, and hashing it each time
        made an unknown name take twice as long as a wrong password (a blind walkthrough)."""
        h = self.hasher
        settings = tuple(getattr(h, a, None) for a in ("time_cost", "memory_cost", "parallelism", "hash_len"))
        if settings not in _DUMMY_HASHES:
            _DUMMY_HASHES[settings] = h.hash(secrets.token_hex(8))
        try:
            h.verify(_DUMMY_HASHES[settings], str(password)[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass

    # -- sessions ----------------------------------------------------------------------------------
    def start_session(self, name: str) -> str:
        """A new session token for an account (kept by the caller; only its SHA-256 is stored)."""
        user = self.actor(name)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.store.add_session(_sha(token), user.name, utc_now_iso(now), utc_now_iso(now + SESSION_MAX))
        return token

    def session_actor(self, token: str | None) -> Actor | None:
        """The Actor of a live session; None when unknown, idle longer than SESSION_IDLE or past SESSION_MAX
        (the session is then ended)."""
        if not token:
            return None
        sha = _sha(token)
        row = self.store.session(sha)
        if row is None:
            return None
        user, _started, last_seen, expires = row
        now = self.clock()
        now_iso = utc_now_iso(now)
        seen = datetime.fromisoformat(last_seen.replace("Z", "+00:00"))
        if expires <= now_iso or now - seen > SESSION_IDLE:
            self.store.end_session(sha)
            return None
        account = self.store.get(user)
        if account is None:
            return None
        if (now - seen).total_seconds() > 60:  # at most one write a minute per session
            self.store.touch_session(sha, now_iso)
        return Actor(account.name, admin=account.admin)

    def end_session(self, token: str | None) -> None:
        if token:
            self.store.end_session(_sha(token))

    # -- OpenID Connect ------------------------------------------------------------------------------
    def oidc_actor(self, email: str | None, *, verified: object, domains: tuple[str, ...] = (),
                   holds_data: Callable[[str], bool] = lambda name: False) -> Actor:
        """The account of someone the identity provider signed in: the user with that email, or, when the
        email's domain is in `domains` (config `[auth] oidc_domains`), a new account named after the email.
        Anyone else is refused with a line saying what an admin must do.

        `verified` is the provider's `email_verified` claim as it came: only a JSON true (or the string "true",
        which some providers send) counts. A missing claim, "false", 0 or anything else is unverified: an email
        the provider did not check must never pick an account (a blind walkthrough signed in as an admin with
        "email_verified": "false", and with the claim left out).

        `holds_data(name)`: whether a removed account of that name left lists, subscriptions or shares; a new
        account is never given such a name (a newcomer whose address began like a removed member's got the
        member's private lists and notes, and their feeds answered again: a blind walkthrough)."""
        if not email or not email_claim_verified(verified):
            raise TrendscopeError("the identity provider did not give a verified email address: ask an admin")
        addr = validate_address(email)
        row = self.store.by_email(addr)
        if row is not None:
            return Actor(row.name, admin=row.admin)
        domain = addr.rsplit("@", 1)[1].lower()
        removed = self.store.removed_account_of(addr)
        if removed is not None:  # `users remove` must end access: the domain made the account again at the next
            raise TrendscopeError(  # page load, lists and subscriptions back (a blind walkthrough)
                f"the account of {addr} ({removed!r}) was removed by an admin: an admin adds it back with "
                f"`trendscope users add {removed} --email {addr}`")
        if domain not in {d.lower().lstrip("@") for d in domains}:
            raise TrendscopeError(f"{addr} has no Trendscope account here: an admin adds it with "
                                  f"`trendscope users add NAME --email {addr}`")
        base = "".join(c if c.isalnum() or c in "._-" else "-" for c in addr.split("@")[0].lower())[:36] or "user"
        base = base.lstrip("._-") or "user"
        name, n = base, 1
        while (self.store.get(name) is not None or name == LOCAL_OWNER or name in SHARE_WITH_ALL
               or holds_data(name)):
            n += 1
            name = f"{base}{n}"
        self.add(name, email=addr)
        log.info("account %s created for %s at first sign-in", name, addr)
        return Actor(name, admin=False)


def email_claim_verified(value: object) -> bool:
    """Whether an OpenID Connect `email_verified` claim says yes: the JSON value true, or the string "true"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
