"""Words in user-facing text: counts ("1 paper", "12,345 papers"), names matched regardless of case, and a tag's
evidence said in words (the vector model's vote as a lean, matched phrases and where)."""
from __future__ import annotations

import re
from collections.abc import Sequence


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly 1 (thousands separated)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def clipped(text: str, width: int) -> str:
    """`text` on one line in at most `width` characters: cut at the last word that fits, with "…" (titles were
    cut mid-word without a mark, "...at Multiple Granular": a blind walkthrough); a single long word is cut."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text[: max(width - 1, 1)]
    space = cut.rfind(" ")
    return (cut[:space].rstrip(" ,;:-") if space > width // 2 else cut) + "…"


def short_urls(text: str) -> str:
    """A failed request's URL (often 250+ characters of query) cut after 40 characters, for a terminal line or the
    app's Status page (which showed it whole: a blind walkthrough); `status --json` keeps it whole."""
    return re.sub(r"(https?://\S{40})\S{8,}", r"\1…", text)


def known_names(given: Sequence[str], known: Sequence[str], what: str = "trend") -> list[str]:
    """`given` names as `known` spells them, matched regardless of case ("Efficiency" -> "efficiency", as
    categories already were: "cs.sd" -> "cs.SD") and of hyphens, spaces or underscores ("self-supervised" ->
    "self_supervised"); a name not known at all is one error listing the known ones."""
    from .errors import TrendscopeError

    def fold(name: str) -> str:  # "self-supervised" and "zero shot" as the docs write them (a blind walkthrough)
        return re.sub(r"[\s_-]+", "_", name.strip()).casefold()

    by_fold = {fold(k): k for k in known}
    bad = [g for g in given if fold(g) not in by_fold]
    if bad:
        raise TrendscopeError(f"unknown {what}(s): {', '.join(bad)} (known: {', '.join(known)})")
    return list(dict.fromkeys(by_fold[fold(g)] for g in given))


NEUTRAL_VOTE = 0.5  # logits: a pull smaller than this either way is about a typical paper outside the trend's


def vote_lean(v: float) -> str:
    """Which way the vector model's pull on a tag leans, in words ("strongly for" from +2 logits; near 0, about a
    typical paper outside the trend's, "neither for nor against": +0.10 read "votes for" (a blind walkthrough))."""
    if abs(v) < NEUTRAL_VOTE:
        return "neither for nor against"
    return "strongly for" if v >= 2 else "for" if v > 0 else "against" if v > -2 else "strongly against"


_VOTE = re.compile(r"^vector model: (?P<v>[+-]?\d+(?:\.\d+)?)$")


def vector_vote(evidence_item: str) -> float | None:
    """The vector model's pull on a tag from its evidence item ("vector model: +2.89"), None for other items."""
    m = _VOTE.match(evidence_item)
    return float(m["v"]) if m else None


_PLACE = re.compile(r"^(?P<what>.+) \((?P<where>title|abstract)\)$")


def evidence_place(evidence_item: str) -> tuple[str, str] | None:
    """(phrase, "title" or "abstract") of a tagger evidence item naming a matched phrase ("serving (abstract)"),
    None for other items; a long span that a pattern of two words near each other matched is shown by those words
    (`tidy_span`)."""
    m = _PLACE.match(evidence_item)
    return (tidy_span(m["what"]), m["where"]) if m else None


_SPAN_WORDS = 4  # a matched span longer than this, or holding more than words, is shown by its ends


def tidy_span(phrase: str) -> str:
    """A matched span as a reader can take it: "text and image" as it is; "language l and (ii) cross modal access
    between images" or "text steering and to 0.8727 with image", matched by a pattern of two words a few words
    apart, as "language … images" and "text … image" (a digest's "why" read as nonsense: a blind walkthrough)."""
    words = phrase.split()
    if len(words) <= _SPAN_WORDS and re.fullmatch(r"[\w\s'-]+", phrase):
        return phrase
    ends = re.findall(r"[^\W\d_][\w'-]*", phrase)
    return f"{ends[0]} … {ends[-1]}" if len(ends) >= 2 else phrase


HAND_PREFIX = "set by hand by "  # a tag's evidence when an admin set it (index/tag_corrections.py)


def why_tagged(evidence: Sequence[str], per_place: int = 3) -> str | None:
    """Why a paper carries a tag, in one plain line from its evidence items: the phrases it matched and where
    ('“visual question answering” in the title; “image captions” in the abstract'); without any, the vector
    model's lean and the arXiv category. None when the evidence says nothing."""
    hand = [item for item in evidence if item.startswith(HAND_PREFIX)]
    if hand:  # a digest listed a paper tagged by hand first, with no line saying why (a blind security review)
        return hand[0]
    places: dict[str, list[str]] = {"title": [], "abstract": []}
    for item in evidence:
        got = evidence_place(item)
        if got and got[0] not in places[got[1]]:
            places[got[1]].append(got[0])
    for where, words in places.items():  # "vision-language" beside "vision-language-action" says nothing more
        places[where] = [w for w in words if not any(w != o and w in o for o in words)]
    parts = [", ".join(f"“{w}”" for w in words[:per_place]) + f" in the {where}"
             for where, words in places.items() if words]
    if not parts:
        votes = [v for v in map(vector_vote, evidence) if v is not None]
        if votes and votes[0] >= NEUTRAL_VOTE:
            parts.append(f"wording like the trend's papers (the vector model votes {vote_lean(votes[0])})")
        parts += [f"arXiv category {item[len('category: '):]}" for item in evidence if item.startswith("category: ")]
    return "; ".join(parts) or None


def quoted(name: str, limit: int = 80) -> str:
    """A user-given name in quotes for a message: 'name', or "name" when it holds an apostrophe, or “name” when
    it holds both (Python's repr wrote 'Ana\\'s "efficiency" weekly': a blind walkthrough). A name longer than
    `limit` is cut there and its length said ('aaaa…' (5,000 characters)): a refused 5,000-character user name
    was echoed in full."""
    more = ""
    if len(name) > limit:
        name, more = name[:limit - 1] + "…", f" ({len(name):,} characters)"
    if "'" not in name:
        return f"'{name}'{more}"
    return (f'"{name}"' if '"' not in name else f"“{name}”") + more
