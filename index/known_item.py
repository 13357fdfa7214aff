"""Known-item search: a query that is a paper's title, the name its title gives it, or its arXiv id finds that
paper first (pure functions, and `known_papers`, which reads through the search store it is given).

Researchers look papers up by title every day, and ranking alone did not find them: "Attention Is All You Need"
was 79th in the default search of the full corpus (its words are common; "Not All Attention Is All You Need" came
4th with quotes), "LoRA" 117th, "low-rank adaptation of large language models" 59th (a blind walkthrough). Before
the ranked results come, in this order:

1. the paper whose arXiv id or arXiv address the query is ("2106.09685", "https://arxiv.org/abs/2106.09685v2"),
   alone (`Searcher.search`: the ten unrelated papers after it each said "missing: https arxiv org abs ...");
2. papers whose whole title is the query (its words in order, any case and punctuation);
3. papers whose title names itself with the query before a colon ("LoRA" for "LoRA: Low-Rank Adaptation of Large
   Language Models", "wav2vec 2.0" for "wav2vec 2.0: A Framework for ..."), the query at most `MAX_NAME_WORDS`
   words;
4. papers whose title holds the query's words in a row when they are at least `MIN_TITLE_WORDS` and make up at
   least `MIN_COVERAGE` of the title's words ("low-rank adaptation of large language models": 7 of the LoRA
   title's 8), the most covered first.

5. when the query is a person's name that some paper lists as an author ("Percy Liang": a blind walkthrough found
   10 of the first 20 hits holding neither word, while `au:"Percy Liang"` finds 26 papers), that person's papers,
   newest first, before everything else (up to the limit); likewise one capitalised word that more papers list as
   an author's name than use in their title or abstract, at least three times more ("Bengio", not "Adam").

Only plain queries qualify: fields (`ti:`, `au:`...), quotes, `+`/`-` items, `*` and OR/NOT keep their own
meaning. Each step keeps the filters (dates, categories, trends) and at most `MAX_FIRST` papers come first in all.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from trendscope.foundation.text import fold_accents, umlauts_spelt_out
from trendscope.ingest.records import BadArxivId, parse_arxiv_id

from .fts_query import author_near, normalize

if TYPE_CHECKING:
    from .search_store import SearchStore, SqlFilter

MAX_NAME_WORDS = 4
MIN_TITLE_WORDS = 3
MIN_COVERAGE = 0.8
MAX_FIRST = 5
MAX_AUTHOR_PAPERS = 1000  # a name more papers list as an author's is a common word ("Chen"), not one person

_WORD_RE = re.compile(r"\w+")
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[.'-][^\W\d_]*)*\.?$")  # "Percy", "O'Neil", "J.", "Jean-Pierre"
_OPERATOR_RE = re.compile(r'(?:^|\s)[-+]|["*]|\b(?:OR|NOT)\b|(?i:\b(?:ti|title|au|authors?|abs|abstract|cat|'
                          r'category):)')


@dataclass(frozen=True)
class TitleQuery:
    """The words a plain query looks for in titles, and the FTS5 phrase that finds the titles holding them."""

    words: tuple[str, ...]
    text: str = ""  # as written, squashed (`squashed`): a title's name must be the query itself ("LoRA+" is not "LoRA")

    @property
    def match(self) -> str:
        """Titles holding the words in a row."""
        return 'title : "' + " ".join(self.words) + '"'

    @property
    def starts_match(self) -> str:
        """Titles starting with the words: few even for one common word (over the full corpus "LoRA" starts 37 of
        the 329 titles holding it, and the one named by it was not among the 50 that BM25 ranks first)."""
        return 'title : ^ "' + " ".join(self.words) + '"'

    @property
    def may_cover(self) -> bool:
        """Whether a title may hold the words as most of itself (step 4)."""
        return len(self.words) >= MIN_TITLE_WORDS


def words_of(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD_RE.findall(normalize(text)))


def arxiv_id_query(query: str) -> str | None:
    """The arXiv id a query is, when it is nothing but an id or an arXiv address."""
    try:
        return parse_arxiv_id(query.strip())[0] if query.strip() else None
    except BadArxivId:
        return None


MAX_IDS = 200  # ids pasted at once (a reading list's worth)
_ID_SEPARATORS = re.compile(r"[\s,;]+")
_BARE_PREFIX_OR_CLASS = re.compile(r"(?i)^(?:arxiv:?|\[[a-z\-]+(?:\.[a-z\-]+)?\])$")  # "arXiv:" "[cs.CL]"


def arxiv_ids_query(query: str) -> list[str] | None:
    """The arXiv ids a query is, when it is nothing but ids or arXiv addresses (one, or several separated by spaces,
    commas or lines: a pasted list searched for unrelated papers "missing" every id), in order, each once."""
    one = arxiv_id_query(query)
    if one is not None:
        return [one]
    tokens = [t for t in _ID_SEPARATORS.split(query or "") if t and not _BARE_PREFIX_OR_CLASS.match(t)]
    if not tokens or len(tokens) > MAX_IDS:
        return None
    ids = [arxiv_id_query(t) for t in tokens]
    return list(dict.fromkeys(ids)) if all(ids) else None  # type: ignore[arg-type]


def title_query(query: str) -> TitleQuery | None:
    """The query as title words, or None when it uses search syntax (its own meaning stays) or has no word."""
    if _OPERATOR_RE.search(query or ""):
        return None
    words = words_of(query)
    return TitleQuery(words, squashed(query)) if words else None


def author_query(query: str) -> TitleQuery | None:
    """The query as a person's name ("Percy Liang", "yann lecun", "J. Schmidhuber"): two to four words of letters
    and no search syntax. Whether some paper lists that name is the store's to say."""
    tq = title_query(query)
    if tq is None or not 2 <= len(normalize(query).split()) <= 4 or not all(
            _NAME_RE.match(w) for w in normalize(query).split()):
        return None
    return tq


def surname_query(query: str) -> TitleQuery | None:
    """One word capitalised as typed ("Bengio", "LeCun", not "LLM" or "lora"): maybe a surname. Whether it
    is one is the store's to say (`known_papers`: more papers list it as an author's than use it in their text)."""
    typed = query.strip()
    words = normalize(typed).split()
    if len(words) != 1 or not _NAME_RE.match(words[0]) or not typed[:1].isupper() or typed.isupper():
        return None
    return title_query(query)


def text_match(tq: TitleQuery) -> str:
    """Papers whose title or abstract holds the words in a row."""
    return '{title abstract} : "' + " ".join(tq.words) + '"'


def author_match(tq: TitleQuery) -> str:
    """Papers whose authors hold the name's words near each other (FTS5, the authors column; middle initials may
    stand between: "Christopher D. Manning" for "Christopher Manning"). Over-inclusive: the column is every author
    in one text, stemmed ("Song Han" matched "Juntong Song, Hanning Zhang"), so `names_author` checks each paper."""
    if len(tq.words) == 1:
        return f'authors : "{tq.words[0]}"'
    return author_near(tq.words)


def names_author(words: Sequence[str], authors: Sequence[str]) -> bool:
    """Whether one author of the list is the name: its words in order, as written (any case, with or without
    accents: `au:"Hinrich Schutze"` found no paper of Hinrich Schütze, which FTS5 had matched), with only initials
    ("D.") between them; an initial of the name given stands for a name it starts ("G. Hinton"), and its middle
    initials may be missing from the stored name ("Geoffrey E. Hinton" for "Geoffrey Hinton": a search walkthrough);
    German umlauts match their written-out form both ways ("Schoelkopf" for "Schölkopf"), never a plain vowel
    ("Michael" is not "Michal")."""
    want = [fold_accents(w) for w in words]
    want_spelt = [umlauts_spelt_out(w) for w in words]  # "Schölkopf" as "Schoelkopf", and the other way round
    for author in authors:
        raw = _WORD_RE.findall(normalize(author))
        have, have_spelt = [fold_accents(w) for w in raw], [umlauts_spelt_out(w) for w in raw]
        for start in range(len(have)):
            i, j = start, 0
            while i < len(have) and j < len(want):
                if (have[i] == want[j] or have_spelt[i] == want[j] or have[i] == want_spelt[j]
                        or (len(want[j]) == 1 and j < len(want) - 1 and have[i].startswith(want[j]))):
                    j += 1
                elif 0 < j < len(want) - 1 and len(want[j]) == 1:  # a middle initial the stored name leaves out
                    j += 1
                    continue
                elif j == 0 or len(have[i]) > 1:
                    break
                i += 1
            if j == len(want):
                return True
    return False


def squashed(text: str) -> str:
    """Lower case, spaces collapsed, no colon at the end: how a title's name is compared with a query."""
    return " ".join(normalize(text).lower().split()).rstrip(" :")


def title_tier(tq: TitleQuery, title: str) -> tuple[int, float] | None:
    """How a title answers a title query: (0, ...) it is the query, (1, ...) it names itself with the query
    before a colon, (2, -coverage) it holds the query's words in a row that make up most of it; None otherwise.
    Lower sorts first."""
    q = tq.words
    words = words_of(title)
    if not q or not words:
        return None
    if words == q:
        return 0, 0.0
    head = title.split(":", 1)[0] if ":" in title else None
    if head is not None and len(q) <= MAX_NAME_WORDS and squashed(head) == tq.text:
        return 1, 0.0
    coverage = len(q) / len(words)
    if len(q) >= MIN_TITLE_WORDS and coverage >= MIN_COVERAGE and _holds_in_a_row(words, q):
        return 2, -coverage
    return None


def _holds_in_a_row(words: tuple[str, ...], q: tuple[str, ...]) -> bool:
    n = len(q)
    return any(words[i:i + n] == q for i in range(len(words) - n + 1))


def known_first(ranked: list[tuple[int, float]], first: Sequence[int], limit: int,
                cap: int = MAX_FIRST) -> list[tuple[int, float]]:
    """`first` (pks, best first; at most `cap`) before the ranked results, each once, cut to `limit`; a paper
    brought in from outside the ranked list takes the best score of the list (its score says where it stands, not
    how it matched)."""
    if not first:
        return ranked[:limit]
    scores = dict(ranked)
    top = max(scores.values(), default=0.0)
    head = [(pk, max(scores.get(pk, top), top)) for pk in dict.fromkeys(first)][:cap]
    seen = {pk for pk, _ in head}
    return (head + [r for r in ranked if r[0] not in seen])[:limit]


def unknown_person(store: SearchStore, query: str) -> str | None:
    """The name, when the query looks like a person's ("Christopher Manning": two to four words capitalised as
    typed, the first some stored author's name, the words together in at most 2 titles or abstracts) and no stored
    paper lists it: hybrid search then lists papers near it by meaning, which said nothing of the kind (a blind
    walkthrough)."""
    person = author_query(query)
    typed = query.split()
    if person is None or not all(w[:1].isupper() and w[1:] == w[1:].lower() for w in typed):
        return None
    first = TitleQuery(words=person.words[:1])
    if not store.doc_count(author_match(first)) or store.doc_count(text_match(person)) > 2:
        return None
    if store.doc_count(author_match(person)):
        from .search_store import SqlFilter

        near = [pk for pk, _ in store.keyword(author_match(person), SqlFilter(), MAX_AUTHOR_PAPERS)]
        rows = store.rows(near)
        if any(names_author(person.words, rows[pk].authors) for pk in near if pk in rows):
            return None
    return " ".join(typed)


class KnownPapers(NamedTuple):
    """The papers a query names, best first; how many of them may come first; whether they are a person's."""

    pks: list[int]
    cap: int
    person: bool = False


def known_papers(store: SearchStore, query: str, flt: SqlFilter, limit: int,
                 weights: Sequence[float]) -> KnownPapers:
    """The papers a query names, best first, among those passing the filter (`store`: a `SearchStore`, `flt` its
    `SqlFilter`), and how many of them may come first: at most `MAX_FIRST`, or `limit` for a person's papers."""
    tq = title_query(query)
    if tq is None:
        return KnownPapers([], MAX_FIRST)
    theirs = _persons_papers(store, query, flt)
    if theirs:
        return KnownPapers(theirs[:limit], limit, person=True)
    found = store.keyword(tq.starts_match, flt, 200, weights=weights)
    if tq.may_cover:
        found += store.keyword(tq.match, flt, 50, weights=weights)
    rows = store.rows([pk for pk, _ in found])
    tiers = [(tier, i, pk) for i, (pk, _) in enumerate(found)
             if pk in rows and (tier := title_tier(tq, rows[pk].title)) is not None]
    return KnownPapers(list(dict.fromkeys(pk for *_, pk in sorted(tiers))), MAX_FIRST)


def _persons_papers(store: SearchStore, query: str, flt: SqlFilter) -> list[int]:
    """The papers listing the person the query names as an author, newest first (none when it names nobody)."""
    person = author_query(query)
    surname = surname_query(query)
    if surname is not None:  # "Bengio": 4 of the first 8 hits lacked the name, while au:Bengio found 7 papers (a
        listed = store.doc_count(author_match(surname))  # blind walkthrough); "Adam" is a word first
        person = surname if listed >= 2 and 3 * store.doc_count(text_match(surname)) < listed else None
    if person is None or not 0 < store.doc_count(author_match(person)) <= MAX_AUTHOR_PAPERS:
        return []
    near = [pk for pk, _ in store.keyword(author_match(person), flt, MAX_AUTHOR_PAPERS, order="newest")]
    rows = store.rows(near)
    return [pk for pk in near if pk in rows and names_author(person.words, rows[pk].authors)]


def known_person(store: SearchStore, query: str) -> tuple[str, int] | None:
    """(the name as typed, how many stored papers list it as an author's) when the query is a person's name whose
    papers come first (`known_papers`), else None: a search for "Lijuan Wang" put her two papers first and said
    nothing of why (a blind walkthrough). Only the person part of `known_papers` runs (no title lookup)."""
    from .search_store import SqlFilter

    if title_query(query) is None:
        return None
    theirs = _persons_papers(store, query, SqlFilter())
    return (" ".join(query.split()), len(theirs)) if theirs else None
