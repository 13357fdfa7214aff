"""The database: one SQLite file per data home, opened in WAL mode; transactions, chunked `IN`, migrations.

Only `*store*` modules write SQL; they get their connection and helpers from here.
"""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils
from filelock import FileLock
from sqlite_utils import Migrations

from .errors import TrendscopeError

T = TypeVar("T")

#: SQLite's host-parameter limit is 999 on old builds; 500 leaves room for other parameters.
IN_CHUNK = 500


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) a database in WAL mode with Trendscope's pragmas; applies no migrations."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(path)
        db.execute("PRAGMA busy_timeout = 30000")
        if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA foreign_keys = ON")
    except (sqlite3.DatabaseError, OSError) as exc:
        raise TrendscopeError(f"cannot open database {path}: {exc}") from exc
    return db


def migration_lock_path(db: sqlite_utils.Database) -> Path | None:
    """The lock file beside the database that serialises migrations (None for in-memory databases)."""
    row = db.execute("PRAGMA database_list").fetchone()
    file = row[2] if row else ""
    return Path(file + ".migrate.lock") if file else None


def apply_migrations(db: sqlite_utils.Database, *sets: Migrations) -> None:
    """Apply the pending migrations of each set, deciding what is pending only while holding the lock.

    Two processes opening a fresh home at once both see "nothing applied"; the lock makes the second wait
    and then find the first one's work done, instead of failing with "table already exists".
    """
    lock_path = migration_lock_path(db)
    lock = FileLock(str(lock_path), timeout=120) if lock_path else contextlib.nullcontext()
    try:
        with lock:
            for migrations in sets:
                migrations.apply(db)
    except sqlite3.OperationalError as exc:
        raise TrendscopeError(f"cannot update the database schema: {exc}") from exc


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """`BEGIN IMMEDIATE` ... `COMMIT` (rollback on any error, KeyboardInterrupt included).

    IMMEDIATE takes the write lock up front, so two writers wait for each other (busy_timeout) instead
    of failing with SQLITE_BUSY when a read transaction tries to upgrade. Nested use joins the outer one.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


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
