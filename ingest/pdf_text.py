"""Full text of an arXiv PDF for the paper reader: the bytes of a PDF in, sections, paragraphs, figure/table captions
and the reference list out. Pure: no network, no database, no files.

    paper = extract(pdf_bytes, source="arXiv 2302.07302")
    paper.sections[0].heading, paper.captions[0].label, paper.references[0].title
    png = render_page_png(pdf_bytes, 3, width=1000)   # the page image, e.g. to show a figure

This module reads the PDF (characters with their boxes, font size and style, grouped into lines) and holds the
public data model; `pdf_sections` does the layout analysis (columns, headings, paragraphs, captions, references),
`pdf_references` reads one reference entry.

Library: pypdfium2 (Apache-2.0 / BSD-3, Google's PDFium). Measured on this (slow, 2-core) machine with
`bench/bench_pdf_extract.py --repeat 2`, best seconds per paper for the fixtures in ../shared/data/fixtures/pdf
(runs on this machine vary by about +-30%):

    library                            2203.00130   2206.10883   2302.07302   2304.02623
                                       39 p, 1 col  37 p, 1 col  15 p, 2 col  4 p, 2 col
    pypdfium2: plain page text             0.14         0.19         0.09         0.04
    pypdfium2: extract() (all of this)     1.28         1.02         0.82         0.27
    pypdf: extract_text()                  1.87         3.68         1.54         0.78
    pdfplumber: chars + extract_text()    13.34        13.99         6.22         2.84

pypdfium2 is chosen. Its text is 10-20 times faster than pypdf's and 70-100 times faster than pdfplumber's, so
the whole structuring of the 39-page paper (1.3 s) takes less than pypdf's plain text alone. It gives what
structuring needs: per-character boxes, font size, weight and font name (headings are found from bold / larger
type), and line-break hyphens flagged as such, so "tech-" + "nology" can be joined (pypdf and pdfplumber leave
a plain "tech-" at the line end). Ligature glyphs come out as plain letters
(pypdf left 167 "ﬁ"-style characters in 2206.10883). Its text follows the content stream, which keeps the two
columns of these LaTeX papers apart (the layout code orders columns itself all the same); pdfplumber's plain
text interleaves the two columns line by line. It also renders pages, for the reader's image fallback. pdfplumber
(pdfminer.six) has the same character data but is far too slow (13 s for the 39-page paper); pypdf gives no font
information without a custom visitor. PyMuPDF (AGPL) was not considered. Details: docs/fulltext_extraction.md.

Errors: anything that is not a readable PDF with text raises `PdfError` (one plain line naming `source`, and
`kind` in {"not_pdf", "encrypted", "damaged", "no_text", "too_long"}); PDFium's own exceptions never escape.
PDFium is not thread-safe, so every call into it here holds one module lock.
"""
from __future__ import annotations

import ctypes
import logging
import re
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from io import BytesIO
from statistics import median

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from trendscope.foundation.errors import TrendscopeError

__all__ = ["PdfError", "extract", "render_page_png", "PaperText", "Section", "Paragraph", "Caption", "Reference"]

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
KINDS = ("not_pdf", "encrypted", "damaged", "no_text", "too_long")
# Pages read at most: arXiv's longest papers (theses, book-length surveys) have a few hundred. A made-up PDF of
# 200,000 pages within the upload limit took 111 s and 713 MB to read (an audit).
MAX_PAGES = 1500
_STAMP_ID = re.compile(r"^arXiv:(\d{4}\.\d{4,5})v\d+\s*\[[\w.-]+\]")  # the side stamp, not a cited "arXiv:2205.11916"
HYPHEN = "\x02"  # ends a line whose last character is a line-break hyphen (PDFium's mark for it, too)
# A gap between two characters on one baseline wider than this share of the glyph box's height is a space the PDF
# does not write ("What(other)tasks" in 2206.10883's appendix: gaps of 0.15-0.2). Inside words the fixtures' gaps
# are under 0.05, monospaced code and dot leaders 0.08-0.13.
WORD_GAP = 0.14


@dataclass
class Paragraph:
    text: str
    page: int  # 1-based page of its first line


@dataclass
class Section:
    heading: str  # as printed ("3.2 Study Design", "REFERENCES"); "" for the title block before any heading
    level: int  # 1 for "3", 2 for "3.2", ...; 0 for the untitled first section
    page: int
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class Caption:
    kind: str  # "figure" | "table"
    label: str  # "Figure 3", "Table 2" ("Fig. 3" is given as "Figure 3")
    text: str  # without the label
    page: int


@dataclass
class Reference:
    number: int | None  # 12 for "[12] ..." or "12. ..."; None in author-year lists
    text: str  # the entry on one line, without its number
    title: str | None  # best guess, to match against a corpus of papers
    year: int | None


@dataclass
class PaperText:
    pages: int
    sections: list[Section]
    captions: list[Caption]
    references: list[Reference]
    stamp_id: str | None = None  # the arXiv id of the side stamp arXiv prints on page 1 ("arXiv:2302.07302v1 [cs.HC]")


@dataclass(slots=True)
class Line:
    """One text line as the PDF placed it; coordinates in points, y downwards from the top of its page."""

    page: int
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size after the text matrix (what one sees), the most common in the line
    bold: bool  # its first and last characters are bold
    rotated: bool = False
    italic: bool = False
    col: int = 0  # set by the layout: 0 left (or only) column, 1 right column, -1 across both
    cells: bool = False  # set by the layout: shares its row with text far to the side (a table row, figure labels)
    kind: str = ""  # set by the layout: "", "heading", "caption", "drop"


class PdfError(TrendscopeError):
    """The bytes are not a PDF whose text can be read; `kind` says why (one of KINDS)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def extract(pdf: bytes, *, source: str = "PDF") -> PaperText:
    """Sections (with paragraphs), captions and references of the PDF `pdf`; `source` names it in errors."""
    from .pdf_sections import structure  # here, not on top: pdf_sections imports this module's model

    started = time.perf_counter()
    with _LOCK:
        doc = _open(pdf, source)
        try:
            lines, sizes = _read_lines(doc, source)
        finally:
            doc.close()
    chars = sum(len(ln.text) - ln.text.count(" ") for ln in lines if not ln.text.startswith("arXiv:"))
    if chars < 50 * len(sizes):
        raise PdfError(f"Cannot read the text of {source}: the PDF has no text layer (a scanned paper?).", "no_text")
    stamp = next((m[1] for ln in lines if ln.page == 1 and (m := _STAMP_ID.match(ln.text))), None)
    try:
        paper = structure(lines, sizes)
        paper.stamp_id = stamp
    except Exception:  # a layout this parser cannot cope with: the traceback goes to the log, one line to the user
        log.exception("%s: layout analysis failed", source)
        raise PdfError(f"Cannot read the text of {source}: its page layout could not be analysed.", "damaged") \
            from None
    log.info("%s: %d pages, %d sections, %d captions, %d references in %.2f s", source, paper.pages,
             len(paper.sections), len(paper.captions), len(paper.references), time.perf_counter() - started)
    return paper


def render_page_png(pdf: bytes, page: int, *, width: int = 1000, source: str = "PDF") -> bytes:
    """PNG image of page `page` (1-based), `width` pixels wide (clamped to 16..4000)."""
    width = max(16, min(int(width), 4000))
    with _LOCK:
        doc = _open(pdf, source)
        try:
            if not 1 <= page <= len(doc):
                raise ValueError(f"{source} has {len(doc)} pages; there is no page {page}")
            pg = doc[page - 1]
            try:
                image = pg.render(scale=width / pg.get_size()[0]).to_pil()
            finally:
                pg.close()
        except pdfium.PdfiumError as exc:
            raise _damaged(source, exc) from None
        finally:
            doc.close()
    buf = BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


# -- text helpers (also used by pdf_sections) ------------------------------------------------------------------------

_SAFE_NFKC = re.compile("[\ufb00-\ufb4f\uff01-\uff5e\u00a0\u2000-\u200a\U0001d400-\U0001d7ff]")
# control characters (not HYPHEN), DEL and C1 (U+009B is a terminal's CSI), bidirectional overrides and isolates
# (U+202E showed a paragraph reversed in the reader), invisible marks: what `foundation.text.clean_text` drops
# from every other text (a hand-made PDF's ToUnicode map put them in its text: a security walkthrough)
_CONTROL = re.compile("[\u200b-\u200f\u2060\u061c\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff"
                      "\x00-\x01\x03-\x1f\x7f-\x9f]")
_WORD_END = re.compile(r"([A-Za-z][\w-]*)$")
_WORD_START = re.compile(r"^([A-Za-z]+)")
_URL_END = re.compile(r"(https?://|www\.)\S*[/._-]$")
_COMPOUND = re.compile(r"\b[A-Za-z]+(?:-[A-Za-z]+)+\b")


_SPACING_ACCENTS = {"´": "\u0301", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303", "ˇ": "\u030c", "¸": "\u0327",
                    "˚": "\u030a"}
# TeX sets an accent as a glyph of its own: "Krysci ´ nski" for Kryściński (a blind walkthrough)
_ACCENT_IN_WORD = re.compile(r"(?<=[^\W\d_])( ?)([´¨ˆ˜ˇ¸˚]) ?([^\W\d_])")
_ACCENT_ALONE = re.compile(r"(?<!\S)[´¨ˆ˜ˇ¸˚] (?=\S)")


def _accented(m: re.Match) -> str:
    """The accent on the letter after it; a space before it stays before a capital ("Mustafa ˇ Suleyman")."""
    space = m.group(1) if m.group(3).isupper() else ""
    letter = {"ı": "i", "ȷ": "j"}.get(m.group(3), m.group(3))  # TeX accents a dotless i: na\\"{\\i}ve
    return space + unicodedata.normalize("NFC", letter + _SPACING_ACCENTS[m.group(2)])


def pdf_plain_text(s: str) -> str:
    """Ligatures (ﬁ, ﬀ, ...), full-width and math-alphabet letters and odd spaces to plain text: NFKC on those
    characters only (NFKC of the whole text would also rewrite ², ½, ™, … and the like); spaces collapsed; an
    accent set apart inside a word put on its letter, one standing alone before a word dropped."""
    s = _SAFE_NFKC.sub(lambda m: unicodedata.normalize("NFKC", m.group()), s)
    if any(a in s for a in _SPACING_ACCENTS):
        s = _ACCENT_IN_WORD.sub(_accented, s)
        s = _ACCENT_ALONE.sub("", s)
    return re.sub(r"\s+", " ", _CONTROL.sub("", s)).strip()


def compounds(texts) -> set[str]:
    """Hyphenated words written in the text ("author-year"), to keep their hyphen at a line break."""
    return {m.group().lower() for t in texts for m in _COMPOUND.finditer(t)}


def join_lines(texts: list[str], hyphenated: set[str] | frozenset = frozenset()) -> str:
    """Lines to one string: hyphens at line breaks removed ("tech-" "nology"), except in compounds written with a
    hyphen elsewhere (`hyphenated`) or already holding one ("state-of-the-" "art"); URLs rejoined; else spaces."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out.endswith(HYPHEN):
            left, right = _WORD_END.search(out[:-1]), _WORD_START.match(t)
            keep = left and right and ("-" in left.group(1) or f"{left.group(1)}-{right.group(1)}".lower()
                                       in hyphenated)
            out = out[:-1] + ("-" if keep else "") + t
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and t[:1].islower():
            out += t  # a hyphen PDFium did not mark as a line-break one: keep it, no space
        elif _URL_END.search(out):
            out += t  # a URL broken after "/" or "."
        else:
            out = f"{out} {t}" if out else t
    return re.sub(r"\s+", " ", out.replace(HYPHEN, "-")).strip()


# -- PDFium -----------------------------------------------------------------------------------------------------------

_BOLD_NAME = re.compile(r"(?i)bold|black|heavy|semibold|demi|-medi|\bmedi|cmbx|cmssbx|bx\d+$|(TB|TBI|-B|-BI|Bd|BdIt)$")
_ITALIC_NAME = re.compile(r"(?i)italic|oblique|ital\b|cmti|cmsl|(TI|TBI|-I|-BI|It|BdIt)$")
_MONO_NAME = re.compile(r"(?i)mono|courier|consol|typewriter|code|^(?:cm|sf|lm|ec|tc|rm)tt|tt\d+$")
_HTML = re.compile(rb"(?i)<(!doctype|html|head|body|title)\b")


def _damaged(source: str, exc: Exception | None = None) -> PdfError:
    if exc is not None:
        log.debug("%s: PDFium error %s", source, exc)
    return PdfError(f"Cannot read {source}: the PDF is damaged.", "damaged")


def _open(pdf: bytes, source: str) -> pdfium.PdfDocument:
    data = bytes(pdf)
    if b"%PDF-" not in data[:1024]:
        what = ("it is empty" if not data.strip() else "it looks like an HTML page" if _HTML.search(data[:2048])
                else "it does not start like one")
        raise PdfError(f"Cannot read {source}: it is not a PDF ({what}).", "not_pdf")
    if b"%%EOF" not in data[-2048:]:  # PDFium would open a cut-off file and show only what it could rebuild
        raise PdfError(f"Cannot read {source}: the PDF is incomplete (it stops before its end; a cut-off download?).",
                       "damaged")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise PdfError(f"Cannot read {source}: the PDF is password-protected (encrypted).", "encrypted") from None
        raise _damaged(source, exc) from None
    if len(doc) == 0:
        doc.close()
        raise _damaged(source)
    if len(doc) > MAX_PAGES:
        pages = len(doc)
        doc.close()
        raise PdfError(f"Cannot read {source}: it has {pages:,} pages; Trendscope reads papers of up to {MAX_PAGES:,}.",
                       "too_long")
    return doc


def _read_lines(doc: pdfium.PdfDocument, source: str) -> tuple[list[Line], list[tuple[float, float]]]:
    """All text lines and each page's (width, height) in points."""
    lines: list[Line] = []
    sizes: list[tuple[float, float]] = []
    for index in range(len(doc)):
        try:
            page = doc[index]
            try:
                sizes.append(page.get_size())
                textpage = page.get_textpage()
                try:
                    lines += _page_lines(textpage.raw, index + 1, sizes[-1][1])
                finally:
                    textpage.close()
            finally:
                page.close()
        except pdfium.PdfiumError as exc:
            raise _damaged(source, exc) from None
    return lines, sizes


def _style(tp, index: int, buf, flags) -> tuple[bool, bool]:
    """(bold, italic) of a character's font, from its weight, name and descriptor flags."""
    pdfium_c.FPDFText_GetFontInfo(tp, index, buf, len(buf), ctypes.byref(flags))
    name = buf.value.decode("latin-1").split("+")[-1]
    bold = pdfium_c.FPDFText_GetFontWeight(tp, index) >= 600 or bool(_BOLD_NAME.search(name)) \
        or bool(flags.value & (1 << 18))
    return bold, bool(_ITALIC_NAME.search(name)) or bool(flags.value & (1 << 6))


def _monospaced(tp, index: int, buf, flags) -> bool:
    """Whether a character's font is a typewriter one (code listings space their letters widely): its descriptor's
    fixed-pitch flag, or its name (LaTeX's cmtt/SFTT/lmtt fonts carry no flag)."""
    pdfium_c.FPDFText_GetFontInfo(tp, index, buf, len(buf), ctypes.byref(flags))
    return bool(flags.value & 1) or bool(_MONO_NAME.search(buf.value.decode("latin-1").split("+")[-1]))


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscript_digits(chars: list[tuple], line_height: float, baseline: float) -> list[int]:
    """The line's character codes, with each raised run of small digits after a word written as superscript digits
    ("in Figure 8.⁵ We", "(UMLS)⁵ or Wiktionary.⁶"): a footnote mark set in small type above the baseline read as
    part of the text before it ("Figure 8.5 We": a blind walkthrough). A raised run holding anything else (an
    exponent "x^{2i}", math) is left as it is. `chars`: (code, left, bottom, right, top, font size, index) with
    PDF coordinates (y upwards; the loose box's height stands for the size as one sees it, whatever the font size
    and text matrix); spaces have left None."""
    codes = [c[0] for c in chars]

    def raised(c: tuple) -> bool:
        return c[1] is not None and c[4] - c[2] < 0.85 * line_height and c[2] > baseline + 0.2 * line_height

    i = 0
    while i < len(chars):
        if not raised(chars[i]):
            i += 1
            continue
        j = i
        while j < len(chars) and raised(chars[j]):
            j += 1
        run = "".join(map(chr, codes[i:j]))
        if i > 0 and chars[i - 1][1] is not None and re.fullmatch(r"\d+(?:,\d+)*", run):
            codes[i:j] = [ord(ch) for ch in run.translate(_SUPERSCRIPT)]
        i = j
    return codes


def _page_lines(tp, page: int, height: float) -> list[Line]:
    """The page's text lines: PDFium's lines, cut after line-break hyphens (PDFium runs a hyphenated line on into
    the next), where the text jumps back to a new line, and at wide gaps (a column gutter, table cells)."""
    count = pdfium_c.FPDFText_CountChars(tp)
    get_unicode, loose_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox
    font_size = pdfium_c.FPDFText_GetFontSize
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    matrix = pdfium_c.FS_MATRIX()
    name_buf, flags = ctypes.create_string_buffer(96), ctypes.c_int()
    out: list[Line] = []
    cur: list[tuple] = []  # (code, left, bottom, right, top, font size, char index); left None for spaces

    def flush() -> None:
        inked = [c for c in cur if c[1] is not None and c[2] != c[4]]
        if inked:
            first, last = inked[0], inked[-1]
            pdfium_c.FPDFText_GetMatrix(tp, first[6], matrix)
            scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5 or 1.0
            x0, x1 = min(c[1] for c in inked), max(c[3] for c in inked)
            top, bottom = height - median(c[4] for c in inked), height - median(c[2] for c in inked)
            rotated = abs(matrix.b) > 0.2 * abs(matrix.a) or matrix.a < 0 or \
                (len(inked) > 3 and bottom - top > 2 * (x1 - x0))
            common = Counter(round(c[5], 1) for c in inked).most_common(1)[0][0]
            size = common * scale
            codes = _superscript_digits(cur, median(c[4] - c[2] for c in inked), median(c[2] for c in inked))
            # UTF-16 code units (PDFium gives surrogate pairs as two characters) to text
            text = "".join(map(chr, codes)).encode("utf-16-le", "surrogatepass")
            (bold0, italic0), (bold1, italic1) = _style(tp, first[6], name_buf, flags), \
                _style(tp, last[6], name_buf, flags)
            out.append(Line(page, text.decode("utf-16-le", "replace").strip(" "), x0, x1, top, bottom,
                            round(size, 2), bold0 and bold1, rotated, italic=italic0 and italic1))
        cur.clear()

    prev = None  # the last inked character of the current line
    last_h, last_fs = -1.0, 0.0  # the font size is asked for again only when the glyph box height changes
    for i in range(count):
        code = get_unicode(tp, i)
        if code in (10, 13):
            if code == 10:
                flush()
                prev = None
            continue
        if code == 2 or code == 0xAD:  # PDFium's mark for a hyphen at a line break
            cur.append((ord(HYPHEN), None, 0, 0, 0, 0, i))
            flush()
            prev = None
            continue
        if code == 0 or code == 32:
            if code == 32 and cur:
                cur.append((32, None, 0, 0, 0, 0, i))
            continue
        loose_box(tp, i, rect_ref)
        height_now = rect.top - rect.bottom
        if height_now != last_h:
            last_h, last_fs = height_now, font_size(tp, i)
        ch = (code, rect.left, rect.bottom, rect.right, rect.top, last_fs, i)
        if prev is not None and height_now:
            em = max(prev[4] - prev[2], 1.0)
            if (ch[4] < prev[2] and ch[1] < prev[1]) or ch[1] - prev[3] > 1.5 * em or ch[3] < prev[1] - em:
                flush()
            elif cur and cur[-1][1] is not None and ch[1] - prev[3] > WORD_GAP * em \
                    and abs(ch[2] - prev[2]) < 0.3 * em and not _monospaced(tp, i, name_buf, flags):
                cur.append((32, None, 0, 0, 0, 0, i))  # a word gap the PDF holds no space for
        cur.append(ch)
        if height_now:
            prev = ch
    flush()
    return out
