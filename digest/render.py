"""Render a digest: Markdown, plain text, HTML (inline CSS), the MIME email, and the Atom feed.

Every title, author and abstract is user-controlled text from arXiv: HTML escapes it with html.escape,
Markdown backslash-escapes its punctuation, feedgen/lxml escapes XML, and header values go through
`text.one_line` (no CR/LF can reach a header).
"""
from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from .model import Digest, DigestPaper, Subscription, TrendLine
from .text import one_line

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CHART_CID = "trend-chart@trendscope"


def md_escape(text: str) -> str:
    """Backslash-escape Markdown (and raw HTML) punctuation; a leading block marker is escaped too."""
    out = _MD_SPECIAL.sub(r"\\\1", text or "")
    return "\\" + out if out[:1] in ("#", "+", "-", "=") else out


def xml_safe(text: str) -> str:
    return _XML_BAD.sub("", text or "")


def _authors(p: DigestPaper, limit: int = 6) -> str:
    if not p.authors:
        return ""
    names = [one_line(a, 80) for a in p.authors[:limit]]
    return ", ".join(names) + (f" and {len(p.authors) - limit} more" if len(p.authors) > limit else "")


def _line_sentence(line: TrendLine, total: int) -> str:
    s = (f"{line.label}: {line.count} papers this week ({line.share:.1%} of {total}), 8-week average "
         f"{line.trailing_avg_count:.1f} ({line.trailing_avg_share:.1%}) — {line.direction}.")
    if line.new_terms:
        s += " Newly characteristic terms: " + ", ".join(line.new_terms) + "."
    return s


def _header(d: Digest) -> tuple[str, str]:
    return (f"{d.title}", f"{d.start.isoformat()} to {d.end.isoformat()} · {d.subscription.describe()}")


# -- Markdown and plain text --------------------------------------------------------------------
def render_markdown(d: Digest) -> str:
    title, sub = _header(d)
    out = [f"# {md_escape(title)}", "", f"_{md_escape(sub)}_", ""]
    if d.lines:
        out += ["## Trend summary", ""]
        out += [f"- {md_escape(_line_sentence(line, d.total_week_papers))}" for line in d.lines]
        out.append("")
    out += ["## Papers", ""]
    if d.empty:
        out += [md_escape(d.empty_message), ""]
    for i, p in enumerate(d.papers, 1):
        meta = [x for x in (md_escape(_authors(p)), p.published or "") if x]
        if p.trends:
            meta.append("trends: " + md_escape(", ".join(p.trends)))
        out += [
            f"### {i}. [{md_escape(p.title)}]({p.abs_url})", "",
            " · ".join(meta) + f" · [abs]({p.abs_url}) · [PDF]({p.pdf_url})", "",
            f"> {md_escape(p.excerpt)}", "",
        ]
    if d.held_back_message:
        out += [f"_{md_escape(d.held_back_message)}_", ""]
    return "\n".join(out).rstrip() + "\n"


def render_text(d: Digest) -> str:
    title, sub = _header(d)
    out = [title, "=" * min(len(title), 78), sub, ""]
    if d.lines:
        out += ["Trend summary", "-------------"]
        out += [f"* {_line_sentence(line, d.total_week_papers)}" for line in d.lines]
        out.append("")
    out += ["Papers", "------"]
    if d.empty:
        out.append(d.empty_message)
    for i, p in enumerate(d.papers, 1):
        meta = [x for x in (_authors(p), p.published or "", ", ".join(p.trends)) if x]
        out += [f"{i}. {p.title}", f"   {' · '.join(meta)}", f"   {p.excerpt}",
                f"   abs: {p.abs_url}", f"   PDF: {p.pdf_url}", ""]
    if d.held_back_message:
        out.append(d.held_back_message)
    return "\n".join(out).rstrip() + "\n"


# -- HTML -----------------------------------------------------------------------------------------
_CSS = {
    "body": "margin:0;padding:16px;background:#f6f8fa;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;"
            "color:#1f2328;",
    "box": "max-width:680px;margin:0 auto;background:#ffffff;border:1px solid #d0d7de;border-radius:6px;padding:20px;",
    "h1": "font-size:20px;margin:0 0 4px 0;",
    "sub": "color:#57606a;font-size:13px;margin:0 0 16px 0;",
    "h2": "font-size:16px;margin:20px 0 8px 0;border-bottom:1px solid #d0d7de;padding-bottom:4px;",
    "li": "font-size:14px;margin:4px 0;",
    "paper": "margin:14px 0;padding:0 0 12px 0;border-bottom:1px solid #eaeef2;",
    "title": "font-size:15px;font-weight:600;color:#0969da;text-decoration:none;",
    "meta": "color:#57606a;font-size:12px;margin:4px 0;",
    "tag": "display:inline-block;background:#ddf4ff;color:#0550ae;border-radius:10px;padding:1px 8px;"
           "font-size:11px;margin-right:4px;",
    "abs": "font-size:13px;line-height:1.45;margin:6px 0;",
    "link": "color:#0969da;font-size:12px;margin-right:12px;",
    "empty": "font-size:14px;color:#57606a;",
    "foot": "color:#8c959f;font-size:11px;margin-top:16px;",
}


def _e(text: str) -> str:
    return html.escape(text or "", quote=True)


def render_html(d: Digest, image_src: str | None = None) -> str:
    """The digest as an HTML document with inline CSS.

    `image_src`: where the chart comes from: `cid:...` in the email, a `data:` URI for a standalone file
    (the default when the digest has a chart), or "" for no chart.
    """
    if image_src is None and d.chart_png:
        image_src = "data:image/png;base64," + base64.b64encode(d.chart_png).decode("ascii")
    title, sub = _header(d)
    h = [
        "<!DOCTYPE html>", '<html><head><meta charset="utf-8">', f"<title>{_e(title)}</title></head>",
        f'<body style="{_CSS["body"]}"><div style="{_CSS["box"]}">',
        f'<h1 style="{_CSS["h1"]}">{_e(title)}</h1>', f'<p style="{_CSS["sub"]}">{_e(sub)}</p>',
    ]
    if d.lines:
        h.append(f'<h2 style="{_CSS["h2"]}">Trend summary</h2><ul>')
        h += [f'<li style="{_CSS["li"]}">{_e(_line_sentence(line, d.total_week_papers))}</li>' for line in d.lines]
        h.append("</ul>")
        if image_src:
            h.append(f'<img src="{_e(image_src)}" alt="Papers per week" width="600" '
                     'style="max-width:100%;height:auto;display:block;">')
    h.append(f'<h2 style="{_CSS["h2"]}">Papers</h2>')
    if d.empty:
        h.append(f'<p style="{_CSS["empty"]}">{_e(d.empty_message)}</p>')
    for i, p in enumerate(d.papers, 1):
        meta = " · ".join(_e(x) for x in (_authors(p), p.published or "") if x)
        tags = "".join(f'<span style="{_CSS["tag"]}">{_e(t)}</span>' for t in p.trends)
        h += [
            f'<div style="{_CSS["paper"]}">',
            f'<a href="{_e(p.abs_url)}" style="{_CSS["title"]}">{i}. {_e(p.title)}</a>',
            f'<p style="{_CSS["meta"]}">{meta} {tags}</p>',
            f'<p style="{_CSS["abs"]}">{_e(p.excerpt)}</p>',
            f'<a href="{_e(p.abs_url)}" style="{_CSS["link"]}">arXiv abstract</a>'
            f'<a href="{_e(p.pdf_url)}" style="{_CSS["link"]}">PDF</a>',
            "</div>",
        ]
    if d.held_back_message:
        h.append(f'<p style="{_CSS["empty"]}">{_e(d.held_back_message)}</p>')
    h += [f'<p style="{_CSS["foot"]}">Sent by Trendscope for the subscription {_e(d.subscription.name)}.</p>',
          "</div></body></html>"]
    return "\n".join(h) + "\n"


# -- the email ------------------------------------------------------------------------------------
def build_message(d: Digest, sender: str, recipient: str, message_id: str,
                  when: datetime | None = None) -> EmailMessage:
    """multipart/alternative: text/plain + multipart/related(text/html + image/png referenced by cid)."""
    msg = EmailMessage()
    msg["Subject"] = one_line(d.title, 150)
    msg["From"] = sender
    msg["To"] = recipient
    msg["Date"] = format_datetime(when or datetime.now(UTC))
    msg["Message-ID"] = message_id
    msg["X-Trendscope-Week"] = d.week
    msg.set_content(render_text(d))
    has_chart = bool(d.chart_png and d.lines)
    msg.add_alternative(render_html(d, image_src=f"cid:{CHART_CID}" if has_chart else ""), subtype="html")
    if has_chart:
        html_part = msg.get_payload()[1]
        html_part.add_related(d.chart_png, maintype="image", subtype="png", cid=f"<{CHART_CID}>",
                              filename="trend-chart.png", disposition="inline")
    return msg


# -- Atom -------------------------------------------------------------------------------------------
def feed_id(sub: Subscription) -> str:
    return "urn:trendscope:subscription:" + quote(sub.name.lower(), safe="")


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
                self_url: str | None = None) -> bytes:
    """An Atom feed for a subscription. `entries`: (paper, ISO week it was issued in, issue time or None)."""
    fg = FeedGenerator()
    fg.id(feed_id(sub))
    fg.title(xml_safe(one_line(f"Trendscope: {sub.name}", 200)))
    fg.subtitle(xml_safe(one_line(sub.describe(), 500)))
    fg.author({"name": "Trendscope"})
    fg.generator("Trendscope")
    if self_url:
        fg.link(href=self_url, rel="self", type="application/atom+xml")
    latest = None
    for paper, week, issued_at in entries:
        when = _as_datetime(issued_at or paper.published)
        latest = when if latest is None or when > latest else latest
        fe = fg.add_entry(order="append")
        fe.id(paper.abs_url)
        fe.title(xml_safe(paper.title))
        fe.link(href=paper.abs_url, rel="alternate", type="text/html")
        fe.link(href=paper.pdf_url, rel="related", type="application/pdf", title="PDF")
        fe.published(_as_datetime(paper.published))
        fe.updated(when)
        for name in paper.authors[:20]:
            fe.author({"name": xml_safe(one_line(name, 120)) or "unknown"})
        for trend in paper.trends:
            fe.category(term=xml_safe(trend))
        summary = paper.excerpt
        if paper.trends:
            summary += f" [trends: {', '.join(paper.trends)}; digest week {week}]"
        fe.summary(xml_safe(summary))
    fg.updated(latest or _as_datetime(sub.created))
    return _fix_entry_links(fg.atom_str(pretty=True))


_ATOM_NS = "{http://www.w3.org/2005/Atom}"


def _fix_entry_links(data: bytes) -> bytes:
    """feedgen 1.0.0 drops rel/type/title of entry links (a bug in FeedEntry.atom_entry): put them back."""
    from lxml import etree

    root = etree.fromstring(data)
    for link in root.iter(f"{_ATOM_NS}link"):
        if link.getparent().tag != f"{_ATOM_NS}entry" or link.get("rel"):
            continue
        href = link.get("href", "")
        if href.startswith("https://arxiv.org/pdf/"):
            link.attrib.update({"rel": "related", "type": "application/pdf", "title": "PDF"})
        else:
            link.attrib.update({"rel": "alternate", "type": "text/html"})
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


def digest_entries(d: Digest) -> Sequence[tuple[DigestPaper, str, str | None]]:
    return [(p, d.week, None) for p in d.papers]
