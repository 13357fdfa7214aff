"""Reading JSON Lines files (plain or gzip) one object at a time, for the stages that take a user's JSONL:
labelled papers to tag or evaluate, label files, a corpus to take texts from.

    for line_no, item in read_json_objects(path):
        if isinstance(item, BadJsonLine):
            print(item)          # "labels.jsonl:7: not valid JSON (Expecting value); skipped"
            continue
        use(item)                # a dict

Each line is decoded on its own (a leading byte-order mark is allowed), so a byte that is not UTF-8 costs its
own line, never the rest of the file; blank lines are passed over. What to do with a bad line (skip it, refuse
the file) is the caller's choice: this module only names the file, the line and what is wrong. A file that
cannot be opened or read (missing, a truncated gzip stream) raises TrendscopeError naming it.
"""
from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import TrendscopeError


@dataclass(frozen=True)
class BadJsonLine:
    """A line that is not one JSON object: where it is and why."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}; skipped"


def _open(path: Path):
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"  # by content, not by name: a renamed file still reads
    return gzip.open(path, "rb") if gzipped else path.open("rb")


def read_json_objects(path: str | Path, what: str = "file") -> Iterator[tuple[int, dict | BadJsonLine]]:
    """(line number, the line's JSON object or a BadJsonLine) for every non-blank line of `path`. `what` names
    the file in the error raised when it cannot be read ("label file", "corpus")."""
    path = Path(path)
    try:
        fh = _open(path)
    except OSError as exc:
        raise TrendscopeError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    n = 0
    try:
        with fh:
            for n, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield n, BadJsonLine(str(path), n, f"not UTF-8 (byte {exc.start + 1})")
                    continue
                if n == 1:
                    line = line.removeprefix("\ufeff")  # a byte-order mark, as some editors on Windows write
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    reason = getattr(exc, "msg", "nested too deeply")
                    yield n, BadJsonLine(str(path), n, f"not valid JSON ({reason})")
                    continue
                if not isinstance(obj, dict):
                    yield n, BadJsonLine(str(path), n, "expected a JSON object")
                    continue
                yield n, obj
    except (OSError, EOFError, zlib.error) as exc:  # a damaged or truncated gzip stream, a failing disk
        raise TrendscopeError(f"cannot read {what} {path} after line {n}: {exc}") from exc
