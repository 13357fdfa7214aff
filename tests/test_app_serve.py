"""`trendscope serve`: the command line it runs, and a real server answering over a fresh data home."""
from __future__ import annotations

import shlex
import urllib.error
import urllib.request

import pytest
from browser_harness import serve
from click.testing import CliRunner

from trendscope.ui.cli import main
from trendscope.ui.cli.serve import APP, serve_command


def test_serve_command_is_headless_local_and_private():
    cmd = serve_command("127.0.0.1", 8600)
    assert cmd[1:3] == ["-m", "trendscope.ui.app.server"] and cmd[3] == str(APP)  # `streamlit run` + warm-up
    opts = dict(zip(cmd[4::2], cmd[5::2]))
    assert opts["--server.address"] == "127.0.0.1" and opts["--server.port"] == "8600"
    assert opts["--server.headless"] == "true" and opts["--browser.gatherUsageStats"] == "false"
    assert opts["--server.maxUploadSize"] == "50"  # the reader's PDF limit, which the uploader shows (a walkthrough)


def test_serve_print_command_and_bad_port(home):
    runner = CliRunner()
    res = runner.invoke(main, ["--home", str(home), "serve", "--port", "8765", "--host", "0.0.0.0", "--no-auth",
                               "--print-command"])
    assert res.exit_code == 0, res.output
    assert "--server.port 8765" in res.output and "--server.address 0.0.0.0" in res.output
    # the line runs the same server: its home and --no-auth too (the bare command served the default home)
    words = shlex.split(res.stdout.strip())
    assert words[0] == "env" and f"TRENDSCOPE_HOME={home}" in words and "TRENDSCOPE_NO_AUTH=1" in words
    plain = shlex.split(runner.invoke(main, ["--home", str(home), "serve", "--print-command"]).stdout.strip())
    assert plain[:3] == ["env", "-u", "TRENDSCOPE_NO_AUTH"] and f"TRENDSCOPE_HOME={home}" in plain
    assert "TRENDSCOPE_NO_AUTH=1" not in plain
    res = runner.invoke(main, ["--home", str(home), "serve", "--port", "99999"])
    assert res.exit_code == 2 and "99999" in res.output


@pytest.mark.slow
def test_serve_starts_the_app_over_an_empty_home(tmp_path):
    home = tmp_path / "fresh"
    with serve(home, log_path=tmp_path / "serve.log") as url:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as r:
            assert r.read() == b"ok"
        with urllib.request.urlopen(f"{url}/search", timeout=5) as r:
            assert b"<noscript>" in r.read()  # the Streamlit front end is served
            # no other site (another port of this host included) shows it in a frame (a blind security walkthrough
            # framed the signed-in Lists page from another port)
            assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
            assert r.headers["X-Frame-Options"] == "SAMEORIGIN" and r.headers["X-Content-Type-Options"] == "nosniff"
        # Streamlit's counters named the app's internal functions to anyone, signed in or not
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=5)
        assert refused.value.code == 404
    assert (home / "trendscope.db").exists()  # serve created the database and applied every migration
    # four "No runtime found, using MemoryCacheStorageManager" warnings opened every log (a blind walkthrough)
    logged = (tmp_path / "serve.log").read_text(encoding="utf-8")
    assert "Trendscope app on http://127.0.0.1:" in logged and "No runtime found" not in logged, logged


SECRETS = """[auth]
redirect_uri = "https://ts.lab.example/oauth2callback"
cookie_secret = "a long random string for the cookie"
client_id = "trendscope"
client_secret = "not-a-real-secret"
server_metadata_url = "https://idp.lab.example/.well-known/openid-configuration"
"""


def test_serve_refuses_other_addresses_until_sign_in_is_configured(home):
    runner = CliRunner()
    for host in ("0.0.0.0", "10.1.2.3", "::"):
        res = runner.invoke(main, ["--home", str(home), "serve", "--host", host, "--print-command"])
        assert res.exit_code == 1, res.output
        (line,) = [x for x in res.output.splitlines() if x.startswith("Error:")]
        assert f"refusing to serve on {host} without sign-in" in line and "--no-auth" in line
    for host in ("127.0.0.1", "localhost", "::1"):  # loopback: the local owner, as before
        res = runner.invoke(main, ["--home", str(home), "serve", "--host", host, "--print-command"])
        assert res.exit_code == 0, res.output
    runner.invoke(main, ["--home", str(home), "users", "add", "ana"], input="correct horse battery\n")
    res = runner.invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0", "--print-command"])
    assert res.exit_code == 0 and "--secrets.files" not in res.output


def test_serve_hands_streamlit_the_data_homes_secrets_for_openid_connect(home):
    runner = CliRunner()
    (home / "secrets.toml").write_text(SECRETS)
    res = runner.invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0", "--print-command"])
    assert res.exit_code == 0, res.output
    assert f"--secrets.files {home / 'secrets.toml'}" in res.output
    (home / "secrets.toml").write_text(SECRETS.replace("client_secret", "#"))
    res = runner.invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0", "--print-command"])
    assert res.exit_code == 1 and "secrets.toml: [auth] needs client_secret" in res.output


def test_no_auth_reaches_the_app_only_when_asked(tmp_path, monkeypatch):
    from trendscope.ui.cli.serve import serve_env

    monkeypatch.setenv("TRENDSCOPE_NO_AUTH", "1")  # an inherited variable does not switch sign-in off
    assert "TRENDSCOPE_NO_AUTH" not in serve_env(tmp_path)
    assert serve_env(tmp_path, no_auth=True)["TRENDSCOPE_NO_AUTH"] == "1"


def test_x_forwarded_for_is_read_only_from_a_trusted_proxy(home, monkeypatch):
    """A blind security review: uvicorn trusts X-Forwarded-For from the loopback by default, so any process on
    the lab server could pose as any client: past the feed-guessing limit, blocking a student's feeds, into the
    log. `serve` trusts no proxy unless told (`--trusted-proxy`); FORWARDED_ALLOW_IPS set by the admin is kept."""
    from click.testing import CliRunner

    from trendscope.ui.cli import main
    from trendscope.ui.cli.serve import serve_env

    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert serve_env(home)["FORWARDED_ALLOW_IPS"] == ""
    assert serve_env(home, trusted_proxies=("127.0.0.1", "10.0.0.0/8"))["FORWARDED_ALLOW_IPS"] == \
        "127.0.0.1,10.0.0.0/8"
    printed = CliRunner().invoke(main, ["--home", str(home), "serve", "--trusted-proxy", "127.0.0.1",
                                        "--print-command"])
    assert printed.exit_code == 0 and "FORWARDED_ALLOW_IPS=127.0.0.1 " in printed.output
    plain = CliRunner().invoke(main, ["--home", str(home), "serve", "--print-command"])
    assert "FORWARDED_ALLOW_IPS= " in plain.output  # set, to nothing: no proxy trusted
    bad = CliRunner().invoke(main, ["--home", str(home), "serve", "--trusted-proxy", "proxy.lab"])
    assert bad.exit_code == 2 and "not an IP address or network: 'proxy.lab'" in bad.output
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "192.0.2.7")
    assert serve_env(home)["FORWARDED_ALLOW_IPS"] == "192.0.2.7"


@pytest.mark.slow  # a fresh interpreter: ~2 s
def test_the_real_command_exits_non_zero_with_one_line_on_an_open_address(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    trendscope = Path(sys.executable).with_name("trendscope")
    (tmp_path / "h").mkdir()  # an existing home (a new one also gets a note that it was made)
    done = subprocess.run([str(trendscope), "--home", str(tmp_path / "h"), "serve", "--host", "0.0.0.0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]  # one line
    assert "refusing to serve on 0.0.0.0 without sign-in" in done.stderr


def test_serve_warns_of_every_settings_problem_and_still_starts(home, monkeypatch):
    """A bad [app] url or [smtp] value breaks only the digests: serve says so in one line each, then starts."""
    import trendscope.ui.cli.serve as serve_mod

    started = []
    monkeypatch.setattr(serve_mod.os, "execve", lambda exe, cmd, env: started.append(cmd))
    (home / "config.toml").write_text('[smpt]\nhost = "x"\n[app]\nurl = "ts.lab.example"\n')
    res = CliRunner().invoke(main, ["--home", str(home), "serve", "--port", "8765"])
    assert res.exit_code == 0 and started, res.output
    warnings = [x for x in res.output.splitlines() if x.startswith("warning: ")]
    assert len(warnings) == 2
    assert "unknown section(s) [smpt]" in warnings[0] and "[app] url: must be an http(s) address" in warnings[1]


def test_serve_on_every_address_names_the_host_names_it_accepts(home, monkeypatch):
    """A blind walkthrough: Streamlit printed "Network URL: http://192.0.2.2:8621", which only showed a grey page
    (the WebSocket refuses a Host name not given with --allowed-host)."""
    import trendscope.ui.cli.serve as serve_mod
    from trendscope.accounts.users import Accounts
    from trendscope.foundation.home import Home
    from trendscope.schema import open_home_database

    monkeypatch.setattr(serve_mod.os, "execve", lambda exe, cmd, env: None)
    Accounts(open_home_database(Home(home))).add("ana", email="ana@lab.example", password="a long password 1")
    res = CliRunner().invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0", "--port", "8621",
                                    "--allowed-host", "ts.lab.example"])
    assert res.exit_code == 0, res.output
    assert ("open it as http://NAME:8621 with NAME one of 127.0.0.1, localhost, ts.lab.example; any other address "
            "in the browser") in res.output
    local = CliRunner().invoke(main, ["--home", str(home), "serve", "--port", "8621"])
    assert local.exit_code == 0 and "open it as" not in local.output


def test_response_headers_are_added_and_metrics_are_not_served():
    """The middleware alone (the served app: test_serve_starts_the_app_over_an_empty_home)."""
    import asyncio

    from trendscope.ui.app.response_headers import ResponseHeaders

    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"DENY")]})
        await send({"type": "http.response.body", "body": b"page"})

    async def send(message):
        sent.append(message)

    async def run(path):
        sent.clear()
        await ResponseHeaders(app)({"type": "http", "path": path}, None, send)
        return dict(sent[0]["headers"]), sent[0]["status"]

    headers, status = asyncio.run(run("/lists"))
    assert status == 200 and headers[b"content-security-policy"] == b"frame-ancestors 'self'"
    assert headers[b"x-frame-options"] == b"DENY"  # a header the app set itself is kept
    assert asyncio.run(run("/_stcore/metrics"))[1] == 404
