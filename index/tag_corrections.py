"""Trend tags corrected by hand: a reader who knows a paper is about privacy, or not about efficiency, says so once
and the tag stays as they set it through every later tagging (a new version, a new model, `index --rebuild`).

Tags are every user's (digests, trend counts, rising topics read them), so correcting one is an admin's action.
A correction takes effect at once: the paper is tagged again with the correction winning, and the kept rising-topic
listing is brought up to date. `export_labels` writes the corrected papers as a label file for
`trendscope train-tags`, so that the tagger can learn from them.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from trendscope.foundation.actor import Actor
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.files import atomic_write
from trendscope.foundation.home import Home
from trendscope.ingest.paper_reads import PaperReads

from .taxonomy import load_taxonomy
from .trend_store import TagCorrection, TrendStore
from .trend_update import retag_papers

log = logging.getLogger(__name__)


@dataclass
class CorrectionResult:
    """What a correction did to one paper."""

    arxiv_id: str
    tags_before: list[str]
    tags_after: list[str]
    corrections: list[TagCorrection] = field(default_factory=list)  # the paper's corrections now
    forgotten: int = 0       # corrections dropped (reset)
    topics: str = ""         # what bringing the rising topics up to date did

    def __str__(self) -> str:
        gained = [t for t in self.tags_after if t not in self.tags_before]
        lost = [t for t in self.tags_before if t not in self.tags_after]
        change = ", ".join([f"+{t}" for t in gained] + [f"-{t}" for t in lost]) or "no tag changed"
        now = ", ".join(self.tags_after) or "none"
        s = f"{self.arxiv_id}: {change}; its trends now: {now}"
        if self.corrections:  # "no tag changed" hid that a removal of a tag it lacked was kept (a security review)
            kept = ", ".join(("+" if c.present else "-") + c.trend for c in self.corrections)
            s += f" (corrected by hand, kept through later tagging: {kept})"
        if self.forgotten:
            s += f" (the tagger's; {self.forgotten} correction{'s' if self.forgotten != 1 else ''} forgotten)"
        return s


def _paper_pk(db: sqlite_utils.Database, arxiv_id: str) -> int:
    pk = PaperReads(db).pk_of(arxiv_id)
    if pk is None:
        raise TrendscopeError(f"{arxiv_id} is not stored: `trendscope ingest --id {arxiv_id}` adds it")
    return pk


def _tags(store: TrendStore, pk: int) -> list[str]:
    return sorted(t for t, _s, _e in store.tags_of(pk))


def _keep_topics(db: sqlite_utils.Database) -> str:
    from .topic_listings import keep_listing

    return str(keep_listing(db, also=()))  # the quarterly one (~30 s more on 162,699 papers) at its next read


def correct_tags(db: sqlite_utils.Database, home: Home, arxiv_id: str, actor: Actor, add=(), remove=(),
                 keep_topics: bool = True) -> CorrectionResult:
    """Give the paper the trends `add` and take `remove` away, by hand; they win over the tagger from now on."""
    actor.require_admin("correcting a paper's trend tags (every user's digests and trends read them)")
    add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
    if not add and not remove:
        raise TrendscopeError("name a trend to add or to remove")
    both = sorted(set(add) & set(remove))
    if both:
        raise TrendscopeError(f"both added and removed: {', '.join(both)}")
    taxonomy = load_taxonomy(home.taxonomy_path)
    unknown = [t for t in add + remove if t not in taxonomy.names]
    if unknown:
        raise TrendscopeError(f"not a trend: {', '.join(unknown)} (the trends: {', '.join(taxonomy.names)})")
    store = TrendStore(db)
    pk = _paper_pk(db, arxiv_id)
    before = _tags(store, pk)
    store.set_corrections(pk, {**{t: True for t in add}, **{t: False for t in remove}}, actor.name)
    retag_papers(db, home, [pk], taxonomy)
    log.info("tags of %s corrected by %s: +%s -%s", arxiv_id, actor.name, add, remove)
    return CorrectionResult(arxiv_id, before, _tags(store, pk), store.corrections_by_pk([pk]).get(pk, []),
                            topics=_keep_topics(db) if keep_topics else "")


def reset_tags(db: sqlite_utils.Database, home: Home, arxiv_id: str, actor: Actor,
               keep_topics: bool = True) -> CorrectionResult:
    """Forget the paper's corrections: the tagger decides its trends again."""
    actor.require_admin("correcting a paper's trend tags (every user's digests and trends read them)")
    store = TrendStore(db)
    pk = _paper_pk(db, arxiv_id)
    before = _tags(store, pk)
    forgotten = store.clear_corrections(pk)
    if not forgotten:
        raise TrendscopeError(f"{arxiv_id} has no tag corrected by hand")
    retag_papers(db, home, [pk])
    log.info("tag corrections of %s forgotten by %s", arxiv_id, actor.name)
    return CorrectionResult(arxiv_id, before, _tags(store, pk), [], forgotten,
                            topics=_keep_topics(db) if keep_topics else "")


def corrections_of(db: sqlite_utils.Database, arxiv_id: str) -> list[TagCorrection]:
    """The paper's tags corrected by hand (none for a paper not stored)."""
    pk = PaperReads(db).pk_of(arxiv_id)
    return [] if pk is None else TrendStore(db).corrections_by_pk([pk]).get(pk, [])


def all_corrections(db: sqlite_utils.Database) -> list[dict]:
    """Every corrected paper: id, title, its corrections and its trends now, by arXiv id."""
    store = TrendStore(db)
    found = store.corrections_by_pk()
    rows = PaperReads(db).rows(list(found))
    out = [{"id": rows[pk].id, "title": rows[pk].title,
            "added": [c.trend for c in cs if c.present], "removed": [c.trend for c in cs if not c.present],
            "by": sorted({c.by for c in cs}), "at": max(c.at for c in cs), "trends": _tags(store, pk)}
           for pk, cs in found.items() if pk in rows]
    return sorted(out, key=lambda r: r["id"])


def export_labels(db: sqlite_utils.Database, path: Path) -> int:
    """Write the corrected papers as `train-tags` labels (id, labels: the paper's trends now); returns how many.
    A paper's other trends are the tagger's: checking them first makes the labels a reader's."""
    found = all_corrections(db)
    atomic_write(Path(path), "".join(json.dumps({"id": r["id"], "labels": r["trends"], "source": "corrected by hand"},
                                                ensure_ascii=False) + "\n" for r in found).encode("utf-8"))
    return len(found)
