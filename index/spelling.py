"""Did you mean: a query word that (almost) no paper holds, one typing slip away from a word many titles use.

"retreival augmented generaton" ranked an image outpainting paper first, with "missing: retreival, augmented,
generaton", and keyword mode answered "speculativ decodng" with nothing, without a hint (a blind walkthrough).
`suggest` proposes the query with such words corrected:

- a word is checked when it is a word of the query (a plain word, or one of a phrase's or a `ti:`/`abs:` field's;
  never of `au:`) of at least `MIN_LETTERS` letters that at most `MAX_RARE` papers hold (FTS5, title, abstract or
  authors; typos are in papers too);
- its candidates are the words one edit away (a letter deleted, inserted, replaced, or two neighbours swapped)
  that at least `MIN_TITLES` titles use, and at least `MIN_RATIO` times as many as the papers holding the word
  itself (a word no paper holds needs no more than `MIN_TITLES`); the one most
  titles use wins. The vocabulary is the titles' words (researchers' words for topics; about 62,000 distinct
  words of 4+ letters for 162,699 papers, read in about a second and kept per database file until the text
  changes).

Pure apart from the two reads it is given (`doc_count`, `titles`).
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable

from trendscope.foundation.errors import TrendscopeError

from .fts_query import parse_query

MIN_LETTERS = 4
MAX_RARE = 10
MIN_TITLES = 5
MIN_RATIO = 20

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD_RE = re.compile(rf"[A-Za-z]{{{MIN_LETTERS},}}")
_lock = threading.Lock()
_vocabularies: dict[str, tuple[bytes, Counter]] = {}  # database file -> (FTS stamp, title word -> titles)


def title_vocabulary(titles: Iterable[str]) -> Counter:
    """Lower-case words of `MIN_LETTERS`+ letters -> how many titles use them."""
    out: Counter = Counter()
    for title in titles:
        out.update({w.lower() for w in _WORD_RE.findall(title or "")})
    return out


def shared_vocabulary(path: str | None, stamp: bytes, titles: Callable[[], Iterable[str]]) -> Counter:
    """`title_vocabulary` of a database, kept per file until its FTS stamp changes (in memory only: none kept)."""
    if not path:
        return title_vocabulary(titles())
    with _lock:
        kept = _vocabularies.get(path)
        if kept is not None and kept[0] == stamp:
            return kept[1]
    vocab = title_vocabulary(titles())
    with _lock:
        _vocabularies[path] = (stamp, vocab)
    return vocab


def edits1(word: str) -> set[str]:
    """Every string one edit away: a letter deleted, swapped with its neighbour, replaced or inserted."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


def correction(word: str, vocab: Counter, own_count: int) -> str | None:
    """The word most titles use one edit away from `word`, if it is common enough to be meant."""
    best = max(((vocab[c], c) for c in edits1(word.lower()) if c in vocab), default=None)
    # a word no paper holds needs only a word MIN_TITLES titles use: "halucination" (0 papers) got no suggestion
    # on the 6,000-paper sample, where 9 titles say "hallucination", 20 being asked of it (a blind walkthrough)
    if best is None or best[0] < MIN_TITLES or best[0] < MIN_RATIO * own_count:
        return None
    return best[1]


def suggest(query: str, doc_count: Callable[[str], int], vocab: Callable[[], Counter]) -> str | None:
    """The query with its rare words corrected, or None when nothing needs it. `doc_count(fts)` counts papers
    matching an FTS5 expression; `vocab()` gives the title vocabulary (read only when some word is rare)."""
    try:
        pq = parse_query(query)
    except TrendscopeError:
        return None
    fixes: dict[str, str] = {}
    words: Counter | None = None
    typed = [w for g in pq.groups for item in g.items if item.column != "authors" and not item.prefix
             for w in item.words]  # the words of phrases and fields too ("text-to-vidoe"), never a name
    for w in dict.fromkeys(typed):
        if len(w) < MIN_LETTERS or not w.isalpha() or not w.isascii():
            continue
        n = doc_count(f'"{w}"')
        if n > MAX_RARE:
            continue
        words = words if words is not None else vocab()
        fixed = correction(w, words, n)
        if fixed is not None:
            fixes[w] = fixed
    if not fixes:
        return None
    return re.sub(r"[A-Za-z]+", lambda m: _cased(fixes[m.group(0)], m.group(0)) if m.group(0) in fixes
                  else m.group(0), query)


def _cased(fixed: str, typed: str) -> str:
    """The correction in the case the word was typed in ("Retreival" -> "Retrieval")."""
    if typed.isupper() and len(typed) > 1:
        return fixed.upper()
    return fixed.capitalize() if typed[:1].isupper() else fixed


def held_nowhere(query: str, fixed: str, doc_count: Callable[[str], int]) -> list[str]:
    """The words of `query` that `fixed` corrected and no stored paper holds at all: a rare word ("renal", 2
    papers) is corrected too, and the app refused to follow its search as "a word no stored paper holds" (a blind
    walkthrough)."""
    corrected = {w.lower() for w in re.findall(r"[A-Za-z]+", fixed)}
    return [w for w in dict.fromkeys(re.findall(r"[A-Za-z]+", query))
            if w.lower() not in corrected and doc_count(f'"{w}"') == 0]

