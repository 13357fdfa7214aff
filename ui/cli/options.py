"""Option decorators shared by several commands, so one flag means one thing everywhere.

Each function returns a `click.option` decorator; pass `help=` to say what the option does for that command
(the flag, its destination and its meaning stay the same):

    @click.command("similar")
    @json_option("One JSON object per hit.")
    def similar_cmd(as_json): ...

Only options whose flag, destination and meaning are identical in every command that uses them belong here.
Options that merely share a name (`--since` is a fetch window for `ingest`, a publication-date filter for
`search`) stay with their command.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable)


def json_option(help: str = "Print JSON.") -> Callable[[F], F]:
    """`--json` (into `as_json`): print machine-readable JSON instead of text."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def categories_option(help: str = "arXiv category (repeatable).") -> Callable[[F], F]:
    """`--category/-c CAT` (into `categories`, a tuple; empty when not given): arXiv categories, e.g. cs.CL."""
    return click.option("--category", "-c", "categories", multiple=True, metavar="CAT", help=help)


def published_since_option(
        help: str = "Published on or after: YYYY, YYYY-MM, YYYY-MM-DD or a span back such as 30d, 8w, 6m, 1y.",
) -> Callable[[F], F]:
    """`--since DATE` (into `since`, default None): lower bound on the publication date, inclusive."""
    return click.option("--since", default=None, metavar="DATE", help=help)


def published_until_option(
        help: str = "Published on or before: YYYY-MM-DD, or YYYY-MM / YYYY (its last day).",
) -> Callable[[F], F]:
    """`--until DATE` (into `until`, default None): upper bound on the publication date, inclusive."""
    return click.option("--until", default=None, metavar="DATE", help=help)


def limit_option(help: str = "Number of results.") -> Callable[[F], F]:
    """`-n/--limit N` (into `limit`): how many results, 1 to 1000, default 10."""
    return click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help=help)


def no_vectors_option(help: str = "Rules only: do not load the embedding model.") -> Callable[[F], F]:
    """`--no-vectors` (into `no_vectors`): tag with the taxonomy's rules alone, without the embedding model."""
    return click.option("--no-vectors", is_flag=True, help=help)


def output_file(out: str, option: str = "--out") -> Path:
    """A file the command writes, whose folder must exist already: a mistyped folder is refused, not created
    (`lists export --out /nonexistent/dir/x.csv` made /nonexistent/dir)."""
    from trendscope.foundation.errors import TrendscopeError

    path = Path(out)
    if not path.parent.is_dir():
        raise TrendscopeError(f"{option} {out}: there is no folder {path.parent} (create it first)")
    return path


def category_hint(db, category: str) -> str:
    """" (did you mean cs.CL?)" for a category no stored paper has that is one slip from a stored one, else "" (a
    lab admin's `-c cs.CLL` was taken with a note only: a blind walkthrough)."""
    import difflib

    from trendscope.ingest.store import PaperStore

    stored = {c.lower(): c for c, _n in PaperStore(db).category_counts(limit=1000)}
    close = difflib.get_close_matches(category.lower(), list(stored), n=1, cutoff=0.8)
    return f" (did you mean {stored[close[0]]}?)" if close else ""


_GLOBAL_OPTIONS = ("-v", "-vv", "--verbose", "--home", "--user")


class QueryCommand(click.Command):
    """A command whose argument is a query: `search "-survey transformers"` reads as options, so say how to search
    for a query that starts with '-' (`search`, `search-text`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # "-transformers" parses as -t ransformers (a trend) and leaves no query: search_cmd says how, from these
        ctx.meta["dash_words"] = [a for a in args if a.startswith("-") and not a.startswith("--") and len(a) > 2]
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            if exc.option_name in _GLOBAL_OPTIONS:  # "search -v lora" read as a query hint (a blind walkthrough)
                exc.message += (f" ({exc.option_name} is an option of trendscope itself: put it before the command,"
                                f" trendscope {exc.option_name} {ctx.info_name} ...)")
            else:
                exc.message += (" (a query that starts with '-' needs -- before it, after any options: "
                                f"trendscope {ctx.info_name} -n 5 -- '-survey gans')")
            raise


def confirm(question: str, nothing_done: str) -> None:
    """Ask `question` [y/N]; anything but yes ends the command (exit status 1) saying `nothing_done`, and, where no
    one can answer (a script, cron: stdin is no terminal), that --yes answers for them (`subscriptions remove`
    ended "Aborted!" in an upgraded lab's scripts, which the release before had not asked: an upgrade walkthrough)."""
    import sys

    try:
        click.confirm(question, abort=True)
    except click.Abort:
        hint = "" if sys.stdin.isatty() else " (no terminal to answer: pass --yes to answer yes in a script)"
        raise click.ClickException(f"not confirmed: {nothing_done}{hint}") from None
