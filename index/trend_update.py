"""Re-tag new or changed papers (and every paper of an edited trend) from stored vectors.

Called by `trendscope index` after embedding. Incremental:
- a paper is tagged for all trends when it is new, its text changed, or it now has a vector it lacked;
- every paper is re-tagged for a trend whose definition (taxonomy hash) or vector model changed;
- tags of trends removed from the taxonomy, and of deleted papers, are deleted;
- a rerun with nothing new does no tagging work.

The fitted model (`tag_model`: the user's `trend_model.npz` in the data home, else the packaged one) serves
every trend whose rules are unchanged since it was fitted: with the paper's vector when the stored vectors come
from the model's embedding model, else by its rules-only formula. Trends the user added or edited use the
taxonomy's rules formula. Re-fitting (`trendscope train-tags`) changes the model's signature and so re-tags.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

import numpy as np

from trendscope.foundation.home import Home
from trendscope.foundation.progress import progress_bar
from trendscope.foundation.wording import count

from .tag_model import TagModel, load_tag_model
from .tagger import Tagger
from .taxonomy import Taxonomy, load_taxonomy
from .trend_store import TrendStore
from .vector_store import VectorStore

log = logging.getLogger(__name__)

BATCH = 1000


@dataclass
class TagUpdateResult:
    tagged: int = 0        # papers (re)tagged
    skipped: int = 0       # papers already up to date
    removed: int = 0       # tag rows deleted (removed trends, deleted papers)
    tags: int = 0          # tag rows written
    trends_changed: list[str] = field(default_factory=list)
    why_changed: dict[str, str] = field(default_factory=dict)  # trend -> why it was re-tagged (RETAG_REASONS)

    def __str__(self) -> str:
        s = f"tagged {count(self.tagged, 'paper')} ({count(self.tags, 'tag')}), {self.skipped:,} up to date"
        if self.removed:
            s += f", {count(self.removed, 'tag')} removed"
        if self.trends_changed and self.tagged:  # an empty home "re-tagged" every trend of 0 papers (a walkthrough)
            # each with why: "re-tagged trends: multimodal, ..." alone read as if the papers had changed (a
            # walkthrough, on a home tagged by an earlier version)
            groups: dict[str, list[str]] = {}
            for t in self.trends_changed:
                groups.setdefault(self.why_changed.get(t, ""), []).append(t)
            s += "; re-tagged trends: " + "; ".join(
                ", ".join(names) + (f" ({RETAG_REASONS[why]})" if why in RETAG_REASONS else "")
                for why, names in groups.items())
        return s


RETAG_REASONS = {
    "new": "new in the taxonomy",
    "definition": "their definition in the taxonomy changed",
    "tagger": "the tagger or its fitted model changed since they were tagged",
}


# bump when the tagger writes a tag's evidence differently: every paper of a fitted trend is tagged again (the
# vector model's vote became the vector's own pull on the logit, then that pull against the average paper outside
# the trend: homes tagged before showed "votes against" beside firm tags until re-tagged)
EVIDENCE_VERSION = "3"


def _sig(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def tag_model_for(taxonomy: Taxonomy, home: Home, model_id: str | None) -> tuple[TagModel | None, bool, dict[str, str]]:
    """(the fitted model, whether its vector weights fit the stored vectors, each trend's model signature).

    The user's model in the data home wins over the packaged one. Vectors of another embedding model leave
    the fitted rules-only formula; trends the model does not cover use the taxonomy's rules formula.
    """
    sigs = {t: "rules" for t in taxonomy.names}
    model = load_tag_model(home.root)
    if model is None:
        return None, False, sigs
    model = model.for_taxonomy(taxonomy.rules_hashes())
    use_vectors = model_id is not None and model.model_id == model_id
    for name in model.weights:
        if name in sigs:
            sigs[name] = _sig(model.trend_signature(name), "vectors" if use_vectors else "rules-only",
                              EVIDENCE_VERSION)
    return model, use_vectors, sigs


def _current_versions(db, home: Home, taxonomy: Taxonomy) -> tuple[dict[str, tuple[str, str]], TagModel | None, bool]:
    """Each trend's (definition hash, model signature) as tags made now would record them; the model; vectors?"""
    model, use_vectors, sigs = tag_model_for(taxonomy, home, VectorStore(db).model_in_use())
    return {t.name: (t.hash, sigs[t.name]) for t in taxonomy.trends}, model, use_vectors


def _combined(current: dict[str, tuple[str, str]]) -> str:
    """The stamp a paper tagged now records: every trend's definition and model signature together."""
    return _sig(*(f"{t}={h}:{m}" for t, (h, m) in sorted(current.items())))


def _why(old: dict, current: dict) -> dict[str, str]:
    """trend -> why its tags are out of date (RETAG_REASONS' keys), for the trends whose tags are."""
    return {t: "new" if t not in old else "definition" if old[t][0] != current[t][0] else "tagger"
            for t in current if old.get(t) != current[t]}


def trends_to_retag(db, home: Home, taxonomy: Taxonomy | None = None) -> dict[str, str]:
    """The trends whose stored tags the next `update_trend_tags` re-tags, each with why (RETAG_REASONS' keys); none
    for a home never tagged. A home tagged by an earlier version was re-tagged at its next scheduled run while
    `status` called it up to date (a blind walkthrough)."""
    old = TrendStore(db).versions()
    if not old:
        return {}
    current, _model, _vectors = _current_versions(db, home, taxonomy or load_taxonomy(home.taxonomy_path))
    return _why(old, current)


def _tag_batch(store: TrendStore, vs: VectorStore, tagger: Tagger, vector_model: TagModel | None,
               model_id: str | None, pks: list[int], trends, combined: str) -> tuple[int, int]:
    """Tag these papers for `trends` and write the tags (corrections by hand win); (papers, tag rows)."""
    rows = store.papers(pks)
    vecs = vs.get([r.pk for r in rows], model_id) if vector_model is not None else {}
    with_vec = [r.pk for r in rows if r.pk in vecs]
    terms = vector_model.vector_terms(np.stack([vecs[pk] for pk in with_vec])) if with_vec else {}
    row_of = {pk: i for i, pk in enumerate(with_vec)}
    results = []
    for r in rows:
        i = row_of.get(r.pk)
        vt = {t: float(v[i]) for t, v in terms.items()} if i is not None else None
        tags = tagger.tag(r.title, r.abstract, None, r.categories, trends=trends, vector_terms=vt)
        results.append((r.pk, r.content_hash, i is not None,
                        [(t.trend, t.score, t.evidence, t.strength) for t in tags]))
    return len(rows), store.write_tags(results, trends, combined)


def retag_papers(db, home: Home, pks: list[int], taxonomy: Taxonomy | None = None) -> int:
    """Tag these papers again for every trend, now (after a correction by hand); returns the tag rows written.
    They are tagged as the next `index` would tag them (the current taxonomy and model), and stamped so; the
    other papers are left to it."""
    store, vs = TrendStore(db), VectorStore(db)
    taxonomy = taxonomy or load_taxonomy(home.taxonomy_path)
    model_id = vs.model_in_use()
    current, model, use_vectors = _current_versions(db, home, taxonomy)
    return _tag_batch(store, vs, Tagger(taxonomy, model), model if use_vectors else None, model_id, list(pks),
                      taxonomy.names, _combined(current))[1]


def update_trend_tags(db, home: Home, progress: bool = True, taxonomy: Taxonomy | None = None) -> TagUpdateResult:
    """Tag papers whose text, vector or taxonomy changed since they were last tagged."""
    result = TagUpdateResult()
    store = TrendStore(db)
    taxonomy = taxonomy or load_taxonomy(home.taxonomy_path)
    vs = VectorStore(db)
    model_id = vs.model_in_use()
    current, model, use_vectors = _current_versions(db, home, taxonomy)
    combined = _combined(current)
    old = store.versions()
    for trend in sorted(set(old) - set(current)):
        result.removed += store.delete_trend(trend)
    changed = [t for t in taxonomy.names if old.get(t) != current[t]]
    result.trends_changed = changed
    result.why_changed = _why(old, current)
    result.removed += store.delete_orphans()

    states = store.tag_states()
    full, partial, stamp_only = [], [], []
    for pk, chash in store.paper_states():
        st = states.get(pk)
        if st is None or st.content_hash != chash:
            full.append(pk)
        elif st.taxonomy_hash != combined:
            (partial if changed else stamp_only).append(pk)
        elif use_vectors and not st.with_vector:
            full.append(pk)  # a vector may have arrived since
        else:
            result.skipped += 1
    todo = [(pks, taxonomy.names) for pks in (full,) if pks] + [(pks, changed) for pks in (partial,) if pks]
    tagger = Tagger(taxonomy, model)
    bar = progress_bar(len(full) + len(partial), "tagging", "paper", enabled=bool(progress and todo))
    for pks, trends in todo:
        for i in range(0, len(pks), BATCH):
            tagged, written = _tag_batch(store, vs, tagger, model if use_vectors else None, model_id,
                                         pks[i : i + BATCH], trends, combined)
            result.tags += written
            result.tagged += tagged
            bar.update(tagged)
    bar.close()
    if stamp_only:
        store.restamp(stamp_only, combined)
        result.skipped += len(stamp_only)
    store.set_versions(current)
    log.info("trend tags: %s", result)
    return result
