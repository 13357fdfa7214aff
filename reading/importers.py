"""Read arXiv ids out of files: a plain list of ids/URLs, BibTeX, RIS, CSL JSON (`ris_import`, `_csl_fields`), or
Trendscope's own CSV/JSON/Markdown exports.

Pure parsing: each parser returns the entries it understood plus one problem message per bad line or
entry (with its line number); nothing is written here. Messages name the file as the user knows it (`display_name`,
e.g. the name of a file uploaded through the app), never a temporary path.

CSV and JSON rows are validated field by field (`status` must be one of the list statuses, `note` and the id must
be text); a bad row is reported (`item 3: ...`, `line 4: ...`) and skipped. JSON nested deeper than
`MAX_JSON_DEPTH` is refused before it is parsed. In every format a note is cut to `MAX_NOTE` characters (each entry
cut named in `ParsedFile.cut`), and a file of more than `MAX_IMPORT` papers is refused whole. Everything
Trendscope's exports write imports back: the CSV formula guard (`'` before = + - @ tab CR) is removed, control
characters are dropped from notes.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.records import BadArxivId, arxiv_id_in_text, parse_arxiv_id

from .bibtex_export import ENTRY_TYPES
from .bibtex_import import VENUE_FIELDS, VENUE_PLACES, parse_bibtex
from .csl_import import csl_record, is_csl
from .exporters import csv_unguard, list_text
from .imported import (
    CITATION_KEY_RE,
    MAX_TITLE,
    ImportedItem,
    ParsedFile,
    author_list,
    html_note,
    one_line,
    year_of,
)
from .imported_forms import ImportedForms
from .list_input import MAX_IMPORT, MAX_NOTE
from .list_store import STATUSES
from .markdown_import import parse_markdown
from .ris_import import looks_like_ris, parse_ris

IMPORT_FORMATS = ("auto", "ids", "bibtex", "csv", "json", "md", "ris")
MAX_JSON_DEPTH = 64  # Trendscope's own export nests 3 deep
_JSON_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKET_RE = re.compile(r"[\[\]{}]")



def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    by_suffix = {".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv", ".json": "json", ".md": "md",
                 ".markdown": "md", ".ris": "ris"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    stripped = text.lstrip()
    if stripped.startswith("@") or re.search(r"^\s*@\w+\s*[{(]", text, re.M):
        return "bibtex"
    if stripped.startswith("{") or stripped.startswith("["):  # a CSL JSON file is a list of objects
        return "json"
    if looks_like_ris(text):
        return "ris"
    return "ids"


def read_text(path: str | Path, display_name: str | None = None) -> str:
    p = Path(path)
    label = display_name or str(p)
    if not p.is_file():  # "/dev/null: no such file" read as wrong (a blind walkthrough)
        raise TrendscopeError(f"{label}: " + ("a directory, not a file" if p.is_dir() else
                                              "not a regular file" if p.exists() else "no such file"))
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TrendscopeError(f"{label}: cannot read ({exc.strerror})") from exc
    if b"\x00" in data[:4096]:
        raise TrendscopeError(f"{label}: looks like a binary file, not a list of arXiv ids or BibTeX")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # where, as snapshots and taxonomy.toml say it (a blind walkthrough)
        at = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)  # counted after a BOM: the wrong byte
        line = data.count(b"\n", 0, at) + 1
        column = at - (data.rfind(b"\n", 0, at) + 1) + 1
        raise TrendscopeError(f"{label}: line {line}: not UTF-8 text (byte 0x{data[at]:02x} at byte "
                              f"{column} of the line)") from exc


# where an entry starts, for the formats whose entries can be counted before parsing them
_ENTRY_START = {"bibtex": re.compile(r"^[ \t]*@(?!(?:string|comment|preamble)\b)[A-Za-z]+[ \t]*[{(]", re.M | re.I),
                "ris": re.compile(r"^TY  - ", re.M)}


def parse_file(path: str | Path, fmt: str = "auto", display_name: str | None = None) -> ParsedFile:
    """Parse a file in `fmt` (or detect it); raises TrendscopeError if the file cannot be read at all.

    `display_name` (default: the path) names the file in every message."""
    if fmt not in IMPORT_FORMATS:
        raise TrendscopeError(f"unknown import format {fmt!r} (choose from {', '.join(IMPORT_FORMATS)})")
    p = Path(path)
    label = display_name or str(p)
    text = read_text(p, label)
    if fmt == "auto":
        fmt = detect_format(Path(display_name) if display_name and Path(display_name).suffix else p, text)
    parser = {"ids": parse_ids, "bibtex": parse_bibtex, "csv": parse_csv, "json": parse_json, "md": parse_markdown,
              "ris": parse_ris}
    starts = _ENTRY_START.get(fmt)
    if starts is not None and (n := len(starts.findall(text))) > MAX_IMPORT:
        # counted before parsing: 50,000 BibTeX entries were parsed for 21 s, then refused (a hostile-input check)
        raise TrendscopeError(f"{label}: {n:,} entries; one import adds at most {MAX_IMPORT:,} papers: split the file")
    out = parser[fmt](text)
    if len(out.items) > MAX_IMPORT:  # refused whole, before anything is written: not the first 10,000 silently
        raise TrendscopeError(f"{label}: {len(out.items):,} papers; one import adds at most {MAX_IMPORT:,}: split "
                              "the file")
    out.path = label
    out.fmt = fmt
    out.problems = [f"{label}: {m}" for m in out.problems]
    _cut_notes(out, label)
    return out


def _cut_notes(out: ParsedFile, label: str) -> None:
    """Cut each note to MAX_NOTE characters, as `lists note` takes them, naming each entry cut in `out.cut`: every
    import path stored a 5,000,000-character note whole (an audit). Cut, not refused: a researcher moving her
    library keeps the paper and its note's start, and is told."""
    for item in out.items:
        if len(item.note) > MAX_NOTE or item.note_cut:
            item.note = item.note[:MAX_NOTE]
            where = f"line {item.line}: " if item.line else ""
            out.cut[item.arxiv_id] = (f"{label}: {where}the note of {item.arxiv_id} was cut to its first "
                                      f"{len(item.note):,} characters (a note holds at most {MAX_NOTE:,}).")


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


def _kind(value: object) -> str:
    if isinstance(value, str):
        return repr(value[:60])
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return "a number"
    return "an object" if isinstance(value, dict) else "a list"


# where a reference manager's CSV keeps a paper's arXiv id when its `Url` is the published version's (Zotero: "DOI"
# 10.48550/arXiv.X, "Extra" "arXiv: X", "Archive ID" / "Archive Location" "arXiv:X"; a blind walkthrough's Zotero
# row with an ACL Anthology URL was refused though its Extra named the id)
ID_ELSEWHERE = ("doi", "extra", "archive_id", "archive_location", "loc._in_archive", "publication_title", "number")


def _record_id(rec: dict, where: str, out: ParsedFile) -> str | None:
    """The arXiv id of a CSV row / JSON object: its `arxiv_id`, `id` or `url` field, else an arXiv id written in
    one of `ID_ELSEWHERE`; None (the row reported) when there is none."""
    given = [k for k in ("arxiv_id", "id", "url") if rec.get(k) not in (None, "")]
    raw = ""
    for key in given:  # CSL JSON's `id` is the reference manager's own ("http://zotero.org/..."), its `URL` arXiv's
        value = rec[key]
        if not isinstance(value, str):
            out.problems.append(f"{where}: {key} must be text (got {_kind(value)})")
            return None
        raw = raw or value.strip()
        try:
            return parse_arxiv_id(value.strip())[0]
        except BadArxivId:
            pass
    for field in (*ID_ELSEWHERE, "extra_note") if rec.get("csl") else ID_ELSEWHERE:  # CSL's note: Zotero's Extra
        if isinstance(value := rec.get(field), str) and (found := arxiv_id_in_text(value)):
            return found
    if rec.get("csl"):  # its `id` is the reference manager's: naming it as "not an arXiv id" said nothing useful
        title = rec.get("title") if isinstance(rec.get("title"), str) else ""
        named = f" ({one_line(title, 60)!r})" if title else ""
        out.problems.append(f"{where}{named}: no arXiv id in its URL, DOI, number or note")
    elif raw:
        out.problems.append(f"{where}: not an arXiv id or URL: {raw[:80]!r}")
    else:  # "not an arXiv id or URL: ''" showed as a closing quote in the app (a blind walkthrough); "the arxiv_id
        # field is empty" named a column the file did not have (a blind walkthrough)
        given = [k for k in ("arxiv_id", "id", "url") if k in rec]
        also = [{"doi": "DOI", "extra": "Extra"}.get(k, k) for k in ID_ELSEWHERE if k in rec]
        elsewhere = f", and no arXiv id is in its {' or '.join(also)}" if also else ""
        out.problems.append(f"{where}: no arXiv id (the {' / '.join(given)} field is empty{elsewhere})" if given
                            else f"{where}: no arXiv id")
    return None


def _note_text(rec: dict) -> object:
    """The row's note: Trendscope's `note`, else a reference manager's `notes` (Zotero's CSV writes its notes'
    HTML there: read as text). A CSL item's `note` is the reference's Extra field ("arXiv: 2106.09685"), not the
    reader's note (`csl_import`)."""
    if rec.get("csl"):
        return None
    if "note" in rec or not isinstance(rec.get("notes"), str):
        return rec.get("note")
    return html_note(rec["notes"])




def _item_from_record(rec: dict, where: str, out: ParsedFile, line: int | None) -> None:
    """One CSV row / JSON object: its id, note and status, each checked; a bad row is reported and skipped."""
    aid = _record_id(rec, where, out)
    if aid is None:
        return
    status = rec.get("status")
    if isinstance(status, str):
        status = status.strip().lower() or None
    if status is not None and status not in STATUSES:
        got = repr(status[:40]) if isinstance(status, str) else json.dumps(status)[:40]
        out.problems.append(f"{where}: status must be one of {', '.join(STATUSES)} (got {got})")
        return
    note = _note_text(rec)
    if note is not None and not isinstance(note, str):
        out.problems.append(f"{where}: note must be text (got {_kind(note)})")
        return
    title, authors, year, et_al = _record_metadata(rec)
    key = rec.get("citation_key")  # our JSON's, or CSL's citation-key (Better BibTeX)
    key = key if isinstance(key, str) and CITATION_KEY_RE.fullmatch(key) else ""
    venue = _record_venue(rec)
    if venue and year_of(rec["venue"].get("year")):  # the venue's year, not v1's
        year = year_of(rec["venue"]["year"])
    out.add(ImportedItem(aid, note=list_text(note), status=status, line=line, title=title, authors=authors,
                         year=year, forms=ImportedForms(et_al=et_al), key=key, venue=venue))


def _record_venue(rec: dict) -> dict[str, str]:
    """The `venue` of Trendscope's JSON export (an entry's type and where it was published), checked as a BibTeX
    import checks them; anything else is none."""
    venue = rec.get("venue")
    if not isinstance(venue, dict) or venue.get("type") not in ENTRY_TYPES:
        return {}
    out = {k: one_line(v, 300) for k, v in venue.items() if k in VENUE_FIELDS and isinstance(v, str) and v.strip()}
    return {"type": venue["type"], **out} if out.keys() & set(VENUE_PLACES) else {}


def _record_metadata(rec: dict) -> tuple[str, tuple[str, ...], str, bool]:
    """The title, authors and year a CSV row or JSON object gives (Zotero's CSV: `Title`, `Author` as "Last, First;
    Last, First", `Publication Year`; Trendscope's own exports: `title`, `authors`, `published`), kept for a paper
    not ingested yet as a BibTeX entry's are (a Zotero CSV's paper showed no title: a blind walkthrough); and
    whether the authors are incomplete (a last "et al." in CSV, `authors_incomplete` in JSON)."""
    title = rec.get("title")
    title = one_line(title, MAX_TITLE) if isinstance(title, str) else ""
    names = rec.get("authors", rec.get("author"))
    if isinstance(names, str):
        names = names.split(";")
    authors, et_al = (author_list(n for n in names if isinstance(n, str)) if isinstance(names, list)
                      else ((), False))
    et_al = bool(authors) and (et_al or rec.get("authors_incomplete") in (True, "true", "yes"))
    year = next((str(v).strip()[:4] for k in ("publication_year", "year", "published")
                 if isinstance(v := rec.get(k), (str, int)) and str(v).strip()), "")
    return title, authors, year_of(year), et_al


def parse_csv(text: str) -> ParsedFile:
    """A CSV with an `arxiv_id` (or `id` / `url`) column; `note` and `status` columns are kept.

    Cells written with Trendscope's formula guard (`'=...`) get their original text back."""
    out = ParsedFile("", "csv")
    header = text.split("\n", 1)[0]
    # a spreadsheet set to a European locale writes ';' between cells (refused as "no arxiv_id column" although
    # the header began "arxiv_id;": a blind walkthrough); some write tabs
    delimiter = max((",", ";", "\t"), key=lambda d: (header.count(d), d == ","))
    reader = csv.DictReader(io.StringIO(text), strict=True, delimiter=delimiter)
    try:
        cols = {_column(c) for c in (reader.fieldnames or [])}
    except csv.Error as exc:
        out.problems.append(f"line 1: not valid CSV ({exc})")
        return out
    if not cols & {"arxiv_id", "id", "url", *ID_ELSEWHERE[:2]}:
        out.problems.append("line 1: CSV header has no arxiv_id, id, url, DOI or Extra column")
        return out
    _csv_rows(reader, io.StringIO(text).readlines(), out)  # lines as the csv module counts them (at "\n")
    return out


def _column(name: str | None) -> str:
    """A CSV column's key: "arXiv ID", "ArXiv-Id" and "arxiv_id" are one column."""
    return re.sub(r"[\s\-]+", "_", (name or "").strip().lower())


def _csv_rows(reader: csv.DictReader, lines: list[str], out: ParsedFile) -> None:
    """The rows of `reader` (over `lines`). A row the csv module cannot read is reported at the line it starts
    on, and the lines after that one are read again as rows: a quote that is never closed swallowed every later
    row into one cell, silently (a blind walkthrough lost a row that way)."""
    offset = 0  # lines of the file before the ones `reader` reads
    start = reader.line_num + 1
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            alone, fault = _one_line_row(lines[start - 1], reader.fieldnames,  # `"2101.00001" ,note`: as before
                                         reader.reader.dialect.delimiter)
            if alone is None:
                fault = fault or str(exc)
                why = ("a quoted field is never closed (a missing \"?)" if "unexpected end of data" in fault
                       else f"not valid CSV ({fault})")
                out.problems.append(f"line {start}: {why}; the line is skipped and the lines after it are read "
                                    "as rows")
            else:
                _item_from_record(alone, f"line {start}", out, start)
            offset = start
            reader = csv.DictReader(lines[offset:], fieldnames=reader.fieldnames, strict=True,
                                    delimiter=reader.reader.dialect.delimiter)
            start = offset + 1
            continue
        _item_from_record(_cells(rec), f"line {start}", out, start)
        start = offset + reader.line_num + 1


def _cells(rec: dict) -> dict:
    return {_column(k): csv_unguard(v) if isinstance(v, str) else v for k, v in rec.items()}


def _one_line_row(line: str, fieldnames, delimiter: str = ",") -> tuple[dict | None, str | None]:
    """(the row, None) of one line whose only fault is text after a closing quote (a space before the comma, as
    the lenient reader always took it); else (None, the line's own fault, if it has one: above all a quote it
    never closes)."""
    try:
        next(csv.reader([line], strict=True, delimiter=delimiter))
    except csv.Error as exc:
        if "expected after" not in str(exc):
            return None, str(exc)
    except StopIteration:
        return None, None
    else:
        return None, None  # the line alone is fine: its fault is in the lines read with it
    row = next(csv.DictReader([line], fieldnames=fieldnames, delimiter=delimiter), None)
    return (_cells(row), None) if row else (None, None)


def _json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether arrays/objects nest deeper than `limit` (counted without parsing, so without recursion)."""
    depth = 0
    for m in _JSON_BRACKET_RE.finditer(_JSON_STRING_RE.sub('""', text)):
        depth += 1 if m.group(0) in "[{" else -1
        if depth > limit:
            return True
    return False


def _json_int(digits: str) -> int | float:
    """A JSON integer; one longer than Python converts (4,300 digits) as infinity, a number like any other: an
    unused field holding one stopped the import with "ValueError: Exceeds the limit (4300 digits)" (an audit)."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


def _json_lines(text: str, out: ParsedFile) -> ParsedFile:
    """One JSON value per line (an object with an `id`/`arxiv_id`, or an id): a hit printed by `search --json` piped
    into `lists import NAME -` was "invalid JSON (Extra data)" (a blind walkthrough)."""
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line, parse_int=_json_int)
        except (json.JSONDecodeError, ValueError) as exc:
            out.problems.append(f"line {n}: invalid JSON ({getattr(exc, 'msg', exc)})")
            continue
        _json_item(rec, f"line {n}", out, n)
    return out


def _json_item(rec: object, where: str, out: ParsedFile, line: int | None) -> None:
    """One value of a JSON import (a list's item, a JSON Lines line): an id, Trendscope's object, or a CSL item."""
    if isinstance(rec, str):
        rec = {"arxiv_id": rec}
    if not isinstance(rec, dict):
        out.problems.append(f"{where}: expected an arXiv id or an object (got {_kind(rec)})")
        return
    _item_from_record(csl_record(rec) if is_csl(rec) else rec, where, out, line)


def parse_json(text: str) -> ParsedFile:
    """Trendscope's JSON export ({"items": [...]}), a plain JSON list of ids / objects, or JSON Lines."""
    out = ParsedFile("", "json")
    too_deep = f"too deeply nested (more than {MAX_JSON_DEPTH} levels of arrays and objects)"
    if _json_depth_exceeds(text, MAX_JSON_DEPTH):
        out.problems.append(too_deep)
        return out
    try:
        data = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # JSON Lines, as `search --json` and `similar --json` print their hits
            return _json_lines(text, out)
        out.problems.append(f"line {exc.lineno}: invalid JSON ({exc.msg})")
        return out
    except RecursionError:
        out.problems.append(too_deep)
        return out
    except ValueError as exc:  # a value json read but Python cannot convert: one line, not "Internal error"
        out.problems.append(f"not readable as JSON ({str(exc).split(':')[0]})")
        return out
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        out.problems.append("expected a JSON list of ids or an object with an 'items' list")
        return out
    for i, rec in enumerate(items, 1):
        _json_item(rec, f"item {i}", out, None)
    return out
