"""Accounts: users, argon2 passwords, throttled sign-in, expiring sessions, OpenID Connect mapping, and the
`trendscope users` commands (passwords from standard input, admin-only commands)."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from lists_support import cli

from trendscope.accounts.sign_in_config import oidc_domains, read_oidc_settings
from trendscope.accounts.users import SESSION_IDLE, SESSION_MAX, SIGN_IN_REFUSED, Accounts
from trendscope.foundation.actor import LOCAL_OWNER, Actor
from trendscope.foundation.errors import TrendscopeError
from trendscope.ingest.store import open_database

PW = "correct horse battery"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # the real scheme, cheap parameters


class Clock:
    def __init__(self):
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(home, clock):
    slept: list[float] = []
    acc = Accounts(open_database(home / "trendscope.db"), clock=clock, sleep=slept.append, hasher=FAST)
    acc.slept = slept
    return acc


def test_the_local_owner_exists_from_the_start_as_an_admin_without_password(accounts):
    owner = accounts.get(LOCAL_OWNER)
    assert owner is not None and owner.admin and not owner.password
    assert not accounts.password_sign_in_configured()


def test_passwords_are_stored_as_argon2_hashes_only(home, accounts):
    accounts.add("Ana", email="ana@lab.example", password=PW)
    assert accounts.get("ana").password and not accounts.get("ana").admin
    stored = accounts.store.get("ana").password_hash
    assert stored.startswith("$argon2id$") and PW not in stored
    accounts.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert PW.encode() not in (home / "trendscope.db").read_bytes()
    assert accounts.password_sign_in_configured()


@pytest.mark.parametrize("name", ["", "a b", "Ana!", "-x", "x" * 41, "a/b", "*"])
def test_bad_user_names_are_refused(accounts, name):
    with pytest.raises(TrendscopeError, match="not a user name"):
        accounts.add(name, password=PW)


def test_a_very_long_refused_name_is_not_echoed_in_full(accounts, home):
    """A blind walkthrough: `users add` with a 5,000-character name printed all 5,000 back."""
    with pytest.raises(TrendscopeError) as err:
        accounts.add("a" * 5000, password=PW)
    assert len(str(err.value)) < 200 and "5,000 characters" in str(err.value)
    r = cli(home, "users", "add", "b" * 5000, "--no-password")
    assert r.exit_code != 0 and "b" * 100 not in r.output and "5,000 characters" in r.output


def test_weak_or_odd_passwords_and_duplicate_names_or_emails_are_refused(accounts):
    with pytest.raises(TrendscopeError, match="at least 10"):
        accounts.add("bo", password="short")
    with pytest.raises(TrendscopeError, match="control characters"):
        accounts.add("bo", password="0123456789\n")
    accounts.add("bo", email="bo@lab.example", password=PW)
    with pytest.raises(TrendscopeError, match="already exists"):
        accounts.add("BO", password=PW)
    with pytest.raises(TrendscopeError, match="already the address"):
        accounts.add("cy", email="BO@lab.example", password=PW)
    with pytest.raises(TrendscopeError, match="not a valid email"):
        accounts.add("cy", email="cy@lab.example\r\nBcc: x@evil.example", password=PW)


def test_sign_in_gives_the_same_answer_for_unknown_names_and_wrong_passwords(accounts):
    accounts.add("ana", password=PW)
    assert accounts.sign_in("ANA ", PW) == Actor("ana", admin=False)
    for name, pw in (("ana", "wrong password!"), ("nobody", PW), ("owner", "")):
        with pytest.raises(TrendscopeError) as err:
            accounts.sign_in(name, pw)
        assert str(err.value) == SIGN_IN_REFUSED
    assert accounts.slept == [1.0, 1.0, 1.0]  # each failure costs time


def test_failed_sign_ins_lock_the_name_for_a_growing_wait(accounts, clock):
    accounts.add("ana", password=PW)
    for _ in range(3):
        with pytest.raises(TrendscopeError, match=SIGN_IN_REFUSED):
            accounts.sign_in("ana", "not the password")
    with pytest.raises(TrendscopeError, match=r"too many failed sign-ins for 'ana': try again in 1[56] s"):
        accounts.sign_in("ana", PW)  # even the right password waits
    clock.now += timedelta(seconds=16)
    with pytest.raises(TrendscopeError, match=SIGN_IN_REFUSED):
        accounts.sign_in("ana", "still wrong!")
    with pytest.raises(TrendscopeError, match="try again in (29|30|31) s"):
        accounts.sign_in("ana", PW)  # doubled
    clock.now += timedelta(seconds=31)
    assert accounts.sign_in("ana", PW).name == "ana"
    assert accounts.retry_after("ana") == 0  # a success forgets the failures


def test_sign_ins_sent_at_once_are_throttled_too(home, clock):
    """A blind walkthrough sent 12 sign-ins for one name at once: the failures were read before and written after
    each password check, so all were checked. Each attempt is counted before its check, in the same transaction
    as the throttle's reading: sign-ins arriving while others are checked wait their turn like later ones."""
    import threading

    Accounts(open_database(home / "trendscope.db"), clock=clock, hasher=FAST).add("ana", password=PW)
    checked, started = [], threading.Barrier(6)

    class Slow(PasswordHasher):
        def verify(self, digest, password):
            checked.append(password)
            threading.Event().wait(0.3)  # all six attempts arrive while the first ones are being checked
            return super().verify(digest, password)

    answers = []

    def attempt(i: int) -> None:
        acc = Accounts(open_database(home / "trendscope.db"), clock=clock, sleep=lambda s: None,
                       hasher=Slow(time_cost=1, memory_cost=1024, parallelism=1))
        started.wait()
        try:
            acc.sign_in("ana", f"wrong password {i}")
        except TrendscopeError as exc:
            answers.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 3  # FREE_FAILURES; the others refused without a check
    assert sum("too many failed sign-ins" in a for a in answers) == 3


def test_an_empty_password_is_refused_not_a_removal(home, accounts):
    """`echo "" | trendscope users passwd ana` removed her password (exit 0, "changed"): with the last one gone,
    every visitor became the owner."""
    accounts.add("ana", password=PW)
    with pytest.raises(TrendscopeError, match="at least 10 characters"):
        accounts.set_password("ana", "")
    r = cli(home, "users", "passwd", "ana", input="\n")
    assert r.exit_code == 1 and "at least 10 characters" in r.output
    assert accounts.sign_in("ana", PW).name == "ana"
    assert cli(home, "users", "passwd", "ana", "--clear").exit_code == 0  # removing one is said so
    assert not accounts.password_sign_in_configured()


def test_sessions_end_when_idle_too_long_at_their_maximum_age_or_on_a_new_password(accounts, clock):
    accounts.add("ana", password=PW)
    token = accounts.start_session("ana")
    assert accounts.session_actor(token) == Actor("ana", admin=False)
    assert accounts.session_actor(token + "x") is None and accounts.session_actor(None) is None
    assert token not in json.dumps([list(r) for r in accounts.store.db.execute("SELECT * FROM auth_sessions")])
    clock.now += SESSION_IDLE + timedelta(minutes=1)
    assert accounts.session_actor(token) is None  # idle
    token = accounts.start_session("ana")
    for _ in range(int(SESSION_MAX / timedelta(hours=6))):
        clock.now += timedelta(hours=6)  # active all along
        accounts.session_actor(token)
    assert accounts.session_actor(token) is None  # too old
    token = accounts.start_session("ana")
    accounts.set_password("ana", "another good one", by=Actor("ana", admin=False))
    assert accounts.session_actor(token) is None


def test_only_admins_manage_users_and_the_last_admin_stays(accounts):
    ana = accounts.add("ana", password=PW).actor()
    with pytest.raises(TrendscopeError, match="admins only"):
        accounts.add("bo", password=PW, by=ana)
    with pytest.raises(TrendscopeError, match="admins only"):
        accounts.set_password(LOCAL_OWNER, PW, by=ana)
    with pytest.raises(TrendscopeError, match="last admin"):
        accounts.set_admin(LOCAL_OWNER, False)
    accounts.set_admin("ana", True)
    accounts.remove("ana")
    with pytest.raises(TrendscopeError, match="last admin"):
        accounts.set_admin(LOCAL_OWNER, False)
    # the local owner is who the CLI acts as without --user: removed, every plain command failed (a walkthrough)
    accounts.add("bo", password=PW, admin=True)
    with pytest.raises(TrendscopeError, match="'owner' is the local owner.*cannot be removed.*passwd owner --clear"):
        accounts.remove(LOCAL_OWNER)
    assert sorted(u.name for u in accounts.users()) == ["bo", LOCAL_OWNER]


def test_users_remove_refuses_before_asking(home):
    """`users remove owner` asked "Remove user 'owner' (... kept)? [y/N]", then refused (a docs walkthrough)."""
    r = cli(home, "users", "remove", "owner", input="y\n")
    assert r.exit_code == 1 and "is the local owner" in r.output and "[y/N]" not in r.output


def test_no_account_takes_a_name_that_shares_with_everyone(accounts):
    for name in ("everyone", "All"):
        with pytest.raises(TrendscopeError, match="cannot be a user name: it means every user"):
            accounts.add(name, password=PW)
    made = accounts.oidc_actor("everyone@lab.example", verified=True, domains=("lab.example",))
    assert made.name == "everyone2"


def test_only_a_verified_email_claim_picks_an_account(accounts):
    """A blind walkthrough signed in as an admin through a provider that sent "email_verified": "false", 0, or no
    claim at all: only a true claim (or the string "true") is verified."""
    accounts.add("carla", email="carla@lab.example", admin=True)
    for claim in ("false", "False", 0, 1, None, "", "yes", [True], {"v": True}):
        with pytest.raises(TrendscopeError, match="did not give a verified email address"):
            accounts.oidc_actor("carla@lab.example", verified=claim, domains=("lab.example",))
        with pytest.raises(TrendscopeError, match="did not give a verified email address"):
            accounts.oidc_actor("zed@lab.example", verified=claim, domains=("lab.example",))
    assert accounts.get("zed") is None
    assert accounts.oidc_actor("carla@lab.example", verified=True) == Actor("carla", admin=True)
    assert accounts.oidc_actor("carla@lab.example", verified=" TRUE ") == Actor("carla", admin=True)


def test_identity_provider_emails_map_to_accounts_or_allowed_domains(accounts):
    accounts.add("ana", email="Ana@Lab.example")
    assert accounts.oidc_actor("ana@lab.example", verified=True) == Actor("ana", admin=False)
    with pytest.raises(TrendscopeError, match="no Trendscope account"):
        accounts.oidc_actor("eve@elsewhere.example", verified=True, domains=("lab.example",))
    with pytest.raises(TrendscopeError, match="verified"):
        accounts.oidc_actor("new@lab.example", verified=False, domains=("lab.example",))
    made = accounts.oidc_actor("ana.b+x@lab.example", verified=True, domains=("lab.example",))
    assert made.name == "ana.b-x" and not made.admin
    assert accounts.get("ana.b-x").email == "ana.b+x@lab.example" and not accounts.get("ana.b-x").password
    assert accounts.oidc_actor("owner@lab.example", verified=True, domains=("lab.example",)).name == "owner2"


def test_a_removed_account_is_not_made_again_by_its_domain(accounts):
    """A blind walkthrough: `users remove carla` with `oidc_domains` set, and her next page load made the account
    again (her lists and subscription back): a departed member kept access through the lab's provider."""
    made = accounts.oidc_actor("Carla@lab.example", verified=True, domains=("lab.example",))
    accounts.remove(made.name)
    for _ in range(2):  # and not on a second try either
        with pytest.raises(TrendscopeError, match=r"(?i)the account of carla@lab.example \('carla'\) was removed by an "
                                                  r"admin: an admin adds it back with `trendscope users add carla"):
            accounts.oidc_actor("carla@LAB.example", verified=True, domains=("lab.example",))
    assert accounts.get("carla") is None
    other = accounts.oidc_actor("dan@lab.example", verified=True, domains=("lab.example",))  # others still join
    assert other.name == "dan"
    accounts.add("carla", email="carla@lab.example")  # an admin gives it back: the provider signs her in again
    assert accounts.oidc_actor("carla@lab.example", verified=True, domains=("lab.example",)).name == "carla"
    accounts.remove("carla")
    accounts.set_email("dan", "carla@lab.example")  # or gives the address to another account
    assert accounts.oidc_actor("carla@lab.example", verified=True, domains=("lab.example",)).name == "dan"


def test_sign_in_settings_are_read_and_bad_ones_named_in_one_line(tmp_path):
    secrets = tmp_path / "secrets.toml"
    assert read_oidc_settings(secrets) is None
    keycloak = ('[auth.keycloak]\nclient_id = "ts"\nclient_secret = "x"\n'
                'server_metadata_url = "https://kc.lab.example/.well-known/openid-configuration"\n')
    # a short cookie_secret (it signs the 30-day sessions) is refused: "abc" was taken (a blind walkthrough)
    secrets.write_text('[auth]\nredirect_uri = "https://ts.lab.example/oauth2callback"\ncookie_secret = "s3cret"\n'
                       + keycloak)
    with pytest.raises(TrendscopeError, match=r"secrets.toml: \[auth\] cookie_secret is 6 characters: use a long "):
        read_oidc_settings(secrets)
    secrets.write_text('[auth]\nredirect_uri = "https://ts.lab.example/oauth2callback"\n'
                       f'cookie_secret = "{"0123456789abcdef" * 2}"\n' + keycloak)
    settings = read_oidc_settings(secrets)
    assert settings.providers == ["keycloak"] and settings.labels["keycloak"] == "Keycloak"
    secrets.write_text('[auth]\nredirect_uri = "https://ts.lab.example/oauth2callback"\ncookie_secret = "s"\n'
                       'client_id = "ts"\nclient_secret = "x"\n')
    with pytest.raises(TrendscopeError, match=r"secrets.toml: \[auth\] needs server_metadata_url"):
        read_oidc_settings(secrets)
    # a flat [auth] with Streamlit's client_kwargs table is one provider (it was refused as a provider with '_')
    flat = ('[auth]\nredirect_uri = "https://ts.lab.example/oauth2callback"\n'
            f'cookie_secret = "{"0123456789abcdef" * 2}"\nclient_id = "ts"\nclient_secret = "x"\n'
            'server_metadata_url = "https://kc.lab.example/.well-known/openid-configuration"\n')
    secrets.write_text(flat + 'client_kwargs = { prompt = "login" }\n')
    assert read_oidc_settings(secrets).providers == ["default"]
    # the provider's metadata over plain http was accepted without a word (a blind lab-admin walkthrough): only
    # a provider on this machine may use it
    secrets.write_text(flat.replace("https://kc.lab.example", "http://kc.lab.example"))
    with pytest.raises(TrendscopeError, match=r"server_metadata_url must be an https:// address"):
        read_oidc_settings(secrets)
    secrets.write_text(flat.replace("https://kc.lab.example", "http://127.0.0.1:9400"))
    assert read_oidc_settings(secrets).providers == ["default"]
    # a misspelt setting was accepted and ignored by Streamlit: named in one line (a blind walkthrough)
    secrets.write_text(flat + 'expose_token = "id"\n')
    with pytest.raises(TrendscopeError, match=r"secrets.toml: \[auth\] has no setting 'expose_token' "
                                              r"\(did you mean 'expose_tokens'\? known: "):
        read_oidc_settings(secrets)
    secrets.write_text("[auth\n")
    with pytest.raises(TrendscopeError, match="not valid TOML"):
        read_oidc_settings(secrets)
    config = tmp_path / "config.toml"
    config.write_text('[auth]\noidc_domains = ["@Lab.example"]\n')
    assert oidc_domains(config) == ("lab.example",)
    config.write_text('[auth]\noidc_domains = "lab.example"\n')
    with pytest.raises(TrendscopeError, match="must be a list"):
        oidc_domains(config)


# -- the CLI ---------------------------------------------------------------------------------------------
def test_users_add_reads_the_password_from_standard_input_and_never_prints_it(home):
    done = cli(home, "users", "add", "ana", "--email", "ana@lab.example", input=PW + "\n")
    assert done.exit_code == 0, done.output
    assert "Added user 'ana'" in done.output and PW not in done.output
    # the first password account changes the app for everyone, and the owner cannot sign in yet: said so
    assert ("note: the first password account: the app now asks everyone to sign in; 'owner' has no password yet "
            "(`trendscope users passwd owner`)") in done.stderr
    listed = json.loads(cli(home, "users", "list", "--json").output)
    assert {u["name"]: (u["email"], u["password"], u["admin"]) for u in listed} == {
        "ana": ("ana@lab.example", True, False), "owner": (None, False, True)}
    assert PW not in cli(home, "users").output
    acc = Accounts(open_database(home / "trendscope.db"))
    assert acc.sign_in("ana", PW).name == "ana"


def test_users_add_refuses_a_bad_or_taken_name_or_address_before_asking_for_a_password(home):
    cli(home, "users", "add", "ana", "--email", "ana@lab.example", input=PW + "\n")
    for args, needle in ((["Bad Name!"], "Bad Name!"), (["ana"], "a user named 'ana' already exists"),
                         (["bo", "--email", "not an address"], "not a valid email address"),
                         (["bo", "--email", "ana@lab.example"], "already the address of user 'ana'")):
        done = cli(home, "users", "add", *args, input="")  # no password given: the check must come first
        assert done.exit_code == 1 and needle in done.output and "password" not in done.output, (args, done.output)


def test_users_passwd_changes_a_password_and_admins_commands_say_they_are_admin_only(home, monkeypatch):
    cli(home, "users", "add", "ana", input=PW + "\n")
    done = cli(home, "--user", "ana", "users", "passwd", input="a brand new secret\n")
    assert done.exit_code == 0 and "changed" in done.output
    assert Accounts(open_database(home / "trendscope.db")).sign_in("ana", "a brand new secret").name == "ana"
    for args in (["users", "add", "bo"], ["users", "list"], ["users", "remove", "owner", "-y"],
                 ["users", "passwd", "owner"], ["users", "admin", "ana"]):
        done = cli(home, "--user", "ana", *args, input=PW + "\n")
        assert done.exit_code == 1 and "for admins only (ana is not an admin)" in done.output, args
    for args in (["users", "add"], ["users", "list"], ["users", "remove"], ["users", "admin"]):
        assert "(Admin only)" in cli(home, *args, "--help").output
    # schedule's digest step is `digest --send`: admin only as that is (it ran for a non-admin: a walkthrough);
    # and what changes every user's corpus or tags (a non-admin imported a snapshot and replaced the home's tagger:
    # a blind walkthrough); a paper by its id, as any reader adds one in the app, stays open
    snapshot = home.parent / "one.jsonl"
    snapshot.write_text('{"id": "2401.00001", "title": "T", "abstract": "A", "categories": "cs.CL"}\n')
    labels = home.parent / "labels.jsonl"
    labels.write_text('{"id": "2401.00001", "labels": ["ethics"]}\n')
    for args in (["schedule", "--once", "--digest-day", "sat"], ["schedule", "--once", "--digest-day", "none"],
                 ["ingest", "--snapshot", str(snapshot)], ["ingest", "--since", "2d"],
                 ["train-tags", "--labels", str(labels), "--no-vectors"],
                 ["index", "--rebuild", "--no-topics"], ["index", "--model", "hash-384", "--no-topics"]):
        done = cli(home, "--user", "ana", *args)
        assert done.exit_code == 1 and "for admins only (ana is not an admin)" in done.output, args
    # --out naming the home's own model is the same change (a review)
    done = cli(home, "--user", "ana", "train-tags", "--labels", str(labels), "--no-vectors",
               "--out", str(home / "trend_model.npz"))
    assert done.exit_code == 1 and "for admins only (ana is not an admin)" in done.output
    assert not (home / "trend_model.npz").exists()
    done = cli(home, "--user", "ana", "train-tags", "--labels", str(labels), "--no-vectors",
               "--out", str(home.parent / "mine.npz"))
    assert "for admins" not in done.output  # elsewhere: anyone (here too few labels to fit)
    monkeypatch.setenv("TRENDSCOPE_ARXIV_URL", "http://127.0.0.1:9/api/query")  # nothing listens: refused at once
    done = cli(home, "--user", "ana", "ingest", "--id", "2401.00001")
    assert "for admins" not in done.output and "unreachable" in done.output
    # the operator taking its own admin rights away is told what it means for the CLI
    cli(home, "users", "admin", "ana")
    done = cli(home, "users", "admin", "owner", "--off")
    assert done.exit_code == 0 and "the CLI acts as 'owner' unless --user names another account" in done.stderr
    assert "need --user ana" in done.stderr
    assert cli(home, "--user", "ana", "users", "admin", "owner").exit_code == 0
    done = cli(home, "--user", "nobody", "lists")
    assert done.exit_code == 1 and "no user named 'nobody'" in done.output
    # an account that cannot sign in is said to be one; clearing a password that is not there says so
    done = cli(home, "users", "add", "carla", "--no-password")
    assert done.exit_code == 0 and "note: 'carla' has neither a password nor an email" in done.output
    # an address but no identity provider configured: cannot sign in either, said so
    dan = cli(home, "users", "add", "dan", "--email", "dan@lab.example", "--no-password")
    assert "note: no identity provider is configured ([auth] in secrets.toml), so 'dan' cannot sign in" in dan.stderr
    assert "first password account" not in cli(home, "users", "add", "eve", input=PW + "\n").stderr  # not first
    done = cli(home, "users", "passwd", "carla", "--clear")
    assert done.exit_code == 0 and done.output.strip() == "'carla' has no password: nothing to remove."
    assert "removed" in cli(home, "users", "passwd", "ana", "--clear").output


def test_users_remove_keeps_their_lists_for_when_the_name_comes_back(home):
    cli(home, "users", "add", "ana", input=PW + "\n")
    cli(home, "--user", "ana", "lists", "create", "to read")
    cli(home, "lists", "create", "group")
    assert cli(home, "lists", "share", "group", "ana").exit_code == 0
    done = cli(home, "users", "remove", "ana", "--yes")
    assert done.exit_code == 0 and "their 1 reading list and 0 subscriptions stay stored" in done.output
    assert cli(home, "--user", "ana", "lists").exit_code == 1
    # adding the name again gives them back, and says so: a re-added name got another person's private lists and
    # the shares made to the first without a word (a blind walkthrough)
    again = cli(home, "users", "add", "ana", "--no-password")
    assert again.exit_code == 0 and "to read" in cli(home, "--user", "ana", "lists").output
    assert ("note: an earlier account named 'ana' left 1 reading list, 1 list others share with the name: this "
            "account holds them now") in again.stderr, again.stderr
    assert "Atom feeds" not in again.stderr  # no subscription: nothing said of feeds
    fresh = cli(home, "users", "add", "carla", "--no-password")
    assert fresh.exit_code == 0 and "earlier account" not in fresh.stderr
    # passage notes and thumbs alone are said too, as a first sign-in's name check counts them (the checklist)
    cli(home, "users", "add", "dora", "--no-password")
    from trendscope.reading.lists import ReadingLists

    ReadingLists(open_database(home / "trendscope.db"), user=Actor("dora", admin=False)).set_feedback("2106.09685", 1)
    assert cli(home, "users", "remove", "dora", "--yes").exit_code == 0
    dora = cli(home, "users", "add", "dora", "--no-password")
    assert "note: an earlier account named 'dora' left 1 passage note or thumb: this account holds them" in dora.stderr
    # a subscription's feed answers again at its old address: said, with how to give it a new one (a former
    # member's feed reader reads it again: a blind security review)
    assert cli(home, "--user", "carla", "subscriptions", "add", "c", "--trend", "privacy").exit_code == 0
    assert cli(home, "users", "remove", "carla", "--yes").exit_code == 0
    back = cli(home, "users", "add", "carla", "--no-password")
    assert ("this account holds them now, and the subscriptions' Atom feeds answer again at their old addresses "
            "(`trendscope --user carla subscriptions new-feed-address NAME` gives one a new address)") in back.stderr
