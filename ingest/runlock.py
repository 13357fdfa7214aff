"""One ingest at a time per data home: a file lock, released by the OS even when the process is killed."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from filelock import FileLock, Timeout

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home


def ingest_lock_path(home: Home):
    return home.lock_path("ingest")


@contextlib.contextmanager
def ingest_lock(home: Home, timeout: float = 0) -> Iterator[None]:
    """Hold the ingest lock; raise a one-line TrendscopeError when another ingest holds it."""
    home.ensure()
    lock = FileLock(str(ingest_lock_path(home)), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise TrendscopeError(
            f"another ingest is running on {home.root} (lock {ingest_lock_path(home).name}); wait for it to finish"
        ) from None
    try:
        yield
    finally:
        lock.release()


def ingest_running(home: Home) -> bool:
    """True when some process holds the ingest lock right now."""
    if not ingest_lock_path(home).exists():
        return False
    lock = FileLock(str(ingest_lock_path(home)), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return True
    lock.release()
    return False
