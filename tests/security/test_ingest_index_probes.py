"""Audit probes of the ingest and index stages: hostile snapshot lines, a FAISS file corrupted in place,
bad taxonomy files, read-only and full data homes, a crashing scheduler step, and a fresh home opened by
several processes at once. Each test failed on the code the audit found.
"""
from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from index_support import make_home, paper_from_row, spread

from trendscope.foundation.db import connect
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.index import faiss_index
from trendscope.index.faiss_index import index_paths, load_index
from trendscope.index.hash_embedder import HashingEmbedder
from trendscope.index.indexer import run_index
from trendscope.index.search import Searcher, SearchRequest
from trendscope.index.taxonomy import load_taxonomy
from trendscope.ingest import snapshot as snapshot_mod
from trendscope.ingest.records import Paper, content_hash
from trendscope.ingest.snapshot import import_snapshot
from trendscope.ingest.store import PaperStore, open_database
from trendscope.schema import open_home_database, stage_migrations
from trendscope.ui import scheduler
from trendscope.ui.cli import main
from trendscope.ui.scheduler import WEEKDAYS, ScheduleConfig, run_cycle

# characters that must never be stored: they break UTF-8 encoding (lone surrogates) or XML/Atom exports
# (C0 controls other than tab/newline/CR, DEL and C1 controls, U+FFFE/U+FFFF)
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def hashing(_model=None):
    return HashingEmbedder()


def stored_texts(db) -> list[str]:
    out = []
    for row in db.query("SELECT title, abstract, authors, comment, journal_ref, doi FROM papers"):
        out += [v for v in row.values() if v]
    return out


# ---------------------------------------------------------------------------------------------------------
# 5. snapshot import: a bad byte or a lone surrogate must never take good lines with it


def snapshot_bytes(rows: list[dict], bad_byte_at: int, surrogate_at: int, nested_at: int) -> tuple[bytes, dict]:
    """JSON lines of `rows` with three hostile lines inserted at the given 1-based line numbers:
    a line with a byte that is not UTF-8, a line whose title holds a lone surrogate and control characters
    (a good paper once cleaned), and a line nested too deeply for the JSON parser."""
    lines = [json.dumps(r).encode() for r in rows]
    broken = dict(rows[0], id="2401.99001", title="Broken \xe9ncoding")
    bad_line = json.dumps(broken, ensure_ascii=False).encode("utf-8").replace("\xe9".encode(), b"\xe9")  # latin-1
    surrogate = dict(rows[1], id="2401.99002", title="Lone \ud800 surrogate\x00 and\x07 bell",
                     abstract=rows[1]["abstract"] + " \x1b[31m", authors=["A. Nul\x00l", "B. \udfff"],
                     comment="ok\x0c")
    sur_line = json.dumps(surrogate).encode()  # ensure_ascii: the surrogate travels as the escape "\ud800"
    assert b"\\ud800" in sur_line
    inserts = {bad_byte_at: bad_line, surrogate_at: sur_line, nested_at: b"[" * 200_000}
    for line_no in sorted(inserts):
        lines.insert(line_no - 1, inserts[line_no])
    return b"\n".join(lines) + b"\n", surrogate


@pytest.mark.slow  # ~3 s each: the full tier
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_snapshot_bad_byte_and_surrogate_lose_no_good_line(tmp_path, sample_rows, gz):
    rows = sample_rows  # all 6,000: the bad byte sits in the middle, as in the audit
    data, surrogate = snapshot_bytes(rows, bad_byte_at=3000, surrogate_at=3002, nested_at=4500)
    path = tmp_path / ("s.jsonl.gz" if gz else "s.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    db = open_database(tmp_path / "db.sqlite")
    res = import_snapshot(db, path, batch_size=500)
    assert [(b.line_no, b.reason.split(" (")[0]) for b in res.bad_lines] == [
        (3000, "not UTF-8"), (4500, "invalid JSON")]
    assert res.bad_count == 2 and res.lines == len(rows) + 3
    store = PaperStore(db)
    assert store.count() == len(rows) + 1  # every good line, plus the cleaned surrogate line
    assert res.run.new == len(rows) + 1 and res.run.outcome == "partial"
    got = store.get("2401.99002")
    assert got.title == "Lone \ufffd surrogate and bell"
    assert got.authors == ["A. Null", "B. \ufffd"] and got.comment == "ok"
    assert not any(UNSAFE.search(t) for t in stored_texts(db))
    assert store.fts_integrity_ok()
    assert any(m.startswith("line 3000: not UTF-8") for m in json.loads(
        db.execute("SELECT error_messages FROM ingest_runs WHERE run_id = ?", [res.run.run_id]).fetchone()[0]))


def test_cli_snapshot_reports_bad_lines_with_true_numbers(home, tmp_path, sample_rows):
    """The CLI keeps its contract for bad lines (exit status 3, a count and one line per bad line); with the true
    number."""
    rows = sample_rows[:200]
    data, _ = snapshot_bytes(rows, bad_byte_at=120, surrogate_at=7, nested_at=150)
    path = tmp_path / "s.jsonl.gz"
    path.write_bytes(gzip.compress(data))
    res = CliRunner().invoke(main, ["--home", str(home), "ingest", "--snapshot", str(path)])
    assert res.exit_code == 3, res.output
    assert "Traceback" not in res.output
    assert f"{len(rows) + 3} lines, {len(rows) + 1} new" in res.output and "2 bad lines skipped" in res.output
    assert "line 120: not UTF-8" in res.output and "line 150: invalid JSON" in res.output
    # a forced rescan of the same file stores nothing new and reports its bad lines again
    again = CliRunner().invoke(main, ["--home", str(home), "ingest", "--snapshot", str(path), "--force"])
    assert again.exit_code == 3 and "0 new" in again.output and "2 bad lines skipped" in again.output
    # a plain rerun does nothing and fails nothing
    assert CliRunner().invoke(main, ["--home", str(home), "ingest", "--snapshot", str(path)]).exit_code == 0


def test_overlong_line_is_one_bad_line(tmp_path, sample_rows, monkeypatch):
    monkeypatch.setattr(snapshot_mod, "MAX_LINE_BYTES", 20_000)
    rows = sample_rows[:30]
    lines = [json.dumps(r).encode() for r in rows]
    lines.insert(9, json.dumps(dict(rows[0], id="2401.99003", abstract="x " * 30_000)).encode())
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    db = open_database(tmp_path / "db.sqlite")
    res = import_snapshot(db, path)
    assert [(b.line_no, b.reason.split(" (")[0]) for b in res.bad_lines] == [(10, "line too long")]
    assert PaperStore(db).count() == 30


def test_text_is_cleaned_where_it_enters():
    from trendscope.foundation.text import clean_text

    assert clean_text("a\x00b\ud800c\x7fd\x85e\ufffff\tg\nh") == "ab\ufffdcdef\tg\nh"
    p = Paper(id="2401.00001", title="T\ud83d", abstract="A\x00", authors=["X\x01"], comment="\x0b")
    assert (p.title, p.abstract, p.authors, p.comment) == ("T\ufffd", "A", ["X"], "")
    assert content_hash("T\ud800", "a")  # never raises, whatever reaches it
    clean = "Attention Is All You Need"
    assert Paper(id="1706.03762", title=clean, abstract="x").content_hash == content_hash(clean, "x")
    # bidirectional overrides made a title read reversed in the app and reached terminals raw; a zero-width space
    # hid a word from search (a blind walkthrough). Dashes, quotes and the direction marks of names are kept.
    odd = Paper(id="2401.00002", title="A \u202eLTR\u202c title \u2013 \u201cLL\u200bM\u201d \u2066x\u2069\ufeff",
                abstract="\u2060ok", authors=["\u202eAda\u202c Lovelace", "Dana\u200f Levi"])
    assert (odd.title, odd.abstract, odd.authors) == ("A LTR title \u2013 \u201cLLM\u201d x", "ok",
                                                      ["Ada Lovelace", "Dana\u200f Levi"])


def test_a_snapshot_title_with_a_bidi_override_is_stored_plain(tmp_path, sample_rows):
    row = dict(sample_rows[0], title="Sim-to-real \u202eLTR\u202c transfer")
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    db = open_database(tmp_path / "db.sqlite")
    assert not import_snapshot(db, path).bad_lines
    assert PaperStore(db).get(row["id"]).title == "Sim-to-real LTR transfer"


# ---------------------------------------------------------------------------------------------------------
# 6. a FAISS file corrupted in place is detected by its checksum and rebuilt from the stored vectors


@pytest.fixture
def indexed_home(tmp_path, sample_rows):
    rows = spread(sample_rows, 150)
    home, db = make_home(tmp_path / "h", rows)
    res = run_index(db, home, progress=False, embedder=HashingEmbedder(), update_tags=False)
    assert res.faiss == "built" and res.total == len(rows)
    yield home, db, rows
    db.close()


def corrupt_in_place(path: Path, seed: int = 0) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 4096] = np.random.default_rng(seed).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))


def results(searcher: Searcher, rows) -> list:
    sim = [(h.id, h.score) for h in searcher.similar(rows[10]["id"], 10)]
    sem = [(h.id, h.score) for h in searcher.search(SearchRequest(query="neural machine translation",
                                                                  mode="semantic", limit=10))]
    return [sim, sem]


def test_corrupted_faiss_file_is_rebuilt_on_load(indexed_home, caplog):
    home, db, rows = indexed_home
    before = results(Searcher(db, home, hashing), rows)
    ipath, _ = index_paths(home.index_dir)
    size = ipath.stat().st_size
    corrupt_in_place(ipath)
    assert ipath.stat().st_size == size
    caplog.set_level(logging.WARNING)
    after = results(Searcher(db, home, hashing), rows)
    assert after == before
    assert all(abs(s) <= 1.0001 for part in after for _, s in part)
    assert f"FAISS index failed its checksum; rebuilt from {len(rows)} stored vectors" in caplog.text
    # the file itself was rebuilt: it passes its checksum again and `index` has nothing to do
    assert load_index(home.index_dir, verify_checksum=True).ntotal == len(rows)
    assert run_index(db, home, progress=False, embedder=HashingEmbedder(), update_tags=False).faiss == "unchanged"


def test_index_does_not_call_a_corrupted_faiss_file_unchanged(indexed_home):
    home, db, rows = indexed_home
    before = results(Searcher(db, home, hashing), rows)
    ipath, _ = index_paths(home.index_dir)
    corrupt_in_place(ipath, seed=1)
    res = run_index(db, home, progress=False, embedder=HashingEmbedder(), update_tags=False)
    assert res.faiss == "rebuilt"
    assert f"FAISS index failed its checksum; rebuilt from {len(rows)} stored vectors" in res.summary()
    assert load_index(home.index_dir, verify_checksum=True).ntotal == len(rows)
    assert results(Searcher(db, home, hashing), rows) == before


def test_long_lived_searcher_notices_corruption_and_a_read_only_index_dir_still_searches(indexed_home,
                                                                                       monkeypatch):
    home, db, rows = indexed_home
    searcher = Searcher(db, home, hashing)
    before = results(searcher, rows)
    ipath, _ = index_paths(home.index_dir)
    corrupt_in_place(ipath, seed=2)

    def cannot_write(*_a, **_k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(faiss_index, "atomic_write", cannot_write)
    assert results(searcher, rows) == before  # rebuilt in memory; the file could not be replaced
    monkeypatch.undo()
    with pytest.raises(faiss_index.IndexFileError):
        load_index(home.index_dir)



# ---------------------------------------------------------------------------------------------------------
# 7. taxonomy files: field-level one-line errors, never a traceback or a silent misreading


@pytest.mark.parametrize("text, needle", [
    ('[trends.privacy]\nthreshold = "high"\n',
     "trends.privacy: threshold must be a number between 0 and 1, got 'high'"),
    ("[trends.privacy]\nthreshold = true\n", "trends.privacy: threshold must be a number between 0 and 1, got true"),
    ('[scoring]\ntitle_factor = "x"\n', "scoring: title_factor must be a number, got 'x'"),
    ("[trends.privacy]\npassing = [5]\n", "trends.privacy: passing[0] must be a string (a regular expression), got 5"),
    ('[trends.privacy]\nadd_include = "privacy"\n',
     "trends.privacy: add_include must be a list of patterns, got the string 'privacy'"),
    ('[trends.privacy]\nprototypes = "one sentence"\n', "trends.privacy: prototypes must be a list of strings"),
    ("[trends.privacy]\ncategories = [1]\n", "trends.privacy: categories[0] must be a string, got 1"),
    ('[trends.privacy]\ninclude = [{ pattern = "x", weight = "heavy" }]\n',
     "trends.privacy: include[0].weight must be a number, got 'heavy'"),
    ("[trends.privacy]\ninclude = [{ pattern = 5 }]\n", "trends.privacy: include[0].pattern must be a string"),
    ('[trends.privacy]\nenabled = "no"\n', "trends.privacy: enabled must be true or false, got 'no'"),
    ('[trends.privacy]\nlabel = 3\n', "trends.privacy: label must be a non-empty string, got 3"),
    ('[scoring]\ncontribution_cues = 3\n', "scoring: contribution_cues must be a string"),
    ('[scoring]\ntitle_factr = 2.0\n', "scoring: unknown field(s) title_factr"),
    ('[trend.privacy]\nthreshold = 0.4\n', "unknown table(s) or key(s) trend"),
    ('trends = 3\n', "'trends' must be a table"),
])
def test_bad_taxonomy_fields_are_named(tmp_path, text, needle):
    user = tmp_path / "taxonomy.toml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(TrendscopeError) as err:
        load_taxonomy(user)
    assert str(err.value).startswith(f"{user}: {needle}")


def test_taxonomy_that_is_not_utf8_is_one_line(tmp_path):
    user = tmp_path / "taxonomy.toml"
    user.write_bytes(b'[trends.privacy]\nlabel = "Priv\xe9e"\n')
    with pytest.raises(TrendscopeError, match=re.escape(f"{user}: not UTF-8 text")):
        load_taxonomy(user)


def test_taxonomy_lists_still_append(tmp_path):
    user = tmp_path / "taxonomy.toml"
    user.write_text('[trends.privacy]\nadd_include = ["homomorphic", { pattern = "secure aggregation", '
                    'weight = 2 }]\nadd_passing = ["as an example"]\n', encoding="utf-8")
    t = load_taxonomy(user).get("privacy")
    assert [p.pattern for p in t.include[-2:]] == ["homomorphic", "secure aggregation"]
    assert t.include[-1].weight == 2.0 and t.passing[-1].pattern == "as an example"


def test_cli_bad_taxonomy_is_one_error_line(home, tmp_path):
    (home / "taxonomy.toml").write_text('[trends.privacy]\nthreshold = "high"\n', encoding="utf-8")
    papers = tmp_path / "p.jsonl"
    papers.write_text(json.dumps({"id": "2401.00001", "title": "Federated learning", "abstract": "x"}) + "\n")
    res = CliRunner().invoke(main, ["--home", str(home), "tag", "--input", str(papers), "--no-vectors"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert res.output.strip().splitlines() == [
        f"Error: {home / 'taxonomy.toml'}: trends.privacy: threshold must be a number between 0 and 1, got 'high'"]


# ---------------------------------------------------------------------------------------------------------
# 7. read-only and full data homes: one line naming the path, never a traceback


@pytest.fixture
def full_home(tmp_path, sample_rows):
    """A home with a complete schema, 60 indexed papers, closed (so its WAL is checkpointed)."""
    h = Home(tmp_path / "ro").ensure()
    db = open_home_database(h)
    PaperStore(db).upsert([paper_from_row(r) for r in spread(sample_rows, 60)])
    run_index(db, h, progress=False, embedder=HashingEmbedder(), update_tags=False)
    db.close()
    return h


def reopen_as(monkeypatch, db_path: Path, how: str) -> None:
    """Every later connection to `db_path` is opened read-only (`mode=ro`), immutable, with `query_only`, or
    with `max_page_count` at its current size (every write that needs a new page fails: a full disk)."""
    real = sqlite3.connect

    def fake(target, *args, **kwargs):
        if str(target) != str(db_path):
            return real(target, *args, **kwargs)
        if how in ("ro", "immutable"):
            flag = "mode=ro" if how == "ro" else "immutable=1"
            return real(f"file:{db_path}?{flag}", *args, **dict(kwargs, uri=True))
        conn = real(target, *args, **kwargs)
        if how == "query_only":
            conn.execute("PRAGMA query_only = ON")
        else:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", fake)


def one_error_line(res, *needles: str) -> str:
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and not isinstance(res.exception, sqlite3.Error), res.exception
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("how", ["ro", "immutable", "query_only"])
def test_read_only_home_reads_work_and_writes_are_one_line(full_home, monkeypatch, how):
    reopen_as(monkeypatch, full_home.db_path, how)
    runner = CliRunner()
    root = str(full_home.root)
    st = runner.invoke(main, ["--home", root, "status", "--json"])
    assert st.exit_code == 0, st.output
    assert json.loads(st.output)["papers"] == 60
    hits = runner.invoke(main, ["--home", root, "search", "learning", "--mode", "keyword"])
    assert hits.exit_code == 0 and "Traceback" not in hits.output and " 1. " in hits.output
    one_error_line(runner.invoke(main, ["--home", root, "index"]), str(full_home.db_path), "read-only")


def test_read_only_home_that_needs_its_schema_is_one_line(tmp_path, monkeypatch):
    h = Home(tmp_path / "fresh").ensure()
    connect(h.db_path).close()  # an empty database: every command must create its tables first
    reopen_as(monkeypatch, h.db_path, "ro")
    runner = CliRunner()
    for args in (["status"], ["search", "learning"]):
        one_error_line(runner.invoke(main, ["--home", str(h.root), *args]), str(h.db_path), "read-only")


def test_full_disk_is_one_line(full_home, tmp_path, monkeypatch, sample_rows):
    snap = tmp_path / "s.jsonl"
    snap.write_text("".join(json.dumps(r) + "\n" for r in sample_rows[:3000]))
    reopen_as(monkeypatch, full_home.db_path, "full")
    runner = CliRunner()
    root = str(full_home.root)
    assert runner.invoke(main, ["--home", root, "status"]).exit_code == 0  # reading needs no space
    one_error_line(runner.invoke(main, ["--home", root, "ingest", "--snapshot", str(snap)]),
                   str(full_home.db_path), "disk is full")
    monkeypatch.undo()
    db = open_database(full_home.db_path)
    assert PaperStore(db).count() == 60  # nothing half-written
    PaperStore(db).upsert([paper_from_row(r) for r in sample_rows[:100]])
    db.close()
    reopen_as(monkeypatch, full_home.db_path, "full")
    one_error_line(runner.invoke(main, ["--home", root, "index"]), str(full_home.db_path), "disk is full")


def test_faiss_write_failure_is_one_line(full_home, sample_rows, monkeypatch):
    db = open_database(full_home.db_path)
    PaperStore(db).upsert([paper_from_row(r) for r in sample_rows[:5]])

    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(faiss_index, "atomic_write", no_space)
    with pytest.raises(TrendscopeError, match="cannot write the FAISS index .*papers.faiss.*No space left"):
        run_index(db, full_home, progress=False, embedder=HashingEmbedder(), update_tags=False)
    db.close()


def _drop_root_file_powers() -> None:  # pragma: no cover - runs in the child before exec
    """As root: drop CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER from the bounding set, so the program
    exec'd next obeys file permissions like any user (root cannot be stopped by chmod otherwise)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            os._exit(97)


def run_without_write_permission(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TRENDSCOPE_MODEL="hash-384")
    env.pop("TRENDSCOPE_HOME", None)
    cmd = [sys.executable, "-m", "trendscope", "--home", str(home), *args]
    pre = _drop_root_file_powers if os.geteuid() == 0 else None
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, preexec_fn=pre)
    if out.returncode == 97:
        pytest.skip("cannot drop root's file capabilities here")
    return out


@pytest.mark.slow  # subprocesses without root's capabilities
def test_really_read_only_home(full_home, tmp_path):
    """A home whose files and folders are not writable (chmod; as root, the CLI runs without the capabilities
    that let root ignore file permissions)."""
    root = tmp_path / "readonly-home"
    shutil.copytree(full_home.root, root)
    paths = [root, *root.rglob("*")]
    try:
        for p in paths:
            os.chmod(p, 0o555 if p.is_dir() else 0o444)
        st = run_without_write_permission(root, "status", "--json")
        assert st.returncode == 0 and "Traceback" not in st.stderr, st.stderr
        assert json.loads(st.stdout)["papers"] == 60
        hits = run_without_write_permission(root, "search", "learning")
        assert hits.returncode == 0 and "Traceback" not in hits.stderr, hits.stderr
        assert " 1. " in hits.stdout
        idx = run_without_write_permission(root, "index")
        assert idx.returncode == 1 and "Traceback" not in idx.stderr, idx.stderr
        assert idx.stderr.strip().splitlines() == [idx.stderr.strip()] and idx.stderr.startswith("Error: ")
        assert str(root) in idx.stderr
        sub = run_without_write_permission(root / "sub", "status")  # cannot even create the home
        assert sub.returncode == 1 and "Traceback" not in sub.stderr, sub.stderr
        assert sub.stderr.startswith("Error: ") and str(root / "sub") in sub.stderr
    finally:
        for p in paths:
            os.chmod(p, 0o755 if p.is_dir() else 0o644)


# ---------------------------------------------------------------------------------------------------------
# 8. a crashing scheduler step does not stop the cycle


def test_cycle_survives_an_unexpected_exception(tmp_path, monkeypatch):
    home = Home(tmp_path / "home").ensure()
    calls = []

    def fake_ingest(_home, _cfg, res):
        calls.append("ingest")
        res.say("ingest: arxiv-api: ok, 3 new")

    def broken_index():
        calls.append("index")
        raise RuntimeError("faiss exploded")

    import trendscope.digest.weekly as weekly

    monkeypatch.setattr(scheduler, "_ingest_step", fake_ingest)
    monkeypatch.setattr(weekly, "run_weekly", lambda *_a, **_k: calls.append("digest") or "2 digests sent")
    res = run_cycle(home, ScheduleConfig(), digest=True, steps={"index": broken_index})
    assert calls == ["ingest", "index", "digest"]
    assert res.ran and res.failed == ["index: unexpected RuntimeError: faiss exploded"]
    assert [line.split(" in ")[0] for line in res.lines] == [  # the topics step still ran after the crash
        "ingest: arxiv-api: ok, 3 new", "index failed unexpectedly: RuntimeError: faiss exploded",
        "topics: computed for 0 papers", "digest: 2 digests sent"]


def test_schedule_once_prints_each_step_and_fails_with_one_line(home, monkeypatch):
    import trendscope.digest.weekly as weekly
    import trendscope.index.indexer as indexer

    monkeypatch.setattr(scheduler, "_ingest_step", lambda _h, _c, res: res.say("ingest: arxiv-api: ok, 3 new"))

    def broken(*_a, **_k):
        raise RuntimeError("faiss exploded")

    digests = []
    monkeypatch.setattr(indexer, "run_index", broken)
    monkeypatch.setattr(weekly, "run_weekly", lambda *_a, **_k: digests.append(1) or "2 digests sent")
    today = WEEKDAYS[datetime.now(UTC).weekday()]
    res = CliRunner().invoke(main, ["--home", str(home), "schedule", "--once", "--digest-day", today])
    assert res.exit_code == 1 and "Traceback" not in res.output
    lines = res.output.strip().splitlines()
    assert re.fullmatch(r"scheduled cycle at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines[0])  # when (a walkthrough)
    assert lines[1] == "ingest: arxiv-api: ok, 3 new"
    assert "index failed unexpectedly: RuntimeError: faiss exploded" in lines
    assert "digest: 2 digests sent" in lines and digests == [1]
    assert lines[-1].startswith("Error: scheduled cycle had failures: index: unexpected RuntimeError")


# ---------------------------------------------------------------------------------------------------------
# 9. four processes opening one fresh home at once


@pytest.mark.slow
def test_fresh_home_opened_by_four_processes_at_once(tmp_path):
    env = dict(os.environ, TRENDSCOPE_MODEL="hash-384")
    env.pop("TRENDSCOPE_HOME", None)
    expected = {m.name: {x.name for x in m._migrations} for m in stage_migrations()}
    for trial in range(5):
        home = tmp_path / f"h{trial}"
        procs = [subprocess.Popen([sys.executable, "-m", "trendscope", "--home", str(home), "status", "--json"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        for rc, out, err in outs:
            assert rc == 0, f"trial {trial}: {err}"
            assert json.loads(out)["papers"] == 0
        db = sqlite3.connect(home / "trendscope.db")
        applied: dict[str, set] = {}
        for stage, name in db.execute("SELECT migration_set, name FROM _sqlite_migrations"):
            applied.setdefault(stage, set()).add(name)
        count = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
        db.close()
        assert applied == expected and count == sum(len(v) for v in expected.values())
