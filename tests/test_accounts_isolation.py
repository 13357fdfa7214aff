"""Each user's lists, notes, thumbs and subscriptions are theirs: another user cannot read, change, export or
delete them through the Python API, the CLI or the app, unless shared. Lab-wide subscriptions: everyone reads
them, only admins change them."""
from __future__ import annotations

import json

import pytest
from app_harness import all_markdown, check, new_app, open_page
from app_seed import LIST_NAME, SUBSCRIPTION
from argon2 import PasswordHasher
from lists_support import cli, ingest_rows

from trendscope.accounts.users import Accounts
from trendscope.digest import api
from trendscope.foundation.actor import OWNER, Actor
from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.store import open_database
from trendscope.reading.lists import ReadingLists

PW = "correct horse battery"
ANA, BO = Actor("ana", admin=False), Actor("bo", admin=False)
IDS = ["2409.01001", "2409.01002", "2409.01003"]


@pytest.fixture
def db(home, sample_rows):
    db = ingest_rows(home, sample_rows[:5])
    acc = Accounts(db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    acc.add("ana", email="ana@lab.example", password=PW)
    acc.add("bo", email="bo@lab.example", password=PW)
    return db


def test_a_users_lists_are_invisible_and_untouchable_for_another_user(db):
    ana, bo = ReadingLists(db, user=ANA), ReadingLists(db, user=BO)
    ana.create("to read")
    ana.add("to read", IDS[:2], note="ana's note")
    ana.set_feedback(IDS[0], 1)
    ana.add_passage_note(IDS[0], 3, "ana's passage note", quote="quoted")
    bo.create("to read")  # the same name, another list
    assert [s.ref for s in bo.lists()] == ["to read"] and bo.items("to read") == []
    for attempt in (lambda: bo.items("ana/to read"), lambda: bo.export("ana/to read", "md"),
                    lambda: bo.add("ana/to read", IDS[2:]), lambda: bo.remove("ana/to read", IDS[:1]),
                    lambda: bo.delete("ana/to read"), lambda: bo.rename("ana/to read", "mine"),
                    lambda: bo.share("ana/to read", "bo", edit=True), lambda: bo.set_note("ana/to read", IDS[0], "x"),
                    lambda: bo.recommend("ana/to read")):
        with pytest.raises(TrendscopeError, match="no reading list named 'ana/to read'"):
            attempt()
    assert bo.feedback() == {} and bo.passage_notes(IDS[0]) == []
    assert bo.memberships(IDS) == {} and ana.memberships(IDS) == {IDS[0]: ["to read"], IDS[1]: ["to read"]}
    assert [i.arxiv_id for i in ana.items("to read")] == IDS[:2]
    assert ReadingLists(db).lists() == []  # nor does the local owner see it
    assert ana.store.taste_signature("ana") != ana.store.taste_signature("bo")


def test_shared_lists_are_read_only_or_editable_and_only_the_owner_shares_renames_or_deletes(db):
    ana, bo = ReadingLists(db, user=ANA), ReadingLists(db, user=BO)
    ana.create("group")
    ana.add("group", IDS[:1])
    ana.share("group", "bo")
    assert [(s.ref, s.access) for s in bo.lists()] == [("ana/group", "read")]
    assert [i.arxiv_id for i in bo.items("group")] == IDS[:1]  # the bare name while it is unambiguous
    assert b"ana/group" in bo.export("ana/group", "md")
    with pytest.raises(TrendscopeError, match="read-only"):
        bo.add("ana/group", IDS[1:2])
    with pytest.raises(TrendscopeError, match="read-only"):
        bo.set_status("ana/group", IDS[:1], "read")
    ana.share("group", "bo", edit=True)
    assert bo.add("ana/group", IDS[1:2]).added == IDS[1:2]
    for attempt in (lambda: bo.delete("ana/group"), lambda: bo.rename("ana/group", "x"),
                    lambda: bo.share("ana/group", "owner")):
        with pytest.raises(TrendscopeError, match="only the owner"):
            attempt()
    assert [s.shared_with for s in ana.own_lists()] == [[("bo", True)]]
    ana.unshare("group", "bo")
    assert bo.lists() == []
    ana.share("group", "everyone")
    assert [(s.ref, s.access) for s in ReadingLists(db).lists()] == [("ana/group", "read")]
    with pytest.raises(TrendscopeError, match="no user named 'zed'"):
        ana.share("group", "zed")


def test_an_ambiguous_bare_name_asks_whose_list_is_meant(db):
    for who in (ANA, OWNER):
        rl = ReadingLists(db, user=who)
        rl.create("papers")
        rl.share("papers", "bo")
    with pytest.raises(TrendscopeError, match="several lists named 'papers'.*ana/papers, owner/papers"):
        ReadingLists(db, user=BO).items("papers")


def test_subscriptions_belong_to_their_user_and_lab_wide_ones_to_admins(db, home):
    from trendscope.foundation.home import Home

    h = Home(home)
    api.add_subscription(db, h, "mine", trends=["privacy"], user=ANA)
    api.add_subscription(db, h, "mine", trends=["ethics"], user=BO)  # the same name, another owner
    with pytest.raises(TrendscopeError, match="admins only"):
        api.add_subscription(db, h, "lab", trends=["ethics"], user=ANA, lab=True)
    api.add_subscription(db, h, "lab news", trends=["efficiency"], user=OWNER, lab=True)
    assert [(s.name, s.owner) for s in api.list_subscriptions(db, user=BO)] == [("lab news", "*"), ("mine", "bo")]
    assert api.get_subscription(db, "mine", user=BO).trends == ["ethics"]
    with pytest.raises(TrendscopeError, match="no subscription named 'ana/mine'"):
        api.get_subscription(db, "ana/mine", user=BO)
    with pytest.raises(TrendscopeError, match="admins only"):
        api.remove_subscription(db, "lab news", user=BO)
    with pytest.raises(TrendscopeError, match="admins only"):
        api.confirm_addresses(db, "mine", user=BO)
    ana_sub = api.get_subscription(db, "mine", user=ANA)
    with pytest.raises(TrendscopeError, match="no subscription"):
        api.remove_subscription(db, ana_sub, user=BO)  # a Subscription object is checked too
    api.remove_subscription(db, "mine", user=BO)
    assert [s.owner for s in api.all_subscriptions(db)] == ["*", "ana"]
    assert api.get_subscription(db, "ana/mine", user=OWNER).owner == "ana"  # admins reach anyone's


# -- the CLI ----------------------------------------------------------------------------------------------
def test_the_cli_acts_as_the_user_named_by_user(home, db):
    assert cli(home, "--user", "ana", "lists", "create", "to read").exit_code == 0
    assert cli(home, "--user", "ana", "lists", "add", "to read", IDS[0]).exit_code == 0
    assert cli(home, "--user", "bo", "lists", "--json").output.strip() == "[]"
    for args in (["lists", "show", "ana/to read"], ["lists", "export", "ana/to read", "--format", "md"],
                 ["lists", "delete", "ana/to read", "--yes"], ["lists", "add", "ana/to read", IDS[1]]):
        done = cli(home, "--user", "bo", *args)
        assert done.exit_code == 1 and "no reading list named 'ana/to read'" in done.output, args
    assert cli(home, "--user", "ana", "lists", "share", "to read", "bo").exit_code == 0
    shown = cli(home, "--user", "bo", "lists", "show", "ana/to read", "--json")
    assert shown.exit_code == 0 and IDS[0] in shown.output
    done = cli(home, "--user", "bo", "lists", "add", "ana/to read", IDS[1])
    assert done.exit_code == 1 and "read-only" in done.output
    # stopping one user's share says when the list stays open to them through "everyone"
    assert cli(home, "--user", "ana", "lists", "share", "to read", "everyone", "--edit").exit_code == 0
    done = cli(home, "--user", "ana", "lists", "share", "to read", "bo", "--stop")
    assert done.output.strip() == ("'to read' is no longer shared with bo. They can still edit it: it is shared "
                                   "with everyone.")
    done = cli(home, "--user", "ana", "lists", "share", "to read", "everyone", "--stop")
    assert done.output.strip() == "'to read' is no longer shared with everyone."
    assert cli(home, "--user", "ana", "lists", "share", "to read", "bo").exit_code == 0
    assert cli(home, "--user", "bo", "subscriptions", "add", "bo's", "--trend", "privacy").exit_code == 0
    assert json.loads(cli(home, "--user", "ana", "subscriptions", "--json").output) == []
    done = cli(home, "--user", "ana", "subscriptions", "remove", "bo's")
    assert done.exit_code == 1 and "no subscription named" in done.output
    done = cli(home, "--user", "bo", "subscriptions", "add", "lab", "--trend", "privacy", "--lab")
    assert done.exit_code == 1 and "admins only" in done.output
    done = cli(home, "--user", "bo", "digest", "--send")
    assert done.exit_code == 1 and "admins only" in done.output
    assert "bo's" in cli(home, "--user", "bo", "subscriptions").output
    # a non-admin's --email waits for an admin, as in the app; the owner's own is the operator's confirmation
    done = cli(home, "--user", "bo", "subscriptions", "add", "to-them", "--trend", "privacy",
               "--email", "someone@elsewhere.example")
    assert done.exit_code == 0 and "someone@elsewhere.example (unconfirmed)" in done.output
    assert "subscriptions confirm bo/to-them" in done.output
    subs = {s["name"]: s for s in json.loads(cli(home, "--user", "bo", "subscriptions", "--json").output)}
    assert subs["to-them"]["pending"] == ["someone@elsewhere.example"]
    assert cli(home, "--user", "bo", "subscriptions", "confirm", "to-them").exit_code == 1  # admins only
    # the bare name another user's subscription has: the admin is told its full name (a blind walkthrough read only
    # "no subscription named 'tts'" for ana/tts), and `--all`'s hint gives the names as listed
    bare = cli(home, "subscriptions", "confirm", "to-them")
    assert bare.exit_code == 1 and "no subscription named 'to-them' (did you mean 'bo/to-them'?)" in bare.output
    assert "confirm NAME [EMAIL] (NAME as listed above, e.g. bo/to-them)" in cli(
        home, "subscriptions", "list", "--all").output
    # bo's own list told bo "e.g. to-them", which the admin's `confirm` refuses (a blind walkthrough)
    assert "confirm NAME [EMAIL] (as the admin names yours: bo/to-them)" in cli(
        home, "--user", "bo", "subscriptions", "list").output
    # without an address the admin sees what would be confirmed and is asked (all were confirmed unseen)
    asked = cli(home, "subscriptions", "confirm", "bo/to-them", input="n\n")
    assert asked.exit_code == 1 and "Unconfirmed addresses of 'bo/to-them': someone@elsewhere.example" in asked.output
    subs = {s["name"]: s for s in json.loads(cli(home, "--user", "bo", "subscriptions", "--json").output)}
    assert subs["to-them"]["pending"] == ["someone@elsewhere.example"]
    assert "someone@elsewhere.example" in cli(home, "subscriptions", "confirm", "bo/to-them", "--yes").output
    done = cli(home, "subscriptions", "add", "mine", "--trend", "privacy", "--email", "me@lab.example")
    assert done.exit_code == 0 and "unconfirmed" not in done.output
    # a user's own account address waits for nobody (it did: a blind walkthrough); another address still waits
    done = cli(home, "--user", "bo", "subscriptions", "add", "to-me", "--trend", "privacy",
               "--email", "BO@lab.example", "--email", "friend@elsewhere.example")
    assert done.exit_code == 0 and "BO@lab.example," in done.output and "BO@lab.example (unconfirmed)" not in \
        done.output and "friend@elsewhere.example (unconfirmed)" in done.output


def test_an_admin_finds_whose_addresses_wait_and_a_removed_users_digests_stop(home, db):
    """A blind lab-admin walkthrough: `digest --send` said "3 unconfirmed addresses skipped" without naming the
    subscriptions, the suggested `confirm bo/llm agents` was not quoted for a shell, a subscription could be
    named "ana/privacy" (and then commands reached the wrong one), and `users remove bo` left bo's digests mailed."""
    from datetime import UTC, datetime

    from digest_support import smtp_config, smtp_server

    from trendscope.digest.weekly import run_weekly
    from trendscope.foundation.home import Home

    done = cli(home, "--user", "bo", "subscriptions", "add", "llm agents", "--trend", "privacy",
               "--email", "attacker@evil.example")
    assert done.exit_code == 0 and "trendscope subscriptions confirm 'bo/llm agents'" in done.output
    assert "until an admin runs" in cli(home, "--user", "bo", "subscriptions").output
    # a zero-width space made "zero\u200bwidth" look like "zerowidth" (a blind lab-admin walkthrough)
    for bad in ("ana/privacy", "x\u202egnp.exe", "zero\u200bwidth", "x\ufeffy"):
        done = cli(home, "--user", "bo", "subscriptions", "add", bad, "--trend", "privacy")
        assert done.exit_code == 1 and done.output.count("\n") == 1, bad
    for bad in ("\u202eevil", "zero\u200bwidth"):
        assert cli(home, "--user", "ana", "lists", "create", bad).exit_code == 1, bad
    every = cli(home, "subscriptions", "list", "--all")
    assert every.exit_code == 0 and "bo/llm agents: trends privacy" in every.output
    assert "attacker@evil.example (unconfirmed)" in every.output
    assert cli(home, "--user", "bo", "subscriptions", "list", "--all").exit_code == 1  # admins only
    assert {(s["name"], s["owner"]) for s in json.loads(cli(home, "subscriptions", "list", "--all", "--json").output)} \
        == {("llm agents", "bo")}
    h = Home(home)
    api.add_subscription(db, h, "mailed", trends=["privacy"], emails=["ana@lab.example"], confirmed=True, user=ANA)
    api.add_subscription(db, h, "bo mailed", trends=["privacy"], emails=["bo@lab.example"], confirmed=True, user=BO)
    Accounts(db).remove("ana")
    from datetime import date, timedelta

    from trendscope.foundation.clock import week_bounds, week_of

    newest = date.fromisoformat(db.execute("SELECT max(published) FROM papers").fetchone()[0][:10])
    week = week_of(newest)  # a week that holds papers (one with none is not issued at all)
    after = datetime.combine(week_bounds(week)[1] + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    with smtp_server() as (rec, port):
        result = run_weekly(db, h, week=week, send=True, smtp_config=smtp_config(port), now=after)
    assert "1 unconfirmed address skipped, in 'bo/llm agents'" in result.summary()
    assert "confirm with `trendscope subscriptions confirm 'bo/llm agents'`" in result.summary()
    # not ana's; bo's digest of that week holds no new paper, so it is not mailed either (said in the summary)
    assert result.digests == 2 and rec.messages == [] and result.not_mailed_empty == ["bo/bo mailed"]
    assert result.orphaned == ["ana/mailed"] and "1 subscription of removed users skipped ('ana/mailed'" \
        in result.summary()
    assert sorted(s.command_name for s in api.all_subscriptions(db)) == ["ana/mailed", "bo/bo mailed",
                                                                         "bo/llm agents"]  # kept stored


def test_removing_a_user_names_the_other_subscriptions_that_still_mail_them(home, db):
    """A blind lab-admin walkthrough: after `users remove bo`, bo's own digests stopped but the lab-wide one kept
    mailing bo@lab.example, without a word."""
    from trendscope.foundation.home import Home

    h = Home(home)
    api.add_subscription(db, h, "lab news", trends=["efficiency"], user=OWNER, lab=True,
                         emails=["carol@lab.example", "BO@lab.example"], confirmed=True)
    api.add_subscription(db, h, "own", trends=["privacy"], emails=["bo@lab.example"], confirmed=True, user=BO)
    done = cli(home, "users", "remove", "bo", "--yes")
    assert done.exit_code == 0, done.output
    assert ("note: bo@lab.example still gets 1 other subscription: lab news (remove it from each with "
            "`trendscope subscriptions unsubscribe NAME bo@lab.example`)") in done.stderr, done.stderr
    quiet = cli(home, "users", "remove", "ana", "--yes")  # mailed by nothing else: nothing to add
    assert quiet.exit_code == 0 and "still gets" not in quiet.stderr


# -- the app ----------------------------------------------------------------------------------------------
@pytest.fixture
def lab_home(app_home):
    """The seeded app home (the owner's list and subscription) plus ana and bo with passwords, ana's own list
    and subscription."""
    db = open_database(app_home / "trendscope.db")
    acc = Accounts(db)
    acc.add("ana", email="ana@lab.example", password=PW)
    acc.add("bo", email="bo@lab.example", password=PW)
    rl = ReadingLists(db, user=ANA)
    rl.create("Ana private")
    rl.add("Ana private", IDS[:1])
    db.conn.close()
    return app_home


def _list_choices(at) -> list[str]:
    return [o.split(" · ")[0] for o in at.selectbox(key="list_pick").options]


def _signed_in(home, name: str):
    at = new_app()
    at.session_state["ts_session"] = Accounts(open_database(home / "trendscope.db")).start_session(name)
    return at


def test_sign_in_settings_written_after_the_server_started_ask_for_a_restart_not_a_traceback(lab_home):
    """A blind walkthrough wrote a valid secrets.toml while the app ran: Streamlit reads [auth] only at start, and
    every visitor got an AttributeError traceback, password sign-in included."""
    (lab_home / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "https://ts.lab.example/oauth2callback"\n'
        'cookie_secret = "a-long-cookie-secret-for-this-test-only"\n'
        'client_id = "trendscope"\nclient_secret = "s"\n'
        'server_metadata_url = "https://idp.lab.example/.well-known/openid-configuration"\n')
    at = check(new_app().run())
    assert any("restart `trendscope serve`" in w.value for w in at.warning)
    assert [t.value for t in at.title] == ["Sign in to Trendscope"]  # the password form still works
    at.text_input(key="sign_in_name").set_value("ana")
    at.text_input(key="sign_in_password").set_value(PW)
    at.button(key="FormSubmitter:sign_in-Sign in").click()
    at = check(at.run())
    assert "Ana private" in _list_choices(open_page(at, "lists"))


def test_with_accounts_the_app_asks_everyone_to_sign_in_and_shows_no_page_before(lab_home):
    at = check(new_app().run())
    assert [t.value for t in at.title] == ["Sign in to Trendscope"]
    assert "To read" not in all_markdown(at) and not at.selectbox
    at.text_input(key="sign_in_name").set_value("ana")
    at.text_input(key="sign_in_password").set_value("wrong password")
    at = check(at.button(key="FormSubmitter:sign_in-Sign in").click().run(timeout=60))
    assert [e.value for e in at.error] == ["wrong user name or password"]
    at.text_input(key="sign_in_password").set_value(PW)
    at = check(at.button(key="FormSubmitter:sign_in-Sign in").click().run(timeout=60))
    assert "Sign in to Trendscope" not in [t.value for t in at.title]
    assert any("Signed in as **ana**" in c.value for c in at.sidebar.caption)
    at = open_page(at, "lists")
    assert _list_choices(at) == ["Ana private"]


def test_in_the_app_each_user_sees_only_their_lists_and_subscriptions_unless_shared(lab_home):
    at = open_page(_signed_in(lab_home, "bo").run(), "lists")
    assert not at.selectbox  # bo has none; ana's and the owner's are not shown
    assert "No reading lists yet" in [i.value for i in at.info][0]
    at = open_page(at, "digests")
    assert SUBSCRIPTION not in all_markdown(at)
    db = open_database(lab_home / "trendscope.db")
    ReadingLists(db).share(LIST_NAME, "bo")  # the owner shares theirs read-only
    at = open_page(_signed_in(lab_home, "bo").run(), "lists")
    assert _list_choices(at) == [f"owner/{LIST_NAME}"]
    assert "read-only" in all_markdown(at) + " ".join(c.value for c in at.caption)
    assert all(sb.disabled for sb in at.selectbox if sb.key and sb.key.startswith("st_"))
    assert not [b for b in at.button if b.key and b.key.startswith(("rm_", "delete_list", "rec_add_"))]
    at = open_page(_signed_in(lab_home, "owner").run(), "lists")  # the owner has no password: a session only
    assert _list_choices(at) == [LIST_NAME]


def test_an_expired_or_ended_session_returns_to_the_sign_in_page(lab_home):
    at = _signed_in(lab_home, "ana").run()
    assert "Sign in to Trendscope" not in [t.value for t in at.title]
    at = check(at.sidebar.button(key="sign_out").click().run())
    assert [t.value for t in at.title] == ["Sign in to Trendscope"]
    at = new_app()
    at.session_state["ts_session"] = "forged-or-expired-token"
    at = check(at.run())
    assert [t.value for t in at.title] == ["Sign in to Trendscope"]
    assert "Your session ended" in [i.value for i in at.info][0]


def test_no_auth_shows_a_banner_and_an_exposed_address_without_sign_in_is_refused(app_home, monkeypatch):
    from streamlit import config

    monkeypatch.setenv("TRENDSCOPE_NO_AUTH", "1")
    at = check(new_app().run())
    assert "Sign-in is off" in at.warning[0].value
    monkeypatch.delenv("TRENDSCOPE_NO_AUTH")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = new_app().run()
    finally:
        config.set_option("server.address", "127.0.0.1")
    assert "no sign-in is configured" in at.error[0].value and not at.selectbox


def test_a_lab_wide_subscriptions_addresses_are_shown_only_to_those_who_may_change_it(lab_home):
    """A blind lab-admin walkthrough: every signed-in user read the addresses of lab-wide subscriptions (other
    people's mail addresses) on the Digests page; a reader who may not change one sees how many there are."""
    from trendscope.foundation.home import Home

    db = open_database(lab_home / "trendscope.db")
    api.add_subscription(db, Home(lab_home), "lab news", trends=["efficiency"], user=OWNER, lab=True,
                         emails=["carol@lab.example", "dan@lab.example"], confirmed=True)
    db.conn.close()
    at = open_page(_signed_in(lab_home, "bo").run(), "digests")
    text = all_markdown(at)
    assert "lab news" in text and "2 email addresses" in text
    assert "carol@lab.example" not in text and "dan@lab.example" not in text
    at = open_page(_signed_in(lab_home, "owner").run(), "digests")  # an admin may change it: sees them
    text = all_markdown(at)
    assert "carol@lab.example" in text and "dan@lab.example" in text


def test_a_lab_wide_digests_email_download_names_no_recipient_for_a_reader_who_may_not_change_it(lab_home,
                                                                                                 monkeypatch):
    """A blind lab-admin walkthrough: the page showed "2 email addresses", but the ".eml" download held
    `To: secret-person@partner.example` and the unsubscribe token of the subscription."""
    from trendscope.foundation.home import Home

    db = open_database(lab_home / "trendscope.db")
    api.add_subscription(db, Home(lab_home), "lab news", trends=["multimodal"], user=OWNER, lab=True,
                         emails=["carol@lab.example"], confirmed=True)
    sub = next(s for s in api.list_subscriptions(db, user=OWNER) if s.name == "lab news")
    db.conn.close()
    seen: dict[str, bool] = {}
    render = api.render

    def spy(digest, fmt, **kw):
        if fmt == "eml":
            out = render(digest, fmt, **kw)
            seen[digest.subscription.name] = b"carol@lab.example" in out or sub.token.encode() in out
            return out
        return render(digest, fmt, **kw)

    monkeypatch.setattr(api, "render", spy)
    for user, leaks in (("bo", False), ("owner", True)):
        at = _signed_in(lab_home, user)
        at.session_state["digest_sub"] = "lab news"
        at = open_page(at.run(), "digests")
        assert at.selectbox(key="digest_sub").value == "lab news" and "Email (.eml)" in [
            b.label for b in at.download_button], user
        assert seen.pop("lab news") is leaks, user


def test_the_status_page_keeps_the_servers_paths_and_settings_for_admins(lab_home):
    """A blind lab-admin walkthrough: a normal user read the data home's path and "config.toml holds the SMTP
    password and is readable ..." on the Status page."""
    (lab_home / "config.toml").write_text('[smpt]\nhost = "mail.lab.example"\n', encoding="utf-8")
    at = open_page(_signed_in(lab_home, "bo").run(), "status")
    shown = " ".join(c.value for c in at.caption) + " ".join(w.value for w in at.warning)
    assert str(lab_home) not in shown and "smpt" not in shown, shown
    assert any("1 setting of this server needs the administrator" in w.value for w in at.warning), shown
    at = open_page(_signed_in(lab_home, "owner").run(), "status")
    shown = " ".join(c.value for c in at.caption) + " ".join(w.value for w in at.warning)
    assert str(lab_home) in shown and "smpt" in shown


def test_a_shared_list_named_like_ones_own_shows_on_the_paper_page_and_read_only_means_read_only(lab_home):
    """A blind walkthrough: ana's own "RG fall" beside the owner's shared "RG fall" holding the same paper broke the
    paper page (two boxes, one widget key: an internal error), and bo, sharing it read-only, got live status and
    note controls whose clicks were refused while the wrong status stayed shown."""
    db = open_database(lab_home / "trendscope.db")
    paper = db.execute("SELECT id FROM papers ORDER BY pk LIMIT 1").fetchone()[0]
    owner = ReadingLists(db)
    owner.create("RG fall")
    owner.add("RG fall", [paper])
    owner.set_status("RG fall", [paper], "read")
    owner.share("RG fall", "ana", edit=True)
    owner.share("RG fall", "bo")
    mine = ReadingLists(db, user=ANA)
    mine.create("RG fall")
    mine.add("RG fall", [paper])
    db.conn.close()
    at = open_page(check(_signed_in(lab_home, "ana").run()), "paper", id=paper)
    assert not at.exception and not [e.value for e in at.error if "Internal error" in e.value]
    shown = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("**") and "added" in m.value]
    assert [s.split("**")[1] for s in shown] == ["RG fall", "owner/RG fall"], shown
    assert [c.value for c in at.get("segmented_control") if c.label == "Status"] == ["unread", "read"]
    at = open_page(check(_signed_in(lab_home, "bo").run()), "paper", id=paper)
    (box,) = [m.value for m in at.markdown if m.value.replace("\\", "").startswith("**owner/RG fall**")]
    assert "shared with you read-only" in box
    status = [c for c in at.get("segmented_control") if c.label == "Status"]
    assert len(status) == 1 and status[0].proto.disabled
    assert all(t.disabled for t in at.text_area)


def test_a_non_admin_is_refused_before_being_shown_a_lab_wide_subscriptions_addresses(home, db):
    """A blind walkthrough: `--user bo subscriptions remove "lab weekly"` asked "Remove subscription 'lab weekly',
    mailed to ana@lab.example, ...? [y/N]" and only then refused: the addresses of a lab-wide digest, shown to a
    non-admin."""
    from trendscope.foundation.home import Home

    api.add_subscription(db, Home(home), "lab weekly", trends=["efficiency"], user=OWNER, lab=True,
                         emails=["ana@lab.example"], confirmed=True)
    done = cli(home, "--user", "bo", "subscriptions", "remove", "lab weekly", input="y\n")
    assert done.exit_code == 1 and "admins only" in done.output and "ana@lab.example" not in done.output


def test_deleting_a_shared_list_names_who_loses_it(home, db):
    """A blind walkthrough: `lists delete "RG fall"` asked "Delete list 'RG fall' with 7 papers?", and the app
    "Yes, delete ... and its notes", naming nobody of the group that lost it."""
    owner = ReadingLists(db)
    owner.create("RG fall")
    owner.share("RG fall", "ana", edit=True)
    owner.share("RG fall", "everyone")
    assert owner.deletion_note("rg fall") == " (shared with everyone, ana: they lose it too)" or \
        owner.deletion_note("rg fall") == " (shared with ana, everyone: they lose it too)"
    asked = cli(home, "lists", "delete", "RG fall", input="n\n")  # empty, yet asked: others lose it
    assert asked.exit_code == 1 and "they lose it too)? [y/N]" in asked.output
    owner.create("mine")
    assert owner.deletion_note("mine") == ""
    assert cli(home, "lists", "delete", "mine").exit_code == 0  # empty and private: no question


def test_sharing_again_says_when_it_changes_the_right(home, db):
    """A blind walkthrough re-shared a list with an editor, "Can edit" unticked, and read only "Shared ... with ana
    (read-only)": her edit right was gone without a word."""
    ReadingLists(db).create("group")
    assert "(editable)." in cli(home, "lists", "share", "group", "ana", "--edit").output
    assert "(read-only, was editable)." in cli(home, "lists", "share", "group", "ana").output
    assert "(read-only)." in cli(home, "lists", "share", "group", "ana").output  # no change, nothing more said
    # a paper's note is the list's: sharing says it goes along, older notes too (a blind lab-admin walkthrough)
    rl = ReadingLists(db)
    rl.create("noted")
    ids = [r[0] for r in db.execute("SELECT id FROM papers ORDER BY pk LIMIT 2")]
    rl.add("noted", ids)
    rl.set_note("noted", ids[0], "weak baseline, do not cite")
    said = cli(home, "lists", "share", "noted", "bo").output
    assert "Its 1 paper note is shared with it; notes on passages stay yours." in said, said
    assert "paper note" not in cli(home, "lists", "share", "noted", "bo", "--edit").output  # said once


def _sharing_labels(lab_home, name: str) -> list[str]:
    """The owner's Lists page, list `name` picked: the labels of its sharing box ("Share", "Shared with 1 reader")."""
    at = open_page(check(_signed_in(lab_home, "owner").run()), "lists")
    at.selectbox(key="list_pick").set_value(next(o for o in at.selectbox(key="list_pick").options
                                                 if o.startswith(name)))
    at = check(at.run())
    return [e.label for e in at.expander if e.label.startswith("Shar")]


def test_a_list_shared_with_a_removed_user_no_longer_names_them(lab_home):
    """A blind walkthrough: after `lists share "to read" ana` and `users remove ana --yes`, the Lists page still
    said "Shared with 1 reader" and the delete confirmation "(shared with ana: they lose it too)". The share stays
    stored for the name (added again, it has the list again, as docs/accounts.md says), but it is no reader."""
    assert cli(lab_home, "lists", "create", "reading group").exit_code == 0
    assert cli(lab_home, "lists", "share", "reading group", "ana").exit_code == 0
    assert cli(lab_home, "lists", "share", "reading group", "bo", "--edit").exit_code == 0
    assert cli(lab_home, "users", "remove", "ana", "--yes").exit_code == 0

    def label():
        return _sharing_labels(lab_home, "reading group")

    assert label() == ["Shared with 1 reader"]  # bo alone
    listed = cli(lab_home, "lists").output
    assert "; shared with bo (edit)" in listed and "ana" not in listed, listed
    db = open_database(lab_home / "trendscope.db")
    assert ReadingLists(db).deletion_note("reading group") == " (shared with bo: they lose it too)"
    ReadingLists(db).unshare("reading group", "bo")
    assert ReadingLists(db).deletion_note("reading group") == ""
    db.conn.close()
    assert label() == ["Share"]
    assert cli(lab_home, "users", "add", "ana", "--no-password").exit_code == 0  # the name back: the share too
    assert "; shared with ana (read)" in cli(lab_home, "lists").output


def test_the_sharing_box_counts_everyone_apart_from_named_readers(lab_home):
    """A blind walkthrough read "Shared with 3 readers" for a list shared with ana, bo and everyone."""
    db = open_database(lab_home / "trendscope.db")
    owner = ReadingLists(db)
    owner.create("group")
    owner.share("group", "ana")
    db.conn.close()

    def label():
        return _sharing_labels(lab_home, "group")

    assert label() == ["Shared with 1 reader"]
    db = open_database(lab_home / "trendscope.db")
    ReadingLists(db).share("group", "everyone")
    db.conn.close()
    assert label() == ["Shared with everyone and 1 named reader"]
    # the sharing box says the papers' notes go along (a blind lab-admin walkthrough)
    db = open_database(lab_home / "trendscope.db")
    paper = db.execute("SELECT id FROM papers ORDER BY pk LIMIT 1").fetchone()[0]
    ReadingLists(db).add("group", [paper], note="weak baseline")
    db.conn.close()
    at = open_page(check(_signed_in(lab_home, "owner").run()), "lists")
    at.selectbox(key="list_pick").set_value(next(o for o in at.selectbox(key="list_pick").options
                                                 if o.startswith("group")))
    at = check(at.run())
    assert any("The 1 paper note of this list is shared with it" in c.value for c in at.caption)


def test_only_an_admin_reads_in_a_pdf_whose_text_every_user_reads(lab_home, shared_dir):
    """A blind lab-admin walkthrough: bo uploaded a forged PDF (the paper's real first page, then any text) and it
    became the paper's text for every user, with nothing saying who gave it. Reading in a PDF is an admin's."""
    db = open_database(lab_home / "trendscope.db")
    paper = db.execute("SELECT id FROM papers ORDER BY pk LIMIT 1").fetchone()[0]
    db.conn.close()
    at = open_page(check(_signed_in(lab_home, "bo").run()), "paper", id=paper)
    assert not at.get("file_uploader")
    assert any("can be read in by an admin" in c.value for c in at.caption)
    at = open_page(check(_signed_in(lab_home, "owner").run()), "paper", id=paper)
    assert [u.label for u in at.get("file_uploader")] == ["Or read a PDF you have"]
    pdf = shared_dir / "data" / "fixtures" / "pdf" / "2302.07302v1.pdf"
    refused = cli(lab_home, "--user", "bo", "fetch", "2302.07302", "--pdf", str(pdf))
    assert refused.exit_code == 1 and "reading in a PDF with --pdf" in refused.output
    assert "admins only" in refused.output
    from trendscope.ui.app import fulltext_state, state

    with pytest.raises(TrendscopeError, match="admins only"):
        import unittest.mock as mock

        with mock.patch.object(state, "actor", lambda: Actor("bo", admin=False)):
            fulltext_state.import_pdf("2302.07302", pdf.read_bytes(), pdf.name)


def test_a_non_admin_sees_a_lab_wide_subscription_without_addresses_and_removes_only_their_own(home, db):
    """A blind lab-admin walkthrough: `--user bo subscriptions unsubscribe "lab weekly" ana@lab.example` removed
    ana from the lab's digest, and `--user bo subscriptions list --json` showed every address and the token that
    removes any of them (edit, add-email and remove were refused as admin-only)."""
    from trendscope.foundation.home import Home

    sub = api.add_subscription(db, Home(home), "lab weekly", trends=["efficiency"], user=OWNER, lab=True,
                               emails=["ana@lab.example", "bo@lab.example", "carla@lab.example"], confirmed=True)
    shown = json.loads(cli(home, "--user", "bo", "subscriptions", "list", "--json").stdout)
    (lab,) = [s for s in shown if s["name"] == "lab weekly"]
    assert lab["emails"] == [] and lab["unsubscribe_token"] is None and lab["email_count"] == 3
    plain = cli(home, "--user", "bo", "subscriptions", "list").stdout
    assert "3 email addresses" in plain and "ana@lab.example" not in plain
    assert "ana@lab.example" in cli(home, "subscriptions", "list").stdout  # the admin sees them
    refused = cli(home, "--user", "bo", "subscriptions", "unsubscribe", "lab weekly", "ana@lab.example")
    assert refused.exit_code == 1 and "admins only" in refused.output
    own = cli(home, "--user", "bo", "subscriptions", "unsubscribe", "lab weekly", "bo@lab.example")
    assert own.exit_code == 0, own.output
    assert api.get_subscription(db, "lab weekly").emails == ["ana@lab.example", "carla@lab.example"]
    # a recipient's own token (from their mail) still removes that address, whoever runs it
    token = sub.token_for("carla@lab.example")
    assert cli(home, "--user", "bo", "subscriptions", "unsubscribe", token).exit_code == 0
    assert api.get_subscription(db, "lab weekly").emails == ["ana@lab.example"]


def test_a_change_made_after_a_session_ended_is_not_saved_for_whoever_signs_in_next(lab_home):
    """A blind walkthrough: ana's session ended (password changed), she typed a note on her list; bo signed in on
    the same tab, and the note, ana's stored one with it, was saved in bo's list of the same name."""
    from trendscope.ui.app.widgets import item_key

    db = open_database(lab_home / "trendscope.db")
    ReadingLists(db, user=ANA).set_note("Ana private", IDS[0], "ana private note")
    bo = ReadingLists(db, user=BO)
    bo.create("Ana private")
    bo.add("Ana private", IDS[:1])
    at = _signed_in(lab_home, "ana").run()
    at = open_page(at, "lists")
    Accounts(db).set_password("ana", PW + " changed")  # ends her sessions
    at.text_area(key=item_key("note", "Ana private", IDS[0], "ana private note")).set_value("ana typed this")
    at = check(at.run())
    assert [t.value for t in at.title] == ["Sign in to Trendscope"]
    at.text_input(key="sign_in_name").set_value("bo")
    at.text_input(key="sign_in_password").set_value(PW)
    at = check(at.button(key="FormSubmitter:sign_in-Sign in").click().run(timeout=60))
    assert any("Signed in as **bo**" in c.value for c in at.sidebar.caption)
    assert [i.note for i in ReadingLists(db, user=BO).items("Ana private")] == [""]
    assert "ana private note" not in all_markdown(at) + " ".join(e.value for e in at.error)
    assert [i.note for i in ReadingLists(db, user=ANA).items("Ana private")] == ["ana private note"]


def test_signing_out_leaves_nothing_of_the_users_pages_on_the_tab(lab_home):
    at = open_page(_signed_in(lab_home, "ana").run(), "lists")
    assert _list_choices(at) == ["Ana private"] and "list_pick" in at.session_state
    at = check(at.sidebar.button(key="sign_out").click().run())
    assert [t.value for t in at.title] == ["Sign in to Trendscope"]
    assert "You signed out." in [i.value for i in at.info] + [c.value for c in at.caption]
    assert "list_pick" not in at.session_state and "ts_state_of" not in at.session_state


def test_a_removed_members_shared_lists_end_with_the_account(db):
    """A blind walkthrough: after `users remove ana`, bo still read and added to her list shared editable with
    everyone, and no one could stop it (her feeds had ended). Re-added, the account has its shares again."""
    ana, bo = ReadingLists(db, user=ANA), ReadingLists(db, user=BO)
    ana.create("group")
    ana.add("group", IDS[:1], note="ana's note")
    ana.share("group", "everyone", edit=True)
    assert [s.ref for s in bo.lists()] == ["ana/group"] and bo.memberships(IDS[:1]) == {IDS[0]: ["ana/group"]}
    Accounts(db).remove("ana")
    assert bo.lists() == [] and bo.memberships(IDS[:1]) == {}
    with pytest.raises(TrendscopeError, match="no reading list named"):
        bo.items("ana/group")
    with pytest.raises(TrendscopeError, match="no reading list named"):
        bo.add("group", IDS[1:2])
    Accounts(db).add("ana", email="ana@lab.example")
    assert [s.ref for s in bo.lists()] == ["ana/group"]


def test_an_account_made_at_first_sign_in_never_takes_a_removed_members_data(db):
    """A blind walkthrough: carol (no email) was removed; a newcomer carol@lab.example signing in through the
    identity provider became `carol`, with carol's private lists, subscriptions and feeds."""
    from trendscope.ui.app.auth_gate import holds_data

    acc = Accounts(db)
    acc.add("carol", password=PW)
    ReadingLists(db, user=Actor("carol", admin=False)).create("carol private")
    acc.add("al", password=PW)  # passage notes alone were handed over (a review)
    ReadingLists(db, user=Actor("al", admin=False)).add_passage_note(IDS[0], 3, "al's private note", quote="q")
    acc.remove("carol")
    acc.remove("al")
    assert holds_data(db, "carol") and holds_data(db, "al") and not holds_data(db, "dana")
    who = acc.oidc_actor("carol@lab.example", verified=True, domains=("lab.example",),
                         holds_data=lambda name: holds_data(db, name))
    assert who.name == "carol2"
    assert ReadingLists(db, user=who).lists() == []


def test_an_editor_of_a_shared_list_cannot_set_the_authors_of_the_owners_other_lists(lab_home, tmp_path):
    """A hostile-input check: bo, who may edit the owner's shared list, imported a BibTeX entry naming "Mallory
    Evil" as the authors of a stored paper without authors; the owner's page of the paper, their other list and its
    BibTeX export then showed them. An import lends authors to the owner's other lists only when the owner made it."""
    db = open_database(lab_home / "trendscope.db")
    bare = db.execute("SELECT id FROM papers WHERE authors = '[]' LIMIT 1").fetchone()
    if bare is None:  # the seed's papers all have authors: one without them, as snapshots store most
        bare = db.execute("SELECT id FROM papers LIMIT 1").fetchone()
        db.execute("UPDATE papers SET authors = '[]' WHERE id = ?", [bare[0]])
        db.conn.commit()
    aid = bare[0]
    db.conn.close()
    assert cli(lab_home, "lists", "create", "mine").exit_code == 0
    assert cli(lab_home, "lists", "create", "other").exit_code == 0
    assert cli(lab_home, "lists", "add", "other", aid).exit_code == 0
    assert cli(lab_home, "lists", "share", "mine", "bo", "--edit").exit_code == 0
    bib = tmp_path / "auth.bib"
    bib.write_text(f"@misc{{x, title={{T}}, author={{Mallory Evil}}, eprint={{{aid}}}}}\n")
    res = cli(lab_home, "--user", "bo", "lists", "import", "owner/mine", str(bib))
    assert res.exit_code == 0, res.output
    assert "Mallory" not in cli(lab_home, "paper", aid).output
    assert "Mallory" not in cli(lab_home, "lists", "export", "other", "--format", "bibtex").output
    assert "Mallory Evil" in cli(lab_home, "lists", "export", "mine", "--format", "bibtex").output  # its own list
    # the owner's own import lends them, as before
    assert cli(lab_home, "lists", "create", "third").exit_code == 0
    assert cli(lab_home, "lists", "import", "third", str(bib)).exit_code == 0
    assert "Mallory Evil" in cli(lab_home, "lists", "export", "other", "--format", "bibtex").output
