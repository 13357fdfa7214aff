"""What an import file yields, whatever its format: one `ImportedItem` per paper (its id, and what the file says
of it: note, status, title, authors, year, citation key, venue) in a `ParsedFile` with one message per bad line.
The text helpers the parsers share make every field one plain line of bounded length."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .exporters import clean_text

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


def bib_text(value: str, limit: int) -> str:
    """A BibTeX field as one line of plain text: braces that only keep case dropped, capped at `limit`."""
    return re.sub(r"\s+", " ", clean_text(value).replace("{", "").replace("}", "")).strip()[:limit]


def author_names(names) -> tuple[str, ...]:
    """Author names as one line each, at most MAX_AUTHORS; "others" (BibTeX's "and others", Google Scholar's et
    al.) is no author."""
    cleaned = (bib_text(n, MAX_NAME) for n in list(names)[:MAX_AUTHORS])
    return tuple(a for a in cleaned if a and a.casefold() != "others")
