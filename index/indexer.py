"""`trendscope index`: embed new or changed papers, update the FAISS index, then re-tag trends.

Incremental: a paper is embedded when it has no vector or its text (content_hash) changed; the FAISS
index is updated in place (remove + add) when it is in step with the stored vectors, rebuilt otherwise.
A rerun with nothing new embeds nothing and leaves the index file untouched. One model per database:
asking for another model is refused unless `rebuild` re-embeds everything.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils

from trendscope.foundation.db import database_path, storage_error
from trendscope.foundation.errors import StorageError, TrendscopeError, os_reason
from trendscope.foundation.home import Home
from trendscope.foundation.progress import progress_bar, progress_note

from .embedder import Embedder, load_embedder, paper_text, resolve_model
from .faiss_index import (
    IndexFileError,
    VectorIndex,
    build_index,
    exact_max_default,
    leftover_temp_files,
    load_index,
    rebuilt_message,
    remove_index_files,
    save_index,
)
from .hash_embedder import is_hash_model
from .index_run import index_lock
from .topic_store import refresh_phrases
from .trend_update import TagUpdateResult, update_trend_tags
from .vector_store import VectorStore

log = logging.getLogger(__name__)

CHUNK = 1024  # papers embedded (length-sorted inside) and stored per transaction


@dataclass
class IndexResult:
    model: str
    embedded: int = 0  # new + re-embedded papers
    new: int = 0
    changed: int = 0
    removed: int = 0  # vectors of papers no longer in the database
    total: int = 0  # vectors stored for the model after the run
    faiss: str = "unchanged"  # unchanged | updated | built | rebuilt (the file failed its checksum)
    faiss_kind: str | None = None
    seconds: float = 0.0
    embed_seconds: float = 0.0
    tags: TagUpdateResult | None = field(default=None)
    notes: list[str] = field(default_factory=list)  # said plainly after the summary (e.g. a rebuilt FAISS file)

    def summary(self) -> str:
        rate = f" ({self.embedded / self.embed_seconds:.1f} papers/s)" if self.embedded and self.embed_seconds else ""
        s = (f"index ({self.model}): embedded {self.embedded:,} (new {self.new:,}, changed {self.changed:,}){rate}, "
             f"removed {self.removed:,}, total {self.total:,}; "
             f"{f'FAISS {self.faiss} ({self.faiss_kind})' if self.faiss_kind else 'no FAISS index (no vectors yet)'}; "
             f"{self.seconds:.1f}s")
        if self.tags is not None:
            s += f"; trend tags: {self.tags}"
        for note in self.notes:
            s += f"\n{note}"
        return s


def choose_model(vectors: VectorStore, model: str | None, rebuild: bool) -> str:
    """The model to use: explicit, else TRENDSCOPE_MODEL, else the one in use, else the default.

    Mixing models is refused unless `rebuild` (which re-embeds everything)."""
    in_use = vectors.model_in_use()
    wanted = model or os.environ.get("TRENDSCOPE_MODEL") or in_use or resolve_model(None)
    if in_use is not None and wanted != in_use and not rebuild:
        # the way the model was asked for: "drop --model" read wrong when it came from the environment (a blind
        # walkthrough)
        drop = "drop --model" if model else "unset TRENDSCOPE_MODEL"
        raise TrendscopeError(
            f"the stored embeddings ({vectors.count(in_use)} papers) were made with model {in_use!r}, not "
            f"{wanted!r}{'' if model else ' (TRENDSCOPE_MODEL)'}; models cannot be mixed: run `trendscope index "
            f"--model {wanted} --rebuild` to re-embed everything with it, or {drop} to keep {in_use!r}"
        )
    return wanted


def run_index(
    db: sqlite_utils.Database, home: Home, model: str | None = None, progress: bool = True,
    rebuild: bool = False, embedder: Embedder | None = None,
    embedder_factory: Callable[[str], Embedder] | None = None, exact_max: int | None = None,
    update_tags: bool = True,
) -> IndexResult:
    """Embed what is new or changed, bring the FAISS index up to date, then update trend tags.

    A read-only data home or a full disk is a one-line StorageError naming the file, never a traceback.
    """
    try:
        home.index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot create {home.index_dir}: {os_reason(exc)}") from exc
    with index_lock(home):
        try:
            return _run(db, home, model, progress, rebuild, embedder, embedder_factory, exact_max, update_tags)
        except sqlite3.DatabaseError as exc:  # connections not opened by foundation.db.connect
            err = storage_error(exc, database_path(db))
            if err is None:
                raise
            raise err from exc


def _run(db, home, model, progress, rebuild, embedder, embedder_factory, exact_max, update_tags) -> IndexResult:
    t0 = time.perf_counter()
    vectors = VectorStore(db)
    if embedder is not None and model is None:
        model = embedder.model_id
    model = choose_model(vectors, model, rebuild)
    if embedder is not None and embedder.model_id != model:
        raise TrendscopeError(f"embedder is {embedder.model_id!r} but the index needs {model!r}")
    res = IndexResult(model=model)
    for left in leftover_temp_files(home.index_dir):  # a killed run's: no one else writes there under the lock
        left.unlink(missing_ok=True)  # (kept, it held `doctor --check` and `status` at "run doctor": a walkthrough)
        res.notes.append(f"removed {left.name}, left by an interrupted index write")
    if rebuild:
        if embedder is None:  # the model must load before every stored vector is dropped (a typo lost them all)
            embedder = (embedder_factory or load_embedder)(model)
        n = vectors.delete_all()
        remove_index_files(home.index_dir)
        log.info("rebuild: dropped %d stored vectors and the FAISS files", n)
    before = vectors.fingerprint(model)
    res.removed = len(vectors.delete_orphans())
    pending = vectors.count_pending(model)
    touched: list[np.ndarray] = []
    if pending:
        if embedder is None:
            # `index` sat at "embedding: 0/6,000 papers" for 40 s while the model loaded (a blind walkthrough)
            progress_note(f"loading the embedding model {model} (up to a minute)...",
                          enabled=progress and not is_hash_model(model))  # (the test embedder needs no loading)
            embedder = (embedder_factory or load_embedder)(model)
        had = set()
        te = time.perf_counter()
        bar = _bar(pending, progress)
        try:
            for batch in vectors.iter_pending(model, batch_size=CHUNK):
                known = vectors.get([p.pk for p in batch], model)
                had.update(pk for pk in known)
                vecs = embedder.encode([paper_text(p.title, p.abstract) for p in batch], progress=bar.update)
                vectors.put(model, [(p.pk, p.content_hash, v) for p, v in zip(batch, vecs)])
                touched.append(np.fromiter((p.pk for p in batch), dtype=np.int64, count=len(batch)))
                res.embedded += len(batch)
        finally:
            bar.close()
        res.embed_seconds = time.perf_counter() - te
        res.changed = len(had)
        res.new = res.embedded - res.changed
    after = vectors.fingerprint(model)
    res.total = after.count
    pks_touched = np.concatenate(touched) if touched else np.zeros(0, np.int64)
    res.faiss, res.faiss_kind, note = _update_faiss(
        vectors, home, model, before.digest, after, pks_touched, res.removed, exact_max
    )
    if note:
        res.notes.append(note)
    if update_tags:
        res.tags = update_trend_tags(db, home, progress=progress)
        topics = refresh_phrases(db, progress)
        if topics.extracted or topics.removed:
            res.notes.append(str(topics))
    res.seconds = time.perf_counter() - t0
    return res


def _bar(total: int, progress: bool):
    return progress_bar(total, "embedding", "paper", enabled=progress, smoothing=0.1, announce=total >= 1000)


def _update_faiss(vectors: VectorStore, home: Home, model: str, before_digest: str, after, touched: np.ndarray,
                  removed: int, exact_max: int | None) -> tuple[str, str | None, str | None]:
    """Bring the FAISS files in line with the stored vectors; returns (action, index kind, note for the user).

    The file is checked against its sidecar's sha256 on load: a damaged file is rebuilt ("rebuilt", with a
    note saying so), never reported as unchanged.
    """
    if after.count == 0:
        remove_index_files(home.index_dir)
        return "unchanged", None, None
    damaged: IndexFileError | None = None
    try:
        vi = load_index(home.index_dir)
    except IndexFileError as exc:
        if exc.kind == "corrupt":
            damaged = exc
            log.info("%s", exc)
        else:
            log.info("FAISS index %s: building it", exc.kind)
        vi = None
    if vi is not None and vi.meta.model == model and vi.meta.digest == after.digest:
        return "unchanged", vi.kind, None
    exact_max = exact_max_default() if exact_max is None else exact_max
    incremental = (
        vi is not None and vi.meta.model == model and vi.meta.digest == before_digest and removed == 0
        and (vi.kind != "flat" or after.count <= exact_max)
        # an approximate index was trained on older data: rebuild once it has grown by half
        and (vi.kind == "flat" or after.count <= 1.5 * vi.meta.count)
    )
    if incremental:
        new_vecs = vectors.get(touched.tolist(), model)
        pks = np.fromiter(new_vecs.keys(), dtype=np.int64, count=len(new_vecs))
        vi.remove(pks)
        vi.add(pks, np.stack(list(new_vecs.values())) if len(pks) else np.zeros((0, vi.meta.dim), np.float32))
        vi.meta.digest, vi.meta.max_pk = after.digest, max(vi.meta.max_pk, after.max_pk)
        save_index(vi, home.index_dir)
        return "updated", vi.kind, None
    pks, vecs = vectors.load_all(model)
    vi = build_index(pks, vecs, model, digest=after.digest, exact_max=exact_max)
    save_index(vi, home.index_dir)
    if damaged is not None:
        note = rebuilt_message(damaged, vi.ntotal)
        log.info("%s", note)  # said in the result's summary
        return "rebuilt", vi.kind, note
    return "built", vi.kind, None


def rebuild_faiss(db: sqlite_utils.Database, home: Home, exact_max: int | None = None) -> VectorIndex | None:
    """Rebuild the FAISS files from the stored vectors (used by doctor); None when there are no vectors."""
    vectors = VectorStore(db)
    model = vectors.model_in_use()
    if model is None:
        remove_index_files(home.index_dir)
        return None
    fp = vectors.fingerprint(model)
    pks, vecs = vectors.load_all(model)
    remove_index_files(home.index_dir)
    vi = build_index(pks, vecs, model, digest=fp.digest, exact_max=exact_max)
    save_index(vi, home.index_dir)
    return vi
