"""Render a digest as Markdown, plain text and HTML (inline CSS); the email that carries the text and HTML is
`mail_message`'s, the Atom feed `atom_feed`'s.

Every title, author and abstract is user-controlled text from arXiv: HTML escapes it with html.escape,
Markdown backslash-escapes its punctuation, feedgen/lxml escapes XML (`xml_safe` drops what XML cannot hold), and
header values go through `text.header_text` (one line, no RFC 2047 encoded word can form);
`mail_message.build_message` checks that every header it sets reads back exactly as written, so nothing the email
package decodes can add a header or a body.
"""
from __future__ import annotations

import base64
import html
import re
import textwrap
from collections.abc import Sequence

from trendscope.foundation.clock import span_months
from trendscope.foundation.markdown import md_escape
from trendscope.foundation.text import authors_as_prose
from trendscope.foundation.wording import count

from .model import Digest, DigestPaper, TrendLine
from .text import chart_text, one_line

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
CHART_CID = "trend-chart@trendscope"


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
    if not line.trailing_avg_total and not line.trailing_avg_count:  # "8-week average 0.0 a week (0.0%)" over weeks
        # holding no stored paper at all (a gap in the data) read as a trend that had none (a numbers audit)
        s = (f"{label}: {count(line.count, 'paper')} this week ({line.share:.1%} of {total}); the 8 weeks before "
             "hold no stored paper, so nothing to compare with.")
    else:
        tot = line.trailing_avg_total  # "0.0 of 0 a week" for 3 papers in 8 weeks (a numbers audit)
        of = "" if not tot else f" of {tot:.0f}" if tot >= 10 else f" of {tot:.1f}"
        s = (f"{label}: {count(line.count, 'paper')} this week ({line.share:.1%} of {total}), 8-week average "
             f"{line.trailing_avg_count:.1f}{of} a week ({line.trailing_avg_share:.1%}) — {verdict}.")
    if line.rising:
        s += f" Rising in {line.label} (as of {line.rising_month}): " + "; ".join(
            f"{one_line(t['name'], 80)} ({_topic_counts(t, line.rising_month)})" for t in line.rising) + "."
    return s


def _topic_counts(topic: dict, month: str) -> str:
    """"8 papers in 12 months, 9.2x, may be chance": a thin trend's topics are counted over a longer span than the
    month ("52 papers" read as the month's), and a rise whose 90% interval reaches 1x may be chance."""
    n = span_months(topic.get("since") or month, month)
    low = (topic.get("growth_interval") or [2.0])[0]
    # none of the trend's papers used it the year before, and "4.8x" was a figure of the smoothing's floor; said so,
    # not "new" (beside "first here (2023-08)" it read as a topic new to the field: a blind walkthrough)
    growth = "none the year before" if topic.get("papers_before") == 0 else f"{topic['growth']:.1f}x"
    return (f"{count(topic['papers'], 'paper')}{f' in {n} months' if n > 1 else ''}, {growth}"
            f"{', may be chance' if round(low, 1) <= 1.0 else ''}")


def _summary_heading(d: Digest) -> str:
    """The trend lines count every paper of the week: say so when the subscription lists only some of them (a
    saved search without filters read "before this digest's filters", and "Trend summary" over its search's line:
    a blind walkthrough)."""
    s = d.subscription
    return ("Trend summary" if s.trends else "This week") + (
        " (all papers of the week, before this digest's filters)" if s.categories or s.exclude else "")


def _header(d: Digest) -> tuple[str, str]:
    partial = (f" · the stored papers end on {d.corpus_ends}: this week's counts are of its papers up to then, the "
               "later ones come in next week's digest") if d.corpus_ends else ""
    return (f"{d.title}", f"{d.start.isoformat()} to {d.end.isoformat()} · {d.subscription.describe(d.labels)}"
                          f"{partial}")


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
            h.append(f'<img src="{_e(image_src)}" alt="{_e(chart_text(d.lines))}" width="600" '
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
            # dir="auto": an Arabic or Hebrew title or abstract reads right to left, its Latin words in place (they
            # came out in left-to-right order: a walkthrough of odd real-world data)
            f'<a href="{_e(reader or p.abs_url)}" style="{_CSS["title"]}">{i}. '
            f'<span dir="auto">{_e(p.title)}</span></a>',
            f'<p style="{_CSS["meta"]}">{meta} {tags}</p>',
            *([f'<p style="{_CSS["meta"]}">why: {_e(p.why)}</p>'] if p.why else []),
            f'<p dir="auto" style="{_CSS["abs"]}">{_e(p.excerpt)}</p>',
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
