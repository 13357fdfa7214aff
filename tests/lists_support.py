"""Helpers shared by the reading-list tests (real sample papers in a tmp data home)."""
from __future__ import annotations

import dataclasses

from click.testing import CliRunner

from trendscope.ingest.records import Paper
from trendscope.ingest.store import PaperStore, open_database

_PAPER_FIELDS = {f.name for f in dataclasses.fields(Paper)}


def to_paper(row: dict, **changes) -> Paper:
    data = {k: v for k, v in row.items() if k in _PAPER_FIELDS}
    data.update(changes)
    return Paper(**data)


def ingest_rows(home, rows) -> object:
    """Open the home's database and upsert the rows as papers; returns the database."""
    db = open_database(home / "trendscope.db")
    PaperStore(db).upsert([to_paper(r) for r in rows])
    return db


def cli(home, *args: str, input: str | None = None):
    from trendscope.ui.cli import main

    return CliRunner().invoke(main, ["--home", str(home), *args], input=input, catch_exceptions=False)


def with_authors(sample_rows: list[dict], n: int) -> list[dict]:
    """The first `n` sample papers that list authors and have a new-style id (the lists tests' papers)."""
    return [r for r in sample_rows if r["authors"] and "/" not in r["id"]][:n]
