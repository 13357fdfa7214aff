"""The whole database schema: every stage's migrations, applied in data-flow order under one lock.

`trendscope serve`, the CLI and scripts that need the full database call `open_home_database`; a stage that
only needs its own tables opens them through its own store.
"""
from __future__ import annotations

import sqlite_utils

from trendscope.foundation.db import apply_migrations, connect
from trendscope.foundation.home import Home


def stage_migrations() -> tuple:
    from trendscope.accounts.user_store import migrations as account_migrations
    from trendscope.digest.subscription_schema import migrations as digest_migrations
    from trendscope.index.topic_listing_store import migrations as listing_migrations
    from trendscope.index.topic_store import migrations as topic_migrations
    from trendscope.index.trend_store import migrations as trend_migrations
    from trendscope.index.vector_store import migrations as vector_migrations
    from trendscope.ingest.store_schema import migrations as ingest_migrations
    from trendscope.reading.store_schema import migrations as reading_migrations

    return (ingest_migrations, vector_migrations, trend_migrations, topic_migrations, listing_migrations,
            account_migrations,
            digest_migrations, reading_migrations)


def open_home_database(home: Home) -> sqlite_utils.Database:
    """The data home's database with every stage's schema applied."""
    home.ensure()
    db = connect(home.db_path)
    apply_migrations(db, *stage_migrations())
    return db


def migrate_all(home: Home) -> None:
    """Create the database and apply every stage's migrations (done once by `trendscope serve`)."""
    open_home_database(home).close()
