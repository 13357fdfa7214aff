"""Untrusted text at the door: one cleaner for every title, abstract, author name and comment that enters.

`clean_text` removes what no stored text may hold, because it breaks UTF-8 encoding or the XML of feeds and
exports later: lone surrogates (from JSON escapes like `"\\ud800"`; replaced by U+FFFD), C0 control characters
other than tab, newline and carriage return (NUL, bell, escape, form feed ...), DEL, the C1 controls and the
noncharacters U+FFFE/U+FFFF (removed), and the invisible characters that change how text reads or matches: the
bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069: a title holding U+202E showed
reversed in the app and reached terminals raw, a blind walkthrough), the zero-width space, word joiner and a BOM
inside text (U+200B, U+2060, U+FEFF: "LL\u200bM" matched no search for LLM). Everything else, tabs and newlines
and the left-to-right and right-to-left marks of bidirectional names included, is kept as it is.

`latex_text_as_prose` is for the way out: the app, the digests and the exports show LaTeX text markup of
abstracts, titles and author names as prose (`authors_as_prose`).
"""
from __future__ import annotations

import re
import unicodedata

# How a full-text snippet marks the words its query matched ("a ⟦LoRA⟧ adapter"): characters papers do not write,
# so a paper's own brackets ("[12]", "[D1] Augment citations") are never taken for a match mark (with "[" and "]"
# they were: the app showed "D1" in bold, without its brackets)
MATCH_OPEN, MATCH_CLOSE = "\u27e6", "\u27e7"
_SURROGATES = re.compile("[\ud800-\udfff]")
_INVISIBLE = "\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff"
_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff{_INVISIBLE}]")
_ANY = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff{_INVISIBLE}]")
_INVISIBLE_UTF8 = re.compile(b"\xe2\x80[\x8b\xaa-\xae]|\xe2\x81[\xa0\xa6-\xa9]|\xef\xbb\xbf")  # _INVISIBLE, encoded
_C0_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"


# Bidirectional-text controls: in a name they reorder what follows on screen and in a mail's Subject, so a name can
# read as another ("\u202egnp.exe" shows as "exe.png")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_FOLD = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
                       "ı": "i"})


def fold_accents(text: str | None) -> str:
    """Lower case without accents ("Schütze" -> "schutze", "Sørensen" -> "sorensen"): names compared as typed on
    any keyboard, file names."""
    folded = unicodedata.normalize("NFKD", str(text or "").lower().translate(_FOLD))
    return "".join(c for c in folded if not unicodedata.combining(c))


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_SPELT_OUT = re.compile(r"(?<=[b-df-hj-np-tv-z])([aou])e")


def umlauts_spelt_out(text: str | None) -> str:
    """`fold_accents`, but German umlauts written out as German writes them without the letters ("Schölkopf" ->
    "schoelkopf", "Müller" -> "mueller"): a name typed on any keyboard is compared both ways."""
    return fold_accents(str(text or "").lower().translate(_UMLAUTS))


def other_name_spelling(word: str) -> str | None:
    """The other way a German name is written, folded: "Schölkopf" -> "schoelkopf", "Schoelkopf" -> "scholkopf"
    (which the keyword index holds for "Schölkopf"); None when there is none. Over-inclusive on purpose ("Michael"
    -> "michal"): a search checks each author's name afterwards (`index.known_item.names_author`)."""
    folded = fold_accents(word)
    spelt = umlauts_spelt_out(word)
    if spelt != folded:
        return spelt
    shortened = _SPELT_OUT.sub(r"\1", folded)
    return shortened if shortened != folded else None


def slug(text: str, limit: int | None = None, fallback: str = "subscription") -> str:
    """Lower-case ASCII letters, digits and single dashes (file names, feed names, List-Id labels), at most `limit`
    characters; `fallback` when nothing is left ("Privacy & "MIA" {review} 100%" -> "privacy-mia-review-100").
    Accented letters lose their accents ("Müller" -> "muller"; it was "m-ller": a blind walkthrough)."""
    s = _dashed(fold_accents(text), lambda c: c.isalnum() and c.isascii())[:limit].strip("-")
    return s or fallback


def letters_slug(text: str, max_bytes: int, fallback: str = "") -> str:
    """Letters and digits of any script and single dashes ("日本語-の-論文"), cut at `max_bytes` of UTF-8 (file names
    are limited in bytes, not letters); `fallback` when nothing is left."""
    s = _dashed(text, str.isalnum).encode("utf-8")[:max_bytes].decode("utf-8", "ignore").strip("-")
    return s or fallback


def _dashed(text: str, keep) -> str:
    """`text` with each character `keep` refuses made a dash, runs of dashes one, none at either end."""
    return "-".join(p for p in "".join(c if keep(c) else "-" for c in text).split("-") if p)


def has_bidi_control(text: str) -> bool:
    """Whether `text` holds a bidirectional-text control character (U+202E and its kin) or an invisible one
    (zero-width space, word joiner, BOM): a name holding one reads as another ("zero\u200bwidth" looks like
    "zerowidth", a blind lab-admin walkthrough)."""
    return bool(_BIDI.search(text or "")) or any(ch in (text or "") for ch in "\u200b\u2060\ufeff")


def _needs_cleaning(text: str) -> bool:
    """Fast (C loops, no regex scan) for the common clean text: about 2x cheaper than searching with `_ANY`."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    if len(raw.translate(None, _C0_BYTES)) != len(raw):
        return True
    # C1 controls are encoded as C2 80..C2 9F, U+FFFE/U+FFFF as EF BF BE/BF, U+FEFF as EF BB BF, the other
    # invisible characters as E2 80 xx / E2 81 xx: only then look closer
    return not text.isascii() and (b"\xc2" in raw or b"\xef\xbf" in raw or _INVISIBLE_UTF8.search(raw) is not None) \
        and _ANY.search(text) is not None


def clean_text(text: str) -> str:
    """`text` without control characters and with each lone surrogate replaced by U+FFFD."""
    if not text or not _needs_cleaning(text):  # the common case: nothing to do, no copy
        return text
    return _UNSAFE.sub("", _SURROGATES.sub("\ufffd", text))


def nfc(text: str) -> str:
    """`text` in Unicode's composed form (NFC), as arXiv and most sources write it: a decomposed "e" + U+0301 and
    the composed "é" then match in search and compare alike."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def clean_optional(text: str | None) -> str | None:
    return clean_text(text) if isinstance(text, str) else text


# LaTeX text markup that arXiv abstracts carry outside math: font commands whose argument is plain text (no braces,
# `$` or backslash inside; anything else stays literal), escaped special characters, TeX quotes
_TEX_FONT = re.compile(r"\\(?:emph|textbf|textit|texttt|textrm|textsc|textsf|textsl|underline|mbox)\s*\{([^{}$\\]*)\}")
# "\\$1.9B" outside math is "$1.9B", as arXiv shows it; not after an odd backslash ("\\\\%" is a line break and "%")
_TEX_CHAR = re.compile(r"(?<!\\)((?:\\\\)*)\\([%&_#$])")
# TeX's old font switches inside a group: "{\\em nested}" (shown raw in the app, the CLI and every export: a walkthrough
# of odd real-world data); as for \\emph{}, only a plain-text argument
_TEX_SWITCH = re.compile(r"\{\\(?:em|bf|it|sl|sc|tt|rm|sf)\s+([^{}$\\]*)\}")
# \, \; \: \! and Fig.~3, T$^\star$~can, Adaptation~(LoRA), 10~% (not /~user, nor "~10x" for "about 10x")
_TEX_SPACE = re.compile(r"\\[,;:!](?=\s|\w)|(?<=[^\s/~])~(?=[\w(\[%])")
# a backslash before a letter TeX has no command for: the corpus has "Jo\ão" (from "Jo\~ao" half converted); not
# before a private-use mark of `readable_latex` (a TeX line break right before an escaped dollar lost a backslash)
_STRAY_BACKSLASH = re.compile(r"\\(?=[^\x00-\x7f\ue000-\uf8ff])")
_TEX_DASH = re.compile(r"(?<=\w)-{2,3}(?=\w)")  # TeX's en and em dashes between words or numbers
# the abbreviation macros papers define and then leave in their arXiv abstracts ("\eg" showed raw)
_TEX_ABBREV = {"eg": "e.g.", "ie": "i.e.", "etal": "et al.", "etc": "etc.", "cf": "cf.", "wrt": "w.r.t.",
               "vs": "vs."}
_TEX_ABBREV_RE = re.compile(r"\\(" + "|".join(_TEX_ABBREV) + r")(?![A-Za-z])(?:\{\})?\.?")  # "\vs." is "vs."
# \cite{anderson2018bottom} left in an abstract (shown raw in the reader: a blind walkthrough): the keys in brackets,
# as a reference list would number them; \url{x} is its address
_TEX_CITE = re.compile(r"\\(?:cite[pt]?|citeauthor|citeyear)\*?\s*(?:\[[^\]{}]*\]\s*)*\{([^{}$\\]*)\}")
_TEX_URL = re.compile(r"\\url\s*\{([^{}\s\\]*)\}")
_TEX_BRACED_LETTER = re.compile(r"(\\[A-Za-z]+\s*)?\{([^\W\d_])\}")  # one letter in braces, as BibTeX keeps case


# TeX accents and letters, as author names and some titles carry them ("Ernest Fokou\'e", "Fr{\'e}d{\'e}ric",
# "\v{S}kr\'{a}bal", "Erd\H{o}s"): the combining mark each adds, composed with its letter (NFC)
_ACCENT_MARK = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
                ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
                "r": "\u030a"}
# \'e, \'{e}, \v{s}, \v s, \'\i (a symbol accent takes its letter directly, a letter accent after braces or a space)
_ACCENT = (r"\\(?:(?P<s>['`^\"~=.])\s*|(?P<w>[uvHckr])(?:\s+|(?=\{)))"
           r"(?:\{(?P<b>[A-Za-z]|\\[ij])\}|(?P<p>[A-Za-z]|\\[ij](?![A-Za-z]) ?))")
_TEX_ACCENT_BRACED = re.compile(r"\{" + _ACCENT + r"\}")  # {\'e}: the braces BibTeX puts around it go too
_TEX_ACCENT = re.compile(_ACCENT)
_TEX_LETTER = {"ss": "\u00df", "o": "\u00f8", "O": "\u00d8", "aa": "\u00e5", "AA": "\u00c5", "ae": "\u00e6",
               "AE": "\u00c6", "oe": "\u0153", "OE": "\u0152", "l": "\u0142", "L": "\u0141", "i": "\u0131"}
_LETTERS = "|".join(sorted(_TEX_LETTER, key=len, reverse=True))
# {\o}, \o{}, or \o and the space after it, which TeX takes as the end of the command ("J\o rgensen")
_TEX_LETTER_RE = re.compile(r"\{\\(" + _LETTERS + r")\}|\\(" + _LETTERS + r")(?![A-Za-z])(?:\{\}| )?")


def _accented(m: re.Match) -> str:
    letter = (m["b"] or m["p"]).rstrip()
    return unicodedata.normalize("NFC", letter[-1] + _ACCENT_MARK[m["s"] or m["w"]])  # "\i" + accent: "i"


def latex_accents(text: str) -> str:
    r"""TeX accents as the letters they make: `Fokou\'e` -> `Fokoué`, `{\"o}` -> `ö`, `\c{c}` -> `ç`, `\ss` -> `ß`."""
    if "\\" not in text:
        return text
    text = _TEX_ACCENT.sub(_accented, _TEX_ACCENT_BRACED.sub(_accented, text))
    return _TEX_LETTER_RE.sub(lambda m: _TEX_LETTER[m[1] or m[2]], text)


_NAME_PART = r"[^\W\d_](?:[^\W\d_]|[ '’.\-])*?"  # letters, with spaces, apostrophes, dots and hyphens between
_LAST_FIRST = re.compile(rf"^\s*({_NAME_PART})\s*,\s*({_NAME_PART})\s*$")
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|inc|ltd|llc|co|corp|gmbh)\.?$", re.IGNORECASE)  # not a first name


def authors_as_prose(authors, first_last: bool = True) -> list[str]:
    """Author names as readers write them: arXiv keeps "Ernest Fokou\\'e", the app and exports show "Ernest Fokoué";
    a name an import wrote "Last, First" (BibTeX, Zotero) reads "First Last": listed with commas between names,
    "Houlsby, Neil, Giurgiu, Andrei" could not be told apart (a blind walkthrough). BibTeX keeps "Last, First"
    (`first_last=False`): there it says which words are the last name."""
    return [_first_last(latex_text_as_prose(a)) if first_last else latex_text_as_prose(a) for a in authors or []]


# a collaboration or other organisation written as an author ("ATLAS Collaboration", "The CMS Collaboration", "Euclid
# Collaboration", "Gemini Team")
# ("Group", "Project", "Alliance" are also surnames: left out; a hyphen joins a word to a name: "Jo Team-Smith")
_ORGANISATION = re.compile(r"(?<![\w-])(?:collaboration|consortium|team|workshop|initiative|committee|"
                           r"organi[sz]ation|institute|laboratory)(?![\w-])", re.IGNORECASE)
AUTHORS_SHOWN = 25  # names a paper's page and `trendscope paper` show before "and N more"


def is_organisation(name: str) -> bool:
    """Whether an author's name names a collaboration or another organisation, not a person ("Last, First" never)."""
    return "," not in name and _ORGANISATION.search(name) is not None


def authors_shortened(names: list[str], shown: int = AUTHORS_SHOWN) -> str:
    """Names as prose, comma-separated; past `shown` of them "and 2,974 more", naming a collaboration among those
    left out (a 3,000-author ATLAS paper filled its page with 45 KB of names, its date and trends far below: a
    walkthrough of odd real-world data; physics cites the collaboration)."""
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + " and " + authors_beyond(names, shown)


def authors_beyond(names: list[str], shown: int) -> str:
    """"2,975 more, among them ATLAS Collaboration": the names past the first `shown`, counted, a collaboration among
    them named; "" when there are none."""
    rest = names[shown:]
    if not rest:
        return ""
    groups = [n for n in rest if is_organisation(n)][:3]
    return f"{len(rest):,} more" + (f", among them {', '.join(groups)}" if groups else "")


def _first_last(name: str) -> str:
    m = _LAST_FIRST.match(name)
    if m is None or _SUFFIX.match(m[2]):  # "Martin Luther King, Jr." and "Google, Inc." stay as they are
        return name
    return f"{m[2]} {m[1]}"


def _citation(m: re.Match) -> str:
    keys = [k.strip() for k in m[1].split(",") if k.strip()]
    return f"[{', '.join(keys)}]" if keys else ""


def latex_text_as_prose(text: str) -> str:
    """LaTeX text markup as prose, for text outside `$...$` math: `\\emph{new}` -> `new`, ``` ``a'' ``` -> `“a”`,
    `\\%` -> `%`, `\\$` -> `$`, `30\\,dB` -> `30 dB`, `a--b` -> `a–b`, `Fokou\\'e` -> `Fokoué`, `\\cite{a,b}` ->
    `[a, b]`. Only removes characters or swaps them for letters, quotes, spaces, dashes or a citation's brackets, so
    whatever escaping comes after still holds."""
    text = _TEX_FONT.sub(r"\1", _TEX_CHAR.sub(r"\1\2", latex_accents(text)))
    text = _TEX_SWITCH.sub(r"\1", text)
    text = _TEX_CITE.sub(_citation, text)
    text = _TEX_URL.sub(r"\1", text)
    text = _TEX_ABBREV_RE.sub(lambda m: _TEX_ABBREV[m[1]], text)  # "\eg" -> "e.g."
    text = _TEX_BRACED_LETTER.sub(lambda m: m[0] if m[1] else m[2], text)  # D{\u00e9}tection; not \mathbb{R}
    text = _TEX_SPACE.sub(" ", text)  # 30.23\,dB
    text = _STRAY_BACKSLASH.sub("", text)
    text = _TEX_DASH.sub(lambda m: "\u2014" if len(m[0]) == 3 else "\u2013", text)  # denoiser--noise, 1990--2000
    return text.replace("``", "\u201c").replace("''", "\u201d")
