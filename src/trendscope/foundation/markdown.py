"""Markdown on the way out: text that a paper or a user controls (titles, author names, list names, notes), escaped
so that it reads as written in every Markdown renderer, and read back by the importers.

One escaper for the digests and the reading lists' exports (each stage had its own, and they had drifted: the
export left `~~` and `&lt;` to be read as strikethrough and an entity, the digest a leading "1." as a list). The
app's own escaping (`ui.app.text`) goes further, for links and Streamlit's math, and is not this.
"""
from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")
_LEADING_MARKER = re.compile(r"^(?:([-+=])|(\d+)([.)]))")
_ESCAPED = re.compile(r"\\([\\`*_\[\]<>|~&#.+\-=)])")


def md_escape(text: str | None) -> str:
    """Markdown (and raw HTML) punctuation backslash-escaped, and a block marker at the start too ("- item",
    "+ item", "1. item", "=== "): the text reads as written, never as a list, heading, link, image or emphasis."""
    out = _SPECIAL.sub(r"\\\1", text or "")
    return _LEADING_MARKER.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], out, count=1)


def md_unescape(text: str | None) -> str:
    """The inverse of `md_escape` (and of the escapes earlier releases wrote)."""
    return _ESCAPED.sub(r"\1", text or "")
