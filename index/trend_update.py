"""Re-tag new or changed papers (and every paper of an edited trend) from stored vectors.

Called by `trendscope index` after embedding. Incremental:
- a paper is tagged for all trends when it is new, its text changed, or it now has a vector it lacked;
- every paper is re-tagged for a trend whose definition (taxonomy hash) or vector model changed;
- tags of trends removed from the taxonomy, and of deleted papers, are deleted;
- a rerun with nothing new does no tagging work.

Vector models: the packaged weak-label model (index/trend_model.npz) serves unedited trends when the stored
vectors come from the same embedding model; a trend the user added or whose rules they edited (or any trend
when another embedding model is in use) gets a weak-label model trained on the stored corpus, kept in
`trend_models`. Without stored vectors the rules alone decide.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from trendscope.foundation.home import Home

from .tagger import LinearModel, Tagger
from .taxonomy import Taxonomy, load_taxonomy
from .trend_store import TrendStore
from .weak_model import fit_weak_labels, load_packaged_model, packaged_model_path, weak_labels

log = logging.getLogger(__name__)

BATCH = 1000
TRAIN_MAX_PAPERS = 20000  # weak-label training uses at most this many stored papers (evenly spread by pk)


@dataclass
class TagUpdateResult:
    tagged: int = 0        # papers (re)tagged
    skipped: int = 0       # papers already up to date
    removed: int = 0       # tag rows deleted (removed trends, deleted papers)
    tags: int = 0          # tag rows written
    trends_changed: list[str] = field(default_factory=list)
    models_trained: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        s = f"tagged {self.tagged} papers ({self.tags} tags), {self.skipped} up to date"
        if self.removed:
            s += f", {self.removed} tags removed"
        if self.trends_changed:
            s += f"; re-tagged trends: {', '.join(self.trends_changed)}"
        if self.models_trained:
            s += f"; vector models trained on the corpus: {', '.join(self.models_trained)}"
        return s


def _vector_store(db):
    """The search area's VectorStore, or None when that module or its table is absent."""
    try:
        from .vector_store import VectorStore
    except ImportError:
        return None
    if "embeddings" not in db.table_names():
        return None
    return VectorStore(db)


def _sig(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def _corpus_models(
    store: TrendStore, taxonomy: Taxonomy, vs, model_id: str, trends: Sequence[str]
) -> tuple[dict[str, tuple[np.ndarray, float]], list[str]]:
    """Weak-label models for `trends` trained on (a deterministic spread of) the stored corpus."""
    stored = store.load_models()
    out: dict[str, tuple[np.ndarray, float]] = {}
    need = []
    for name in trends:
        got = stored.get(name)
        if got and got[0] == taxonomy.get(name).rules_hash and got[1] == model_id:
            out[name] = (got[2], got[3])
        else:
            need.append(name)
    if not need:
        return out, []
    pks, vecs = vs.load_all(model_id)
    if len(pks) > TRAIN_MAX_PAPERS:
        keep = np.linspace(0, len(pks) - 1, TRAIN_MAX_PAPERS).astype(int)
        pks, vecs = pks[keep], vecs[keep]
    rows = {r.pk: r for r in store.papers([int(p) for p in pks])}
    order = [i for i, p in enumerate(pks) if int(p) in rows]
    titles = [rows[int(pks[i])].title for i in order]
    abstracts = [rows[int(pks[i])].abstract for i in order]
    vecs = vecs[order]
    labels = weak_labels(Tagger(taxonomy), titles, abstracts)
    trained = []
    for name in need:
        wl = labels[name]
        fitted = fit_weak_labels(wl, vecs)
        if fitted is None:
            log.info("trend %s: %d weak positives in the corpus; rules only", name, len(wl.pos))
            continue
        w, b = fitted
        store.save_model(name, taxonomy.get(name).rules_hash, model_id, w, b, len(wl.pos), len(wl.neg))
        out[name] = (w, b)
        trained.append(name)
    return out, trained


def build_linear_model(
    store: TrendStore, taxonomy: Taxonomy, vs, model_id: str | None
) -> tuple[LinearModel | None, dict[str, str], list[str]]:
    """The vector model to tag with, each trend's model signature, and the trends trained just now."""
    sigs = {t: "rules" for t in taxonomy.names}
    if vs is None or model_id is None:
        return None, sigs, []
    weights, biases = {}, {}
    packaged = load_packaged_model(taxonomy, model_id)
    if packaged is not None:
        digest = hashlib.sha1(packaged_model_path().read_bytes()).hexdigest()
        for name, w in packaged.weights.items():
            weights[name], biases[name] = w, packaged.biases[name]
            sigs[name] = _sig("packaged", model_id, taxonomy.get(name).rules_hash, digest)
    rest = [t for t in taxonomy.names if t not in weights]
    trained: list[str] = []
    if rest:
        corpus, trained = _corpus_models(store, taxonomy, vs, model_id, rest)
        for name, (w, b) in corpus.items():
            weights[name], biases[name] = w, b
            sigs[name] = _sig("corpus", model_id, taxonomy.get(name).rules_hash,
                              hashlib.sha1(w.tobytes()).hexdigest())
    return LinearModel(model_id, weights, biases), sigs, trained


def update_trend_tags(db, home: Home, progress: bool = True, taxonomy: Taxonomy | None = None) -> TagUpdateResult:
    """Tag papers whose text, vector or taxonomy changed since they were last tagged."""
    result = TagUpdateResult()
    store = TrendStore(db)
    taxonomy = taxonomy or load_taxonomy(home.taxonomy_path)
    vs = _vector_store(db)
    model_id = vs.model_in_use() if vs is not None else None
    model, sigs, result.models_trained = build_linear_model(store, taxonomy, vs, model_id)

    current = {t.name: (t.hash, sigs[t.name]) for t in taxonomy.trends}
    combined = _sig(*(f"{t}={h}:{m}" for t, (h, m) in sorted(current.items())))
    old = store.versions()
    for trend in sorted(set(old) - set(current)):
        result.removed += store.delete_trend(trend)
    changed = [t for t in taxonomy.names if old.get(t) != current[t]]
    result.trends_changed = changed
    result.removed += store.delete_orphans()

    states = store.tag_states()
    full, partial, stamp_only = [], [], []
    for pk, chash in store.paper_states():
        st = states.get(pk)
        if st is None or st.content_hash != chash:
            full.append(pk)
        elif st.taxonomy_hash != combined:
            (partial if changed else stamp_only).append(pk)
        elif model is not None and not st.with_vector:
            full.append(pk)  # a vector may have arrived since
        else:
            result.skipped += 1
    todo = [(pks, taxonomy.names) for pks in (full,) if pks] + [(pks, changed) for pks in (partial,) if pks]
    tagger = Tagger(taxonomy, model)
    bar = tqdm(total=len(full) + len(partial), desc="tagging", unit="paper", disable=not progress or not todo)
    for pks, trends in todo:
        for i in range(0, len(pks), BATCH):
            rows = store.papers(pks[i : i + BATCH])
            vecs = vs.get([r.pk for r in rows], model_id) if model is not None else {}
            with_vec = [r.pk for r in rows if r.pk in vecs]
            logits = model.logits(np.stack([vecs[pk] for pk in with_vec])) if with_vec else {}
            row_of = {pk: i for i, pk in enumerate(with_vec)}
            results = []
            for r in rows:
                i = row_of.get(r.pk)
                ml = {t: float(v[i]) for t, v in logits.items()} if i is not None else None
                tags = tagger.tag(r.title, r.abstract, None, r.categories, trends=trends, model_logits=ml)
                results.append((r.pk, r.content_hash, i is not None,
                                [(t.trend, t.score, t.evidence) for t in tags]))
            result.tags += store.write_tags(results, trends, combined)
            result.tagged += len(rows)
            bar.update(len(rows))
    bar.close()
    if stamp_only:
        store.restamp(stamp_only, combined)
        result.skipped += len(stamp_only)
    store.set_versions(current)
    log.info("trend tags: %s", result)
    return result
