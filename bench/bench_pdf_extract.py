"""PDF text extraction: pypdfium2 vs pdfplumber (pdfminer.six) vs pypdf on the four real arXiv PDFs in
../shared/data/fixtures/pdf (or $TRENDSCOPE_SHARED/data/fixtures/pdf): seconds per paper, and what the text
looks like where it matters for the reader (the two-column reading order, line-break hyphens, ligatures, font
information for headings). The result and the choice are in docs/fulltext_extraction.md.

    .venv/bin/python bench/bench_pdf_extract.py                 # all libraries, best of 1
    .venv/bin/python bench/bench_pdf_extract.py --repeat 3 --libs pypdfium2 trendscope

pdfplumber and pypdf are not dependencies of Trendscope: install them into the venv to compare
(`.venv/bin/pip install pdfplumber pypdf`); a missing one is reported and skipped.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# A sentence that runs from the bottom of the left column into the right one (2302: page 2, 2304: page 1).
ACROSS_COLUMNS = {
    "2302.07302v1.pdf": "the cited paper was expected to be more relevant and salient to the reader",
    "2304.02623v1.pdf": "this could be researchers collecting and reading multiple papers",
}
# Phrases with a word split by a line-break hyphen in the PDF ("tech-" / "nology"), all on page 1.
HYPHENATED = {
    "2304.02623v1.pdf": "leveraging this new technology can",
    "2302.07302v1.pdf": "provide personalized visual",
    "2206.10883v3.pdf": "applications to aid knowledge workers",
}


def fixture_dir() -> Path:
    shared = Path(os.environ.get("TRENDSCOPE_SHARED", REPO.parent / "shared"))
    return shared / "data" / "fixtures" / "pdf"


def with_pypdfium2(data: bytes) -> tuple[str, str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    return text, "font info per char: box, size, weight, name"


def with_trendscope(data: bytes) -> tuple[str, str]:
    from trendscope.ingest.pdf_text import extract

    paper = extract(data)
    paras = [p.text for s in paper.sections for p in s.paragraphs]
    return "\n".join(paras), f"found {len(paper.sections)} sections, {len(paper.captions)} captions, " \
        f"{len(paper.references)} references"


def with_pdfplumber(data: bytes) -> tuple[str, str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        chars = sum(len(p.chars) for p in pdf.pages)  # what structuring would need: every char with its font
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    return text, f"font info per char: box, size, name ({chars} chars)"


def with_pypdf(data: bytes) -> tuple[str, str]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() or "" for p in reader.pages), "no font info without a custom visitor"


LIBS = {"pypdfium2": with_pypdfium2, "trendscope": with_trendscope, "pdfplumber": with_pdfplumber, "pypdf": with_pypdf}
LABELS = {"pypdfium2": "pypdfium2: page text", "trendscope": "pypdfium2: extract() (whole structuring)",
          "pdfplumber": "pdfplumber: chars + text", "pypdf": "pypdf: extract_text()"}


def flat(text: str) -> str:
    """Whitespace collapsed, line-break hyphens joined (whichever way the library marks them)."""
    text = re.sub(r"[\ufffe\x02\u00ad]\s*", "", text)
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text)


def quality(name: str, text: str) -> str:
    notes = []
    flat_text = flat(text)
    if name in ACROSS_COLUMNS:
        notes.append("2-col order " + ("ok" if ACROSS_COLUMNS[name] in flat_text else "BROKEN"))
    if name in HYPHENATED:
        plain = re.sub(r"\s+", " ", text)
        notes.append("hyphen " + ("repaired" if HYPHENATED[name] in plain else
                                  "marked" if re.search("[\ufffe\x02\u00ad]", text) else "not repaired"))
    ligatures = len(re.findall("[\ufb00-\ufb06]", text))
    if ligatures:
        notes.append(f"{ligatures} ligature chars")
    return ", ".join(notes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--libs", nargs="+", default=list(LIBS), choices=list(LIBS))
    ap.add_argument("--repeat", type=int, default=1, help="runs per paper and library; the best time is shown")
    args = ap.parse_args()
    folder = fixture_dir()
    pdfs = sorted(folder.glob("*.pdf"))
    if not pdfs:
        sys.exit(f"no PDFs in {folder} (set TRENDSCOPE_SHARED)")
    print(f"{len(pdfs)} PDFs from {folder}; {os.cpu_count()} CPUs; best of {args.repeat}\n")
    rows = []
    for lib in args.libs:
        for pdf in pdfs:
            data = pdf.read_bytes()
            try:
                best = float("inf")
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    text, fonts = LIBS[lib](data)
                    best = min(best, time.perf_counter() - started)
            except ImportError as exc:
                print(f"{lib}: not installed ({exc.name}); skipped")
                break
            rows.append((lib, pdf.name, best, quality(pdf.name, text), fonts))
    print(f"| library | {' | '.join(p.stem for p in pdfs)} |")
    print(f"| --- | {' | '.join('---:' for _ in pdfs)} |")
    for lib in args.libs:
        cells = {name: f"{secs:.2f}" for lb, name, secs, _q, _f in rows if lb == lib}
        if cells:
            print(f"| {LABELS[lib]} | {' | '.join(cells.get(p.name, '-') for p in pdfs)} |")
    print("\nseconds per paper, measured on this machine\n")
    for lib, name, secs, notes, fonts in rows:
        print(f"{lib:11} {name:18} {secs:6.2f} s  {notes}{'; ' if notes else ''}{fonts}")


if __name__ == "__main__":
    main()
