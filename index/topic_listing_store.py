"""SQL for kept rising-topic listings (`topic_listings`, migration set "trendscope.topic_listings"): one row per
frequency with the stamp of what it was computed from and its records, compressed. `topic_listings.py` decides
when a kept listing is current; this module is the only one that knows the table's SQL.
"""
from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.db import apply_migrations, write_transaction

log = logging.getLogger(__name__)

migrations = Migrations("trendscope.topic_listings")


@migrations()
def m001_topic_listings(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS topic_listings (
            freq TEXT PRIMARY KEY,     -- month or quarter (week listings are not kept)
            stamp TEXT NOT NULL,       -- data_stamp() of what the listing was computed from
            papers INTEGER NOT NULL,   -- dated papers counted
            seconds REAL NOT NULL,     -- how long computing it took
            computed_at TEXT NOT NULL,
            records BLOB NOT NULL      -- zlib-compressed JSON list of the listing's records
        )
        """
    )


@dataclass
class KeptListing:
    stamp: str
    papers: int
    seconds: float
    computed_at: str
    records: list[dict]


class TopicListingStore:
    """Reads and writes the `topic_listings` table."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        apply_migrations(db, migrations)

    def get(self, freq: str) -> KeptListing | None:
        row = self.db.execute("SELECT stamp, papers, seconds, computed_at, records FROM topic_listings "
                              "WHERE freq = ?", [freq]).fetchone()
        if row is None:
            return None
        stamp, papers, seconds, computed_at, blob = row
        try:
            records = json.loads(zlib.decompress(blob))
        except (zlib.error, ValueError) as exc:  # a damaged row is computed again, never trusted
            log.warning("kept %s topic listing is unreadable (%s): computing it again", freq, exc)
            return None
        return KeptListing(stamp, papers, seconds, computed_at, records)

    def version(self, freq: str) -> str | None:
        """What identifies the kept listing of `freq` (its data stamp and when it was computed), without reading its
        records: a cheap cache key for a running app (None when none is kept)."""
        row = self.db.execute("SELECT stamp, computed_at FROM topic_listings WHERE freq = ?", [freq]).fetchone()
        return f"{row[0]}@{row[1]}" if row else None

    def put(self, freq: str, listing: KeptListing) -> None:
        blob = zlib.compress(json.dumps(listing.records, ensure_ascii=False).encode(), 6)
        with write_transaction(self.db):
            self.db.execute("INSERT OR REPLACE INTO topic_listings (freq, stamp, papers, seconds, computed_at, "
                            "records) VALUES (?, ?, ?, ?, ?, ?)",
                            [freq, listing.stamp, listing.papers, listing.seconds, listing.computed_at, blob])

    def clear(self) -> int:
        with write_transaction(self.db):
            return self.db.execute("DELETE FROM topic_listings").rowcount
