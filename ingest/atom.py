"""Pure, strict parser of arXiv API Atom feeds (both the 2016 and the current response format).

The `arxiv` package parses leniently (lxml `recover=True`): a truncated page silently yields fewer, possibly
cut-off entries. This parser refuses anything that is not a complete, well-formed feed, so the live ingester
can tell a damaged page from a real one and retry it. Tests also use it on the fake server and on every
recorded fixture.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from .record_fields import api_categories
from .records import BadArxivId, Paper, parse_arxiv_id

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_WS = re.compile(r"\s+")


class AtomParseError(ValueError):
    """The body is not a complete arXiv Atom feed."""


@dataclass
class AtomEntry:
    """One `<entry>` as arXiv sends it (strings as given, whitespace collapsed)."""

    entry_id: str
    title: str
    summary: str
    published: str
    updated: str
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    links: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        """arXiv reports API errors (e.g. a malformed id) as an entry whose id is under /api/errors."""
        return "/api/errors" in self.entry_id

    def to_paper(self) -> Paper:
        pid, version = parse_arxiv_id(self.entry_id)
        categories, primary = api_categories(self.categories, self.primary_category)
        return Paper(
            id=pid,
            title=self.title,
            abstract=self.summary,
            authors=list(self.authors),
            categories=categories,
            primary_category=primary,
            published=self.published[:10] or None,
            updated=self.updated[:10] or None,
            version=version,
            doi=self.doi,
            journal_ref=self.journal_ref,
            comment=self.comment,
            links=list(self.links),
        )


@dataclass
class AtomFeed:
    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    entries: list[AtomEntry] = field(default_factory=list)

    @property
    def errors(self) -> list[AtomEntry]:
        return [e for e in self.entries if e.is_error]

    def papers(self) -> list[Paper]:
        out = []
        for e in self.entries:
            if e.is_error:
                continue
            try:
                out.append(e.to_paper())
            except BadArxivId:
                continue
        return out


def _text(elem, path: str) -> str | None:
    found = elem.find(path, NS)
    if found is None or found.text is None:
        return None
    return _WS.sub(" ", found.text).strip()


def _int(root, path: str) -> int | None:
    text = _text(root, path)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise AtomParseError(f"<{path}> is not an integer: {text!r}") from None


def parse_feed(body: bytes | str) -> AtomFeed:
    """Parse a whole API response; raises AtomParseError for truncated or otherwise malformed documents."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if not body.strip():
        raise AtomParseError("empty response body")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise AtomParseError(f"malformed XML: {exc}") from None
    if root.tag != f"{{{NS['atom']}}}feed":
        raise AtomParseError(f"root element is {root.tag!r}, not an Atom <feed>")
    feed = AtomFeed(
        total_results=_int(root, "opensearch:totalResults"),
        start_index=_int(root, "opensearch:startIndex"),
        items_per_page=_int(root, "opensearch:itemsPerPage"),
    )
    for e in root.iterfind("atom:entry", NS):
        entry_id = _text(e, "atom:id")
        if not entry_id:  # one entry, not the page: `readable_entries` names it for the run to skip
            continue
        primary = e.find("arxiv:primary_category", NS)
        links = [ln.get("href") for ln in e.iterfind("atom:link", NS) if ln.get("href")]
        doi = _text(e, "arxiv:doi")
        feed.entries.append(
            AtomEntry(
                entry_id=entry_id,
                title=_text(e, "atom:title") or "",
                summary=_text(e, "atom:summary") or "",
                published=_text(e, "atom:published") or "",
                updated=_text(e, "atom:updated") or "",
                authors=[n for n in (_text(a, "atom:name") for a in e.iterfind("atom:author", NS)) if n],
                categories=[c.get("term") for c in e.iterfind("atom:category", NS) if c.get("term")],
                primary_category=primary.get("term") if primary is not None else None,
                comment=_text(e, "arxiv:comment"),
                journal_ref=_text(e, "arxiv:journal_ref"),
                doi=doi,
                links=links,
            )
        )
    return feed


def _is_datetime(text: str | None) -> bool:
    try:
        datetime.fromisoformat((text or "").replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


PLACEHOLDER_DATE = "1990-01-01T00:00:00Z"  # what an unreadable entry's dates become: before arXiv, never stored
PLACEHOLDER_ID = "unreadable-entry-"  # + its position on the page, for an entry without an <id>


def readable_entries(body: bytes) -> tuple[bytes, list[str], set[str]]:
    """A well-formed page (`parse_feed` passed it) as the `arxiv` client can read it, what was wrong with each entry
    it could not, and those entries' ids (as the client will give them) for the caller to skip. The client raised
    on an entry with a <published> or <updated> that is no date ("2026-02-30", "n/a"), losing the page's other
    entries and failing every run while it stayed in the window, and an entry without an <id> failed the page (a
    walkthrough of an unreliable network). Such entries stay on the page with placeholder values (dropped, they
    would shift the client's paging, which counts the entries it read: a review), and are skipped. The body is
    returned as it is when every entry is readable."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=False)
    root = etree.fromstring(body, parser=parser)
    reasons, skip = [], set()
    for n, e in enumerate(root.iterfind("atom:entry", NS)):
        entry_id = _text(e, "atom:id")
        bad = [f for f in ("published", "updated") if not _is_datetime(_text(e, "atom:" + f))]
        if entry_id and not bad:
            continue
        why = "; ".join(f"<{f}> {_text(e, 'atom:' + f)!r} is not a date" for f in bad) if entry_id else "no <id>"
        reasons.append(f"entry {entry_id or '(no <id>)'} skipped: {why}")
        if not entry_id:
            entry_id = f"{PLACEHOLDER_ID}{n}"
            etree.SubElement(e, f"{{{NS['atom']}}}id").text = entry_id
        for f in bad:
            elem = e.find(f"atom:{f}", NS)
            if elem is None:
                elem = etree.SubElement(e, f"{{{NS['atom']}}}{f}")
            elem.text = PLACEHOLDER_DATE
        skip.add(entry_id)
    if not reasons:
        return body, [], set()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), reasons, skip
