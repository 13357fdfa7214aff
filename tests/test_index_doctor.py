"""`trendscope doctor`: finds a missing, corrupt or stale FAISS index (and temp files) and repairs it."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from index_support import make_home, spread

from trendscope.index import doctor
from trendscope.index.faiss_index import INDEX_NAME, index_paths, load_index
from trendscope.index.indexer import rebuild_faiss
from trendscope.index.vector_store import VectorStore
from trendscope.ingest.store import PaperStore
from trendscope.ui.cli import main

MODEL = "test-model"


def put_vectors(db, pks, seed=0):
    rng = np.random.default_rng(seed)
    vecs = rng.normal(size=(len(pks), 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    hashes = dict(db.execute("SELECT pk, content_hash FROM papers").fetchall())
    VectorStore(db).put(MODEL, [(pk, hashes[pk], v) for pk, v in zip(pks, vecs)])


@pytest.fixture
def healthy(tmp_path, sample_rows):
    home, db = make_home(tmp_path / "h", spread(sample_rows, 40))
    pks = [r[0] for r in db.execute("SELECT pk FROM papers ORDER BY pk").fetchall()]
    put_vectors(db, pks[:30])
    rebuild_faiss(db, home)
    assert doctor.check(db, home).status == "ok"
    return home, db, pks


def test_missing_index_is_rebuilt(healthy):
    home, db, _ = healthy
    ipath, _ = index_paths(home.index_dir)
    ipath.unlink()
    rep = doctor.check(db, home)
    assert rep.status == "missing" and not rep.ok
    fixed = doctor.repair(db, home)
    assert fixed.status == "ok" and fixed.repaired and fixed.indexed == 30
    assert load_index(home.index_dir, verify_checksum=True).ntotal == 30


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip", "sidecar"])
def test_corrupt_index_is_rebuilt(healthy, damage):
    home, db, _ = healthy
    ipath, mpath = index_paths(home.index_dir)
    data = bytearray(ipath.read_bytes())
    if damage == "garbage":
        ipath.write_bytes(bytes(len(data)))
    elif damage == "truncate":
        ipath.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "flip":
        data[-20] ^= 0xFF  # same size, readable by FAISS: only the checksum notices
        ipath.write_bytes(bytes(data))
    else:
        mpath.write_text("{not json")
    rep = doctor.check(db, home)
    assert rep.status == "corrupt", rep.problems
    assert doctor.repair(db, home).status == "ok"
    assert doctor.check(db, home).ok


def test_stale_index_is_rebuilt(healthy):
    home, db, pks = healthy
    put_vectors(db, pks[30:], seed=1)  # vectors stored after the index was written
    rep = doctor.check(db, home)
    assert rep.status == "stale" and rep.indexed == 30 and rep.vectors == 40
    fixed = doctor.repair(db, home)
    assert fixed.status == "ok" and fixed.indexed == 40


def test_changed_text_makes_vectors_pending_and_index_stale_after_reembedding(healthy):
    home, db, pks = healthy
    paper = PaperStore(db).get_by_pks([pks[0]])[pks[0]]
    paper.abstract += " Revised."
    paper.version = (paper.version or 1) + 1
    PaperStore(db).upsert([paper])
    rep = doctor.check(db, home)
    assert rep.status == "ok" and rep.not_embedded == 11  # 10 never embedded + the changed one
    put_vectors(db, [pks[0]], seed=2)
    assert doctor.check(db, home).status == "stale"


def test_temp_files_are_removed(healthy):
    home, db, _ = healthy
    leftover = home.index_dir / f".{INDEX_NAME}.tmp-999"
    leftover.write_bytes(b"half written")
    rep = doctor.check(db, home)
    assert not rep.ok and any("temp file" in p for p in rep.problems)
    assert doctor.repair(db, home).ok
    assert not leftover.exists()


def test_the_next_index_run_removes_what_a_killed_one_left_and_a_repair_waits_for_a_running_one(healthy):
    """An operations walkthrough: a temp file left by a killed `index` stayed through later runs (`doctor --check`
    and `status` kept saying "run doctor --repair"); and a repair beside a running `index` could delete the file it
    was writing."""
    from trendscope.index.hash_embedder import HashingEmbedder
    from trendscope.index.index_run import index_lock
    from trendscope.index.indexer import run_index

    home, db, _ = healthy
    leftover = home.index_dir / f".{INDEX_NAME}.tmp-999-abcd"
    leftover.write_bytes(b"half written")
    res = run_index(db, home, embedder=HashingEmbedder(model_id=MODEL, dim=16), progress=False, update_tags=False)
    assert not leftover.exists() and f"removed {leftover.name}, left by an interrupted index write" in res.notes
    assert doctor.check(db, home).ok
    with index_lock(home):
        assert doctor.repair(db, home).ok  # nothing to mend: a monitor's plain `doctor` is not refused (a review)
        leftover.write_bytes(b"being written")  # the running index's own temp file, say: not touched
        rep = doctor.repair(db, home)
        assert leftover.exists() and not rep.ok and not rep.repaired
        said = "done: not repaired: a `trendscope index` run is at work and writes the index when it ends"
        assert said in rep.lines()


def test_cli_check_and_repair(healthy):
    home, db, _ = healthy
    index_paths(home.index_dir)[0].unlink()
    runner = CliRunner()
    out = runner.invoke(main, ["--home", str(home.root), "doctor", "--check"])
    assert out.exit_code == 1 and "status: missing" in out.output
    out = runner.invoke(main, ["--home", str(home.root), "doctor"])
    assert out.exit_code == 0 and "rebuilt the FAISS index (30 vectors" in out.output
    out = runner.invoke(main, ["--home", str(home.root), "doctor", "--check"])
    assert out.exit_code == 0 and "status: ok" in out.output


def test_doctor_checks_the_database_and_says_a_damaged_one_needs_a_backup(healthy, tmp_path):
    """An operations walkthrough damaged a page of the database: `status` and `doctor --check` said ok, and a
    backup's error sent the admin to `doctor`."""
    import shutil
    import sqlite3

    home, db, _ = healthy
    out = CliRunner().invoke(main, ["--home", str(home.root), "doctor", "--check"])
    assert out.exit_code == 0 and "database: ok (SQLite's integrity check)" in out.output, out.output
    copy = tmp_path / "damaged"
    shutil.copytree(home.root, copy)
    with sqlite3.connect(copy / "trendscope.db") as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.execute("PRAGMA journal_mode = DELETE")
        page_size = c.execute("PRAGMA page_size").fetchone()[0]
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = 'papers_fts_data'").fetchone()[0]
    data = bytearray((copy / "trendscope.db").read_bytes())
    start = (root - 1) * page_size  # the keyword index's, which `doctor` does not read: a bad cell count
    data[start + 3:start + 5] = b"\x7f\xff"
    (copy / "trendscope.db").write_bytes(bytes(data))
    out = CliRunner().invoke(main, ["--home", str(copy), "doctor", "--check"])
    assert out.exit_code == 1 and "database: damaged (" in out.output and "restore the latest backup" in out.output
    quick = CliRunner().invoke(main, ["--home", str(copy), "doctor", "--check", "--no-database"])
    assert "database:" not in quick.output


def test_status_names_a_missing_or_damaged_search_index(healthy):
    """A blind walkthrough: with index/papers.faiss deleted, `trendscope status` listed only unrelated items; only
    `doctor --check` and the app's Status page said so."""
    home, db, _ = healthy
    status = CliRunner().invoke(main, ["--home", str(home.root), "status"])
    assert status.exit_code == 0 and "search index" not in status.output
    index_paths(home.index_dir)[0].unlink()
    status = CliRunner().invoke(main, ["--home", str(home.root), "status"])
    assert status.exit_code == 0 and "  - search index: no FAISS index at " in status.output
    assert "run `trendscope doctor --repair`" in status.output
    doctor.repair(db, home)
    assert "search index" not in CliRunner().invoke(main, ["--home", str(home.root), "status"]).output


def test_a_home_without_vectors_says_its_papers_wait_for_index(tmp_path, sample_rows):
    """`doctor --check` on 6,000 papers and no vectors said "status: no-vectors" and nothing about the papers
    (a blind walkthrough): the note that they need `trendscope index` is there too."""
    home, db = make_home(tmp_path / "home", sample_rows[:12])
    rep = doctor.check(db, home)
    assert rep.status == "no-vectors" and rep.ok and rep.not_embedded == 12
    assert "note: 12 papers have no current embedding: run `trendscope index`" in rep.lines()
