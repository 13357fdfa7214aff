"""Pure parsers of snapshot lines, both formats, detected per line (`parse_line`); no I/O. `snapshot` reads the
files and stores what these return.

(a) arXiv's official metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`): `categories` is a
    space-separated string, `authors` a string (with `authors_parsed`), `versions` a list of
    `{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}`.
(b) Trendscope corpus lines (`arxiv_corpus.jsonl.gz`): `authors`/`categories` are lists, `published` an ISO date.

A line that cannot become a `Paper` raises `BadLine`, whose message names the field and why. A field the paper
does without that is bad (`record_fields`: a DOI that is no DOI, a `javascript:` link) is dropped and a note saying
so appended to `notes`. "Today" (no paper is dated after it) is a parameter; only `parse_line` reads the clock, and
only when none is given.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from trendscope.foundation.clock import utc_now
from trendscope.foundation.text import clean_text

from .record_fields import (  # BadLine is still imported from here by `snapshot` and the tests
    BadLine,
    arxiv_categories,
    capped_authors,
    checked_doi,
    checked_primary,
    published_date,
    updated_date,
    web_links,
)
from .records import BadArxivId, Paper, parse_arxiv_id

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
# the year and month an id was given in: new-style 2106.09685, old-style cs/0112017 and math.GT/0309136
_ID_MONTH = re.compile(r"^(?:[a-z\-]+(?:\.[A-Z]{2})?/)?(\d\d)(0[1-9]|1[0-2])(?:\.\d{4,5}|\d{3})$")
_WS = re.compile(r"\s+")
_VERSION = re.compile(r"^v(\d+)$")
_AUTHOR_SPLIT = re.compile(r",\s*|\s+and\s+")
# an affiliation in parentheses after a name, innermost first (a group standing alone, "A. Doe, (The CMS
# Collaboration)", is a name)
_PARENTHESISED = re.compile(r"(?<=[^\s,(])\s*\([^()]*\)")
_GROUP_PREFIX = re.compile(r"^([^,:()]{2,80}\b(?:collaboration|consortium|team)):\s*", re.IGNORECASE)
_NAME_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)


def split_author_string(raw: str) -> list[str]:
    """Kaggle's `authors` string as names, where a line has no `authors_parsed`: affiliations in parentheses left
    out ("W. Adam (Institut f\\"ur Hochenergiephysik der OeAW, Wien)" made "Wien)" an author), a collaboration
    before a colon kept as one name ("CMS Collaboration: S. Chatrchyan, ..."), and ", Jr." kept with its name as
    "J. Smith Jr." (a walkthrough of odd real-world data)."""
    text = raw
    while (shorter := _PARENTHESISED.sub("", text)) != text:
        text = shorter
    text = _GROUP_PREFIX.sub(r"\1, ", text.strip())
    names: list[str] = []
    for piece in (a.strip().removeprefix("(").removesuffix(")").strip() for a in _AUTHOR_SPLIT.split(text)):
        if not piece:
            continue
        if names and _NAME_SUFFIX.match(piece):
            names[-1] += f" {piece}"  # "J. Smith Jr.", as `authors_parsed` names are written ("J. Smith, Jr." read
            # as last name "J. Smith" in BibTeX: a review)
        else:
            names.append(piece)
    return names


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
    return _utc_day(value)


def _utc_day(value: str) -> str:
    """The day of an ISO date or timestamp in UTC, as arXiv dates its papers: "2025-12-31T23:30:00-05:00" is
    2026-01-01 (stored as 2025-12-31, it fell in the wrong year and ISO week: a walkthrough of odd data); a
    timestamp without an offset, one at local midnight (a day written as a timestamp: "2026-01-05T00:00:00+01:00"
    is 2026-01-05, not the Sunday before: a review), or one that does not parse is taken as written."""
    if len(value) <= 10:
        return value[:10]
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return _day_in_utc(stamp) or value[:10]
    except (ValueError, OverflowError):  # (year 9999 after the shift: the date's own checks refuse it)
        return value[:10]


def _day_in_utc(stamp: datetime) -> str | None:
    """`stamp`'s day in UTC; None when it has no offset or is a local midnight (a day, not an instant)."""
    if stamp.tzinfo is None or (stamp.hour, stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0, 0):
        return None
    return stamp.astimezone(UTC).date().isoformat()


def _required_date(value: object, name: str) -> str:
    """A date every record needs: a paper stored with none was undated everywhere (first in newest-first search,
    no year in BibTeX, left out of every trend count: a blind walkthrough)."""
    if value is None:
        raise BadLine(f"missing field '{name}'")
    if value == "":
        raise BadLine(f"field '{name}' is empty")
    return _iso_date(value, name)


def _published_by_id(pid: str, published: str | None, name: str) -> str | None:
    """A first version's date cannot fall after the month its arXiv id was given in (YYMM.NNNNN, or archive/YYMMNNN
    from 1991 to 2007: the corpus has none more than one month after, as the id is given on submission)."""
    m = _ID_MONTH.match(pid)
    if published is None or m is None:
        return published
    year = int(m.group(1)) + (1900 if int(m.group(1)) >= 91 else 2000)  # old-style ids began in 9108
    id_month = year * 12 + int(m.group(2)) - 1
    if int(published[:4]) * 12 + int(published[5:7]) - 1 > id_month + 1:
        raise BadLine(f"field '{name}' {published} is after the month of arXiv id {pid} "
                      f"({year}-{m.group(2)})")
    return published


def _first_version_date(pid: str, value: str | None, name: str, today: date) -> str | None:
    """A first version's date: not after the month of its id, and within arXiv's life."""
    return None if value is None else published_date(_published_by_id(pid, value, name), name, today)


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
    if value is None:
        raise BadLine("missing field 'id'")
    if not isinstance(value, str):  # `"id": 12345` read "missing field 'id'" (a walkthrough)
        raise BadLine(f"field 'id' must be a string such as \"2106.09685\", got {type(value).__name__} "
                      f"{str(value)[:40]}")
    if not value.strip():
        raise BadLine("field 'id' is empty")
    try:
        return parse_arxiv_id(value)
    except BadArxivId:
        raise BadLine(f"field 'id' is not an arXiv id: {value!r}") from None


def _rfc2822_date(text: object) -> str:
    """A Kaggle version's date ("Mon, 2 Apr 2007 19:18:42 GMT"), by its day in UTC as the ISO dates are."""
    try:
        stamp = parsedate_to_datetime(str(text))
        return _day_in_utc(stamp) or stamp.date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadLine(f"bad version date {text!r}") from None


def parse_kaggle_record(obj: dict, today: date, notes: list[str]) -> Paper:
    """A record of arXiv's official metadata snapshot -> Paper; fields dropped are noted in `notes`."""
    pid, id_version = _arxiv_id(obj.get("id"))
    cats = obj.get("categories")
    if not isinstance(cats, str):
        raise BadLine("field 'categories' must be a space-separated string")
    categories = arxiv_categories(cats.split(), "categories", notes)
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
    published = _first_version_date(pid, numbered[0][1], "versions", today) if numbered else None
    updated = updated_date(numbered[-1][1], published, "versions", today, notes) if len(numbered) > 1 else None
    if published is None:  # the last update's date, so not held to the id's month; within arXiv's life still
        fallback = _iso_date(obj.get("update_date"), "update_date")
        published = None if fallback is None else published_date(fallback, "update_date", today)
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
        authors = split_author_string(_clean(obj.get("authors"), "authors", required=False) or "")
    _string_list(authors, "authors")  # each name within its length
    authors = capped_authors(authors, notes)
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
        doi=checked_doi(obj.get("doi"), "doi", notes),
        journal_ref=_clean(obj.get("journal-ref"), "journal-ref", required=False),
        comment=_clean(obj.get("comments"), "comments", required=False),
    )


def parse_corpus_record(obj: dict, today: date, notes: list[str]) -> Paper:
    """A Trendscope corpus record (see shared/data/README.md) -> Paper; fields dropped are noted in `notes`."""
    pid, id_version = _arxiv_id(obj.get("id"))
    categories = arxiv_categories(_string_list(obj.get("categories"), "categories"), "categories", notes)
    primary = obj.get("primary_category")
    if primary is not None and not isinstance(primary, str):
        raise BadLine("field 'primary_category' must be a string")
    version = obj.get("version", id_version)
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        raise BadLine(f"field 'version' must be a positive integer, got {version!r}")
    title, abstract = _clean(obj.get("title"), "title"), _clean(obj.get("abstract"), "abstract")
    authors = _string_list(obj.get("authors"), "authors")
    published = _first_version_date(pid, _required_date(obj.get("published"), "published"), "published", today)
    return Paper(
        id=pid,
        title=title,
        abstract=abstract,
        authors=capped_authors(authors, notes),
        categories=categories,
        primary_category=checked_primary(primary, categories, notes),
        published=published,
        updated=updated_date(_iso_date(obj.get("updated"), "updated"), published, "updated", today, notes),
        version=version,
        doi=checked_doi(obj.get("doi"), "doi", notes),
        journal_ref=_clean(obj.get("journal_ref"), "journal_ref", required=False),
        comment=_clean(obj.get("comment"), "comment", required=False),
        links=web_links(_string_list(obj.get("links"), "links"), "links", notes),
    )


def detect_format(obj: dict) -> str:
    """'arxiv-oai' for the official snapshot, 'trendscope' for corpus lines."""
    if isinstance(obj.get("categories"), str) or "versions" in obj or "authors_parsed" in obj:
        return "arxiv-oai"
    return "trendscope"


def parse_line(text: str, today: date | None = None, notes: list[str] | None = None) -> Paper:
    """One snapshot line (either format) -> Paper; raises BadLine with the reason. `today` (default: today in UTC)
    bounds the dates; the fields dropped are noted in `notes` when given."""
    today = today or utc_now().date()
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
    mine: list[str] = []  # a refused line's notes are not told: its one reason is
    parse = parse_kaggle_record if detect_format(obj) == "arxiv-oai" else parse_corpus_record
    paper = parse(obj, today, mine)
    if notes is not None:
        notes.extend(mine)
    return paper
