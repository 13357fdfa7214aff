"""Digests link each paper to its page in the lab's app when `[app] url` (or TRENDSCOPE_APP_URL) says where it is."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from digest_support import WEEK, smtp_config, smtp_server

from trendscope.digest import api
from trendscope.digest.app_link import load_app_url, paper_link
from trendscope.digest.weekly import feed_path, run_weekly
from trendscope.foundation.errors import TrendscopeError

A = "{http://www.w3.org/2005/Atom}"
APP = "https://ts.lab.example/trendscope"


def _config(home, text: str) -> None:
    home.config_path.write_text(text, encoding="utf-8")


def test_the_app_address_is_read_checked_and_the_variable_wins(tmp_path):
    cfg = tmp_path / "config.toml"
    assert load_app_url(cfg, env={}) is None  # no file: no app link
    cfg.write_text('[smtp]\nhost = "mail.example"\n')
    assert load_app_url(cfg, env={}) is None  # no [app]
    cfg.write_text('[app]\nurl = " https://ts.lab.example/trendscope/ "\n')
    assert load_app_url(cfg, env={}) == APP
    assert load_app_url(cfg, env={"TRENDSCOPE_APP_URL": "http://127.0.0.1:8501"}) == "http://127.0.0.1:8501"
    for bad in ("javascript:alert(1)", "ts.lab.example", "https://", "https://ts.lab.example/a b",
                'https://ts.lab.example/"><script>', "https://ts.lab.example/\r\nBcc: x@y", "ftp://ts.lab.example",
                "https://ts.lab.example:99999", "https://ts.lab.example:port"):
        with pytest.raises(TrendscopeError, match="TRENDSCOPE_APP_URL: (must be an http|bad port)") as err:
            load_app_url(cfg, env={"TRENDSCOPE_APP_URL": bad})
        assert "\n" not in str(err.value).replace(bad, "")
    for bad in ("https://me:secret@ts.lab.example", "https://ts.lab.example/?next=evil", "https://ts.lab.example/#x"):
        with pytest.raises(TrendscopeError, match="the app's address alone"):
            load_app_url(cfg, env={"TRENDSCOPE_APP_URL": bad})
    cfg.write_text('[app]\nurl = 8501\n')
    with pytest.raises(TrendscopeError, match=r"config.toml \[app\] url: must be an http"):
        load_app_url(cfg, env={})
    cfg.write_text('[app]\nulr = "https://ts.lab.example"\n')  # a misspelt key is refused, not ignored
    with pytest.raises(TrendscopeError, match=r"unknown key\(s\) in \[app\]: ulr \(known: url\)"):
        load_app_url(cfg, env={})
    cfg.write_text('app = "https://ts.lab.example"\n')
    with pytest.raises(TrendscopeError, match=r"\[app\] must be a table"):
        load_app_url(cfg, env={})
    assert paper_link(APP, "2401.01234v2") == f"{APP}/paper?id=2401.01234v2"
    assert paper_link(APP, "hep-th/9901001") == f"{APP}/paper?id=hep-th/9901001"
    assert paper_link(APP, "x&y=<z>") == f"{APP}/paper?id=x%26y%3D%3Cz%3E"


def test_every_digest_format_links_to_the_reader_page_besides_arxiv(db, dhome, monkeypatch):
    monkeypatch.delenv("TRENDSCOPE_APP_URL", raising=False)
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=3)
    plain = api.build(db, dhome, "mm", WEEK)
    assert plain.app_url is None and plain.papers
    rendered = "".join(api.render(plain, f).decode() for f in ("md", "text", "html", "atom"))
    assert "/paper?id=" not in rendered and "Read in Trendscope" not in rendered
    _config(dhome, f'[app]\nurl = "{APP}/"\n')
    d = api.build(db, dhome, "mm", WEEK)
    first = d.papers[0]
    link = f"{APP}/paper?id={first.id}"
    md = api.render(d, "md").decode()
    assert f"[read in Trendscope]({link})" in md and f"[abs](https://arxiv.org/abs/{first.id})" in md
    assert md.split("\n### 1. ", 1)[1].split("\n", 1)[0].endswith(f"]({link})")  # the title opens the reader
    text = api.render(d, "text").decode()
    assert f"   read: {link}\n   abs: https://arxiv.org/abs/{first.id}" in text
    html = api.render(d, "html").decode()
    assert f'<a href="{link}" style=' in html and ">Read in Trendscope</a>" in html
    assert f'href="https://arxiv.org/abs/{first.id}"' in html
    feed = ET.fromstring(api.render(d, "atom"))
    feed_links = {e.get("rel"): e.get("href") for e in feed.findall(f"{A}link")}
    assert feed_links["alternate"] == f"{APP}/digests"  # the feed's page (a reader showed the feed's urn: id)
    entry = feed.findall(f"{A}entry")[0]
    links = {(e.get("rel"), e.get("type"), e.get("title")): e.get("href") for e in entry.findall(f"{A}link")}
    assert links[("related", "text/html", "Trendscope")] == link
    assert links[("alternate", "text/html", None)] == first.abs_url  # the entry's id and main link stay arXiv's
    assert entry.findtext(f"{A}id") == first.abs_url


def test_a_bad_app_address_is_one_line_from_the_cli_and_stops_a_weekly_run_before_it_sends(db, dhome):
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=2, emails=["ana@lab.example"], confirmed=True)
    _config(dhome, '[app]\nurl = "javascript:alert(1)"\n')
    from trendscope.ui.cli import main

    r = CliRunner().invoke(main, ["--home", str(dhome.root), "digest", "--week", WEEK])
    assert r.exit_code == 1 and r.output.count("\n") == 1
    assert r.output.startswith("Error: ") and "config.toml [app] url: must be an http(s) address" in r.output
    with smtp_server() as (rec, port):
        with pytest.raises(TrendscopeError, match=r"\[app\] url"):
            run_weekly(db, dhome, week=WEEK, send=True, smtp_config=smtp_config(port),
                       now=datetime(2026, 5, 27, tzinfo=UTC))
        assert rec.messages == []


def test_the_weekly_mail_and_feed_file_carry_the_reader_link(db, dhome):
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=2, emails=["ana@lab.example"], confirmed=True)
    _config(dhome, f'[app]\nurl = "{APP}"\n')
    with smtp_server() as (rec, port):
        result = run_weekly(db, dhome, week=WEEK, send=True, smtp_config=smtp_config(port),
                            now=datetime(2026, 5, 27, tzinfo=UTC))
    inbox = rec.messages
    assert result.sent == 1 and len(inbox) == 1
    sub = api.get_subscription(db, "mm")
    body = inbox[0].get_body(("plain",)).get_content()
    html = inbox[0].get_body(("html",)).get_content()
    entries = ET.parse(feed_path(dhome, sub)).getroot().findall(f"{A}entry")
    ids = [e.findtext(f"{A}id").rsplit("/", 1)[1] for e in entries]
    # the 2 papers it lists, then those it names under "Less sure" (each linked too)
    assert len([e for e in entries if not e.findtext(f"{A}title").startswith("[Less sure] ")]) == 2
    for aid in ids:
        assert f"read: {APP}/paper?id={aid}" in body and f'href="{APP}/paper?id={aid}"' in html
    feed = feed_path(dhome, sub).read_text()
    assert feed.count(f'href="{APP}/paper?id=') == len(ids) and 'title="Trendscope"' in feed
