"""Paper text -> safe Markdown for `st.markdown`: every Markdown/HTML special character escaped, `$...$` math kept.

Paper titles and abstracts are untrusted text. The app never renders them with `unsafe_allow_html`; on top of
that, this module backslash-escapes every ASCII punctuation character outside math so that no Markdown construct
(links, images, emphasis, headings, tables, Streamlit's `:color[...]` directives, HTML tags) can come from a paper.
Math segments (`$...$`, `$$...$$`) are kept verbatim so Streamlit renders them with KaTeX.
"""
from __future__ import annotations

import re
import string

_PUNCT = set(string.punctuation)
# $$...$$ first, then $...$ whose content neither starts nor ends with a space (so "$5 and $10" is not math)
# and whose closing $ is not followed by a digit.
_MATH_RE = re.compile(
    r"\$\$(?!\s)(?P<display>[^$]+?)(?<!\s)\$\$"
    r"|\$(?!\s)(?P<inline>(?:\\\$|[^$\n])+?)(?<![\s\\])\$(?!\d)"
)
_SPACES_RE = re.compile(r"[ \t\r\f\v]+")


def escape_plain(text: str) -> str:
    """Escape every ASCII punctuation character so Markdown shows it literally."""
    return "".join("\\" + ch if ch in _PUNCT else ch for ch in text)


def _normalise(text: str) -> str:
    """Collapse runs of spaces and strip each line (leading spaces would make code blocks)."""
    lines = [_SPACES_RE.sub(" ", line).strip() for line in (text or "").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def math_segments(text: str) -> list[tuple[bool, str]]:
    """Split text into (is_math, segment) parts; math parts include their `$` delimiters."""
    parts: list[tuple[bool, str]] = []
    pos = 0
    for m in _MATH_RE.finditer(text):
        if m.start() > pos:
            parts.append((False, text[pos : m.start()]))
        parts.append((True, m.group(0)))
        pos = m.end()
    if pos < len(text):
        parts.append((False, text[pos:]))
    return parts


def safe_markdown(text: str | None) -> str:
    """Paper text as Markdown that renders literally except for its `$...$` math.

    >>> safe_markdown("A *bold* [link](x) with $O(n^2)$ cost <b>")
    'A \\\\*bold\\\\* \\\\[link\\\\]\\\\(x\\\\) with $O(n^2)$ cost \\\\<b\\\\>'
    """
    text = _normalise(text or "")
    return "".join(seg if is_math else escape_plain(seg) for is_math, seg in math_segments(text))


def safe_inline(text: str | None) -> str:
    """Like `safe_markdown` but on one line (for titles, authors, labels)."""
    return safe_markdown(" ".join((text or "").split()))


def highlight(text: str | None, terms: list[str]) -> str:
    """One-line escaped text with whole-word, case-insensitive matches of `terms` (word prefixes count) in bold.

    Math segments are never split or bolded.
    """
    text = re.sub(r"\s+", " ", text or "")  # boundary spaces kept: snippets are highlighted piece by piece
    words = sorted({t.lower() for t in terms if len(t) >= 2}, key=len, reverse=True)
    if not words:
        return "".join(seg if is_math else escape_plain(seg) for is_math, seg in math_segments(text))
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\w*", re.I)
    out: list[str] = []
    for is_math, seg in math_segments(text):
        if is_math:
            out.append(seg)
            continue
        pos = 0
        for m in pattern.finditer(seg):
            out.append(escape_plain(seg[pos : m.start()]))
            out.append(f"**{escape_plain(m.group(0))}**")
            pos = m.end()
        out.append(escape_plain(seg[pos:]))
    return "".join(out)


_STOP = frozenset("""a an and are as at be by for from has have in into is it its of on or our that the their
this to was we were with without via using based towards toward not near""".split())


def query_terms(query: str) -> list[str]:
    """The words of a search query worth highlighting (operators, stop words, 1-2 letter words dropped)."""
    words = re.findall(r"[^\W_]+", query or "")
    return [w for w in words if len(w) >= 3 and w.lower() not in _STOP]


_MARK_RE = re.compile(r"\[([^\[\]\s]{1,80})\]")


def snippet_markdown(snippet: str | None, terms: list[str]) -> str:
    """An FTS5 snippet (matched words in [brackets]) as escaped Markdown with the matches in bold; query
    words outside the marks are bolded too (semantic hits have no marks)."""
    snippet = " ".join((snippet or "").split())
    out: list[str] = []
    pos = 0
    for m in _MARK_RE.finditer(snippet):
        out.append(highlight(snippet[pos : m.start()], terms))
        out.append(f"**{escape_plain(m.group(1))}**")
        pos = m.end()
    out.append(highlight(snippet[pos:], terms))
    return "".join(out)
