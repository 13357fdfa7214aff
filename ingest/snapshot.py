"""Bulk import of snapshot files: the streaming importer. Both line formats (arXiv's official metadata snapshot
and Trendscope corpus lines) are parsed, and detected per line, by `snapshot_lines.parse_line`.

A bad line is reported with its true 1-based line number and reason, counted and skipped; every good line is
stored. The file is read as bytes and each line decoded on its own, so a byte that is not UTF-8 costs its line
only; a record that cannot be parsed or stored costs its line only (a batch that fails is retried paper by
paper). Text is cleaned where it enters (`Paper`: lone surrogates and control characters never reach the
database). A field a stored paper does without that is bad (a DOI that is no DOI, a `javascript:` link, an
updated date in the future) is dropped, and a warning names the file, line and field (`record_fields`). A
read-only database or a full disk ends the import with one line naming the file.
Plain or gzip files (detected by content, not by name).
"""
from __future__ import annotations

import gzip
import io
import logging
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zlib import error as zlib_error

import sqlite_utils

from trendscope.foundation.clock import utc_now
from trendscope.foundation.db import database_path, storage_error
from trendscope.foundation.errors import StorageError, TrendscopeError
from trendscope.foundation.hashing import file_fingerprint
from trendscope.foundation.progress import progress_bar

from .ledger import IngestRun, LedgerStore
from .records import Paper
from .snapshot_lines import BadLine, parse_line
from .store import PaperStore, UpsertCounts

log = logging.getLogger(__name__)

MAX_REPORTED_BAD_LINES = 1000
MAX_LOGGED_NOTES = 20  # warnings of dropped fields told one by one; the rest are counted in one warning at the end
MAX_LINE_BYTES = 8 << 20  # a longer line is one bad line (read and dropped in pieces, never held whole)
# errors of one record's data (not of the database or the disk): that record is skipped, the others are stored
_RECORD_ERRORS = (ValueError, TypeError, OverflowError, sqlite3.IntegrityError, sqlite3.InterfaceError,
                  sqlite3.DataError)


@dataclass
class BadLineReport:
    line_no: int
    reason: str


@dataclass
class SnapshotResult:
    """What a snapshot import did (the ledger row holds the same counters)."""

    run: IngestRun
    lines: int = 0
    bad_lines: list[BadLineReport] = field(default_factory=list)
    bad_count: int = 0
    notes: list[BadLineReport] = field(default_factory=list)  # fields dropped from stored papers (the first ones)
    note_count: int = 0
    unchanged_since: int | None = None  # run id of the earlier complete import of the same file

    @property
    def new(self) -> int:
        return self.run.new

    @property
    def updated(self) -> int:
        return self.run.updated

    @property
    def skipped(self) -> int:
        return self.run.skipped


# ---------------------------------------------------------------------------------------------
# streaming


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and reports how many bytes were read (for a progress bar over the file size)."""

    def __init__(self, raw, on_read: Callable[[int], None]):
        self.raw = raw
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.raw.readinto(b)
        if n:
            self.on_read(n)
        return n


class _GunzipReader(io.RawIOBase):
    """gzip members decompressed as a stream. A file cut short gives every byte that can be decompressed before
    it raises EOFError: `gzip.GzipFile` dropped the whole read call's output (up to a megabyte of lines) with its
    error, so a truncated snapshot imported nothing or lost its last lines (a blind walkthrough)."""

    def __init__(self, raw, chunk: int = 1 << 16):
        self.raw, self.chunk = raw, chunk
        self.inflate = zlib.decompressobj(wbits=31)
        self.in_member = False  # bytes of the current member read, its end not yet
        self.pending = b""
        self.tail = b""  # compressed bytes read but not yet inflated (each step inflates to at most OUT_MAX)
        self.failure: Exception | None = None

    OUT_MAX = 1 << 20  # a step's output: a small file that inflates to gigabytes is read a megabyte at a time

    def readable(self) -> bool:
        return True

    def _more(self) -> bool:
        """Decompress another chunk into `pending`; False at the clean end of the file."""
        data, self.tail = self.tail or self.raw.read(self.chunk), b""
        if not data:
            if self.in_member:  # the stream stopped inside a member: what is left, then the error
                self.pending += self.inflate.flush()
                self.failure = EOFError("compressed file ended before the end-of-stream marker was reached")
                self.in_member = False
                return bool(self.pending)
            return False
        while data:
            if not self.in_member and not data.strip(b"\x00"):
                return True  # zero padding after the last member (gzip.GzipFile ignores it too)
            self.in_member = True
            try:
                self.pending += self.inflate.decompress(data, self.OUT_MAX)
            except zlib_error as exc:
                self.failure = exc
                self.in_member = False
                return True
            if self.inflate.unconsumed_tail:
                self.tail = self.inflate.unconsumed_tail
                return True
            if not self.inflate.eof:
                return True
            data = self.inflate.unused_data  # the next member of a concatenated file
            self.inflate = zlib.decompressobj(wbits=31)
            self.in_member = False
        return True

    def readinto(self, b) -> int:
        while not self.pending:
            if self.failure is not None:
                raise self.failure
            if not self._more() and not self.pending:
                if self.failure is not None:
                    raise self.failure
                return 0
        n = min(len(b), len(self.pending))
        b[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def open_snapshot(path: Path, on_read: Callable[[int], None] | None = None) -> io.BufferedIOBase:
    """Open a snapshot as a binary stream, gunzipping when the file starts with the gzip magic bytes.

    Bytes, not text: each line is decoded on its own (`iter_snapshot`), so one byte that is not UTF-8 costs
    one line and every line number stays true.
    """
    raw = open(path, "rb")
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream = io.BufferedReader(_CountingReader(raw, on_read), 1 << 20) if on_read else raw
    if magic == b"\x1f\x8b":
        stream = io.BufferedReader(_GunzipReader(stream), 1 << 20)
    return stream


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"not UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line: {exc.reason})"
    raise BadLine(reason)


def _split_lines(chunk: bytes) -> list[bytes]:
    """One read line -> its lines (a lone CR also ends a line, as universal newlines read it)."""
    if b"\r" not in chunk:
        return [chunk.rstrip(b"\n")]
    return chunk.splitlines() or [b""]


def iter_snapshot(path: Path, on_read: Callable[[int], None] | None = None, *, today: date | None = None,
                  on_note: Callable[[int, str], None] | None = None) -> Iterator[tuple[int, Paper | BadLine]]:
    """(line number, Paper or BadLine) for every non-blank line of the file (line numbers are 1-based and true).
    `today` (default: today in UTC, read once) bounds the papers' dates; `on_note(line number, note)` hears of
    each field dropped from a paper yielded.

    Nothing one line holds can stop the others: bytes that are not UTF-8, JSON that is invalid or nested too
    deeply, a line longer than MAX_LINE_BYTES, a record no parser expected. Only a damaged gzip stream (the
    rest cannot be read) ends the file early, with the line it ended on reported.
    """
    today = today or utc_now().date()
    with open_snapshot(path, on_read) as fh:
        line_no = 0
        while True:
            try:
                chunk = fh.readline(MAX_LINE_BYTES + 1)
                too_long = len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n")
                if too_long:  # drop the rest of this line without holding it
                    while True:
                        rest = fh.readline(MAX_LINE_BYTES)
                        if not rest or rest.endswith(b"\n"):
                            break
            except (EOFError, gzip.BadGzipFile, OSError, zlib_error) as exc:
                yield line_no + 1, BadLine(f"file ends early or is corrupt ({exc}); the rest is unreadable")
                return
            if not chunk:
                return
            if too_long:
                line_no += 1
                yield line_no, BadLine(f"line too long (more than {MAX_LINE_BYTES:,} bytes)")
                continue
            for raw in _split_lines(chunk):
                line_no += 1
                if not raw.strip():
                    continue
                notes: list[str] = []
                try:
                    paper = parse_line(_decode(raw), today, notes)
                except BadLine as exc:
                    yield line_no, exc
                except Exception as exc:  # a record no parser rule expected: this line only
                    log.debug("%s:%d: unexpected %r", path, line_no, exc, exc_info=True)
                    yield line_no, BadLine(f"unreadable record ({exc.__class__.__name__}: {exc})")
                else:
                    for note in notes:
                        if on_note is not None:
                            on_note(line_no, note)
                    yield line_no, paper


def import_snapshot(
    db: sqlite_utils.Database,
    path: str | Path,
    *,
    batch_size: int = 2000,
    progress: bool = False,
    force: bool = False,
    today: date | None = None,
) -> SnapshotResult:
    """Stream a snapshot into the store, one transaction per batch; recorded in the ledger.

    A file whose exact content (sha256) was already read to the end into this database is not rescanned
    (papers are never deleted and older versions change nothing, so it cannot bring anything new) unless
    `force`. A read-only database or a full disk raises a one-line StorageError naming the file. `today` (default:
    today in UTC): no paper is dated after it.
    """
    path = Path(path)
    if not path.is_file():
        raise TrendscopeError(f"snapshot not found: {path}")
    try:
        return _import(db, path, batch_size, progress, force, today)
    except sqlite3.DatabaseError as exc:  # connections not opened by foundation.db.connect
        err = storage_error(exc, database_path(db))
        if err is None:
            raise
        raise err from exc


def _import(db: sqlite_utils.Database, path: Path, batch_size: int, progress: bool, force: bool,
            today: date | None) -> SnapshotResult:
    store = PaperStore(db)
    ledger = LedgerStore(db)
    try:
        fp = file_fingerprint(path)
    except OSError as exc:
        raise TrendscopeError(f"cannot read snapshot {path}: {exc.strerror or exc}") from exc
    previous = None if force else ledger.completed_snapshot(fp)
    run = ledger.start(IngestRun(source="snapshot", query=str(path.resolve()), fingerprint=fp))
    result = SnapshotResult(run=run)
    if previous is not None:
        log.info("%s is unchanged since run %s: nothing new (use --force to rescan)", path, previous.run_id)
        result.unchanged_since = previous.run_id
        ledger.finish(run, "ok")
        return result
    _BatchImport(store, ledger, path, result).read(batch_size, progress, today)
    _finish(ledger, path, result)
    return result


@dataclass
class _BatchImport:
    """One file read into the store batch by batch: its bad lines and dropped fields counted into `result`, its
    counters saved to the ledger as each batch is stored."""

    store: PaperStore
    ledger: LedgerStore
    path: Path
    result: SnapshotResult
    batch: list[tuple[int, Paper]] = field(default_factory=list)
    bar: Any = None  # the progress bar over the file's bytes (None: no progress shown)

    @property
    def run(self) -> IngestRun:
        return self.result.run

    def read(self, batch_size: int, progress: bool, today: date | None) -> None:
        """Every line of the file, stored `batch_size` papers at a time; the run is marked failed if it stops."""
        on_read = None
        if progress:
            self.bar = progress_bar(self.path.stat().st_size, f"import {self.path.name}", "B", unit_scale=True)
            on_read = self.bar.update
        try:
            for line_no, item in iter_snapshot(self.path, on_read, today=today, on_note=self.note):
                self.result.lines = line_no
                if isinstance(item, BadLine):
                    self.bad(line_no, str(item))
                    continue
                self.run.seen += 1
                self.batch.append((line_no, item))
                if len(self.batch) >= batch_size:
                    self.flush()
            if self.batch:
                self.flush()
        except BaseException:
            self.ledger.mark_failed(self.run)
            raise
        finally:
            if self.bar is not None:
                self.bar.close()

    def bad(self, line_no: int, reason: str) -> None:
        result = self.result
        result.bad_count += 1
        self.run.error(f"line {line_no}: {reason}")
        if len(result.bad_lines) < MAX_REPORTED_BAD_LINES:
            result.bad_lines.append(BadLineReport(line_no, reason))
        log.info("%s:%d: skipped: %s", self.path, line_no, reason)  # the caller reports the first ones (CLI: 20)

    def note(self, line_no: int, text: str) -> None:
        # a warning, not a bad line: the paper is stored, without the field (the run stays "ok")
        result = self.result
        result.note_count += 1
        if len(result.notes) < MAX_REPORTED_BAD_LINES:
            result.notes.append(BadLineReport(line_no, text))
        log.log(logging.WARNING if result.note_count <= MAX_LOGGED_NOTES else logging.INFO, "%s:%d: %s",
                self.path, line_no, text)

    def store_batch(self) -> UpsertCounts:
        batch = self.batch
        try:
            return self.store.upsert([p for _, p in batch], batch_size=len(batch) or 1)
        except StorageError:
            raise
        except _RECORD_ERRORS as exc:  # one bad record must not take the batch with it: one paper at a time
            log.info("a batch of %d papers failed (%s): storing them one by one", len(batch), exc)
        counts = UpsertCounts()
        for line_no, paper in batch:
            try:
                counts += self.store.upsert([paper], batch_size=1)
            except StorageError:
                raise
            except _RECORD_ERRORS as exc:
                self.bad(line_no, f"cannot be stored ({exc.__class__.__name__}: {exc})")
        return counts

    def flush(self) -> None:
        run = self.run
        counts = self.store_batch()
        run.new += counts.new
        run.updated += counts.updated
        run.skipped += counts.skipped
        self.batch.clear()
        if counts.written:
            self.ledger.save(run)  # progress a killed run still shows
        if self.bar is not None:
            self.bar.set_postfix(new=run.new, updated=run.updated, skipped=run.skipped, bad=self.result.bad_count)


def _finish(ledger: LedgerStore, path: Path, result: SnapshotResult) -> None:
    """Log how many more fields were dropped than were told, then finish the run in the ledger: ok, partial (bad
    lines), or failed when no line held a paper (that raises, naming the first bad line)."""
    run = result.run
    if result.note_count > MAX_LOGGED_NOTES:
        log.warning("%s: %d more fields dropped from stored papers (run with -v to see them)", path,
                    result.note_count - MAX_LOGGED_NOTES)
    if run.seen == 0:  # not a snapshot at all (a README, an HTML error page, an empty file): refused
        ledger.finish(run, "failed")
        if not result.bad_count:
            raise TrendscopeError(f"{path} holds no paper record, nothing imported: the file is empty")
        first = result.bad_lines[0]
        lines = "its one line is bad" if result.bad_count == 1 else f"all {result.bad_count:,} lines are bad"
        raise TrendscopeError(f"{path} holds no paper record, nothing imported: {lines}; line {first.line_no}: "
                              f"{first.reason}")
    ledger.finish(run, "ok" if result.bad_count == 0 else "partial")
