"""Page layout for `pdf_sections`: the document's measures (body text size, line pitch, column edges), page
furniture (steps 1 and 2 of `pdf_sections.structure`) and reading order. Pure Python on `Line` records.

1. `drop_furniture`: the arXiv side stamp, rotated text, running headers/footers and page numbers (text that
   repeats at the top or bottom of several pages, digits ignored, or a small line alone at the very top or bottom
   of a page);
2. `order_page`: per page, two columns are found (many lines lie wholly left or wholly right of a gutter) and the
   lines ordered: horizontal bands cut by full-width lines, in each band the left column before the right one,
   top to bottom; fragments of one printed line are joined again (`merge_row`).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict

from .pdf_text import HYPHEN, Line

_STAMP = re.compile(r"^arXiv:\d{4}\.\d{4,5}v\d+\s*\[[\w.-]+\]\s+\d{1,2}\s+\w{3}\s+\d{4}$")
_PAGE_NO = re.compile(r"^(\d{1,4}|[ivxlc]{1,6}|page \d+( of \d+)?)$", re.I)


def mode_of(values, default: float) -> float:
    c = Counter(values)
    return c.most_common(1)[0][0] if c else default


class Layout:
    """Document-wide measures: body size, line pitch, column edges."""

    def __init__(self, lines: list[Line]):
        self.body = body_size(lines)
        pitches = []
        for a, b in zip(lines, lines[1:]):
            if a.page == b.page and a.col == b.col and self.is_body(a) and self.is_body(b):
                d = b.bottom - a.bottom
                if 0.8 * self.body < d < 2.5 * self.body:
                    pitches.append(round(d * 4) / 4)
        self.pitch = mode_of(pitches, 1.2 * self.body)
        body = [ln for ln in lines if self.is_body(ln)]
        # most body lines are full lines: their usual width is the column width
        self.width = mode_of((round(ln.x1 - ln.x0) // 4 * 4 for ln in body if ln.col != -1 and not ln.cells), 300)
        xs0, xs1 = defaultdict(list), defaultdict(list)
        for ln in body:
            if ln.x1 - ln.x0 >= 0.7 * self.width:
                xs0[ln.page, ln.col].append(round(ln.x0))
                xs1[ln.page, ln.col].append(round(ln.x1))
        self.left = {k: mode_of(v, min(v)) for k, v in xs0.items()}
        self.right = {k: mode_of(v, max(v)) for k, v in xs1.items()}

    def is_body(self, ln: Line) -> bool:
        return abs(ln.size - self.body) <= 0.45

    def edges(self, ln: Line) -> tuple[float, float]:
        key = (ln.page, ln.col)
        return self.left.get(key, ln.x0), self.right.get(key, ln.x1)

    def pitch_for(self, size: float) -> float:
        return self.pitch * size / self.body

    def is_full(self, ln: Line) -> bool:
        return ln.x1 >= self.edges(ln)[1] - 1.5 * ln.size

    def is_indented(self, ln: Line) -> bool:
        return ln.x0 - self.edges(ln)[0] > 0.6 * ln.size


# -- 1. page furniture --------------------------------------------------------------------------------------------


def drop_furniture(lines: list[Line], sizes: list[tuple[float, float]]) -> list[Line]:
    body = body_size(lines)
    keep = [ln for ln in lines if ln.text.strip() and not ln.rotated and not _STAMP.match(ln.text.strip())
            and not (ln.size < 0.8 * body and len(ln.text.strip()) <= 3)]  # sub- and superscripts on their own
    outer: dict[str, set[int]] = defaultdict(set)

    def in_margin(ln: Line) -> bool:
        h = sizes[ln.page - 1][1]
        return ln.top < 0.11 * h or ln.bottom > 0.9 * h

    def key(ln: Line) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", " ", ln.text.strip().lower()))

    for ln in keep:
        if in_margin(ln):
            outer[key(ln)].add(ln.page)
    pages = len(sizes)
    repeat = max(2, min(3, pages // 3))
    by_page: dict[int, list[Line]] = defaultdict(list)
    for ln in keep:
        by_page[ln.page].append(ln)
    lone: set[int] = set()  # a small line alone at the top or bottom edge of its page, far from the rest
    for page_lines in by_page.values():
        page_lines.sort(key=lambda ln: ln.top)
        for edge, other in ((page_lines[0], page_lines[1:]), (page_lines[-1], page_lines[:-1])):
            if not in_margin(edge) or edge.size > body - 0.5 or not other:
                continue
            gap = min(abs(o.top - edge.bottom) if edge is page_lines[0] else abs(edge.top - o.bottom) for o in other)
            if gap > 1.2 * body:
                lone.add(id(edge))
    out = []
    for ln in keep:
        if in_margin(ln) and (_PAGE_NO.match(ln.text.strip()) or len(outer[key(ln)]) >= repeat or id(ln) in lone):
            continue
        out.append(ln)
    return out


def body_size(lines: list[Line]) -> float:
    sizes: Counter = Counter()
    for ln in lines:
        sizes[round(ln.size * 2) / 2] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


# -- 2. columns and reading order ---------------------------------------------------------------------------------


def order_page(lines: list[Line], width: float) -> list[Line]:
    mid = width / 2
    wide = [ln for ln in lines if ln.x1 - ln.x0 >= 0.3 * width]
    left = [ln for ln in wide if ln.x1 <= mid + 0.03 * width]
    right = [ln for ln in wide if ln.x0 >= mid - 0.03 * width]
    full = sum(ln.x1 - ln.x0 >= 0.6 * width for ln in wide)
    two = (len(left) >= 2 and len(right) >= 2 and full <= len(left) + len(right)) or \
        (len(left) + len(right) >= 5 and min(len(left), len(right)) >= 1 and full == 0)
    if two:
        split = (sorted(ln.x1 for ln in left)[len(left) // 2] + sorted(ln.x0 for ln in right)[len(right) // 2]) / 2
        tol = 0.015 * width
        for ln in lines:
            ln.col = 0 if ln.x1 <= split + tol else 1 if ln.x0 >= split - tol else -1
    else:
        for ln in lines:
            ln.col = 0
    # rows: lines of one column whose tops are within half a line of each other, read left to right
    rows: list[list[Line]] = []
    open_row: dict[int, list[Line]] = {}
    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        row = open_row.get(ln.col)
        if row and ln.top - row[0].top < 0.4 * max(ln.size, 4):
            row.append(ln)
        else:
            open_row[ln.col] = [ln]
            rows.append(open_row[ln.col])
    out: list[Line] = []
    band: list[Line] = []
    for row in rows:
        row = merge_row(sorted(row, key=lambda ln: ln.x0))
        if row[0].col == -1:
            out += [ln for ln in band if ln.col == 0] + [ln for ln in band if ln.col == 1] + row
            band = []
        else:
            band += row
    return out + [ln for ln in band if ln.col == 0] + [ln for ln in band if ln.col == 1]


def merge_row(row: list[Line]) -> list[Line]:
    """Fragments of one printed line (split by the PDF at a superscript, say) become one line again; what is
    left side by side with a wide gap is table cells or figure labels."""
    out = [row[0]]
    for ln in row[1:]:
        a = out[-1]
        gap = ln.x0 - a.x1
        if -1 < gap < 0.8 * max(a.size, ln.size) and not a.text.endswith(HYPHEN):
            main = a if len(a.text) >= len(ln.text) else ln
            out[-1] = Line(a.page, a.text + (" " if gap > 0.1 * a.size else "") + ln.text, a.x0, max(a.x1, ln.x1),
                           main.top, main.bottom, main.size, a.bold and ln.bold, col=a.col,
                           italic=a.italic and ln.italic)
        else:
            out.append(ln)
    if len(out) > 1:
        for ln in out:
            ln.cells = True
    return out
