"""A subscription's papers as an Atom feed (feedgen): every issued paper an entry linking its arXiv page, its PDF
and, with the lab's app address, its reader page; those a digest named under "Less sure" marked so in the title,
the summary and a category. Text is made XML-safe on the way out.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from trendscope.foundation.actor import LAB, LOCAL_OWNER
from trendscope.foundation.text import authors_beyond

from .model import Digest, DigestPaper, Subscription, less_sure_heading
from .render import likely_text, xml_safe
from .text import one_line

LESS_SURE_TERM = "less-sure"  # the Atom category of a paper named under "Less sure"
FEED_AUTHORS = 20  # authors an entry lists (the rest counted in its summary)


def feed_id(sub: Subscription) -> str:
    """The feed's Atom id: the local owner's subscriptions keep the id they always had; another user's, or a
    lab-wide one, carries its owner (ana's "privacy" and bo's "privacy" shared one id, and one title)."""
    # a user named "lab" is "user:lab:": their "lab weekly" and the lab-wide "lab weekly" had one id (a blind
    # security review); every other id stays as it was
    user = "user:lab" if sub.owner == "lab" else quote(sub.owner, safe="")
    owner = "" if sub.owner == LOCAL_OWNER else ("lab" if sub.owner == LAB else user) + ":"
    return "urn:trendscope:subscription:" + owner + quote(sub.name.lower(), safe="")


def _as_datetime(value: str | date | datetime | None) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    if value:
        text = str(value).replace("Z", "+00:00")
        try:
            return _as_datetime(datetime.fromisoformat(text))
        except ValueError:
            return _as_datetime(date.fromisoformat(text[:10]))
    return datetime(1970, 1, 1, tzinfo=UTC)


def render_atom(sub: Subscription, entries: Iterable[tuple[DigestPaper, str, str | None]],
                self_url: str | None = None, app_url: str | None = None) -> bytes:
    """An Atom feed for a subscription. `entries`: (paper, ISO week it was issued in, issue time or None);
    `app_url`: the lab's app, whose reader page each entry links to as well ([app] url). A paper the digest named
    under "Less sure" (not listed) says so in its title, its summary and a category."""
    fg = FeedGenerator()
    fg.id(feed_id(sub))
    fg.title(xml_safe(one_line(f"Trendscope: {sub.name}" + ("" if sub.owner in (LOCAL_OWNER, LAB) else
                                                            f" ({sub.owner})"), 200)))
    fg.subtitle(xml_safe(one_line(sub.describe(), 500)))
    fg.author({"name": "Trendscope"})
    fg.generator("Trendscope")
    if self_url:
        fg.link(href=self_url, rel="self", type="application/atom+xml")
    if app_url:  # the feed's own page: a feed reader showed "urn:trendscope:subscription:..." (a walkthrough)
        fg.link(href=f"{app_url}/digests", rel="alternate", type="text/html")
    latest = None
    for paper, week, issued_at in entries:
        when = _as_datetime(issued_at or paper.published)
        latest = when if latest is None or when > latest else latest
        fe = fg.add_entry(order="append")
        fe.id(paper.abs_url)
        fe.title(xml_safe(f"[Less sure] {paper.title}" if paper.less_sure else paper.title))
        fe.link(href=paper.abs_url, rel="alternate", type="text/html")
        fe.link(href=paper.pdf_url, rel="related", type="application/pdf", title="PDF")
        if app_url:
            fe.link(href=paper.reader_url(app_url), rel="related", type="text/html", title="Trendscope")
        fe.published(_as_datetime(paper.published))
        fe.updated(when)
        for name in paper.authors[:FEED_AUTHORS]:
            fe.author({"name": xml_safe(one_line(name, 120)) or "unknown"})
        # the names past the first 20 were dropped without a word, a collaboration listed last with them (a
        # walkthrough of odd real-world data): the summary says how many, and names the collaboration
        more = authors_beyond(paper.authors, FEED_AUTHORS)
        for trend, label in zip(paper.trends, paper.shown_trends):
            fe.category(term=xml_safe(trend), label=xml_safe(label))
        summary = paper.excerpt
        if paper.less_sure:  # as the mail names them: under "Less sure", each with how likely (not listed)
            likely = f"; {likely_text(paper)}" if paper.confidence is not None else ""
            summary = f"[{less_sure_heading(sub)}{likely}] {summary}"
            fe.category(term=LESS_SURE_TERM, label="Less sure")
        # the week always (a saved search's untagged papers had none: a blind review); a trend digest's paper
        # without any of its trends now lost them after the week was issued (a tag corrected by hand): said so
        trends = f"trends: {', '.join(paper.shown_trends)}; " if paper.trends else ""
        changed = ("; none of this subscription's trends since the week was issued (its tags changed)"
                   if sub.trends and not set(paper.trends) & set(sub.trends) else "")
        summary += f" [{trends}digest week {week}{changed}]"
        if paper.match_note:
            summary += f" [{paper.match_note}]"
        if paper.why:
            summary += f" [why: {paper.why}]"
        if more:
            summary += f" [authors: the first {FEED_AUTHORS} and {more}]"
        fe.summary(xml_safe(summary))
    fg.updated(latest or _as_datetime(sub.created))
    return _fix_entry_links(fg.atom_str(pretty=True), app_url)


_ATOM_NS = "{http://www.w3.org/2005/Atom}"


def _fix_entry_links(data: bytes, app_url: str | None = None) -> bytes:
    """feedgen 1.0.0 drops rel/type/title of entry links (a bug in FeedEntry.atom_entry): put them back."""
    from lxml import etree

    root = etree.fromstring(data)
    for link in root.iter(f"{_ATOM_NS}link"):
        if link.getparent().tag != f"{_ATOM_NS}entry" or link.get("rel"):
            continue
        href = link.get("href", "")
        if href.startswith("https://arxiv.org/pdf/"):
            link.attrib.update({"rel": "related", "type": "application/pdf", "title": "PDF"})
        elif app_url and href.startswith(f"{app_url}/paper?"):
            link.attrib.update({"rel": "related", "type": "text/html", "title": "Trendscope"})
        else:
            link.attrib.update({"rel": "alternate", "type": "text/html"})
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def digest_atom(d: Digest) -> bytes:
    """One digest's papers as an Atom feed."""
    return render_atom(d.subscription, digest_entries(d), app_url=d.app_url)


def digest_entries(d: Digest) -> Sequence[tuple[DigestPaper, str, str | None]]:
    """The digest's papers as feed entries: those it lists, then those it names under "Less sure"."""
    return [(p, d.week, None) for p in d.papers] + [(p, d.week, None) for p in d.less_sure]
