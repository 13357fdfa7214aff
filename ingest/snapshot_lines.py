"""Pure parsers of snapshot lines, both formats, detected per line (`parse_line`); no I/O. `snapshot` reads the
files and stores what these return.

(a) arXiv's official metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`): `categories` is a
    space-separated string, `authors` a string (with `authors_parsed`), `versions` a list of
    `{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}`.
(b) Trendscope corpus lines (`arxiv_corpus.jsonl.gz`): `authors`/`categories` are lists, `published` an ISO date.

A line that cannot become a `Paper` raises `BadLine`, whose message names the field and why.
"""
from __future__ import annotations

import json
import re
from datetime import date
from email.utils import parsedate_to_datetime

from trendscope.foundation.text import clean_text

from .records import BadArxivId, Paper, parse_arxiv_id

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_NEW_ID_MONTH = re.compile(r"^(\d\d)(0[1-9]|1[0-2])\.\d{4,5}$")
_WS = re.compile(r"\s+")
_VERSION = re.compile(r"^v(\d+)$")
_AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")


class BadLine(ValueError):
    """A snapshot line that cannot be stored; the message says why."""


# Longest real values: the shared corpus's 162,699 papers hold titles of at most 240 characters, abstracts of 4,031
# and author names of 512. A 5,000-character title filled screens of heading on its paper page (a blind security
# walkthrough): a line past these is refused, not stored.
MAX_CHARS = {"title": 1_000, "abstract": 20_000, "authors": 200_000, "author": 1_000, "comments": 5_000}


def _clean(text: object, name: str, required: bool = True) -> str | None:
    if isinstance(text, str) and len(text) > MAX_CHARS.get(name, 10_000):
        raise BadLine(f"field '{name}' is longer than {MAX_CHARS.get(name, 10_000):,} characters ({len(text):,})")
    if text is None or text == "":
        if required:  # an empty title was called missing (a blind walkthrough)
            raise BadLine(f"missing field '{name}'" if text is None else f"field '{name}' is empty")
        return None
    if not isinstance(text, str):
        raise BadLine(f"field '{name}' must be a string, got {type(text).__name__}")
    out = _WS.sub(" ", clean_text(text)).strip()
    if required and not out:
        raise BadLine(f"empty field '{name}'")
    return out or None


def _iso_date(value: object, name: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise BadLine(f"field '{name}' is not an ISO date: {value!r}")
    try:
        date.fromisoformat(value[:10])
    except ValueError:  # "2026-13-45", "2026-02-30": stored, they broke every count by month
        raise BadLine(f"field '{name}' is not a calendar date: {value!r}") from None
    return value[:10]


def _required_date(value: object, name: str) -> str:
    """A date every record needs: a paper stored with none was undated everywhere (first in newest-first search,
    no year in BibTeX, left out of every trend count: a blind walkthrough)."""
    if value is None:
        raise BadLine(f"missing field '{name}'")
    if value == "":
        raise BadLine(f"field '{name}' is empty")
    return _iso_date(value, name)


def _published_by_id(pid: str, published: str | None, name: str) -> str | None:
    """A first version's date cannot fall after the month its new-style arXiv id was given in (YYMM.NNNNN: the
    corpus has none more than one month after, as the id is given on submission)."""
    m = _NEW_ID_MONTH.match(pid)
    if published is None or m is None:
        return published
    id_month = (2000 + int(m.group(1))) * 12 + int(m.group(2)) - 1
    if int(published[:4]) * 12 + int(published[5:7]) - 1 > id_month + 1:
        raise BadLine(f"field '{name}' {published} is after the month of arXiv id {pid} "
                      f"(20{m.group(1)}-{m.group(2)})")
    return published


def _string_list(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadLine(f"field '{name}' must be a list of strings")
    if name == "authors" and (long := next((v for v in value if len(v) > MAX_CHARS["author"]), None)):
        raise BadLine(f"an author name in '{name}' is longer than {MAX_CHARS['author']:,} characters ({len(long):,})")
    cleaned = (_WS.sub(" ", clean_text(v)).strip() for v in value)
    return [v for v in cleaned if v]


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
    published = _published_by_id(pid, numbered[0][1], "versions") if numbered else None
    updated = numbered[-1][1] if len(numbered) > 1 else None
    if published is None:
        published = _iso_date(obj.get("update_date"), "update_date")
    parsed = obj.get("authors_parsed")
    authors: list[str]
    if isinstance(parsed, list) and parsed and all(isinstance(a, list) for a in parsed):
        authors = []
        for a in parsed:
            parts = [p for p in (clean_text(str(x)).strip() for x in a if x) if p]
            # [last, first, suffix] -> "first last suffix"
            name = " ".join(parts[1:2] + parts[:1] + parts[2:])
            if name:
                authors.append(_WS.sub(" ", name))
    else:
        raw = _clean(obj.get("authors"), "authors", required=False) or ""
        authors = [a.strip() for a in _AUTHOR_SPLIT.split(raw) if a.strip()]
    _string_list(authors, "authors")  # each name within its length
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
        published=_published_by_id(pid, _required_date(obj.get("published"), "published"), "published"),
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
        # json's "Unterminated string starting at" already ends in "at" ("... at at column 8": a walkthrough)
        msg = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg
        raise BadLine(f"invalid JSON ({msg} at column {exc.colno})") from None
    except RecursionError:
        raise BadLine("invalid JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise BadLine(f"invalid JSON ({exc})") from None
    if not isinstance(obj, dict):
        raise BadLine(f"expected a JSON object, got {type(obj).__name__}")
    if detect_format(obj) == "arxiv-oai":
        return parse_kaggle_record(obj)
    return parse_corpus_record(obj)
