"""`trendscope index`: embeds only new or changed papers, refuses to mix models, keeps FAISS in step."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from index_support import CachingEmbedder, make_home, paper_from_row, spread

from trendscope.foundation.errors import TrendscopeError
from trendscope.index.faiss_index import index_paths, load_index
from trendscope.index.indexer import run_index
from trendscope.index.vector_store import VectorStore
from trendscope.ingest.store import PaperStore
from trendscope.ui.cli import main


def no_model(name):
    raise AssertionError(f"the model {name} should not be loaded when nothing needs embedding")


@pytest.fixture
def indexed(tmp_path, sample_rows, embedder):
    rows = spread(sample_rows, 60)
    home, db = make_home(tmp_path / "h", rows)
    emb = CachingEmbedder(embedder)
    res = run_index(db, home, progress=False, embedder=emb)
    return home, db, rows, emb, res


def test_first_run_embeds_everything_and_rerun_does_nothing(indexed):
    home, db, rows, emb, res = indexed
    assert (res.embedded, res.new, res.changed, res.total, res.faiss) == (60, 60, 0, 60, "built")
    # every paper tagged on the first run, a row in paper_trends for each tag written
    assert (res.tags.tagged, res.tags.skipped) == (60, 0)
    assert res.tags.tags == db.execute("SELECT count(*) FROM paper_trends").fetchone()[0] > 0
    ipath, mpath = index_paths(home.index_dir)
    stamp = (ipath.stat().st_mtime_ns, mpath.stat().st_mtime_ns)
    again = run_index(db, home, progress=False, embedder_factory=no_model)
    assert (again.embedded, again.faiss, again.total) == (0, "unchanged", 60)
    assert (again.tags.tagged, again.tags.tags, again.tags.skipped) == (0, 0, 60)
    assert db.execute("SELECT count(*) FROM paper_trends").fetchone()[0] == res.tags.tags
    assert (ipath.stat().st_mtime_ns, mpath.stat().st_mtime_ns) == stamp
    pks, vecs = VectorStore(db).load_all(res.model)
    assert len(pks) == 60 and vecs.shape == (60, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


def test_changed_abstract_reembeds_only_that_paper(indexed, embedder):
    home, db, rows, emb, res = indexed
    row = rows[7]
    store = PaperStore(db)
    pk = store.pk_of(row["id"])
    old = VectorStore(db).get([pk], res.model)[pk]
    new_abstract = "We present a reinforcement learning agent that plays chess and go from self-play."
    store.upsert([paper_from_row(row, abstract=new_abstract, version=(row.get("version") or 1) + 5)])
    before = emb.computed
    again = run_index(db, home, progress=False, embedder=emb)
    assert (again.embedded, again.changed, again.new, again.faiss) == (1, 1, 0, "updated")
    assert emb.computed == before + 1
    new = VectorStore(db).get([pk], res.model)[pk]
    assert float(old @ new) < 0.99
    vi = load_index(home.index_dir, verify_checksum=True)
    assert vi.ntotal == 60
    q = embedder.encode(["reinforcement learning agent playing chess and go by self-play"])
    assert int(vi.search(q, 1)[1][0][0]) == pk


def test_new_paper_is_added_incrementally(indexed, sample_rows):
    home, db, rows, emb, res = indexed
    extra = next(r for r in sample_rows if r["id"] not in {x["id"] for x in rows})
    PaperStore(db).upsert([paper_from_row(extra)])
    again = run_index(db, home, progress=False, embedder=emb)
    assert (again.embedded, again.new, again.total, again.faiss) == (1, 1, 61, "updated")
    assert load_index(home.index_dir).ntotal == 61


def test_other_model_is_refused_with_a_clear_message(indexed, monkeypatch):
    home, db, rows, emb, res = indexed
    with pytest.raises(TrendscopeError, match=r"--rebuild") as e:
        run_index(db, home, model="some/other-model", progress=False, embedder_factory=no_model)
    assert emb.model_id in str(e.value) and "some/other-model" in str(e.value)
    assert VectorStore(db).count() == 60
    assert "drop --model to keep" in str(e.value)
    monkeypatch.setenv("TRENDSCOPE_MODEL", "another-model")
    with pytest.raises(TrendscopeError, match="cannot be mixed") as e:
        run_index(db, home, progress=False, embedder_factory=no_model)
    # the model came from the environment: no --model to drop (a blind walkthrough)
    assert "'another-model' (TRENDSCOPE_MODEL)" in str(e.value) and "unset TRENDSCOPE_MODEL to keep" in str(e.value)
    monkeypatch.delenv("TRENDSCOPE_MODEL")
    out = CliRunner().invoke(main, ["--home", str(home.root), "index", "--model", "some/other-model"])
    assert out.exit_code == 1 and "--rebuild" in out.output and "Traceback" not in out.output


def test_a_rebuild_with_a_model_that_does_not_load_keeps_every_stored_vector(indexed):
    """`index --model <typo> --rebuild` dropped every vector, then failed to load the model (a blind walkthrough:
    the whole embedding store lost to one wrong name)."""
    home, db, rows, emb, res = indexed
    def unloadable(name):
        raise TrendscopeError(f"cannot load embedding model {name!r}")

    with pytest.raises(TrendscopeError, match="cannot load"):
        run_index(db, home, model="nosuch-model-typo", progress=False, rebuild=True, embedder_factory=unloadable)
    assert VectorStore(db).count() == 60 and load_index(home.index_dir).ntotal == 60
    out = CliRunner().invoke(main, ["--home", str(home.root), "index", "--model", "nosuch-model-typo", "--rebuild"])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert VectorStore(db).count() == 60 and load_index(home.index_dir).ntotal == 60


def test_rebuild_reembeds_everything(indexed):
    home, db, rows, emb, res = indexed
    again = run_index(db, home, progress=False, embedder=emb, rebuild=True)
    assert (again.embedded, again.total, again.faiss) == (60, 60, "built")


def test_the_model_in_use_is_the_most_common_one_when_a_crash_left_a_mix(tmp_path, sample_rows):
    _home, db = make_home(tmp_path / "home", sample_rows[:6])
    vs = VectorStore(db)
    assert vs.model_in_use() is None
    pks = [pk for (pk,) in db.execute("SELECT pk FROM papers ORDER BY pk")]
    vec = np.ones(4, dtype=np.float32) / 2
    vs.put("b-model", [(pk, "h", vec) for pk in pks[:2]])
    assert vs.model_in_use() == "b-model"
    vs.put("a-model", [(pk, "h", vec) for pk in pks[2:5]])  # three vectors against two
    assert vs.model_in_use() == "a-model"
    vs.put("c-model", [(pk, "h", vec) for pk in pks[5:]])
    assert vs.model_in_use() == "a-model"


def test_index_says_it_loads_the_model_before_counting(tmp_path, sample_rows, monkeypatch, capsys):
    """A blind walkthrough: `index` sat at "embedding: 0/6,000 papers (0%)" for 40 s while the model loaded."""
    from trendscope.index.hash_embedder import HashingEmbedder

    rows = spread(sample_rows, 20)
    home, db = make_home(tmp_path / "h", rows)
    loaded = []

    def load(name):  # a model that needs loading (any name but the test embedder's hash-N)
        loaded.append(name)
        return HashingEmbedder(model_id=name)

    run_index(db, home, model="some-model", progress=True, embedder_factory=load)
    err = capsys.readouterr().err
    assert loaded == ["some-model"] and err.startswith("loading the embedding model some-model (up to a minute)...\n")
    run_index(db, home, model="some-model", progress=True, embedder_factory=load)  # nothing to embed: no model
    assert loaded == ["some-model"] and "loading the embedding model" not in capsys.readouterr().err
