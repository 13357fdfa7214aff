"""Read the database on a second thread, beside the caller's own work.

SQLite releases the GIL while it steps a statement, and so do torch and FAISS. A hybrid search can therefore run
its full-text query on a worker thread, with the worker's own connection, while the calling thread embeds the
query and searches the vector index: on two cores the slower of the two legs sets the time, not their sum.

`read_beside(db, fn)` calls `fn(worker_db)` on the worker and returns a `Future`, or None when the read cannot
go beside the caller: an in-memory database (no file to open twice) or a connection inside a transaction (the
worker would not see its uncommitted rows). The caller then does the read itself.

Each worker keeps one connection per database file it has read, the few most recent ones.
"""
from __future__ import annotations

import atexit
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import sqlite_utils

from .db import connect, database_path

T = TypeVar("T")
log = logging.getLogger(__name__)

WORKERS = 2
CONNECTIONS_PER_WORKER = 4

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_local = threading.local()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="trendscope-side-reader")
            atexit.register(_executor.shutdown, wait=False, cancel_futures=True)
        return _executor


def _worker_db(path: str) -> sqlite_utils.Database:
    """This worker's connection to `path` (opened on first use; the least recently used closed past the cap)."""
    conns: OrderedDict[str, sqlite_utils.Database] = _local.__dict__.setdefault("conns", OrderedDict())
    db = conns.get(path)
    if db is None:
        db = conns[path] = connect(path)
        while len(conns) > CONNECTIONS_PER_WORKER:
            _, old = conns.popitem(last=False)
            old.conn.close()
    conns.move_to_end(path)
    return db


def read_beside(db: sqlite_utils.Database, fn: Callable[[sqlite_utils.Database], T]) -> Future[T] | None:
    """Start `fn(its own connection to db's file)` on a worker thread; None when the caller must read itself."""
    path = database_path(db)
    if not path or db.conn.in_transaction:
        return None
    return _pool().submit(lambda: fn(_worker_db(path)))
