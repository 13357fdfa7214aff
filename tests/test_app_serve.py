"""`trendscope serve`: the command line it runs, and a real server answering over a fresh data home."""
from __future__ import annotations

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


def test_serve_print_command_and_bad_port(home):
    runner = CliRunner()
    res = runner.invoke(main, ["--home", str(home), "serve", "--port", "8765", "--host", "0.0.0.0",
                               "--print-command"])
    assert res.exit_code == 0, res.output
    assert "--server.port 8765" in res.output and "--server.address 0.0.0.0" in res.output
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
    assert (home / "trendscope.db").exists()  # serve created the database and applied every migration
