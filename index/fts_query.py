"""Pure parser: a user's search query -> a safe SQLite FTS5 MATCH expression plus filters.

Syntax (case-insensitive field names):

    word                  the word anywhere (title, abstract, authors) with its inflections (light stemming,
                          `foundation.stemming`: "models", not "continuous" for "continual"). Plain words
                          rank, they do not filter: papers with more of them (by BM25) come first, papers with
                          only some still come back. English function words are ignored when other words are
                          left
    +word  +"phrase"      required: every result contains it (`all_words=True` requires every plain word)
    "a phrase"            required, the words adjacent, in order (an unclosed quote runs to the end)
    ti:word  ti:"phrase"  required, in the title (also title:)
    au:name               in the authors (also author:)
    abs:word              in the abstract (also abstract:)
    cat:cs.CL             a category filter (not text search; several cat: items mean any of them)
    -word  -"phrase"  -ti:word  -cat:cs.CV   exclude papers that match
    word*                 prefix match
    a OR b                either; NOT x is the same as -x

Every word is emitted as a quoted FTS5 string built from `\\w+` runs only, so no input can produce
an FTS5 syntax error: anything else is dropped, and a query with nothing left to look for raises a
TrendscopeError with a message for the user.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.stemming import joined_apart, joined_compound

from .parsed_query import Group, Item, ParsedQuery
from .parsed_query import author_near as author_near  # importable from here too
from .query_terms import is_stop_word

MAX_QUERY_CHARS = 2000
MAX_ITEMS = 64
# A prefix matches every word that starts with it, and FTS5 merges all their papers before it ranks or checks any:
# over 162,699 papers `a*` took 12 s, 64 one-letter prefixes 4-5 minutes, and a search address holding them kept
# the server busy after the browser left (an audit). A prefix needs this many letters ("RL*", "3D*" stay), and a
# query holds this many prefixes at most: four two-letter prefixes newest first took 6.5 s over the full corpus
# with the candidates matched by their own index (subset_match.py), a one-letter one alone 12-18 s.
MIN_PREFIX_CHARS = 2
MAX_PREFIXES = 4

FIELDS = {
    "ti": "title", "title": "title",
    "au": "authors", "author": "authors", "authors": "authors",
    "abs": "abstract", "abstract": "abstract",
    "cat": "category", "category": "category",
}
_TOKEN_RE = re.compile(
    r"""(?:(?P<neg>-+)|(?P<plus>\++))?(?:(?P<field>[A-Za-z]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))|(?P<lone>")""",
)
_WORD_RE = re.compile(r"\w+")
_FIELD_NAMES = "|".join(sorted(FIELDS, key=len, reverse=True))
_FIELD_SPACE_RE = re.compile(rf"(?i)(?<![\w:])((?:{_FIELD_NAMES})):[ \t]+(?=[^\s\-+])")
_DANGLING_FIELD_RE = re.compile(rf"(?i)(?:^|\s)[-+]?((?:{_FIELD_NAMES})):\s*$")
_CATEGORY_RE = re.compile(r"^[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z][A-Za-z\-]*)?$")


# what text pasted from papers or chat writes for `-` and `"`: `lora –quantization` searched "–quantization", and
# `“low-rank adaptation”` was no phrase (a blind walkthrough)
# (quotes only in pairs: a lone `”` is an inch or seconds mark, "12” display", not a phrase: a review)
_TYPOGRAPHIC = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
                              "\u2212": "-"})
_CURLY_PAIR_RE = re.compile("[\u201c\u201e\u201f]([^\u201c\u201d\u201e\u201f\"]*)\u201d"
                            "|\u00ab([^\u00ab\u00bb\"]*)\u00bb")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").translate(_TYPOGRAPHIC)
    text = _CURLY_PAIR_RE.sub(lambda m: '"' + (m.group(1) if m.group(1) is not None else m.group(2)) + '"', text)
    return "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)



def _check_prefix(word: str, nth: int) -> None:
    """Refuse a prefix too short, or one prefix too many (MIN_PREFIX_CHARS, MAX_PREFIXES)."""
    if len(word) < MIN_PREFIX_CHARS:
        raise TrendscopeError(f"{word}* is too short a prefix: write at least {MIN_PREFIX_CHARS} letters before "
                              "the * (e.g. distill*)")
    if nth > MAX_PREFIXES:
        raise TrendscopeError(f"a search holds at most {MAX_PREFIXES} prefixes (word*): write whole words for the "
                              "others")


def parse_query(text: str, all_words: bool = False) -> ParsedQuery:
    """Parse a user query; raises TrendscopeError when nothing searchable is left.

    `all_words`: every plain word is required (as if each were written `+word`)."""
    s = _checked_text(text)
    tokens = list(_TOKEN_RE.finditer(s))
    apart = _compounds_apart(tokens, s)
    reading = _Reading(all_words)
    for n, m in enumerate(tokens):
        if m.group("lone") is not None or n - 1 in apart:
            continue
        reading.token(m, tokens[n + 1].group("bare") if n in apart else None)
    return reading.finish()


def _checked_text(text: str) -> str:
    """The query normalised, "ti: lora" read as ti:lora; too long a query, or a field with nothing after it, is
    refused with what to write instead."""
    if text is not None and len(text) > MAX_QUERY_CHARS:
        raise TrendscopeError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    s = _FIELD_SPACE_RE.sub(r"\1:", normalize(text))  # "ti: lora" is ti:lora
    dangling = _DANGLING_FIELD_RE.search(s)
    if dangling:
        example = {"authors": "hinton", "category": "cs.CL"}.get(FIELDS[dangling[1].lower()], "diffusion")
        raise TrendscopeError(f'"{dangling[1]}:" needs a word or a "phrase" right after it (e.g. '
                              f'{dangling[1]}:{example})')
    return s


@dataclass
class _Reading:
    """A query read token by token, left to right: the groups so far, and what an OR or NOT before the next token
    asks of it."""
    all_words: bool
    out: ParsedQuery = field(default_factory=ParsedQuery)
    groups: list[Group] = field(default_factory=list)
    pending_or: bool = False
    negate_next: bool = False
    count: int = 0
    prefixes: int = 0

    def token(self, m: re.Match, joined_next: str | None) -> None:
        """One token; `joined_next`: the next token's word when the two are a compound written apart ("multi
        modal" is "multi-modal", searched joined)."""
        neg = bool(m.group("neg")) or self.negate_next
        plus = bool(m.group("plus"))
        self.negate_next = False
        fname = (m.group("field") or "").lower()
        is_phrase = m.group("phrase") is not None
        raw = m.group("phrase") if is_phrase else (m.group("bare") or "")
        typed_label = None
        if joined_next is not None:
            typed_label = f"{raw} {joined_next}"
            raw = f"{raw}-{joined_next}"
        if m.group("field") and fname not in FIELDS:
            # not a field we know ("http://x", "re:act"): the whole token is text
            raw = f"{m.group('field')}:{raw}"
            fname = ""
        if not fname and not is_phrase and not neg and not plus and self._operator(raw):
            return
        column = FIELDS.get(fname) if fname else None
        if column == "category":
            self._category(raw, neg)
            return
        words = tuple(_WORD_RE.findall(raw))
        if not words:
            self.pending_or = False
            return
        self._term(raw, words, _Form(column, neg, plus, is_phrase, typed_label))

    def _operator(self, raw: str) -> bool:
        """Whether a bare word is OR, AND or NOT (read, not searched)."""
        if raw == "OR":
            self.pending_or = bool(self.groups)
        elif raw == "NOT":
            self.negate_next = True
        return raw in ("OR", "AND", "NOT")

    def _category(self, raw: str, neg: bool) -> None:
        cat = raw.strip().strip(",;")
        if not cat:
            return
        if not _CATEGORY_RE.match(cat):
            raise TrendscopeError(f"not an arXiv category: {cat!r} (write e.g. cat:cs.CL)")
        (self.out.excluded_categories if neg else self.out.categories).append(cat)

    def _term(self, raw: str, words: tuple[str, ...], form: _Form) -> None:
        """A word, phrase or field term: excluded, embedded and grouped (an OR before it joins the last group)."""
        out, column = self.out, form.column
        typed = words
        # "pre-training" is searched as "pretraining", which the keyword index also holds for papers that write it
        # hyphenated or apart (foundation.stemming.compounds_in): the spellings found different papers (a walkthrough)
        # (never in au:: a name is not a compound, and "Co-Reyes" searched as "CoReyes" found no author: a review)
        joined = (None if form.phrase or len(words) != 2 or column == "authors"
                  else joined_compound(raw.strip().strip(_LABEL_EDGES)))
        if joined:
            words = (joined,)
        prefix = (not form.phrase) and raw.endswith("*") and len(words) == 1
        if prefix:
            self.prefixes += 1
            _check_prefix(words[0], self.prefixes)
        item = Item(words=words, column=column, prefix=prefix)
        # "sim-to-real" and "sim2real" are one term to a reader: each is searched as either (papers write both;
        # "sim2real" found none of the sim-to-real papers: a blind walkthrough)
        other = None if form.phrase or prefix else to_spelling(raw.strip().strip(_LABEL_EDGES), words)
        alternative = Item(words=other, column=column) if other else None
        self.count += 1
        if self.count > MAX_ITEMS:
            if form.neg or form.phrase or column or form.plus or prefix or self.pending_or:
                # a pasted abstract with "ti:foo" at its end read "too many terms" of a query whose plain words
                # past the limit are accepted (a blind docs audit): say which terms count
                raise TrendscopeError(f"search syntax (phrases, fields such as ti:, -word, +word, prefix*, OR) is "
                                      f"read only among a query's first {MAX_ITEMS} terms: move {raw!r} "
                                      "to the front")
            # a pasted abstract was refused (a blind walkthrough): its words past the limit are still embedded
            out.embed_words.extend(words)
            out.embedded_only += 1
            return
        if form.neg:
            out.excluded.append(item)
            self.pending_or = False
            return
        if column != "authors":
            out.embed_words.extend(typed)
        plain = not (form.phrase or column or form.plus)
        required = self.all_words or not plain
        # the word as typed ("pre-training", "GPT-4"), less the punctuation around it ("(survey):" read as
        # "missing: (survey):" on every hit: a blind walkthrough)
        # a hyphenated word as typed too: "missing: DP SGD" read as two words (a blind walkthrough)
        label = form.typed_label or (" ".join(words) if form.phrase
                                     else raw.strip().strip(_LABEL_EDGES) or " ".join(words))
        items = [item, alternative] if alternative else [item]
        if self.pending_or and self.groups:
            last = self.groups[-1]
            self.groups[-1] = Group(last.items + items, last.required and required, f"{last.label} OR {label}")
            self.pending_or = False
        else:
            single = plain and len(words) == 1 and not prefix and not alternative
            self.groups.append(Group(items, required, label, words[0] if single else ""))

    def finish(self) -> ParsedQuery:
        out = self.out
        if not self.groups and not out.categories and not out.excluded_categories:
            if out.excluded:
                raise TrendscopeError("the query only excludes words: add at least one word to look for")
            raise TrendscopeError("empty query: give at least one word to look for (or a cat: filter)")
        out.groups = _meaningful(self.groups)
        return out


@dataclass(frozen=True)
class _Form:
    """How a term was written: its field's column, excluded (-), required (+), a quoted phrase, and the label of a
    compound written apart."""
    column: str | None
    neg: bool
    plus: bool
    phrase: bool
    typed_label: str | None


_LABEL_EDGES = "()[]{}<>\"'.,;:!?*"


def _plain(m: re.Match) -> bool:
    return m.group("bare") is not None and not (m.group("neg") or m.group("plus") or m.group("field"))


def _compounds_apart(tokens: list[re.Match], s: str) -> set[int]:
    """Where a plain word and the next, written apart, are a compound ("multi modal", "pre training"): the index
    of the first. The keyword index holds the joined word for papers writing it hyphenated, joined or apart
    (`foundation.stemming.compounds_in`), as a query's hyphenated word is searched; "multi modal" and
    "multimodal" shared none of their 20 keyword results (a blind walkthrough)."""
    out: set[int] = set()
    for n in range(len(tokens) - 1):
        a, b = tokens[n], tokens[n + 1]
        if (n - 1 not in out and _plain(a) and _plain(b) and not s[a.end():b.start()].strip()
                and joined_apart(a.group("bare"), b.group("bare"))):
            out.add(n)
    return out
_TO_HYPHENED = re.compile(r"([^\W\d_]{2,})[-\u2010\u2011]to[-\u2010\u2011]([^\W\d_]{2,})", re.I)
_TO_DIGIT = re.compile(r"([^\W\d_]{2,})2([^\W\d_]{2,})")


def to_spelling(raw: str, words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The other spelling of an "A-to-B" word: "sim-to-real" -> ("sim2real",), "Text2SQL" -> ("Text", "to",
    "SQL"); None for any other word."""
    m = _TO_HYPHENED.fullmatch(raw)
    if m and len(words) == 3:
        return (f"{m[1]}2{m[2]}",)
    m = _TO_DIGIT.fullmatch(raw)
    if m and len(words) == 1:
        return (m[1], "to", m[2])
    return None


def _meaningful(groups: list[Group]) -> list[Group]:
    """Groups as searched: plain stop words dropped; a query of nothing else is refused."""
    content = [g for g in groups if not (g.plain_word and is_stop_word(g.plain_word))]
    if groups and not content:  # "the of and for with" listed ten arbitrary papers without a word (a walkthrough)
        words = ", ".join(g.plain_word for g in groups[:5])
        raise TrendscopeError(f"the query has only common words ({words}): give a word that says what to look "
                              "for, or quote a phrase")
    return content


def or_reading_note(text: str) -> str | None:
    """A note for a query whose OR joins single words amid others: OR binds only the words beside it, so
    `membership inference OR machine unlearning` asks for membership AND (inference OR machine) AND unlearning, and
    a digest saved with it listed nothing (a blind walkthrough). None when OR joins whole phrases or is the query's
    only choice ("LLM OR LLMs")."""
    try:
        groups = parse_query(text).groups
    except TrendscopeError:
        return None
    if len(groups) < 2 or not any(len(g.items) > 1 and any(len(i.words) == 1 for i in g.items) for g in groups):
        return None
    reading = " AND ".join(f"({g.label})" if len(g.items) > 1 else g.label for g in groups)
    parts = [p.strip() for p in re.split(r"\s+OR\s+", normalize(text).strip())]
    either = " OR ".join(f'"{p}"' if " " in p and '"' not in p and ":" not in p else p for p in parts)
    return f"OR joins only the words beside it: this reads {reading}. For either phrase, quote them: {either}"
