"""`trendscope backup DIR`: a consistent, checked copy of a data home that a restore brings back to work."""
from __future__ import annotations

import shutil
import sqlite3

from click.testing import CliRunner

from trendscope.foundation.backup import backup_home
from trendscope.foundation.home import Home
from trendscope.ui.cli import main

PW = "correct horse battery"


def cli(home, *args, input=None):
    return CliRunner().invoke(main, ["--home", str(home), *args], input=input)


def _count(db_path) -> int:
    with sqlite3.connect(db_path) as c:
        return c.execute("SELECT count(*) FROM papers").fetchone()[0]


def test_a_backup_is_consistent_while_another_process_writes_and_restores_to_a_working_home(app_home, tmp_path):
    """A lab admin found nothing on backups: with the database in WAL mode, a plain copy while the app or the
    scheduler writes can miss what the -wal file holds (a blind walkthrough)."""
    home = app_home
    (home / "config.toml").write_text('[smtp]\nhost = "mail.lab.example"\n')
    (home / "secrets.toml").write_text("# nothing yet\n")
    (home / "secrets.toml").chmod(0o600)
    (home / "pdf").mkdir(exist_ok=True)
    (home / "pdf" / "ab.pdf").write_bytes(b"%PDF-1.4 a stored PDF")
    (home / "ingest.lock").write_text("")
    papers = _count(home / "trendscope.db")
    assert cli(home, "status").exit_code == 0  # the home as the CLI leaves it (migrated, in WAL mode)
    writer = sqlite3.connect(home / "trendscope.db", timeout=1)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    writer.execute("DELETE FROM paper_categories")
    try:
        report = backup_home(Home(home), tmp_path / "bk")
    finally:
        writer.rollback()
        writer.close()
    said = "\n".join(report.lines())
    assert said.startswith(f"backed up to {tmp_path / 'bk'}: the database (") and "checked)" in said
    assert "config.toml" in said and "1 stored PDF" in said and "doctor --repair" in said
    bk = tmp_path / "bk"
    assert _count(bk / "trendscope.db") == papers
    with sqlite3.connect(bk / "trendscope.db") as c:
        assert c.execute("SELECT count(*) FROM paper_categories").fetchone()[0] > 0  # the committed state
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, nothing beside it
    copied = sorted(p.relative_to(bk).as_posix() for p in bk.rglob("*") if p.is_file())
    assert "config.toml" in copied and "secrets.toml" in copied and "pdf/ab.pdf" in copied
    assert not [p for p in copied if p.startswith("index/") or p.endswith((".lock", "-wal", "-shm"))], copied
    assert (bk / "secrets.toml").stat().st_mode & 0o077 == 0 and (bk / "trendscope.db").stat().st_mode & 0o077 == 0
    assert bk.stat().st_mode & 0o077 == 0
    # restored into a new home, the search index is rebuilt and search works
    restored = tmp_path / "restored"
    shutil.copytree(bk, restored)
    assert cli(restored, "doctor", "--repair").exit_code == 0
    assert cli(restored, "doctor", "--check").exit_code == 0
    found = cli(restored, "search", "transformer", "-n", "3", "--mode", "semantic")
    assert found.exit_code == 0 and found.output.strip(), found.output
    # the command, without the PDFs
    out = cli(home, "backup", str(tmp_path / "bk2"), "--no-pdfs")
    assert out.exit_code == 0 and "checked)" in out.output and "stored PDF" not in out.output, out.output
    assert _count(tmp_path / "bk2" / "trendscope.db") == papers and not (tmp_path / "bk2" / "pdf").exists()


def test_a_backup_goes_to_a_new_folder_outside_the_home_and_is_for_admins(app_home, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    for dest, said in ((tmp_path / "full", "exists and is not an empty folder"),
                       (app_home / "inside", "a backup goes outside the data home")):
        out = cli(app_home, "backup", str(dest))
        assert out.exit_code == 1 and said in out.output, out.output
    assert cli(app_home, "users", "add", "ana", "--email", "ana@lab.example", input=PW + "\n").exit_code == 0
    out = cli(app_home, "--user", "ana", "backup", str(tmp_path / "bk"))
    assert out.exit_code != 0 and "admin" in out.output and not (tmp_path / "bk").exists()


def test_a_failed_backup_keeps_nothing(app_home, tmp_path):
    """A blind lab-admin walkthrough: a backup of a damaged database failed, as it should, but left the damaged
    copy behind, readable by all (umask 022: user names, emails, password hashes), and the next night's run into
    the same folder failed as "not an empty folder"."""
    import os

    home = tmp_path / "damaged"
    shutil.copytree(app_home, home)
    db = home / "trendscope.db"
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode = DELETE")
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(page * 3, len(data) - page, page * 7):  # garbage over every 7th page after the first 3
        data[start:start + page] = os.urandom(page)
    db.write_bytes(bytes(data))
    new = tmp_path / "bk-new"
    out = cli(home, "backup", str(new))
    assert out.exit_code == 1 and "the database" in out.output, out.output
    assert not new.exists()
    empty = tmp_path / "bk-empty"
    empty.mkdir()
    assert cli(home, "backup", str(empty)).exit_code == 1 and list(empty.iterdir()) == []
    good = tmp_path / "bk-good"
    done = cli(app_home, "backup", str(good))
    assert done.exit_code == 0, done.output
    assert (good / "trendscope.db").stat().st_mode & 0o777 == 0o600
    assert "delete the home's trendscope.db-wal and trendscope.db-shm" in done.output


def test_a_backup_of_a_home_that_is_not_there_is_refused_not_an_empty_backup(tmp_path):
    """An operations walkthrough: `--home /tmp/typo backup DIR` made an empty home and printed "backed up ... the
    database (0.2 MB, checked)", exit 0: a cron job's misspelt home backed up nothing every night."""
    out = cli(tmp_path / "typo", "backup", str(tmp_path / "bk"))
    assert out.exit_code == 1 and "no data home there (nothing to back up; is --home" in out.output, out.output
    assert not (tmp_path / "typo").exists() and not (tmp_path / "bk").exists()
    out = cli(tmp_path / "typo", "doctor", "--check")  # a monitor read "status: ok"
    assert out.exit_code == 1 and "no data home there (nothing to check" in out.output


def test_a_backup_takes_its_name_only_once_complete(app_home, tmp_path, monkeypatch):
    """An operations walkthrough killed a backup half way: the folder under its final name held a database that
    restored as an empty home, without a word. It is written as NAME.incomplete and renamed once checked; what a
    killed run left is cleared by the next one."""
    from trendscope.foundation import backup

    dest = tmp_path / "bk"
    seen = []

    def watching(source, target):  # the database is being copied: where, and is the final name there yet?
        seen.append((target.parent.name, dest.exists(), (target.parent / backup.MARKER).exists()))
        return real(source, target)

    real = backup._copy_database
    monkeypatch.setattr(backup, "_copy_database", watching)
    (tmp_path / "bk.incomplete").mkdir()  # left by a killed run, or another backup's under way: never removed here
    refused = cli(app_home, "backup", str(dest))
    assert refused.exit_code == 1 and "bk.incomplete exists: a backup into" in refused.output
    (tmp_path / "bk.incomplete").rmdir()
    done = cli(app_home, "backup", str(dest))
    assert done.exit_code == 0, done.output
    assert seen == [("bk.incomplete", False, False)]
    assert (dest / "trendscope.db").stat().st_size > 10_000 and not (tmp_path / "bk.incomplete").exists()
    assert f"backed up to {dest}:" in done.output
    # an existing empty folder (a mount point, a group's folder) is filled in place, marked until complete; and
    # `backup .` works (it had no name to add ".incomplete" to: a review)
    seen.clear()
    here = tmp_path / "mounted"
    here.mkdir()
    monkeypatch.chdir(here)
    done = cli(app_home, "backup", ".")
    assert done.exit_code == 0, done.output
    assert (here / "trendscope.db").exists() and not (here / backup.MARKER).exists()
    assert seen == [("mounted", True, True)]
    killed = tmp_path / "killed"  # what a killed backup into an existing folder leaves is named (a review)
    killed.mkdir()
    (killed / backup.MARKER).write_text("x")
    refused = cli(app_home, "backup", str(killed))
    assert refused.exit_code == 1 and "holds BACKUP-INCOMPLETE: a backup into it is under way, or one was killed" \
        in refused.output

