"""Shared fixtures: the real data in ../shared, tmp data homes, and the real embedding model (loaded once)."""
from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from digest_support import FIRST_DAY, LAST_DAY, to_paper
from index_support import CachingEmbedder, make_home, spread
from search_fixture import N_PAPERS

from trendscope.foundation.home import Home
from trendscope.index.indexer import run_index
from trendscope.index.search import Searcher
from trendscope.ingest.store import PaperStore, open_database

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRENDSCOPE_SHARED", REPO.parent / "shared")).resolve()
SAMPLE = SHARED / "data" / "arxiv_corpus_sample.jsonl.gz"
CORPUS = SHARED / "data" / "arxiv_corpus.jsonl.gz"
FIXTURES = SHARED / "data" / "fixtures"
DEV_SET = SHARED / "eval" / "trend_dev_set.jsonl"


def read_jsonl_gz(path: Path, limit: int | None = None) -> list[dict]:
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if limit is not None and len(rows) >= limit:
                break
    return rows


def pytest_sessionstart(session) -> None:
    """Without the shared data, stop at once with one line: 361 tests each failed with the same message (a blind
    walkthrough of a clone that was not beside ../shared)."""
    if not SAMPLE.exists() and not session.config.option.collectonly:
        pytest.exit(f"the shared data is missing: expected {SAMPLE}; put the shared folder beside the repository "
                    "(../shared) or set TRENDSCOPE_SHARED to the folder that holds data/ and eval/", returncode=4)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SAMPLE.exists():
        pytest.fail(f"../shared is missing: expected {SAMPLE} (set TRENDSCOPE_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def sample_rows(shared_dir) -> list[dict]:
    """All 6,000 rows of the shared sample (Trendscope corpus format)."""
    return read_jsonl_gz(SAMPLE)


@pytest.fixture(scope="session")
def embedder():
    """The real default model (all-MiniLM-L6-v2 from site-packages), loaded once per test session."""
    from trendscope.index.embedder import load_embedder

    return load_embedder()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh data home; TRENDSCOPE_HOME points at it for CLI and app code."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("TRENDSCOPE_HOME", str(h))
    return h


# -- digest tests: a tagged home of real sample papers ------------------------------------------------------
@pytest.fixture(scope="session")
def digest_base(tmp_path_factory, sample_rows) -> Path:
    """A database file with the sample papers of FIRST_DAY..LAST_DAY, tagged (built once per session).

   """
    from trendscope.index.trend_update import update_trend_tags

    root = tmp_path_factory.mktemp("digest_base")
    db = open_database(root / "trendscope.db")
    rows = [r for r in sample_rows if FIRST_DAY <= (r["published"] or "") <= LAST_DAY]
    PaperStore(db).upsert(to_paper(r) for r in rows)
    update_trend_tags(db, Home(root), progress=False)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return root / "trendscope.db"


@pytest.fixture
def dhome(home, digest_base) -> Home:
    """The test's data home (conftest `home`) with a copy of the tagged database."""
    shutil.copy(digest_base, home / "trendscope.db")
    return Home(home)


@pytest.fixture
def db(dhome):
    d = open_database(dhome.db_path)
    yield d
    d.conn.close()


# -- search tests: a module-scoped searchable home of 200 sample papers ---------------------------------------
@pytest.fixture(scope="module")
def searchable(tmp_path_factory, sample_rows, embedder):
    rows = spread(sample_rows, N_PAPERS)
    home, db = make_home(tmp_path_factory.mktemp("search") / "home", rows)
    res = run_index(db, home, progress=False, embedder=CachingEmbedder(embedder))
    assert res.total == N_PAPERS
    return home, db, Searcher(db, home, lambda model: embedder)


# -- app tests: one seeded home per session (tests/app_seed.py), a private copy per test ----------------------
@pytest.fixture(scope="session")
def seed(tmp_path_factory, sample_rows, embedder):
    from app_seed import session_seed

    return session_seed(tmp_path_factory, sample_rows, embedder)


@pytest.fixture
def app_home(seed, tmp_path, monkeypatch):
    """A private copy of the seeded home (tests that write don't disturb each other), no mail settings."""
    dst = tmp_path / "home"
    shutil.copytree(seed.home, dst)
    monkeypatch.setenv("TRENDSCOPE_HOME", str(dst))
    for var in [v for v in os.environ if v.startswith(("TRENDSCOPE_SMTP", "TRENDSCOPE_MAIL_"))]:
        monkeypatch.delenv(var)
    return dst


@pytest.fixture(autouse=True, scope="session")
def _app_served_on_loopback():
    """AppTest runs the app without a server; say it listens where `trendscope serve` binds by default
    (127.0.0.1), as the sign-in gate refuses to run without sign-in on any other or unknown address."""
    from streamlit import config

    config.set_option("server.address", "127.0.0.1")
    yield
