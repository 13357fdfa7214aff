"""`trendscope serve`: run the Streamlit app on this machine, reading the same data home as the CLI."""
from __future__ import annotations

import ipaddress
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from trendscope.foundation.address import is_loopback_host

APP = Path(__file__).resolve().parent.parent / "app" / "launch" / "trendscope_app.py"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
_WILDCARD_BINDS = {"", "0.0.0.0", "::", "[::]"}
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME_RE = re.compile(rf"^(?:\*\.)?{_LABEL}(?:\.{_LABEL})*\.?$")


def check_host_name(value: str) -> str:
    """A host name (optionally `*.` + a domain) or an IP address, as Streamlit's `server.allowedHosts` takes
    it; ValueError for anything else (`*`, URLs, ports, spaces, control characters)."""
    v = (value or "").strip()
    try:
        return str(ipaddress.ip_address(v.strip("[]")))
    except ValueError:
        pass
    if len(v) > 253 or not _HOST_NAME_RE.match(v):
        raise ValueError(f"not a host name or IP address: {value!r} (e.g. ts.lab.example, *.lab.example, 10.0.0.5)")
    return v.lower().rstrip(".")


def served_hosts(host: str, extra: Sequence[str] = ()) -> list[str]:
    """The Host names the server accepts: loopback, the bind address (unless it is a wildcard) and `extra`."""
    out: list[str] = []
    for h in (*LOCAL_HOSTS, *([] if host.strip() in _WILDCARD_BINDS else [host]), *extra):
        h = check_host_name(h)
        if h not in out:
            out.append(h)
    return out


def serve_command(host: str, port: int, allowed_hosts: Sequence[str] = (), secrets: Path | None = None) -> list[str]:
    """The server command line (`streamlit run`'s arguments, through the launcher that starts the warm-up):
    headless, no usage statistics, no file watcher; the WebSocket accepts only the Host names it serves (DNS
    rebinding), with XSRF and CORS protection on."""
    from trendscope.ingest.fulltext import MAX_PDF_BYTES  # here: the CLI's other commands need no PDF reader

    hosts = served_hosts(host, allowed_hosts)
    return [
        sys.executable, "-m", "trendscope.ui.app.server", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--server.enableXsrfProtection", "true",
        "--server.enableCORS", "true",
        *[arg for h in hosts for arg in ("--server.allowedHosts", h)],
        # the uploader says the PDF limit the reader keeps to ("200MB per file", then "over the 50 MB limit": a
        # blind walkthrough); reading-list imports are far smaller
        "--server.maxUploadSize", str(MAX_PDF_BYTES // 1_000_000),
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
        # OpenID Connect settings (st.login) from the data home only, never from ~/.streamlit or the cwd
        *(["--secrets.files", str(secrets)] if secrets is not None else []),
    ]


def _allowed_host_option(ctx, param, values) -> tuple[str, ...]:
    try:
        return tuple(check_host_name(v) for v in values)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


def _proxy_option(ctx, param, values) -> tuple[str, ...]:
    """Each --trusted-proxy as an IP address or network ("127.0.0.1", "10.0.0.0/8")."""
    out = []
    for v in values:
        try:
            out.append(str(ipaddress.ip_network(v.strip(), strict=False)) if "/" in v else
                       str(ipaddress.ip_address(v.strip())))
        except ValueError as exc:
            raise click.BadParameter(f"not an IP address or network: {v!r} (e.g. 127.0.0.1, 10.0.0.0/8)",
                                     ctx=ctx, param=param) from exc
    return tuple(out)


def serve_env(home_root: Path, no_auth: bool = False, trusted_proxies: Sequence[str] = ()) -> dict[str, str]:
    """The server's environment: this one, pointed at the data home, offline, without usage statistics; the
    client's address taken from `X-Forwarded-For` only when a `trusted_proxies` address sent it (uvicorn's
    FORWARDED_ALLOW_IPS; none by default: uvicorn trusted the loopback, so any process on the server could pose as
    any client past the feed-guessing limit and into the log, a blind security review). FORWARDED_ALLOW_IPS set
    in the environment is kept."""
    env = dict(os.environ)
    if trusted_proxies:
        env["FORWARDED_ALLOW_IPS"] = ",".join(trusted_proxies)
    else:
        env.setdefault("FORWARDED_ALLOW_IPS", "")
    env["TRENDSCOPE_HOME"] = str(home_root)
    env.pop("TRENDSCOPE_NO_AUTH", None)
    if no_auth:
        env["TRENDSCOPE_NO_AUTH"] = "1"
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    # The server embeds one short query at a time: one thread is fastest and, on a busy machine, avoids
    # OpenMP spin-waits that made a 13 ms query encoding take ~1 s (measured with 2 threads under load).
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


SERVE_VARIABLES = ("TRENDSCOPE_HOME", "TRENDSCOPE_NO_AUTH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
                   "STREAMLIT_BROWSER_GATHER_USAGE_STATS", "OMP_NUM_THREADS", "FORWARDED_ALLOW_IPS")


def printable_command(cmd: list[str], home_root: Path, no_auth: bool, trusted_proxies: Sequence[str] = ()) -> str:
    """The server's command line as `serve` runs it, for a service file: `env` with the variables `serve_env`
    sets (TRENDSCOPE_NO_AUTH unset unless --no-auth), each part shell-quoted."""
    env = serve_env(home_root, no_auth, trusted_proxies)
    parts = ["env"] + ([] if no_auth else ["-u", "TRENDSCOPE_NO_AUTH"])
    parts += [f"{k}={env[k]}" for k in SERVE_VARIABLES if k in env]
    return " ".join(shlex.quote(p) for p in [*parts, *cmd])


def sign_in_methods(home) -> list[str]:
    """How people sign in to the app on this data home: "password" (any account with a password) and/or
    "openid-connect" (a provider in secrets.toml); empty when nobody has to. Bad settings: a ClickException
    naming the file and key."""
    from trendscope.accounts.sign_in_config import read_oidc_settings
    from trendscope.accounts.users import Accounts
    from trendscope.foundation.errors import TrendscopeError
    from trendscope.ingest.store import open_database

    try:
        oidc = read_oidc_settings(home.secrets_path)
    except TrendscopeError as exc:
        raise click.ClickException(str(exc)) from exc
    methods = ["openid-connect"] if oidc is not None else []
    if home.db_path.exists():
        db = open_database(home.db_path)
        try:
            if Accounts(db).password_sign_in_configured():
                methods.insert(0, "password")
        finally:
            db.conn.close()
    return methods


def prepare_home(home) -> None:
    """Create the database and apply every area's migrations once, before any browser session opens it."""
    from trendscope.schema import migrate_all

    migrate_all(home)


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (0.0.0.0 exposes the app to your network).")
@click.option("--allowed-host", "extra_hosts", multiple=True, metavar="NAME", callback=_allowed_host_option,
              help="Also accept this Host name or IP (repeatable; `*.example.org` for subdomains). "
                   "127.0.0.1, localhost and --host are always accepted; any other name is refused.")
@click.option("--no-auth", is_flag=True,
              help="Serve another address without sign-in: everyone who reaches it acts as the owner (a banner "
                   "says so). Only on a network you trust.")
@click.option("--trusted-proxy", "proxies", multiple=True, metavar="ADDRESS", callback=_proxy_option,
              help="A reverse proxy in front of the app (an IP address or network, repeatable): the client's "
                   "address is read from the X-Forwarded-For it sends. Without one the header is ignored.")
@click.option("--print-command", is_flag=True,
              help="Print the server's command line (with its environment: data home, --no-auth), not run it.")
@click.pass_obj
def serve_cmd(obj, port: int, host: str, extra_hosts: tuple[str, ...], no_auth: bool, proxies: tuple[str, ...],
              print_command: bool) -> None:
    """Start the Trendscope app (Streamlit) on http://HOST:PORT over the data home.

    On 127.0.0.1 with no accounts it runs as the local owner. Any other address needs sign-in (password
    accounts from `trendscope users add`, or OpenID Connect in the data home's secrets.toml; docs/accounts.md),
    or an explicit --no-auth. The app answers only to the host names it serves (127.0.0.1, localhost, --host and
    each --allowed-host), so a web page whose name was rebound to this machine (DNS rebinding) cannot open it.

    \b
    Examples:
      trendscope serve                      # http://127.0.0.1:8501
      trendscope --home ~/ts serve --port 8600
      trendscope serve --host 0.0.0.0 --allowed-host ts.lab.example --print-command
      trendscope serve --allowed-host ts.lab.example --trusted-proxy 127.0.0.1
    """
    sign_in = sign_in_methods(obj.home)
    if not is_loopback_host(host) and not sign_in and not no_auth:
        raise click.ClickException(
            f"refusing to serve on {host} without sign-in: add accounts (`trendscope users add NAME --email "
            "ADDRESS`) or OpenID Connect (docs/accounts.md), or pass --no-auth to let everyone who reaches "
            "the port act as the owner")
    secrets = obj.home.secrets_path if "openid-connect" in sign_in else None
    try:
        cmd = serve_command(host, port, extra_hosts, secrets)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--host") from exc
    if host.strip() in _WILDCARD_BINDS and not extra_hosts:
        click.echo(f"note: --host {host} accepts only 127.0.0.1 and localhost as the Host name; add "
                   "--allowed-host NAME for each name or IP address your readers type", err=True)
    if print_command:  # with the environment it needs: the bare command served the default home, and --no-auth
        click.echo(printable_command(cmd, obj.home.root, no_auth, proxies))  # was lost (a blind walkthrough)
        return
    prepare_home(obj.home)
    from trendscope.ui.config_check import config_problems, config_warnings

    # a bad [smtp] or [app] value breaks only the digests: said here, the app still starts
    for warning in [*config_warnings(obj.home), *config_problems(obj.home)]:
        click.echo(f"warning: {warning}", err=True)
    if no_auth:
        click.echo("warning: --no-auth: everyone who reaches the port reads and changes every list and "
                   "subscription as the owner", err=True)
    how = "sign-in: " + " and ".join(sign_in) if sign_in and not no_auth else "no sign-in (local owner)"
    click.echo(f"Trendscope app on http://{host}:{port}  (data home {obj.home.root}; {how}; Ctrl-C stops it)",
               err=True)
    if host.strip() in _WILDCARD_BINDS or extra_hosts:  # Streamlit's "Network URL" (a bare IP) stayed a grey page
        click.echo(f"open it as http://NAME:{port} with NAME one of {', '.join(served_hosts(host, extra_hosts))}; "
                   "any other address in the browser (such as the \"Network URL\" below, unless its address is "
                   "among them) is refused", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # exec: the server replaces this process, so signals (Ctrl-C, SIGTERM) reach Streamlit directly.
    os.execve(sys.executable, cmd, serve_env(obj.home.root, no_auth, proxies))


def register(group: click.Group) -> None:
    """Add this module's command to the top-level group."""
    group.add_command(serve_cmd)
