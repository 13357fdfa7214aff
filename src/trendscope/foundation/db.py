"""The database: one SQLite file per data home, opened in WAL mode; transactions, chunked `IN`, migrations.

Only `*store*` modules write SQL; they get their connection and helpers from here.

A connection opened by `connect` turns the failures a user has to fix in the file system (a read-only data home,
a full disk, a file that cannot be opened or is damaged) into `DatabaseStorageError`: a `TrendscopeError` whose
one-line message names the database file, and still a `sqlite3.OperationalError` for code that handles those.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from filelock import FileLock, Timeout
from sqlite_utils import Migrations

from .errors import FileStorageError, StorageError, TrendscopeError, os_reason
from .stemming import light_text

T = TypeVar("T")
log = logging.getLogger(__name__)

#: SQLite's host-parameter limit is 999 on old builds; 500 leaves room for other parameters.
IN_CHUNK = 500
MIGRATION_LOCK_TIMEOUT = 120


class DatabaseStorageError(StorageError, sqlite3.OperationalError):
    """SQLite could not read or write the database file for a reason outside Trendscope (see `storage_error`)."""

    def __init__(self, message: str, path: str = "", reason: str = "", detail: str = ""):
        super().__init__(message)
        self.path, self.reason, self.detail = path, reason, detail


# primary SQLite result code -> (what could not be done, why)
_SQLITE_FAILURES = {
    3: ("write to", "permission denied"),  # SQLITE_PERM
    8: ("write to", "the database is read-only"),  # SQLITE_READONLY
    10: ("write to", "disk I/O error"),  # SQLITE_IOERR
    11: ("read", "the database file is damaged"),  # SQLITE_CORRUPT
    13: ("write to", "the disk is full"),  # SQLITE_FULL
    14: ("open", "the file cannot be opened (missing, or its folder is not accessible or read-only)"),  # CANTOPEN
    26: ("read", "the file is not a SQLite database"),  # SQLITE_NOTADB
}
_SQLITE_MESSAGES = {
    "readonly database": 8, "disk is full": 13, "unable to open database file": 14, "disk I/O error": 10,
    "database disk image is malformed": 11, "file is not a database": 26,
}
_OS_REASONS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.ENOENT}


def storage_error(exc: BaseException, path: str | Path | None) -> StorageError | None:
    """The one-line error for a read-only, full, unopenable or damaged database (or a file-system error of the
    same kind), naming `path`; None for any other error (a bug or a constraint: not the user's to fix)."""
    if isinstance(exc, StorageError):
        return exc
    where = str(path) if path else "the database"
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary not in _SQLITE_FAILURES:
            primary = next((c for m, c in _SQLITE_MESSAGES.items() if m in str(exc)), None)
        if primary is None:
            return None
        action, reason = _SQLITE_FAILURES[primary]
        # what to do about it (a damaged database sent the admin to `doctor`, which cannot mend one: an operations
        # walkthrough)
        then = ("; stop the app and the scheduler and restore the latest backup (`trendscope backup`, "
                "docs/ingest.md)") if primary == 11 else ""
        return DatabaseStorageError(f"cannot {action} {where}: {reason} ({exc}){then}", where, reason, str(exc))
    if isinstance(exc, OSError) and exc.errno in (errno.ENOTDIR, errno.EISDIR):
        # `<home>/index` made a file: `status` and `doctor` ended in a NotADirectoryError traceback (a walkthrough)
        target = exc.filename or where
        return FileStorageError(f"cannot use {target}: {os_reason(exc)} (the data home keeps a folder there, or a "
                                "file: move the other one away)", exc)
    if isinstance(exc, OSError) and exc.errno in _OS_REASONS:
        target = exc.filename or where
        return FileStorageError(f"cannot write to {target}: {os_reason(exc)}", exc)
    return None


def _translating(base: type, method_name: str, path_of):
    """`base`'s method, turning a storage failure into DatabaseStorageError (naming the file)."""
    call = getattr(base, method_name)

    def method(self, *args):
        try:
            return call(self, *args)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, StorageError):
                raise
            err = storage_error(exc, path_of(self))
            if err is None:
                raise
            raise err from exc

    method.__name__ = method_name
    return method


class _Cursor(sqlite3.Cursor):
    execute = _translating(sqlite3.Cursor, "execute", lambda cur: getattr(cur.connection, "path", ""))
    executemany = _translating(sqlite3.Cursor, "executemany", lambda cur: getattr(cur.connection, "path", ""))
    executescript = _translating(sqlite3.Cursor, "executescript", lambda cur: getattr(cur.connection, "path", ""))


class _Connection(sqlite3.Connection):
    """A connection whose storage failures name the database file (see `storage_error`)."""

    path = ""

    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    execute = _translating(sqlite3.Connection, "execute", lambda conn: conn.path)
    executemany = _translating(sqlite3.Connection, "executemany", lambda conn: conn.path)
    executescript = _translating(sqlite3.Connection, "executescript", lambda conn: conn.path)
    commit = _translating(sqlite3.Connection, "commit", lambda conn: conn.path)
    __exit__ = _translating(sqlite3.Connection, "__exit__", lambda conn: conn.path)


def _raise_storage_error(exc: BaseException, db: sqlite_utils.Database) -> None:
    """Raise the StorageError for `exc` when it is one (a no-op otherwise: the caller re-raises `exc`)."""
    if isinstance(exc, StorageError):
        return
    err = storage_error(exc, database_path(db))
    if err is not None:
        raise err from exc


_READ_ONLY = _SQLITE_FAILURES[8][1]
_CANNOT_OPEN = _SQLITE_FAILURES[14][1]


BUSY_TIMEOUT_MS = 30000


def _enable_wal(db: sqlite_utils.Database, path: Path, sleep=time.sleep) -> None:
    """Switch the file to WAL (once per database: the mode is kept in the file). Another connection writing the
    file (a first run's migrations, say) makes `PRAGMA journal_mode=wal` fail at once with "database is locked",
    without waiting: SQLite's busy timeout does not cover it. So it is tried again, with backoff, for as long as
    the busy timeout, and it is done when the other connection switched the file itself. A read-only file stays
    as it is (opened for reading)."""
    waited, delay = 0.0, 0.02
    while db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            db.enable_wal()
            return
        except DatabaseStorageError as exc:
            if exc.reason not in (_READ_ONLY, _CANNOT_OPEN):
                raise
            log.info("%s is read-only: opened for reading without WAL", path)
            return
        except sqlite3.OperationalError as exc:
            if ("locked" not in str(exc) and "busy" not in str(exc)) or waited * 1000 >= BUSY_TIMEOUT_MS:
                raise
        sleep(delay)
        waited += delay
        delay = min(2 * delay, 0.5)


def _open(target: str, path: Path, uri: bool = False) -> sqlite_utils.Database:
    conn = sqlite3.connect(target, uri=uri, factory=_Connection)
    if isinstance(conn, _Connection):
        conn.path = str(path)
    try:
        conn.create_function("light_text", 1, light_text, deterministic=True)  # the keyword index's triggers
        db = sqlite_utils.Database(conn)
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(db, path)
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return db


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a database in WAL mode with Trendscope's pragmas; applies no migrations.

    A database that cannot be written is still opened for reading; its first write raises `DatabaseStorageError`.
    When the folder is read-only too, SQLite cannot create the WAL's shared-memory file; a database with no
    pending WAL is then opened as immutable (read-only, no locking: nobody can write it from here).
    """
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_private(path)
    except OSError as exc:
        raise StorageError(f"cannot create {path.parent}: {os_reason(exc)}") from exc
    try:
        try:
            return _open(str(path), path)
        except DatabaseStorageError as exc:
            wal = path.with_name(path.name + "-wal")
            if exc.reason not in (_READ_ONLY, _CANNOT_OPEN) or not path.is_file() or (
                    wal.exists() and wal.stat().st_size > 0):
                raise
            log.info("%s: %s; opened read-only", path, exc.reason)
            return _open(f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro&immutable=1", path, uri=True)
    except StorageError:
        raise
    except (sqlite3.DatabaseError, OSError) as exc:
        raise storage_error(exc, path) or TrendscopeError(f"cannot open database {path}: {exc}") from exc


def _create_private(path: Path) -> None:
    """A new database file readable by its owner alone (mode 600; SQLite gives its -wal and -shm files the same
    mode): it holds password and session hashes and email addresses, and was created 644. An existing file is
    left as it is (an admin may have shared it with a group on purpose)."""
    if os.name == "nt" or str(path) == ":memory:" or path.exists():
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:  # created by another process just now
        pass


def database_path(db: sqlite_utils.Database) -> str:
    """The file behind a connection ('' for an in-memory database)."""
    path = getattr(db.conn, "path", "")
    if path:
        return "" if path == ":memory:" or path.startswith("file::memory:") else path
    try:
        row = db.conn.execute("PRAGMA database_list").fetchone()
    except sqlite3.Error:
        return ""
    return row[2] if row else ""


def migration_lock_path(db: sqlite_utils.Database) -> Path | None:
    """The lock file beside the database that serialises migrations (None for in-memory databases)."""
    file = database_path(db)
    return Path(file + ".migrate.lock") if file else None


def apply_migrations(db: sqlite_utils.Database, *sets: Migrations) -> None:
    """Apply the pending migrations of each set, deciding what is pending only while holding the lock.

    Two processes opening a fresh home at once both see "nothing applied"; the lock makes the second wait
    and then find the first one's work done, instead of failing with "table already exists". A database with
    nothing pending is left alone (no lock file, no write), so a read-only data home can still be read.
    """
    path = database_path(db) or "the database"
    try:
        if not _pending_of_a_known_schema(db, sets, path):
            return
    except sqlite3.DatabaseError as exc:
        err = storage_error(exc, path)
        raise TrendscopeError(f"cannot read the database schema of {path}: {exc}") if err is None else err from exc
    lock_path = migration_lock_path(db)
    lock = FileLock(str(lock_path), timeout=MIGRATION_LOCK_TIMEOUT) if lock_path else contextlib.nullcontext()
    try:
        with lock:
            for migrations in sets:
                for pending in migrations.pending(db):  # named with -v, as the docs say (an upgrade walkthrough)
                    log.info("migrating %s: %s (%s)", path, pending.name, migrations.name)
                _apply_retrying(db, migrations)
    except Timeout:
        raise TrendscopeError(f"cannot update the database schema of {path}: another process held {lock_path} "
                              f"for {MIGRATION_LOCK_TIMEOUT} s") from None
    except DatabaseStorageError as exc:
        raise DatabaseStorageError(f"cannot update the database schema of {path}: {exc.reason} ({exc.detail})",
                                   exc.path, exc.reason, exc.detail) from exc
    except StorageError:
        raise
    except OSError as exc:  # the lock file cannot be created: the data home is read-only
        raise StorageError(f"cannot update the database schema of {path}: cannot create {lock_path}: "
                           f"{os_reason(exc)}") from exc
    except sqlite3.OperationalError as exc:
        err = storage_error(exc, path)
        if err is not None:
            raise err from exc
        raise TrendscopeError(f"cannot update the database schema of {path}: {exc}") from exc


def _pending_of_a_known_schema(db: sqlite_utils.Database, sets: tuple[Migrations, ...], path: str) -> bool:
    """Whether any of `sets` has migrations to apply (one read of what is applied per set, as `pending` makes);
    a database a newer release has migrated is refused: the release before ran on an upgraded home without a word,
    its ingest failing in a traceback and its `index` undoing tags corrected by hand (an upgrade walkthrough)."""
    pending = False
    for migrations in sets:
        known = {m.name for m in migrations._migrations}
        applied = {m.name for m in migrations.applied(db)}
        if unknown := sorted(applied - known):
            raise TrendscopeError(
                f"{path} was upgraded by a newer Trendscope release (its {migrations.name} schema has "
                f"{', '.join(unknown[:3])}{' ...' if len(unknown) > 3 else ''}, which this release does not know): "
                "run the newer release, or restore a backup made before the upgrade")
        pending = pending or bool(known - applied)
    return pending


def _apply_retrying(db: sqlite_utils.Database, migrations: Migrations, attempts: int = 8) -> None:
    """`migrations.apply`, again when SQLite answers "database is locked" at once.

    In WAL mode a transaction that read before it writes fails immediately (SQLITE_BUSY_SNAPSHOT, no busy
    wait) when another process committed in between; every migration runs in its own transaction and is rolled
    back on that error, so applying the set again is safe and continues where it stopped."""
    for attempt in range(attempts):
        try:
            migrations.apply(db)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            log.info("schema update of %s met a concurrent commit (%s); again", database_path(db), exc)
            time.sleep(0.05 * (attempt + 1))


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """`BEGIN IMMEDIATE` ... `COMMIT` (rollback on any error, KeyboardInterrupt included).

    IMMEDIATE takes the write lock up front, so two writers wait for each other (busy_timeout) instead
    of failing with SQLITE_BUSY when a read transaction tries to upgrade. Nested use joins the outer one.
    A read-only or full database raises `DatabaseStorageError` (a one-line `TrendscopeError` naming the file).
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as exc:
        _raise_storage_error(exc, db)
        raise
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        _raise_storage_error(exc, db)
        raise


def chunked(items: Iterable[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def placeholders(values: Sequence[Any]) -> str:
    """`?, ?, ?` for an `IN (...)` list."""
    return ", ".join("?" for _ in values)


def select_in(db: sqlite_utils.Database, sql: str, values: Iterable[Any], *, params: Sequence[Any] = (),
              size: int = IN_CHUNK, as_dicts: bool = False) -> Iterator[Any]:
    """Run `sql` once per chunk of `values`, its `{in}` replaced by the chunk's placeholders.

    `params` are bound before the chunk's values (for `?` that come before `{in}` in the statement).
    Yields tuples, or dicts with `as_dicts=True`.
    """
    for chunk in chunked(values, size):
        q = sql.format(**{"in": placeholders(chunk)})
        if as_dicts:
            yield from db.query(q, [*params, *chunk])
        else:
            yield from db.execute(q, [*params, *chunk]).fetchall()


def rebuild_table(db: sqlite_utils.Database, table: str, create_sql: str, copy_sql: str,
                  after: Sequence[str] = ()) -> None:
    """Rebuild `table` with a new definition, keeping every row (SQLite's 12-step ALTER TABLE procedure).

    For a constraint that ALTER TABLE cannot change (a column-level UNIQUE). `create_sql` creates the new table
    under the name `<table>__new`; `copy_sql` fills it from `table` (an INSERT INTO ... SELECT); `after`
    recreates indexes. Runs with foreign keys off, so dropping the old table cascades nothing to the tables
    that refer to it, and checks every reference before committing. Call it from a migration registered with
    `transactional=False`: it is one transaction of its own, and the migration must skip it when already done.
    """
    conn = db.conn
    if conn.in_transaction:
        raise RuntimeError("rebuild_table must run outside a transaction (PRAGMA foreign_keys is ignored inside)")
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with write_transaction(db):
            before = conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            conn.execute(create_sql)
            conn.execute(copy_sql)
            after_count = conn.execute(f"SELECT count(*) FROM [{table}__new]").fetchone()[0]
            if after_count != before:
                raise RuntimeError(f"rebuilding {table}: {before} rows before, {after_count} after")
            conn.execute(f"DROP TABLE [{table}]")
            conn.execute(f"ALTER TABLE [{table}__new] RENAME TO [{table}]")
            for sql in after:
                conn.execute(sql)
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"rebuilding {table} broke references: {problems[:3]}")
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def integrity_problems(db: sqlite_utils.Database, limit: int = 10) -> list[str]:
    """What SQLite's `PRAGMA integrity_check` finds wrong in the database ([] when it is sound): a damaged page
    went unnoticed by `status` and `doctor` until a backup refused the copy (an operations walkthrough). It reads
    every page: seconds for the 6,000-paper sample, about a minute for 162,699 papers. A database too damaged to
    check is one problem."""
    try:
        found = [r[0] for r in db.execute(f"PRAGMA integrity_check({int(limit)})").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if found == ["ok"] else found
