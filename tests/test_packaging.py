"""One import package: a built wheel holds only `trendscope` (with its data files), and the installed code
works from any directory, without the repository's folders on `sys.path`."""
from __future__ import annotations

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


def test_the_package_and_its_data_load_from_any_directory(tmp_path):
    done = _run("from trendscope.index.taxonomy import load_taxonomy; from trendscope.digest.confidence import "
                "load_calibration; print(len(load_taxonomy().names), bool(load_calibration().bias))", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8", "True"]
    cli = subprocess.run([sys.executable, "-m", "trendscope", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert cli.returncode == 0 and "Commands:" in cli.stdout


@pytest.mark.parametrize("name", ["ingest", "index", "digest", "reading", "ui", "schedule", "widgets", "cli"])
def test_stage_folders_are_not_top_level_modules(tmp_path, name):
    done = _run(f"import {name}", tmp_path)
    assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr
