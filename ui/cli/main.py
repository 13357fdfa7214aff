"""The `trendscope` command: one click group; each stage adds its commands from its own module.

Conventions of the command modules (`ingest`, `index`, `trends`, `subscriptions`, `digest`, `lists`, `serve`):
- commands and subgroups are defined at module level with `@click.command` / `@click.group`, and the module's
  `register(group)` adds them to `main`;
- options that several commands share with one meaning come from `options.py` (`--json`, `--category/-c`, ...);
- every help text ends with a `\\b` + `Example:` block of real invocations; `tests/test_cli_help.py` checks
  that each one parses.
"""
from __future__ import annotations

import logging
import os
import signal
import sqlite3
import sys
import threading

import click

from trendscope.foundation.actor import LOCAL_OWNER, Actor
from trendscope.foundation.db import storage_error
from trendscope.foundation.errors import Terminated, TrendscopeError
from trendscope.foundation.home import Home


class AppContext:
    """What every command gets: the data home (paths), the verbosity and who acts (`--user`)."""

    def __init__(self, home: Home, verbose: int = 0, user: str | None = None, *, note_if_new: bool = False):
        self.home_path = home
        self.verbose = verbose
        self.user_name = user
        self._actor: Actor | None = None
        self._home: Home | None = None
        self._note_if_new = note_if_new

    @property
    def home(self) -> Home:
        """The data home, made on first use: `trendscope status --help` never creates one (a blind
        walkthrough found `serve --help` had made ~/.local/share/trendscope)."""
        if self._home is None:
            new = not self.home_path.root.exists()
            self._home = self.home_path.ensure()
            if new and self._note_if_new:
                # `--home /tmp/walk1/hom status` made an empty home without a word, and a subscription went into
                # it (a blind walkthrough): a cron line with a typo splits the data silently
                click.echo(f"note: {self._home.root} did not exist: created a new, empty data home (papers come in "
                           "with `trendscope ingest`; is --home or $TRENDSCOPE_HOME misspelt?)", err=True)
        return self._home

    def existing_home(self, why: str) -> Home:
        """The data home when it holds a database; else one error line: `backup` and `doctor` of a misspelt
        --home made an empty home and reported success ("backed up ... checked", "status: ok": an operations
        walkthrough), a monitor's or a cron job's typo hidden."""
        if not self.home_path.db_path.exists():
            raise TrendscopeError(f"{self.home_path.root}: no data home there ({why}; is --home or "
                                  "$TRENDSCOPE_HOME misspelt?)")
        return self.home

    @property
    def actor(self) -> Actor:
        """The account the command acts as (`--user`, default the local owner); checked on first use, so
        commands that keep no per-user data never open the accounts table."""
        if self._actor is None:
            from trendscope.accounts.users import Accounts
            from trendscope.ingest.store import open_database

            db = open_database(self.home.db_path)
            try:
                self._actor = Accounts(db).actor(self.user_name or LOCAL_OWNER)
            finally:
                db.conn.close()
        return self._actor


def _terminated(signum, frame) -> None:
    raise Terminated()


class TrendscopeGroup(click.Group):
    """Turns domain errors into one-line CLI errors instead of tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Terminated:  # recorded as interrupted on its way out; now end as SIGTERM ends a process (what
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # systemd takes for a clean stop), not "Aborted!" exit 1
            os.kill(os.getpid(), signal.SIGTERM)
            raise
        except TrendscopeError as exc:
            raise click.ClickException(str(exc)) from exc
        except (sqlite3.DatabaseError, OSError) as exc:
            # a read-only, full or unreadable data home, from any stage: one line naming the file
            home = getattr(ctx.obj, "home_path", None)
            err = storage_error(exc, home.db_path if home is not None else None)
            if err is None:
                raise
            raise click.ClickException(str(err)) from exc


@click.group(cls=TrendscopeGroup)
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="TRENDSCOPE_HOME",
    help="Data home (database and derived files). Default: $TRENDSCOPE_HOME, else $XDG_DATA_HOME/trendscope, else "
         "~/.local/share/trendscope.",
)
@click.option("--user", "user", metavar="NAME", envvar="TRENDSCOPE_USER",
              help="Act as this account for reading lists, notes and subscriptions (default: the local owner, "
                   "\"owner\"; $TRENDSCOPE_USER).")
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@click.version_option(package_name="trendscope")
@click.pass_context
def main(ctx: click.Context, home: str | None, user: str | None, verbose: int) -> None:
    """Trendscope: track arXiv research trends, search and read papers, get weekly digests.

    \b
    Examples:
      trendscope ingest --snapshot papers.jsonl.gz
      trendscope index
      trendscope search "graph neural networks for molecules"
      trendscope serve

    Every command's --help ends with examples of its own.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbose < 2:  # faiss tells at INFO which CPU build it could not load ("AVX512 ... ModuleNotFoundError")
        logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if home == "" or (home is None and os.environ.get("TRENDSCOPE_HOME") == ""):
        # `--home "$DIR"` with DIR unset went on in the default home, making it when missing (a blind walkthrough)
        given = "--home" if home == "" else "$TRENDSCOPE_HOME"
        raise click.UsageError(f"{given} is empty (an unset variable?): give the data home's folder, or leave it "
                               "out for the default")
    ctx.obj = AppContext(Home.resolve(home), verbose, user, note_if_new=ctx.invoked_subcommand != "ingest")


def _register_all() -> None:
    from . import backup, digest, fulltext, index, ingest, lists, paper, serve, subscriptions, tagging, trends, users

    for module in (ingest, fulltext, index, paper, tagging, trends, subscriptions, digest, lists, users, serve,
                   backup):
        module.register(main)


_register_all()

if __name__ == "__main__":  # pragma: no cover
    main()
