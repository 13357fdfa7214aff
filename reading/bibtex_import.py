"""BibTeX import: entries with an arXiv id (eprint, an arXiv URL or DOI, "arXiv:X", Semantic Scholar's and DBLP's
`abs/X` volumes), with their title, authors, year, citation key and published venue (written back by the
BibTeX export). LaTeX in fields is decoded to text; what only braces and `and others` say is read from the raw
fields (`imported_forms`); a broken entry is one message naming its line."""
from __future__ import annotations

import logging
import re

from trendscope.ingest.records import BadArxivId, arxiv_id_in_text, parse_arxiv_id

from .bibtex_export import ENTRY_TYPES
from .exporters import list_text
from .imported import (
    CITATION_KEY_RE,
    MAX_AUTHORS,
    MAX_NAME,
    MAX_TITLE,
    ImportedItem,
    ParsedFile,
    bib_text,
    decoded_title,
    is_et_al,
    year_of,
)
from .imported_forms import MAX_PROTECTED, MAX_WORD, ImportedForms, braced_words, one_group, split_names


def arxiv_id_from_fields(fields: dict[str, str]) -> str | None:
    """The arXiv id of a BibTeX entry: eprint (arXiv), else an arXiv URL / DOI / 'arXiv:X' anywhere."""
    f = {k.lower(): (v or "").strip() for k, v in fields.items()}
    prefix = f.get("archiveprefix", f.get("eprinttype", "arxiv")).lower()
    if f.get("eprint") and prefix in ("arxiv", ""):
        try:
            return parse_arxiv_id(f["eprint"])[0]
        except BadArxivId:
            pass
    for name in ("url", "doi", "journal", "note", "howpublished", "booktitle", "eprint", "volume"):
        found = arxiv_id_in_text(f.get(name, ""))
        if found:
            return found
    # Semantic Scholar's "Cite" (journal={ArXiv}) and DBLP's (journal={CoRR}): volume={abs/1904.01608}; refused
    # as having no arXiv id (a blind walkthrough)
    m = _ABS_VOLUME.fullmatch(f.get("volume", ""))
    if m and f.get("journal", "").strip("{} ").lower() in ("arxiv", "corr"):
        try:
            return parse_arxiv_id(m.group(1))[0]
        except BadArxivId:
            pass
    return None


def _with_crossref(fields: dict[str, str], by_key: dict, urls: list[str]) -> dict[str, str]:
    """An entry's fields with what its `crossref` entry gives and it does not say (BibTeX's and biber's rule): an
    @inproceedings of JabRef's, its booktitle and year in the @proceedings it cross-references, came back a bare
    @misc (a blind walkthrough). A parent's `title` is the child's `booktitle`."""
    cross = next((v for k, v in fields.items() if k.lower() == "crossref"), "")
    parent = by_key.get(cross.strip().lower()) if cross else None
    if parent is None:
        return fields
    inherited = {k.lower(): _restored(str(v.value), urls) for k, v in parent.fields_dict.items()
                 if k.lower() != "crossref"}
    if "title" in inherited:
        inherited.setdefault("booktitle", inherited.pop("title"))
    return {**{k: v for k, v in inherited.items() if k not in ("eprint", "url", "doi", "annote", "annotation",
                                                                  "comment", "author", "note")}, **fields}


_ABS_VOLUME = re.compile(r"\{?abs/([^\s{}]+)\}?", re.IGNORECASE)
# a field's LaTeX source is cut to this before it is decoded: what is kept of any field is shorter (a note 5,000
# characters, 100 names of 200), and decoding a 5,000,000-character `annote` ran for many minutes (an audit)
MAX_FIELD_SOURCE = 50_000


def latex_decoder():
    """pylatexenc's LaTeX -> text decoder as bibtexparser sets it up, plus the macros the exporter writes
    (`\\textbraceleft{}`, `\\textbraceright{}`) and `\\textasciicircum{}` as `^`."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    db = get_default_latex_context_db()
    db.add_context_category("trendscope", prepend=True, macros=[
        MacroTextSpec("url", simplify_repl="%s"),
        MacroTextSpec("textbraceleft", "{"),
        MacroTextSpec("textbraceright", "}"),
        MacroTextSpec("textasciicircum", "^"),
        MacroTextSpec("textless", "<"),
        MacroTextSpec("textgreater", ">"),
    ])
    return LatexNodes2Text(latex_context=db, keep_braced_groups=False, math_mode="verbatim")


# where an imported entry says the paper was published, written back by a BibTeX export (an @article with its
# journal, DOI, volume and pages came back as a bare @misc: a blind walkthrough)
VENUE_FIELDS = ("journal", "booktitle", "editor", "series", "volume", "number", "pages", "publisher", "organization",
                "institution", "school", "address", "doi")
# the fields that say where it was published (one of them keeps an entry's type; @techreport and @phdthesis name
# theirs in institution and school: they came back a bare @misc, a blind walkthrough)
VENUE_PLACES = ("journal", "booktitle", "publisher", "doi", "institution", "school")
_ARXIV_VENUE = re.compile(r"(?i)\barxiv\b|^corr$")  # "arXiv preprint arXiv:X", Semantic Scholar's "ArXiv", DBLP's CoRR


def _venue(entry_type: str, fields: dict[str, str]) -> dict[str, str]:
    """The published-venue fields of an entry (`VENUE_FIELDS`, each one line, at most 300 characters) and its type;
    none for an entry that names arXiv itself as its journal, or whose type is not a publication's."""
    kind = (entry_type or "").lower()
    out = {k: v for k in VENUE_FIELDS if (v := bib_text(fields.get(k, ""), 300))}
    if _ARXIV_VENUE.search(out.get("journal", "")) or out.get("doi", "").lower().startswith("10.48550/"):
        out.pop("journal", None)
        out.pop("volume", None)  # DBLP's "abs/1904.01608"
        if out.get("doi", "").lower().startswith("10.48550/"):
            out.pop("doi")
    if kind not in ENTRY_TYPES or not (out.keys() & set(VENUE_PLACES)):
        return {}
    return {"type": kind, **out}


def parse_bibtex(text: str) -> ParsedFile:
    """Entries with an arXiv eprint (or arXiv URL / DOI 10.48550/arXiv.X / 'arXiv preprint arXiv:X')."""
    import bibtexparser
    from bibtexparser import middlewares as mw

    out = ParsedFile("", "bibtex")
    splitter_log = logging.getLogger("bibtexparser.splitter")  # we report its failures ourselves
    level = splitter_log.level
    splitter_log.setLevel(logging.ERROR)
    decoder = latex_decoder()
    try:
        # the raw fields keep the braces that decoding drops (`{BigScience Workshop}`, `{Chinese}`: `forms_of`)
        # split with no middleware, so that a repeated key's entry is renamed before the parse stack reads any
        # entry: bibtexparser leaves a duplicate (a failed block) as split, its values still enclosed
        raw = bibtexparser.parse_string(without_comment_blocks(text), parse_stack=[])
        keys = _take_repeated_keys(raw)
        for middleware in mw.default_parse_stack(allow_inplace_modification=True):
            raw = middleware.transform(raw)
        cut = _cut_sources(raw.entries)
        raw_fields = {e.start_line: {k: str(v.value) for k, v in e.fields_dict.items()} for e in raw.entries}
        urls = _literal_specials(raw.entries)
        lib = mw.LatexDecodingMiddleware(decoder=decoder, allow_inplace_modification=False).transform(raw)
    except Exception as exc:  # the parser itself gave up: report it as a file problem
        out.problems.append(f"not parseable as BibTeX ({exc.__class__.__name__}: {exc})")
        return out
    finally:
        splitter_log.setLevel(level)
    for block in lib.failed_blocks:
        line = (getattr(block, "start_line", 0) or 0) + 1
        err = getattr(block, "error", None)
        why = (getattr(err, "abort_reason", None) or str(err) or type(err).__name__).strip() or "syntax error"
        out.problems.append(f"line {line}: broken BibTeX entry ({why})")
    by_key = {e.key.lower(): e for e in lib.entries}
    parents = {str(f.value).strip().lower() for e in lib.entries for f in e.fields if f.key.lower() == "crossref"}
    for entry in sorted(lib.entries, key=lambda e: e.start_line):  # a repeated key's entry was taken in last
        fields = {k: _restored(str(v.value), urls) for k, v in entry.fields_dict.items()}
        fields = _with_crossref(fields, by_key, urls)
        entry.key = keys.get(entry.key, entry.key)
        source = raw_fields.get(entry.start_line, fields)
        aid = arxiv_id_from_fields(fields)
        line = entry.start_line + 1
        if aid is None and entry.key.lower() in parents:  # a @proceedings others cross-reference: no paper of its own
            continue
        if aid is None:
            given = " ".join(fields.get("eprint", "").split())
            out.problems.append(f"line {line}: entry {entry.key!r}: eprint {given[:60]!r} is not an arXiv id" if given
                                else f"line {line}: entry {entry.key!r} has no arXiv id (eprint, arXiv URL or DOI)")
            continue
        # biblatex (Zotero's export) writes `date = {2023-03-15}` instead of `year`
        year = bib_text(fields.get("year", "") or fields.get("date", "")[:4], 8)
        authors, forms = forms_of(source.get("author", ""), source.get("title", ""), decoder.latex_to_text)
        out.add(ImportedItem(aid, note=note_of(fields), line=line,
                             title=decoded_title(fields.get("title", ""), MAX_TITLE), authors=authors,
                             year=year_of(year),
                             key=entry.key if CITATION_KEY_RE.fullmatch(entry.key or "") else "",
                             venue=_venue(entry.entry_type, fields), forms=forms,
                             note_cut=entry.start_line in cut))
    if not lib.entries and not lib.failed_blocks and text.strip():
        out.problems.append("no BibTeX entries found")
    # broken entries and entries without an id in the file's order (line 12 came before line 7: a walkthrough)
    out.problems.sort(key=lambda m: int(n.group(1)) if (n := re.match(r"line (\d+):", m)) else 0)
    return out


# where reference managers keep a reader's note: BibTeX's `annote` (Zotero, Mendeley), biblatex's `annotation`
# (Better BibTeX), JabRef's `comment` (the last two were dropped without a word: a blind walkthrough)
NOTE_FIELDS = ("annote", "annotation", "comment")


def note_of(fields: dict[str, str]) -> str:
    """The entry's note: its `NOTE_FIELDS` that are not empty, in that order, a blank line between two."""
    lower = {k.lower(): v for k, v in fields.items()}
    notes = ("\n".join(line.strip() for line in lower.get(f, "").strip().splitlines()) for f in NOTE_FIELDS)
    # each line without the file's indentation (a wrapped annote kept it inside the note: a blind walkthrough)
    return list_text("\n\n".join(n for n in notes if n))


_COMMENT_START_RE = re.compile(r"@comment\s*([{(])", re.IGNORECASE)


def without_comment_blocks(text: str) -> str:
    """The file with each `@comment{...}` block blanked (its newlines kept, so lines keep their numbers): BibTeX and
    biber skip what such a block holds, while bibtexparser read an entry written inside one and reported the block
    broken (a blind walkthrough)."""
    out, pos = [], 0
    for m in _COMMENT_START_RE.finditer(text):
        if m.start() < pos:
            continue
        close = "}" if m.group(1) == "{" else ")"
        depth, i = 1, m.end()
        while i < len(text) and depth:
            ch = text[i]
            if ch == m.group(1):
                depth += 1
            elif ch == close:
                depth -= 1
            i += 1
        if depth:  # never closed: left to the parser, which names the line
            break
        out += [text[pos:m.start()], re.sub(r"[^\n]", " ", text[m.start():i])]
        pos = i
    return "".join(out) + text[pos:]


def _take_repeated_keys(raw) -> dict[str, str]:
    """Entries whose citation key an earlier entry of the file has too, taken in under a stand-in key: both are
    imported (two papers with one key, as two Google Scholar entries often are; the second was refused as "broken":
    a blind walkthrough), and the list's key rules settle who keeps it. Called on the split file, before the parse
    stack, which passes over failed blocks: a repeated key's entry taken in after it kept its enclosing braces (its
    authors one braced name, its title case-locked: a blind walkthrough). Returns stand-in -> key as written."""
    from bibtexparser.model import DuplicateBlockKeyBlock

    keys: dict[str, str] = {}
    taken = {e.key for e in raw.entries}  # a stand-in must be no key of the file ("k\x000" failed the whole file)
    for block in list(raw.failed_blocks):
        entry = block.ignore_error_block if isinstance(block, DuplicateBlockKeyBlock) else None
        if entry is None:
            continue
        n = len(keys)
        while (stand_in := f"{entry.key}\x00{n}") in taken:
            n += 1
        taken.add(stand_in)
        keys[stand_in] = entry.key
        raw.remove(block)
        entry.key = stand_in
        raw.add(entry)
    return keys


# an address in a field, kept as written: LaTeX would read its `~` as a space, `%` as a comment and `&` as a column
_ADDRESS_RE = re.compile(r"\\url\{([^{}]*)\}|https?://[^\s{}\\]+")
_BARE_SPECIAL_RE = re.compile(r"(?<!\\)([%&])")
_MATH_SPAN_RE = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")


def _literal_specials(entries) -> list[str]:
    """Make each field say what its writer meant before it is decoded: a bare `%` or `&` is that character (BibTeX
    keeps both; decoded as LaTeX, "Q&A" became "Q A" and everything after "50%" was lost, a blind walkthrough), and
    an address (a bare one or `\\url{...}`) is kept whole behind a stand-in `_restored` puts back. Math keeps its
    `&`. Returns the addresses."""
    urls: list[str] = []

    def stand_in(m: re.Match) -> str:
        urls.append(m.group(1) if m.group(1) is not None else m.group())
        return f"TSADDRESS{len(urls) - 1}X"

    for entry in entries:
        for f in entry.fields:
            if isinstance(f.value, str) and re.search(r"[%&]|https?://|\\url\{", f.value):
                f.value = escaped_specials(_ADDRESS_RE.sub(stand_in, f.value))
    return urls


def escaped_specials(text: str) -> str:
    """`text` with each bare `%` and `&` outside math escaped (`\\%`, `\\&`), so that decoding keeps them."""
    parts, last = [], 0
    for m in _MATH_SPAN_RE.finditer(text):
        parts += [_BARE_SPECIAL_RE.sub(r"\\\1", text[last:m.start()]), m.group()]
        last = m.end()
    return "".join(parts) + _BARE_SPECIAL_RE.sub(r"\\\1", text[last:])


def _restored(value: str, urls: list[str]) -> str:
    return re.sub(r"TSADDRESS(\d+)X", lambda m: urls[int(m.group(1))] if int(m.group(1)) < len(urls) else m.group(),
                  value) if urls else value


def _cut_sources(entries) -> set[int]:
    """Cut each field of `entries` to MAX_FIELD_SOURCE characters; the start lines of the entries whose `annote`
    (their note) was cut, which the import names."""
    cut = set()
    for entry in entries:
        for f in entry.fields:
            if isinstance(f.value, str) and len(f.value) > MAX_FIELD_SOURCE:
                f.value = f.value[:MAX_FIELD_SOURCE]
                if f.key.lower() in NOTE_FIELDS:
                    cut.add(entry.start_line)
    return cut


_LATEX_RE = re.compile(r"[\\{}$~%&`'\"]|--")  # what LaTeX decoding may change


def forms_of(raw_authors: str, raw_title: str, decode) -> tuple[tuple[str, ...], ImportedForms]:
    """The authors of a raw `author` field (split at `and` outside braces, each name decoded: `{Barnes and Noble}`
    is one name) and what its braces and `and others` say (`ImportedForms`), with the braced words of its raw
    `title`."""
    authors: list[str] = []
    whole: list[str] = []
    et_al = False
    def text(raw: str, limit: int) -> str:
        if not _LATEX_RE.search(raw):  # plain text decodes to itself (decoding each name doubled an import's time)
            return bib_text(raw, limit)
        try:
            return bib_text(decode(escaped_specials(raw)), limit)
        except Exception:  # pylatexenc gave up on a piece it read whole: its source, braces dropped
            return bib_text(raw, limit)

    for raw in split_names(raw_authors):
        name = text(raw, MAX_NAME)
        if not name:
            continue
        if is_et_al(name) or len(authors) == MAX_AUTHORS:  # "and others", or names beyond those kept
            et_al = True
            continue
        authors.append(name)
        if one_group(raw):
            whole.append(name)
    protected: list[str] = []
    for raw in braced_words(raw_title):
        word = text(raw, MAX_WORD)
        if re.search(r"\w", word) and word not in protected and len(protected) < MAX_PROTECTED:
            protected.append(word)
    return tuple(authors), ImportedForms(et_al and bool(authors), tuple(whole), tuple(protected))
