"""Rising-topic listings kept in SQLite: computed once for each state of the data, read back until it changes.

Computing every trend and month over a large corpus takes tens of seconds (docs/performance.md#rising-topics),
and the app, the digests and `trendscope trends --topics` ask for the same listing again and again between two
`trendscope index` runs. `listed_topics` keeps each listing (one per frequency) with a stamp of everything it is
computed from: the papers (ids, dates, text hashes), the trend tags, the stored vectors, and the code and packaged
model that compute it. A call whose stamp matches reads the kept listing back (for the full corpus about a second,
most of it the stamp); any change (a paper added, redated, re-tagged or re-embedded; a new release) computes it
afresh and replaces it, so what is read back is always what computing it now would give.

`keep_listing` brings the month-by-month and quarterly listings up to date as the last step of `trendscope index`
and of each scheduled cycle, so that the first call after them reads them back too.

The listing holds every period; `since` only filters what is returned. The rows are read and written by
`topic_listing_store.py`.
"""
from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlite_utils

from trendscope.foundation.clock import Clock, utc_now, utc_now_iso
from trendscope.foundation.errors import StorageError
from trendscope.ingest.paper_reads import PaperReads

from .emerging_topics import TopicsResult, emerging_topics
from .topic_listing_store import KeptListing, TopicListingStore
from .topic_phrases import split_acronym
from .trend_store import TrendStore
from .vector_store import VectorStore

log = logging.getLogger(__name__)

# what computes a listing: a change to any of these files computes every kept listing afresh
_CODE = ("emerging_topics.py", "topic_corpus.py", "topic_names.py", "topic_name_model.json", "topic_phrases.py",
         "topic_coherence.py", "topic_store.py", "trends_over_time.py", "rise_statistics.py", "topic_choice.py",
         "topic_papers.py", "query_terms.py")


def code_stamp() -> str:
    h = hashlib.sha1()
    for name in _CODE:
        h.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
    return h.hexdigest()


def data_stamp(db: sqlite_utils.Database) -> str:
    """A digest of everything a listing is computed from: papers, tags, vectors (of the model in use), code."""
    vectors = VectorStore(db).fingerprint()
    parts = [PaperReads(db).fingerprint(), TrendStore(db).tags_fingerprint(),
             f"{vectors.model}:{vectors.count}:{vectors.digest}", code_stamp()]
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def listed_topics(db: sqlite_utils.Database, freq: str = "month", since: str | None = None,
                  recompute: bool = False, clock: Clock = utc_now, progress=None) -> TopicsResult:
    """`emerging_topics(db, freq)` for every trend and period, read back when nothing it depends on has changed
    since it was kept (`recompute` computes it anyway); periods before `since` are left out of what is returned.
    A home that cannot be written (read-only) computes the listing without keeping it."""
    # every frequency is kept, weeks too: a weekly listing of the full corpus took 45 s at every call (a blind
    # walkthrough); kept, it is about 1.5 MB compressed (a month's listing: 0.3 MB)
    try:
        store: TopicListingStore | None = TopicListingStore(db)
    except (StorageError, sqlite3.Error) as exc:  # a read-only home without the table
        log.warning("rising topics will be computed but not kept: %s", exc)
        store = None
    stamp = data_stamp(db) if store is not None else ""  # (nothing to compare with or to keep on a read-only home)
    kept = None if recompute or store is None else store.get(freq)
    if kept is not None and kept.stamp == stamp:
        result = TopicsResult(freq, kept.records, kept.seconds, kept.papers, kept_since=kept.computed_at)
    else:
        result = emerging_topics(db, freq=freq, progress=progress)
        try:
            if store is not None:
                store.put(freq, KeptListing(stamp, result.papers, result.seconds, utc_now_iso(clock()),
                                            result.records))
        except (StorageError, sqlite3.Error) as exc:
            log.warning("rising topics computed but not kept: %s", exc)
    if since:
        result = replace(result, records=[r for r in result.records if r["period"] >= since])
    return result


def listing_version(db: sqlite_utils.Database, freq: str = "month") -> str | None:
    """Changes whenever a listing of `freq` is kept anew (`trendscope index` keeps the month's and quarter's after
    re-tagging): the app's cache key, so that a running server shows what `index` computed (it kept the old topics
    while the CLI showed the new: a blind walkthrough). None on a home that cannot hold listings."""
    try:
        return TopicListingStore(db).version(freq)
    except (StorageError, sqlite3.Error):
        return None


def topic_spellings(db: sqlite_utils.Database, name: str, freq: str = "month") -> tuple[str, list[str]] | None:
    """(the listed name, the other names it is shown with) of the kept listing's topic that `name` is, in any
    case, as its name or one of its "also written" names; None when no kept listing holds it (nothing computed)."""
    try:
        kept = TopicListingStore(db).get(freq)
    except (StorageError, sqlite3.Error):
        return None
    if kept is None:
        return None
    def plain(text: str) -> set[str]:  # "Mixture-of-Experts (MoE)": "mixture of experts moe", "mixture of experts"
        return {" ".join(re.findall(r"[^\W_]+", t)).casefold() for t in (text, split_acronym(text)[0])}

    wanted = plain(name)
    found: dict[str, dict[str, None]] = {}
    for record in kept.records:
        for topic in record.get("details") or []:
            names = [topic.get("name") or "", *(topic.get("also") or [])]
            if any(wanted & plain(n) for n in names):
                found.setdefault(names[0], {}).update(dict.fromkeys(names[1:]))
    if not found:
        return None
    listed = max(found, key=lambda n: (len(found[n]), n))  # the name listed with the most other names
    return listed, [n for n in found[listed] if n != listed]


@dataclass
class ListingUpdate:
    """What `keep_listing` did, as `trendscope index` and the scheduler report it."""

    computed: bool          # computed afresh (the data changed) rather than found current
    papers: int
    seconds: float          # the computation's time (of the kept one when it was current)
    kept_since: str | None  # when the kept listing was computed, if it was current
    also: list[str] = field(default_factory=list)  # the other frequencies computed afresh, with their time

    def __str__(self) -> str:
        s = (f"unchanged since {self.kept_since}" if not self.computed
             else f"computed for {self.papers} papers in {self.seconds:.1f}s and kept")
        return s + (f" ({'; '.join(self.also)})" if self.also else "")


def keep_listing(db: sqlite_utils.Database, freq: str = "month", also: tuple[str, ...] = ("quarter",)) -> ListingUpdate:
    """Bring the kept listing up to date, and those of `also` (the app's quarterly Trends view): each computed only
    when its data changed."""
    out = listed_topics(db, freq=freq)
    done = ListingUpdate(out.kept_since is None, out.papers, round(out.seconds, 1), out.kept_since)
    for other in also:
        more = listed_topics(db, freq=other)
        if more.kept_since is None:
            done.also.append(f"by {other}: computed in {more.seconds:.1f}s")
    return done
