"""What an import file yields, whatever its format: one `ImportedItem` per paper (its id, and what the file says
of it: note, status, title, authors, year, citation key, venue) in a `ParsedFile` with one message per bad line.
The text helpers the parsers share make every field one plain line of bounded length."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from .exporters import list_text
from .imported_forms import ImportedForms

MAX_TITLE, MAX_NAME, MAX_AUTHORS = 500, 200, 100

# a citation key an export writes back as it came: letters, digits and : . _ - / + (what BibTeX and biber accept
# and what reference managers write), starting with a letter, at most 64 characters; any other key is not kept
CITATION_KEY_RE = re.compile(r"[A-Za-z][A-Za-z0-9:._/+\-]{0,63}")


@dataclass
class ImportedItem:
    arxiv_id: str
    note: str = ""
    status: str | None = None
    line: int | None = None
    title: str = ""  # what a BibTeX entry says, kept for a paper not ingested yet
    authors: tuple[str, ...] = ()
    year: str = ""  # the entry's year ("2023"), when it is one
    key: str = ""  # a BibTeX entry's citation key, when it is one an export may write back (`CITATION_KEY_RE`)
    venue: dict[str, str] = field(default_factory=dict)  # where a BibTeX entry says it was published (`VENUE_FIELDS`)
    forms: ImportedForms = field(default_factory=ImportedForms)  # et al., names and title words kept as written
    note_cut: bool = False  # the parser cut the note's source already (a huge BibTeX `annote`): say so


@dataclass
class ParsedFile:
    """What a file yielded: items in file order (of an id given twice, the first) and one message per bad
    line/entry."""

    path: str
    fmt: str
    items: list[ImportedItem] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    cut: dict[str, str] = field(default_factory=dict)  # id -> message, of entries whose note was cut (`parse_file`)
    # (line, id, what came before the end) of each record read without its end line (RIS's `ER`): imported, named
    unended: list[tuple[int, str, str]] = field(default_factory=list)

    _lines: dict[str, list[int | None]] = field(default_factory=dict, repr=False)

    def add(self, item: ImportedItem) -> None:
        lines = self._lines.setdefault(item.arxiv_id, [])
        lines.append(item.line)
        if len(lines) == 1:
            self.items.append(item)

    @property
    def repeated(self) -> dict[str, list[int | None]]:
        """The ids the file gives more than once, with the line of each time (None where the format has none)."""
        return {aid: lines for aid, lines in self._lines.items() if len(lines) > 1}


# math in a decoded BibTeX title, `$...$` (a `\$` is a dollar sign, not math)
_MATH_RE = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")


def bib_text(value: str, limit: int) -> str:
    """A BibTeX field as one line of plain text: braces that only keep case dropped, capped at `limit`."""
    return one_line(list_text(value).replace("{", "").replace("}", ""), limit)


def decoded_title(value: str, limit: int) -> str:
    r"""A decoded BibTeX title as one line: braces that only keep case dropped (`{BERT}`), those of its math kept
    (`$\mathcal{O}(n)$` came back as `$\mathcalO(n)$`, stored and exported so: a blind walkthrough)."""
    text, parts, last = list_text(value), [], 0
    for m in _MATH_RE.finditer(text):
        parts += [text[last:m.start()].replace("{", "").replace("}", ""), m.group()]
        last = m.end()
    parts.append(text[last:].replace("{", "").replace("}", ""))
    return one_line("".join(parts), limit)


def year_of(value: object) -> str:
    """The year an import keeps ("2021" from "2021", 2021 or "2021-06-17"), or "" when it gives none: every format's
    parser reads it so."""
    text = str(value if value is not None else "").strip()
    return text[:4] if re.match(r"(19|20)\d\d(?!\d)", text) else ""


def one_line(value: str, limit: int) -> str:
    """Text as one line, spaces collapsed, capped at `limit`: a CSV or JSON title, whose braces are its own
    characters (`\\textbf{bold}` lost its braces), kept as written."""
    return re.sub(r"\s+", " ", list_text(value)).strip()[:limit]


def author_names(names) -> tuple[str, ...]:
    """Author names as one line each, at most MAX_AUTHORS; "others" (BibTeX's "and others", Google Scholar's et
    al.) and "et al." (what CSV exports write) are no author."""
    return author_list(names)[0]


def author_list(names) -> tuple[tuple[str, ...], bool]:
    """(`author_names`, whether the list is incomplete: it says "others" or "et al.", or has more than
    MAX_AUTHORS names)."""
    names = list(names)
    cleaned = [bib_text(n, MAX_NAME) for n in names]
    kept = tuple(a for a in cleaned if a and not is_et_al(a))
    return kept[:MAX_AUTHORS], len(kept) > MAX_AUTHORS or any(is_et_al(a) for a in cleaned)


def is_et_al(name: str) -> bool:
    """Whether a name stands for the authors not named: BibTeX's "others", "et al."."""
    return name.casefold().replace(".", "").strip() in ("others", "et al")


_HTML_BREAK_RE = re.compile(r"<br\s*/?>|</(?:p|div|li|h\d)>", re.IGNORECASE)


def html_note(value: str) -> str:
    """A note written as HTML (Zotero's CSV "Notes", RIS `N1`) as text: paragraphs and line breaks kept as lines
    (two paragraphs became one line: a blind walkthrough), other tags dropped, entities read."""
    text = _HTML_BREAK_RE.sub("\n", value)
    lines = (" ".join(html.unescape(re.sub(r"<[^>]{0,2000}>", " ", line)).split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
