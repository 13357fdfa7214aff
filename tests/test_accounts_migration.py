"""A data home written before accounts existed opens with today's code with nothing lost: every list, item,
note, status, mark, thumb, passage note, subscription, delivery and issued paper is still there, now the local
owner's; and the owner keeps using it as before."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from lists_support import cli

from trendscope.digest import api
from trendscope.foundation.actor import LOCAL_OWNER, Actor
from trendscope.foundation.home import Home
from trendscope.reading.lists import ReadingLists
from trendscope.schema import open_home_database

BEFORE = Path(__file__).parent / "data" / "home_before_accounts.sql"
# table -> columns compared (every column the old schema had); rows must be identical after the migration
KEPT = {
    "reading_lists": "list_id, name, created",
    "reading_list_items": "list_id, arxiv_id, note, status, added",
    "reading_not_interested": "list_id, arxiv_id, marked",
    "paper_feedback": "arxiv_id, vote, at",
    "passage_notes": "note_id, arxiv_id, seq, section, quote, note, created",
    "subscriptions": "id, name, trends, query, categories, exclude, size, emails, feed, created, pending, token",
    "digest_deliveries": "subscription_id, week, target, status, attempts, last_error, sent_at, message_id",
    "digest_items": "subscription_id, arxiv_id, week, rank, recorded_at",
    "papers": "id, title, abstract",
}


def _old_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "old").ensure()
    conn = sqlite3.connect(home.db_path)
    conn.executescript(BEFORE.read_text(encoding="utf-8"))
    conn.close()
    return home


def _rows(conn, table: str) -> list[tuple]:
    return sorted(conn.execute(f"SELECT {KEPT[table]} FROM {table}").fetchall(), key=repr)


def test_every_row_of_a_home_from_before_accounts_survives_and_belongs_to_the_owner(tmp_path):
    home = _old_home(tmp_path)
    old = sqlite3.connect(home.db_path)
    before = {t: _rows(old, t) for t in KEPT}
    old.close()
    assert all(before.values()), {t: len(r) for t, r in before.items()}  # the fixture has rows everywhere

    db = open_home_database(home)
    after = {t: _rows(db.conn, t) for t in KEPT}
    assert after == before
    for table in ("reading_lists", "paper_feedback", "passage_notes", "subscriptions"):
        owners = {r[0] for r in db.execute(f"SELECT DISTINCT owner FROM {table}")}
        assert owners == {LOCAL_OWNER}, table
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    rl = ReadingLists(db)
    assert [(s.name, s.items, s.read) for s in rl.lists()] == [("Surveys", 1, 0), ("to read", 3, 1)]
    assert rl.feedback() == {"2409.01001": 1, "2403.00003": -1}
    assert [n.note for n in rl.passage_notes("2409.01001")] == ["the key claim"]
    assert rl.not_interested("to read") == ["2402.00002"]
    subs = api.list_subscriptions(db)
    assert [(s.name, s.owner, s.pending) for s in subs] == [
        ("Diffusion", "owner", ["bo@lab.example"]), ("Weekly privacy", "owner", [])]
    assert ReadingLists(db, user=Actor("ana", admin=False)).lists() == []  # a new user starts empty
    db.close()


def test_the_migration_runs_once_and_the_cli_keeps_working_on_the_old_home(tmp_path):
    home = _old_home(tmp_path)
    assert "to read: 3 papers" in cli(home.root, "lists").output
    assert "Weekly privacy" in cli(home.root, "subscriptions").output
    done = cli(home.root, "lists", "create", "Surveys")
    assert done.exit_code == 1 and "already exists" in done.output  # names stay unique for the owner
    db = open_home_database(home)
    names = [r[0] for r in db.execute("SELECT name FROM _sqlite_migrations WHERE name LIKE '%owner%'")]
    assert sorted(names) == ["m003_owners", "m004_owners_and_shares"]
    db.close()
