"""SQL of the digest stage: subscriptions, deliveries, what was already sent, and the week's candidates.

Tables (migration set "trendscope.digest"):
  subscriptions      one row per subscription (JSON list columns; `pending`: addresses awaiting the operator's
                     confirmation; `token`: the subscription's unsubscribe token; `feed_salt`: set when its feed
                     was given a new address)
  digest_deliveries  (subscription, ISO week, target) -> status pending|sent|failed, attempts, error, message-id
  digest_items       (subscription, arXiv id) -> the week it was issued in: a paper appears at most once per
                     subscription, whatever later versions or re-dated copies of it arrive; `less_sure` 1 for a
                     paper the week's digest named under "Less sure" (with its `confidence`) rather than listed
  digest_test_mails  one row per test mail sent (its time): the rate limit of test mails per data home
Papers come through the ingest stage's `PaperReads`, trend tags through the index stage's `TrendStore`.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlite_utils

from trendscope.foundation.clock import utc_now_iso
from trendscope.foundation.db import apply_migrations, write_transaction
from trendscope.index.trend_store import TrendStore
from trendscope.ingest.paper_reads import PaperFilter, PaperReads, PaperRow

from .model import Delivery, IssuedItem, Subscription
from .subscription_schema import migrations, new_token


def _as_dict(r: PaperRow) -> dict:
    """The paper fields a digest shows (`authors` and `categories` as lists) and whether it is withdrawn."""
    return {"pk": r.pk, "id": r.id, "title": r.title, "abstract": r.abstract, "authors": r.authors,
            "categories": r.categories, "published": r.published, "withdrawn": r.withdrawn is not None}


def _sub_from_row(row: dict) -> Subscription:
    return Subscription(
        id=row["id"], name=row["name"], trends=json.loads(row["trends"]), query=row["query"],
        categories=json.loads(row["categories"]), exclude=json.loads(row["exclude"]), size=row["size"],
        emails=json.loads(row["emails"]), feed=bool(row["feed"]), created=row["created"],
        pending=json.loads(row.get("pending") or "[]"), token=row.get("token"), owner=row["owner"],
        feed_salt=row.get("feed_salt"),
    )


class SubscriptionStore:
    """Subscriptions, deliveries and sent items; plus the reads a digest needs from papers and tags."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self.papers = PaperReads(db)
        self._trend_store: TrendStore | None = None
        apply_migrations(db, migrations)

    # -- subscriptions ------------------------------------------------------------------------
    def add(self, sub: Subscription) -> Subscription:
        """Store a new subscription as given (the API decides which addresses are pending)."""
        sub.created = sub.created or utc_now_iso()
        sub.token = sub.token or new_token()
        with self.db.atomic():
            cur = self.db.conn.execute(
                "INSERT INTO subscriptions (owner, name, trends, query, categories, exclude, size, emails, feed, "
                "created, pending, token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [sub.owner, sub.name, json.dumps(sub.trends), sub.query, json.dumps(sub.categories),
                 json.dumps(sub.exclude, ensure_ascii=False), sub.size, json.dumps(sub.emails),
                 int(sub.feed), sub.created, json.dumps(sub.pending), sub.token],
            )
        sub.id = cur.lastrowid
        return sub

    def set_definition(self, sub: Subscription) -> None:
        """Replace what a stored subscription follows (trends, query, categories, exclusions, size, feed); its name,
        addresses, token and delivery records stay."""
        with self.db.atomic():
            self.db.conn.execute(
                "UPDATE subscriptions SET trends = ?, query = ?, categories = ?, exclude = ?, size = ?, feed = ? "
                "WHERE id = ?",
                [json.dumps(sub.trends), sub.query, json.dumps(sub.categories),
                 json.dumps(sub.exclude, ensure_ascii=False), sub.size, int(sub.feed), sub.id])

    def set_recipients(self, sub_id: int, emails: Sequence[str], pending: Sequence[str]) -> None:
        """Replace a subscription's addresses and which of them await confirmation."""
        with self.db.atomic():
            self.db.conn.execute("UPDATE subscriptions SET emails = ?, pending = ? WHERE id = ?",
                                 [json.dumps(list(emails)), json.dumps(list(pending)), sub_id])

    def new_feed_salt(self, sub_id: int) -> str:
        """Give the subscription's feed a new address (a new salt of its feed token): the old one ends."""
        salt = secrets.token_hex(8)
        with self.db.atomic():
            self.db.conn.execute("UPDATE subscriptions SET feed_salt = ? WHERE id = ?", [salt, sub_id])
        return salt

    def by_token(self, token: str) -> Subscription | None:
        rows = list(self.db.query("SELECT * FROM subscriptions WHERE token = ?", [token]))
        return _sub_from_row(rows[0]) if rows else None

    def exists(self, name: str, owner: str) -> bool:
        return self.db.execute("SELECT 1 FROM subscriptions WHERE owner = ? AND name = ?",
                               [owner, name]).fetchone() is not None

    def get(self, name: str, owner: str) -> Subscription | None:
        rows = list(self.db.query("SELECT * FROM subscriptions WHERE owner = ? AND name = ?", [owner, name]))
        return _sub_from_row(rows[0]) if rows else None

    def all(self) -> list[Subscription]:
        """Every subscription of every user (the weekly run's work)."""
        return [_sub_from_row(r) for r in self.db.query("SELECT * FROM subscriptions ORDER BY name, owner")]

    def of(self, owners: Sequence[str]) -> list[Subscription]:
        """The subscriptions of these owners, by name."""
        return [_sub_from_row(r) for r in self.db.query(
            "SELECT * FROM subscriptions WHERE owner IN (SELECT value FROM json_each(?)) ORDER BY name, owner",
            [json.dumps(list(owners))])]

    def owned_count(self, owner: str) -> int:
        return self.db.execute("SELECT count(*) FROM subscriptions WHERE owner = ?", [owner]).fetchone()[0]

    def remove(self, name: str, owner: str) -> bool:
        with self.db.atomic():
            row = self.db.execute("SELECT id FROM subscriptions WHERE owner = ? AND name = ?",
                                  [owner, name]).fetchone()
            if not row:
                return False
            # Explicit deletes: the cascade needs foreign_keys=ON, which a foreign connection may lack.
            for table in ("digest_items", "digest_deliveries"):
                self.db.conn.execute(f"DELETE FROM {table} WHERE subscription_id = ?", [row[0]])
            self.db.conn.execute("DELETE FROM subscriptions WHERE id = ?", [row[0]])
        return True

    # -- test mails (rate limit) ----------------------------------------------------------------
    def reserve_test_mail(self, now: datetime, window: timedelta, limit: int) -> tuple[int | None, datetime | None]:
        """Take one of `limit` test-mail slots per `window` (atomically, so concurrent sessions share the count).

        Returns (slot id, None), or (None, when the oldest slot in the window frees up) when all are taken."""
        start = utc_now_iso(now - window)
        with write_transaction(self.db):
            self.db.conn.execute("DELETE FROM digest_test_mails WHERE sent_at <= ?", [start])
            rows = self.db.conn.execute(
                "SELECT sent_at FROM digest_test_mails WHERE sent_at > ? ORDER BY sent_at", [start]).fetchall()
            if len(rows) >= limit:
                oldest = datetime.fromisoformat(rows[0][0].replace("Z", "+00:00"))
                return None, oldest + window
            cur = self.db.conn.execute("INSERT INTO digest_test_mails (sent_at) VALUES (?)", [utc_now_iso(now)])
        return cur.lastrowid, None

    def release_test_mail(self, slot: int) -> None:
        """Give a slot back (the mail was not sent)."""
        with self.db.atomic():
            self.db.conn.execute("DELETE FROM digest_test_mails WHERE id = ?", [slot])

    # -- deliveries -----------------------------------------------------------------------------
    def delivery(self, sub_id: int, week: str, target: str) -> Delivery | None:
        rows = list(self.db.query(
            "SELECT subscription_id, week, target, status, attempts, last_error, sent_at, message_id "
            "FROM digest_deliveries WHERE subscription_id = ? AND week = ? AND target = ?",
            [sub_id, week, target],
        ))
        return Delivery(**rows[0]) if rows else None

    def deliveries(self, sub_id: int | None = None, week: str | None = None) -> list[Delivery]:
        q = ("SELECT subscription_id, week, target, status, attempts, last_error, sent_at, message_id "
             "FROM digest_deliveries WHERE 1=1")
        args: list = []
        if sub_id is not None:
            q += " AND subscription_id = ?"
            args.append(sub_id)
        if week is not None:
            q += " AND week = ?"
            args.append(week)
        return [Delivery(**r) for r in self.db.query(q + " ORDER BY week, subscription_id, target", args)]

    def begin_attempt(self, sub_id: int, week: str, target: str, message_id: str | None) -> Delivery:
        """Mark an attempt as started (status pending, attempts + 1) and keep the first Message-ID."""
        now = utc_now_iso()
        with self.db.atomic():
            self.db.conn.execute(
                "INSERT INTO digest_deliveries (subscription_id, week, target, status, attempts, message_id, "
                "updated_at) VALUES (?, ?, ?, 'pending', 1, ?, ?) "
                "ON CONFLICT (subscription_id, week, target) DO UPDATE SET status = 'pending', "
                "attempts = attempts + 1, message_id = coalesce(message_id, excluded.message_id), "
                "updated_at = excluded.updated_at",
                [sub_id, week, target, message_id, now],
            )
        return self.delivery(sub_id, week, target)

    def finish_attempt(self, sub_id: int, week: str, target: str, error: str | None) -> None:
        now = utc_now_iso()
        with self.db.atomic():
            if error is None:
                self.db.conn.execute(
                    "UPDATE digest_deliveries SET status = 'sent', sent_at = ?, last_error = NULL, updated_at = ? "
                    "WHERE subscription_id = ? AND week = ? AND target = ?",
                    [now, now, sub_id, week, target],
                )
            else:
                self.db.conn.execute(
                    "UPDATE digest_deliveries SET status = 'failed', last_error = ?, updated_at = ? "
                    "WHERE subscription_id = ? AND week = ? AND target = ?",
                    [error[:2000], now, sub_id, week, target],
                )

    # -- items already issued ---------------------------------------------------------------------
    def issued_ids(self, sub_id: int, week: str) -> list[str]:
        """arXiv ids listed in this week's issued digest, in rank order (empty if the week was never issued)."""
        return [i.arxiv_id for i in self.issued_week(sub_id, week) if not i.less_sure]

    def issued_week(self, sub_id: int, week: str) -> list[IssuedItem]:
        """Every paper this week's digest was issued with, listed ones first, then those it named under "Less
        sure", each in rank order (empty if the week was never issued)."""
        return [IssuedItem(*r) for r in self.db.execute(
            "SELECT arxiv_id, week, recorded_at, less_sure, confidence FROM digest_items "
            "WHERE subscription_id = ? AND week = ? ORDER BY less_sure, rank", [sub_id, week],
        )]

    def ids_sent_elsewhere(self, sub_id: int, week: str) -> set[str]:
        """arXiv ids issued to this subscription in any other week."""
        return {r[0] for r in self.db.execute(
            "SELECT arxiv_id FROM digest_items WHERE subscription_id = ? AND week != ?", [sub_id, week]
        )}

    def late_ids(self, sub_id: int, weeks: Sequence[tuple[str, str, str]]) -> dict[str, str]:
        """arXiv id -> its week, for the papers of the given issued weeks ((week, start, end exclusive) each) that
        were stored after the week's digest was issued and never issued to this subscription: papers arXiv
        announced after the digest run (a Friday's submission is announced the next Monday)."""
        out: dict[str, str] = {}
        sent = None
        for week, start, end in weeks:
            row = self.db.execute("SELECT min(recorded_at) FROM digest_items WHERE subscription_id = ? AND week = ?",
                                  [sub_id, week]).fetchone()
            if not row or row[0] is None:
                continue
            if sent is None:
                sent = {r[0] for r in self.db.execute(
                    "SELECT arxiv_id FROM digest_items WHERE subscription_id = ?", [sub_id])}
            for aid in self.papers.ids_stored_after(start, end, row[0]):  # both written as utc_now_iso writes
                if aid not in sent:
                    out.setdefault(aid, week)
        return out

    def record_issue(self, sub_id: int, week: str, arxiv_ids: Sequence[str],
                     less_sure: Sequence[tuple[str, float | None]] = ()) -> int:
        """Freeze a week's digest: its papers in rank order, then the (arXiv id, confidence) of those it named under
        "Less sure", once (a week already issued keeps its papers).

        Returns the number of papers recorded now."""
        now = utc_now_iso()
        rows = [(aid, 0, None) for aid in arxiv_ids] + [(aid, 1, p) for aid, p in less_sure]
        with self.db.atomic():
            if self.db.execute(
                "SELECT 1 FROM digest_items WHERE subscription_id = ? AND week = ? LIMIT 1", [sub_id, week]
            ).fetchone():
                return 0
            added = 0
            for rank, (aid, unsure, confidence) in enumerate(rows):
                added += self.db.conn.execute(
                    "INSERT OR IGNORE INTO digest_items (subscription_id, arxiv_id, week, rank, recorded_at, "
                    "less_sure, confidence) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [sub_id, aid, week, rank, now, unsure, confidence],
                ).rowcount
        return added

    def issued_items(self, sub_id: int, limit: int = 200) -> list[IssuedItem]:
        """The most recently issued papers, newest week first, each week's listed papers first, by rank."""
        return [IssuedItem(*r) for r in self.db.execute(
            "SELECT arxiv_id, week, recorded_at, less_sure, confidence FROM digest_items WHERE subscription_id = ? "
            "ORDER BY week DESC, less_sure, rank LIMIT ?", [sub_id, limit],
        )]

    # -- papers and tags (through the ingest stage's PaperReads and the index stage's TrendStore) -------------
    def _trends(self) -> TrendStore:
        if self._trend_store is None:
            self._trend_store = TrendStore(self.db)
        return self._trend_store

    def week_papers(self, start: str, end_exclusive: str, categories: Sequence[str] = ()) -> list[dict]:
        """Rows of the papers published in [start, end) (any of `categories` when given), in pk order."""
        flt = PaperFilter(categories=list(categories), since=start, before=end_exclusive)
        return [_as_dict(r) for r in sorted(self.papers.newest(flt, None), key=lambda r: r.pk)]

    def papers_by_ids(self, ids: Sequence[str]) -> dict[str, dict]:
        return {i: _as_dict(r) for i, r in self.papers.rows_by_ids(ids).items()}

    def count_between(self, start: str, end_exclusive: str) -> int:
        return self.papers.count_between(start, end_exclusive)

    def tags_for(self, pks: Sequence[int]) -> dict[int, dict[str, float]]:
        """pk -> {trend: score} for the given papers."""
        return self._trends().scores_for(pks)

    def tag_strengths(self, pks: Sequence[int], trends: Sequence[str]) -> dict[int, dict[str, float | None]]:
        """pk -> {trend: tag strength} for the given papers and trends."""
        return self._trends().strengths_for(pks, trends)

    def tag_evidence(self, pks: Sequence[int], trends: Sequence[str]) -> dict[int, dict[str, list[str]]]:
        """pk -> {trend: evidence items of the tag} for the given papers and trends."""
        return self._trends().evidence_for(pks, trends)

    def newest_published(self) -> str | None:
        """The publication date (YYYY-MM-DD) of the newest stored paper, None when none is stored."""
        newest = self.papers.published_range()[1]
        return newest[:10] if newest else None

    def weekly_counts(self, start: str, end_exclusive: str) -> dict[str, int]:
        """Week Monday (ISO date) -> number of papers published that week, for [start, end)."""
        return self.papers.weekly_counts(start, end_exclusive)

    def background_texts(self, start: str, end_exclusive: str, *, trends: Sequence[str] = (),
                         categories: Sequence[str] = (), limit: int = 3000) -> list[tuple[int, str, str]]:
        """(pk, title, abstract) of the most recent papers in [start, end) having any of `trends` (when given)
        and any of `categories` (when given); at most `limit`."""
        within = self._trends().tagged_pks(trends) if trends else None
        flt = PaperFilter(categories=list(categories), since=start, before=end_exclusive, within=within)
        return [(r.pk, r.title, r.abstract) for r in self.papers.newest(flt, limit)]

    def fts_matches(self, match: str, start: str, end_exclusive: str) -> list[tuple[int, str, float]]:
        """(pk, published, bm25 rank; lower is better) of papers matching an FTS5 expression in [start, end)."""
        return self.papers.matches_between(match, start, end_exclusive)

    def texts_for(self, pks: Sequence[int]) -> list[tuple[int, str, str]]:
        """(pk, title, abstract) of the given papers."""
        return [(pk, title, abstract) for pk, title, abstract, _ in self.papers.texts(pks)]
