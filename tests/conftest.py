"""Shared fixtures: the real data in ../shared, tmp data homes, and the real embedding model (loaded once)."""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

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
    from index.embedder import load_embedder

    return load_embedder()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh data home; TRENDSCOPE_HOME points at it for CLI and app code."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("TRENDSCOPE_HOME", str(h))
    return h
