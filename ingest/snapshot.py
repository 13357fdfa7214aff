"""Bulk import of snapshot files: pure line parsers for both formats plus the streaming importer.

Two line formats, detected per line:

(a) arXiv's official metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`): `categories` is a
    space-separated string, `authors` a string (with `authors_parsed`), `versions` a list of
    `{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}`.
(b) Trendscope corpus lines (`arxiv_corpus.jsonl.gz`): `authors`/`categories` are lists, `published` an ISO date.

A bad line is reported with its line number and reason, counted and skipped; every good line is stored.
Plain or gzip files (detected by content, not by name).
"""
from __future__ import annotations

import gzip
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path

import sqlite_utils

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.hashing import file_fingerprint

from .ledger import IngestRun, LedgerStore
from .records import BadArxivId, Paper, parse_arxiv_id
from .store import PaperStore

log = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_WS = re.compile(r"\s+")
_VERSION = re.compile(r"^v(\d+)$")
_AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")
MAX_REPORTED_BAD_LINES = 1000


class BadLine(ValueError):
    """A snapshot line that cannot be stored; the message says why."""


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
# pure parsers


def _clean(text: object, name: str, required: bool = True) -> str | None:
    if text is None or text == "":
        if required:
            raise BadLine(f"missing field '{name}'")
        return None
    if not isinstance(text, str):
        raise BadLine(f"field '{name}' must be a string, got {type(text).__name__}")
    out = _WS.sub(" ", text).strip()
    if required and not out:
        raise BadLine(f"empty field '{name}'")
    return out or None


def _iso_date(value: object, name: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise BadLine(f"field '{name}' is not an ISO date: {value!r}")
    return value[:10]


def _string_list(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadLine(f"field '{name}' must be a list of strings")
    return [_WS.sub(" ", v).strip() for v in value if v and v.strip()]


def _arxiv_id(value: object) -> tuple[str, int | None]:
    if not isinstance(value, str) or not value.strip():
        raise BadLine("missing field 'id'")
    try:
        return parse_arxiv_id(value)
    except BadArxivId:
        raise BadLine(f"field 'id' is not an arXiv id: {value!r}") from None


def _rfc2822_date(text: object) -> str:
    try:
        return parsedate_to_datetime(str(text)).date().isoformat()
    except (TypeError, ValueError, IndexError):
        raise BadLine(f"bad version date {text!r}") from None


def parse_kaggle_record(obj: dict) -> Paper:
    """A record of arXiv's official metadata snapshot -> Paper."""
    pid, id_version = _arxiv_id(obj.get("id"))
    cats = obj.get("categories")
    if not isinstance(cats, str):
        raise BadLine("field 'categories' must be a space-separated string")
    categories = list(dict.fromkeys(cats.split()))
    versions = obj.get("versions") or []
    if not isinstance(versions, list):
        raise BadLine("field 'versions' must be a list")
    numbered: list[tuple[int, str]] = []
    for v in versions:
        if not isinstance(v, dict):
            raise BadLine("field 'versions' must hold objects")
        m = _VERSION.match(str(v.get("version", "")))
        if not m:
            raise BadLine(f"bad version label {v.get('version')!r}")
        numbered.append((int(m.group(1)), _rfc2822_date(v.get("created"))))
    numbered.sort()
    version = numbered[-1][0] if numbered else id_version
    published = numbered[0][1] if numbered else None
    updated = numbered[-1][1] if len(numbered) > 1 else None
    if published is None:
        published = _iso_date(obj.get("update_date"), "update_date")
    parsed = obj.get("authors_parsed")
    authors: list[str]
    if isinstance(parsed, list) and parsed and all(isinstance(a, list) for a in parsed):
        authors = []
        for a in parsed:
            parts = [str(x).strip() for x in a if x and str(x).strip()]
            # [last, first, suffix] -> "first last suffix"
            name = " ".join(parts[1:2] + parts[:1] + parts[2:])
            if name:
                authors.append(_WS.sub(" ", name))
    else:
        raw = _clean(obj.get("authors"), "authors", required=False) or ""
        authors = [a.strip() for a in _AUTHOR_SPLIT.split(raw) if a.strip()]
    return Paper(
        id=pid,
        title=_clean(obj.get("title"), "title"),
        abstract=_clean(obj.get("abstract"), "abstract"),
        authors=authors,
        categories=categories,
        primary_category=categories[0] if categories else None,
        published=published,
        updated=updated,
        version=version,
        doi=_clean(obj.get("doi"), "doi", required=False),
        journal_ref=_clean(obj.get("journal-ref"), "journal-ref", required=False),
        comment=_clean(obj.get("comments"), "comments", required=False),
    )


def parse_corpus_record(obj: dict) -> Paper:
    """A Trendscope corpus record (see shared/data/README.md) -> Paper."""
    pid, id_version = _arxiv_id(obj.get("id"))
    categories = _string_list(obj.get("categories"), "categories")
    primary = obj.get("primary_category")
    if primary is not None and not isinstance(primary, str):
        raise BadLine("field 'primary_category' must be a string")
    version = obj.get("version", id_version)
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise BadLine(f"field 'version' must be a positive integer, got {version!r}")
    return Paper(
        id=pid,
        title=_clean(obj.get("title"), "title"),
        abstract=_clean(obj.get("abstract"), "abstract"),
        authors=_string_list(obj.get("authors"), "authors"),
        categories=list(dict.fromkeys(categories)),
        primary_category=primary or (categories[0] if categories else None),
        published=_iso_date(obj.get("published"), "published"),
        updated=_iso_date(obj.get("updated"), "updated"),
        version=version,
        doi=_clean(obj.get("doi"), "doi", required=False),
        journal_ref=_clean(obj.get("journal_ref"), "journal_ref", required=False),
        comment=_clean(obj.get("comment"), "comment", required=False),
        links=_string_list(obj.get("links"), "links"),
    )


def detect_format(obj: dict) -> str:
    """'arxiv-oai' for the official snapshot, 'trendscope' for corpus lines."""
    if isinstance(obj.get("categories"), str) or "versions" in obj or "authors_parsed" in obj:
        return "arxiv-oai"
    return "trendscope"


def parse_line(text: str) -> Paper:
    """One snapshot line (either format) -> Paper; raises BadLine with the reason."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadLine(f"invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise BadLine(f"expected a JSON object, got {type(obj).__name__}")
    if detect_format(obj) == "arxiv-oai":
        return parse_kaggle_record(obj)
    return parse_corpus_record(obj)


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


def open_snapshot(path: Path, on_read: Callable[[int], None] | None = None) -> io.TextIOBase:
    """Open a snapshot as text lines, gunzipping when the file starts with the gzip magic bytes."""
    raw = open(path, "rb")
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream = io.BufferedReader(_CountingReader(raw, on_read), 1 << 20) if on_read else raw
    if magic == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream, mode="rb")
    return io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline=None)


def iter_snapshot(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[tuple[int, Paper | BadLine]]:
    """(line number, Paper or BadLine) for every non-blank line of the file."""
    with open_snapshot(path, on_read) as fh:
        line_no = 0
        while True:
            try:
                line = fh.readline()
            except UnicodeDecodeError as exc:
                line_no += 1
                yield line_no, BadLine(f"not UTF-8 ({exc.reason}); rest of file unreadable")
                return
            except (EOFError, gzip.BadGzipFile, OSError) as exc:
                yield line_no + 1, BadLine(f"file ends early or is corrupt ({exc})")
                return
            if not line:
                return
            line_no += 1
            if not line.strip():
                continue
            try:
                yield line_no, parse_line(line)
            except BadLine as exc:
                yield line_no, exc


def import_snapshot(
    db: sqlite_utils.Database,
    path: str | Path,
    *,
    batch_size: int = 2000,
    progress: bool = False,
    force: bool = False,
) -> SnapshotResult:
    """Stream a snapshot into the store, one transaction per batch; recorded in the ledger.

    A file whose exact content (sha256) was already read to the end into this database is not rescanned
    (papers are never deleted and older versions change nothing, so it cannot bring anything new) unless
    `force`.
    """
    path = Path(path)
    if not path.is_file():
        raise TrendscopeError(f"snapshot not found: {path}")
    store = PaperStore(db)
    ledger = LedgerStore(db)
    fp = file_fingerprint(path)
    previous = None if force else ledger.completed_snapshot(fp)
    run = ledger.start(IngestRun(source="snapshot", query=str(path.resolve()), fingerprint=fp))
    result = SnapshotResult(run=run)
    if previous is not None:
        log.info("%s is unchanged since run %s: nothing new (use --force to rescan)", path, previous.run_id)
        result.unchanged_since = previous.run_id
        ledger.finish(run, "ok")
        return result
    bar = None
    on_read = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=f"import {path.name}")
        on_read = bar.update
    batch: list[Paper] = []

    def flush() -> None:
        counts = store.upsert(batch, batch_size=len(batch) or 1)
        run.new += counts.new
        run.updated += counts.updated
        run.skipped += counts.skipped
        batch.clear()
        if counts.written:
            ledger.save(run)  # progress a killed run still shows
        if bar is not None:
            bar.set_postfix(new=run.new, updated=run.updated, skipped=run.skipped, bad=result.bad_count)

    try:
        for line_no, item in iter_snapshot(path, on_read):
            result.lines = line_no
            if isinstance(item, BadLine):
                result.bad_count += 1
                run.error(f"line {line_no}: {item}")
                if len(result.bad_lines) < MAX_REPORTED_BAD_LINES:
                    result.bad_lines.append(BadLineReport(line_no, str(item)))
                log.warning("%s:%d: skipped: %s", path, line_no, item)
                continue
            run.seen += 1
            batch.append(item)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    except BaseException:
        ledger.finish(run, "failed")
        raise
    finally:
        if bar is not None:
            bar.close()
    ledger.finish(run, "ok" if result.bad_count == 0 else "partial")
    return result
