"""While a `trendscope index` run is at work, `status` and the app say so instead of telling the user to start
another (a blind walkthrough ran `status` mid-index: "run trendscope index", "run trendscope doctor --repair")."""
from __future__ import annotations

import shutil

import pytest
from app_seed import to_paper
from click.testing import CliRunner

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.index.index_run import index_lock, index_running
from trendscope.ingest.store import PaperStore, open_database
from trendscope.ui.cli import main


@pytest.fixture
def half_indexed(seed, sample_rows, tmp_path):
    """A copy of the seeded home with one paper not embedded yet and no FAISS file."""
    home = tmp_path / "home"
    shutil.copytree(seed.home, home)
    db = open_database(home / "trendscope.db")
    known = {r[0] for r in db.execute("SELECT id FROM papers")}
    PaperStore(db).upsert([to_paper(next(r for r in sample_rows if r["id"] not in known))])
    db.close()
    for f in (home / "index").glob("papers.faiss*"):
        f.unlink()
    return Home(home)


def test_status_says_an_index_run_is_at_work(half_indexed):
    idle = CliRunner().invoke(main, ["--home", str(half_indexed.root), "status"])
    assert idle.exit_code == 0
    assert "not indexed yet: run trendscope index" in idle.stdout and "doctor --repair" in idle.stdout
    assert index_running(half_indexed) is None
    with index_lock(half_indexed):
        started = index_running(half_indexed)
        assert started is not None
        busy = CliRunner().invoke(main, ["--home", str(half_indexed.root), "status"])
        with pytest.raises(TrendscopeError, match="another `trendscope index` is running"):
            with index_lock(half_indexed, timeout=0):
                pass
    assert busy.exit_code == 0
    assert f"a `trendscope index` run started {started:%Y-%m-%d %H:%M} UTC is at work on them" in busy.stdout
    assert "the `trendscope index` run at work writes it when it ends" in busy.stdout
    assert "run trendscope index" not in busy.stdout and "doctor --repair" not in busy.stdout
    assert index_running(half_indexed) is None  # released: said no more
    json_out = CliRunner().invoke(main, ["--home", str(half_indexed.root), "status", "--json"])
    assert '"index_running_since": null' in json_out.stdout


def test_the_status_page_says_an_index_run_is_at_work(half_indexed, monkeypatch):
    from trendscope.ui.app import state

    monkeypatch.setattr(state, "home", lambda: half_indexed)
    state._doctor_report.clear()
    assert "Run `trendscope doctor --repair`" in state.index_health()["problem"]
    with index_lock(half_indexed):
        health = state.index_health()
    assert "at work" in health["index run"], health
    assert "The `trendscope index` run at work writes it" in health["problem"] and "doctor" not in health["problem"]
