"""Audit probes of the digest mail: RFC 2047 header injection, the app as an open relay (test mail to any
address, unconfirmed recipients), List-Unsubscribe, and SMTP credentials (cleartext AUTH, readable config).

Each test failed on the code the audit found; all of them talk to a real SMTP server on 127.0.0.1 (aiosmtpd)
and parse the bytes it received.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import ssl
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

import pytest
from app_harness import check, new_app, open_page, texts
from app_seed import SUBSCRIPTION
from click.testing import CliRunner
from digest_support import SENDER, WEEK, self_signed_cert, smtp_config, smtp_server

from trendscope.digest import api
from trendscope.digest.mailer import DeliveryError, deliver_test_message
from trendscope.digest.model import Subscription
from trendscope.digest.smtp_config import load_smtp_config
from trendscope.digest.subscription_store import SubscriptionStore
from trendscope.digest.weekly import run_weekly
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import Home
from trendscope.ingest.store import open_database

NOW = datetime(2026, 5, 27, 6, 0, tzinfo=UTC)  # Wednesday after WEEK
# The audit's name: an RFC 2047 encoded word that decodes to CR LF, a Reply-To header, a blank line and a body.
EVIL = "=?utf-8?q?x=0D=0AReply-To=3A_a=40evil.example=0D=0A=0D=0AFAKE_BODY?="
OPERATOR = "me@lab.org"
STRANGER = "stranger@evil.example"


def cli(home_root, *args, input: str | None = None):
    from trendscope.ui.cli import main

    return CliRunner().invoke(main, ["--home", str(home_root), *args], input=input)


def header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def assert_clean_digest(envelope, to: str, operator: str | None = None) -> None:
    """The received bytes: exactly one Subject, no Reply-To but the configured operator's (where unsubscribe
    requests go, when it is not the sender), From/To intact, the MIME body intact."""
    raw = envelope.content
    head = header_block(raw)
    names = [line.split(b":", 1)[0].lower() for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
    assert names.count(b"reply-to") == (operator is not None) and names.count(b"subject") == 1, head
    assert b"\r\n\r\nFAKE" not in raw and b"\nFAKE" not in raw
    msg = message_from_bytes(raw, policy=policy.default)
    assert len(msg.get_all("Subject")) == 1
    assert "\r" not in msg["Subject"] and "\n" not in msg["Subject"]
    assert msg.get_all("Reply-To") == ([operator] if operator else None)
    assert msg.get_all("From") == [SENDER] and msg.get_all("To") == [to]
    assert envelope.rcpt_tos == [to]
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_payload()[0]
    assert plain.get_content_type() == "text/plain" and "Trendscope digest" in plain.get_content()


# ---------------------------------------------------------------------------------------------------------
# 1. header injection through an RFC 2047 encoded word


@pytest.mark.parametrize("name", [EVIL, "ok =?utf-8?b?eA0KQmNjOiB2QGUub3Jn?= ok", "=?ISO-8859-1?Q?a=0Ab?="])
def test_encoded_word_names_are_refused(db, dhome, name):
    with pytest.raises(TrendscopeError, match="encoded word"):
        api.add_subscription(db, dhome, name, trends=["multimodal"], emails=["reader@example.org"])
    with pytest.raises(TrendscopeError, match="encoded word"):
        api.add_subscription(db, dhome, "fine", query=f"agents {name}")
    with pytest.raises(TrendscopeError, match="encoded word"):
        api.add_subscription(db, dhome, "fine", trends=["multimodal"], exclude=[name])
    assert api.list_subscriptions(db) == []


def test_cli_refuses_the_encoded_word_name(dhome):
    r = cli(dhome.root, "subscriptions", "add", EVIL, "--trend", "multimodal", "--email", "reader@example.org")
    assert r.exit_code == 1 and "encoded word" in r.output
    assert "Traceback" not in r.output
    assert cli(dhome.root, "subscriptions", "list", "--json").output.strip() == "[]"


def test_names_with_plain_equals_and_question_marks_still_work(db, dhome):
    sub = api.add_subscription(db, dhome, "Is a=b? Really?", trends=["multimodal"])
    assert sub.name == "Is a=b? Really?"


def test_stored_encoded_word_name_cannot_inject_headers(db, dhome):
    # stored directly, as a data home written by the audited version holds it
    SubscriptionStore(db).add(Subscription(name=EVIL, trends=["multimodal"], size=2,
                                           emails=["reader@example.org"]))
    with smtp_server() as (rec, port):
        result = run_weekly(db, dhome, now=NOW, smtp_config=smtp_config(port, sender=SENDER))
    assert result.sent == 1 and result.failed == 0, result.errors
    (env,) = rec.envelopes
    assert_clean_digest(env, "reader@example.org")
    subject = message_from_bytes(env.content, policy=policy.default)["Subject"]
    assert subject.startswith("Trendscope digest: ") and subject.endswith(f", week {WEEK}")  # the name stayed in


def test_test_digest_of_a_stored_encoded_word_name_cannot_inject_headers(db, dhome, monkeypatch):
    SubscriptionStore(db).add(Subscription(name=EVIL, trends=["multimodal"], size=2))
    digest = api.build(db, dhome, EVIL, WEEK)
    with smtp_server() as (rec, port):
        _smtp_env(monkeypatch, port, operator="reader@example.org")
        api.send_digest_test(dhome, digest)
    (env,) = rec.envelopes
    assert_clean_digest(env, "reader@example.org", operator="reader@example.org")


def test_sender_display_name_with_encoded_word_is_refused():
    with pytest.raises(TrendscopeError, match="encoded word"):
        load_smtp_config(None, env={"TRENDSCOPE_MAIL_FROM": "=?utf-8?q?x=0D=0ABcc=3A_v=40e.org?= <bot@example.org>"})


# ---------------------------------------------------------------------------------------------------------
# 2. the app as an open relay: test mail, unconfirmed recipients, List-Unsubscribe


def _smtp_env(monkeypatch, port: int, operator: str | None = OPERATOR) -> None:
    monkeypatch.setenv("TRENDSCOPE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRENDSCOPE_SMTP_PORT", str(port))
    monkeypatch.setenv("TRENDSCOPE_SMTP_TLS", "none")
    monkeypatch.setenv("TRENDSCOPE_MAIL_FROM", SENDER)
    if operator:
        monkeypatch.setenv("TRENDSCOPE_MAIL_OPERATOR", operator)
    else:
        monkeypatch.delenv("TRENDSCOPE_MAIL_OPERATOR", raising=False)


@pytest.fixture
def operator_home(app_home):
    """The seeded app home (conftest `app_home`) with the operator address in its config.toml."""
    dst = app_home
    (dst / "config.toml").write_text(f'[smtp]\noperator = "{OPERATOR}"\n')
    return dst


def _send_test_mail_in_app(at, to: str | None = None):
    """Open the test-mail form, type `to` into an address field if the page has one, press send."""
    fields = [t for t in at.text_input if t.key == "test_mail_to"]
    if fields and to is not None:
        fields[0].set_value(to)
    at.button(key="FormSubmitter:test_mail-Send test mail").click()
    return check(at.run())


@pytest.mark.slow  # the app against a real SMTP server
def test_app_test_mail_never_reaches_a_typed_stranger(operator_home, monkeypatch):
    with smtp_server() as (rec, port):
        _smtp_env(monkeypatch, port, operator=None)  # the operator address comes from config.toml
        at = open_page(check(new_app().run()), "digests")
        at = _send_test_mail_in_app(at, STRANGER)
    assert all(STRANGER not in e.rcpt_tos for e in rec.envelopes)
    assert [e.rcpt_tos for e in rec.envelopes] == [[OPERATOR]]
    assert any(OPERATOR in s for s in texts(at.success)), texts(at.error)


def test_api_test_mail_refuses_any_address_but_the_operators(db, dhome, monkeypatch):
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=2)
    digest = api.build(db, dhome, "mm", WEEK)
    with smtp_server() as (rec, port):
        _smtp_env(monkeypatch, port)
        with pytest.raises(TrendscopeError, match="operator"):
            api.send_digest_test(dhome, digest, STRANGER)
        with pytest.raises(TrendscopeError, match="operator"):
            api.send_test_mail(dhome, STRANGER)
        api.send_digest_test(dhome, digest, OPERATOR)
        api.send_test_mail(dhome)
    assert [e.rcpt_tos for e in rec.envelopes] == [[OPERATOR], [OPERATOR]]


@pytest.mark.slow  # the app against a real SMTP server
def test_test_mail_rate_limit_holds_across_sessions(operator_home, monkeypatch):
    with smtp_server() as (rec, port):
        _smtp_env(monkeypatch, port)
        at = open_page(check(new_app().run()), "digests")
        for _ in range(3):
            at = _send_test_mail_in_app(at, OPERATOR)
            assert any("Sent" in s for s in texts(at.success)), texts(at.error)
        at = _send_test_mail_in_app(at, OPERATOR)
        assert any("at most 3 test mails" in e for e in texts(at.error)), texts(at.error)
        # a new browser session (and a restarted server: the count is in the database) is limited as well
        at = open_page(check(new_app().run()), "digests")
        at = _send_test_mail_in_app(at, OPERATOR)
        assert any("at most 3 test mails" in e for e in texts(at.error)), texts(at.error)
    assert len(rec.envelopes) == 3


def test_test_mail_rate_limit_window_slides(db, dhome, monkeypatch):
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], size=2)
    digest = api.build(db, dhome, "mm", WEEK)
    with smtp_server() as (rec, port):
        _smtp_env(monkeypatch, port)
        for minute in (0, 1, 2):
            api.send_digest_test(dhome, digest, now=NOW + timedelta(minutes=minute))
        with pytest.raises(TrendscopeError, match="at most 3 test mails"):
            api.send_test_mail(dhome, now=NOW + timedelta(minutes=9))
        api.send_test_mail(dhome, now=NOW + timedelta(minutes=10, seconds=1))  # the first one left the window
    assert len(rec.envelopes) == 4


def test_failed_test_mail_does_not_use_up_the_limit(dhome, monkeypatch):
    with smtp_server() as (_, port):
        pass  # nothing listens there any more
    _smtp_env(monkeypatch, port)
    for _ in range(4):
        with pytest.raises(TrendscopeError, match="Connection refused"):
            api.send_test_mail(dhome, now=NOW)
    with smtp_server() as (rec, port):
        _smtp_env(monkeypatch, port)
        api.send_test_mail(dhome, now=NOW)
    assert len(rec.envelopes) == 1


@pytest.mark.slow  # the app against a real SMTP server
def test_app_subscription_mails_nobody_until_the_operator_confirms(operator_home, monkeypatch):
    at = open_page(check(new_app().run()), "digests")
    at.text_input(key="sub_name").set_value("Stranger watch")
    at.multiselect(key="sub_trends").set_value(["multimodal"])  # a trend with papers that week: a digest with
    at.text_input(key="sub_emails").set_value(f"{STRANGER}, {OPERATOR}")  # none is not mailed at all
    at.button(key="FormSubmitter:add_subscription-Add subscription").click()
    at = check(at.run())
    assert at.selectbox(key="digest_sub").value == "Stranger watch"
    assert "subscriptions confirm" in "\n".join(texts(at.markdown) + texts(at.info) + texts(at.success))
    home = Home(operator_home)
    db = open_database(home.db_path)
    try:
        with smtp_server() as (rec, port):
            cfg = smtp_config(port)
            before = run_weekly(db, home, now=NOW, smtp_config=cfg, subscriptions=["Stranger watch"])
            assert rec.envelopes == [] and before.sent == 0
            assert "2 unconfirmed" in before.summary()
            listed = cli(operator_home, "subscriptions", "list", "--json")
            sub = next(s for s in __import__("json").loads(listed.output) if s["name"] == "Stranger watch")
            assert sub["pending"] == [STRANGER, OPERATOR]
            r = cli(operator_home, "subscriptions", "confirm", "Stranger watch", STRANGER)
            assert r.exit_code == 0, r.output
            after = run_weekly(db, home, now=NOW, smtp_config=cfg, subscriptions=["Stranger watch"])
            assert [e.rcpt_tos for e in rec.envelopes] == [[STRANGER]] and after.sent == 1
            r = cli(operator_home, "subscriptions", "confirm", "Stranger watch")  # listed, then asked
            assert r.exit_code == 1 and OPERATOR in r.output and "not confirmed: nothing confirmed" in r.output
            r = cli(operator_home, "subscriptions", "confirm", "Stranger watch", input="y\n")  # every pending one
            assert r.exit_code == 0 and OPERATOR in r.output
            run_weekly(db, home, now=NOW, smtp_config=cfg, subscriptions=["Stranger watch"])
            assert sorted(e.rcpt_tos[0] for e in rec.envelopes) == [OPERATOR, STRANGER]
    finally:
        db.conn.close()
    bad = cli(operator_home, "subscriptions", "confirm", "Stranger watch", "nobody@example.org")
    assert bad.exit_code == 1 and "nobody@example.org" in bad.output


def test_cli_added_addresses_are_confirmed_by_the_operator(dhome):
    r = cli(dhome.root, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "reader@example.org")
    assert r.exit_code == 0
    db = open_database(dhome.db_path)
    try:
        sub = api.get_subscription(db, "mm")
        assert sub.pending == [] and sub.confirmed_emails == ["reader@example.org"]
    finally:
        db.conn.close()


def test_every_digest_mail_has_list_unsubscribe_and_list_id(db, dhome, monkeypatch):
    api.add_subscription(db, dhome, "Vision & language", trends=["multimodal"], size=2,
                         emails=["reader@example.org"], confirmed=True)
    sub = api.get_subscription(db, "Vision & language")
    assert re.fullmatch(r"[0-9a-f]{16,}", sub.token or "")
    with smtp_server() as (rec, port):
        run_weekly(db, dhome, now=NOW, smtp_config=smtp_config(port, operator=OPERATOR))
        _smtp_env(monkeypatch, port)
        api.send_digest_test(dhome, api.build(db, dhome, sub.name, WEEK))
    assert len(rec.envelopes) == 2
    for msg in rec.messages:
        token = sub.token_for(parseaddr(msg["To"])[1])  # the recipient's own token, never the subscription's
        assert msg["List-Unsubscribe"] == f"<mailto:{OPERATOR}?subject=unsubscribe%20{token}>"
        assert re.fullmatch(rf"<vision-language-{sub.id}\.trendscope\.example\.org>", msg["List-Id"]), msg["List-Id"]
        text = msg.get_payload()[0].get_content()
        assert f'with the subject "unsubscribe {token}"' in " ".join(text.split()) and OPERATOR in text
        # the subject a reader copies stays on one line of the wrapped text (it was split: a blind walkthrough);
        # the HTML part links it with the subject filled in, and a reply reaches the operator
        assert f'"unsubscribe {token}"' in text
        html_part = msg.get_payload()[1].get_payload()[0] if msg.get_payload()[1].is_multipart() \
            else msg.get_payload()[1]
        assert f'href="mailto:{OPERATOR}?subject=unsubscribe%20{token}"' in html_part.get_content()
        assert msg["Reply-To"] == OPERATOR
        assert sub.token not in msg.as_string()
        assert "trendscope " not in text  # the operator's command is not shown to recipients
    api.add_subscription(db, dhome, "other", trends=["privacy"], emails=["zed@example.org"], confirmed=True)
    reader = sub.token_for("reader@example.org")
    # one recipient's token does not remove another address, nor an address of another subscription
    r = cli(dhome.root, "subscriptions", "unsubscribe", reader, "zed@example.org")
    assert r.exit_code == 1 and "is the unsubscribe token of another address" in r.output, r.output
    # the subscription's own token (mails of earlier versions) or its name needs the address
    r = cli(dhome.root, "subscriptions", "unsubscribe", sub.token)
    assert r.exit_code == 1 and "give the address to remove too" in r.output, r.output
    # the operator acts on the unsubscribe request: the token alone names the address; the subscription stays
    r = cli(dhome.root, "subscriptions", "unsubscribe", reader.upper())
    assert r.exit_code == 0 and "Removed reader@example.org from 'Vision & language'." in r.output, r.output
    assert api.get_subscription(db, sub.name).emails == []
    assert api.get_subscription(db, "other").emails == ["zed@example.org"]
    r = cli(dhome.root, "subscriptions", "unsubscribe", reader)  # once only
    assert r.exit_code == 1 and "no subscription or recipient with the token" in r.output, r.output
    assert "an address already removed is no longer known by its token" in r.output
    # an earlier version's mail: the subscription's token and the sender's address
    r = cli(dhome.root, "subscriptions", "unsubscribe", api.get_subscription(db, "other").token, "zed@example.org")
    assert r.exit_code == 0 and api.get_subscription(db, "other").emails == []


# ---------------------------------------------------------------------------------------------------------
# 4. SMTP credentials: never a password over cleartext, STARTTLS whenever offered, a readable config warns


class AuthLog:
    """aiosmtpd authenticator that accepts everything and records what it saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[bytes, bytes, bool]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.seen.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=True)


def _write_config(path: Path, port: int, mode: int = 0o600, **extra) -> Path:
    lines = ["[smtp]", 'host = "127.0.0.1"', f"port = {port}", 'user = "me"', 'password = "hunter2"',
             'from = "Trendscope <digest@example.org>"', "timeout = 5"]
    lines += [f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {str(v).lower()}"
              for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(mode)
    return path


@contextlib.contextmanager
def _server_ctx(tmp_path: Path):
    cert, key = self_signed_cert(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    yield ctx, cert


def test_password_never_goes_out_over_cleartext(tmp_path):
    auth = AuthLog()
    with smtp_server(authenticator=auth, auth_require_tls=False) as (rec, port):  # no STARTTLS offered
        cfg = load_smtp_config(_write_config(tmp_path / "config.toml", port), env={})
        with pytest.raises(DeliveryError, match="refusing to send the SMTP password over an unencrypted"):
            deliver_test_message(cfg, "reader@example.org")
    assert auth.seen == [] and rec.envelopes == []


def test_plaintext_auth_only_when_the_config_opts_in(tmp_path):
    auth = AuthLog()
    with smtp_server(authenticator=auth, auth_require_tls=False) as (rec, port):
        cfg = load_smtp_config(_write_config(tmp_path / "config.toml", port, tls="none",
                                             allow_plaintext_auth=True), env={})
        deliver_test_message(cfg, "reader@example.org")
    assert auth.seen == [(b"me", b"hunter2", False)] and len(rec.envelopes) == 1


def test_default_tls_upgrades_with_starttls_when_offered(tmp_path):
    auth = AuthLog()
    with _server_ctx(tmp_path) as (server_ctx, cert):
        with smtp_server(authenticator=auth, tls_context=server_ctx) as (rec, port):  # AUTH only after STARTTLS
            cfg = load_smtp_config(_write_config(tmp_path / "config.toml", port, cafile=str(cert)), env={})
            assert cfg.tls == "auto"
            deliver_test_message(cfg, "reader@example.org")
            # no password: STARTTLS is still used when offered
            anon = load_smtp_config(None, env={"TRENDSCOPE_SMTP_HOST": "127.0.0.1",
                                               "TRENDSCOPE_SMTP_PORT": str(port)})
            with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):  # it did try TLS
                deliver_test_message(anon, "reader@example.org")
    assert auth.seen == [(b"me", b"hunter2", True)] and len(rec.envelopes) == 1


def test_weekly_run_reports_the_cleartext_refusal_once_per_address(db, dhome, tmp_path, monkeypatch):
    for var in [v for v in os.environ if v.startswith(("TRENDSCOPE_SMTP", "TRENDSCOPE_MAIL"))]:
        monkeypatch.delenv(var)
    api.add_subscription(db, dhome, "mm", trends=["multimodal"], emails=["reader@example.org"], confirmed=True)
    auth = AuthLog()
    with smtp_server(authenticator=auth, auth_require_tls=False) as (rec, port):
        _write_config(dhome.config_path, port)
        r = cli(dhome.root, "digest", "--week", WEEK, "--send")
    assert r.exit_code == 1
    assert "refusing to send the SMTP password over an unencrypted connection" in r.output
    assert auth.seen == [] and rec.envelopes == []


@pytest.mark.parametrize("mode,warns", [(0o644, True), (0o640, True), (0o600, False)])
def test_readable_config_with_password_warns(dhome, monkeypatch, caplog, mode, warns):
    for var in [v for v in os.environ if v.startswith(("TRENDSCOPE_SMTP", "TRENDSCOPE_MAIL"))]:
        monkeypatch.delenv(var)
    with smtp_server() as (_, port):
        pass
    _write_config(dhome.config_path, port, mode=mode, tls="none", allow_plaintext_auth=True)
    with caplog.at_level(logging.WARNING, logger="trendscope.digest.smtp_config"):
        load_smtp_config(dhome.config_path, env={})
    logged = [r.getMessage() for r in caplog.records if "readable" in r.getMessage()
              and r.name == "trendscope.digest.smtp_config"]
    assert bool(logged) == warns, logged
    r = cli(dhome.root, "digest", "--week", WEEK, "--send")
    assert ("chmod 600" in r.output) == warns, r.output


def test_config_without_password_does_not_warn(tmp_path, caplog):
    path = tmp_path / "config.toml"
    path.write_text('[smtp]\nhost = "127.0.0.1"\n')
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="trendscope.digest.smtp_config"):
        load_smtp_config(path, env={})
    assert not [r for r in caplog.records if "readable" in r.getMessage()]


@pytest.mark.slow  # the app against a real SMTP server
def test_seeded_subscription_still_previews(operator_home):
    at = open_page(check(new_app().run()), "digests")
    assert at.selectbox(key="digest_sub").value == SUBSCRIPTION
