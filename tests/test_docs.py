"""The docs stay true: the CLI reference matches `--help`, README is short and opens with its two commands,
every relative link resolves, and the make targets the docs name exist."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click

from trendscope.ui.cli import main

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
README = REPO / "README.md"
CLI_MD = DOCS / "cli.md"
# Historical records that are kept as written (judgement tables read by bench scripts).
RECORDS = {DOCS / "digest_precision.md"}

FENCE_RE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
LINK_RE = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING_RE = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _commands(group: click.Group, prefix: str = "trendscope") -> list[str]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        out.append(full)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full))
    return out


def _pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def _prose(path: Path) -> str:
    """The Markdown without fenced code blocks (links and headings inside code don't count)."""
    return FENCE_RE.sub("", path.read_text(encoding="utf-8"))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links -> their text
    text = text.replace("`", "").replace("*", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_slug(h) for h in HEADING_RE.findall(_prose(path))}


# -- the CLI reference ------------------------------------------------------------------------------------------


def test_cli_reference_matches_help_output():
    """`cog --check` fails when a command changed and docs/cli.md was not regenerated."""
    env = dict(os.environ, COLUMNS="100")
    proc = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", str(CLI_MD.relative_to(REPO))],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, (
        "docs/cli.md is out of date with the CLI; regenerate it with `.venv/bin/cog -r docs/cli.md`\n"
        + proc.stdout + proc.stderr
    )
    text = CLI_MD.read_text(encoding="utf-8")
    assert "[[[cog" in text and "[[[end]]]" in text
    assert "Usage: trendscope [OPTIONS] COMMAND [ARGS]..." in text  # the generated block is filled in


def test_every_cli_command_has_a_heading_in_the_cli_reference():
    commands = _commands(main)
    assert len(commands) >= 25  # ingest, status, schedule, index, search, ..., lists *, subscriptions *
    headings = set(re.findall(r"^### (trendscope(?: [\w-]+)*)\s*$", CLI_MD.read_text(encoding="utf-8"), re.M))
    missing = [c for c in ["trendscope", *commands] if c not in headings]
    assert not missing, f"commands without a heading in docs/cli.md: {missing}"
    stale = sorted(headings - {"trendscope", *commands})
    assert not stale, f"docs/cli.md documents commands that no longer exist: {stale}"


# -- README ---------------------------------------------------------------------------------------------------


def test_readme_is_short_and_opens_with_run_and_test_commands():
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) <= 160, f"README.md has {len(lines)} lines; move detail into docs/"
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert first_block and text.index(first_block.group(0)) < 200, "README must open with a command block"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_make_targets_named_in_the_docs_exist():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w.-]+)\s*:(?!=)", makefile, re.M))
    named = set()
    for page in _pages():
        if page not in RECORDS:
            named |= set(re.findall(r"(?<![\w/.-])make ([a-z][\w-]*)", page.read_text(encoding="utf-8")))
    assert {"run", "test", "test-fast", "lint"} <= named
    missing = sorted(named - targets)
    assert not missing, f"the docs name make targets the Makefile lacks: {missing}"


def test_ci_calls_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)


def test_readme_links_every_docs_page_and_the_screenshot():
    linked = {(README.parent / target.split("#")[0]).resolve() for target in LINK_RE.findall(_prose(README))}
    pages = {p.resolve() for p in DOCS.glob("*.md")}
    assert pages, "docs/ has no pages"
    orphans = sorted(p.name for p in pages - linked)
    assert not orphans, f"docs pages not linked from README.md: {orphans}"
    assert (DOCS / "screenshots" / "search.png").resolve() in linked


# -- links and wording across README and docs/ ----------------------------------------------------------------


def test_every_relative_link_points_to_an_existing_file_and_heading():
    broken = []
    checked = 0
    for page in _pages():
        for target in LINK_RE.findall(_prose(page)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto: ...
                continue
            checked += 1
            path_part, _, anchor = target.partition("#")
            dest = (page.parent / path_part).resolve() if path_part else page
            if not dest.exists():
                broken.append(f"{page.relative_to(REPO)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.relative_to(REPO)}: {target} (no such heading)")
    assert checked >= 20  # README links every page; the pages link each other and performance.md
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_no_progress_log_language():
    """The docs describe what the software does, not the history of its tickets."""
    pattern = re.compile(r"\bissue \d+|\bround \d+|(?<!\.)\btarget\b|\bnew:", re.I)  # (not systemd's ".target")
    hits = []
    for page in _pages():
        if page in RECORDS or page == CLI_MD:
            continue
        for line in _prose(page).splitlines():
            if pattern.search(line):
                hits.append(f"{page.relative_to(REPO)}: {line.strip()}")
    assert not hits, "progress-log wording:\n" + "\n".join(hits)


def test_the_tests_stop_once_with_one_line_when_the_shared_data_is_missing(tmp_path):
    """A blind walkthrough of a clone not beside ../shared: 361 tests each failed with the same message."""
    env = {**os.environ, "TRENDSCOPE_SHARED": str(tmp_path / "nowhere")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                           str(REPO / "tests" / "test_app_text.py")], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 4, done.stdout[-2000:]
    assert "the shared data is missing: expected " in done.stdout and "set TRENDSCOPE_SHARED" in done.stdout
    assert not re.search(r"\d+ (passed|failed|errors?)\b", done.stdout), done.stdout[-2000:]  # no test ran
