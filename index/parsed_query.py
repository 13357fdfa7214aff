"""What a search query asks for, as `fts_query.parse_query` reads it: its items (`Item`: words, a phrase, a field,
a prefix), the groups a paper must hold one item of (`Group`), and the whole query (`ParsedQuery`) with the FTS5
MATCH expressions the searches use, the filters and the text to embed.
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field

from trendscope.foundation.text import fold_accents, other_name_spelling, umlauts_spelt_out


@dataclass(frozen=True)
class Item:
    """One search item: words (a phrase if several) in an optional column, maybe a prefix."""

    words: tuple[str, ...]
    column: str | None = None  # title | abstract | authors | None (all columns)
    prefix: bool = False

    def fts(self) -> str:
        """The item as an FTS5 expression. An author's name of several words matches them near each other, so that
        middle initials may stand between (`au:"Christopher Manning"` found no paper of "Christopher D. Manning");
        searches then check the name as written (`known_item.names_author`)."""
        if self.column == "authors" and len(self.words) > 1 and not self.prefix:
            return _either([author_near(w) for w in self.spellings()])
        if self.column == "authors":
            return _either([self._in_a_row(w) for w in self.spellings()])
        return self.exact_fts()

    def exact_fts(self) -> str:
        """The item's words in a row: what an exclusion leaves out (never more than the name as written; the
        searches leave out the same name with middle initials after it); a name typed with umlauts also as they are
        written out ("Müller": "Mueller"), never the other way ("Mueller" is not the French "Muller")."""
        return _either([self._in_a_row(w) for w in self.spellings(umlauts_only=True)])

    def _in_a_row(self, words: tuple[str, ...]) -> str:
        s = '"' + " ".join(words) + '"' + ("*" if self.prefix else "")
        return f"{self.column} : {s}" if self.column else s

    def spellings(self, umlauts_only: bool = False) -> list[tuple[str, ...]]:
        """The words as typed, then an author's name as German writes it with or without umlauts, word by word
        ("Schölkopf" / "Schoelkopf": `au:` found only the spelling typed; `au:"Jürgen Schoelkopf"` none of the
        mixed ones: a review); over-inclusive ("Michael": "Michal"), so the searches check each paper's authors
        (`known_item.names_author`). At most 8."""
        if self.column != "authors" or self.prefix:
            return [self.words]
        options = []
        for w in self.words:
            other = other_name_spelling(w) if not umlauts_only or fold_accents(w) != umlauts_spelt_out(w) else None
            options.append((w, other) if other else (w,))
        return list(itertools.islice(itertools.product(*options), 8))


def _either(expressions: list[str]) -> str:
    return expressions[0] if len(expressions) == 1 else "(" + " OR ".join(expressions) + ")"


def author_near(words) -> str:
    """Papers whose authors column holds a name's words near each other, with up to two initials between them
    ("Christopher D. Manning", "Laurens J.P. van der Maaten"): FTS5 counts the name's own middle words in the
    distance too, so "van der Maaten" names were lost at a fixed 2 (a review). Over-inclusive: the column is every
    author in one text, so `known_item.names_author` checks each paper."""
    # an initial stands for any name it starts ("G. Hinton"), and a middle one may be left out ("Geoffrey E. Hinton"
    # for "Geoffrey Hinton"): a search walkthrough found no paper of Geoffrey Hinton by either
    kept = [w for n, w in enumerate(words) if n == 0 or n == len(words) - 1 or len(w) > 1]
    return "authors : NEAR(" + " ".join(f'"{w}"*' if len(w) == 1 and w.isalpha() else f'"{w}"' for w in kept) + \
        f", {len(words)})"


@dataclass
class Group:
    """Items of which a paper must contain one (OR); `required` groups filter, the others only rank."""

    items: list[Item]
    required: bool
    label: str  # as the user wrote it, for "missing: ..." notes
    plain_word: str = ""  # the single plain word behind the group ("" for phrases, fields, OR groups...)

    def fts(self) -> str:
        if len(self.items) == 1:
            return self.items[0].fts()
        return "(" + " OR ".join(i.fts() for i in self.items) + ")"


@dataclass
class ParsedQuery:
    """What a query asks for: FTS5 expressions for the text, plain text to embed, and filters."""

    groups: list[Group] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    excluded_categories: list[str] = field(default_factory=list)
    embed_words: list[str] = field(default_factory=list)  # every positive non-author word, stop words too
    embedded_only: int = 0  # plain words past the first MAX_ITEMS terms: embedded, not matched (a pasted abstract)

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    @property
    def required(self) -> list[Group]:
        return [g for g in self.groups if g.required]

    @property
    def optional(self) -> list[Group]:
        return [g for g in self.groups if not g.required]

    @property
    def positive_match(self) -> str | None:
        """Required groups AND-ed, optional ones OR-ed into the same expression: every optional word counts in
        BM25, none is needed (`R1 AND R2 AND (R1 OR R2 OR o1 OR o2)` matches exactly what `R1 AND R2` does)."""
        if not self.groups:
            return None
        req, opt = self.required, self.optional
        if not opt:
            return " AND ".join(g.fts() for g in req)
        any_of = " OR ".join(g.fts() for g in self.groups)
        if not req:
            return any_of if len(self.groups) == 1 else f"({any_of})"
        return " AND ".join(g.fts() for g in req) + f" AND ({any_of})"

    @property
    def match(self) -> str | None:
        """The full FTS5 MATCH expression (None when the query has no positive text item)."""
        pos = self.positive_match
        if pos is None:
            return None
        if self.excluded:
            return f"({pos}) NOT ({' OR '.join(i.exact_fts() for i in self.excluded)})"
        return pos

    @property
    def all_match(self) -> str | None:
        """Every group required: the papers that contain all of the query's words."""
        return " AND ".join(g.fts() for g in self.groups) or None

    @property
    def all_match_excluding(self) -> str | None:
        """`all_match` with the query's exclusions applied."""
        pos = self.all_match
        if pos is None or not self.excluded:
            return pos
        return f"({pos}) NOT ({' OR '.join(i.exact_fts() for i in self.excluded)})"

    @property
    def exclude_match(self) -> str | None:
        """FTS5 expression matching the papers to exclude (for searches that do not use `match`)."""
        return " OR ".join(i.exact_fts() for i in self.excluded) or None

    @property
    def author_match(self) -> str | None:
        """FTS5 expression of the author items that every result must satisfy (for semantic search)."""
        groups = [g for g in self.groups if all(i.column == "authors" for i in g.items)]
        return " AND ".join(g.fts() for g in groups) or None

    @property
    def required_match(self) -> str | None:
        """FTS5 expression of every required item (phrases, `+word`, `ti:`/`abs:`/`au:` fields), which every
        hybrid result must satisfy, whichever side found it."""
        return " AND ".join(g.fts() for g in self.required) or None

    def without(self, labels: set[str]) -> ParsedQuery:
        """The query without the optional groups of these labels (required ones always stay)."""
        return dataclasses.replace(self, groups=[g for g in self.groups if g.required or g.label not in labels])

    @property
    def semantic_text(self) -> str:
        """The words to embed: every positive non-author word, in query order."""
        return " ".join(self.embed_words)
