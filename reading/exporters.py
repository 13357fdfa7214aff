"""Export a reading list as BibTeX, Markdown, CSV or JSON (pure functions over `ListItem`s).

BibTeX is written by `bibtex_export` (arXiv's own `@misc` style, stable keys, LaTeX escaping).

Every format: control characters are removed from every field (CR LF and lone CR become LF, kept only where the
format keeps line breaks: CSV and JSON; tab is kept there too). CSV cells that a spreadsheet would run as a formula
(starting with = + - @ tab or CR, after any leading `'`) get a leading `'` (OWASP's advice); `lists import` removes
it again (`csv_unguard`).
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Sequence

from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.markdown import md_escape
from trendscope.foundation.text import authors_as_prose
from trendscope.foundation.text import clean_text as stored_text
from trendscope.ingest.records import abs_url

from .list_store import ListItem

FORMATS = ("bibtex", "md", "csv", "json")
CSV_COLUMNS = (
    "arxiv_id", "title", "authors", "published", "primary_category", "status", "note", "added", "url", "ingested",
)

_FORMULA_RE = re.compile(r"'*[=+\-@\t\r]")
_GUARDED_RE = re.compile(r"'+[=+\-@\t\r]")

def list_text(text: str | None) -> str:
    """Text as a list keeps it: CR LF and lone CR become LF, tab and LF are kept, and what no stored text may hold is
    removed (`foundation.text.clean_text`: control characters, and the invisible ones that change how text reads; a
    note holding U+202E read reversed to everyone the list was shared with: a blind security walkthrough)."""
    return stored_text(re.sub(r"\r\n?", "\n", text or ""))


def csv_guard(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: `'` before = + - @ tab CR (and before `'`s leading to
    one, so that `csv_unguard` gives back exactly the original)."""
    return "'" + cell if _FORMULA_RE.match(cell) else cell


def csv_unguard(cell: str) -> str:
    """The inverse of `csv_guard`."""
    return cell[1:] if _GUARDED_RE.match(cell) else cell


def _md_escape(text: str | None) -> str:
    """One line of paper or user text, escaped (`foundation.markdown`)."""
    return md_escape(re.sub(r"\s+", " ", list_text(text)).strip())


def _md_note_lines(note: str | None) -> list[str]:
    """A note's lines, each escaped, a list marker or heading at its start too ("- item" in a note rendered as a
    list inside the quote, and a note's lines were run together: a blind walkthrough); `parse_markdown` reads
    them back."""
    return [line for line in (_md_escape(raw) for raw in list_text(note or "").split("\n")) if line]


def to_markdown(items: Sequence[ListItem], name: str = "Reading list") -> str:
    lines = [f"# {_md_escape(name)}", ""]
    marks = {"read": "x", "reading": "~", "unread": " "}
    for it in items:
        url = abs_url(it.arxiv_id)
        p = it.metadata
        title = ((_md_escape(readable_latex(p.title)) if p else f"arXiv:{it.arxiv_id}")
                 + ("" if it.ingested else " (not ingested yet)"))
        line = f"- [{marks.get(it.status, ' ')}] [{title}]({url})"
        if p is not None:
            # an import's "and others" is its et al. too (A, B read as all the authors: a blind user test)
            more = len(p.authors) > 3 or it.authors_incomplete
            who = ", ".join(authors_as_prose(p.authors[:3])) + (" et al." if p.authors and more else "")
            meta = "; ".join(_md_escape(x) for x in (who, p.published or "", p.primary_category or "") if x)
            if meta:
                line += f" — {meta}"
        line += f" — *{it.status}*"
        lines.append(line)
        lines += [f"  > {line}" for line in _md_note_lines(it.note)]
        for n in it.passage_notes:
            where = f"“{_md_escape(n.section)}”, passage {n.seq}" if n.section else f"passage {n.seq}"
            lines.append(f"  - Note on {where}: {_md_escape(n.note)}")
            if n.quote:
                lines.append(f"    > {_md_escape(n.quote)}")
    return "\n".join(lines) + "\n"


def _record(it: ListItem) -> dict:
    p = it.metadata

    def text(value: str | None) -> str | None:
        return None if value is None else list_text(value)

    return {
        "arxiv_id": it.arxiv_id,
        "title": text(readable_latex(p.title)) if p else None,  # as the app shows it, not its TeX source
        "authors": [list_text(a) for a in authors_as_prose(p.authors)] if p else [],
        "authors_incomplete": it.authors_incomplete,  # the import's list ended in "and others" (et al.)
        "published": text(p.published) if p else None,
        "primary_category": text(p.primary_category) if p else None,
        "categories": [list_text(c) for c in p.categories] if p else [],
        "doi": text(p.doi) if p else None,
        "status": it.status,
        "note": list_text(it.note),
        "passage_notes": [{"passage": n.seq, "section": list_text(n.section), "quote": list_text(n.quote),
                           "note": list_text(n.note), "created": n.created} for n in it.passage_notes],
        "added": text(it.added),
        "url": abs_url(it.arxiv_id),
        "ingested": it.ingested,
        # what an import said of the paper, kept through a JSON round trip (a list moved to another home lost its
        # \cite keys and its @inproceedings venues: a blind walkthrough)
        "citation_key": it.citation_key or None,
        "venue": {**{k: list_text(v) for k, v in it.venue.items()},
                  **({"year": it.imported_year} if it.venue and it.imported_year else {})},
    }


def to_records(items: Sequence[ListItem]) -> list[dict]:
    """Plain dicts (also what `--json` shows)."""
    return [_record(it) for it in items]


def to_csv(items: Sequence[ListItem]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for rec in to_records(items):
        rec = dict(rec, authors=_csv_authors(rec["authors"], rec["authors_incomplete"]),
                   ingested="yes" if rec["ingested"] else "no")
        w.writerow({k: csv_guard("" if v is None else str(v)) for k, v in rec.items()})
    return buf.getvalue()


CSV_CELL_CHARS = 32_000  # a spreadsheet cell holds at most 32,767 characters (Excel cuts or splits longer ones)


def _csv_authors(names: list[str], incomplete: bool) -> str:
    """The names joined with "; ", "et al." last when the list is incomplete; a list too long for one spreadsheet
    cell (a 3,000-author ATLAS paper: 44,998 characters, a walkthrough of odd real-world data) keeps the names that
    fit and ends in "et al." (read back as an incomplete list, as an import's "and others" is)."""
    text = "; ".join(names + (["et al."] if incomplete else []))
    if len(text) <= CSV_CELL_CHARS:
        return text
    kept, size = [], len("; et al.")
    for name in names:
        if size + len(name) + 2 > CSV_CELL_CHARS:
            break
        kept.append(name)
        size += len(name) + 2
    return "; ".join(kept + ["et al."])


def to_json(items: Sequence[ListItem], name: str = "") -> str:
    return json.dumps({"list": list_text(name), "items": to_records(items)}, ensure_ascii=False, indent=2) + "\n"


def export(items: Sequence[ListItem], fmt: str, name: str = "", include_abstract: bool = False,
           as_file: bool = False) -> bytes:
    """The list in one of FORMATS, as UTF-8 bytes. `as_file`: a file a user opens (a download, `--out`), where a
    CSV starts with a byte order mark."""
    makers: dict[str, Callable[[], str]] = {
        "bibtex": lambda: _bibtex(items, include_abstract),
        "md": lambda: to_markdown(items, name or "Reading list"),
        "csv": lambda: to_csv(items),
        "json": lambda: to_json(items, name),
    }
    if fmt not in makers:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    # a CSV file starts with a byte order mark: without it Excel reads UTF-8 as the machine's code page
    # ("FokouÃ©"); Zotero's CSV export does the same, and pandas and LibreOffice read it. Not on stdout, which
    # scripts read as plain UTF-8.
    return makers[fmt]().encode("utf-8-sig" if fmt == "csv" and as_file else "utf-8")


def _bibtex(items: Sequence[ListItem], include_abstract: bool) -> str:
    from .bibtex_export import to_bibtex  # it reads `list_text` from here

    return to_bibtex(items, include_abstract)

