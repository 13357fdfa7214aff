"""Layout analysis for `pdf_text`: turns the positioned text lines of a paper into sections, paragraphs,
captions and references. Pure Python on `Line` records (no PDF library here), so it is easy to test.

The steps, in order (`structure`):

1. drop the arXiv side stamp, rotated text, running headers/footers and page numbers, and
2. per page, find the columns and order the lines (both in `pdf_layout`, with the document's measures);
3. mark figure/table captions ("Figure 3:", "Fig. 3.", "Table 2:" at the start of a block), headings (numbered
   "3.2 Study Design" / lettered "A.1 ..." in bold or a larger size, the usual unnumbered names such as ABSTRACT
   or References, other short bold lines of a larger size), footnotes (small text under the last body line of a
   column) and the non-prose text inside figures and tables next to a caption;
4. join the remaining lines into paragraphs: a new one starts after extra vertical space, at a first-line
   indent, at a list marker or after a short line; a paragraph runs on across a column or page break (and
   around a float) when its last line was full and the next line is not indented;
5. split the reference list into entries ("[12]" / "12." numbers, else hanging indents) and guess year and title.
"""
from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import replace

from .pdf_front_matter import front_matter
from .pdf_layout import Layout, drop_furniture, order_page
from .pdf_references import parse_reference
from .pdf_text import (
    HYPHEN,
    Caption,
    Line,
    PaperText,
    Paragraph,
    Section,
    compounds,
    join_lines,
    pdf_plain_text,
)

log = logging.getLogger(__name__)

_CAPTION = re.compile(r"^(Figure|FIGURE|Fig\.|Table|TABLE)\s*((?:[A-Z]\.?)?\d{1,3}|[IVX]{1,5})\s*(?:[:.|]|\s-)\s*")
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
_WORDLIKE = re.compile(r"[^\W\d_]{2,}")
_LIST_MARK = re.compile(r"^([•●◦▪‣∙·\-–—*]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s|\([ivx]{1,4}\)\s)")


# -- 3. captions, headings, footnotes, figure text ----------------------------------------------------------------


def _mark_captions(lines: list[Line], lay: Layout) -> list[tuple[str, str, list[Line]]]:
    found = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _CAPTION.match(ln.text.strip())
        prev = lines[i - 1] if i else None
        starts_block = (
            prev is None or prev.page != ln.page or prev.col != ln.col or ln.bold or not lay.is_body(ln)
            or ln.bottom - prev.bottom > 1.3 * lay.pitch_for(ln.size) or abs(prev.size - ln.size) > 0.4
        )
        if not (m and starts_block):
            i += 1
            continue
        block = [ln]
        j = i + 1
        while j < len(lines):
            nx, last = lines[j], block[-1]
            if (nx.page != last.page or (nx.col != last.col and last.col != -1) or abs(nx.size - last.size) > 0.4
                    or not 0 < nx.bottom - last.bottom <= 1.45 * lay.pitch_for(nx.size)
                    or _CAPTION.match(nx.text.strip()) or nx.bold != last.bold or nx.cells
                    or abs(nx.x0 - block[0].x0) > 2 * nx.size):
                break
            block.append(nx)
            j += 1
        for b in block:
            b.kind = "caption"
        word = m.group(1).lower()
        kind = "table" if word.startswith("tab") else "figure"
        found.append((kind, f"{'Table' if kind == 'table' else 'Figure'} {m.group(2)}", block))
        i = j
    return found


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


def _mark_headings(lines: list[Line], lay: Layout) -> dict[int, tuple[str, int, int]]:
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
        after_refs = after_refs or re.sub(r"[\s:.]+$", "", clean).lower() in _REF_NAMES
        i += used
    return heads


def _streams(lines: list[Line]) -> dict[tuple[int, int], list[int]]:
    s: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, ln in enumerate(lines):
        s[ln.page, ln.col].append(i)
    return s


def _prose_flags(lines: list[Line], lay: Layout) -> list[bool]:
    """Body-size lines of running text: wide, or following such a line at the normal line pitch."""
    prose = [False] * len(lines)
    for idx in _streams(lines).values():
        prev = None
        for i in idx:
            ln = lines[i]
            text = ln.text.strip()
            letters = sum(c.isalpha() for c in text) / max(1, len(text.replace(" ", "")))
            ok = lay.is_body(ln) and letters >= 0.6 and not (ln.kind or ln.bold or ln.cells)
            wide = ln.x1 - ln.x0 >= 0.6 * lay.width
            chained = prev is not None and prose[prev] and \
                0 < ln.bottom - lines[prev].bottom <= 1.35 * lay.pitch_for(ln.size)
            prose[i] = ok and (wide or chained)
            prev = i
    return prose


def _drop_float_text(lines: list[Line], lay: Layout, captions, in_refs: list[bool]) -> None:
    """Text inside a figure or table next to its caption is not prose: drop the lines between the caption and
    the nearest running text: above a figure caption, below a table caption, and on the other side too when
    those lines look like a table (cells side by side, or not body size)."""
    prose = _prose_flags(lines, lay)
    pos = {id(ln): i for i, ln in enumerate(lines)}
    for kind, _label, block in captions:
        first, last = pos[id(block[0])], pos[id(block[-1])]
        for step, start, toward in ((-1, first - 1, kind == "figure"), (1, last + 1, kind == "table")):
            run = []
            k = start
            while 0 <= k < len(lines):
                ln = lines[k]
                if (ln.page != block[0].page or prose[k] or ln.kind in ("heading", "caption") or in_refs[k]
                        or (block[0].col != -1 and ln.col != block[0].col)):
                    break
                run.append(ln)
                k += step
            odd = sum(ln.cells or not lay.is_body(ln) for ln in run)
            # a display formula under a figure's caption whose sentence goes on after it ("we fit the following
            # model:" / formula / "with a logit link ...") is part of the text (it was dropped: a blind walkthrough)
            sentence_goes_on = (step == 1 and len(run) <= 2 and 0 <= k < len(lines) and prose[k]
                                and lines[k].text.strip()[:1].islower())
            if toward or (odd >= max(1, len(run) / 2) and not sentence_goes_on):
                for ln in run:
                    ln.kind = ln.kind or "drop"


def _drop_footnotes(lines: list[Line], lay: Layout, sizes, in_refs: list[bool]) -> None:
    for (page, _col), idx in _streams(lines).items():
        h = sizes[page - 1][1]
        last_body = max((i for i in idx if lay.is_body(lines[i]) and lines[i].kind != "drop"), default=-1)
        for i in idx:
            ln = lines[i]
            if (i > last_body and not ln.kind and not in_refs[i] and ln.size < lay.body - 0.4
                    and ln.top > 0.5 * h):
                ln.kind = "drop"


# -- 4. paragraphs --------------------------------------------------------------------------------------------------


def _script_fragment(ln: Line, lay: Layout) -> bool:
    """A sub- or superscript the PDF placed as a line of its own ("4" under the chi of "chi^2_4"): one to three
    characters, smaller than the body text. As a line it split its paragraph in two (mid-word: "Cur-" / "rPaper")."""
    return not ln.kind and len(ln.text.replace(" ", "")) <= 3 and ln.size < lay.body - 0.8 and \
        ln.x1 - ln.x0 < 3 * lay.body


def _same_row_joined(lines: list[Line], lay: Layout) -> list[Line]:
    """Pieces of one printed line that came as two lines (same page, column and baseline, side by side), joined
    left to right: "2 = 1.5998, p = 0.4494)." came before its "chi2", and the paragraph holding them was lost."""
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (prev is not None and prev.page == ln.page and prev.col == ln.col and not (prev.kind or ln.kind)
                and not (prev.cells or ln.cells) and abs(prev.bottom - ln.bottom) < 1.0
                and lay.is_body(prev) and lay.is_body(ln)
                and min(prev.x1, ln.x1) <= max(prev.x0, ln.x0) + 0.5 * lay.body
                and max(prev.x0, ln.x0) - min(prev.x1, ln.x1) < 2 * lay.body):
            a, b = (prev, ln) if prev.x0 <= ln.x0 else (ln, prev)
            out[-1] = replace(a, text=f"{a.text.rstrip()} {b.text.lstrip()}", x1=max(a.x1, b.x1),
                              top=min(a.top, b.top), bottom=max(a.bottom, b.bottom))
        else:
            out.append(ln)
    return out


def _new_paragraph(first: Line, prev: Line, ln: Line, lay: Layout, interrupted: bool) -> bool:
    """Does `ln` start a new paragraph after `prev` (the last line of the paragraph that began with `first`)?"""
    if abs(prev.size - ln.size) > 0.6:
        return True
    marker = bool(_LIST_MARK.match(ln.text.strip()))
    hanging = bool(_LIST_MARK.match(first.text.strip())) and ln.x0 > first.x0 + 0.3 * ln.size
    if interrupted or prev.page != ln.page or prev.col != ln.col:
        return not (lay.is_full(prev) and not lay.is_indented(ln) and not marker)
    step = ln.bottom - prev.bottom
    if step <= 0 or step > 1.35 * lay.pitch_for(prev.size):
        return True
    if marker and ln.x0 <= prev.x0 + 1 and (not lay.is_full(prev) or abs(ln.x0 - prev.x0) > 0.3 * ln.size
                                            or abs(ln.x0 - first.x0) < 0.3 * ln.size):
        return True
    if lay.is_indented(ln) and not lay.is_indented(prev) and ln.x0 - lay.edges(ln)[0] < 5 * ln.size and not hanging:
        return True
    short = prev.x1 < lay.edges(prev)[1] - 3 * prev.size and prev.size <= lay.body + 0.5
    return short and (prev.text.rstrip().endswith((".", ":", "!", "?", "”", '"')) or ln.text[:1].isupper())


# -- 5. references --------------------------------------------------------------------------------------------------

_REF_NUM = re.compile(r"^\[(\d{1,4})\]\s*")
_REF_NUM_DOT = re.compile(r"^(\d{1,4})\.\s+(?=\S)")


def _split_references(lines: list[Line], lay: Layout) -> list[list[Line]]:
    texts = [ln.text.strip() for ln in lines]
    for rx in (_REF_NUM, _REF_NUM_DOT):
        if sum(bool(rx.match(t)) for t in texts) >= max(2, len(lines) // 6):
            entries: list[list[Line]] = []
            for ln, t in zip(lines, texts):
                if rx.match(t) or not entries:
                    entries.append([ln])
                else:
                    entries[-1].append(ln)
            return entries
    # author-year lists: hanging indents (first line at the column's left edge), else extra space between entries
    left: dict[tuple[int, int], float] = {}
    for ln in lines:
        k = (ln.page, ln.col)
        left[k] = min(left.get(k, ln.x0), ln.x0)
    hanging = sum(ln.x0 > left[ln.page, ln.col] + 0.5 * ln.size for ln in lines) >= len(lines) // 5
    entries = []
    prev = None
    for ln in lines:
        if hanging:
            start = ln.x0 <= left[ln.page, ln.col] + 0.5 * ln.size
        else:
            start = prev is None or prev.page != ln.page or prev.col != ln.col or \
                ln.bottom - prev.bottom > 1.25 * lay.pitch_for(ln.size)
        if start or not entries:
            entries.append([ln])
        else:
            entries[-1].append(ln)
        prev = ln
    return entries


# -- the whole -------------------------------------------------------------------------------------------------------


def structure(lines: list[Line], sizes: list[tuple[float, float]]) -> PaperText:
    """Sections, captions and references from the lines of all pages (`sizes`: (width, height) per page)."""
    lines = drop_furniture(lines, sizes)
    by_page: dict[int, list[Line]] = defaultdict(list)
    for ln in lines:
        by_page[ln.page].append(ln)
    ordered: list[Line] = []
    for page in sorted(by_page):
        ordered += order_page(by_page[page], sizes[page - 1][0])
    lay = Layout(ordered)
    ordered = _same_row_joined(ordered, lay)

    found = _mark_captions(ordered, lay)
    heads = _mark_headings(ordered, lay)
    in_refs = [False] * len(ordered)
    zone = False
    for i in range(len(ordered)):
        if i in heads:
            zone = re.sub(r"[\s:.]+$", "", heads[i][0]).lower() in _REF_NAMES
        elif zone:
            in_refs[i] = True
    _drop_float_text(ordered, lay, found, in_refs)
    _drop_footnotes(ordered, lay, sizes, in_refs)
    keep = [i for i, ln in enumerate(ordered) if in_refs[i] or not _script_fragment(ln, lay)]
    new_index = {old: new for new, old in enumerate(keep)}
    ordered, in_refs = [ordered[i] for i in keep], [in_refs[i] for i in keep]
    heads = {new_index[i]: h for i, h in heads.items() if i in new_index}

    hyph = compounds(ln.text for ln in ordered)
    captions = [Caption(kind, label,
                        pdf_plain_text(_CAPTION.sub("", join_lines([b.text for b in block], hyph), count=1)),
                        block[0].page) for kind, label, block in found]

    sections: list[Section] = []
    current = Section("", 0, ordered[0].page if ordered else 1)
    para: list[Line] = []
    ref_lines: list[Line] = []
    interrupted = False

    def flush() -> None:
        if para:
            text = pdf_plain_text(join_lines([p.text for p in para], hyph))
            if _WORDLIKE.search(text):  # else a formula or figure fragment ("γ", "2 2")
                current.paragraphs.append(Paragraph(text, para[0].page))
            para.clear()

    i = 0
    while i < len(ordered):
        ln = ordered[i]
        if i in heads:
            flush()
            if current.paragraphs or current.heading:
                sections.append(current)
            text, level, used = heads[i]
            current = Section(text, level, ln.page)
            interrupted = False
            i += used
            continue
        if ln.kind:
            interrupted = interrupted or bool(para)
            i += 1
            continue
        if in_refs[i]:
            ref_lines.append(ln)
            i += 1
            continue
        if para and _new_paragraph(para[0], para[-1], ln, lay, interrupted):
            flush()
        para.append(ln)
        interrupted = False
        i += 1
    flush()
    if current.paragraphs or current.heading:
        sections.append(current)

    blocks = _split_references(ref_lines, lay) if ref_lines else []
    references = [parse_reference(pdf_plain_text(join_lines([ln.text for ln in block], hyph))) for block in blocks]
    for sec in sections:  # the reference list's section shows one paragraph per entry
        if re.sub(r"[\s:.]+$", "", sec.heading).lower() in _REF_NAMES and references:
            sec.paragraphs = [Paragraph((f"[{r.number}] " if r.number is not None else "") + r.text, b[0].page)
                              for r, b in zip(references, blocks)]
            break
    if sections and sections[0].heading == "":
        sections[:1] = front_matter(sections[0], has_abstract=any(s.heading.lower() == "abstract" for s in sections))
    log.debug("structured %d lines: %d sections, %d captions, %d references", len(ordered), len(sections),
              len(captions), len(references))
    return PaperText(pages=len(sizes), sections=sections, captions=captions, references=references)
