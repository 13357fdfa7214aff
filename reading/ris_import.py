"""RIS import (what Zotero, Mendeley, EndNote and Google Scholar export as `.ris`): one record per `TY  -` ...
`ER  -` block, each `TAG  - value` line one field. A record's arXiv id comes from its address (`UR`, `L1`, `L2`),
its DOI (`DO`, the arXiv DOI 10.48550/arXiv.X), its accession number (`AN`) or a note saying "arXiv: X" (`N1`,
where Zotero writes a preprint's Extra field); title (`TI`/`T1`), authors (`AU`/`A1`), year (`PY`/`Y1`/`DA`) are
kept for a paper not ingested yet, as a BibTeX entry's are, and the other `N1` notes become the note. Pure
parsing: one message per record without an arXiv id, naming its line (a RIS file was read as a list of ids, every
line "not an arXiv id": a blind walkthrough). A record without its `ER` line ends where the next record (or the
file) begins and is imported, named in `ParsedFile.unended`."""
from __future__ import annotations

import html
import re

from trendscope.ingest.records import BadArxivId, arxiv_id_in_text, parse_arxiv_id

from .exporters import list_text
from .imported import MAX_TITLE, ImportedItem, ParsedFile, author_list, html_note, one_line, year_of
from .imported_forms import ImportedForms

MAX_WRAPPED = 20_000  # characters a value keeps of the lines it is wrapped onto (a note is cut further on import)
_TAG_RE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
ID_TAGS = ("UR", "L1", "L2", "DO", "AN", "N1", "M1", "ID")
# a note that only names the paper's arXiv id ("arXiv:2106.09685 [cs]", Zotero's Extra for a preprint): no note
_ID_ONLY_NOTE_RE = re.compile(r"^\s*arxiv\s*:?\s*\S+(?:\s*\[[^\]]*\])?\s*$", re.I)


def looks_like_ris(text: str) -> bool:
    """Whether a file's first non-blank line is a RIS record's start (`TY  - JOUR`)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return bool(re.match(r"^TY  - ", first.lstrip("\ufeff")))


def parse_ris(text: str) -> ParsedFile:
    """The RIS records of `text` that name an arXiv id."""
    out = ParsedFile("", "ris")
    record: dict[str, list[str]] = {}
    start, last_tag = 0, ""
    for n, line in enumerate(text.splitlines(), 1):
        m = _TAG_RE.match(line.rstrip())
        if not m:
            if line.strip() and last_tag and record and len(record[last_tag][-1]) < MAX_WRAPPED:
                # a value wrapped onto the next line: a note keeps its lines (past MAX_WRAPPED characters no more:
                # a million wrapped lines took 79 s, each line copying the whole value, a hostile-input check)
                record[last_tag][-1] += "\n" + line.strip()
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            if record:
                _add_record(record, start, out, unended="the next record")
            record, start = {"TY": [value]}, n
        elif tag == "ER":
            if record:
                _add_record(record, start, out)
            record, last_tag = {}, ""
            continue
        elif record:
            record.setdefault(tag, []).append(value)
        else:
            out.problems.append(f"line {n}: {tag} outside a record (a record starts with TY)")
            continue
        last_tag = tag
    if record:
        _add_record(record, start, out, unended="the end of the file")
    if not out.items and not out.problems and text.strip():
        out.problems.append("no RIS records found")
    return out


def _arxiv_id(record: dict[str, list[str]]) -> str | None:
    for tag in ID_TAGS:
        for value in record.get(tag, []):
            try:
                return parse_arxiv_id(value)[0]
            except BadArxivId:
                if found := arxiv_id_in_text(value):
                    return found
    return None


def _add_record(record: dict[str, list[str]], line: int, out: ParsedFile, unended: str = "") -> None:
    """Add one record; `unended` names what ended a record without its `ER` line (it was counted "skipped" while
    it was imported: a blind walkthrough)."""
    aid = _arxiv_id(record)
    title = one_line(html.unescape(next(iter(record.get("TI", []) + record.get("T1", [])), "")), MAX_TITLE)
    if aid is None:
        named = f" {title[:60]!r}" if title else ""
        out.problems.append(f"line {line}: record{named} has no arXiv id (UR, DO, AN or N1)")
        return
    authors, et_al = author_list(record.get("AU", []) + record.get("A1", []))
    year = next((y for tag in ("PY", "Y1", "DA") for v in record.get(tag, []) if (y := year_of(v))), "")
    notes = [html_note(v) for v in record.get("N1", [])]
    # Zotero's "arXiv:2106.09685 [cs]" line is no note; "arXiv version" is one (a review)
    note = list_text("\n\n".join(v for v in notes if v and not (_ID_ONLY_NOTE_RE.match(v) and arxiv_id_in_text(v))))
    out.add(ImportedItem(aid, note=note, line=line, title=title, authors=authors, year=year,
                         forms=ImportedForms(et_al=et_al and bool(authors))))
    if unended:
        out.unended.append((line, aid, unended))
