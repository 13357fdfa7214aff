"""The app's thin facade over the lower layers: data home, one database connection per script run, cached
resources, and the guard that turns errors into messages.

Streamlit rules followed here:
- A SQLite connection is never shared across sessions or threads: every script run opens its own (`run_scope`,
  `db()`), and it is closed when the run ends.
- Heavy, read-only resources (the embedding model, the FAISS index) are loaded once per process (`resources`),
  from server start by a background warm-up (`warmup`).
- Read-only aggregates are cached with `st.cache_data` and a short TTL, keyed by the data home.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils
import streamlit as st

from trendscope.foundation.actor import Actor
from trendscope.foundation.clock import utc_now
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.ingest.store import PaperStore, open_database
from trendscope.ui.app import resources
from trendscope.ui.app.text import safe_inline

log = logging.getLogger(__name__)

INGEST_HINT = (
    "Import papers with `trendscope ingest --snapshot PATH` (or `make run SNAPSHOT=PATH`), fetch the latest days "
    "with `trendscope ingest --since 3d`, then build the search index with `trendscope index`."
)

_local = threading.local()


def home() -> Home:
    """The data home of this app (`TRENDSCOPE_HOME`, set by `trendscope serve`)."""
    return Home.resolve()


def db() -> sqlite_utils.Database:
    """This script run's database connection (opened on first use, closed by `run_scope`)."""
    h = home()
    conn = getattr(_local, "db", None)
    if conn is None or getattr(_local, "db_path", None) != h.db_path:
        h.ensure()
        conn = open_database(h.db_path)
        _local.db, _local.db_path = conn, h.db_path
    return conn


def run_cache() -> dict:
    """A dict that lives for this script run only (values many widgets of one run share)."""
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    return cache


def actor() -> Actor:
    """Who this script run acts for: set by the sign-in gate of the entry script (`auth_gate`) before any page
    runs. Outside a gated run (a page script run alone) nobody: pages never fall back to the local owner."""
    who = getattr(_local, "actor", None)
    if who is None:
        raise TrendscopeError("not signed in")
    return who


def set_actor(who: Actor | None) -> None:
    _local.actor = who


def close_connection() -> None:
    """Close this run's connection only (it reopens on next use); who the run acts for and its cache stay."""
    conn = getattr(_local, "db", None)
    _local.db = None
    _local.db_path = None
    if conn is not None:
        conn.close()


def close_db() -> None:
    """End of a run: its connection, its cache and who it acted for."""
    close_connection()
    _local.cache = None
    _local.actor = None


@contextlib.contextmanager
def run_scope() -> Iterator[None]:
    """Wrap one script run: it starts with a fresh run cache, and whatever connection it opened is closed at
    the end (also on rerun/stop)."""
    close_db()  # a run interrupted by a rerun request may not have reached its own cleanup
    try:
        yield
    finally:
        close_db()


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Domain errors become `st.error(message)`, escaped (a message may quote what the user typed: an address
    `[x](https://evil.example)@b.org` rendered as a link, a blind walkthrough); anything else a short message
    (traceback in the log only).

    Streamlit's own control flow (rerun, stop, switch_page) derives from BaseException and passes through.
    """
    try:
        yield
    except TrendscopeError as exc:
        st.error(safe_inline(str(exc)))
    except Exception as exc:  # noqa: BLE001 - the app must never show a traceback
        log.exception("page failed")
        st.error(f"Internal error ({exc.__class__.__name__}): {safe_inline(str(exc))}. The server log has the details.")


def papers() -> PaperStore:
    return PaperStore(db())


@st.cache_data(ttl=30, show_spinner=False)
def corpus_summary(home_key: str) -> dict:
    """Counts the app shows in several places (cached briefly; `home_key` keys the cache by data home)."""
    store = papers()
    first, last = store.date_range(utc_now().date())
    return {
        "papers": store.count(),
        "first": first,
        "last": last,
        "categories": store.category_counts(limit=200),
    }


def summary() -> dict:
    return corpus_summary(str(home().root))


def empty_corpus_notice() -> bool:
    """Show how to ingest when there is nothing yet; True when the corpus is empty."""
    if summary()["papers"]:
        return False
    st.info(f"**No papers yet.** The data home `{home().root}` is empty. {INGEST_HINT}", icon=":material/inbox:")
    return True


def embedder(model: str | None = None):
    """The sentence-transformers model, loaded once per server process (see `resources`)."""
    return resources.embedder(model)


# -- trends taxonomy ----------------------------------------------------------------------------------
@st.cache_resource(ttl=300, show_spinner=False)
def _taxonomy(user_path: str, mtime: float):
    from trendscope.index.taxonomy import load_taxonomy

    return load_taxonomy(user_path)


def taxonomy():
    path = home().taxonomy_path
    return _taxonomy(str(path), path.stat().st_mtime if path.exists() else 0.0)


def trend_names() -> list[str]:
    return taxonomy().names


def trend_labels() -> dict[str, str]:
    return {t.name: t.label for t in taxonomy().trends}


# -- reading lists --------------------------------------------------------------------------------------
def reading_lists():
    from trendscope.reading.lists import ReadingLists

    return ReadingLists(db(), user=actor())


# -- search -------------------------------------------------------------------------------------------
def index_stamp(h: Home) -> tuple:
    from trendscope.index.faiss_index import index_paths

    return tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None for p in index_paths(h.index_dir))


def _app_searcher_class():
    from trendscope.index.search import Searcher

    class AppSearcher(Searcher):
        """A Searcher for one script run: its own connection, the process-wide model and FAISS index."""

        def vector_index(self):
            model = self.model()
            if model is None:
                return super().vector_index()  # raises the "run trendscope index" error
            return resources.shared_index(str(self.home.root), index_stamp(self.home), model)

    return AppSearcher


def searcher():
    """A Searcher over this run's connection (no connection outlives the run or crosses sessions)."""
    return _app_searcher_class()(db(), home(), embedder)


def search(params: dict) -> list:
    from trendscope.index.search import SearchRequest

    req = SearchRequest(
        query=params["query"], mode=params["mode"], categories=list(params["categories"]),
        trends=list(params["trends"]), since=params["since"], until=params["until"], sort=params["sort"],
        limit=int(params["limit"]),
    )
    return searcher().search(req)


def did_you_mean(query: str) -> str | None:
    """The query with words (almost) no paper holds corrected (`index.spelling`), or None."""
    return searcher().did_you_mean(query)


def held_nowhere(query: str, fixed: str) -> list[str]:
    """The corrected words of `query` that no stored paper holds (`Searcher.held_nowhere`)."""
    return searcher().held_nowhere(query, fixed)


def known_person(query: str) -> tuple[str, int] | None:
    """(name, papers listing it) when the query is a stored author's name (`index.known_item`), or None."""
    return searcher().known_person(query)


def unknown_person(query: str) -> str | None:
    """The person's name the query seems to be, when no stored paper lists it (`index.known_item`), or None."""
    return searcher().unknown_person(query)


def papers_in_window(params: dict) -> int:
    """Stored papers published in the search's date window."""
    return searcher().papers_in_window(params["since"], params["until"])


def similar(arxiv_id: str, limit: int = 8) -> list:
    return searcher().similar(arxiv_id, limit)


def list_nearest():
    """Neighbours for reading-list recommendations from the shared FAISS index (None: no index file yet, so
    recommendations scan the stored vectors)."""
    from trendscope.index.list_nearest import faiss_nearest

    return faiss_nearest(db(), home(), searcher())


@st.cache_data(ttl=60, show_spinner="Checking the search index…")
def _doctor_report(root: str, stamp: tuple):
    """The search stage's `doctor` check (no checksum: that reads the whole file), cached per index version."""
    from trendscope.index.doctor import check

    conn = open_database(Home(Path(root)).db_path)
    try:
        return check(conn, Home(Path(root)), verify_checksum=False)
    finally:
        conn.close()


def index_health() -> dict:
    """What the Status page shows about embeddings, the FAISS index and the model (from `index.doctor`)."""
    from trendscope.index.faiss_index import IndexFileError, read_meta

    h = home()
    rep = _doctor_report(str(h.root), index_stamp(h))
    out: dict = {"model": rep.model or "—", "papers": papers().count(), "papers embedded": rep.vectors,
                 "waiting to be embedded": rep.not_embedded, "index status": rep.status}
    if rep.indexed is not None:
        out["FAISS index"] = f"{rep.index_kind}, {rep.indexed:,} vectors"
        try:
            meta = read_meta(h.index_dir)
        except IndexFileError:
            meta = None
        if meta is not None:
            if meta.nlist:
                out["FAISS index"] += f", nlist {meta.nlist}, nprobe {meta.nprobe}"
            out["recall@10 at build"] = f"{meta.recall_at_10:.3f}" if meta.recall_at_10 is not None else "exact"
            out["index built"] = time.strftime("%Y-%m-%d %H:%M", time.localtime(meta.built_at))
            out["index file"] = f"{meta.file_size / 1e6:.1f} MB"
    from trendscope.index.trend_store import TrendStore

    tags = TrendStore(db()).tag_counts()
    # one row per trend: in one cell the list was cut off mid-row (a blind walkthrough)
    out.update({f"trend tags: {k}": v for k, v in sorted(tags.items())} or {"trend tags": "none"})
    from trendscope.index.index_run import index_running, running_note

    running = index_running(h)  # while a run is at work, "run index" or "doctor --repair" was wrong advice
    if running:
        out["index run"] = f"at work since {running:%Y-%m-%d %H:%M} UTC"
    if rep.status == "no-vectors":
        out.update(ok=False, problem="No embeddings yet: " + (running_note(running) + "." if running else
                                                               "run `trendscope index`."))
    elif not rep.ok:
        out.update(ok=False, problem="; ".join(rep.problems) + (
            ". The `trendscope index` run at work writes it when it ends" if running else
            ". Run `trendscope doctor --repair`") + " (search meanwhile uses an index built in memory).")
    elif rep.not_embedded:
        out.update(ok=False, problem=f"{rep.not_embedded:,} papers are not embedded yet: " + (
            running_note(running) + "." if running else "run `trendscope index`."))
    else:
        out["ok"] = True
    return out


def fetch_papers(ids: list[str]):
    """Fetch papers by id from the arXiv API into the corpus (the ingest stage's runner: lock, ledger,
    politeness); returns the run record. They are searchable by meaning after the next `trendscope index`."""
    from trendscope.ingest.runner import run_ids

    close_connection()  # the runner opens its own connection; this run reopens after (and still acts for its user:
    # closing everything forgot the signed-in reader, so a failed fetch left "not signed in" on the page)
    try:
        return run_ids(home(), ids)
    finally:
        summary_cache_clear()


@st.cache_data(ttl=3600, max_entries=16, show_spinner="Choosing papers for you…")
def _for_you(root: str, corpus: tuple, taste: str, limit: int, user: str, days: int = 30):
    """Computed once per corpus state and reader taste (the SVM takes about a second on a month of the full
    corpus); any new list item, thumb or mark changes `taste`, so feedback is used at once."""
    from trendscope.foundation.home import DEFAULT_CATEGORIES
    from trendscope.index.vector_store import VectorStore
    from trendscope.reading.lists import ReadingLists

    conn = open_database(Home(Path(root)).db_path)
    try:
        return ReadingLists(conn, user=Actor(user, admin=False)).for_you(VectorStore(conn), limit=limit, days=days,
                                                                         categories=DEFAULT_CATEGORIES)
    finally:
        conn.close()


def for_you(limit: int = 10, days: int = 30):
    """The latest `days` days' papers ranked by what this reader keeps (reading lists, thumbs), with reasons."""
    from trendscope.index.vector_store import VectorStore

    vectors = VectorStore(db())
    corpus = (summary()["papers"], summary()["last"], vectors.model_in_use(), vectors.count())
    me = actor().name
    return _for_you(str(home().root), corpus, reading_lists().store.taste_signature(me), limit, me, days)


def summary_cache_clear() -> None:
    corpus_summary.clear()


# -- status -------------------------------------------------------------------------------------------
@st.cache_data(ttl=30, show_spinner=False)
def _stale(home_key: str, written: tuple[int, ...]) -> tuple[list[str], list[str]]:
    from trendscope.ui.status_report import full_status

    st = full_status(Home(Path(home_key)), search_index=False)  # index_health() says the search index's
    return list(st["stale"]), list(st.get("notes", []))


def stale_items() -> list[str]:
    """What `trendscope status` lists as stale (no recent live ingest, interrupted runs, unindexed papers...),
    computed again as soon as anything writes to the database: the page showed a failed digest send minutes after
    `trendscope status` did (a blind walkthrough)."""
    return _stale(str(home().root), _written(home().db_path))[0]


def status_notes() -> list[str]:
    """What `trendscope status` notes beside the stale items (worth knowing, not a fault)."""
    return _stale(str(home().root), _written(home().db_path))[1]


def _written(db_path: Path) -> tuple[int, ...]:
    """When the database and its write-ahead log last changed (ns), and their sizes: a write changes one of them."""
    out: list[int] = []
    for path in (db_path, db_path.with_name(db_path.name + "-wal")):
        try:
            st_ = path.stat()
        except OSError:
            out += [0, 0]
        else:
            out += [st_.st_mtime_ns, st_.st_size]
    return tuple(out)


def data_age_days(today=None) -> int | None:
    """Days since the newest stored paper was published (None without papers)."""
    from datetime import UTC, date, datetime

    last = summary()["last"]
    if not last:
        return None
    today = today or datetime.now(UTC).date()
    return max(0, (today - date.fromisoformat(last[:10])).days)


def ingest_runs(limit: int = 20) -> list:
    from trendscope.ingest.ledger import LedgerStore

    return LedgerStore(db()).recent(limit)

