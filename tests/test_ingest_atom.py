"""The Atom parser on every recorded arXiv response, and the fake server checked against those recordings."""
from __future__ import annotations

import json

import arxiv._feed as arxiv_feed
import pytest
import requests
from arxiv_server import FakeArxiv, parse_query, submitted_at
from lxml import etree

from trendscope.ingest.atom import NS, AtomParseError, parse_feed
from trendscope.ingest.records import author_name


def fixture_bodies(shared_dir) -> list[tuple[str, bytes]]:
    root = shared_dir / "data" / "fixtures" / "arxiv_api"
    out = []
    for f in sorted(root.rglob("*")):
        if f.suffix == ".json":
            out.append((f.name, json.loads(f.read_text())["body"].encode("utf-8")))
        elif f.suffix == ".xml":
            out.append((f.name, f.read_bytes()))
    return out


def test_every_recorded_fixture_parses(shared_dir):
    bodies = fixture_bodies(shared_dir)
    assert len(bodies) == 45  # 20 recorded JSON + 20 extracted XML + 5 legacy XML
    for name, body in bodies:
        feed = parse_feed(body)
        assert feed.total_results is not None and feed.start_index is not None, name
        assert feed.total_results == 0 or feed.entries, name
        for e in feed.entries:
            if e.is_error:
                assert name.startswith("id_abc") and "incorrect id format" in e.summary
                continue
            p = e.to_paper()
            assert p.title and p.abstract and p.published and len(p.published) == 10, name
            assert p.categories and p.primary_category in p.categories, name
        # the package's own parser agrees on what is in the feed
        ref = arxiv_feed.parse(body)
        assert [r.entry_id for r in ref.results] == [e.entry_id for e in feed.entries if not e.is_error], name


def test_recorded_paging_is_consistent(shared_dir):
    """start=5,max=10 and start=0,max=15 overlap exactly where they should."""
    by = dict(fixture_bodies(shared_dir))
    a = parse_feed(by["q_testing_s0_m15_80c242b59d59.json"])
    b = parse_feed(by["q_testing_s5_m10_c0e94a259d4a.json"])
    assert (a.start_index, b.start_index, a.items_per_page, b.items_per_page) == (0, 5, 15, 10)
    assert [e.entry_id for e in a.entries[5:15]] == [e.entry_id for e in b.entries]


def test_truncated_feed_is_refused(shared_dir):
    body = dict(fixture_bodies(shared_dir))["q_testing_s0_m10_bc5a6c384fe9.xml"]
    with pytest.raises(AtomParseError):
        parse_feed(body[: len(body) // 2])
    # ...which the arxiv package itself would have accepted as a shorter page
    assert 0 < len(arxiv_feed.parse(body[: len(body) // 2]).results) < 10
    with pytest.raises(AtomParseError):
        parse_feed(b"<html>503</html>")


def _shape(body: bytes) -> tuple[dict, set, set]:
    root = etree.fromstring(body)
    entry = root.find("atom:entry", NS)
    return dict(root.nsmap), {c.tag for c in root if c.tag != f"{{{NS['atom']}}}entry"}, {c.tag for c in entry}


def test_fake_server_matches_recorded_structure(shared_dir, sample_rows):
    recorded = dict(fixture_bodies(shared_dir))["q_testing_s0_m10_bc5a6c384fe9.xml"]
    rows = [r for r in sample_rows if r["authors"]][:30]
    with FakeArxiv(rows) as srv:
        resp = requests.get(srv.url, params={"search_query": "cat:cs.CL OR cat:cs.LG", "start": 0,
                                             "max_results": 10, "sortBy": "submittedDate",
                                             "sortOrder": "descending"}, timeout=10)
        assert resp.status_code == 200
        fake = resp.content
        bad = requests.get(srv.url, params={"id_list": "abc"}, timeout=10)
    rec_ns, rec_feed, rec_entry = _shape(recorded)
    fake_ns, fake_feed, fake_entry = _shape(fake)
    assert fake_ns == rec_ns
    assert fake_feed == rec_feed
    # optional elements (comment, journal_ref, doi) only appear when a paper has them
    optional = {f"{{{NS['arxiv']}}}{t}" for t in ("comment", "journal_ref", "doi")}
    assert rec_entry - optional <= fake_entry <= rec_entry
    ours, theirs = parse_feed(fake), arxiv_feed.parse(fake)
    assert len(ours.entries) == len(theirs.results) == 10
    assert ours.total_results == sum(1 for r in rows if {"cs.CL", "cs.LG"} & set(r["categories"]))
    for e, r in zip(ours.entries, theirs.results):
        p = e.to_paper()
        src = next(x for x in rows if x["id"] == p.id)
        assert (p.title, p.abstract, p.authors, p.categories) == (
            src["title"],
            src["abstract"],
            [author_name(a) for a in src["authors"]],  # as stored: TeX accents as letters ("R\\'e" -> "Ré")
            src["categories"],
        )
        assert r.get_short_id() == f"{p.id}v1" and r.primary_category == src["primary_category"]
    dates = [e.published for e in ours.entries]
    assert dates == sorted(dates, reverse=True)
    assert bad.status_code == 400 and parse_feed(bad.content).errors


def test_fake_query_language(sample_rows):
    rows = sample_rows
    pred = parse_query("(cat:cs.CL OR cat:cs.CV) AND submittedDate:[201801010000 TO 201912312359]")
    got = {r["id"] for r in rows if pred(r, submitted_at(r))}
    want = {
        r["id"] for r in rows if {"cs.CL", "cs.CV"} & set(r["categories"]) and "2018" <= r["published"][:4] <= "2019"
    }
    assert got == want and got
    pred = parse_query("cat:cs.CL ANDNOT cat:cs.LG")
    assert {r["id"] for r in rows if pred(r, submitted_at(r))} == {
        r["id"] for r in rows if "cs.CL" in r["categories"] and "cs.LG" not in r["categories"]}
    with pytest.raises(ValueError):
        parse_query("cat:cs.CL AND (")
