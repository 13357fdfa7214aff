"""Write reading-list items as BibTeX (a pure function over `ListItem`s; `exporters.export` dispatches to it).

Entries follow arXiv's own style (`@misc` with eprint, archivePrefix, primaryClass, url). Keys look like
`hu2021lora` (first author's last name, year, first significant title word); when two entries of one export would
get the same key, the one with the smaller arXiv id keeps it and the others get `b`, `c`, ... — computed from the
list content alone, so an unchanged list exports the same keys every time. Title, author and note text is escaped
for LaTeX (& % $ # _ { } ~ ^ \\); a brace without its partner is written `\\textbraceleft{}` /
`\\textbraceright{}`, so every value has balanced braces even for classic BibTeX (which counts escaped braces too)
and no value can close its field and add another. TeX ligatures (`--`, ``` `` ```, `''`, ...) are broken with `{}`
so the text prints as typed. `primaryClass` must look like an arXiv category and `year` like a year, else they are
left out. Non-ASCII characters are kept as UTF-8 (biber, bibtexparser and modern BibTeX handle them).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from trendscope.foundation.text import authors_as_prose, is_organisation, latex_text_as_prose
from trendscope.ingest.records import abs_url

from .exporters import list_text
from .imported import is_et_al
from .list_store import ListItem

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_ARXIV_CATEGORY_RE = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?")
_TOKEN_RE = re.compile(r"[A-Za-z0-9./:\-]+")
# TeX ligatures that would not print as typed: -- --- `` '' !` ?` ,, << >>
_LIGATURE_RE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)|(?<=,)(?=,)|(?<=<)(?=<)|(?<=>)(?=>)")
_STOPWORDS = {
    "a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "towards", "toward", "via", "from",
    "is", "are", "at", "by", "do", "does", "can", "what", "how", "why", "when", "we", "your", "its", "as",
    "you", "i", "it", "this", "that", "be", "not", "all", "into", "using", "our", "us", "my", "me",  # "arxiv2020you"
}


# QuIP, LLMs, ImageNet, GPT-4, 3D, Dr.V; a word after an escaped underscore too ("CAiRE\\_HKUST": a walkthrough)
_CAPITALISED = re.compile(r"(?:(?<=\\_)|(?<![\\{\w]))([^\W_][\w.-]*?[A-Z][\w-]*)")


def protect_capitals(title: str) -> str:
    """Words with a capital after their first letter in braces ("{QuIP}: 2-Bit Quantization of {LLMs}"), so that
    bibliography styles that lower-case titles keep them as written; an escaped title is given (no command is
    touched: a word right after a backslash or brace is left alone)."""
    return _CAPITALISED.sub(_protected, title)


def _protected(m: re.Match) -> str:
    """A word braced, unless it is only capitalised words joined by hyphens ("Low-Rank", "Fine-Tuning"): a title
    style lower-cases those like any other word (braced, they kept their capitals in sentence case)."""
    word = m[1]
    parts = word.split("-")
    if len(parts) > 1 and all(p[:1].isupper() and p[1:].islower() or p.islower() or p.isdigit() for p in parts if p):
        return word
    return "{" + word + "}"


def latex_escape(text: str) -> str:
    """Escape LaTeX/BibTeX special characters so the text prints literally (and braces stay balanced)."""
    text = re.sub(r"\s+", " ", list_text(text)).strip()
    partner: set[int] = set()  # positions of braces that have their partner
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            partner.update((opened.pop(), i))
    out = []
    for i, ch in enumerate(text):
        if ch in "{}" and i not in partner:
            out.append(r"\textbraceleft{}" if ch == "{" else r"\textbraceright{}")
        else:
            out.append(_LATEX_SPECIALS.get(ch, ch))
    return _LIGATURE_RE.sub("{}", "".join(out))


# Latin letters that Unicode does not decompose into a base letter and a mark: NFKD kept "ø" whole and the ASCII
# fold dropped it ("Jørgensen" keyed "jrgensen2026...": a blind walkthrough)
_UNDECOMPOSED = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss",
                               "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
                               "ı": "i", "ħ": "h", "Ħ": "H"})


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


_ET_AL_AFTER = re.compile(r"\s*,?\s+et\.?\s*al\.?$", re.IGNORECASE)  # "J. Doe et al."


def _last_name(author: str) -> str:
    author = _ET_AL_AFTER.sub("", author)  # "J. Doe et al." keys "doe", not "al"
    if is_et_al(author):  # a list starting "et al." has no first author to key by
        return ""
    if is_organisation(author):  # its own first word: "The CMS Collaboration" keys "cms2024...", not "collaboration"
        words = [w for w in (_ascii_word(x) for x in author.split()) if w and w != "the"]
        return words[0] if words else ""
    parts = [p for p in re.split(r"[\s,]+", author.strip()) if p]
    if "," in author:  # "Last, First"
        parts = [author.split(",")[0]]
    while len(parts) > 1 and _ascii_word(parts[-1]) in {"jr", "sr", "ii", "iii", "iv", ""}:
        parts.pop()
    return _ascii_word(parts[-1]) if parts else ""


def base_key(item: ListItem) -> str:
    """`<lastname><year><titleword>`, e.g. `hu2021lora`; `arxiv<id>` for papers not ingested yet (unless their
    import gave a title and authors) and for papers stored without authors (a snapshot's: "arxiv2024ba", a year
    and a suffix, said nothing, a blind walkthrough; `arxiv2405_00988` finds the paper)."""
    p = item.metadata
    name = _last_name(p.authors[0]) if p is not None and p.authors else ""
    if p is None or not name:
        return "arxiv" + re.sub(r"[^A-Za-z0-9]", "_", item.arxiv_id)
    year = (p.published or "")[:4]
    word = ""
    # a LaTeX command is no title word: "Di$\\mathtt{[M]}$O" gave the key "zhu2025dimathttmo" (a walkthrough)
    for w in re.split(r"[\s:/]+", re.sub(r"\\[A-Za-z]+", "", p.title or "")):
        pieces = [x for x in (_ascii_word(x) for x in w.split("-")) if x]
        if len(pieces) > 1 and len(pieces[0]) <= 2:  # "G-SimCLR" keyed "chakraborty2020g" (a walkthrough)
            pieces[:2] = [pieces[0] + pieces[1]]
        if pieces and pieces[0] not in _STOPWORDS:
            word = pieces[0]
            break
    key = f"{name}{year}{word}"
    return key if key[0].isalpha() else "x" + key


def bibtex_keys(items: Sequence[ListItem]) -> dict[str, str]:
    """arxiv_id -> unique citation key, deterministic given the set of items. A paper imported from BibTeX keeps
    the key it came with (a thesis cites it so), unless two papers of the list came with the same key: then the
    one with the smaller arXiv id keeps it and the others get generated keys."""
    kept: dict[str, str] = {}  # imported key (case-folded, as BibTeX compares them) -> arxiv_id
    for it in sorted(items, key=lambda i: i.arxiv_id):
        if it.citation_key and it.citation_key.lower() not in kept:
            kept[it.citation_key.lower()] = it.arxiv_id
    keys: dict[str, str] = {it.arxiv_id: it.citation_key for it in items
                            if it.citation_key and kept.get(it.citation_key.lower()) == it.arxiv_id}
    by_base: dict[str, list[str]] = {}
    for it in items:
        if it.arxiv_id not in keys:
            by_base.setdefault(base_key(it), []).append(it.arxiv_id)
    imported = {k.lower() for k in keys.values()}
    used: set[str] = set(by_base) | imported
    for base in sorted(by_base):
        ids = sorted(set(by_base[base]))
        if base not in imported:  # else an imported entry holds the key: every paper of this base gets a suffix
            keys[ids.pop(0)] = base
        suffix = ord("b")
        for aid in ids:
            while True:
                candidate = base + _suffix(suffix)
                suffix += 1
                if candidate not in used:
                    break
            used.add(candidate)
            keys[aid] = candidate
    return keys


def _suffix(n: int) -> str:
    """b, c, ..., z, aa, ab, ... (n is an ord() starting at 'b')."""
    i = n - ord("a")
    out = ""
    while True:
        out = chr(ord("a") + i % 26) + out
        i = i // 26 - 1
        if i < 0:
            return out


def _bib_author(name: str, whole: bool = False) -> str:
    """A name, escaped; braced (one name, no first and last name) when its import wrote it as one brace group
    (`{BigScience Workshop}` was written bare, and styles cited "Workshop, B.": a blind user test) or when it holds
    a literal " and " (it must not split into two authors)."""
    esc = latex_escape(name)
    return "{" + esc + "}" if whole or re.search(r"\sand\s", esc, re.I) else esc


def bib_authors(item: ListItem, authors: Sequence[str]) -> str:
    """The `author` field of `authors` (the item's): a name its import braced braced again, as is a collaboration's,
    and ` and others` at the end of an import's list that had it (it was dropped, and A, B read as all the authors: a
    blind user test) or of a list naming "et al." as an author."""
    whole = set(item.forms.whole)
    names, others = [], item.authors_incomplete
    for original, shown in zip(authors, authors_as_prose(authors, first_last=False)):
        if is_et_al(shown):  # "and et al." made a person of it: BibTeX's "and others"
            others = True
            continue
        if _ET_AL_AFTER.search(shown):
            shown, others = _ET_AL_AFTER.sub("", shown), True
        # a collaboration is one name, no first and last (styles printed "Collaboration, A.": a walkthrough)
        names.append(_bib_author(shown, original in whole or is_organisation(shown)))
    return " and ".join(names + (["others"] if others else []))


def protect_words(escaped: str, words: Sequence[str]) -> str:
    """`words` (as text) braced where they occur whole in an escaped title: the words an imported entry braced to
    keep their case (`{Chinese}`, `{T5}`), also in the stored arXiv title (Zotero's braces were dropped: a blind
    user test). A word already braced, or inside another, is left as it is."""
    escaped_words = sorted({e for w in words if (e := latex_escape(w))}, key=len, reverse=True)
    if not escaped_words:
        return escaped
    alternatives = "|".join(re.escape(e) for e in escaped_words)
    return re.sub(rf"(?:(?<=\\_)|(?<![\\{{\w]))({alternatives})(?![\w}}])", r"{\1}", escaped)


_MATH_SPAN_RE = re.compile(r"(?<![\\$])\$((?:\\\$|[^$]){1,200}?)(?<!\\)\$(?!\$)")  # "$\\$0.8$": a dollar in math
# Math commands a title may keep (symbols, Greek, fonts, operators): harmless to compile, unlike \input or \def
_SAFE_MATH_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho varrho
sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
pm mp times div cdot cdots ldots dots sim simeq approx neq ne leq geq le ge ll gg equiv propto in notin ni subset
subseteq supset supseteq cup cap setminus infty partial nabla to rightarrow leftarrow leftrightarrow Rightarrow
Leftarrow Leftrightarrow mapsto uparrow downarrow ell log ln exp sin cos tan sqrt frac mathbb mathcal mathbf mathrm
mathit mathsf mathtt mathfrak text textrm textit textbf texttt textsc emph boldsymbol bm hat widehat tilde widetilde
bar overline underline vec dot ddot prime circ star ast oplus otimes odot langle rangle lvert rvert vert Vert mid
sum prod int max min arg sup inf lim top bot dagger emptyset varnothing forall exists neg lnot land lor wedge vee
perp parallel angle triangle square diamond checkmark
""".split())
_SAFE_MATH_CHARS_RE = re.compile(r"[A-Za-z0-9\s+\-*/=<>()\[\]|.,;:!'^_{}\\]*")


def _safe_math(body: str) -> bool:
    """Whether a title's `$...$` may go into BibTeX as math: plain symbols and the commands above only, braces
    balanced, an escaped dollar (`$\\$0.8$`); anything else (`\\input`, `\\def`, `#`, `%`, `$`) is written as
    literal text."""
    if (not _SAFE_MATH_CHARS_RE.fullmatch(body.replace("\\$", "")) or "\\\\" in body
            or body != body.strip()):  # "5$ and 6$": money
        return False
    for command in re.findall(r"\\([A-Za-z]+|.)", body):
        if command.isalpha() and command not in _SAFE_MATH_COMMANDS:
            return False
        if not command.isalpha() and command not in "{},;!| $":
            return False
    # balanced as TeX reads it (an escaped brace is a character) and as BibTeX reads it (every brace counts, escaped
    # or not): `${\}\}\}}$` is balanced to TeX but closed the title's field for BibTeX and biber, so the rest of the
    # title was read as fields and entries of its own (a security walkthrough)
    return _balanced(re.sub(r"\\[{}]", "", body)) and _balanced(body)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _tex_greek(math: str) -> str:
    """Greek letters typed as Unicode inside math as TeX commands: `$γ$-ray` was written with its dollars as
    text (a blind walkthrough); `$\\gamma$` prints with every engine."""
    from trendscope.foundation.latex_math import GREEK_COMMANDS

    return re.sub("[" + "".join(GREEK_COMMANDS) + "]",
                  lambda m: f"\\{GREEK_COMMANDS[m.group()]}" + (" " if m.string[m.end():m.end() + 1].isalpha() else ""),
                  math)


def bib_title(title: str, protect: Sequence[str] = ()) -> str:
    """A title for BibTeX: text escaped to print literally (TeX text markup as the letters it makes, words with
    inner capitals braced, and the words of `protect`: `protect_words`), and math that uses only harmless commands
    kept as math, braced so that no style changes its case (`Fairy$\\pm i$` was written
    `Fairy\\$\\textbackslash{}pm i\\$`: a blind walkthrough)."""
    def text(part: str) -> str:  # escaped, keeping a space at either end (escaping trims the text it is given)
        inner = protect_capitals(protect_words(latex_escape(latex_text_as_prose(part)), protect))
        return (" " if part[:1].isspace() else "") + inner + (" " if part[-1:].isspace() and inner else "")

    out: list[str] = []
    pos = 0
    for m in _MATH_SPAN_RE.finditer(title):
        body = _tex_greek(m.group(1))
        if not _safe_math(body):
            continue
        out.append(text(title[pos:m.start()]))
        out.append("{$" + body.strip() + "$}")
        pos = m.end()
    out.append(text(title[pos:]))
    return re.sub(r"\s+", " ", "".join(out)).strip()


# entry types an imported entry keeps in an export (a publication's; anything else is written @misc)
ENTRY_TYPES = {"article", "inproceedings", "incollection", "book", "inbook", "proceedings", "phdthesis",
               "mastersthesis", "techreport"}


def bibtex_entry(item: ListItem, key: str, include_abstract: bool = False) -> str:
    p = item.metadata
    fields: list[tuple[str, str]] = []
    if p is not None:
        # TeX text markup as the letters it makes ("D{\'e}tection" printed "D{é}tection" with its braces); simple
        # math stays math, other math literal text (`bib_title`)
        fields.append(("title", bib_title(p.title, item.forms.protected)))
        if p.authors:
            fields.append(("author", bib_authors(item, p.authors)))
        year = (p.published or "")[:4]
        if _venue_written(item) and re.fullmatch(r"\d{4}", item.imported_year or ""):
            year = item.imported_year  # the venue's year (ICLR 2022 with the arXiv paper's 2021 disagreed)
        if re.fullmatch(r"\d{4}", year):
            fields.append(("year", year))
    if not any(name == "year" for name, _ in fields) and (year := id_year(item.arxiv_id)):
        fields.append(("year", year))  # a paper read from its PDF, not ingested: its id's year (a walkthrough)
    if _TOKEN_RE.fullmatch(item.arxiv_id):  # ids are canonical; anything else never reaches a field verbatim
        fields.append(("eprint", item.arxiv_id))
    fields.append(("archivePrefix", "arXiv"))
    if p is not None and p.primary_category and _ARXIV_CATEGORY_RE.fullmatch(p.primary_category):
        fields.append(("primaryClass", p.primary_category))
    if _TOKEN_RE.fullmatch(item.arxiv_id):
        fields.append(("url", abs_url(item.arxiv_id)))
    venue = item.venue  # where an imported entry said it was published: written back as it came
    doi = (p.doi if p is not None else None) or venue.get("doi")
    if doi:
        fields.append(("doi", latex_escape(doi)))
    if _venue_written(item):
        fields += [(k, _bib_pages(venue[k]) if k == "pages" else latex_escape(venue[k]))
                   for k in ("journal", "booktitle", "editor", "series", "volume", "number", "pages", "publisher",
                             "organization", "institution", "school", "address") if venue.get(k)]
    elif p is not None and p.journal_ref:
        fields.append(("journal", latex_escape(p.journal_ref)))
    if item.note:
        fields.append(("annote", latex_escape(item.note)))
    if include_abstract and p is not None and p.abstract:
        fields.append(("abstract", latex_escape(latex_text_as_prose(p.abstract))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = venue.get("type") if venue.get("type") in ENTRY_TYPES else "misc"  # an imported entry's own type
    return f"@{kind}{{{key},\n{body}\n}}\n"


def _venue_written(item: ListItem) -> bool:
    """Whether the export writes the venue an import gave (its journal, booktitle, or a report's institution or a
    thesis's school), and so the import's year."""
    return any(item.venue.get(k) for k in ("journal", "booktitle", "institution", "school"))


def id_year(arxiv_id: str) -> str | None:
    """The year an arXiv id was given ("2302.07302" -> "2023", "hep-th/9901001" -> "1999"), None for another
    string: the first version's year, what a citation of a paper not ingested yet can say."""
    m = (re.fullmatch(r"(\d{2})(\d{2})\.\d{4,5}", arxiv_id)
         or re.fullmatch(r"[a-z\-]+(?:\.[A-Z]{2})?/(\d{2})(\d{2})\d{3}", arxiv_id))
    if m is None or not 1 <= int(m[2]) <= 12:
        return None
    yy = int(m[1])
    return str(1900 + yy if yy >= 91 else 2000 + yy)


def _bib_pages(pages: str) -> str:
    """A page range as BibTeX writes it ("1--38"; the import read its "--" as an en dash); other text escaped."""
    m = re.fullmatch(r"\s*([0-9A-Za-z]+)\s*(?:[–—-]+\s*([0-9A-Za-z]+))?\s*", pages)
    if m is None:
        return latex_escape(pages)
    return m[1] + (f"--{m[2]}" if m[2] else "")


def to_bibtex(items: Sequence[ListItem], include_abstract: bool = False) -> str:
    keys = bibtex_keys(items)
    return "\n".join(bibtex_entry(it, keys[it.arxiv_id], include_abstract) for it in items)
