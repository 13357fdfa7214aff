"""One `trendscope index` at a time per data home, and whether one is running now (for `status` and the app).

The lock is a file lock (`index.lock`), released by the OS even when the process is killed; its modification time
is set when a run takes it, so a status check can say since when a run holds it. While a run holds it, "papers not
indexed yet: run trendscope index" and "no FAISS index: run doctor --repair" were wrong advice (a blind
walkthrough started a second run beside the first, as `status` told them).
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime

from filelock import FileLock, Timeout

from trendscope.foundation.errors import StorageError, TrendscopeError, os_reason
from trendscope.foundation.home import Home


@contextlib.contextmanager
def index_lock(home: Home, timeout: float = 1) -> Iterator[None]:
    """Hold the index lock; a one-line TrendscopeError when another run holds it."""
    lock_path = home.lock_path("index")
    lock = FileLock(str(lock_path))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise TrendscopeError("another `trendscope index` is running on this home; try again when it ends") from None
    except OSError as exc:
        raise StorageError(f"cannot lock {lock_path}: {os_reason(exc)} (is the data home read-only?)") from exc
    try:
        with contextlib.suppress(OSError):
            os.utime(lock_path)  # when this run started, for `index_running`
        yield
    finally:
        lock.release()


def index_running(home: Home) -> datetime | None:
    """When the `trendscope index` run that holds the lock now started (UTC), None when none runs."""
    path = home.lock_path("index")
    if not path.exists():
        return None
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        try:
            return datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            return datetime.now(UTC)
    except OSError:
        return None  # a read-only home: nothing can be indexing it
    lock.release()
    return None


def running_note(started: datetime) -> str:
    """"a `trendscope index` run started 20:31 UTC is at work on them"."""
    return f"a `trendscope index` run started {started:%Y-%m-%d %H:%M} UTC is at work on them"
