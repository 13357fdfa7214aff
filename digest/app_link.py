"""Where a lab's Trendscope app is served, so that digests link each paper to its page in the app's reader.

    [app]                                     # in the data home's config.toml
    url = "https://trendscope.lab.example"    # or TRENDSCOPE_APP_URL (which wins)

Without it a digest links to arXiv alone (the abstract and the PDF), as before. The address is checked where it
enters: an http(s) address with a host, no user name or password, no query or fragment, no whitespace, quotes or
control characters; a path is kept (an app served under /trendscope). A bad value is refused in one line that
names the file or the variable it came from. The paper's link is `<url>/paper?id=<arXiv id>` (the app's Paper
page, which reads the id from the address).
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.files import read_toml

ENV_VAR = "TRENDSCOPE_APP_URL"
APP_KEYS = frozenset({"url"})
_UNSAFE = re.compile(r"[\s\"'<>\\`{}|^\x00-\x1f\x7f]")
EXAMPLE = "https://trendscope.lab.example"


def check_app_url(value: object, where: str) -> str:
    """The app's address without a trailing slash, or a TrendscopeError naming `where` (a file or a variable)."""
    if not isinstance(value, str) or not value.strip():
        raise TrendscopeError(f"{where}: must be an http(s) address such as {EXAMPLE}, not {value!r}")
    url = value.strip()
    bad = _UNSAFE.search(url)
    parts = urlsplit(url) if not bad else None
    if bad or parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise TrendscopeError(f"{where}: must be an http(s) address such as {EXAMPLE}, not {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise TrendscopeError(f"{where}: must be the app's address alone (no user name, password, query "
                              f"or #fragment), such as {EXAMPLE}, not {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number or out of range
    except ValueError:
        raise TrendscopeError(f"{where}: bad port in {url!r}") from None
    return url.rstrip("/")


def load_app_url(config_path: str | Path | None, env: Mapping[str, str] | None = None) -> str | None:
    """The `[app] url` of the config file, overridden by TRENDSCOPE_APP_URL; None when neither is set."""
    env = os.environ if env is None else env
    if env.get(ENV_VAR, "").strip():
        return check_app_url(env[ENV_VAR], ENV_VAR)
    if config_path is None:
        return None
    section = read_toml(config_path).get("app")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise TrendscopeError(f"{config_path}: [app] must be a table")
    unknown = sorted(set(section) - APP_KEYS)
    if unknown:
        raise TrendscopeError(f"{config_path}: unknown key(s) in [app]: {', '.join(unknown)} "
                              f"(known: {', '.join(sorted(APP_KEYS))})")
    return check_app_url(section["url"], f"{config_path} [app] url") if "url" in section else None


def paper_link(app_url: str, arxiv_id: str) -> str:
    """The paper's page in the app: `<app_url>/paper?id=<arXiv id>` (the id percent-encoded)."""
    return f"{app_url}/paper?id={quote(arxiv_id, safe='./')}"
