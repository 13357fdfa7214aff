"""The sign-in gate: who uses this browser session, decided by the entry script before any page runs.

- No sign-in configured (no password account, no OpenID Connect provider in the data home's secrets.toml):
  the app runs as the local owner, as a single-user install always did, but only while the server listens on
  a loopback address (`trendscope serve` refuses any other address, and this gate checks again).
- `trendscope serve --no-auth` (TRENDSCOPE_NO_AUTH=1): everyone is the owner, under a banner saying so.
- Otherwise everyone signs in: with a password (built-in accounts) or with an OpenID Connect provider
  (`st.login`; the provider's verified email picks the account, Streamlit keeps the sign-in in its own
  HttpOnly cookie).

A password sign-in gets a random session token: kept in this browser session's state and in a cookie
(`trendscope_session`: SameSite=Strict, Secure over https, Max-Age the session's maximum age) so a reload or a
new tab stays signed in. Streamlit cannot set HttpOnly cookies from a script run, so a small script sets it;
the database keeps only the token's SHA-256, and the session ends when idle, at its maximum age, on sign-out
or on a new password, whatever the browser still holds.
"""
from __future__ import annotations

import os

import streamlit as st

from trendscope.foundation.actor import OWNER, Actor
from trendscope.foundation.address import is_loopback_host
from trendscope.foundation.errors import TrendscopeError
from trendscope.ui.app import state
from trendscope.ui.app.text import literal_inline, safe_inline

SESSION_KEY = "ts_session"
COOKIE = "trendscope_session"
COOKIE_KEY = "ts_cookie"  # "clear": the next run clears the cookie (an ended session)
NO_AUTH_ENV = "TRENDSCOPE_NO_AUTH"
NO_AUTH_BANNER = ("**Sign-in is off** (`trendscope serve --no-auth`): anyone who reaches this address reads and "
                  "changes every reading list and subscription as the owner.")


def holds_data(db, name: str) -> bool:
    """Whether a (removed) account named `name` left reading data (lists, shares, passage notes, thumbs) or
    subscriptions: an account made at a first sign-in is not given it (`Accounts.oidc_actor`; passage notes were
    handed over: a review)."""
    from trendscope.digest.api import owned_count
    from trendscope.reading.lists import ReadingLists

    return ReadingLists(db).holds_data(name) or bool(owned_count(db, name))


def _accounts():
    from trendscope.accounts.users import Accounts

    return Accounts(state.db())


def _oidc():
    from trendscope.accounts.sign_in_config import read_oidc_settings

    return read_oidc_settings(state.home().secrets_path)


def gate() -> Actor:
    """The Actor of this session; renders the sign-in page and stops the run when nobody is signed in."""
    if os.environ.get(NO_AUTH_ENV) == "1":
        st.warning(NO_AUTH_BANNER, icon=":material/lock_open:")
        return OWNER
    try:
        oidc = _oidc()
    except TrendscopeError as exc:
        st.error(f"Sign-in is misconfigured: {safe_inline(str(exc))}")
        st.stop()
    accounts = _accounts()
    password = accounts.password_sign_in_configured()
    if oidc is None and not password:
        if not is_loopback_host(st.get_option("server.address")):
            st.error("This server listens beyond this machine but no sign-in is configured: add accounts "
                     "(`trendscope users add NAME --email ADDRESS`) or OpenID Connect (docs/accounts.md), or start "
                     "it with `trendscope serve --no-auth`.")
            st.stop()
        return OWNER
    if oidc is not None and not _oidc_ready():
        # secrets.toml written (or given [auth]) after the server started: Streamlit reads it only at start, and
        # st.user then has no is_logged_in (every page showed a traceback, password sign-in included)
        st.warning("OpenID Connect sign-in was configured after the server started: restart `trendscope serve` "
                   "to offer it.", icon=":material/restart_alt:")
        oidc = None
        if not password:
            st.stop()
    who = None
    if oidc is not None and st.user.is_logged_in:
        from trendscope.accounts.sign_in_config import oidc_domains

        try:
            who = accounts.oidc_actor(st.user.get("email"), verified=st.user.get("email_verified"),
                                      domains=oidc_domains(state.home().config_path),
                                      holds_data=lambda name: holds_data(accounts.store.db, name))
        except TrendscopeError as exc:
            st.error(f"Signed in with the identity provider, but {safe_inline(str(exc))}")
            st.button("Sign out", on_click=st.logout)
            st.stop()
        st.session_state["ts_signed_in_with"] = "oidc"
    if who is None:
        token = st.session_state.get(SESSION_KEY) or _cookie_token()
        who = accounts.session_actor(token)
        if who is not None:
            st.session_state[SESSION_KEY] = token
        elif token:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state[COOKIE_KEY] = "clear"
            st.session_state.setdefault("ts_sign_in_note", "Your session ended: sign in again.")
    if who is None:
        _remember_requested_page()
        _sign_in_page(accounts, oidc, password)
        st.stop()
    _state_of(who)
    token = st.session_state.get(SESSION_KEY)
    if token and _cookie_token() != token:
        # written on every run until the browser sends it: a run cut short (a page that reruns or switches on its
        # first load) dropped the script before it ran, and a sign-in on any page but the start page did not last
        # past the next page load (a blind walkthrough: 9 times in 10)
        _write_cookie(token)
    _signed_in_sidebar(who)
    return who


AFTER_SIGN_IN = "ts_after_sign_in"  # (page key, query parameters) asked for before signing in
STATE_OF = "ts_state_of"  # the user whose page state the tab's session holds
_KEPT_ACROSS_USERS = frozenset({SESSION_KEY, COOKIE_KEY, "ts_signed_in_with", "ts_sign_in_note"})


def _state_of(who: Actor) -> None:
    """Forget what the tab's session holds of another user before `who`'s pages run: changes made after a session
    ended (a note typed, a status picked, a paper removed: kept for the page's run to save) were saved in the next
    user's list of that name when someone else signed in on the tab, the first user's note with them; and that
    user's last list, dismissed recommendations and asked-for page carried over (a blind walkthrough)."""
    held = st.session_state.get(STATE_OF)
    if held is not None and held != who.name:
        _forget_page_state()
    st.session_state[STATE_OF] = who.name


def _forget_page_state() -> None:
    for key in list(st.session_state.keys()):
        if key not in _KEPT_ACROSS_USERS:
            del st.session_state[key]


def _remember_requested_page() -> None:
    """The page (and its parameters) the browser asked for, e.g. a digest's link to `/paper?id=...`, so that the
    first run after a password sign-in goes there instead of the start page."""
    if AFTER_SIGN_IN in st.session_state:
        return
    from urllib.parse import urlsplit

    from trendscope.ui.app.navigation import PAGES

    try:
        path = urlsplit(st.context.url or "").path
    except Exception:  # noqa: BLE001 - no request behind this run (tests)
        path = ""
    key = path.rstrip("/").rsplit("/", 1)[-1]
    if key in {p.key for p in PAGES}:
        st.session_state[AFTER_SIGN_IN] = (key, st.query_params.to_dict())


def resume_requested_page(current_key: str) -> None:
    """After signing in: switch to the page asked for before it (once), when this run is on another one."""
    wanted = st.session_state.pop(AFTER_SIGN_IN, None)
    if wanted and wanted[0] != current_key:
        from trendscope.ui.app.navigation import page_path

        st.switch_page(page_path(wanted[0]), query_params=wanted[1] or None)


def _oidc_ready() -> bool:
    """Whether Streamlit loaded sign-in settings when the server started (st.user knows is_logged_in)."""
    try:
        st.user.is_logged_in  # noqa: B018 - raises AttributeError when Streamlit started without [auth]
    except AttributeError:
        return False
    return True


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no request behind this run (tests)
        return None
    return value if isinstance(value, str) and 20 <= len(value) <= 100 else None


def _write_cookie(token: str | None) -> None:
    """Set (or, with None, clear) the session cookie of this app's origin, from a script in a same-origin iframe
    (`st.iframe`; Streamlit before it had `components.v1.html`, deprecated since 2026-06-01)."""
    from trendscope.accounts.users import SESSION_MAX

    value = token if token and token.replace("-", "").replace("_", "").isalnum() else ""
    age = int(SESSION_MAX.total_seconds()) if value else 0
    script = ("<script>const p = window.parent; const secure = p.location.protocol === 'https:' ? '; Secure' : '';"
              f"p.document.cookie = '{COOKIE}={value}; Path=/; SameSite=Strict; Max-Age={age}' + secure;</script>")
    if hasattr(st, "iframe"):
        st.iframe(script, height="content")
    else:
        import streamlit.components.v1 as components

        components.html(script, height=0)


def _sign_in_page(accounts, oidc, password: bool) -> None:
    st.title("Sign in to Trendscope")
    if st.session_state.pop(COOKIE_KEY, None) == "clear":
        _write_cookie(None)
    note = st.session_state.pop("ts_sign_in_note", None)
    if note:
        st.info(note)
    if oidc is not None:
        for provider in oidc.providers:
            label = oidc.labels.get(provider, provider)
            if st.button(f"Sign in with {label}", key=f"login_{provider}", type="primary",
                         icon=":material/login:"):
                st.login() if provider == "default" else st.login(provider)
    if password:
        with st.form("sign_in"):
            name = st.text_input("User name", key="sign_in_name", autocomplete="username")
            secret = st.text_input("Password", type="password", key="sign_in_password",
                                   autocomplete="current-password")
            if st.form_submit_button("Sign in", icon=":material/login:"):
                try:
                    who = accounts.sign_in(name, secret)
                except TrendscopeError as exc:
                    st.error(safe_inline(str(exc)))
                else:
                    st.session_state[SESSION_KEY] = accounts.start_session(who.name)
                    st.session_state.pop("sign_in_password", None)
                    st.rerun()
        st.caption("No account yet? An admin adds one with `trendscope users add NAME --email ADDRESS`.")


def sign_out() -> None:
    _forget_page_state()  # nothing of this user's pages stays on the tab for whoever signs in next
    if st.session_state.get("ts_signed_in_with") == "oidc":
        st.session_state.pop("ts_signed_in_with", None)
        st.logout()
        return
    _accounts().end_session(st.session_state.pop(SESSION_KEY, None))
    st.session_state[COOKIE_KEY] = "clear"
    st.session_state["ts_sign_in_note"] = "You signed out."


def _signed_in_sidebar(who: Actor) -> None:
    with st.sidebar:
        st.caption(f"Signed in as **{literal_inline(who.name)}**{' (admin)' if who.admin else ''}")
        st.button("Sign out", key="sign_out", on_click=sign_out, icon=":material/logout:")
