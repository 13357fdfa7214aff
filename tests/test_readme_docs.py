"""README stays true: its two top commands exist, CI calls the test one, and every CLI command is documented."""
from __future__ import annotations

import re
from pathlib import Path

import click

from trendscope.ui.cli import main

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "trendscope") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full))
    return out


def test_readme_opens_with_run_and_test_commands():
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_ci_calls_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_every_cli_command_is_documented_in_readme():
    commands = _commands(main)
    assert len(commands) >= 15  # ingest, status, schedule, index, search, similar, doctor, tag, ... lists *
    missing = [c for c in commands if c not in README]
    assert not missing, f"commands not documented in README.md: {missing}"
