"""Fetch papers' PDFs from arXiv politely, structure them (`pdf_text`), and store the passages and references.

    outcomes = fetch_fulltext(db, home, ["2302.07302"])      # `trendscope fetch 2302.07302`

* Politeness as for the API: one request per `delay_s` (3 s), a timeout, bounded retries with backoff on
  timeouts, 429 and 5xx; a 404 fails at once. The PDF base URL is `TRENDSCOPE_ARXIV_PDF_URL` (default
  https://arxiv.org/pdf; the file is `<base>/<id>`, the newest version).
* Cache policy: each PDF is kept once, content-addressed, under `<home>/pdf/` (a few MB each; a paper fetched
  again with the same bytes reuses its file); PDFs over `MAX_PDF_BYTES` are refused. A paper already fetched is
  not downloaded again unless `refetch` is asked for.
* Bad input (not a PDF, truncated, encrypted, scanned without text, 404, timeout) gives one clear message per
  paper; nothing of it is stored except the failure itself, and a later retry works. Passages and references
  are written in one transaction.
* References are matched to corpus papers by title (every title word in the corpus title, then a close
  string match).
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

import requests
import sqlite_utils

from trendscope.foundation.clock import utc_now_iso
from trendscope.foundation.errors import TrendscopeError, os_reason
from trendscope.foundation.files import atomic_write
from trendscope.foundation.home import Home

from .fulltext_store import FulltextRecord, FulltextStore, Passage, StoredReference
from .paper_reads import PaperReads
from .pdf_text import PaperText, PdfError, extract
from .polite_session import PageFailed, PoliteSession, pace_file_for
from .records import BadArxivId, arxiv_id_in_text, parse_arxiv_id

log = logging.getLogger(__name__)

DEFAULT_PDF_URL = "https://arxiv.org/pdf"
MAX_PDF_BYTES = 50_000_000
EXTRACTOR = "pdf_text/1"
TITLE_MATCH = 0.9  # SequenceMatcher ratio of normalised titles for a reference to count as that corpus paper


def pdf_base_url() -> str:
    return os.environ.get("TRENDSCOPE_ARXIV_PDF_URL", DEFAULT_PDF_URL).rstrip("/")


class PdfSession(PoliteSession):
    """The polite session for PDF downloads: any 200 is a complete answer (the PDF is checked afterwards); one over
    `MAX_PDF_BYTES` is refused on its Content-Length, or once that much has come (a 200 MB answer was read whole
    before the limit applied: a walkthrough of an unreliable network)."""

    max_bytes = MAX_PDF_BYTES
    too_big = "the PDF is over the {mb} MB limit"

    @staticmethod
    def _check(resp: requests.Response, url: str) -> str | None:
        return None if resp.status_code == 200 else f"HTTP {resp.status_code}"

    def _usable(self, resp: requests.Response, url: str) -> requests.Response:
        return resp


@dataclass
class FetchOutcome:
    arxiv_id: str
    status: str  # fetched | cached | failed
    message: str
    sections: int = 0
    references: int = 0
    matched: int = 0
    seconds: float = 0.0


def pdf_path(home: Home, sha256: str) -> Path:
    return home.pdf_dir / sha256[:2] / f"{sha256}.pdf"


def stored_pdf(home: Home, record: FulltextRecord | None) -> bytes | None:
    """The stored PDF of a fetched paper (None when there is none or the file is gone)."""
    if record is None or not record.sha256:
        return None
    path = pdf_path(home, record.sha256)
    return path.read_bytes() if path.exists() else None


def _save_pdf(home: Home, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    path = pdf_path(home, sha)
    if not path.exists():
        atomic_write(path, data)
    return sha


def passages_of(paper: PaperText) -> list[Passage]:
    """Headings, paragraphs and captions in reading order; each caption after the paragraphs of the section its
    page belongs to."""
    out: list[Passage] = []
    starts = [s.page for s in paper.sections]
    by_section: dict[int, list] = {}
    for c in paper.captions:
        idx = max((i for i, p in enumerate(starts) if p <= c.page), default=0)
        by_section.setdefault(idx, []).append(c)
    for i, s in enumerate(paper.sections):
        if s.heading:
            out.append(Passage(len(out), i, s.heading, s.level, "heading", s.heading, s.page))
        if _REFERENCE_HEADING.match(s.heading):
            continue  # the entries are stored as references (matched to the corpus), not as paragraphs
        for p in s.paragraphs:
            out.append(Passage(len(out), i, s.heading, s.level, "paragraph", p.text, p.page))
        for c in by_section.get(i, []):
            out.append(Passage(len(out), i, s.heading, s.level, "caption", c.text, c.page, c.label))
    return out


_REFERENCE_HEADING = re.compile(r"^\W*(?:\d+\.?\s*)?(?:references|bibliography|literature cited)\W*$", re.I)


def _norm(title: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", title.lower()))


def match_references(reads: PaperReads, paper: PaperText, own_id: str) -> list[StoredReference]:
    """Each reference's paper in the corpus: the arXiv id it prints, when that paper is stored, else the stored
    paper whose title its title guess matches."""
    out = []
    printed = {n: aid for n, ref in enumerate(paper.references) if (aid := arxiv_id_in_text(ref.text))}
    stored = reads.pks_of(set(printed.values()))
    for n, ref in enumerate(paper.references):
        matched = printed[n] if printed.get(n) in stored and printed[n] != own_id else None
        words = _norm(ref.title or "").split()
        if matched is None and len(words) >= 3:
            for pid, title in reads.title_candidates(words[:12]):
                if pid != own_id and SequenceMatcher(None, _norm(title), " ".join(words)).ratio() >= TITLE_MATCH:
                    matched = pid
                    break
        out.append(StoredReference(n, ref.number, ref.text, ref.title, ref.year, matched))
    return out


def fetch_fulltext(
    db: sqlite_utils.Database,
    home: Home,
    ids: Sequence[str],
    *,
    refetch: bool = False,
    base_url: str | None = None,
    session: PoliteSession | None = None,
    delay_s: float = 3.0,
    timeout_s: float = 60.0,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """Fetch, structure and store the full text of each paper (see the module docstring); one outcome each."""
    store, reads = FulltextStore(db), PaperReads(db)
    base = (base_url or pdf_base_url()).rstrip("/")
    session = session or PdfSession(delay_s=delay_s, timeout_s=timeout_s, retries=retries, sleep=sleep, clock=clock,
                                    pace_file=pace_file_for(db))
    outcomes = []
    for raw in ids:
        started = time.perf_counter()
        try:
            aid, _ = parse_arxiv_id(raw)
        except BadArxivId as exc:
            outcome = FetchOutcome(str(raw), "failed", str(exc))
        else:
            outcome = _fetch_one(store, reads, home, session, base, aid, refetch)
        outcome.seconds = time.perf_counter() - started
        outcomes.append(outcome)
        if progress:
            progress(outcome)
    return outcomes


def _fetch_one(store: FulltextStore, reads: PaperReads, home: Home, session: PoliteSession, base: str, aid: str,
               refetch: bool) -> FetchOutcome:
    known = store.record(aid)
    if known is not None and known.status == "ok" and not refetch and stored_pdf(home, known) is not None:
        refs = store.references(aid)  # the counts a fetch gave (`fetch --json` said 0 sections, 0 matched: a
        heads = len({p.section for p in store.passages(aid) if p.heading})  # blind walkthrough)
        return FetchOutcome(aid, "cached", f"{aid}: already fetched ({known.pages} pages)", heads, len(refs),
                            sum(1 for r in refs if r.matched_id))
    url = f"{base}/{aid}"
    try:
        resp = session.get(url, stream=False)
    except PageFailed as exc:
        if exc.problem in ("HTTP 404", "HTTP 410"):
            return _failed(store, aid, f"{aid}: arXiv has no PDF at {url} ({exc.problem})")
        if not exc.reachable:  # offline read as "try again later" (a blind docs audit)
            return _failed(store, aid, f"{aid}: {url} is unreachable ({exc.problem}); check the network or "
                                       "TRENDSCOPE_ARXIV_PDF_URL, or read a PDF you have (`trendscope fetch "
                                       f"{aid} --pdf FILE`, or upload it on the paper's page)")
        if exc.problem.startswith("the PDF is over"):
            return _failed(store, aid, f"{aid}: {exc.problem} ({url})")
        return _failed(store, aid, f"{aid}: could not download the PDF from {url} ({exc.problem}); try again later")
    except requests.RequestException as exc:
        return _failed(store, aid, f"{aid}: could not download the PDF from {url} ({exc.__class__.__name__})")
    return _stored(store, reads, home, aid, resp.content, f"the PDF of {aid}")


def import_pdf(db: sqlite_utils.Database, home: Home, arxiv_id: str, path: str | Path) -> FetchOutcome:
    """A PDF the user already has, read and stored as a fetched one would be (offline, or a copy from a
    colleague: a walkthrough found no way to read one); the paper need not be in the corpus."""
    path = Path(path).expanduser()
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= MAX_PDF_BYTES else b""  # too big: refused unread
    except OSError as exc:
        return FetchOutcome(str(arxiv_id), "failed", f"{path}: cannot read it: {os_reason(exc)}")
    return import_pdf_bytes(db, home, arxiv_id, data, str(path), size=size)


def import_pdf_bytes(db: sqlite_utils.Database, home: Home, arxiv_id: str, data: bytes, name: str,
                     size: int | None = None) -> FetchOutcome:
    """`import_pdf` for a PDF handed over in memory (the app's upload); `name` is the file's, for messages."""
    started = time.perf_counter()
    try:
        aid, _ = parse_arxiv_id(arxiv_id)
    except BadArxivId as exc:
        return FetchOutcome(str(arxiv_id), "failed", str(exc))
    outcome = _stored(FulltextStore(db), PaperReads(db), home, aid, data, name, size=size, given=True)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _stored(store: FulltextStore, reads: PaperReads, home: Home, aid: str, data: bytes, source: str,
            size: int | None = None, given: bool = False) -> FetchOutcome:
    """A PDF's text extracted, its references matched, all stored; or the failure recorded. A PDF the user `given`
    (not downloaded by its id) that fails is refused and nothing recorded: its failure (naming the file given) was
    shown to every user on the paper's page as the paper's last fetch (a blind security walkthrough), and it says
    nothing of whether arXiv's PDF can be read."""
    size = len(data) if size is None else size
    failed = _refused if given else _failed
    if size > MAX_PDF_BYTES:
        return failed(store, aid, f"{aid}: the PDF is {size / 1e6:.0f} MB, over the {MAX_PDF_BYTES / 1e6:.0f} "
                                  "MB limit")
    try:
        paper = extract(data, source=source)
    except PdfError as exc:
        return failed(store, aid, str(exc))
    other = another_paper(paper, aid, _stored_title(reads, aid), source) if given else None
    if other:  # a wrong file picked became the paper's text, notes and search inside it (a blind walkthrough)
        log.info("%s", other)
        return FetchOutcome(aid, "failed", other)
    refs = match_references(reads, paper, aid)
    passages = passages_of(paper)
    sha = _save_pdf(home, data)
    store.save(FulltextRecord(aid, "ok", sha, len(data), paper.pages, utc_now_iso(), EXTRACTOR, None), passages, refs)
    heads = sum(1 for s in paper.sections if s.heading)
    matched = sum(1 for r in refs if r.matched_id)
    return FetchOutcome(aid, "fetched", f"{aid}: {paper.pages} pages, {heads} sections, {len(refs)} references "
                                        f"({matched} in your corpus)", heads, len(refs), matched)


def another_paper(paper: PaperText, aid: str, title: str | None, source: str) -> str | None:
    """Why a given PDF is evidently not paper `aid`, or None: arXiv's side stamp on its first page names another
    id, or (no stamp: a journal's version) the first page holds under half of the stored title's words, or there
    is neither a stamp nor a stored title to tell."""
    if paper.stamp_id:
        if paper.stamp_id == aid:
            return None
        return (f"{source} is arXiv {paper.stamp_id} (its first page says so), not {aid}: to read it, "
                f"`trendscope fetch {paper.stamp_id} --pdf FILE` (or open that paper's page)")
    if title is None:  # nothing to compare: a LoRA PDF became the text of another id (a blind walkthrough)
        return (f"nothing in {source} says it is arXiv {aid}: its first page has no arXiv stamp, and {aid} is not "
                f"stored to compare its title with (add it first: `trendscope ingest --id {aid}`)")
    words = {w for w in re.findall(r"[a-z]{4,}", title.lower())}
    if len(words) < 3:
        return None
    first = " ".join([s.heading for s in paper.sections[:2]]
                     + [p.text for s in paper.sections[:2] for p in s.paragraphs])[:4000].lower()
    found = sum(1 for w in words if w in first)
    if found >= len(words) / 2:
        return None
    return f"the first page of {source} does not carry the title of {aid} (“{title}”): is it another paper?"


def _stored_title(reads: PaperReads, aid: str) -> str | None:
    pk = reads.pks_of([aid]).get(aid)
    row = reads.rows([pk]).get(pk) if pk is not None else None
    return row.title if row else None


def _failed(store: FulltextStore, aid: str, message: str) -> FetchOutcome:
    store.record_failure(aid, message)
    log.info("%s", message)
    return FetchOutcome(aid, "failed", message)


def _refused(_store: FulltextStore, aid: str, message: str) -> FetchOutcome:
    """A given PDF that fails: said to whoever gave it, not recorded as the paper's fetch."""
    log.info("%s", message)
    return FetchOutcome(aid, "failed", message)


def document(db: sqlite_utils.Database, arxiv_id: str) -> dict:
    """The stored structure of a fetched paper: `sections` (heading, level, page, paragraphs, captions and every
    passage with its `seq`) and `references` (text, title, year, the matched corpus id or null)."""
    try:
        aid, _ = parse_arxiv_id(arxiv_id)
    except BadArxivId as exc:
        raise TrendscopeError(str(exc)) from exc
    store = FulltextStore(db)
    record = store.record(aid)
    if record is None or record.status != "ok":
        # the error is a sentence of its own: "(... (it does not start like one).): fetch it" (a blind walkthrough)
        why = f". The last attempt failed: {record.error.rstrip('.')}." if record is not None and record.error else "."
        raise TrendscopeError(f"the full text of {aid} is not stored{why} Fetch it with `trendscope fetch {aid}`.")
    sections: list[dict] = []
    for p in store.passages(aid):
        if not sections or sections[-1]["index"] != p.section:
            sections.append({"index": p.section, "heading": p.heading, "level": p.level, "page": p.page,
                             "paragraphs": [], "captions": [], "passages": []})
        sec = sections[-1]
        sec["passages"].append({"seq": p.seq, "kind": p.kind, "text": p.text, "page": p.page, "label": p.label})
        if p.kind == "paragraph":
            sec["paragraphs"].append(p.text)
        elif p.kind == "caption":
            sec["captions"].append({"label": p.label, "text": p.text, "page": p.page})
    refs = [{"number": r.number, "text": r.text, "title": r.title, "year": r.year, "matched_id": r.matched_id}
            for r in store.references(aid)]
    return {"id": aid, "pages": record.pages, "fetched_at": record.fetched_at, "sections": sections,
            "references": refs}
