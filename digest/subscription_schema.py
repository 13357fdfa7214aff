"""The digest stage's tables, as `sqlite_utils` migrations (set "trendscope.digest"); `subscription_store` reads
and writes them and says what each holds.
"""
from __future__ import annotations

import secrets

import sqlite_utils
from sqlite_utils import Migrations

from trendscope.foundation.actor import LOCAL_OWNER
from trendscope.foundation.db import rebuild_table

migrations = Migrations("trendscope.digest")


@migrations()
def m001_digest(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE subscriptions (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            trends TEXT NOT NULL DEFAULT '[]',       -- JSON list of trend names
            query TEXT,                              -- saved search query or NULL
            categories TEXT NOT NULL DEFAULT '[]',   -- JSON list of arXiv categories (any of)
            exclude TEXT NOT NULL DEFAULT '[]',      -- JSON list of words/phrases to exclude
            size INTEGER NOT NULL DEFAULT 10,
            emails TEXT NOT NULL DEFAULT '[]',       -- JSON list of addresses
            feed INTEGER NOT NULL DEFAULT 1,         -- write an Atom feed file
            created TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE digest_deliveries (
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
            week TEXT NOT NULL,                      -- ISO week YYYY-Www
            target TEXT NOT NULL,                    -- an email address or 'atom'
            status TEXT NOT NULL,                    -- pending | sent | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            sent_at TEXT,
            message_id TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (subscription_id, week, target)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE digest_items (
            subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
            arxiv_id TEXT NOT NULL,                  -- without version: revisions never come back
            week TEXT NOT NULL,
            rank INTEGER NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (subscription_id, arxiv_id)
        )
        """
    )
    db.execute("CREATE INDEX idx_digest_items_week ON digest_items(subscription_id, week)")


def new_token() -> str:
    """A subscription's unsubscribe token: 16 hex digits."""
    return secrets.token_hex(8)


@migrations()
def m002_recipients_tokens_test_mails(db: sqlite_utils.Database) -> None:
    # Addresses stored before confirmations existed were added by whoever ran that version: they stay confirmed.
    db.execute("ALTER TABLE subscriptions ADD COLUMN pending TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE subscriptions ADD COLUMN token TEXT")
    for (sub_id,) in db.execute("SELECT id FROM subscriptions").fetchall():
        db.execute("UPDATE subscriptions SET token = ? WHERE id = ?", [new_token(), sub_id])
    db.execute("CREATE UNIQUE INDEX idx_subscriptions_token ON subscriptions(token)")
    db.execute("CREATE TABLE digest_test_mails (id INTEGER PRIMARY KEY, sent_at TEXT NOT NULL)")


@migrations(transactional=False)
def m003_owners(db: sqlite_utils.Database) -> None:
    """Subscriptions belong to a user (names unique per owner; a table rebuild, since SQLite cannot drop a
    column's UNIQUE); those made before accounts existed go to the local owner. Owner "*": lab-wide."""
    if "owner" in {r[1] for r in db.execute("PRAGMA table_info(subscriptions)").fetchall()}:
        return
    rebuild_table(
        db, "subscriptions",
        f"""CREATE TABLE subscriptions__new (
            id INTEGER PRIMARY KEY,
            owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}',
            name TEXT NOT NULL COLLATE NOCASE,
            trends TEXT NOT NULL DEFAULT '[]',
            query TEXT,
            categories TEXT NOT NULL DEFAULT '[]',
            exclude TEXT NOT NULL DEFAULT '[]',
            size INTEGER NOT NULL DEFAULT 10,
            emails TEXT NOT NULL DEFAULT '[]',
            feed INTEGER NOT NULL DEFAULT 1,
            created TEXT NOT NULL,
            pending TEXT NOT NULL DEFAULT '[]',
            token TEXT,
            UNIQUE (owner, name)
        )""",
        f"INSERT INTO subscriptions__new (id, owner, name, trends, query, categories, exclude, size, emails, feed, "
        f"created, pending, token) SELECT id, '{LOCAL_OWNER}', name, trends, query, categories, exclude, size, "
        f"emails, feed, created, pending, token FROM subscriptions",
        after=["CREATE UNIQUE INDEX idx_subscriptions_token ON subscriptions(token)"],
    )


@migrations()
def m004_feed_salt(db: sqlite_utils.Database) -> None:
    """A feed given a new address keeps a salt of it (`Subscription.feed_token`); NULL: the address it was made
    with, so every feed address stays as it was."""
    db.execute("ALTER TABLE subscriptions ADD COLUMN feed_salt TEXT")


@migrations()
def m005_less_sure_items(db: sqlite_utils.Database) -> None:
    """An issued week records the papers its digest named under "Less sure" too (`less_sure` 1, ranked after its
    list, with how likely each was), so that its feed shows what its mail showed."""
    db.execute("ALTER TABLE digest_items ADD COLUMN less_sure INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE digest_items ADD COLUMN confidence REAL")
