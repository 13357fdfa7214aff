"""`trendscope status` (and the app's Status page) check every settings file of the home with each stage's own
loader, so a typo shows the day it is made, not on the Wednesday a digest run sends nothing."""
from __future__ import annotations

import json

from click.testing import CliRunner

from trendscope.foundation.home import Home
from trendscope.ui.config_check import config_problems
from trendscope.ui.status_report import full_status


def _status(home) -> dict:
    from trendscope.ui.cli import main

    res = CliRunner().invoke(main, ["--home", str(home), "status", "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_good_or_absent_settings_raise_nothing(home, monkeypatch):
    for var in ("TRENDSCOPE_SMTP_PORT", "TRENDSCOPE_APP_URL", "TRENDSCOPE_SMTP_TLS"):
        monkeypatch.delenv(var, raising=False)
    h = Home(home)
    assert config_problems(h, env={}) == []
    h.config_path.write_text('[smtp]\nhost = "mail.lab.example"\nport = 587\nfrom = "Lab <digests@lab.example>"\n'
                             '[app]\nurl = "https://ts.lab.example"\n[auth]\noidc_domains = ["lab.example"]\n')
    h.config_path.chmod(0o600)
    assert config_problems(h, env={}) == []
    assert _status(home)["config_problems"] == []


def test_a_mail_server_without_a_sender_address_is_warned_of(home, monkeypatch):
    """A blind walkthrough: with only [smtp] host set, digests went out from trendscope@localhost.localdomain, and
    readers' unsubscribe requests to it, without a word."""
    from trendscope.digest.smtp_config import sender_warnings

    for var in ("TRENDSCOPE_SMTP_HOST", "TRENDSCOPE_MAIL_FROM"):
        monkeypatch.delenv(var, raising=False)
    h = Home(home)
    h.config_path.write_text('[smtp]\nhost = "mail.lab.example"\nport = 587\n')
    h.config_path.chmod(0o600)
    assert config_problems(h, env={}) == []  # it works; it is a warning, not a refusal
    warned = [w for w in _status(home)["config_problems"] if "smtp from is not set" in w]
    assert len(warned) == 1 and "trendscope@localhost.localdomain" in warned[0] and str(h.config_path) in warned[0]
    assert sender_warnings(h.config_path, env={"TRENDSCOPE_MAIL_FROM": "digests@lab.example"}) == []
    h.config_path.write_text("")
    (only,) = sender_warnings(h.config_path, env={"TRENDSCOPE_SMTP_HOST": "127.0.0.1"})
    assert "TRENDSCOPE_MAIL_FROM" in only  # set by a variable: the variable that mends it
    assert sender_warnings(h.config_path, env={}) == []  # no mail server, nothing mailed


def test_each_bad_setting_is_one_line_naming_its_file_and_status_lists_it(home, monkeypatch):
    monkeypatch.delenv("TRENDSCOPE_APP_URL", raising=False)
    h = Home(home)
    h.config_path.write_text('foo = 1\n[smpt]\nhost = "x"\n[smtp]\nport = "abc"\n[app]\nurl = "javascript:alert(1)"\n'
                             '[auth]\noidc_domain = ["lab.example"]\n')
    problems = config_problems(h, env={})
    assert all("\n" not in p and str(h.config_path) in p for p in problems)
    text = "\n".join(problems)
    assert "unknown section(s) [smpt], read by nothing (known: [app], [auth], [smtp])" in text
    assert "smtp port must be a whole number, not 'abc'" in text
    assert "[app] url: must be an http(s) address" in text
    assert "unknown key(s) in [auth]: oidc_domain" in text
    assert "key(s) outside any section: foo, read by nothing" in text  # it was called a section
    assert "[foo]" not in text
    assert len(problems) == 5
    stale = _status(home)["stale"]
    assert sum(s.startswith("settings: ") for s in stale) == 5
    # a variable is checked as the stage reads it
    assert any(p.startswith("TRENDSCOPE_SMTP_PORT: smtp port must be a whole number")
               for p in config_problems(h, env={"TRENDSCOPE_SMTP_PORT": "x"}))


def test_a_file_that_is_not_toml_is_said_once_and_the_other_files_are_still_checked(home):
    h = Home(home)
    h.config_path.write_text("[smtp\nhost = 1\n")
    h.taxonomy_path.write_text('[trends.robotics]\nlabel = 5\n')
    h.secrets_path.write_text('[auth]\nredirect_uri = "https://ts.lab.example/"\ncookie_secret = "s"\n')
    h.secrets_path.chmod(0o600)
    problems = config_problems(h, env={})
    assert sum("not valid TOML" in p for p in problems) == 1 and str(h.config_path) in problems[0]
    assert any(str(h.taxonomy_path) in p for p in problems)
    assert any(str(h.secrets_path) in p and "redirect_uri must end with /oauth2callback" in p for p in problems)


def test_a_broken_taxonomy_is_one_status_item_and_status_shows_the_rest(home, sample_rows):
    """A blind walkthrough: with a taxonomy.toml field misspelt, `trendscope status` printed that one error line and
    nothing else (exit 1), and the app's Status page stopped at it, while search and trends still ran."""
    from lists_support import ingest_rows

    from trendscope.ui.cli import main

    ingest_rows(home, sample_rows[:20])
    assert CliRunner().invoke(main, ["--home", str(home), "index", "--tags-only"]).exit_code == 0  # a tagged home
    h = Home(home)
    h.taxonomy_path.write_text('[trends.speech]\nterms = ["asr"]\n')
    st = _status(home)
    (item,) = [s for s in st["stale"] if str(h.taxonomy_path) in s]
    assert item.startswith("settings: ") and "unknown field(s) terms (known: " in item
    text = CliRunner().invoke(main, ["--home", str(home), "status"])
    assert text.exit_code == 0 and "Papers:" in text.output and "unknown field(s) terms" in text.output


def test_secrets_others_can_read_need_attention(home):
    h = Home(home)
    h.config_path.write_text('[smtp]\nhost = "mail.lab.example"\npassword = "hunter2"\n')
    h.config_path.chmod(0o644)
    assert any("holds the SMTP password and is readable by" in s for s in full_status(h)["stale"])
    h.config_path.chmod(0o600)
    assert not any("SMTP password" in s for s in full_status(h)["stale"])


def test_a_database_every_user_may_read_needs_attention(home):
    """An operations walkthrough: a home restored with `cp` under umask 022 held a 644 database (password hashes,
    addresses, sessions) without a word, while a readable config.toml was named."""
    h = Home(home)
    Home(home).ensure()
    from trendscope.schema import open_home_database

    open_home_database(h).close()
    h.db_path.chmod(0o644)
    (said,) = [s for s in full_status(h)["stale"] if "every user of this machine may read it" in s]
    assert f"{h.db_path} (644)" in said and f"chmod 600 {h.db_path}*" in said
    h.db_path.chmod(0o640)  # a group, on purpose
    assert not any("may read it" in s for s in full_status(h)["stale"])


def test_a_new_home_and_its_database_are_their_owners_alone(tmp_path):
    """The database holds password and session hashes and email addresses; a walkthrough found it created 644 in
    a 755 home. New ones are 600 in a 700 home (SQLite gives the -wal file the database's mode); an existing file
    keeps the mode an admin gave it."""
    import stat

    from trendscope.accounts.users import Accounts
    from trendscope.schema import open_home_database

    h = Home(tmp_path / "lab" / "home").ensure()
    db = open_home_database(h)
    Accounts(db).add("ana", email="ana@lab.example")
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in h.root.iterdir() if p.name.startswith("trendscope.db")}
    db.close()
    assert stat.S_IMODE(h.root.stat().st_mode) == 0o700
    assert mode["trendscope.db"] == 0o600 and mode.get("trendscope.db-wal", 0o600) == 0o600, mode
    h.db_path.chmod(0o640)  # shared with a group on purpose: left so
    open_home_database(h).close()
    assert stat.S_IMODE(h.db_path.stat().st_mode) == 0o640


def test_every_bad_smtp_value_is_named_at_once(home, monkeypatch):
    """Five mistakes in [smtp] came out one per run, the first alone (a blind walkthrough)."""
    for var in ("TRENDSCOPE_SMTP_PORT", "TRENDSCOPE_SMTP_TLS", "TRENDSCOPE_APP_URL"):
        monkeypatch.delenv(var, raising=False)
    h = Home(home)
    h.config_path.write_text('[smtp]\nport = "abc"\ntls = "maybe"\nfrom = "not an email"\n'
                             'operator = "a@lab.example\\r\\nBcc: victim@evil.example"\ntimeout = -5\n')
    h.config_path.chmod(0o600)
    problems = config_problems(h, env={})
    assert len(problems) == 5 and all("\n" not in p and str(h.config_path) in p for p in problems), problems
    text = "\n".join(problems)
    for said in ("smtp tls must be one of", "smtp port must be a whole number, not 'abc'", "smtp from:",
                 "smtp operator:", "smtp timeout must be between 0 and 600 seconds, not -5"):
        assert said in text, (said, problems)
    assert sum(s.startswith("settings: ") for s in _status(home)["stale"]) == 5


def test_an_unknown_key_or_section_does_not_hide_the_bad_values(home, monkeypatch):
    """A blind walkthrough: `[smpt]` and `prot = 8026` were named, then, once fixed, `port = "twenty-five"` and
    `tls = "yes"`; in secrets.toml a misspelt `client_secert` hid a 5-character cookie_secret."""
    for var in ("TRENDSCOPE_SMTP_PORT", "TRENDSCOPE_SMTP_TLS", "TRENDSCOPE_APP_URL"):
        monkeypatch.delenv(var, raising=False)
    h = Home(home)
    h.config_path.write_text('[smtp]\nport = "twenty-five"\ntls = "yes"\nprot = 8026\n\n[smpt]\nhost = "x"\n')
    h.config_path.chmod(0o600)
    text = "\n".join(config_problems(h, env={}))
    for said in ("unknown section(s) [smpt]", "unknown key(s) in [smtp]: prot", "smtp tls must be one of",
                 "smtp port must be a whole number, not 'twenty-five'"):
        assert said in text, (said, text)
    h.config_path.unlink()
    h.secrets_path.write_text('[auth]\nredirect_uri = "https://ts.lab.example/oauth2callback"\n'
                              'cookie_secret = "short"\nclient_id = "id"\nclient_secert = "s"\n'
                              'server_metadata_url = "https://idp.example/.well-known/openid-configuration"\n')
    h.secrets_path.chmod(0o600)
    problems = config_problems(h, env={})
    text = "\n".join(problems)
    for said in ("[auth] has no setting 'client_secert' (did you mean 'client_secret'?", "cookie_secret is 5"):
        assert said in text, (said, problems)
    assert "needs client_secret" not in text  # one typo, one line (it also read "needs client_secret")
    assert all(str(h.secrets_path) in p and "\n" not in p for p in problems)
    # a misspelt section left sign-in off without a word: `status` said nothing, `serve` "sign-in: password"
    h.secrets_path.write_text(h.secrets_path.read_text().replace("[auth]", "[auht]"))
    text = "\n".join(config_problems(h, env={}))
    assert f"{h.secrets_path}: no section [auht] (did you mean [auth]?)" in text, text
    # ... and its own mistakes at once, not one fix later (a blind walkthrough)
    for said in ("has no setting 'client_secert'", "cookie_secret is 5"):
        assert said in text, (said, text)
    h.secrets_path.write_text('cookie_secret = "x"\n' + h.secrets_path.read_text().replace("[auht]", "[auth]"))
    text = "\n".join(config_problems(h, env={}))
    assert f"{h.secrets_path}: 'cookie_secret' is outside [auth] (write it below the [auth] line)" in text, text
    assert "cookie_secret is 5" in text  # the section's own mistakes too


def test_a_sign_in_address_over_plain_http_to_another_machine_is_refused(home):
    """A blind walkthrough: `redirect_uri = "http://ts.lab.example/oauth2callback"` was taken without a word (the
    provider's one-time code and the session cookie would cross the network in clear)."""
    h = Home(home)
    body = ('cookie_secret = "{}"\nclient_id = "id"\nclient_secret = "s"\n'
            'server_metadata_url = "https://idp.example/.well-known/openid-configuration"\n').format("k" * 40)
    h.secrets_path.write_text('[auth]\nredirect_uri = "http://ts.lab.example/oauth2callback"\n' + body)
    h.secrets_path.chmod(0o600)
    assert config_problems(h, env={}) == [
        f"{h.secrets_path}: [auth] redirect_uri must be an https:// address (plain http only on this machine, e.g. "
        "http://localhost:8501/oauth2callback), not 'http://ts.lab.example/oauth2callback'"]
    for fine in ("https://ts.lab.example/oauth2callback", "http://localhost:8501/oauth2callback",
                 "http://127.0.0.1:8501/oauth2callback"):
        h.secrets_path.write_text(f'[auth]\nredirect_uri = "{fine}"\n' + body)
        assert config_problems(h, env={}) == [], fine
