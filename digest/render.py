"""Render a digest: Markdown, plain text, HTML (inline CSS), the MIME email, and the Atom feed.

Every title, author and abstract is user-controlled text from arXiv: HTML escapes it with html.escape,
Markdown backslash-escapes its punctuation, feedgen/lxml escapes XML, and header values go through
`text.header_text` (one line, no RFC 2047 encoded word can form); `build_message` checks that every header it
sets reads back exactly as written, so nothing the email package decodes can add a header or a body.
"""
from __future__ import annotations

import base64
import html
import re
import textwrap
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import quote

from feedgen.feed import FeedGenerator

from trendscope.foundation.actor import LAB, LOCAL_OWNER
from trendscope.foundation.clock import span_months
from trendscope.foundation.text import authors_as_prose, slug
from trendscope.foundation.wording import count

from .model import Digest, DigestPaper, Subscription, TrendLine, less_sure_heading
from .text import has_control, header_text, one_line

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CHART_CID = "trend-chart@trendscope"
LESS_SURE_TERM = "less-sure"  # the Atom category of a paper named under "Less sure"


def md_escape(text: str) -> str:
    """Backslash-escape Markdown (and raw HTML) punctuation; a leading block marker is escaped too."""
    out = _MD_SPECIAL.sub(r"\\\1", text or "")
    return "\\" + out if out[:1] in ("#", "+", "-", "=") else out


def xml_safe(text: str) -> str:
    return _XML_BAD.sub("", text or "")


def _authors(p: DigestPaper, limit: int = 6) -> str:
    if not p.authors:
        return ""
    limit = limit + 1 if len(p.authors) == limit + 1 else limit  # the seventh name, not "and 1 more"
    names = [one_line(a, 80) for a in authors_as_prose(p.authors[:limit])]
    return ", ".join(names) + (f" and {len(p.authors) - limit} more" if len(p.authors) > limit else "")


# "steady" is a change the statistic cannot tell from noise (3 papers against an average of 7.5 can be), not a flat
# line: the sentence says that rather than "steady" beside a number that fell by half
DIRECTION_TEXT = {"growing": "growing", "cooling": "cooling", "steady": "within the usual week-to-week variation"}
FEW_PAPERS = 5  # below this many papers this week and on average, a steady line says it cannot tell


def _line_sentence(line: TrendLine, total: int) -> str:
    label = line.label[:1].upper() + line.label[1:]  # a sentence: "papers with every word of ..." began lower-case
    if not total:  # "0 papers this week (0.0% of 0) ... within the usual week-to-week variation" (a walkthrough)
        # "(0.0 papers)" read oddly (a blind walkthrough): none, or so many a week
        avg = line.trailing_avg_count
        return (f"{label}: no paper of this week is stored, so nothing to compare with its 8-week average "
                f"({'none' if avg == 0 else f'{avg:.1f} papers a week'}).")
    verdict = DIRECTION_TEXT.get(line.direction, line.direction)
    if line.direction == "steady" and max(line.count, line.trailing_avg_count) < FEW_PAPERS:
        # "2 papers this week, 8-week average 0.1 — within the usual week-to-week variation" read as wrong (a
        # blind walkthrough): with so few papers no change can be told from chance, which is what it meant
        verdict = "too few papers to tell a change from chance"
    # the weeks' own sizes beside the average: "0 papers this week (0.0% of 33), 8-week average 0.1 (1.5%)" read as
    # inconsistent, the 8 weeks before holding 8 papers a week, this one 33 (a blind walkthrough)
    of = f" of {line.trailing_avg_total:.0f}" if line.trailing_avg_total else ""
    s = (f"{label}: {count(line.count, 'paper')} this week ({line.share:.1%} of {total}), 8-week average "
         f"{line.trailing_avg_count:.1f}{of} a week ({line.trailing_avg_share:.1%}) — {verdict}.")
    if line.rising:
        s += f" Rising in {line.label} (as of {line.rising_month}): " + "; ".join(
            f"{one_line(t['name'], 80)} ({_topic_counts(t, line.rising_month)})" for t in line.rising) + "."
    if line.new_terms:
        s += " Newly characteristic terms: " + ", ".join(line.new_terms) + "."
    return s


def _topic_counts(topic: dict, month: str) -> str:
    """"8 papers in 12 months, 9.2x, may be chance": a thin trend's topics are counted over a longer span than the
    month ("52 papers" read as the month's), and a rise whose 90% interval reaches 1x may be chance."""
    n = span_months(topic.get("since") or month, month)
    low = (topic.get("growth_interval") or [2.0])[0]
    # "new": none of the trend's papers used it the year before, and "4.8x" was a figure of the smoothing's floor
    growth = "new" if topic.get("papers_before") == 0 else f"{topic['growth']:.1f}x"
    return (f"{count(topic['papers'], 'paper')}{f' in {n} months' if n > 1 else ''}, {growth}"
            f"{', may be chance' if round(low, 1) <= 1.0 else ''}")


def _summary_heading(d: Digest) -> str:
    """The trend lines count every paper of the week: say so when the subscription lists only some of them."""
    s = d.subscription
    return "Trend summary" + (" (all papers of the week, before this digest's filters)"
                              if s.categories or s.exclude or s.query else "")


def _header(d: Digest) -> tuple[str, str]:
    return (f"{d.title}", f"{d.start.isoformat()} to {d.end.isoformat()} · {d.subscription.describe(d.labels)}")


def summary_text(d: Digest) -> tuple[str, str, str, list[str]]:
    """(title, subtitle, summary heading, one sentence per trend line) as plain, unescaped text: for a renderer
    of its own (the app's preview escapes them as it escapes all paper text)."""
    title, sub = _header(d)
    return title, sub, _summary_heading(d), [_line_sentence(line, d.total_week_papers) for line in d.lines]


def likely_text(p: DigestPaper) -> str:
    """"93% likely about it", from the digest's confidence model (digest.confidence); cut, not rounded, so that a
    paper left out below the list's 94% never reads as 94%."""
    return f"{int(100 * (p.confidence or 0.0))}% likely about it"


# -- Markdown and plain text --------------------------------------------------------------------
def render_markdown(d: Digest) -> str:
    title, sub = _header(d)
    out = [f"# {md_escape(title)}", "", f"_{md_escape(sub)}_", ""]
    if d.lines:
        out += [f"## {_summary_heading(d)}", ""]
        out += [f"- {md_escape(_line_sentence(line, d.total_week_papers))}" for line in d.lines]
        out.append("")
    out += ["## Papers", ""]
    if d.empty:
        out += [md_escape(d.empty_message), ""]
    for i, p in enumerate(d.papers, 1):
        meta = [x for x in (md_escape(_authors(p)), p.published or "") if x]
        if p.trends:
            meta.append("trends: " + md_escape(", ".join(p.shown_trends)))
        if p.match_note:
            meta.append(f"_{p.match_note}_")
        reader = p.reader_url(d.app_url)
        out += [
            f"### {i}. [{md_escape(p.title)}]({reader or p.abs_url})", "",
            " · ".join(meta) + (f" · [read in Trendscope]({reader})" if reader else "")
            + f" · [abs]({p.abs_url}) · [PDF]({p.pdf_url})", "",
            *([f"_why: {md_escape(p.why)}_", ""] if p.why else []),
            f"> {md_escape(p.excerpt)}", "",
        ]
    if d.held_back_message:
        out += [f"_{md_escape(d.held_back_message)}_", ""]
    if d.less_sure:
        head, note = d.less_sure_heading.split(": ", 1)
        out += [f"## {head}", "", f"_{md_escape(note[:1].upper() + note[1:])}._", ""]
        for p in d.less_sure:
            why = f" · _why: {md_escape(p.why)}_" if p.why else ""
            out.append(f"- [{md_escape(p.title)}]({p.reader_url(d.app_url) or p.abs_url}) · {likely_text(p)}{why}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


TEXT_WIDTH = 78


_KEPT = re.compile(r'"unsubscribe [^"]*"')  # the subject a reader copies: split over two lines it broke


def _wrap(text: str, first: str = "", rest: str | None = None) -> list[str]:
    """Lines of at most 78 characters (RFC 5322's advice for plain text mail; a walkthrough read a 600-character
    abstract on one line), continued under `rest`; addresses, long words and the quoted unsubscribe subject are
    never broken."""
    text = _KEPT.sub(lambda m: m.group(0).replace(" ", "\x00"), text)
    lines = textwrap.wrap(text, TEXT_WIDTH, initial_indent=first, subsequent_indent=first if rest is None else rest,
                          break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
    return [line.replace("\x00", " ") for line in lines]


def render_text(d: Digest, footer: Sequence[str] = ()) -> str:
    title, sub = _header(d)
    out = [*_wrap(title), "=" * min(len(title), TEXT_WIDTH), *_wrap(sub), ""]
    if d.lines:
        out += [_summary_heading(d), "-" * len(_summary_heading(d))]
        for line in d.lines:
            out += _wrap(_line_sentence(line, d.total_week_papers), "* ", "  ")
        out.append("")
    out += ["Papers", "------"]
    if d.empty:
        out += _wrap(d.empty_message)
    for i, p in enumerate(d.papers, 1):
        meta = [x for x in (_authors(p), p.published or "", ", ".join(p.shown_trends), p.match_note or "") if x]
        reader = p.reader_url(d.app_url)
        out += [*_wrap(p.title, f"{i}. ", " " * len(f"{i}. ")), *_wrap(" · ".join(meta), "   "),
                *(_wrap(f"why: {p.why}", "   ", "        ") if p.why else []), *_wrap(p.excerpt, "   "),
                *([f"   read: {reader}"] if reader else []), f"   abs: {p.abs_url}", f"   PDF: {p.pdf_url}", ""]
    if d.held_back_message:
        out += _wrap(d.held_back_message)
    if d.less_sure:
        out += ["", *_wrap(d.less_sure_heading)]
        for p in d.less_sure:
            out += [*_wrap(f"{p.title} ({likely_text(p)})", "- ", "  "),
                    *(_wrap(f"why: {p.why}", "  ", "       ") if p.why else []),
                    f"  {'read' if d.app_url else 'abs'}: {p.reader_url(d.app_url) or p.abs_url}"]
    if footer:
        out += ["", "-- ", *(wrapped for line in footer for wrapped in _wrap(line))]
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


def render_html(d: Digest, image_src: str | None = None, footer: Sequence[str] = (),
                unsubscribe: str | None = None) -> str:
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
        h.append(f'<h2 style="{_CSS["h2"]}">{html.escape(_summary_heading(d))}</h2><ul>')
        h += [f'<li style="{_CSS["li"]}">{_e(_line_sentence(line, d.total_week_papers))}</li>' for line in d.lines]
        h.append("</ul>")
        if image_src:
            h.append(f'<img src="{_e(image_src)}" alt="Share of each week&#x27;s papers" width="600" '
                     'style="max-width:100%;height:auto;display:block;">')
    h.append(f'<h2 style="{_CSS["h2"]}">Papers</h2>')
    if d.empty:
        h.append(f'<p style="{_CSS["empty"]}">{_e(d.empty_message)}</p>')
    for i, p in enumerate(d.papers, 1):
        meta = " · ".join(_e(x) for x in (_authors(p), p.published or "", p.match_note or "") if x)
        tags = "".join(f'<span style="{_CSS["tag"]}">{_e(t)}</span>' for t in p.shown_trends)
        reader = p.reader_url(d.app_url)
        h += [
            f'<div style="{_CSS["paper"]}">',
            f'<a href="{_e(reader or p.abs_url)}" style="{_CSS["title"]}">{i}. {_e(p.title)}</a>',
            f'<p style="{_CSS["meta"]}">{meta} {tags}</p>',
            *([f'<p style="{_CSS["meta"]}">why: {_e(p.why)}</p>'] if p.why else []),
            f'<p style="{_CSS["abs"]}">{_e(p.excerpt)}</p>',
            (f'<a href="{_e(reader)}" style="{_CSS["link"]}">Read in Trendscope</a>' if reader else "")
            + f'<a href="{_e(p.abs_url)}" style="{_CSS["link"]}">arXiv abstract</a>'
            f'<a href="{_e(p.pdf_url)}" style="{_CSS["link"]}">PDF</a>',
            "</div>",
        ]
    if d.held_back_message:
        h.append(f'<p style="{_CSS["empty"]}">{_e(d.held_back_message)}</p>')
    if d.less_sure:
        head, note = d.less_sure_heading.split(": ", 1)
        h.append(f'<h2 style="{_CSS["h2"]}">{_e(head)}</h2>')
        h.append(f'<p style="{_CSS["empty"]}">{_e(note[:1].upper() + note[1:])}.</p><ul>')
        for p in d.less_sure:
            why = f' · why: {_e(p.why)}' if p.why else ""
            h.append(f'<li style="{_CSS["li"]}"><a href="{_e(p.reader_url(d.app_url) or p.abs_url)}" '
                     f'style="color:#0969da;text-decoration:none;">{_e(p.title)}</a>'
                     f'<span style="{_CSS["meta"]}"> · {_e(likely_text(p))}{why}</span></li>')
        h.append("</ul>")
    h.append(f'<p style="{_CSS["foot"]}">Sent by Trendscope for the subscription {_e(d.subscription.name)}.</p>')
    h += [f'<p style="{_CSS["foot"]}">{_e(line)}</p>' for line in footer]
    if unsubscribe:  # a link with the subject filled in (the footer's text alone was no link: a walkthrough)
        h.append(f'<p style="{_CSS["foot"]}"><a href="{_e(unsubscribe)}" style="color:#57606a;">Unsubscribe</a></p>')
    h.append("</div></body></html>")
    return "\n".join(h) + "\n"


# -- the email ------------------------------------------------------------------------------------
def _domain(address: str) -> str:
    domain = address.rsplit("@", 1)[-1].lower() if "@" in address else ""
    return domain if re.fullmatch(r"[a-z0-9.-]{1,200}", domain) else "trendscope.local"


def list_id(sub: Subscription, sender: str) -> str:
    """RFC 2919 List-Id: `<name-slug-ID.trendscope.SENDER-DOMAIN>` (letters, digits, dashes and dots only)."""
    label = f"{slug(sub.name, 40)}-{sub.id}" if sub.id is not None else slug(sub.name, 40)
    return f"<{label}.trendscope.{_domain(parseaddr(sender)[1])}>"


def unsubscribe_address(sub: Subscription, operator: str, recipient: str = "") -> str:
    """RFC 2369 List-Unsubscribe: a mailto: of the operator with the recipient's token in the subject."""
    token = sub.token_for(parseaddr(recipient)[1]) if recipient else sub.token
    subject = f"unsubscribe%20{token}" if token else "unsubscribe"
    return f"<mailto:{operator}?subject={subject}>"


def unsubscribe_note(sub: Subscription, operator: str, recipient: str = "") -> list[str]:
    """The mail's footer: why the reader gets it and how to stop it, in the reader's terms (the operator's
    command, `trendscope subscriptions unsubscribe TOKEN`, is in the docs: a blind walkthrough found it shown to
    every recipient, who has no shell on the lab server)."""
    token = sub.token_for(parseaddr(recipient)[1]) if recipient else sub.token
    request = f'"unsubscribe {token}"' if token else '"unsubscribe" and the subscription name'
    return [
        "You get this digest because your address is on this subscription (added in the Trendscope app or by "
        "its operator).",
        f"To stop it, mail {operator} with the subject {request} (your mail program's unsubscribe button "
        "sends that mail); the operator then removes your address.",
    ]


# Header lines may run to RFC 5322's 998 characters: folded at 78, a header with no space to fold at (List-Unsubscribe's
# <mailto:...>, List-Id) was written as RFC 2047 encoded words, which mail clients do not read as a link or an id
MAIL_POLICY = policy.default.clone(max_line_length=998)


def _set_header(msg: EmailMessage, name: str, value: str, *, address: bool = False) -> None:
    """Set a header and check what the email package made of it: one line, read back exactly as written
    (for From/To: exactly one address), so no decoded encoded word can add a header or a body."""
    msg[name] = value
    got = msg[name]
    text = str(got)
    if has_control(text):
        raise ValueError(f"the {name} header holds control characters once parsed: {value!r}")
    if address:
        if len(getattr(got, "addresses", ())) != 1:
            raise ValueError(f"the {name} header must hold exactly one address: {value!r}")
    elif text != value:
        raise ValueError(f"the {name} header does not read back as written: {value!r}")


def build_message(d: Digest, sender: str, recipient: str, message_id: str,
                  when: datetime | None = None, *, operator: str | None = None) -> EmailMessage:
    """multipart/alternative: text/plain + multipart/related(text/html + image/png referenced by cid).

    `operator`: where unsubscribe requests go (List-Unsubscribe and the footer); default the sender's address.
    Raises ValueError when a header would not read back exactly as written (never for validated input)."""
    operator = operator or parseaddr(sender)[1]
    msg = EmailMessage(policy=MAIL_POLICY)
    _set_header(msg, "Subject", header_text(d.title, 150))
    _set_header(msg, "From", sender, address=True)
    _set_header(msg, "To", recipient, address=True)
    _set_header(msg, "Date", format_datetime(when or datetime.now(UTC)))
    _set_header(msg, "Message-ID", message_id)
    _set_header(msg, "List-Id", list_id(d.subscription, sender))
    _set_header(msg, "List-Unsubscribe", unsubscribe_address(d.subscription, operator, recipient))
    if operator.lower() != parseaddr(sender)[1].lower():  # a reply ("unsubscribe") reaches the operator
        _set_header(msg, "Reply-To", operator, address=True)
    _set_header(msg, "X-Trendscope-Week", header_text(d.week, 20))
    _set_header(msg, "Auto-Submitted", "auto-generated")  # RFC 3834: no vacation auto-replies to the sender
    footer = unsubscribe_note(d.subscription, operator, recipient)
    msg.set_content(render_text(d, footer=footer))
    has_chart = bool(d.chart_png and d.lines)
    msg.add_alternative(render_html(d, image_src=f"cid:{CHART_CID}" if has_chart else "", footer=footer,
                                    unsubscribe=unsubscribe_address(d.subscription, operator, recipient)[1:-1]),
                        subtype="html")
    if has_chart:
        html_part = msg.get_payload()[1]
        html_part.add_related(d.chart_png, maintype="image", subtype="png", cid=f"<{CHART_CID}>",
                              filename="trend-chart.png", disposition="inline")
        # the email package cuts base64 at the policy's line length (998 here, for the headers above); RFC 2045
        # wants at most 76 characters a line
        html_part.get_payload()[-1].set_payload(base64.encodebytes(d.chart_png).decode("ascii"))
    return msg


# -- Atom -------------------------------------------------------------------------------------------
def feed_id(sub: Subscription) -> str:
    """The feed's Atom id: the local owner's subscriptions keep the id they always had; another user's, or a
    lab-wide one, carries its owner (ana's "privacy" and bo's "privacy" shared one id, and one title)."""
    owner = "" if sub.owner == LOCAL_OWNER else ("lab" if sub.owner == LAB else quote(sub.owner, safe="")) + ":"
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
        for name in paper.authors[:20]:
            fe.author({"name": xml_safe(one_line(name, 120)) or "unknown"})
        for trend, label in zip(paper.trends, paper.shown_trends):
            fe.category(term=xml_safe(trend), label=xml_safe(label))
        summary = paper.excerpt
        if paper.less_sure:  # as the mail names them: under "Less sure", each with how likely (not listed)
            likely = f"; {likely_text(paper)}" if paper.confidence is not None else ""
            summary = f"[{less_sure_heading(sub)}{likely}] {summary}"
            fe.category(term=LESS_SURE_TERM, label="Less sure")
        if paper.trends:
            summary += f" [trends: {', '.join(paper.shown_trends)}; digest week {week}]"
        if paper.match_note:
            summary += f" [{paper.match_note}]"
        if paper.why:
            summary += f" [why: {paper.why}]"
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
