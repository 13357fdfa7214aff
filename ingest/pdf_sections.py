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
from dataclasses import dataclass, field, replace

from .pdf_front_matter import front_matter
from .pdf_headings import is_reference_heading, mark_headings
from .pdf_layout import Layout, drop_furniture, order_page
from .pdf_references import parse_reference
from .pdf_text import (
    Caption,
    Line,
    PaperText,
    Paragraph,
    Reference,
    Section,
    compounds,
    join_lines,
    pdf_plain_text,
)

log = logging.getLogger(__name__)

_CAPTION = re.compile(r"^(Figure|FIGURE|Fig\.|Table|TABLE)\s*((?:[A-Z]\.?)?\d{1,3}|[IVX]{1,5})\s*(?:[:.|]|\s-)\s*")
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


def _reading_order(lines: list[Line], sizes: list[tuple[float, float]]) -> list[Line]:
    """Steps 1 and 2: the lines without page furniture, page by page in reading order."""
    lines = drop_furniture(lines, sizes)
    by_page: dict[int, list[Line]] = defaultdict(list)
    for ln in lines:
        by_page[ln.page].append(ln)
    ordered: list[Line] = []
    for page in sorted(by_page):
        ordered += order_page(by_page[page], sizes[page - 1][0])
    return ordered


def _reference_zone(count: int, heads: dict[int, tuple[str, int, int]]) -> list[bool]:
    """Which of `count` lines lie under a reference list's heading (up to the next heading)."""
    in_refs = [False] * count
    zone = False
    for i in range(count):
        if i in heads:
            zone = is_reference_heading(heads[i][0])
        elif zone:
            in_refs[i] = True
    return in_refs


@dataclass
class _Marked:
    """The ordered lines after step 3: which are in the reference list, and the headings by first line."""
    lines: list[Line]
    in_refs: list[bool]
    heads: dict[int, tuple[str, int, int]]

    def without_script_fragments(self, lay: Layout) -> _Marked:
        keep = [i for i, ln in enumerate(self.lines) if self.in_refs[i] or not _script_fragment(ln, lay)]
        new_index = {old: new for new, old in enumerate(keep)}
        return _Marked([self.lines[i] for i in keep], [self.in_refs[i] for i in keep],
                       {new_index[i]: h for i, h in self.heads.items() if i in new_index})


def _captions(found: list[tuple[str, str, list[Line]]], hyph: set[str]) -> list[Caption]:
    return [Caption(kind, label, pdf_plain_text(_CAPTION.sub("", join_lines([b.text for b in block], hyph), count=1)),
                    block[0].page) for kind, label, block in found]


@dataclass
class _Body:
    """Step 4: the sections and their paragraphs, built line by line; the reference list's lines kept aside."""
    lay: Layout
    hyph: set[str]
    current: Section
    sections: list[Section] = field(default_factory=list)
    para: list[Line] = field(default_factory=list)
    ref_lines: list[Line] = field(default_factory=list)
    interrupted: bool = False

    def flush(self) -> None:
        if self.para:
            text = pdf_plain_text(join_lines([p.text for p in self.para], self.hyph))
            if _WORDLIKE.search(text):  # else a formula or figure fragment ("γ", "2 2")
                self.current.paragraphs.append(Paragraph(text, self.para[0].page))
            self.para.clear()

    def close_section(self) -> None:
        self.flush()
        if self.current.paragraphs or self.current.heading:
            self.sections.append(self.current)

    def heading(self, text: str, level: int, page: int) -> None:
        self.close_section()
        self.current = Section(text, level, page)
        self.interrupted = False

    def line(self, ln: Line, in_refs: bool) -> None:
        if ln.kind:
            self.interrupted = self.interrupted or bool(self.para)
        elif in_refs:
            self.ref_lines.append(ln)
        else:
            if self.para and _new_paragraph(self.para[0], self.para[-1], ln, self.lay, self.interrupted):
                self.flush()
            self.para.append(ln)
            self.interrupted = False


def _sections(marked: _Marked, lay: Layout, hyph: set[str]) -> _Body:
    body = _Body(lay, hyph, Section("", 0, marked.lines[0].page if marked.lines else 1))
    i = 0
    while i < len(marked.lines):
        ln = marked.lines[i]
        if i in marked.heads:
            text, level, used = marked.heads[i]
            body.heading(text, level, ln.page)
            i += used
            continue
        body.line(ln, marked.in_refs[i])
        i += 1
    body.close_section()
    return body


def _references(ref_lines: list[Line], lay: Layout, hyph: set[str], sections: list[Section]) -> list[Reference]:
    """Step 5: the reference list's entries; its section shows one paragraph per entry."""
    blocks = _split_references(ref_lines, lay) if ref_lines else []
    references = [parse_reference(pdf_plain_text(join_lines([ln.text for ln in block], hyph))) for block in blocks]
    for sec in sections:
        if is_reference_heading(sec.heading) and references:
            sec.paragraphs = [Paragraph((f"[{r.number}] " if r.number is not None else "") + r.text, b[0].page)
                              for r, b in zip(references, blocks)]
            break
    return references


def structure(lines: list[Line], sizes: list[tuple[float, float]]) -> PaperText:
    """Sections, captions and references from the lines of all pages (`sizes`: (width, height) per page)."""
    ordered = _reading_order(lines, sizes)
    lay = Layout(ordered)
    ordered = _same_row_joined(ordered, lay)

    found = _mark_captions(ordered, lay)
    heads = mark_headings(ordered, lay)
    in_refs = _reference_zone(len(ordered), heads)
    _drop_float_text(ordered, lay, found, in_refs)
    _drop_footnotes(ordered, lay, sizes, in_refs)
    marked = _Marked(ordered, in_refs, heads).without_script_fragments(lay)

    hyph = compounds(ln.text for ln in marked.lines)
    captions = _captions(found, hyph)
    body = _sections(marked, lay, hyph)
    sections = body.sections
    references = _references(body.ref_lines, lay, hyph, sections)
    if sections and sections[0].heading == "":
        sections[:1] = front_matter(sections[0], has_abstract=any(s.heading.lower() == "abstract" for s in sections))
    log.debug("structured %d lines: %d sections, %d captions, %d references", len(marked.lines), len(sections),
              len(captions), len(references))
    return PaperText(pages=len(sizes), sections=sections, captions=captions, references=references)
