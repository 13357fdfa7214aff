"""SQL for trend tags: `paper_trends` (the contract other areas read), tagging state, per-trend versions,
vector models trained on the user's corpus, and the reads that trends-over-time needs.

Tables (migration set "trendscope.trends"):
- paper_trends(pk, trend, score, evidence JSON list, PRIMARY KEY(trend, pk)): only papers that HAVE the tag.
- trend_tag_state(pk PRIMARY KEY, content_hash, taxonomy_hash, with_vector): what each paper was tagged from.
- trend_versions(trend PRIMARY KEY, taxonomy_hash, model_sig): the definition each trend's tags come from.
- trend_models(trend PRIMARY KEY, rules_hash, model_id, weights BLOB float32, bias, positives, negatives).
- tag_corrections(pk, trend, present, by, at, PRIMARY KEY(pk, trend)): a tag set or taken away by hand; it wins
  over the tagger every time the paper is tagged (`write_tags`).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, placeholders, select_in
from trendscope.foundation.hashing import rows_digest
from trendscope.foundation.wording import HAND_PREFIX
from trendscope.ingest.paper_reads import PaperFilter, PaperReads

migrations = Migrations("trendscope.trends")


@migrations()
def m001_paper_trends(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS paper_trends (
            pk INTEGER NOT NULL,
            trend TEXT NOT NULL,
            score REAL NOT NULL,
            evidence TEXT NOT NULL DEFAULT '[]',  -- JSON list of strings
            PRIMARY KEY (trend, pk)
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_paper_trends_pk ON paper_trends(pk)")
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS trend_tag_state (
            pk INTEGER PRIMARY KEY,
            content_hash TEXT NOT NULL,
            taxonomy_hash TEXT NOT NULL,
            with_vector INTEGER NOT NULL DEFAULT 0,
            tagged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        )
        """
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS trend_versions (trend TEXT PRIMARY KEY, taxonomy_hash TEXT NOT NULL, "
        "model_sig TEXT NOT NULL DEFAULT '')"
    )
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS trend_models (
            trend TEXT PRIMARY KEY,
            rules_hash TEXT NOT NULL,
            model_id TEXT NOT NULL,
            weights BLOB NOT NULL,
            bias REAL NOT NULL,
            positives INTEGER NOT NULL,
            negatives INTEGER NOT NULL
        )
        """
    )


STRENGTH_PREFIX = "strength: "  # how tags written before m002 kept their strength: inside the evidence list


@migrations()
def m002_tag_strength_column(db: sqlite_utils.Database) -> None:
    """Tag strength (the tagger's logit) becomes a column; older rows had it as a `strength: +x` evidence item."""
    db.execute("ALTER TABLE paper_trends ADD COLUMN strength REAL")
    updates = []
    for pk, trend, evidence in db.execute("SELECT pk, trend, evidence FROM paper_trends "
                                          "WHERE evidence LIKE '%strength: %'").fetchall():
        try:
            items = json.loads(evidence)
        except ValueError:
            continue
        strength = None
        for item in items:
            if isinstance(item, str) and item.startswith(STRENGTH_PREFIX):
                try:
                    strength = float(item[len(STRENGTH_PREFIX):])
                except ValueError:
                    pass
        kept = [x for x in items if not (isinstance(x, str) and x.startswith(STRENGTH_PREFIX))]
        updates.append((strength, json.dumps(kept, ensure_ascii=False), pk, trend))
    db.conn.executemany("UPDATE paper_trends SET strength = ?, evidence = ? WHERE pk = ? AND trend = ?", updates)


@migrations()
def m003_tag_corrections(db: sqlite_utils.Database) -> None:
    """Tags corrected by hand (a reader found a privacy paper untagged and no way to mend it)."""
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS tag_corrections (
            pk INTEGER NOT NULL,
            trend TEXT NOT NULL,
            present INTEGER NOT NULL,  -- 1: the paper has the tag; 0: it does not
            by TEXT NOT NULL,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            PRIMARY KEY (pk, trend)
        )
        """
    )


HAND_SCORE = 1.0  # a tag set by hand ranks as the surest of the trend's papers


def hand_evidence(by: str, at: str) -> str:
    """The evidence item of a tag set by hand."""
    return f"{HAND_PREFIX}{by} on {at[:10]}"


@dataclass(frozen=True)
class TagCorrection:
    pk: int
    trend: str
    present: bool
    by: str
    at: str


@dataclass
class PaperRow:
    pk: int
    title: str
    abstract: str
    categories: list[str]
    content_hash: str


@dataclass
class TagState:
    content_hash: str
    taxonomy_hash: str
    with_vector: bool


class TrendStore:
    """Reads and writes trend tags and their bookkeeping."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.paper_reads = PaperReads(db)
        apply_migrations(db, migrations)

    # -- papers (through the ingest stage's API) ---------------------------------------------
    def paper_states(self) -> Iterator[tuple[int, str]]:
        """(pk, content_hash) of every paper, in pk order."""
        yield from sorted(self.paper_reads.states().items())

    def papers(self, pks: Sequence[int]) -> list[PaperRow]:
        rows = self.paper_reads.rows(pks)
        return [PaperRow(pk, r.title, r.abstract, r.categories, r.content_hash) for pk, r in sorted(rows.items())]

    # -- state -----------------------------------------------------------------------------
    def tag_states(self) -> dict[int, TagState]:
        return {
            pk: TagState(h, th, bool(v))
            for pk, h, th, v in self.db.execute(
                "SELECT pk, content_hash, taxonomy_hash, with_vector FROM trend_tag_state")
        }

    def tags_outdated(self, pk: int) -> bool:
        """Whether the paper's title or abstract changed (a new version) since the tagger last read it."""
        row = self.db.execute("SELECT content_hash FROM trend_tag_state WHERE pk = ?", [int(pk)]).fetchone()
        now = self.paper_reads.rows([pk]).get(int(pk))
        return row is not None and now is not None and row[0] != now.content_hash

    def is_tagged(self, pk: int) -> bool:
        """Whether the tagger has looked at the paper (it may have found no trend)."""
        return self.db.execute("SELECT 1 FROM trend_tag_state WHERE pk = ?", [int(pk)]).fetchone() is not None

    def versions(self) -> dict[str, tuple[str, str]]:
        return {t: (h, m) for t, h, m in self.db.execute(
            "SELECT trend, taxonomy_hash, model_sig FROM trend_versions")}

    def set_versions(self, versions: dict[str, tuple[str, str]]) -> None:
        with self.db.atomic():
            self.db.execute("DELETE FROM trend_versions")
            self.db.conn.executemany(
                "INSERT INTO trend_versions (trend, taxonomy_hash, model_sig) VALUES (?, ?, ?)",
                [(t, h, m) for t, (h, m) in versions.items()])

    # -- tags ------------------------------------------------------------------------------
    def write_tags(
        self,
        results: Iterable[tuple[int, str, bool, list[tuple[str, float, list[str], float]]]],
        trends: Sequence[str],
        taxonomy_hash: str,
    ) -> int:
        """Replace the tags of `trends` for each (pk, content_hash, with_vector, tags) and record its state;
        each tag is (trend, score, evidence, strength).

        One transaction per call; returns the number of tag rows written.
        """
        written = 0
        conn = self.db.conn
        marks = ", ".join("?" for _ in trends)
        results = list(results)
        fixed = self.corrections_by_pk([r[0] for r in results])
        with self.db.atomic():
            for pk, chash, with_vector, tags in results:
                conn.execute(f"DELETE FROM paper_trends WHERE pk = ? AND trend IN ({marks})", [pk, *trends])
                hand = {c.trend: c for c in fixed.get(pk, []) if c.trend in trends}
                rows = [(pk, t, float(s), json.dumps(ev, ensure_ascii=False), float(strength))
                        for t, s, ev, strength in tags if t not in hand]
                rows += [(pk, c.trend, HAND_SCORE, json.dumps([hand_evidence(c.by, c.at)], ensure_ascii=False), None)
                         for c in hand.values() if c.present]
                conn.executemany(
                    "INSERT INTO paper_trends (pk, trend, score, evidence, strength) VALUES (?, ?, ?, ?, ?)", rows)
                written += len(rows)
                conn.execute(
                    "INSERT INTO trend_tag_state (pk, content_hash, taxonomy_hash, with_vector) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(pk) DO UPDATE SET content_hash = excluded.content_hash, "
                    "taxonomy_hash = excluded.taxonomy_hash, with_vector = excluded.with_vector, "
                    "tagged_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    [pk, chash, taxonomy_hash, int(with_vector)])
        return written

    # -- corrections by hand -------------------------------------------------------------------
    def corrections_by_pk(self, pks: Sequence[int] | None = None) -> dict[int, list[TagCorrection]]:
        """pk -> its tags corrected by hand (every corrected paper when `pks` is None)."""
        sql = "SELECT pk, trend, present, by, at FROM tag_corrections"
        rows = (self.db.execute(sql + " ORDER BY pk, trend").fetchall() if pks is None
                else select_in(self.db, sql + " WHERE pk IN ({in}) ORDER BY pk, trend", sorted(set(pks))))
        out: dict[int, list[TagCorrection]] = {}
        for pk, trend, present, by, at in rows:
            out.setdefault(int(pk), []).append(TagCorrection(int(pk), trend, bool(present), by, at))
        return out

    def corrections_stamp(self) -> tuple[int, str | None]:
        """(how many corrections, the latest one's time): changes with every correction, cheap to read."""
        n, last = self.db.execute("SELECT count(*), max(at) FROM tag_corrections").fetchone()
        return int(n), last

    def set_corrections(self, pk: int, changes: dict[str, bool], by: str) -> None:
        """Record that the paper has (True) or has not (False) each trend of `changes`, by `by`."""
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT INTO tag_corrections (pk, trend, present, by) VALUES (?, ?, ?, ?) ON CONFLICT(pk, trend) "
                "DO UPDATE SET present = excluded.present, by = excluded.by, "
                "at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                [(int(pk), t, int(v), by) for t, v in sorted(changes.items())])

    def clear_corrections(self, pk: int) -> int:
        """Forget the paper's corrections (the tagger decides again); returns how many there were."""
        with self.db.atomic():
            return self.db.execute("DELETE FROM tag_corrections WHERE pk = ?", [int(pk)]).rowcount

    def restamp(self, pks: Sequence[int], taxonomy_hash: str) -> None:
        """Record that `pks` are up to date with `taxonomy_hash` (nothing to re-tag, e.g. a trend was removed)."""
        with self.db.atomic():
            self.db.conn.executemany("UPDATE trend_tag_state SET taxonomy_hash = ? WHERE pk = ?",
                                     [(taxonomy_hash, pk) for pk in pks])

    def delete_trend(self, trend: str) -> int:
        with self.db.atomic():
            n = self.db.execute("DELETE FROM paper_trends WHERE trend = ?", [trend]).rowcount
            self.db.execute("DELETE FROM trend_models WHERE trend = ?", [trend])
        return n

    def delete_orphans(self) -> int:
        """Tags and state of papers that no longer exist."""
        existing = self.paper_reads.states()
        tagged = {r[0] for r in self.db.execute("SELECT pk FROM trend_tag_state UNION SELECT pk FROM paper_trends")}
        gone = [(pk,) for pk in sorted(tagged - existing.keys())]
        if not gone:
            return 0
        with self.db.atomic():
            before = self.db.conn.total_changes
            self.db.conn.executemany("DELETE FROM paper_trends WHERE pk = ?", gone)
            n = self.db.conn.total_changes - before
            self.db.conn.executemany("DELETE FROM trend_tag_state WHERE pk = ?", gone)
            self.db.conn.executemany("DELETE FROM tag_corrections WHERE pk = ?", gone)
        return n

    def tags_of(self, pk: int) -> list[tuple[str, float, list[str]]]:
        return [(t, s, json.loads(e)) for t, s, e in self.db.execute(
            "SELECT trend, score, evidence FROM paper_trends WHERE pk = ? ORDER BY score DESC", [pk])]

    def top_papers(self, start: str, end_exclusive: str, per_trend: int) -> dict[str, list[dict]]:
        """trend -> its `per_trend` highest-scoring papers published in [start, end_exclusive), best first."""
        in_window = self.paper_reads.published(start, end_exclusive)
        ids = self.paper_reads.ids_of(in_window)
        by_trend: dict[str, list[tuple[float, str, int]]] = {}
        for pk, trend, score in select_in(self.db, "SELECT pk, trend, score FROM paper_trends WHERE pk IN ({in})",
                                          sorted(in_window)):
            by_trend.setdefault(trend, []).append((-float(score), ids[pk], pk))
        best = {t: sorted(c)[:per_trend] for t, c in sorted(by_trend.items())}
        rows = self.paper_reads.rows([pk for c in best.values() for _, _, pk in c])
        return {t: [{"id": rows[pk].id, "title": rows[pk].title, "published": rows[pk].published,
                     "authors": rows[pk].authors, "score": -neg} for neg, _, pk in c]
                for t, c in best.items()}

    def scores_for(self, pks: Sequence[int]) -> dict[int, dict[str, float]]:
        """pk -> {trend: score} for the given papers."""
        out: dict[int, dict[str, float]] = {}
        for pk, trend, score in select_in(self.db, "SELECT pk, trend, score FROM paper_trends WHERE pk IN ({in})",
                                          pks):
            out.setdefault(pk, {})[trend] = float(score if score is not None else 0.0)
        return out

    def strengths_for(self, pks: Sequence[int], trends: Sequence[str]) -> dict[int, dict[str, float | None]]:
        """pk -> {trend: strength (the tagger's logit; None for tags written without one)}."""
        out: dict[int, dict[str, float | None]] = {}
        if not trends:
            return out
        sql = f"SELECT pk, trend, strength FROM paper_trends WHERE trend IN ({placeholders(trends)}) AND pk IN ({{in}})"
        for pk, trend, strength in select_in(self.db, sql, pks, params=list(trends)):
            out.setdefault(pk, {})[trend] = strength
        return out

    def evidence_for(self, pks: Sequence[int], trends: Sequence[str]) -> dict[int, dict[str, list[str]]]:
        """pk -> {trend: the tag's evidence items} for the given papers and trends (tags they have)."""
        out: dict[int, dict[str, list[str]]] = {}
        if not trends:
            return out
        sql = f"SELECT pk, trend, evidence FROM paper_trends WHERE trend IN ({placeholders(trends)}) AND pk IN ({{in}})"
        for pk, trend, evidence in select_in(self.db, sql, pks, params=list(trends)):
            out.setdefault(pk, {})[trend] = json.loads(evidence or "[]")
        return out

    def tagged_pks(self, trends: Sequence[str]) -> list[int]:
        """pks of the papers having any of `trends`, ascending."""
        if not trends:
            return []
        return [r[0] for r in self.db.execute(
            f"SELECT DISTINCT pk FROM paper_trends WHERE trend IN ({placeholders(trends)}) ORDER BY pk", list(trends))]

    def tag_rows(self) -> int:
        return self.db.execute("SELECT count(*) FROM paper_trends").fetchone()[0]

    def tag_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT trend, count(*) FROM paper_trends GROUP BY trend").fetchall())

    # -- corpus-trained vector models -------------------------------------------------------
    def save_model(self, trend: str, rules_hash: str, model_id: str, weights: np.ndarray, bias: float,
                   positives: int, negatives: int) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT OR REPLACE INTO trend_models VALUES (?, ?, ?, ?, ?, ?, ?)",
                [trend, rules_hash, model_id, np.asarray(weights, dtype=np.float32).tobytes(), float(bias),
                 positives, negatives])

    def load_models(self) -> dict[str, tuple[str, str, np.ndarray, float]]:
        """trend -> (rules_hash, model_id, weights, bias)."""
        return {
            t: (rh, mid, np.frombuffer(w, dtype=np.float32).copy(), b)
            for t, rh, mid, w, b in self.db.execute(
                "SELECT trend, rules_hash, model_id, weights, bias FROM trend_models")
        }

    # -- trends over time ---------------------------------------------------------------------
    def dated_papers(self, since: str | None = None) -> list[tuple[int, str, str, str]]:
        """(pk, published, title, abstract) of papers with a publication date (on/after `since`)."""
        return self.paper_reads.dated(since)

    def pks_in_categories(self, categories: Sequence[str]) -> set[int]:
        """The papers in any of these arXiv categories (cross-lists included)."""
        return {int(pk) for pk in self.paper_reads.filtered_pks(PaperFilter(categories=list(categories)))}

    def category_spelling(self, category: str) -> str | None:
        """`category` as the stored papers spell it (ignoring case), None when no paper has it."""
        return self.paper_reads.category_spelling(category)

    def primary_category_months(self) -> list[tuple[str, str, int]]:
        """(YYYY-MM, primary category, papers) for every month holding dated papers (the corpus's mix)."""
        return self.paper_reads.primary_category_months()

    def primary_categories(self) -> dict[int, str]:
        """pk -> primary category ('' when unknown) of every dated paper (for comparing like with like)."""
        return self.paper_reads.primary_categories()

    def newest_published(self, until: str | None = None) -> str | None:
        """The newest stored paper's publication date, on or before `until` when given (None without papers)."""
        if until is not None:
            return self.paper_reads.newest_published_until(until)
        return self.paper_reads.published_range()[1]

    def publication_dates(self) -> list[tuple[int, str]]:
        """(pk, published) of papers with a publication date, oldest first (no text: see `dated_papers`)."""
        return self.paper_reads.publication_dates()

    def ids_for(self, pks) -> dict[int, str]:
        """arXiv id of each pk."""
        return self.paper_reads.ids_of(pks)

    def tag_pairs(self) -> list[tuple[int, str]]:
        """(pk, trend) for every tag."""
        return self.db.execute("SELECT pk, trend FROM paper_trends").fetchall()

    def tags_fingerprint(self) -> str:
        """A digest of every (pk, trend) tag: changes when any paper gains or loses a tag."""
        return rows_digest(self.db.execute("SELECT pk, trend FROM paper_trends ORDER BY pk, trend"))[1]
