"""What sign-in the data home configures: password accounts, OpenID Connect providers, allowed domains.

OpenID Connect uses Streamlit's own `st.login`, whose settings live in the data home's `secrets.toml`
(`trendscope serve` hands Streamlit exactly that file):

    [auth]
    redirect_uri = "https://ts.lab.example/oauth2callback"
    cookie_secret = "a long random string"
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"

or one `[auth.NAME]` table per provider (NAME without "_"; the button says "Sign in with Name"). Which emails
may sign in is Trendscope's own setting, in `config.toml`:

    [auth]
    oidc_domains = ["lab.example"]   # anyone with a verified address here gets an account at first sign-in

(without it, only the emails of accounts made with `trendscope users add NAME --email ...`). Problems come back as
one line naming the file and the key.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

from trendscope.foundation.errors import SettingsProblems, TrendscopeError
from trendscope.foundation.files import read_toml

PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
# What Streamlit 1.67 reads from a flat [auth] besides the provider keys (streamlit.auth_util); any other plain
# value there is a typo that Streamlit would ignore ("cookie_secert": sign-in then fails at the first visitor)
AUTH_KEYS = ("redirect_uri", "cookie_secret", "expose_tokens", "client_kwargs", *PROVIDER_KEYS)


@dataclass
class OidcSettings:
    providers: list[str] = field(default_factory=list)  # "default" for a flat [auth], else the [auth.NAME] names
    redirect_uri: str = ""
    labels: dict[str, str] = field(default_factory=dict)  # provider -> the sign-in button's "Sign in with ..."


MIN_COOKIE_SECRET = 32  # characters of [auth] cookie_secret, which signs the OpenID Connect session cookies


def read_oidc_settings(secrets_path: Path) -> OidcSettings | None:
    """The OpenID Connect providers of `secrets.toml` (None when the file or its [auth] is absent); a
    TrendscopeError naming the file and key when a setting Streamlit needs is missing."""
    data = read_toml(Path(secrets_path))
    problems, auth = _sections(data, secrets_path)
    if not isinstance(auth, dict):
        problems += [f"{secrets_path}: [auth] must be a table"] if auth is not None else []
        if len(problems) > 1:
            raise SettingsProblems(problems)
        if problems:
            raise TrendscopeError(problems[0])
        return None
    # every one at once: a misspelt key hid a short cookie_secret until fixed, and a misspelt [auht] every mistake
    # inside it (two walkthroughs)
    for key in ("redirect_uri", "cookie_secret"):
        if not isinstance(auth.get(key), str) or not auth[key].strip():
            problems.append(f"{secrets_path}: [auth] needs {key} (see docs/accounts.md)")
    redirect = auth.get("redirect_uri")
    if isinstance(redirect, str) and redirect.strip() and not redirect.rstrip("/").endswith("/oauth2callback"):
        problems.append(f"{secrets_path}: [auth] redirect_uri must end with /oauth2callback, "
                        f"e.g. https://ts.lab.example/oauth2callback")
    elif isinstance(redirect, str) and redirect.strip() and not _secure_url(redirect.strip()):
        # the provider's one-time code and the session cookie would cross the network in clear (taken without a
        # word: a blind walkthrough); a sign-in on this machine may use plain http
        problems.append(f"{secrets_path}: [auth] redirect_uri must be an https:// address (plain http only on this "
                        f"machine, e.g. http://localhost:8501/oauth2callback), not {redirect.strip()!r}")
    unknown = [k for k, v in auth.items() if k not in AUTH_KEYS and not isinstance(v, dict)]
    meant = {k: close[0] for k in unknown if (close := get_close_matches(k, AUTH_KEYS, n=1))}
    if unknown:
        hint = f"did you mean {meant[unknown[0]]!r}? " if unknown[0] in meant else ""
        problems.append(f"{secrets_path}: [auth] has no setting {unknown[0]!r} ({hint}known: "
                        f"{', '.join(AUTH_KEYS)}; a provider is a table [auth.NAME]; see docs/accounts.md)")
    # "clientid" also read "needs client_id": one line for one typo, as for every other settings file
    misspelt = set(meant.values())
    problems = [p for p in problems if not any(p.endswith(f"needs {k} (see docs/accounts.md)") for k in misspelt)]
    settings = OidcSettings(redirect_uri=redirect if isinstance(redirect, str) else "")
    # client_kwargs = {prompt = "login"} is a table of the flat [auth]'s provider, not a provider of its own
    tables = {k: v for k, v in auth.items() if isinstance(v, dict) and k != "client_kwargs"}
    if any(k in auth for k in PROVIDER_KEYS):
        tables = {"default": auth, **tables}
    for name, table in tables.items():
        if "_" in name:
            problems.append(f"{secrets_path}: [auth.{name}]: provider names cannot contain '_'")
            continue
        where = "[auth]" if name == "default" else f"[auth.{name}]"
        missing = [key for key in PROVIDER_KEYS if not isinstance(table.get(key), str) or not table[key].strip()]
        problems += [f"{secrets_path}: {where} needs {key} (see docs/accounts.md)" for key in missing
                     if not (name == "default" and key in misspelt)]
        url = table.get("server_metadata_url")
        if isinstance(url, str) and url.strip() and not _secure_url(url.strip()):
            # over http a man in the middle hands the app his own provider's keys and endpoints: any sign-in then
            # passes (accepted without a word: a blind lab-admin walkthrough); a provider on this machine may use it
            problems.append(f"{secrets_path}: {where} server_metadata_url must be an https:// address (plain http "
                            f"only on this machine, e.g. http://127.0.0.1:...), not {url.strip()!r}")
            missing.append("server_metadata_url")
        if not missing:
            settings.providers.append(name)
            settings.labels[name] = "your identity provider" if name == "default" else name.capitalize()
    if not tables:
        problems.append(f"{secrets_path}: [auth] has no provider: give client_id, client_secret and "
                        "server_metadata_url (see docs/accounts.md)")
    cookie = auth.get("cookie_secret")
    if isinstance(cookie, str) and cookie.strip() and len(cookie.strip()) < MIN_COOKIE_SECRET:
        # it signs 30-day sessions ("abc" was taken)
        problems.append(f"{secrets_path}: [auth] cookie_secret is {len(cookie.strip())} "
                        f"characters: use a long random string ({MIN_COOKIE_SECRET} or more; "
                        "python -c \"import secrets; print(secrets.token_hex(32))\")")
    if len(problems) == 1:
        raise TrendscopeError(problems[0])
    if problems:
        raise SettingsProblems(problems)
    return settings


def _sections(data: dict, secrets_path: Path) -> tuple[list[str], object]:
    """(problems, the [auth] table to check) of the file's top level: it holds [auth] alone. A section misspelt for
    it ("[auht]", said alone before: its own mistakes showed one fix later, a blind walkthrough) is named and its
    settings still checked, so that every mistake is said at once."""
    problems: list[str] = []
    auth = data.get("auth")
    for key in (k for k in data if k != "auth"):  # `[auht]` left sign-in off without a word (a blind walkthrough)
        meant = isinstance(data[key], dict) and bool(get_close_matches(key.lower(), ["auth"], cutoff=0.5))
        what = (f"no section [{key}]{' (did you mean [auth]?)' if meant else ''}" if isinstance(data[key], dict)
                else f"{key!r} is outside [auth] (write it below the [auth] line)")
        problems.append(f"{secrets_path}: {what}: the file holds [auth] and its providers [auth.NAME] only "
                        "(see docs/accounts.md)")
        if meant and auth is None:
            auth = data[key]
    return problems, auth


def _secure_url(url: str) -> bool:
    """https://, or http:// to a loopback host (a provider on this machine)."""
    from urllib.parse import urlsplit

    from trendscope.foundation.address import is_loopback_host

    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))


def oidc_domains(config_path: Path) -> tuple[str, ...]:
    """`[auth] oidc_domains` of config.toml: email domains whose verified users get an account at first
    sign-in."""
    auth = read_toml(Path(config_path)).get("auth", {})
    domains = auth.get("oidc_domains", []) if isinstance(auth, dict) else None
    if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip() for d in domains):
        raise TrendscopeError(f"{config_path}: [auth] oidc_domains must be a list of domains, "
                              'e.g. oidc_domains = ["lab.example"]')
    return tuple(d.strip().lower().lstrip("@") for d in domains)


def secrets_warnings(secrets_path: Path) -> list[str]:
    """A secrets file others can read holds the client and cookie secrets: say so."""
    try:
        mode = Path(secrets_path).stat().st_mode
    except OSError:
        return []
    if os.name == "nt" or not mode & 0o044:
        return []
    return [f"{secrets_path} holds the sign-in secrets and is readable by others (mode {mode & 0o777:o}): "
            f"run `chmod 600 {secrets_path}`"]
