"""Markdown import (Trendscope's own export, or any list with arXiv links): every arXiv link or `arXiv:ID` on a
list line, with the status its checkbox gives, the note lines under it and, for a paper not ingested yet, the
title, authors and year the export wrote."""
from __future__ import annotations

import re

from trendscope.foundation.markdown import md_unescape
from trendscope.ingest.records import BadArxivId, arxiv_id_in_text, parse_arxiv_id

from .exporters import list_text
from .imported import MAX_TITLE, ImportedItem, ParsedFile, author_list, one_line, year_of
from .imported_forms import ImportedForms
from .list_input import MAX_NOTE

# a line of Trendscope's Markdown export: "- [x] [escaped title](https://arxiv.org/abs/ID) — ..."
_MD_ITEM_RE = re.compile(r"^\s*[-*+]\s+\[(.)\]\s+\[((?:\\.|[^\\\]])*)\]\((\S+?)\)")
_MD_NOTE_RE = re.compile(r"^ {2}> ")


_NOT_INGESTED = " (not ingested yet)"


def _md_metadata(own: re.Match, raw: str) -> dict:
    """The title, authors and year the export's line gives a paper not ingested yet ("[Title (not ingested yet)](...)
    — A, B et al.; 2023-06-12"), kept as a BibTeX entry's are (a Markdown round trip left "arXiv:1706.03762 (not
    ingested yet)": a blind walkthrough). An ingested paper's line gives nothing: its stored record rules."""
    title = md_unescape(own.group(2))
    if not title.endswith(_NOT_INGESTED) or title.startswith("arXiv:"):
        return {}
    meta = raw[own.end():].split(" — ")
    fields = [md_unescape(f) for f in meta[1].split("; ")] if len(meta) > 2 else []
    names = [a.strip() for a in fields[0].split(", ")] if fields and not re.match(r"\d{4}", fields[0]) else []
    et_al = bool(names) and names[-1].endswith(" et al.")
    if et_al:
        names[-1] = names[-1][:-len(" et al.")]
    year = next((y for f in fields if re.fullmatch(r"\d{4}(-\d\d){0,2}", f) and (y := year_of(f))), "")
    authors, _ = author_list(n for n in names if n)
    return {"title": one_line(title[:-len(_NOT_INGESTED)], MAX_TITLE), "authors": authors, "year": year,
            "forms": ImportedForms(et_al=et_al and bool(authors))}


def parse_markdown(text: str) -> ParsedFile:
    """Markdown (e.g. Trendscope's own export): every arXiv link or `arXiv:ID` on a list line.

    A line of Trendscope's own export gives the id of its link target (never an id quoted in the title), and
    the note lines under it (`  > ...`) are its note (they were skipped, and a re-imported export lost every
    note without a word: a blind walkthrough)."""
    out = ParsedFile("", "md")
    status_marks = {"x": "read", "~": "reading", " ": "unread"}
    last_item, item = 0, None
    for n, raw in enumerate(text.splitlines(), 1):
        own = _MD_ITEM_RE.match(raw)
        if own:
            try:
                aid, _ = parse_arxiv_id(own.group(3))
            except BadArxivId:
                pass
            else:
                item = ImportedItem(aid, status=status_marks.get(own.group(1)), line=n, **_md_metadata(own, raw))
                out.add(item)
                last_item = n
                continue
        if last_item == n - 1 and _MD_NOTE_RE.match(raw) and item is not None:
            if len(item.note) <= MAX_NOTE:  # lines past the limit are cut anyway (`_cut_notes`): not joined again
                line = md_unescape(raw[4:].strip())
                item.note = list_text(f"{item.note}\n{line}" if item.note else line)
            last_item = n
            continue
        found = arxiv_id_in_text(raw)
        if not found:
            continue
        box = re.match(r"^\s*[-*]\s*\[(.)\]", raw)
        out.add(ImportedItem(found, status=status_marks.get(box.group(1)) if box else None, line=n))
    return out
