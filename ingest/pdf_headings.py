"""Section headings for `pdf_sections` (part of step 3 of `pdf_sections.structure`): numbered "3.2 Study Design"
and lettered "A.1 ..." headings in bold or a larger size, the usual unnumbered names such as ABSTRACT or
References, other short bold lines of a larger size, and headings wrapped onto a second line. Pure Python on
`Line` records.
"""
from __future__ import annotations

import re

from .pdf_layout import Layout
from .pdf_text import HYPHEN, Line, join_lines, pdf_plain_text

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_LETTERED = re.compile(r"^(?:Appendix\s+|APPENDIX\s+)?([A-H](?:\.\d{1,2}){0,2})[.:]?\s+(\S.*)$")
_APPENDIX = re.compile(r"^(Appendix|APPENDIX|Appendices|APPENDICES)(\s+[A-Z0-9]{1,2})?\s*([:.\-–—]\s*\S.*)?$")
_KNOWN = {
    "abstract", "introduction", "related work", "background", "method", "methods", "methodology", "results",
    "discussion", "conclusion", "conclusions", "limitations", "future work", "acknowledgments",
    "acknowledgements", "acknowledgment", "acknowledgement", "references", "bibliography", "keywords",
    "ccs concepts", "index terms", "broader impact", "broader impacts", "ethics statement", "ethical considerations",
    "author contributions", "checklist", "funding", "supplementary material", "conclusion and future work",
    "conclusions and future work", "limitations and future work", "discussion and future work",
}
_REF_NAMES = {"references", "bibliography", "literature cited", "works cited"}


def is_reference_heading(heading: str) -> bool:
    """Does the heading open the reference list ("References", "BIBLIOGRAPHY:")?"""
    return re.sub(r"[\s:.]+$", "", heading).lower() in _REF_NAMES


def _heading_text_ok(text: str) -> bool:
    return 2 <= len(text) <= 160 and len(text.split()) <= 22 and not text.endswith((",", ";"))


class _Numbering:
    """Keeps numbered headings plausible: 1, 2, 2.1, 3 ... then A, A.1, B ... (a bold "4 participants" line in a
    table is not section 4 when we are in section 7)."""

    def __init__(self):
        self.top = 0
        self.letter = ""

    def accept(self, number: str) -> bool:
        first = number.split(".")[0]
        if first.isdigit():
            n = int(first)
            if self.letter or not (self.top <= n <= self.top + 2) or (n == 0):
                return False
            self.top = n
            return True
        if first < self.letter:
            return False
        self.letter = first
        return True


def _heading_kind(ln: Line, nxt: Line | None, lay: Layout, numbering: _Numbering, after_refs: bool,
                  front: bool) -> tuple[str, int] | None:
    """(heading text, level) when the line (followed by `nxt`) is a heading, else None."""
    text = ln.text.strip().replace(HYPHEN, "-")
    if not _heading_text_ok(text) or ln.size < lay.body - 0.5:
        return None
    styled = ln.bold or ln.size >= lay.body + 0.9
    plain = re.sub(r"[\s:.]+$", "", text).lower()
    if plain in _KNOWN and (styled or text.isupper()):
        return text.rstrip(":. "), 1
    if _APPENDIX.match(text) and styled:
        return text, 1
    m = _NUMBERED.match(text)
    # "6.1.3 Triaging ... Papers." in italics on a line of its own, the paragraph indented below it (not run in)
    deep = bool(m) and m.group(1).count(".") >= 2 and ln.italic and nxt is not None and nxt.page == ln.page \
        and nxt.col == ln.col and lay.is_indented(nxt) and not nxt.italic
    if not (styled or deep):
        return None
    if m and (m.group(2)[0].isupper() or m.group(2)[0] in "[(“\"") and (deep or not text.endswith(".")) \
            and numbering.accept(m.group(1)):
        return text.rstrip(".") if deep else text, m.group(1).count(".") + 1
    m = _LETTERED.match(text)
    if m and m.group(2)[0].isupper() and (after_refs or "." in m.group(1)) and numbering.accept(m.group(1)):
        return text, m.group(1).count(".") + 1
    if (not front and (ln.size >= 1.3 * lay.body or ln.bold and ln.size >= lay.body + 0.9)
            and len(text.split()) <= 10 and text[0].isupper() and not re.search(r"[.?!:]\s|[.?!:]$", text)):
        return text, 0  # level decided by the caller
    return None


def mark_headings(lines: list[Line], lay: Layout) -> dict[int, tuple[str, int, int]]:
    """{index of first line: (heading, level, lines used)}; marks the lines' kind."""
    numbering = _Numbering()
    heads: dict[int, tuple[str, int, int]] = {}
    after_refs = False
    front = True
    level_of_size: dict[float, int] = {}
    last_level = 1
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.kind:
            i += 1
            continue
        hk = _heading_kind(ln, lines[i + 1] if i + 1 < len(lines) else None, lay, numbering, after_refs, front)
        if hk is None:
            i += 1
            continue
        text, level = hk
        used = 1
        # a heading wrapped onto a second (or third) line in the same style
        while used < 3 and i + used < len(lines) and (ln.bold or ln.size > lay.body + 0.9):
            nx = lines[i + used]
            if (nx.kind or nx.page != ln.page or nx.col != ln.col or nx.bold != ln.bold or nx.italic != ln.italic
                    or abs(nx.size - ln.size) > 0.3 or not 0 < nx.bottom - lines[i + used - 1].bottom
                    <= 1.6 * lay.pitch_for(nx.size) or _NUMBERED.match(nx.text) or _LETTERED.match(nx.text)
                    or nx.x0 < ln.x0 - 2
                    or text.endswith(("?", ".")) or len(text) < 25):
                break
            text = join_lines([text, nx.text])
            used += 1
        if level == 0:
            level = level_of_size.get(round(ln.size), min(last_level + 1, 3) if not front else 1)
        else:
            level_of_size.setdefault(round(ln.size), level)
            front = False
        last_level = level
        clean = pdf_plain_text(text)
        heads[i] = (clean, level, used)
        for k in range(i, i + used):
            lines[k].kind = "heading"
        after_refs = after_refs or is_reference_heading(clean)
        i += used
    return heads
