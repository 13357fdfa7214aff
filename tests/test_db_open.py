"""Opening a home's database while another connection writes it (the app's warm-up thread running a first run's
migrations while the page opens the same file): the switch to WAL waits for the writer instead of failing."""
from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from trendscope.foundation.db import _enable_wal, connect


def _writer_holding_a_write_lock(path) -> sqlite3.Connection:
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("CREATE TABLE t (x)")
    writer.execute("BEGIN IMMEDIATE")  # a write transaction: PRAGMA journal_mode=wal now fails at once
    writer.execute("INSERT INTO t VALUES (1)")
    return writer


def test_the_wal_switch_waits_for_a_writer_and_then_succeeds(tmp_path):
    path = tmp_path / "trendscope.db"
    writer = _writer_holding_a_write_lock(path)
    db = sqlite_utils.Database(sqlite3.connect(path))
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # what the first open used to fail with
        db.execute("PRAGMA journal_mode=wal")
    waits = []

    def sleep(seconds: float) -> None:  # the writer commits while the opener waits
        waits.append(seconds)
        if len(waits) == 2:
            writer.execute("COMMIT")

    _enable_wal(db, path, sleep=sleep)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal" and len(waits) == 2
    assert db.execute("SELECT x FROM t").fetchall() == [(1,)]  # the writer's row is there: nothing lost
    writer.close()


def test_a_writer_that_never_finishes_still_fails_after_the_busy_timeout(tmp_path):
    path = tmp_path / "trendscope.db"
    writer = _writer_holding_a_write_lock(path)
    db = sqlite_utils.Database(sqlite3.connect(path))
    waits = []
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _enable_wal(db, path, sleep=waits.append)
    assert 29.0 <= sum(waits) <= 31.0  # the busy timeout's 30 s, in backoff steps, then the error
    writer.close()


def test_connect_opens_a_file_another_connection_switched_to_wal_meanwhile(tmp_path):
    path = tmp_path / "trendscope.db"
    first = connect(path)
    assert first.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    second = connect(path)  # nothing to switch: the mode is kept in the file
    assert second.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_home_that_does_not_exist_is_made_with_a_note(tmp_path):
    """A blind walkthrough: `--home /tmp/walk1/hom status` (a typo) made a new empty home without a word, and a
    subscription then went into it. Every command but `ingest` (which fills a new home) says it made one."""
    from click.testing import CliRunner

    from trendscope.ui.cli import main

    typo = tmp_path / "hom"
    res = CliRunner().invoke(main, ["--home", str(typo), "status"])
    assert res.exit_code == 0 and typo.is_dir()
    assert f"note: {typo} did not exist: created a new, empty data home" in res.stderr
    again = CliRunner().invoke(main, ["--home", str(typo), "status"])
    assert "did not exist" not in again.stderr  # said once, when it is made
    fresh = tmp_path / "fresh"
    res = CliRunner().invoke(main, ["--home", str(fresh), "ingest", "--snapshot", str(tmp_path / "none.jsonl")])
    assert fresh.is_dir() and "did not exist" not in res.stderr


def test_an_empty_home_is_refused_not_taken_for_the_default(tmp_path, monkeypatch):
    """A blind walkthrough: `--home "$DIR"` with DIR unset (or an empty $TRENDSCOPE_HOME) ran in the default home,
    making it when missing."""
    from click.testing import CliRunner

    from trendscope.ui.cli import main

    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("TRENDSCOPE_HOME", raising=False)
    res = CliRunner().invoke(main, ["--home", "", "status"])
    assert res.exit_code == 2 and "--home is empty (an unset variable?)" in res.stderr
    monkeypatch.setenv("TRENDSCOPE_HOME", "")
    res = CliRunner().invoke(main, ["status"])
    assert res.exit_code == 2 and "$TRENDSCOPE_HOME is empty" in res.stderr
    assert not (tmp_path / "user").exists()  # no default home made
    monkeypatch.delenv("TRENDSCOPE_HOME")
    assert CliRunner().invoke(main, ["status"]).exit_code == 0  # left out: the default home, as before
    assert (tmp_path / "user" / ".local" / "share" / "trendscope").is_dir()


def test_asking_for_help_makes_no_home(tmp_path):
    """A blind walkthrough: `trendscope serve --help` made ~/.local/share/trendscope, an empty home nobody asked
    for. Help (the group's or a command's) and a bad option touch no home; a command that runs makes it."""
    from click.testing import CliRunner

    from trendscope.ui.cli import main

    home = tmp_path / "home"
    for args in (["--help"], ["serve", "--help"], ["lists", "add", "--help"], ["search", "--no-such-option"]):
        res = CliRunner().invoke(main, ["--home", str(home), *args])
        assert res.exit_code in (0, 2) and "did not exist" not in res.stderr, args
        assert not home.exists(), args
    res = CliRunner().invoke(main, ["--home", str(home), "status"])
    assert res.exit_code == 0 and home.is_dir()


def test_a_file_where_the_home_keeps_a_folder_is_one_line(tmp_path):
    """A blind lab-admin walkthrough: with `<home>/index` a regular file, `status` and `doctor` ended in a
    NotADirectoryError traceback (`index` said one line)."""
    from click.testing import CliRunner

    from trendscope.ui.cli import main

    home = tmp_path / "home"
    assert CliRunner().invoke(main, ["--home", str(home), "status"]).exit_code == 0
    (home / "index").write_text("not a folder")
    for cmd in (["status"], ["doctor"]):
        res = CliRunner().invoke(main, ["--home", str(home), *cmd])
        assert res.exit_code == 1 and not isinstance(res.exception, NotADirectoryError), (cmd, res.exception)
        assert f"cannot use {home / 'index'}: Not a directory" in res.output, res.output


def test_a_database_a_newer_release_migrated_is_refused_not_used(tmp_path):
    """An upgrade walkthrough ran the release before on an upgraded home: it read and wrote without a word, its
    ingest failed in a traceback and its `index` undid tags corrected by hand. A migration this release does not
    know means a newer one made the schema: refused, with what to do."""
    from click.testing import CliRunner

    from trendscope.foundation.errors import TrendscopeError
    from trendscope.ingest.store import open_database
    from trendscope.ui.cli import main

    path = tmp_path / "trendscope.db"
    db = open_database(path)
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
               "VALUES ('trendscope.ingest', 'm999_from_the_future', '2027-01-01')")
    db.conn.commit()
    db.conn.close()
    with pytest.raises(TrendscopeError, match="upgraded by a newer Trendscope release .*m999_from_the_future"):
        open_database(path)
    out = CliRunner().invoke(main, ["--home", str(tmp_path), "status"])
    assert out.exit_code == 1 and "restore a backup made before the upgrade" in out.output
    assert "Traceback" not in out.output


def test_a_write_transaction_whose_body_raises_leaves_nothing_written(tmp_path):
    """A mutation audit: `write_transaction` committing instead of rolling back when its body raises went
    uncaught. A row written before the error must not be in the database afterwards."""
    db = connect(tmp_path / "t.db")
    db.execute("CREATE TABLE t (x INTEGER)")
    db.conn.commit()
    from trendscope.foundation.db import write_transaction

    with pytest.raises(ValueError, match="boom"):
        with write_transaction(db):
            db.execute("INSERT INTO t VALUES (1)")
            raise ValueError("boom")
    assert not db.conn.in_transaction
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0
    with write_transaction(db):
        db.execute("INSERT INTO t VALUES (2)")
    assert [r[0] for r in db.execute("SELECT x FROM t").fetchall()] == [2]


def _parent_and_child(tmp_path) -> sqlite_utils.Database:
    db = connect(tmp_path / "r.db")
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
    db.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))")
    db.execute("INSERT INTO parent VALUES (1, 'a'), (2, 'b')")
    db.execute("INSERT INTO child VALUES (10, 1), (20, 2)")
    db.conn.commit()
    return db


def test_rebuild_table_refuses_a_copy_that_loses_a_row_and_keeps_the_original(tmp_path):
    """A mutation audit: `rebuild_table`'s row-count check disabled went uncaught. A copy that drops a row must
    be refused and the table left as it was (same rows, old definition)."""
    from trendscope.foundation.db import rebuild_table

    db = _parent_and_child(tmp_path)
    with pytest.raises(RuntimeError, match="rebuilding parent: 2 rows before, 1 after"):
        rebuild_table(db, "parent", "CREATE TABLE parent__new (id INTEGER PRIMARY KEY, name TEXT)",
                      "INSERT INTO parent__new SELECT id, name FROM parent WHERE id = 1")
    assert db.execute("SELECT id, name FROM parent ORDER BY id").fetchall() == [(1, "a"), (2, "b")]
    assert "parent__new" not in db.table_names()
    assert "UNIQUE" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'parent'").fetchone()[0]
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_rebuild_table_refuses_a_rebuild_that_leaves_a_dangling_reference(tmp_path):
    """A mutation audit: `rebuild_table`'s `PRAGMA foreign_key_check` disabled went uncaught. A rebuild that
    keeps the row count but changes a key a child refers to must be refused, the original kept."""
    from trendscope.foundation.db import rebuild_table

    db = _parent_and_child(tmp_path)
    with pytest.raises(RuntimeError, match="rebuilding parent broke references"):
        rebuild_table(db, "parent", "CREATE TABLE parent__new (id INTEGER PRIMARY KEY, name TEXT)",
                      "INSERT INTO parent__new SELECT id + 100, name FROM parent")
    assert db.execute("SELECT id, name FROM parent ORDER BY id").fetchall() == [(1, "a"), (2, "b")]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    rebuild_table(db, "parent", "CREATE TABLE parent__new (id INTEGER PRIMARY KEY, name TEXT)",
                  "INSERT INTO parent__new SELECT id, name FROM parent")
    assert "UNIQUE" not in db.execute("SELECT sql FROM sqlite_master WHERE name = 'parent'").fetchone()[0]
    assert db.execute("SELECT count(*) FROM child").fetchone()[0] == 2


def test_apply_migrations_applies_a_first_set_even_when_the_last_has_nothing_pending(tmp_path):
    """A mutation audit: deciding "anything pending?" from the last migration set alone went uncaught. With two
    sets where only the first has a migration to apply, it must be applied."""
    from sqlite_utils import Migrations

    from trendscope.foundation.db import apply_migrations

    first, second = Migrations("test.first"), Migrations("test.second")

    @second()
    def m001_b(db):
        db.execute("CREATE TABLE b (x)")

    db = connect(tmp_path / "m.db")
    apply_migrations(db, second)
    assert "b" in db.table_names()

    @first()
    def m001_a(db):
        db.execute("CREATE TABLE a (x)")

    apply_migrations(db, first, second)
    assert "a" in db.table_names()
    assert [m.name for m in first.applied(db)] == ["m001_a"]
