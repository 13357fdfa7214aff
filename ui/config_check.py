"""Every setting file of a data home checked at once, for `trendscope status` and the app's Status page.

Each stage reads its own settings when it needs them (the digest stage `[smtp]` and `[app]` when it sends, the
app `[auth]` and `secrets.toml` at sign-in, the index stage `taxonomy.toml` when it tags), so a typo used to show
only on the day that stage ran: a Wednesday digest run that sends nothing. This module runs each stage's own
loader on the files as they are now and collects their one-line errors, plus what no loader looks at: a
section of `config.toml` none of them reads (`[smpt]`), and files with secrets that others can read.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.files import read_toml
from trendscope.foundation.home import Home

CONFIG_SECTIONS = ("app", "auth", "smtp")  # what config.toml may hold (docs/digests.md, docs/accounts.md)
AUTH_KEYS = ("oidc_domains",)  # config.toml's [auth] (the sign-in providers live in secrets.toml)


def _read_config(home: Home) -> tuple[dict | None, str | None]:
    """(config.toml as a dict, or None when absent or unreadable; the problem reading it, if any)."""
    try:
        return read_toml(home.config_path) or None, None
    except TrendscopeError as exc:
        return None, str(exc)


UNREAD = "read by nothing"  # the mark of a setting no stage reads (a typo such as [smpt])


def _unread(home: Home, doc: dict | None) -> list[str]:
    """The sections and keys of config.toml that no stage reads (each a typo until shown otherwise)."""
    doc, out = doc or {}, []
    unknown = sorted(k for k in set(doc) - set(CONFIG_SECTIONS) if isinstance(doc[k], dict))
    if unknown:
        out.append(f"{home.config_path}: unknown section(s) {', '.join(f'[{k}]' for k in unknown)}, "
                   f"{UNREAD} (known: {', '.join(f'[{k}]' for k in CONFIG_SECTIONS)})")
    loose = sorted(k for k in doc if not isinstance(doc[k], dict))  # `foo = 1` was called a section
    if loose:  # (a blind walkthrough)
        out.append(f"{home.config_path}: key(s) outside any section: {', '.join(loose)}, {UNREAD} "
                   f"(settings go in {', '.join(f'[{k}]' for k in CONFIG_SECTIONS)})")
    auth = doc.get("auth")
    extra = sorted(set(auth) - set(AUTH_KEYS)) if isinstance(auth, dict) else []
    if extra:
        out.append(f"{home.config_path}: unknown key(s) in [auth]: {', '.join(extra)}, {UNREAD} "
                   f"(known: {', '.join(AUTH_KEYS)}; providers go in {home.secrets_path.name})")
    return out


def refuse_bad_settings(home: Home, what: str) -> None:
    """Raise before `what` (sending the digests) when config.toml holds a section or key no stage reads, or a
    setting the send reads (`[smtp]`, `[app] url`, their TRENDSCOPE_* variables, taxonomy.toml) is refused: a
    misspelt `[smpt]` let `digest --send` issue the week, write its feeds and fail every mail (a blind
    walkthrough), where the docs promise a stop before anything is issued. Every problem at once, in one line: the
    send named only the first of four, one per try (a blind docs audit), while `status` listed them all."""
    problems = config_problems(home, for_send=True)
    if len(problems) == 1:
        raise TrendscopeError(f"{problems[0]}: fix it before {what} (nothing was issued or mailed)")
    if problems:
        raise TrendscopeError(f"{len(problems)} problems in the settings; fix them before {what} (nothing was "
                              f"issued or mailed): " + "; ".join(problems))


def config_problems(home: Home, env: Mapping[str, str] | None = None, *, for_send: bool = False) -> list[str]:
    """One line per problem in the data home's settings (config.toml, secrets.toml, taxonomy.toml and the
    TRENDSCOPE_* variables the stages read); [] when every loader accepts them. `for_send`: only config.toml's
    unread keys and what sending the digests reads (`[smtp]`, `[app] url`, taxonomy.toml)."""
    from trendscope.accounts.sign_in_config import oidc_domains, read_oidc_settings
    from trendscope.digest.app_link import load_app_url
    from trendscope.digest.smtp_config import load_smtp_config
    from trendscope.index.taxonomy import load_taxonomy

    problems: list[str] = []
    doc, unreadable = _read_config(home)
    if unreadable:
        problems.append(unreadable)  # the loaders below would each say it again
    else:
        problems += _unread(home, doc)
    # the digests read the taxonomy (trend labels, digest rules): a broken one let `--send` issue a week, fixed for
    # good, ranked without its digest rules (a blind lab-admin walkthrough)
    checks: list[Callable[[], object]] = [lambda: load_taxonomy(home.taxonomy_path)]
    if not for_send:
        checks.append(lambda: read_oidc_settings(home.secrets_path))
    if not unreadable:
        checks += [lambda: load_smtp_config(home.config_path, env), lambda: load_app_url(home.config_path, env)]
        if not for_send:
            checks.append(lambda: oidc_domains(home.config_path))
    for check in checks:
        try:
            check()
        except TrendscopeError as exc:
            problems += getattr(exc, "problems", None) or [str(exc)]
    return problems


def config_warnings(home: Home) -> list[str]:
    """Files holding secrets that others can read (the SMTP password, the sign-in secrets, the database), and a mail
    server set without a sender address."""
    from trendscope.accounts.sign_in_config import secrets_warnings
    from trendscope.digest.smtp_config import config_file_warnings, sender_warnings

    return (config_file_warnings(home.config_path) + sender_warnings(home.config_path)
            + secrets_warnings(home.secrets_path) + database_mode_warnings(home))


def database_mode_warnings(home: Home) -> list[str]:
    """The database (with its -wal and -shm files) readable by others: it holds password hashes, addresses,
    sessions and unsubscribe tokens. A new home's is its owner's alone; a restore with `cp` under another umask, or
    a home made by an early version, was 644 without a word (an operations walkthrough)."""
    if os.name == "nt":
        return []
    loose = []
    for path in (home.db_path, Path(f"{home.db_path}-wal"), Path(f"{home.db_path}-shm")):
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if mode & 0o007:  # every user of the machine (a group may be given it on purpose)
            loose.append(f"{path} ({mode & 0o777:o})")
    if not loose:
        return []
    return [f"the database holds password hashes, addresses and sessions and every user of this machine may read "
            f"it: {', '.join(loose)}: run `chmod 600 {home.db_path}*`"]
