"""Helpers for the digest tests: a tagged data home of real sample papers and a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import contextlib
import dataclasses
import shutil
import socket
import sqlite3
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from trendscope.ingest.records import Paper

# Real sample papers published in these dates (about 300) are imported and tagged by the real tagger (rules).
FIRST_DAY, LAST_DAY = "2026-03-16", "2026-06-07"
WEEK = "2026-W21"        # 2026-05-18 .. 2026-05-24
NEXT_WEEK = "2026-W22"   # 2026-05-25 .. 2026-05-31
SENDER = "Trendscope <digest@example.org>"

_BASE: list[Path] = []
_FIELDS = {f.name for f in dataclasses.fields(Paper)}


def to_paper(row: dict, **changes) -> Paper:
    data = {k: v for k, v in row.items() if k in _FIELDS}
    data.update(changes)
    return Paper(**data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler keeping every accepted message; `reject` makes it refuse DATA with that reply."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.reject: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            return self.reject
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@contextlib.contextmanager
def smtp_server(**kwargs):
    """A real SMTP server on 127.0.0.1 (ephemeral port); yields (recorder, port)."""
    from aiosmtpd.controller import Controller

    rec = Recorder()
    port = free_port()
    ctl = Controller(rec, hostname="127.0.0.1", port=port, **kwargs)
    ctl.start()
    try:
        yield rec, port
    finally:
        ctl.stop()


def smtp_config(port: int, **changes):
    from trendscope.digest.smtp_config import SmtpConfig

    return SmtpConfig(**{"host": "127.0.0.1", "port": port, "tls": "none", "sender": SENDER, "timeout": 5.0,
                         **changes})


def self_signed_cert(tmp: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 made with the openssl tool (skips when it is missing)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def tag_rows(db) -> list[tuple[int, str, float]]:
    return db.execute("SELECT pk, trend, score FROM paper_trends").fetchall()


def week_rows(db, start: str, end: str) -> list[sqlite3.Row]:
    return db.execute("SELECT pk, id, title, abstract FROM papers WHERE published >= ? AND published <= ?",
                      [start, end]).fetchall()
