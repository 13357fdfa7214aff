"""One entry of a paper's reference list, as the PDF's text gives it: its number, year and title guessed.
Pure string work, called by `pdf_sections` once the list is split into entries.

    parse_reference("[12] A. Author, B. Author. Attention is all you need. In NeurIPS, 2017.")
    # Reference(number=12, text="A. Author, ...", title="Attention is all you need", year=2017)
"""
from __future__ import annotations

import re

from .pdf_text import Reference

_REF_NUM = re.compile(r"^\[(\d{1,4})\]\s*")
_REF_NUM_DOT = re.compile(r"^(\d{1,4})\.\s+(?=\S)")
_YEAR_ACM = re.compile(r"(?:^|\.\s)((?:19|20)\d{2})[a-z]?\.\s")  # "Authors. 2021. Title. Venue."
_YEAR_PAREN = re.compile(r"\(((?:19|20)\d{2})[a-z]?\)")  # "Authors (2021). Title."
_YEAR_ANY = re.compile(r"(?<![\d./:\-])((?:19|20)\d{2})[a-z]?(?![\d]|\.\d|/)")  # not in arXiv ids, DOIs, URLs
_QUOTED = re.compile(r"[“\"](.{12,}?)[,.]?[”\"]")
_NOT_AN_END = re.compile(r"[A-Z]|[A-Z]\.[A-Z]|Jr|vs|eds?|[A-Z][a-z]?\.-?[A-Z]|Proc|Vol|No|pp|St|Dr")


def parse_reference(text: str) -> Reference:
    """A reference entry (one line, "[12] ..." or "12. ..." number included) with its year and title guessed."""
    number = None
    m = _REF_NUM.match(text) or _REF_NUM_DOT.match(text)
    if m:
        number, text = int(m.group(1)), text[m.end():].strip()
    return Reference(number=number, text=text, title=_guess_title(text), year=_guess_year(text))


def _sentences(text: str) -> list[str]:
    """Split at ". " except after an initial ("A. B. Smith") or a common abbreviation."""
    parts, start = [], 0
    for m in re.finditer(r"[.?!]\s+", text):
        words = text[start:m.start()].split()
        if words and _NOT_AN_END.fullmatch(words[-1]):
            continue
        if text[m.start()] in "?!" and re.match(r"[A-Z](?!n\s)", text[m.end():]):
            continue  # "What's in a Summary? Laying the Groundwork ...": a subtitle, not the venue ("In ...")
        parts.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def _guess_title(text: str) -> str | None:
    m = _QUOTED.search(text)  # IEEE: A. Author, “Title,” in ...
    if m and len(m.group(1).split()) >= 3:
        return m.group(1).strip(" ,.")
    m = _YEAR_ACM.search(text) or _YEAR_PAREN.search(text)
    if m:  # the title follows the year
        parts = _sentences(text[m.end():].lstrip(" ."))
        title = parts[0] if parts else None
    else:  # "Authors. Title. Venue, year."
        parts = _sentences(text)
        title = parts[1] if len(parts) >= 2 else None
    if not title:
        return None
    title = re.sub(r"^In\s+", "", title).strip().rstrip(".,")
    title = re.split(r"\s(?:https?://|arXiv preprint|arXiv:|doi:)", title)[0].strip().rstrip(".,")
    return title if len(title) >= 6 and not title.lower().startswith("http") else None


def _guess_year(text: str) -> int | None:
    for rx in (_YEAR_ACM, _YEAR_PAREN):
        m = rx.search(text)
        if m:
            return int(m.group(1))
    years = _YEAR_ANY.findall(text)
    return int(years[-1]) if years else None
