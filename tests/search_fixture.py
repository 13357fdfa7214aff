"""A module-scoped searchable home: 200 sample papers embedded with the real model (shared by search tests)."""
from __future__ import annotations

N_PAPERS = 200
TEST_TREND = "zz_test_trend"


def tag(db, pks, trend=TEST_TREND):
    """Give `pks` a trend tag (rows of the contract table paper_trends)."""
    db.execute("CREATE TABLE IF NOT EXISTS paper_trends (pk INTEGER, trend TEXT, score REAL, evidence TEXT, "
               "PRIMARY KEY(trend, pk))")
    with db.conn:
        db.conn.executemany("INSERT OR REPLACE INTO paper_trends (pk, trend, score, evidence) VALUES (?, ?, 1.0, '[]')",
                            [(int(p), trend) for p in pks])
