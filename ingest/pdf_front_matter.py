"""The untitled first section of a paper read from its PDF: the title, the author block, an unheaded abstract.

Pure functions on `Section`s. The author block's short lines (names, affiliations, addresses, emails) become one
paragraph joined with " · ". A two-column block of one name, one address and one email per line (CHI, ACM
conference papers) comes out of the column ordering interleaved ("Joseph Chee Chang · Amy X. Zhang ·
josephc@allenai.org · Jonathan Bragg · axz@cs.uw.edu · Allen Institute for AI · ..."): when every piece is a
name, an affiliation or address, or an email, the names are put first, then the affiliations (each once), then
the emails. A piece that mixes them ("TAL AUGUST, University of Washington, USA") keeps the order as printed.
"""
from __future__ import annotations

import re

from .pdf_text import Paragraph, Section

# words of an affiliation or an address, never of a person's name
_AFFILIATION_WORDS = frozenset("""
university universität université universidad universita università institute institut instituto inc inc. ltd
lab labs laboratory laboratories college school department dept dept. faculty center centre research academy
corporation corp corp. company hospital foundation group ai google microsoft meta deepmind openai amazon apple
ibm nvidia usa uk china germany france canada japan korea india
""".split())
_PARTICLES = frozenset("de da del della der di du van von den la le bin ibn al el y".split())
_EMAIL = re.compile(r"\S*@\S+\.[A-Za-z]{2,}\S*")
_NAME_WORD = re.compile(r"(?:[A-Z][\w'’-]*\.?|[A-Z]\.(?:-?[A-Z]\.)*)[*†‡§¶♦♣♠♥□⋄∗\d,]*", re.U)


def piece_kind(piece: str) -> str:
    """"email", "name", "affiliation" or "mixed" (a name with its affiliation, or anything else)."""
    text = piece.strip().strip("&,;").strip()
    words = text.split()
    if not words:
        return "mixed"
    if _EMAIL.fullmatch(text):
        return "email"
    if "@" in text:
        return "mixed"
    lowered = {w.strip(",.&()").lower() for w in words}
    if lowered & _AFFILIATION_WORDS or "," in text or any(ch.isdigit() for ch in text):
        return "affiliation" if not _starts_with_name(words) else "mixed"
    if 2 <= len(words) <= 5 and all(_NAME_WORD.fullmatch(w) or w.lower() in _PARTICLES for w in words):
        return "name"
    connectors = ("of", "for", "and", "&", "the")
    if len(words) <= 8 and any(w.lower() in connectors for w in words) and all(
            w[0].isupper() or w.lower() in connectors for w in words):
        return "affiliation"  # "Allen Institute for AI", "School of Informatics"
    return "mixed"


def _starts_with_name(words: list[str]) -> bool:
    """"TAL AUGUST, University of Washington": a name before the first comma."""
    head = " ".join(words).split(",")[0].split()
    return 2 <= len(head) <= 4 and not {w.lower() for w in head} & _AFFILIATION_WORDS and all(
        _NAME_WORD.fullmatch(w) or w.lower() in _PARTICLES for w in head)


def author_block(pieces: list[str]) -> list[str]:
    """The pieces of an author block, names first, then affiliations (each once), then emails, when every piece is
    one of these and they are interleaved; otherwise as printed."""
    kinds = [piece_kind(p) for p in pieces]
    if "mixed" in kinds or "name" not in kinds or len(set(kinds)) < 2:
        return pieces
    order = {"name": 0, "affiliation": 1, "email": 2}
    if kinds == sorted(kinds, key=order.__getitem__):
        return pieces  # already grouped
    names = [p for p, k in zip(pieces, kinds, strict=True) if k == "name"]
    places = list(dict.fromkeys(p for p, k in zip(pieces, kinds, strict=True) if k == "affiliation"))
    emails = [p for p, k in zip(pieces, kinds, strict=True) if k == "email"]
    return names + places + emails


def front_matter(first: Section, has_abstract: bool) -> list[Section]:
    """The untitled first section: the title, then its short lines (names, affiliations, addresses: a paragraph
    each, 27 of them in a CHI paper, each with its own Note button in the app) joined into one paragraph with
    " · " (`author_block` order); an unheaded abstract (a paragraph of 60+ words, when no section is headed
    "Abstract") becomes a section "Abstract" of its own (the heading stood above the title and authors: a blind
    walkthrough)."""
    paras = first.paragraphs
    start = next((i for i, p in enumerate(paras) if len(p.text.split()) >= 60), None) if not has_abstract else None
    head, rest = (paras, []) if start is None else (paras[:start], paras[start:])
    joined: list[Paragraph] = head[:1]
    for p in head[1:]:
        short = len(p.text.split()) < 15
        if short and len(joined) > 1 and len(joined[-1].text.split(" · ")[-1].split()) < 15:
            joined[-1] = Paragraph(f"{joined[-1].text} · {p.text}", joined[-1].page)
        else:
            joined.append(p)
    joined = [Paragraph(" · ".join(author_block(p.text.split(" · "))), p.page) if " · " in p.text else p
              for p in joined]
    out = [Section("", 0, first.page, joined)] if joined else []
    if rest:
        out.append(Section("Abstract", 1, rest[0].page, rest))
    return out
