"""Necessary literals of a regular expression: a cheap substring test that rules a pattern out before it is run.

`required_literals(pattern)` returns a set of strings such that every match of the pattern contains at least one
of them (or None when no such set can be read off the pattern). The tagger runs ~100 include patterns over every
abstract and most of them match nothing, so `any(lit in text for lit in lits)` (a C substring search) skips
most regex scans. Only the pattern's syntax tree is read (Python's own `re` parser); anything it does not
understand yields None, which means "always run the regex", so the filter can never hide a match.

Literals are lower-cased: they are tested against lower-cased text, as the tagger's patterns are matched.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - Python < 3.11 (not supported by the project, kept for clarity)
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MIN_LITERAL = 2  # shorter literals hardly filter anything

Literals = frozenset[str]


def _better(a: Literals | None, b: Literals | None) -> Literals | None:
    """The more selective of two alternative literal sets (longer shortest literal, then fewer literals)."""
    if a is None:
        return b
    if b is None:
        return a
    ka, kb = (min(map(len, a)), -len(a)), (min(map(len, b)), -len(b))
    return a if ka >= kb else b


def _sequence(items) -> Literals | None:
    """Best necessary-literal set of a concatenation: each element must match, so any one element's set works;
    runs of consecutive literal characters form one string."""
    best: Literals | None = None
    run: list[str] = []

    def flush() -> None:
        nonlocal best
        if len(run) >= MIN_LITERAL:
            best = _better(best, frozenset(["".join(run)]))
        run.clear()

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg).lower())
            continue
        if op is _c.AT:  # zero-width: does not break a literal run
            continue
        flush()
        best = _better(best, _node(op, arg))
    flush()
    return best


def _node(op, arg) -> Literals | None:
    if op is _c.SUBPATTERN:
        return _sequence(arg[-1])
    if op is _c.BRANCH:
        out: set[str] = set()
        for branch in arg[1]:
            lits = _sequence(branch)
            if lits is None:
                return None
            out |= lits
        return frozenset(out)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg
        return _sequence(body) if low >= 1 else None
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(arg)
    return None  # character classes, any-char, lookarounds, backreferences...


def required_literals(pattern: str | re.Pattern) -> Literals | None:
    """Lower-cased strings one of which every match of `pattern` contains; None when unknown."""
    source = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    flags = pattern.flags if isinstance(pattern, re.Pattern) else 0
    if not isinstance(source, str):
        return None
    try:
        tree = _p.parse(source, flags)
    except Exception:  # noqa: BLE001 - a pattern this reader cannot parse is simply never filtered
        return None
    return _sequence(list(tree))


def may_match(literals: Literals | None, lowered_text: str) -> bool:
    """False only when `lowered_text` contains none of the literals, i.e. the pattern cannot match it."""
    return literals is None or any(lit in lowered_text for lit in literals)
