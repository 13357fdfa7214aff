"""Counts in user-facing text: "1 paper", "2 papers", "12,345 papers"."""
from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun, singular for exactly 1 (thousands separated)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
