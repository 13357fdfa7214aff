"""Names and counts in user-facing text: "1 paper", "2 papers", "12,345 papers"; names matched regardless of case."""
from __future__ import annotations

from collections.abc import Sequence


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly 1 (thousands separated)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def known_names(given: Sequence[str], known: Sequence[str], what: str = "trend") -> list[str]:
    """`given` names as `known` spells them, matched regardless of case ("Efficiency" -> "efficiency", as
    categories already were: "cs.sd" -> "cs.SD"); a name not known at all is one error listing the known ones."""
    from .errors import TrendscopeError

    by_fold = {k.casefold(): k for k in known}
    bad = [g for g in given if g.casefold() not in by_fold]
    if bad:
        raise TrendscopeError(f"unknown {what}(s): {', '.join(bad)} (known: {', '.join(known)})")
    return list(dict.fromkeys(by_fold[g.casefold()] for g in given))
