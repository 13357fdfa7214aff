"""`trendscope doctor`: check the FAISS cache against the stored vectors and repair it.

Problems found: index file missing, unreadable or not matching its sidecar (corrupt), built from other
vectors or another model (stale), temp files left by a killed write. Repair rebuilds the index from
the `embeddings` table (no model needed). Papers without a current vector are reported, not embedded:
that is `trendscope index`'s job.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import sqlite_utils

from trendscope.foundation.db import integrity_problems
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home

from .faiss_index import IndexFileError, index_paths, leftover_temp_files, load_index
from .index_run import index_lock
from .indexer import rebuild_faiss
from .vector_store import VectorStore

log = logging.getLogger(__name__)


@dataclass
class DoctorReport:
    status: str = "ok"  # ok | missing | corrupt | stale | no-vectors
    problems: list[str] = field(default_factory=list)
    model: str | None = None
    vectors: int = 0
    indexed: int | None = None
    index_kind: str | None = None
    not_embedded: int = 0
    repaired: bool = False
    actions: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # problems found before a repair
    database: list[str] | None = None  # SQLite's integrity check ([]: sound; None: not checked)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "no-vectors") and not self.problems and not self.database

    def lines(self) -> list[str]:
        out = [f"status: {self.status}" + (" (repaired)" if self.repaired else "")]
        if self.database is not None:
            out.append("database: ok (SQLite's integrity check)" if not self.database else
                       f"database: damaged ({'; '.join(self.database[:3])}): doctor cannot mend it; stop the app and "
                       "the scheduler and restore the latest backup (docs/ingest.md, \"Running it on a lab server\")")
        out.append(f"model: {self.model or '-'}; stored vectors: {self.vectors}; "
                   f"in FAISS index: {self.indexed if self.indexed is not None else '-'} ({self.index_kind or '-'})")
        out += [f"found: {p}" for p in self.found]
        out += [f"problem: {p}" for p in self.problems]
        out += [f"done: {a}" for a in self.actions]
        if self.not_embedded:
            out.append(f"note: {self.not_embedded} papers have no current embedding: run `trendscope index`")
        return out


def check(db: sqlite_utils.Database, home: Home, verify_checksum: bool = True, database: bool = False
          ) -> DoctorReport:
    """The index's state against the stored vectors; `database`: SQLite's integrity check of the database too."""
    rep = DoctorReport(database=integrity_problems(db) if database else None)
    vectors = VectorStore(db)
    rep.model = vectors.model_in_use()
    rep.vectors = vectors.count(rep.model) if rep.model else 0
    if rep.model:
        rep.not_embedded = vectors.count_pending(rep.model)
        others = {m: n for m, n in vectors.models().items() if m != rep.model}
        if others:
            rep.problems.append(
                f"vectors from other models are stored too: {others} (run `trendscope index --rebuild`)"
            )
    temps = leftover_temp_files(home.index_dir)
    if temps:
        rep.problems.append(
            f"{len(temps)} temp file(s) left by an interrupted write: {', '.join(p.name for p in temps)}"
        )
    ipath, _ = index_paths(home.index_dir)
    try:
        vi = load_index(home.index_dir, verify_checksum=verify_checksum)
    except IndexFileError as exc:
        if exc.kind == "missing" and rep.vectors == 0 and not ipath.exists():
            rep.status = "no-vectors"
            rep.not_embedded = vectors.count_unembedded()  # every paper waits for `index` (it said nothing)
            return rep
        rep.status = exc.kind
        rep.problems.append(str(exc))
        return rep
    rep.indexed, rep.index_kind = vi.ntotal, vi.kind
    if rep.vectors == 0:
        rep.status = "stale"
        rep.problems.append("an index exists but no vectors are stored")
        return rep
    fp = vectors.fingerprint(rep.model)
    if vi.meta.model != rep.model:
        rep.status = "stale"
        rep.problems.append(f"index built with model {vi.meta.model!r}, stored vectors are {rep.model!r}")
    elif vi.meta.digest != fp.digest or vi.ntotal != fp.count:
        rep.status = "stale"
        rep.problems.append(f"index holds {vi.ntotal} vectors that do not match the {fp.count} stored ones")
    return rep


def repair(db: sqlite_utils.Database, home: Home, database: bool = False) -> DoctorReport:
    """Check, then fix what was found (rebuild the index, drop temp files); returns the re-check (with the
    database's integrity, checked once, when `database`). Under the index lock: beside a running `index`, a repair
    deleted the temp file it was writing (an operations walkthrough); refused then, with one line."""
    first = check(db, home)
    if first.ok:  # nothing to mend, no lock (a monitor's plain `doctor` was refused while an index ran: a review)
        first.database = integrity_problems(db) if database else None
        return first
    try:
        with index_lock(home):
            return _repair(db, home, database)
    except TrendscopeError as exc:  # an index run at work: its vectors run ahead of the file until it ends (a review:
        if "is running" not in str(exc):  # a plain `doctor` then failed with that line alone)
            raise
        first.actions.append("not repaired: a `trendscope index` run is at work and writes the index when it ends")
        first.database = integrity_problems(db) if database else None
        return first


def _repair(db: sqlite_utils.Database, home: Home, database: bool) -> DoctorReport:
    before = check(db, home)
    actions: list[str] = []
    for p in leftover_temp_files(home.index_dir):
        p.unlink()
        actions.append(f"removed {p.name}")
    if before.status in ("missing", "corrupt", "stale"):
        vi = rebuild_faiss(db, home)
        actions.append(f"rebuilt the FAISS index ({vi.ntotal} vectors, {vi.kind})" if vi else "removed the FAISS index")
    after = check(db, home, database=database)
    after.repaired = bool(actions)
    after.actions = actions
    after.found = before.problems
    return after
