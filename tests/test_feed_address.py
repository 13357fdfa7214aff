"""Each subscription's Atom feed at a web address the app serves (a blind walkthrough found no served feed: a feed
reader needed the lab to publish the home's feeds/ folder with a web server of its own, which has no sign-in and
serves every feed to anyone). The address is the key, as a private calendar's is."""
from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from browser_harness import serve
from click.testing import CliRunner
from digest_support import WEEK

from trendscope.digest import api
from trendscope.digest.feed_address import feed_address, feed_for_address, subscription_for_feed
from trendscope.foundation.actor import Actor
from trendscope.ui.app.feed_server import FeedServer

ATOM = "{http://www.w3.org/2005/Atom}"


def cli(home, *args, input=None):
    from trendscope.ui.cli import main

    return CliRunner().invoke(main, ["--home", str(home), *args], input=input)


def _issued(dhome) -> tuple[str, str]:
    """A subscription with a week issued to its feed: (its name, its feed address's path)."""
    assert cli(dhome.root, "subscriptions", "add", "mm", "--trend", "multimodal").exit_code == 0
    assert cli(dhome.root, "digest", "--week", WEEK, "--feeds-only").exit_code == 0
    listed = json.loads(cli(dhome.root, "subscriptions", "list", "--json").stdout)
    return "mm", listed[0]["feed_address"]


def _get(path: str, method: str = "GET", base: str = "") -> tuple[int, dict, bytes]:
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"the app"})

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": method, "client": ("10.0.0.9", 4242)}
    asyncio.run(FeedServer(app, base=base)(scope, None, send))
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_the_feed_address_serves_the_feed_and_nothing_else(dhome, db, caplog):
    name, path = _issued(dhome)
    sub = api.get_subscription(db, name)
    assert path == f"/feeds/{sub.feed_token}.xml" and len(sub.feed_token) == 32
    assert sub.token not in path  # the address, pasted into a feed reader, gives away no unsubscribe token
    status, headers, body = _get(path)
    assert status == 200 and headers[b"content-type"].startswith(b"application/atom+xml")
    assert body == api.feed(db, name, dhome)  # the feed the Digests page offers for download
    assert ET.fromstring(body).findall(f"{ATOM}entry")  # the week issued
    assert _get(path, "HEAD")[2] == b"" and _get(path, "HEAD")[0] == 200
    assert _get(path, "POST")[0] == 405
    # any other key, a malformed one, anything under /feeds/: 404, logged with the client's address; other paths
    # are the app's (`/_stcore/feeds/<key>.xml` served the feed, past a proxy rule on /feeds/: a security review)
    wrong = path.replace(sub.feed_token, "0" * 32)
    assert _get(wrong)[0] == 404 and _get(wrong)[2] == b"No such feed"
    for odd in (path.upper().replace("/FEEDS/", "/feeds/"), path + "/", path[:-1], path.replace(".xml", ".XML"),
                "/feeds/", "/feeds/../trendscope.db", path + path):
        assert _get(odd)[:3:2] == (404, b"No such feed"), odd
    assert "no feed at the address asked for by 10.0.0.9" in caplog.text
    for elsewhere in ("/_stcore" + path, "/app" + path, "/digests", "/x/feeds"):
        assert _get(elsewhere)[2] == b"the app", elsewhere
    # under a base path (`server.baseUrlPath`), there only
    assert _get("/ts" + path, base="/ts")[0] == 200 and _get(path, base="/ts")[2] == b"the app"
    assert subscription_for_feed(db, sub.token) is None and subscription_for_feed(db, "") is None
    # removed, its address ends; a subscription without a feed has none
    assert cli(dhome.root, "subscriptions", "remove", name, "--yes").exit_code == 0
    assert _get(path)[0] == 404 and feed_for_address(db, sub.feed_token, dhome) is None
    quiet = api.add_subscription(db, dhome, "quiet", trends=["privacy"], feed=False)
    assert quiet.feed_token is None and feed_address(quiet, "https://ts.lab.example") is None


def test_a_removed_accounts_feeds_end_and_resume_when_it_is_added_again(dhome, db):
    """A blind security review: after `users remove ana`, her feed addresses still answered."""
    from trendscope.accounts.users import Accounts

    Accounts(db).add("ana", email="ana@lab.example")
    mine = api.add_subscription(db, dhome, "mine", trends=["privacy"], user=Actor("ana", admin=False))
    path = f"/feeds/{mine.feed_token}.xml"
    assert _get(path)[0] == 200
    assert cli(dhome.root, "users", "remove", "ana", "--yes").exit_code == 0
    assert _get(path)[0] == 404
    Accounts(db).add("ana", email="ana@lab.example")
    assert _get(path)[0] == 200


def test_the_address_is_shown_to_whoever_may_change_the_subscription_only(dhome, db):
    name, path = _issued(dhome)
    bare = cli(dhome.root, "subscriptions", "list")
    assert f"the Atom feed ({path})" in bare.stdout and "served at that path under the app's address" in bare.stderr
    (dhome.root / "config.toml").write_text('[app]\nurl = "https://ts.lab.example/trendscope"\n')
    text = cli(dhome.root, "subscriptions", "list").stdout
    assert f"the Atom feed (https://ts.lab.example/trendscope{path})" in text
    lab = api.add_subscription(db, dhome, "lab news", trends=["ethics"], lab=True)
    shown = api.shown_to(lab, Actor("bo", admin=False))
    assert shown["feed_address"] is None and shown["unsubscribe_token"] is None  # a key, as the token is
    assert api.shown_to(lab, Actor("owner", admin=True))["feed_address"] == f"/feeds/{lab.feed_token}.xml"


@pytest.mark.slow  # a real server: ~10 s
def test_the_served_app_answers_the_feed_address_without_sign_in(dhome, tmp_path):
    _name, path = _issued(dhome)
    # an account with a password: every page of the app asks to sign in, the feed address does not
    assert cli(dhome.root, "users", "add", "ana", input="correct horse battery\n").exit_code == 0
    with serve(dhome.root, log_path=tmp_path / "serve.log") as url:
        with urllib.request.urlopen(f"{url}{path}", timeout=10) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("application/atom+xml")
            assert ET.fromstring(r.read()).findall(f"{ATOM}entry")
            assert r.headers["X-Frame-Options"] == "SAMEORIGIN"  # the app's headers too
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/feeds/{'1' * 32}.xml", timeout=10)
        assert refused.value.code == 404


def test_the_digests_page_shows_the_feed_address_to_its_owner(app_home):
    from app_harness import check, new_app, open_page

    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.ingest.store import open_database

    db = open_database(app_home / "trendscope.db")
    (sub,) = SubscriptionStore(db).all()
    db.conn.close()
    (app_home / "config.toml").write_text('[app]\nurl = "https://ts.lab.example"\n')
    at = open_page(check(new_app().run()), "digests")
    assert f"https://ts.lab.example/feeds/{sub.feed_token}.xml" in [c.value for c in at.code]
    assert any("anyone with the address reads this feed" in c.value for c in at.caption)
