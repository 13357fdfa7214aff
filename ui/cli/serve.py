"""`trendscope serve`: run the Streamlit app on this machine, reading the same data home as the CLI."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

APP = Path(__file__).resolve().parent.parent / "app" / "launch" / "trendscope_app.py"


def serve_command(host: str, port: int) -> list[str]:
    """The `streamlit run` command line: headless, no usage statistics, no file watcher."""
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", host,
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "light",
    ]


def serve_env(home_root: Path) -> dict[str, str]:
    """The server's environment: this one, pointed at the data home, offline, without usage statistics."""
    env = dict(os.environ)
    env["TRENDSCOPE_HOME"] = str(home_root)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    # The server embeds one short query at a time: one thread is fastest and, on a busy machine, avoids
    # OpenMP spin-waits that made a 13 ms query encoding take ~1 s (measured with 2 threads under load).
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def prepare_home(home) -> None:
    """Create the database and apply every area's migrations once, before any browser session opens it."""
    from trendscope.schema import migrate_all

    migrate_all(home)


@click.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind (0.0.0.0 exposes the app to your network).")
@click.option("--print-command", is_flag=True, help="Print the streamlit command instead of running it.")
@click.pass_obj
def serve_cmd(obj, port: int, host: str, print_command: bool) -> None:
    """Start the Trendscope app (Streamlit) on http://HOST:PORT over the data home.

    \b
    Examples:
      trendscope serve                      # http://127.0.0.1:8501
      trendscope --home ~/ts serve --port 8600
      trendscope serve --host 0.0.0.0 --print-command
    """
    cmd = serve_command(host, port)
    if print_command:
        click.echo(" ".join(cmd))
        return
    prepare_home(obj.home)
    click.echo(f"Trendscope app on http://{host}:{port}  (data home {obj.home.root}; Ctrl-C stops it)", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # exec: the server replaces this process, so signals (Ctrl-C, SIGTERM) reach Streamlit directly.
    os.execve(sys.executable, cmd, serve_env(obj.home.root))


def register(group: click.Group) -> None:
    """Add this module's command to the top-level group."""
    group.add_command(serve_cmd)
