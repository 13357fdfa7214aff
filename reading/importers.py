"""Read arXiv ids out of files: a plain list of ids/URLs, BibTeX, or Trendscope's own CSV/JSON/Markdown exports.

Pure parsing: each parser returns the entries it understood plus one problem message per bad line or
entry (with its line number); nothing is written here.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.records import BadArxivId, parse_arxiv_id

IMPORT_FORMATS = ("auto", "ids", "bibtex", "csv", "json", "md")

_ARXIV_IN_TEXT = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|arxiv:\s*|10\.48550/arxiv\.)"
    r"((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(v\d+)?",
    re.I,
)


@dataclass
class ImportedItem:
    arxiv_id: str
    note: str = ""
    status: str | None = None
    line: int | None = None


@dataclass
class ParsedFile:
    """What a file yielded: items in file order (duplicates dropped) and one message per bad line/entry."""

    path: str
    fmt: str
    items: list[ImportedItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    _seen: set[str] = field(default_factory=set, repr=False)

    def add(self, item: ImportedItem) -> None:
        if item.arxiv_id not in self._seen:
            self._seen.add(item.arxiv_id)
            self.items.append(item)


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    by_suffix = {".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv", ".json": "json", ".md": "md",
                 ".markdown": "md"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    stripped = text.lstrip()
    if stripped.startswith("@") or re.search(r"^\s*@\w+\s*[{(]", text, re.M):
        return "bibtex"
    if stripped.startswith("{"):
        return "json"
    return "ids"


def read_text(path: str | Path) -> str:
    p = Path(path)
    if not p.is_file():
        raise TrendscopeError(f"{p}: no such file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TrendscopeError(f"{p}: cannot read ({exc.strerror})") from exc
    if b"\x00" in data[:4096]:
        raise TrendscopeError(f"{p}: looks like a binary file, not a list of arXiv ids or BibTeX")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrendscopeError(f"{p}: not UTF-8 text (byte {exc.start})") from exc


def parse_file(path: str | Path, fmt: str = "auto") -> ParsedFile:
    """Parse a file in `fmt` (or detect it); raises TrendscopeError if the file cannot be read at all."""
    if fmt not in IMPORT_FORMATS:
        raise TrendscopeError(f"unknown import format {fmt!r} (choose from {', '.join(IMPORT_FORMATS)})")
    p = Path(path)
    text = read_text(p)
    if fmt == "auto":
        fmt = detect_format(p, text)
    parser = {"ids": parse_ids, "bibtex": parse_bibtex, "csv": parse_csv, "json": parse_json, "md": parse_markdown}
    out = parser[fmt](text)
    out.path = str(p)
    out.fmt = fmt
    out.problems = [f"{p}: {m}" for m in out.problems]
    return out


def parse_ids(text: str) -> ParsedFile:
    """One arXiv id or URL per line; blank lines and `#` comments are skipped (also after an id)."""
    out = ParsedFile("", "ids")
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = re.split(r"\s+#", line, maxsplit=1)[0].strip()
        try:
            aid, _ = parse_arxiv_id(line)
        except BadArxivId:
            out.problems.append(f"line {n}: not an arXiv id or URL: {line[:80]!r}")
            continue
        out.add(ImportedItem(aid, line=n))
    return out


def arxiv_id_from_fields(fields: dict[str, str]) -> str | None:
    """The arXiv id of a BibTeX entry: eprint (arXiv), else an arXiv URL / DOI / 'arXiv:X' anywhere."""
    f = {k.lower(): (v or "").strip() for k, v in fields.items()}
    prefix = f.get("archiveprefix", f.get("eprinttype", "arxiv")).lower()
    if f.get("eprint") and prefix in ("arxiv", ""):
        try:
            return parse_arxiv_id(f["eprint"])[0]
        except BadArxivId:
            pass
    for name in ("url", "doi", "journal", "note", "howpublished", "booktitle", "eprint", "volume"):
        m = _ARXIV_IN_TEXT.search(f.get(name, ""))
        if m:
            return m.group(1)
    return None


def parse_bibtex(text: str) -> ParsedFile:
    """Entries with an arXiv eprint (or arXiv URL / DOI 10.48550/arXiv.X / 'arXiv preprint arXiv:X')."""
    import bibtexparser
    from bibtexparser import middlewares as mw

    out = ParsedFile("", "bibtex")
    splitter_log = logging.getLogger("bibtexparser.splitter")  # we report its failures ourselves
    level = splitter_log.level
    splitter_log.setLevel(logging.ERROR)
    try:
        lib = bibtexparser.parse_string(text, append_middleware=[mw.LatexDecodingMiddleware()])
    except Exception as exc:  # the parser itself gave up: report it as a file problem
        out.problems.append(f"not parseable as BibTeX ({exc.__class__.__name__}: {exc})")
        return out
    finally:
        splitter_log.setLevel(level)
    for block in lib.failed_blocks:
        line = (getattr(block, "start_line", 0) or 0) + 1
        err = getattr(block, "error", None)
        why = (getattr(err, "abort_reason", None) or str(err) or type(err).__name__).strip() or "syntax error"
        out.problems.append(f"line {line}: broken BibTeX entry ({why})")
    for entry in lib.entries:
        fields = {k: str(v.value) for k, v in entry.fields_dict.items()}
        aid = arxiv_id_from_fields(fields)
        line = entry.start_line + 1
        if aid is None:
            out.problems.append(f"line {line}: entry {entry.key!r} has no arXiv id (eprint, arXiv URL or DOI)")
            continue
        note = fields.get("annote", "").replace("ˆ", "^")  # pylatexenc decodes \textasciicircum to U+02C6
        out.add(ImportedItem(aid, note=note, line=line))
    if not lib.entries and not lib.failed_blocks and text.strip():
        out.problems.append("no BibTeX entries found")
    return out


def _item_from_record(rec: dict, where: str, out: ParsedFile, line: int | None) -> None:
    raw = str(rec.get("arxiv_id") or rec.get("id") or rec.get("url") or "").strip()
    try:
        aid, _ = parse_arxiv_id(raw)
    except BadArxivId:
        out.problems.append(f"{where}: not an arXiv id or URL: {raw[:80]!r}")
        return
    status = (rec.get("status") or "").strip().lower() or None
    out.add(ImportedItem(aid, note=str(rec.get("note") or ""), status=status, line=line))


def parse_csv(text: str) -> ParsedFile:
    """A CSV with an `arxiv_id` (or `id` / `url`) column; `note` and `status` columns are kept."""
    out = ParsedFile("", "csv")
    reader = csv.DictReader(io.StringIO(text))
    cols = {c.strip().lower() for c in (reader.fieldnames or [])}
    if not cols & {"arxiv_id", "id", "url"}:
        out.problems.append("line 1: CSV header has no arxiv_id, id or url column")
        return out
    for rec in reader:
        rec = {(k or "").strip().lower(): v for k, v in rec.items()}
        _item_from_record(rec, f"line {reader.line_num}", out, reader.line_num)
    return out


def parse_json(text: str) -> ParsedFile:
    """Trendscope's JSON export ({"items": [...]}) or a plain JSON list of ids / objects."""
    out = ParsedFile("", "json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        out.problems.append(f"line {exc.lineno}: invalid JSON ({exc.msg})")
        return out
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        out.problems.append("expected a JSON list of ids or an object with an 'items' list")
        return out
    for i, rec in enumerate(items):
        if isinstance(rec, str):
            rec = {"arxiv_id": rec}
        if not isinstance(rec, dict):
            out.problems.append(f"item {i}: expected an id or an object, got {type(rec).__name__}")
            continue
        _item_from_record(rec, f"item {i}", out, None)
    return out


def parse_markdown(text: str) -> ParsedFile:
    """Markdown (e.g. Trendscope's own export): every arXiv link or `arXiv:ID` on a list line."""
    out = ParsedFile("", "md")
    status_marks = {"x": "read", "~": "reading", " ": "unread"}
    for n, raw in enumerate(text.splitlines(), 1):
        m = _ARXIV_IN_TEXT.search(raw)
        if not m:
            continue
        box = re.match(r"^\s*[-*]\s*\[(.)\]", raw)
        out.add(ImportedItem(m.group(1), status=status_marks.get(box.group(1)) if box else None, line=n))
    return out
