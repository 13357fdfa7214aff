"""One import package: a built wheel holds only `trendscope` (with its data files), and the installed code
works from any directory, without the repository's folders on `sys.path`."""
from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(REPO)], check=True, capture_output=True, cwd=out)
    (path,) = out.glob("trendscope-*.whl")
    return zipfile.ZipFile(path)


@pytest.mark.slow  # builds and unpacks a wheel
def test_the_wheel_installs_only_the_trendscope_package(wheel):
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert tops == {"trendscope", next(t for t in tops if t.endswith(".dist-info"))}
    names = set(wheel.namelist())
    for data in ("trendscope/index/taxonomy.toml", "trendscope/index/trend_model.npz",
                 "trendscope/digest/calibration.json", "trendscope/ui/app/launch/trendscope_app.py",
                 "trendscope/ui/app/views/search.py", "trendscope/foundation/db.py", "trendscope/__main__.py"):
        assert data in names, data


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)


@pytest.mark.slow  # a fresh interpreter importing everything: ~2 s
def test_the_package_and_its_data_load_from_any_directory(tmp_path):
    done = _run("from trendscope.index.taxonomy import load_taxonomy; from trendscope.digest.confidence import "
                "load_calibration; print(len(load_taxonomy().names), bool(load_calibration().bias))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8", "True"]
    cli = subprocess.run([sys.executable, "-m", "trendscope", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 0 and "Commands:" in cli.stdout


@pytest.mark.parametrize("name", ["ingest", "index", "accounts", "digest", "reading", "ui", "schedule", "widgets",
                                  "cli"])
def test_stage_folders_are_not_top_level_modules(tmp_path, name):
    done = _run(f"import {name}", tmp_path)
    assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr


# -- layering: data flows one way (ingest <- index <- digest/reading <- ui), foundation imports no stage ---------
STAGE_DIRS = {"foundation": REPO / "src" / "trendscope" / "foundation", "ingest": REPO / "ingest",
              "index": REPO / "index", "accounts": REPO / "accounts", "digest": REPO / "digest",
              "reading": REPO / "reading", "ui": REPO / "ui"}
MAY_IMPORT = {  # accounts (users, sessions) sits beside ingest: reading and digest check user names through it
    "foundation": set(),
    "ingest": {"foundation"},
    "accounts": {"foundation"},
    "index": {"foundation", "ingest"},
    "digest": {"foundation", "ingest", "index", "accounts"},
    "reading": {"foundation", "ingest", "index", "accounts"},
    "ui": {"foundation", "ingest", "index", "accounts", "digest", "reading"},
}


def _imported_stages(path: Path) -> set[str]:
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "trendscope" and len(parts) > 1 and parts[1] in STAGE_DIRS:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("stage", sorted(STAGE_DIRS))
def test_stages_import_only_what_lies_below_them(stage):
    bad = {}
    for path in STAGE_DIRS[stage].rglob("*.py"):
        wrong = _imported_stages(path) - MAY_IMPORT[stage] - {stage}
        if wrong:
            bad[str(path.relative_to(REPO))] = sorted(wrong)
    assert not bad, bad


# -- tables: a stage's SQL names only its own tables; it reads the others through their stage's API ----------
def _sql_text(path: Path) -> str:
    """Every string constant of the module (f-string parts included), where its SQL lives."""
    import ast

    return "\n".join(n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(n, ast.Constant) and isinstance(n.value, str))


# SQL keywords are written in capitals here, so prose ("reads from papers") does not count
_TABLE_REF = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE(?: IF NOT EXISTS)?|MATCH|bm25\(|snippet\()\s*(\w+)")


def _created_tables(stage: str) -> set[str]:
    made = re.compile(r"CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?(\w+)|enable_fts\(|db\[\"(\w+)\"\]")
    out: set[str] = set()
    for path in STAGE_DIRS[stage].rglob("*.py"):
        for m in made.finditer(path.read_text(encoding="utf-8")):
            out.update(x for x in m.groups() if x)
    return out


def test_each_table_belongs_to_one_stage_and_no_stage_names_another_stages_tables():
    owner: dict[str, str] = {}
    for stage in STAGE_DIRS:
        for table in _created_tables(stage):
            assert table not in owner, f"{table} created by {owner[table]} and {stage}"
            owner[table] = stage
    owner["papers_fts"] = "ingest"  # made by sqlite-utils' enable_fts on `papers`
    owner["papers_terms"] = "ingest"  # the keyword index (m006_light_terms)
    assert {"papers", "paper_categories", "embeddings", "paper_trends", "reading_lists", "subscriptions",
            "users", "auth_sessions", "reading_list_shares"} <= set(owner)
    bad = {}
    for stage in STAGE_DIRS:
        for path in STAGE_DIRS[stage].rglob("*.py"):
            foreign = {t for t in _TABLE_REF.findall(_sql_text(path)) if owner.get(t, stage) != stage}
            if foreign:
                bad[str(path.relative_to(REPO))] = sorted(foreign)
    assert not bad, bad


def test_the_app_entry_script_sits_alone_and_no_pages_folder_is_auto_discovered():
    launch = REPO / "ui" / "app" / "launch"
    assert sorted(p.name for p in launch.iterdir() if not p.name.startswith((".", "__"))) == ["trendscope_app.py"]
    assert not (launch / "pages").exists() and not (REPO / "ui" / "app" / "pages").exists()


@pytest.mark.slow  # a fresh interpreter: ~2 s
def test_opening_the_database_does_not_import_streamlit(tmp_path):
    code = ("import sys; from trendscope.foundation.home import Home; from trendscope.schema import migrate_all; "
            f"migrate_all(Home.resolve({str(tmp_path / 'h')!r})); print('streamlit' in sys.modules)")
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.slow  # a fresh interpreter: ~1 s
def test_the_digest_api_draws_with_matplotlib_only_when_a_chart_is_drawn(tmp_path):
    """The Trends page imports the digest API (a topic's saved query); matplotlib, which only a digest's chart
    needs, cost its first load about a second."""
    code = "import sys, trendscope.digest.api; print('matplotlib' in sys.modules)"
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
