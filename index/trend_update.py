"""Re-tag new or changed papers from stored vectors (placeholder until the trends work lands)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TagUpdateResult:
    tagged: int = 0
    skipped: int = 0
    removed: int = 0


def update_trend_tags(db, home, progress: bool = True) -> TagUpdateResult:
    """Tag papers whose text, vector or taxonomy changed since they were last tagged."""
    return TagUpdateResult()
