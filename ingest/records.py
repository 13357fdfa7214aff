"""The paper record and pure helpers for arXiv identifiers."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from trendscope.foundation.text import clean_optional, clean_text, latex_accents, nfc

# New-style ids (0704.0001, 2106.09685), old-style ids (cs/0112017; math.GT/0309136 is math/0309136), version.
_ID_RE = re.compile(
    r"^(?P<id>(?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(?:v(?P<version>\d+))?$"
)
# arXiv's own addresses, and those of sites that show an arXiv paper under its id (Hugging Face's papers page,
# alphaXiv, ar5iv: pasted into search they were searched as words, a blind walkthrough)
_ADDRESS_BEFORE_ID = (r"(?:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|(?:www\.)?huggingface\.co/papers/"
                      r"|(?:www\.)?alphaxiv\.org/(?:abs|overview|pdf)/|ar5iv\.(?:labs\.arxiv\.)?org/(?:abs|html)/)")
_URL_PREFIX_RE = re.compile(r"^(?:https?://)?" + _ADDRESS_BEFORE_ID, re.I)
# arXiv's DOI, as a link or bare: https://doi.org/10.48550/arXiv.2106.09685
_DOI_PREFIX_RE = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?10\.48550/arxiv\.", re.I)


# an arXiv id printed in free text: an arxiv.org address, "arXiv:" (or "arXiv " / "arXiv."), the arXiv DOI, DBLP's
# "CoRR abs/" and Semantic Scholar's "ArXiv abs/" (BibTeX fields, reference lists)
_ID_IN_TEXT_RE = re.compile(
    r"(?:" + _ADDRESS_BEFORE_ID + r"|(?:arxiv|corr)\s*,?\s*abs/|arxiv\s+preprint\s+(?:arxiv\s*:\s*)?"
    r"|arxiv\s*[:.]?\s*|10\.48550/arxiv\.)"
    r"((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(v\d+)?",
    re.I,
)


def arxiv_id_in_text(text: str) -> str | None:
    """The first arXiv id (without version) that a piece of text prints, if any.

    >>> arxiv_id_in_text("Vaswani et al. Attention is all you need. arXiv preprint arXiv:1706.03762v5, 2017.")
    '1706.03762'
    """
    for m in _ID_IN_TEXT_RE.finditer(text or ""):
        aid = m.group(1)
        if "/" in aid or 1 <= int(aid[2:4]) <= 12:  # "ArXiv abs/2022.99999" (a placeholder) is no arXiv id
            return _without_subject_class(aid)
    return None


def _without_subject_class(aid: str) -> str:
    """An old-style id as arXiv stores it: "math.GT/0309136" (the form some listings and BibTeX files print) is
    "math/0309136"; written with its subject class it became a second list item that never resolved (a blind
    walkthrough)."""
    return re.sub(r"^([a-z\-]+)\.[A-Z]{2}/", r"\1/", aid)


_LEADING_AND_RE = re.compile(r"^and\s+(?=\S)", re.IGNORECASE)


def author_name(name: str) -> str:
    """An author's name as stored and shown: clean text without the "and " that a split "A, B, and C" list leaves on
    the last name (14 papers of the shared corpus: "and Wen Tong", exported as "Jun Wang and and Wen Tong"), its TeX
    accents as the letters they make, composed (NFC): "M{\\aa}ns", "\\c{S}im\\c{s}ek" and a decomposed "Schütze"
    were shown right but never found by `au:Måns`, `au:Şimşek` or `au:Schütze` (a blind walkthrough)."""
    return nfc(latex_accents(_LEADING_AND_RE.sub("", clean_text(name)).strip()))


class BadArxivId(ValueError):
    """A string that is not an arXiv identifier or arXiv URL."""


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Split an arXiv id, versioned id or arXiv URL into (id without version, version or None).

    >>> parse_arxiv_id("https://arxiv.org/abs/2106.09685v2")
    ('2106.09685', 2)
    """
    s = (text or "").strip()
    if _URL_PREFIX_RE.match(s):  # an address's query or fragment (`?context=cs`, as arXiv's listings link) is no id
        s = re.sub(r"[?#].*$", "", s)
    s = _DOI_PREFIX_RE.sub("", _URL_PREFIX_RE.sub("", s))
    s = re.sub(r"^arxiv:\s*", "", s, flags=re.I)  # "arXiv: 2106.09685", as references print it
    s = re.sub(r"\s*\[[a-z\-]+(?:\.[A-Za-z\-]+)?\]$", "", s, flags=re.I)  # arXiv's "Cite as": "arXiv:X [cs.CL]"
    s = re.sub(r"\.pdf$", "", s)
    s = s.rstrip("/")
    m = _ID_RE.match(s)
    if not m:
        raise BadArxivId(f"not an arXiv id or URL: {text!r} (e.g. 2106.09685 or https://arxiv.org/abs/2106.09685)")
    new_style = re.fullmatch(r"(\d\d)(\d\d)\.(\d+)", m.group("id"))
    if new_style:
        yymm, digits = int(new_style[1] + new_style[2]), len(new_style[3])
        if not 1 <= int(new_style[2]) <= 12 or yymm < 704:
            raise BadArxivId(f"not an arXiv id: {text!r} (YYMM.NNNNN: a year and month from 0704 on)")
        if digits != (5 if yymm >= 1501 else 4):
            raise BadArxivId(f"not an arXiv id: {text!r} (from 1501 on the number after the dot has 5 digits, "
                             "before it 4)")
    version = m.group("version")
    return _without_subject_class(m.group("id")), int(version) if version else None


@dataclass
class Paper:
    """One arXiv paper as Trendscope stores it (latest known version)."""

    id: str
    title: str
    abstract: str
    authors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None
    published: str | None = None  # ISO date of v1
    updated: str | None = None  # ISO date of the latest version
    version: int | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    links: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Untrusted text enters here (snapshots, the arXiv API, imports): no lone surrogate or control character
        # is ever stored, so nothing can break UTF-8 encoding or an XML export later (foundation.text).
        self.title = nfc(clean_text(self.title))
        self.abstract = nfc(clean_text(self.abstract))
        self.authors = [author_name(a) if isinstance(a, str) else a for a in self.authors]
        self.categories = [clean_text(c) if isinstance(c, str) else c for c in self.categories]
        self.links = [clean_text(u) if isinstance(u, str) else u for u in self.links]
        self.primary_category = clean_optional(self.primary_category)
        self.doi = clean_optional(self.doi)
        self.journal_ref = clean_optional(self.journal_ref)
        self.comment = clean_optional(self.comment)
        if not self.primary_category and self.categories:
            self.primary_category = self.categories[0]

    @property
    def withdrawn(self) -> str | None:
        """What the paper says of its withdrawal (`withdrawal_note`), None when it is not withdrawn."""
        return withdrawal_note(self.comment, self.abstract)

    @property
    def content_hash(self) -> str:
        """Hash of the text that gets embedded and tagged (title + abstract)."""
        return content_hash(self.title, self.abstract)

    @property
    def abs_url(self) -> str:
        return abs_url(self.id)

    @property
    def pdf_url(self) -> str:
        return pdf_url(self.id)


# arXiv keeps a withdrawn paper listed; its last version says so in the comments ("This paper has been withdrawn by
# the author due to ...", "Withdrawn: ...", "Paper withdrawn", or after the page count: "12 pages. This paper has
# been withdrawn ...") or, for a withdrawal by arXiv's administrators, in the abstract itself ("This article has
# been withdrawn by arXiv administrators ..."). Only a sentence about the paper itself counts: "supersedes
# arXiv:X, which was withdrawn", "Withdrawn transactions in payment channels ..." and "(withdrawn) mixed Bitcoins"
# do not.
_SELF_WITHDRAWN = (r"(?:this|the)\s+(?:paper|article|manuscript|submission|preprint|work|version|report)\s+"
                   r"(?:has\s+been|have\s+been|is|was|is\s+being|had\s+been)\s+withdrawn\b(?!\s+from\b)")
_COMMENT_WITHDRAWN_RE = re.compile(
    r"^\s*(?:(?:paper|article|submission)\s+)?withdrawn\b"  # and then what a withdrawal says, not a noun
    r"(?=\s*(?:$|[.,:;!(\-\u2013\u2014]|(?:by|due|because|for|as|since|after|owing|pending|until|at|on|in)\b))"
    rf"|(?:^|(?<=[.!?])\s)\s*{_SELF_WITHDRAWN}",  # a sentence of its own ("Accepted at ICML; the submission ...")
    re.IGNORECASE)
_ABSTRACT_WITHDRAWN_RE = re.compile(rf"^\s*{_SELF_WITHDRAWN}", re.IGNORECASE)
MAX_WITHDRAWAL_NOTE = 300


def withdrawal_note(comment: str | None, abstract: str | None) -> str | None:
    """What a withdrawn paper says of its withdrawal: its comments (or abstract) from the words that say it is
    withdrawn on, the reason with them, cut to 300 characters; None for a paper that does not say so (a walkthrough
    of odd real-world data: withdrawn papers looked like any other in search, lists and digests)."""
    for text, pattern in ((comment, _COMMENT_WITHDRAWN_RE), (abstract, _ABSTRACT_WITHDRAWN_RE)):
        m = pattern.search(text) if text else None
        if m:
            note = " ".join(text[m.start():].split())
            return note if len(note) <= MAX_WITHDRAWAL_NOTE else note[:MAX_WITHDRAWAL_NOTE - 1] + "…"
    return None


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"


def html_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/html/{arxiv_id}"


def content_hash(title: str, abstract: str) -> str:
    """Never raises: a lone surrogate that slipped past `Paper` is hashed as its code point (surrogatepass);
    clean text hashes exactly as before."""
    return hashlib.sha1(f"{title}\n{abstract}".encode("utf-8", "surrogatepass")).hexdigest()[:16]
