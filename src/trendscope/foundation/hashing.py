"""Content hashes: file fingerprints for snapshots, index files and caches; row digests for stored tables."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class RowCursor(Protocol):
    def fetchmany(self, size: int = ...) -> list[Sequence]: ...


def file_fingerprint(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def rows_digest(cursor: RowCursor, chunk: int = 20_000) -> tuple[int, str, Any]:
    """(count, SHA-1, the last row's first field) of the rows a cursor yields in a stable order, each row written as
    its fields joined by ":": a fingerprint of a table's contents that changes when any row does."""
    h = hashlib.sha1()
    count, last = 0, None
    while rows := cursor.fetchmany(chunk):
        count += len(rows)
        last = rows[-1][0]
        h.update("\n".join(":".join(map(str, r)) for r in rows).encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return count, h.hexdigest(), last
