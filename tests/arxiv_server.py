"""A fake arXiv API server for tests: answers `/api/query` like export.arxiv.org, with fault injection.

Serves real papers (Trendscope corpus rows) as Atom 1.0 with the `arxiv` and `opensearch` namespaces, laid out
like the real 2026 responses in shared/data/fixtures/arxiv_api/. Supports `search_query` with `cat:`, `ti:`,
`abs:`, `au:`, `all:`, `AND`/`OR`/`ANDNOT`, parentheses and `submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`,
`id_list`, `start`, `max_results`, `sortBy` (submittedDate | lastUpdatedDate | relevance), `sortOrder`.

Faults (`Fault`) are keyed by request number (1-based, every request counts) or by `start` offset, and fire
`times` times: HTTP status codes (503...), `slow` (sleeps longer than the client timeout before answering),
`truncate` (cuts the XML body in half), `empty` (a valid feed with no entries), `drop` (closes the connection).
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse
from xml.sax.saxutils import escape, quoteattr

from trendscope.ingest.records import parse_arxiv_id

NS_DECL = (
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom"'
)


@dataclass
class Fault:
    kind: str  # "http" | "slow" | "truncate" | "empty" | "drop" | "cut" (the connection closed mid-body) |
    #           "trickle" (a byte every `seconds`) | "bad_date" / "no_id" (the page's first entry so broken)
    status: int = 503
    seconds: float = 2.0  # for "slow"
    times: int = 1
    entry: int = 0  # for "bad_date" / "no_id": which entry of the page (-1: its last)


@dataclass
class LoggedRequest:
    number: int
    params: dict
    fault: str | None
    status: int
    entries: int
    at: float


def submitted_at(row: dict) -> datetime:
    """A deterministic submission time within the paper's published day (the corpus keeps dates only)."""
    day = datetime.fromisoformat(row["published"]).replace(tzinfo=UTC)
    secs = int(hashlib.sha1(row["id"].encode()).hexdigest()[:8], 16) % 86_000
    return day.replace(hour=secs // 3600, minute=secs % 3600 // 60, second=secs % 60)


# -- query language ---------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<op>ANDNOT|AND|OR)(?=[\s(])|"
    r"(?P<range>submittedDate:\[\s*(?P<a>\d{8,14})\s+TO\s+(?P<b>\d{8,14})\s*\])|"
    r"(?P<term>(?P<field>[a-z_]+):(?P<value>\"[^\"]*\"|[^\s()]+)))"
)


def tokenize(query: str) -> list[tuple]:
    out, pos = [], 0
    query = query.strip()
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse query at {query[pos:pos + 20]!r}")
        pos = m.end()
        if m.group("lp"):
            out.append(("(",))
        elif m.group("rp"):
            out.append((")",))
        elif m.group("op"):
            out.append(("op", m.group("op")))
        elif m.group("range"):
            out.append(("range", m.group("a").ljust(12, "0")[:12], m.group("b").ljust(12, "9")[:12]))
        else:
            out.append(("term", m.group("field"), m.group("value").strip('"')))
        while pos < len(query) and query[pos].isspace():
            pos += 1
    return out


def parse_query(query: str):
    """Returns a predicate over (row, submitted datetime). OR binds looser than AND/ANDNOT."""
    tokens = tokenize(query)
    i = 0

    def peek():
        return tokens[i] if i < len(tokens) else None

    def atom():
        nonlocal i
        t = peek()
        if t is None:
            raise ValueError("query ends early")
        i += 1
        if t[0] == "(":
            e = expr()
            if peek() != (")",):
                raise ValueError("missing )")
            i += 1
            return e
        if t[0] == "range":
            a, b = t[1], t[2]
            return lambda row, sub: a <= sub.strftime("%Y%m%d%H%M") <= b
        if t[0] == "term":
            fld, val = t[1], t[2].lower()
            if fld == "cat":
                return lambda row, sub: t[2] in row["categories"]
            if fld == "ti":
                return lambda row, sub: val in row["title"].lower()
            if fld == "abs":
                return lambda row, sub: val in row["abstract"].lower()
            if fld == "au":
                return lambda row, sub: any(val.replace("_", " ") in a.lower() for a in row.get("authors", []))
            if fld == "all":
                return lambda row, sub: val in (row["title"] + " " + row["abstract"]).lower()
            raise ValueError(f"unknown field {fld}")
        raise ValueError(f"unexpected token {t}")

    def conj():
        nonlocal i
        left = atom()
        while peek() in (("op", "AND"), ("op", "ANDNOT")):
            op = peek()[1]
            i += 1
            right = atom()
            left = (lambda a, b: lambda row, s: a(row, s) and b(row, s))(left, right) if op == "AND" else \
                (lambda a, b: lambda row, s: a(row, s) and not b(row, s))(left, right)
        return left

    def expr():
        nonlocal i
        left = conj()
        while peek() == ("op", "OR"):
            i += 1
            right = conj()
            left = (lambda a, b: lambda row, s: a(row, s) or b(row, s))(left, right)
        return left

    e = expr()
    if i != len(tokens):
        raise ValueError("trailing tokens in query")
    return e


# -- Atom rendering -------------------------------------------------------------------------------
def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_entry(row: dict) -> str:
    sub = submitted_at(row)
    version = row.get("version") or 1
    upd = datetime.fromisoformat(row["updated"]).replace(tzinfo=UTC) if row.get("updated") else sub
    vid = f"{row['id']}v{version}"
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(row['title'])}</title>",
        f"    <updated>{_ts(max(upd, sub))}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(row['abstract'])}</summary>",
    ]
    parts += [f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>' for c in row["categories"]]
    parts.append(f"    <published>{_ts(sub)}</published>")
    if row.get("comment"):
        parts.append(f"    <arxiv:comment>{escape(row['comment'])}</arxiv:comment>")
    parts.append(f'    <arxiv:primary_category term={quoteattr(row.get("primary_category") or row["categories"][0])}/>')
    if row.get("journal_ref"):
        parts.append(f"    <arxiv:journal_ref>{escape(row['journal_ref'])}</arxiv:journal_ref>")
    for a in row.get("authors") or []:
        parts += ["    <author>", f"      <name>{escape(a)}</name>", "    </author>"]
    if row.get("doi"):
        parts.append(f"    <arxiv:doi>{escape(row['doi'])}</arxiv:doi>")
    parts.append("  </entry>")
    return "\n".join(parts)


def render_feed(params: dict, rows: list[dict], total: int, start: int, per_page: int) -> str:
    q = {"search_query": params.get("search_query", ""), "id_list": params.get("id_list", ""),
         "start": start, "max_results": per_page}
    title = "arXiv Query: " + "&".join(f"{k}={v}" for k, v in q.items())
    head = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        f"<feed {NS_DECL}>",
        f"  <id>https://arxiv.org/api/{hashlib.sha1(title.encode()).hexdigest()[:27]}</id>",
        f"  <title>{escape(title)}</title>",
        f"  <updated>{_ts(datetime.now(UTC))}</updated>",
        f'  <link href={quoteattr("https://arxiv.org/api/query?" + urlencode(q))} type="application/atom+xml"/>',
        f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
    ]
    return "\n".join(head + [render_entry(r) for r in rows] + ["</feed>", ""])


def render_error(message: str) -> str:
    return "\n".join([
        "<?xml version='1.0' encoding='UTF-8'?>", f"<feed {NS_DECL}>", "  <id>https://arxiv.org/</id>",
        "  <title>arXiv Search Results</title>", f"  <updated>{_ts(datetime.now(UTC))}</updated>",
        "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>",
        "  <opensearch:totalResults>1</opensearch:totalResults>",
        "  <opensearch:startIndex>0</opensearch:startIndex>", "  <entry>",
        "    <id>https://arxiv.org/api/errors#bad_query</id>", "    <title>Error</title>",
        f"    <summary>{escape(message)}</summary>", "    <author>", "      <name>arXiv api core</name>",
        "    </author>", "  </entry>", "</feed>", ""])


# -- server ----------------------------------------------------------------------------------------
@dataclass
class FakeArxiv:
    """`with FakeArxiv(rows) as srv: srv.url ...` — rows are corpus records (optionally with `version`)."""

    rows: list[dict]
    faults_by_request: dict[int, Fault] = field(default_factory=dict)
    faults_by_start: dict[int, Fault] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)
    pdfs: dict[str, bytes | Fault] = field(default_factory=dict)  # /pdf/<id> -> bytes (or a Fault to answer with)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0
        self._server: ThreadingHTTPServer | None = None
        self._by_id = {r["id"]: r for r in self.rows}

    # lifecycle
    def start(self) -> FakeArxiv:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeArxiv:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/query"

    @property
    def pdf_url(self) -> str:
        """The PDF base URL (`TRENDSCOPE_ARXIV_PDF_URL`): PDFs are at `<pdf_url>/<id>`."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/pdf"

    def _pdf(self, h, u, entry) -> None:
        pid = u.path[len("/pdf/"):]
        body = self.pdfs.get(pid) or self.pdfs.get(pid.split("v")[0])
        if isinstance(body, Fault):
            if body.kind == "slow":
                time.sleep(body.seconds)
            return self._send(h, body.status or 503, "<html><body>unavailable</body></html>", entry,
                              ctype="text/html")
        if body is None:
            return self._send(h, 404, "<html><body>not found</body></html>", entry, ctype="text/html")
        entry.status = 200
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def set_rows(self, rows: list[dict]) -> None:
        with self._lock:
            self.rows = rows
            self._by_id = {r["id"]: r for r in rows}

    # answering
    def select(self, params: dict) -> list[dict]:
        """All matching rows in the requested order (the full result set before paging)."""
        ids = [i for i in params.get("id_list", "").split(",") if i]
        if ids:
            bare = [parse_arxiv_id(i)[0] for i in ids]  # BadArxivId (a ValueError) -> HTTP 400
            rows = [self._by_id[i] for i in bare if i in self._by_id]
        else:
            rows = list(self.rows)
        if params.get("search_query"):
            pred = parse_query(params["search_query"])
            rows = [r for r in rows if pred(r, submitted_at(r))]
        sort_by = params.get("sortBy", "relevance")
        desc = params.get("sortOrder", "descending") == "descending"
        if sort_by == "submittedDate":
            rows.sort(key=lambda r: (submitted_at(r), r["id"]), reverse=desc)
        elif sort_by == "lastUpdatedDate":
            rows.sort(key=lambda r: (r.get("updated") or r["published"], r["id"]), reverse=desc)
        return rows

    def _fault_for(self, number: int, start: int) -> Fault | None:
        for table, key in ((self.faults_by_request, number), (self.faults_by_start, start)):
            f = table.get(key)
            if f and f.times > 0:
                f.times -= 1
                return f
        return None

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        u = urlparse(h.path)
        params = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        with self._lock:
            self._count += 1
            number = self._count
            try:
                start = max(0, int(params.get("start", "0") or 0))
                per_page = min(2000, max(0, int(params.get("max_results", "10") or 10)))
            except ValueError:
                start, per_page = -1, 0
            fault = self._fault_for(number, start)
        entry = LoggedRequest(number, params, fault.kind if fault else None, 200, 0, time.monotonic())
        self.log.append(entry)
        if u.path.startswith("/pdf/"):
            return self._pdf(h, u, entry)
        if u.path != "/api/query":
            return self._send(h, 404, "not found", entry)
        if fault and fault.kind == "drop":
            h.close_connection = True
            return
        if fault and fault.kind == "http":
            return self._send(h, fault.status, f"<html><body>{fault.status} Service Unavailable</body></html>",
                              entry, ctype="text/html")
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)
        if start < 0:
            return self._send(h, 400, render_error("start and max_results must be integers"), entry)
        try:
            rows = self.select(params)
        except (ValueError, KeyError) as exc:
            return self._send(h, 400, render_error(f"bad query: {exc}"), entry)
        page = rows[start:start + per_page]
        if fault and fault.kind == "empty":
            page = []
        entry.entries = len(page)
        body = render_feed(params, page, len(rows), start, per_page)
        if fault and fault.kind == "truncate":
            body = body[: len(body) // 2]
        if fault and fault.kind in ("bad_date", "no_id") and "<entry>" in body:
            parts = body.split("<entry>")
            i = 1 + fault.entry if fault.entry >= 0 else len(parts) + fault.entry
            parts[i] = (re.sub(r"<published>[^<]*</published>", "<published>2026-02-30T10:00:00Z</published>",
                               parts[i]) if fault.kind == "bad_date" else re.sub(r"<id>[^<]*</id>", "", parts[i],
                                                                                   count=1))
            body = "<entry>".join(parts)
        if fault and fault.kind in ("cut", "trickle"):
            return self._send_badly(h, body, entry, fault)
        self._send(h, 200, body, entry)

    @staticmethod
    def _send_badly(h, body: str, entry: LoggedRequest, fault: Fault) -> None:
        """The whole length announced, then half the body and the connection closed ("cut"), or the body a byte at a
        time ("trickle")."""
        data = body.encode("utf-8")
        try:
            h.send_response(200)
            h.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            if fault.kind == "cut":
                h.wfile.write(data[: len(data) // 2])
                h.wfile.flush()
            else:
                for i in range(len(data)):
                    h.wfile.write(data[i:i + 1])
                    h.wfile.flush()
                    time.sleep(fault.seconds)
        except (BrokenPipeError, ConnectionResetError):
            pass
        h.close_connection = True

    @staticmethod
    def _send(h, status: int, body: str, entry: LoggedRequest, ctype: str = "application/atom+xml") -> None:
        entry.status = status
        data = body.encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", f"{ctype}; charset=utf-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


def main() -> None:  # pragma: no cover - manual use: python tests/arxiv_server.py SNAPSHOT
    import gzip
    import json
    import sys

    rows = [json.loads(line) for line in gzip.open(sys.argv[1], "rt", encoding="utf-8")]
    srv = FakeArxiv(rows).start()
    print(srv.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
