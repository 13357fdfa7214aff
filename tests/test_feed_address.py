"""Each subscription's Atom feed at a web address the app serves (a blind walkthrough found no served feed: a feed
reader needed the lab to publish the home's feeds/ folder with a web server of its own, which has no sign-in and
serves every feed to anyone). The address is the key, as a private calendar's is."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
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
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.ui.app.feed_guess_limit import FeedGuessLimit
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


async def _app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"the app"})


def _get(path: str, method: str = "GET", base: str = "", server: FeedServer | None = None,
         client: str = "10.0.0.9") -> tuple[int, dict, bytes]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": method, "client": (client, 4242)}
    asyncio.run((server or FeedServer(_app, base=base))(scope, None, send))
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
    # the log names a well-formed key by its first 8 hex digits (is a retired, leaked address still asked for?),
    # never the rest of it, nor a malformed path
    assert "no feed at /feeds/00000000….xml asked for by 10.0.0.9" in caplog.text and "0" * 9 not in caplog.text
    assert "no feed at a malformed feed address asked for by 10.0.0.9" in caplog.text and "trendscope.db" not in \
        caplog.text
    # a client "address" that is no IP address (a forged X-Forwarded-For, read through a trusted proxy) writes no
    # line of its own into the log (a forged "failed sign-in" for fail2ban: a blind security review)
    forged = "2026-12-07T02:00:00Z WARNING trendscope.accounts.users: failed sign-in for 'carla'"
    assert _get(wrong, client=forged)[0] == 404
    assert "asked for by an unreadable address" in caplog.text and "failed sign-in" not in caplog.text
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


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_the_guess_limit_counts_each_clients_misses_in_a_sliding_window():
    clock = Clock()
    limit = FeedGuessLimit(limit=3, window=60, max_clients=2, now=clock)
    assert [limit.missed("a"), limit.retry_after("a")] == [False, None]
    clock.t += 10
    assert [limit.missed("a"), limit.retry_after("a")] == [False, None]
    clock.t += 10
    assert limit.missed("a") is True  # the third within the window: it waits, said once
    assert limit.retry_after("a") == 40 and limit.retry_after("b") is None  # until its first miss is 60 s old
    assert limit.missed("a") is False  # counted, not said again
    clock.t += 40  # the first miss leaves the window, but the last three are within it
    assert limit.retry_after("a") == 10
    clock.t += 10  # sliding: two misses within the last 60 s
    assert limit.retry_after("a") is None and limit.missed("a") is True
    clock.t += 60  # every miss is out of the window: the client is forgotten
    assert limit.retry_after("a") is None and len(limit) == 0
    for client in ("a", "b", "c"):  # at most 2 clients: the one whose last miss is oldest goes first
        limit.missed(client)
    assert len(limit) == 2 and set(limit._misses) == {"b", "c"}
    assert FeedGuessLimit().limit == 20 and FeedGuessLimit().window == 600 and FeedGuessLimit().window_text == \
        "10 minutes"
    with pytest.raises(ValueError):
        FeedGuessLimit(limit=0)


def test_a_client_guessing_feed_addresses_is_answered_429_until_the_window_clears(caplog):
    """A client could ask for feed addresses without end, each 404 only logged."""
    good = "/feeds/" + "a" * 32 + ".xml"
    clock = Clock()
    server = FeedServer(_app, reader=lambda key: b"<feed/>" if key == "a" * 32 else None, base="", limit=3,
                        window=600, now=clock)
    for _ in range(5):  # served feeds do not count
        assert _get(good, server=server)[0] == 200
    for i in range(3):
        clock.t += 1
        assert _get(f"/feeds/{i:032x}.xml", server=server)[0] == 404
    status, headers, body = _get(good, server=server)  # its valid key too
    assert status == 429 and headers[b"retry-after"] == b"598" and b"try again later" in body
    assert _get(good, "HEAD", server=server)[0::2] == (429, b"")
    assert _get("/feeds/nonsense", server=server)[0] == 429
    assert _get(good, server=server, client="10.0.0.10")[0] == 200  # another client is served
    assert caplog.text.count("answered 429") == 1  # said once, with the client's address
    assert "10.0.0.9 asked for 3 feed addresses that do not exist within 10 minutes" in caplog.text
    clock.t += 598
    assert _get(good, server=server)[0] == 200
    assert FeedServer(_app, base="").guesses.limit == 20  # 20 in 10 minutes unless told otherwise


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
        # X-Forwarded-For from the loopback is not believed without `serve --trusted-proxy` (any process on the
        # server could pose as any client: a blind security review)
        forged = urllib.request.Request(f"{url}/feeds/{'2' * 32}.xml", headers={"X-Forwarded-For": "10.9.9.9"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(forged, timeout=10)
    log = (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")
    assert "no feed at /feeds/22222222….xml asked for by 127.0.0.1" in log and "10.9.9.9" not in log, log[-2000:]


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


def test_a_feed_given_a_new_address_keeps_everything_else(dhome, db):
    """A leaked feed address could be ended only by removing the subscription and adding it again (a new List-Id,
    its record of sent weeks gone, its last week mailed again)."""
    from trendscope.digest.feed_address import new_feed_address
    from trendscope.digest.subscription_store import SubscriptionStore

    name, path = _issued(dhome)
    sub = api.get_subscription(db, name)
    # the address it was made with: the subscription's token alone, as every feed had before
    assert sub.feed_salt is None
    assert sub.feed_token == hmac.new(sub.token.encode(), b"atom feed address", hashlib.sha256).hexdigest()[:32]
    store = SubscriptionStore(db)
    sent, feed = (store.issued_ids(sub.id, WEEK), store.deliveries(sub.id)), _get(path)[2]
    assert sent[0] and sent[1]
    renewed = new_feed_address(db, name)
    again = api.get_subscription(db, name)
    assert again.feed_token == renewed.feed_token != sub.feed_token and len(renewed.feed_token) == 32
    assert _get(path)[0] == 404 and subscription_for_feed(db, sub.feed_token) is None  # the old address ends
    assert _get(f"/feeds/{renewed.feed_token}.xml")[:3:2] == (200, feed)  # the same feed at the new one
    # its unsubscribe tokens, addresses, sent weeks and deliveries stay
    assert (again.token, again.emails, again.token_for("a@lab.example")) == (
        sub.token, sub.emails, sub.token_for("a@lab.example"))
    assert (store.issued_ids(sub.id, WEEK), store.deliveries(sub.id)) == sent
    assert new_feed_address(db, again).feed_token not in (renewed.feed_token, sub.feed_token)  # as the app lists it
    # who may not change it may not give it a new address; one without a feed has none to replace
    lab = api.add_subscription(db, dhome, "lab news", trends=["ethics"], lab=True)
    with pytest.raises(TrendscopeError, match="admins only"):
        new_feed_address(db, "lab news", user=Actor("bo", admin=False))
    assert api.get_subscription(db, "lab news").feed_token == lab.feed_token
    api.add_subscription(db, dhome, "quiet", trends=["privacy"], feed=False)
    with pytest.raises(TrendscopeError, match="'quiet' has no Atom feed"):
        new_feed_address(db, "quiet")
    # a user's own subscription is named as they type it, in the command it suggests too (`edit bo/quiet --feed`
    # was refused to bo: a blind security review)
    bo = Actor("bo", admin=False)
    api.add_subscription(db, dhome, "bo-quiet", trends=["privacy"], feed=False, user=bo)
    with pytest.raises(TrendscopeError, match=r"'bo-quiet' has no Atom feed.*subscriptions edit bo-quiet --feed"):
        new_feed_address(db, "bo-quiet", user=bo)
    with pytest.raises(TrendscopeError, match=r"subscriptions edit bo/bo-quiet --feed"):  # an admin names it so
        new_feed_address(db, "bo/bo-quiet")


def test_a_home_from_before_keeps_its_feed_addresses(tmp_path):
    """The migration adds the salt empty: every feed keeps the address its readers follow."""
    import sqlite3
    from pathlib import Path

    from trendscope.foundation.home import Home
    from trendscope.schema import open_home_database

    home = Home(tmp_path / "old").ensure()
    conn = sqlite3.connect(home.db_path)
    conn.executescript((Path(__file__).parent / "data" / "home_before_accounts.sql").read_text(encoding="utf-8"))
    conn.close()
    db = open_home_database(home)
    sub = api.get_subscription(db, "Weekly privacy")
    assert sub.token == "601d9ab32dc421b1" and sub.feed_salt is None
    expected = hmac.new(b"601d9ab32dc421b1", b"atom feed address", hashlib.sha256).hexdigest()[:32]
    assert feed_address(sub, None) == f"/feeds/{expected}.xml" and subscription_for_feed(db, expected).id == sub.id
    db.close()


def test_the_cli_gives_a_feed_a_new_address(dhome, db):
    name, path = _issued(dhome)
    done = cli(dhome.root, "subscriptions", "new-feed-address", name)
    assert done.exit_code == 0, done.output
    new_path = json.loads(cli(dhome.root, "subscriptions", "list", "--json").stdout)[0]["feed_address"]
    assert new_path != path and f"New feed address of 'mm': {new_path}\n" in done.stdout
    assert "The old address no longer answers" in done.stdout and _get(path)[0] == 404
    assert "served at that path under the app's address" in done.stderr  # a path alone, said as the list says it
    (dhome.root / "config.toml").write_text('[app]\nurl = "https://ts.lab.example/trendscope"\n')
    done = cli(dhome.root, "subscriptions", "new-feed-address", "MM")
    newest = api.get_subscription(db, name).feed_token
    assert f": https://ts.lab.example/trendscope/feeds/{newest}.xml\n" in done.stdout and not done.stderr
    assert f"/feeds/{newest}.xml" not in (path, new_path)
    # whoever may change it: a lab-wide one is an admin's; errors are one line
    from trendscope.accounts.users import Accounts

    Accounts(db).add("bo", email="bo@lab.example")
    api.add_subscription(db, dhome, "lab news", trends=["ethics"], lab=True)
    refused = cli(dhome.root, "--user", "bo", "subscriptions", "new-feed-address", "lab news")
    assert refused.exit_code == 1 and "admins only" in refused.output and "Traceback" not in refused.output
    assert cli(dhome.root, "--user", "owner", "subscriptions", "new-feed-address", "lab news").exit_code == 0
    missing = cli(dhome.root, "subscriptions", "new-feed-address", "nope")
    assert missing.exit_code == 1 and "no subscription named 'nope'" in missing.output


def test_the_digests_page_gives_the_feed_a_new_address(app_home):
    from app_harness import check, new_app, open_page

    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.ingest.store import open_database

    db = open_database(app_home / "trendscope.db")
    (sub,) = SubscriptionStore(db).all()
    (app_home / "config.toml").write_text('[app]\nurl = "https://ts.lab.example"\n')
    at = open_page(check(new_app().run()), "digests")
    old = f"https://ts.lab.example/feeds/{sub.feed_token}.xml"
    assert old in [c.value for c in at.code]
    assert at.button(key=f"new_feed_{sub.id}").label == "Give it a new address"  # in "Give this feed a new address"
    at = check(at.button(key=f"new_feed_{sub.id}").click().run())
    renewed = SubscriptionStore(db).all()[0].feed_token
    assert renewed != sub.feed_token
    shown = [c.value for c in at.code]
    assert f"https://ts.lab.example/feeds/{renewed}.xml" in shown and old not in shown
    assert any("has a new address" in s.value for s in at.success)
    db.conn.close()


def test_a_reader_who_may_not_change_a_lab_wide_feed_is_offered_no_new_address(app_home):
    from app_harness import new_app, open_page

    from trendscope.accounts.users import Accounts
    from trendscope.ingest.store import open_database

    db = open_database(app_home / "trendscope.db")
    Accounts(db).add("bo", email="bo@lab.example", password="correct horse battery")
    lab = api.add_subscription(db, Home(app_home), "lab news", trends=["efficiency"], lab=True)
    at = new_app()
    at.session_state["ts_session"] = Accounts(db).start_session("bo")
    at.session_state["digest_sub"] = "lab news"
    db.conn.close()
    at = open_page(at.run(), "digests")
    assert at.selectbox(key="digest_sub").value == "lab news"
    assert not [c for c in at.code if lab.feed_token in c.value]
    assert not [b for b in at.button if (b.key or "").startswith("new_feed_")]
    # ... and is told whom to ask for the address (a student had no way to learn it: a blind security review)
    assert any("kept by the lab's admins" in c and "ask one of them for it" in c for c in
               (x.value for x in at.caption)), [x.value for x in at.caption]


def test_a_feed_turned_off_and_on_again_gets_a_new_address(dhome, db):
    """A blind security review: switching a leaked feed off, and later on again, reopened the leaked address; and
    `subscriptions edit` did not say whether the feed was on."""
    name, path = _issued(dhome)
    off = cli(dhome.root, "subscriptions", "edit", name, "--no-feed")
    assert off.exit_code == 0 and "its Atom feed is off (its address ended" in off.stdout, off.output
    assert _get(path)[0] == 404
    on = cli(dhome.root, "subscriptions", "edit", name, "--feed")
    new_path = json.loads(cli(dhome.root, "subscriptions", "list", "--json").stdout)[0]["feed_address"]
    assert on.exit_code == 0 and f"its Atom feed is on, at a new address (the old one ended) {new_path}" in on.stdout
    assert new_path != path and _get(path)[0] == 404 and _get(new_path)[0] == 200
    again = cli(dhome.root, "subscriptions", "edit", name, "--feed")  # on already: the address stays
    assert "a new address" not in again.stdout and new_path in again.stdout
    assert json.loads(cli(dhome.root, "subscriptions", "list", "--json").stdout)[0]["feed_address"] == new_path


def test_the_json_listing_gives_the_whole_feed_address_and_marks_a_removed_accounts(dhome, db):
    """A blind security review: `subscriptions list --json` gave the path alone under [app] url (the text listing
    the whole address), and `--all` showed a removed account's subscriptions as if mailed and fed."""
    name, path = _issued(dhome)
    (dhome.root / "config.toml").write_text('[app]\nurl = "https://ts.lab.example"\n')
    listed = json.loads(cli(dhome.root, "subscriptions", "list", "--json").stdout)
    assert listed[0]["feed_address"] == f"https://ts.lab.example{path}" and "owner_removed" not in listed[0]
    assert cli(dhome.root, "users", "add", "dana", "--email", "dana@lab.example", "--no-password").exit_code == 0
    assert cli(dhome.root, "--user", "dana", "subscriptions", "add", "dana-sub", "--trend", "privacy").exit_code == 0
    assert cli(dhome.root, "users", "remove", "dana", "--yes").exit_code == 0
    every = cli(dhome.root, "subscriptions", "list", "--all")
    line = next(x for x in every.stdout.splitlines() if x.startswith("dana/dana-sub"))
    assert line.endswith("[account removed: no mail, its feed answers 404; adding the account again resumes both]")
    assert not next(x for x in every.stdout.splitlines() if x.startswith(f"{name}")).endswith("resumes both]")
    as_json = json.loads(cli(dhome.root, "subscriptions", "list", "--all", "--json").stdout)
    assert [s.get("owner_removed", False) for s in as_json] == [s["name"] == "dana-sub" for s in as_json]


def test_a_feed_entry_always_names_its_week_and_a_trend_lost_since(dhome, db):
    """A blind security review: a saved search's untagged papers had no "digest week" in their feed entry, and a
    trend digest's paper whose trend was removed by hand after the week was issued showed no reason to be there."""
    name, path = _issued(dhome)
    entries = ET.fromstring(_get(path)[2]).findall(f"{ATOM}entry")
    assert entries and all(f"digest week {WEEK}" in e.find(f"{ATOM}summary").text for e in entries)
    first = entries[0].find(f"{ATOM}id").text.rsplit("/", 1)[-1]
    done = cli(dhome.root, "correct-tags", first, "--remove", "multimodal")
    assert done.exit_code == 0, done.output
    after = {e.find(f"{ATOM}id").text.rsplit("/", 1)[-1]: e.find(f"{ATOM}summary").text
             for e in ET.fromstring(_get(path)[2]).findall(f"{ATOM}entry")}
    assert "none of this subscription's trends since the week was issued (its tags changed)" in after[first]
    assert not any("its tags changed" in text for aid, text in after.items() if aid != first)


def test_a_feed_reader_polling_gets_304_while_the_feed_is_unchanged_and_the_feed_names_itself(dhome, db):
    """A blind security review: each poll downloaded the whole feed (no validator), and the feed had no
    rel="self" link."""
    name, path = _issued(dhome)
    status, headers, body = _get(path)
    etag = headers[b"etag"]
    assert status == 200 and etag.startswith(b'"') and len(etag) == 34

    def conditional(tag: bytes) -> tuple[int, dict, bytes]:
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": path, "method": "GET", "client": ("10.0.0.9", 4242),
                 "headers": [(b"if-none-match", tag)]}
        asyncio.run(FeedServer(_app, base="")(scope, None, send))
        return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]

    assert conditional(etag)[0] == 304 and conditional(etag)[2] == b""
    assert b"content-length" not in conditional(etag)[1] and conditional(etag)[1][b"etag"] == etag
    assert conditional(b'W/"other", ' + etag)[0] == 304  # a list, a weak tag
    assert conditional(b'"stale"')[0] == 200
    # under [app] url the served feed names its own address (rel="self")
    (dhome.root / "config.toml").write_text('[app]\nurl = "https://ts.lab.example"\n')
    root = ET.fromstring(_get(path)[2])
    assert [x.get("href") for x in root.findall(f"{ATOM}link") if x.get("rel") == "self"] == [
        f"https://ts.lab.example{path}"]
    assert _get(path)[1][b"etag"] != etag  # another body, another tag
