"""Pure text helpers for digests: abstract excerpts, header-safe single lines (readable LaTeX:
`foundation.latex_math`)."""
from __future__ import annotations

import re

from trendscope.foundation.latex_math import readable_latex

_CTRL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u0085]+")


def excerpt(text: str, limit: int = 320) -> str:
    """The start of an abstract, cut at a sentence or word boundary, with '…' when shortened."""
    text = re.sub(r"\s+", " ", readable_latex(text)).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    dot = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if dot >= limit * 0.6:
        return cut[: dot + 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.5 else cut).rstrip(",;:- ") + "…"


def one_line(text: str, limit: int = 200) -> str:
    """A single safe line: control characters (CR, LF, tabs, Unicode line separators) become spaces."""
    s = _CTRL_RE.sub(" ", str(text or ""))
    s = re.sub(r"\s+", " ", s).strip()
    return s if len(s) <= limit else s[: limit - 1].rstrip() + "…"


# -- header values ------------------------------------------------------------------------------------
# RFC 2047 encoded words (`=?charset?q?...?=`): Python's email package decodes them when a header is set or
# parsed, so `=?utf-8?q?=0D=0A?=` would put a CR LF back into a header that looked like one clean line.
_ENCODED_WORD_RE = re.compile(r"=\?.*?\?=", re.S)
_HEADER_CTRL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (C0, DEL, C1) or a Unicode line/paragraph separator."""
    return bool(_HEADER_CTRL_RE.search(str(text or "")))


def has_encoded_word(text: str) -> bool:
    """Whether `text` holds something shaped like an RFC 2047 encoded word (`=?...?=`)."""
    return bool(_ENCODED_WORD_RE.search(str(text or "")))


def decoded_header(value: str) -> str:
    """What Python's email package makes of `value` as an unstructured header (encoded words decoded)."""
    from email.policy import default

    return str(default.header_factory("Subject", value))


def header_problem(text: str) -> str | None:
    """Why `text` must not go into a mail header (None when it may): control characters, an encoded word, or
    any text whose decoded form differs from itself."""
    s = str(text or "")
    if _HEADER_CTRL_RE.search(s):
        return "control characters"
    if has_encoded_word(s):
        return "an RFC 2047 encoded word (=?...?=)"
    try:
        decoded = decoded_header(s)
    except Exception:  # noqa: BLE001 - whatever the parser refuses is refused here
        return "text the email header parser refuses"
    if _HEADER_CTRL_RE.search(decoded) or decoded != s.strip():
        return "text that changes when decoded as a mail header"
    return None


def header_text(text: str, limit: int = 150) -> str:
    """A header value that is one line and decodes to itself: `one_line`, then every `=?` is broken up so no
    encoded word can form (a stored name from before encoded words were refused stays visible, inert)."""
    s = one_line(text, limit).replace("=?", "= ?")
    if header_problem(s) is not None:  # cannot happen for one_line output without `=?`; kept as a last guard
        s = re.sub(r"[^A-Za-z0-9 .,:;_()/&+#@'!-]", " ", s)
        s = re.sub(r"\s+", " ", s).strip()
    return s


def chart_text(lines) -> str:
    """What the digest's chart (`chart.render_chart`) shows, as text for its `alt` (the app's preview had none, the
    mail's named the chart but none of its numbers: a blind walkthrough): "Share of each week's papers.
    Efficiency: W18 4.3%, ..., W26 6.0%."."""
    parts = []
    for line in lines:
        weeks, values, percent = line.chart_points()
        shown = [f"{v:.1f}%" if percent else f"{v:.0f} papers" for v in values]
        parts.append(f"{line.label}: " + ", ".join(f"{w[-3:]} {v}" for w, v in zip(weeks, shown, strict=False)) + ".")
    return " ".join(["Share of each week's papers.", *parts])
