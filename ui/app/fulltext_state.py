"""The app's access to full texts (the ingest stage's fetched PDFs) for the reader and "search inside papers":
records, structured documents, fetching, the stored PDF, page images (cached) and passage search. Each call
uses the script run's connection and data home from `state`.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.ui.app.state import db, home


def fulltext_record(arxiv_id: str):
    from trendscope.ingest.fulltext_store import FulltextStore

    return FulltextStore(db()).record(arxiv_id)


def printed_title(arxiv_id: str) -> str | None:
    from trendscope.ingest.fulltext_store import FulltextStore

    return FulltextStore(db()).printed_title(arxiv_id)


def fulltext_document(arxiv_id: str) -> dict:
    from trendscope.ingest.fulltext import document

    return document(db(), arxiv_id)


def fetch_fulltext(arxiv_id: str):
    """Download and structure one paper's PDF (politely, through the ingest stage); returns its outcome."""
    from trendscope.ingest.fulltext import fetch_fulltext as fetch

    return fetch(db(), home(), [arxiv_id])[0]


def import_pdf(arxiv_id: str, data: bytes, name: str):
    """Structure and store a PDF the reader uploaded (through the ingest stage); returns its outcome. Admins only:
    its text is what every user reads."""
    from trendscope.ingest.fulltext import import_pdf_bytes
    from trendscope.ui.app.state import actor

    actor().require_admin("reading in a PDF (its text is every user's)")

    return import_pdf_bytes(db(), home(), arxiv_id, data, name)


def stored_pdf(arxiv_id: str) -> bytes | None:
    from trendscope.ingest.fulltext import stored_pdf as read

    return read(home(), fulltext_record(arxiv_id))


@st.cache_data(max_entries=32, show_spinner="Rendering the page…")
def _page_png(sha256: str, page: int, root: str) -> bytes:
    from trendscope.ingest.fulltext import pdf_path
    from trendscope.ingest.pdf_text import render_page_png

    return render_page_png(pdf_path(Home(Path(root)), sha256).read_bytes(), page, width=1000)


def page_png(arxiv_id: str, page: int) -> bytes:
    """A page of the stored PDF as an image (the reader's fallback for figures)."""
    rec = fulltext_record(arxiv_id)
    if rec is None or not rec.sha256:
        raise TrendscopeError(f"the PDF of {arxiv_id} is not stored")
    return _page_png(rec.sha256, int(page), str(home().root))


def printed_titles(arxiv_ids) -> dict[str, str]:
    """The titles the fetched PDFs of these papers print (for papers read from their PDF, not in the corpus)."""
    from trendscope.ingest.fulltext_store import FulltextStore

    return FulltextStore(db()).printed_titles(arxiv_ids)


def search_passages(query: str, limit: int = 20) -> list:
    from trendscope.ingest.fulltext_store import FulltextStore

    return FulltextStore(db()).search(query, limit=limit)


def fetched_count() -> int:
    from trendscope.ingest.fulltext_store import FulltextStore

    return len(FulltextStore(db()).fetched_ids())
