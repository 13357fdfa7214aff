"""A consistent copy of a data home while the app and the scheduler run: `trendscope backup DIR`.

The database is copied with SQLite's online backup API, which reads one consistent state of it even while another
process writes (a plain `cp` of a database in WAL mode can miss what its `-wal` file still holds, or copy it half
written), then checked with `PRAGMA integrity_check`. The settings (`config.toml`, `secrets.toml`, `taxonomy.toml`),
a fitted tag model, the stored PDFs (`pdf/`: a PDF read from a file cannot be downloaded again) and the Atom feeds
are copied as files. The FAISS index (`index/`) is not: it is a cache of the vectors the database holds, rebuilt
by `trendscope doctor --repair` after a restore. A new DEST is written as `DEST.incomplete` and renamed once
checked; an existing empty DEST holds `BACKUP-INCOMPLETE` until the copy is complete. The home is opened as every
command opens it: a database from an older version is brought up to date first (its migrations), nothing else in
it changes.
"""
from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TrendscopeError
from .home import Home

log = logging.getLogger(__name__)

SKIPPED_DIRS = ("index",)  # rebuilt from the database
SKIPPED_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")  # the database's own side files, and locks


@dataclass
class BackupReport:
    dest: Path
    database_bytes: int = 0
    files: list[str] = field(default_factory=list)  # copied besides the database, relative to the home

    def lines(self) -> list[str]:
        pdfs = sum(1 for f in self.files if f.startswith("pdf/"))
        settings = [f for f in self.files if "/" not in f]
        out = [f"backed up to {self.dest}: the database ({self.database_bytes / 1e6:,.1f} MB, checked)"
               + (f", {', '.join(settings)}" if settings else "")
               + (f", {pdfs:,} stored PDF{'s' if pdfs != 1 else ''}" if pdfs else "")
               + (f", {len(self.files) - pdfs - len(settings):,} other file(s)"
                  if len(self.files) - pdfs - len(settings) else "")]
        out.append("to restore: stop the app and the scheduler, delete the home's trendscope.db-wal and "
                   "trendscope.db-shm (else SQLite replays them onto the restored database), copy these files into "
                   "the data home, then run `trendscope doctor --repair` (it rebuilds the search index from the "
                   "database)")
        return out


INCOMPLETE = ".incomplete"  # the suffix of the folder a backup into a new DEST is written into first
MARKER = "BACKUP-INCOMPLETE"  # the file a backup into an existing empty DEST holds until it is complete


def backup_home(home: Home, dest: Path, with_pdfs: bool = True) -> BackupReport:
    """Copy `home` into `dest` (a new or empty folder, made readable by its owner alone). A new DEST is written as
    `DEST.incomplete` and takes its name once complete and checked; an existing empty one (a mount point, a folder
    with its own group or ACL) is filled in place, holding `BACKUP-INCOMPLETE` until the end. A backup killed half
    way (a reboot at 03:30) left a folder under the final name whose database restored as an empty home, without a
    word (an operations walkthrough)."""
    dest = Path(dest).expanduser().resolve()  # `backup .` has no name to put ".incomplete" after (a review)
    if dest == home.root.resolve() or home.root.resolve() in dest.parents:
        raise TrendscopeError(f"{dest}: a backup goes outside the data home ({home.root})")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        if (dest / MARKER).exists():  # a backup under way there, or a killed one's: named (a review)
            raise TrendscopeError(f"{dest} holds {MARKER}: a backup into it is under way, or one was killed (then "
                                  "empty the folder and run again)")
        raise TrendscopeError(f"{dest}: exists and is not an empty folder; give a new one")
    if not home.db_path.exists():
        raise TrendscopeError(f"{home.db_path}: no database to back up")
    if dest.exists():
        return _into_empty_folder(home, dest, with_pdfs)
    work = dest.with_name(dest.name + INCOMPLETE)
    if work.exists():  # never removed here: it may be another backup's, under way now (a review)
        raise TrendscopeError(f"{work} exists: a backup into {dest} is under way, or one was killed (then remove "
                              "it and run again)")
    work.mkdir(parents=True)
    os.chmod(work, 0o700)  # the copy holds the same secrets and users as the home
    try:
        report = _copy_home(home, work, with_pdfs)
        os.rename(work, dest)
    except BaseException:
        # a failed backup left a damaged copy of the database behind, readable by all (umask 022), and blocked the
        # next run into the same folder (a blind lab-admin walkthrough): nothing half done stays
        shutil.rmtree(work, ignore_errors=True)
        raise
    report.dest = dest
    return report


def _into_empty_folder(home: Home, dest: Path, with_pdfs: bool) -> BackupReport:
    marker = dest / MARKER
    try:  # claimed at once: a second backup into the same folder finds the marker (the folder's check raced)
        with open(marker, "x", encoding="utf-8") as fh:
            fh.write("A backup is being written here, or one was killed: not a backup to restore.\n")
    except FileExistsError:
        raise TrendscopeError(f"{dest} holds {MARKER}: a backup into it is under way") from None
    if [p.name for p in dest.iterdir()] != [MARKER]:
        marker.unlink()
        raise TrendscopeError(f"{dest}: exists and is not an empty folder; give a new one")
    os.chmod(dest, 0o700)  # the copy holds the home's secrets and users
    try:
        report = _copy_home(home, dest, with_pdfs)
        marker.unlink()
    except BaseException:
        _empty(dest)
        raise
    return report


def _empty(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _copy_home(home: Home, dest: Path, with_pdfs: bool) -> BackupReport:
    report = BackupReport(dest)
    target = dest / home.db_path.name
    _copy_database(home.db_path, target)
    report.database_bytes = target.stat().st_size
    for path in sorted(home.root.rglob("*")):
        rel = path.relative_to(home.root)
        if (path == home.db_path or not path.is_file() or rel.parts[0] in SKIPPED_DIRS
                or path.name.endswith(SKIPPED_SUFFIXES) or (rel.parts[0] == "pdf" and not with_pdfs)):
            continue
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, out)  # keeps the mode: secrets.toml stays its owner's alone
        report.files.append(rel.as_posix())
    log.info("backed up %s to %s (%d files besides the database)", home.root, dest, len(report.files))
    return report


def _copy_database(source: Path, target: Path) -> None:
    """The database as one consistent state (SQLite's online backup), checked."""
    src = sqlite3.connect(source, timeout=30)  # reads only; a read-only open cannot read a WAL it did not start
    target.touch(mode=0o600)  # its owner's alone from the first byte (SQLite gives its journal the same mode)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        # integrity_check, not quick_check: SQLite 3.40's quick_check reports NULLs in WITHOUT ROWID tables that
        # hold none (paper_categories.pk here), where integrity_check says ok
        problems = [r[0] for r in dst.execute("PRAGMA integrity_check(20)").fetchall()]
    except sqlite3.Error as exc:
        raise TrendscopeError(f"{source}: cannot copy the database: {exc} (nothing was kept in {target.parent})"
                              ) from exc
    finally:
        dst.close()
        src.close()
    os.chmod(target, 0o600)
    if problems != ["ok"]:
        raise TrendscopeError(f"{source}: its copy fails SQLite's check ({'; '.join(problems[:3])}): the database "
                              "may be damaged (`trendscope doctor` checks it; it cannot mend it); keep the earlier "
                              "backups, and restore the latest sound one (the failed copy was removed)")
