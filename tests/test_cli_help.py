"""Every `trendscope` command documents itself with examples, and every example is a valid invocation.

The examples are parsed, never run: no model, no database, no network.
"""
from __future__ import annotations

import shlex

import click
import pytest
from click.testing import CliRunner

from trendscope.ui.cli import main

SHELL_OPERATORS = {"<", ">", ">>", "|", "||", "&", "&&", ";"}


def walk(command: click.Command, path: str = "trendscope"):
    """(command path, command) for `main` and every group and subcommand below it."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, f"{path} {name}")


COMMANDS = list(walk(main))


def help_text(command: click.Command, path: str) -> str:
    return command.get_help(click.Context(command, info_name=path))


def example_lines(command: click.Command, path: str) -> list[str]:
    """The lines of the command's help that show a `trendscope ...` invocation."""
    lines = (line.strip() for line in help_text(command, path).splitlines())
    return [line for line in lines if line.startswith("trendscope ") or line == "trendscope"]


def argv(line: str) -> list[str]:
    """The arguments after `trendscope`, as the shell would pass them: quotes removed, stopping at a comment,
    a redirection or a pipe."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = []
    for word in lexer:
        if word in SHELL_OPERATORS:
            break
        words.append(word)
    assert words[0] == "trendscope"
    return words[1:]


def parse(args: list[str]) -> click.Context:
    """Parse `trendscope ARGS` as click would, down to the last subcommand, without invoking anything.

    Raises click.UsageError (unknown command or option, bad value, missing argument) like the real CLI."""
    command: click.Command = main
    name, ctx = "trendscope", None
    while True:
        ctx = command.make_context(name, list(args), parent=ctx, resilient_parsing=False)
        if not isinstance(command, click.Group):
            return ctx
        # What Group.invoke hands to resolve_command: the subcommand name and its arguments.
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:  # a group run alone (`trendscope lists`)
            return ctx
        name, command, args = command.resolve_command(ctx, rest)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_has_an_example(path, command):
    text = help_text(command, path)
    assert "Example" in text, f"`{path} --help` has no Example section"
    assert example_lines(command, path), f"`{path} --help` shows no `trendscope ...` example line"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_examples_parse(path, command):
    lines = example_lines(command, path)
    with CliRunner().isolation():  # `--batch -` reads a harmless empty stdin, not pytest's
        for line in lines:
            args = argv(line)
            try:
                ctx = parse(args)
            except click.UsageError as exc:
                pytest.fail(f"example in `{path} --help` does not parse: {line}\n  {exc.format_message()}")
            # A command's examples run that command; a group's run it or one of its subcommands.
            ran = ctx.command_path
            assert ran == path or ran.startswith(f"{path} "), f"example in `{path} --help` runs `{ran}`: {line}"


def test_parse_rejects_bad_examples():
    """The checker itself: unknown commands, unknown options and bad values are caught."""
    for bad in ("serch graphs", "search graphs --colour red", "serve --port 0", "lists add to-read",
                "digest --format pdf"):
        with pytest.raises(click.UsageError):
            parse(argv(f"trendscope {bad}"))
    assert parse(argv('trendscope --home /tmp/ts lists add to-read 2106.09685 --note "LoRA"')).params == {
        "name": "to-read", "ids": ("2106.09685",), "note": "LoRA", "status": "unread", "create": False}


def test_clipped_text_ends_at_a_word_with_a_mark():
    """CLI titles were cut mid-word with no mark ("...at Multiple Granular": a blind walkthrough)."""
    from trendscope.foundation.wording import clipped

    title = "Multi-LexSum: Real-World Summaries of Civil Rights Lawsuits at Multiple Granularities"
    assert clipped(title, 60) == "Multi-LexSum: Real-World Summaries of Civil Rights…"
    assert clipped(title, 200) == title and clipped("  a\n b ", 10) == "a b"
    assert clipped("Supercalifragilisticexpialidocious", 10) == "Supercali…"  # one long word: cut
