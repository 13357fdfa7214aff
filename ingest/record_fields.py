"""Pure checks of a paper record's fields where untrusted records enter (snapshot lines): dates within arXiv's
life, categories shaped like arXiv's taxonomy, DOIs shaped like DOIs, web links only, and caps on how many of each
a paper keeps. No I/O, no clock: "today" is a parameter.

Two outcomes, chosen so that nothing real is lost:
- a field a paper cannot be stored without (its publication date; its categories, when it names some and none is
  a category) raises `BadLine`: the line is skipped with the reason;
- a field a paper does without (a bad `updated` date, a DOI that is no DOI, a `javascript:` link, a category among
  real ones that is none, the authors past MAX_AUTHORS) is dropped, and one note per field saying so is appended
  to `notes` (the importer logs it with the file and line).

Why at all: a paper dated 9999-12-31 was stored and then broke every `trendscope index` run (OverflowError in
`trends_over_time.periods_between`), and 300,000 "categories", `<b>` in a category, 200,000 authors or a
`javascript:` link were stored as given (a blind audit).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

from trendscope.foundation.text import clean_text
from trendscope.foundation.wording import quoted

# arXiv opened in August 1991; nothing it holds can be dated earlier (0001-01-01 was stored from a snapshot)
ARXIV_START = date(1991, 1, 1)
# a first version is dated by its submission in UTC; two days cover a clock behind arXiv's and time zones
FUTURE_DAYS = 2
# archive ("cs", "hep-th", "cond-mat", "q-bio") and optional subject class, upper-case pairs ("cs.LG", "math.ST")
# or lower-case words with hyphens ("cond-mat.stat-mech", "physics.data-an"); old archives ("cmp-lg") fit too
CATEGORY_RE = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.(?:[A-Z]{2}|[a-z]+(?:-[a-z]+)*))?")
# arXiv's archives, today's and those it merged away (1990s: "cmp-lg", "solv-int", "alg-geom"): a word of the right
# shape that is none of them ("banana", "notacat"; the shared corpus has "na" and "none" beside real ones) is no
# category (it was stored, filtered on and charted as one: a blind walkthrough)
ARXIV_ARCHIVES = frozenset({
    "astro-ph", "cond-mat", "cs", "econ", "eess", "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math",
    "math-ph", "nlin", "nucl-ex", "nucl-th", "physics", "q-bio", "q-fin", "quant-ph", "stat",
    "acc-phys", "adap-org", "alg-geom", "ao-sci", "atom-ph", "bayes-an", "chao-dyn", "chem-ph", "cmp-lg",
    "comp-gas", "dg-ga", "funct-an", "mtrl-th", "patt-sol", "plasm-ph", "q-alg", "solv-int", "supr-con",
})
MAX_CATEGORY_CHARS = 32  # the longest real one is 18 ("cond-mat.stat-mech")
MAX_CATEGORIES = 20  # the shared corpus's 162,699 papers list at most 8
# the longest author lists on arXiv are ATLAS/CMS papers of some 5,200 names (the shared corpus's longest: 3,303),
# so the cap keeps every real list whole
MAX_AUTHORS = 6_000
MAX_LINKS = 20
MAX_LINK_CHARS = 2_000
# "10." + a registrant code of 4+ digits (sub-codes after dots) + "/" + a suffix without whitespace, quotes,
# braces or backslashes: those end a BibTeX field ("10.1/x}\n@misc{y" was stored); old SICI DOIs keep their <>
DOI_RE = re.compile(r'10\.\d{4,9}(?:\.\d+)*/[^\s{}"\\]+')
MAX_DOI_CHARS = 300


class BadLine(ValueError):
    """A snapshot line that cannot be stored; the message says why."""


def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


def published_date(text: str, name: str, today: date) -> str:
    """A publication date within arXiv's life, else BadLine: without a date it could be stored by, the paper is
    refused (it was undated everywhere before) rather than kept with a made-up one."""
    day = _day(text)
    if day < ARXIV_START:
        raise BadLine(f"field '{name}' {text} is before arXiv began ({ARXIV_START.isoformat()})")
    if day > today + timedelta(days=FUTURE_DAYS):
        raise BadLine(f"field '{name}' {text} is in the future (today is {today.isoformat()})")
    return text


def updated_date(text: str | None, published: str | None, name: str, today: date, notes: list[str]) -> str | None:
    """The latest version's date, or None (noted) when it cannot be true: before the first version's or in the
    future. Dropped, not refused: the paper and its publication date are still good."""
    if text is None:
        return None
    if published is not None and text < published:
        notes.append(f"field '{name}' {text} is before the paper's publication date {published}: dropped")
        return None
    if _day(text) > today + timedelta(days=FUTURE_DAYS):
        notes.append(f"field '{name}' {text} is in the future (today is {today.isoformat()}): dropped")
        return None
    return text


def is_category(text: str) -> bool:
    return (len(text) <= MAX_CATEGORY_CHARS and CATEGORY_RE.fullmatch(text) is not None
            and text.split(".", 1)[0] in ARXIV_ARCHIVES)


def api_categories(terms: list[str], primary: str | None) -> tuple[list[str], str | None]:
    """An arXiv API entry's categories (distinct, in order) and primary, arXiv's categories only: its category terms
    may also hold ACM or MSC classes ("I.2.7", "68T05"), which no filter or chart takes, and which migration m014
    drops from what was stored. The primary, when none, is the first category left."""
    cats = [c for c in dict.fromkeys(terms) if is_category(c)]
    return cats, primary if primary and is_category(primary) else (cats[0] if cats else None)


def _shown(value: str) -> str:
    """A bad value in a message: on one line, cut at 40 characters (a 100,000-character category was one)."""
    return quoted(" ".join(clean_text(value).split()), 40)


def _examples(values: list[str], n: int = 2) -> str:
    shown = ", ".join(_shown(v) for v in values[:n])
    return shown + (f" and {len(values) - n:,} more" if len(values) > n else "")


def arxiv_categories(values: list[str], name: str, notes: list[str]) -> list[str]:
    """Distinct categories in order, those not shaped like arXiv's dropped (noted) and at most MAX_CATEGORIES kept.
    BadLine when there were some and none is a category: such a paper belongs nowhere and would be filed under
    "<b>evil</b>" (the line's other fields are no more to be trusted)."""
    good, bad = _sorted_out(values, is_category)
    if not values:  # stored without a word, filed under no category (a walkthrough): said, the paper still kept
        notes.append(f"field '{name}' is empty: stored without a category (category filters and trends by "
                     "category leave it out)")
    if bad and not good:
        raise BadLine(f"field '{name}' holds no arXiv category (such as cs.LG or hep-th): {_examples(bad)}")
    if bad:
        what = "is not an arXiv category" if len(bad) == 1 else "are not arXiv categories"
        notes.append(f"field '{name}': {_examples(bad)} {what}: dropped")
    return _first(good, MAX_CATEGORIES, name, "categories", notes)


def _sorted_out(values: list[str], good_one) -> tuple[list[str], list[str]]:
    """The distinct `values`, in order, as (those `good_one` accepts, the others)."""
    good: list[str] = []
    bad: list[str] = []
    for v in dict.fromkeys(values):
        (good if good_one(v) else bad).append(v)
    return good, bad


def _first(good: list[str], cap: int, name: str, noun: str, notes: list[str]) -> list[str]:
    """The first `cap` of `good` (noted when there were more)."""
    if len(good) > cap:
        notes.append(f"field '{name}' lists {len(good):,} {noun}: the first {cap} kept")
    return good[:cap]


def checked_primary(value: str | None, categories: list[str], notes: list[str]) -> str | None:
    """The primary category, or the first of `categories` when it is none or not shaped like a category (noted)."""
    if value and not is_category(value):
        notes.append(f"field 'primary_category' {_shown(value)} is not an arXiv category: the first category "
                     "used instead")
        value = None
    return value or (categories[0] if categories else None)


def capped_authors(names: list[str], notes: list[str]) -> list[str]:
    """The first MAX_AUTHORS names (noted when more were given): 200,000 "authors" were stored as one paper's."""
    if len(names) > MAX_AUTHORS:
        notes.append(f"{len(names):,} authors: the first {MAX_AUTHORS:,} kept")
        return names[:MAX_AUTHORS]
    return names


def _is_web_link(url: str) -> bool:
    if len(url) > MAX_LINK_CHARS or any(ch.isspace() for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[x" (an unclosed IPv6 bracket)
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def web_links(urls: list[str], name: str, notes: list[str]) -> list[str]:
    """Distinct http(s) links of at most MAX_LINK_CHARS, at most MAX_LINKS of them; the rest dropped (noted):
    a `javascript:` link would run when clicked wherever a link is drawn."""
    good, bad = _sorted_out(urls, _is_web_link)
    if bad:
        what = "is not an http(s) link" if len(bad) == 1 else "are not http(s) links"
        notes.append(f"field '{name}': {_examples(bad)} {what} of at most {MAX_LINK_CHARS:,} characters: dropped")
    return _first(good, MAX_LINKS, name, "links", notes)


def checked_doi(value: object, name: str, notes: list[str]) -> str | None:
    """A DOI shaped like one (10.NNNN/suffix), or None (noted). arXiv's snapshot sometimes gives two, separated
    by a space, a comma or a semicolon: the first is kept, without the separator (a review)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        notes.append(f"field '{name}' is not a string ({type(value).__name__}): dropped")
        return None
    if len(value) > MAX_DOI_CHARS:
        notes.append(f"field '{name}' is longer than {MAX_DOI_CHARS} characters ({len(value):,}): dropped")
        return None
    parts = [p.rstrip(",;") for p in re.split(r"[\s,;]+(?=10\.)|\s+", value.strip()) if p.rstrip(",;")]
    if not parts or not all(DOI_RE.fullmatch(p) for p in parts):
        notes.append(f"field '{name}' {_shown(value)} is not a DOI (10.NNNN/...): dropped")
        return None
    if len(parts) > 1:
        notes.append(f"field '{name}' holds {len(parts)} DOIs: the first kept")
    return parts[0]
