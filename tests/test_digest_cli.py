"""The digest CLI end to end (a new user's path), and SMTP configuration parsing."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from digest_support import WEEK, smtp_server

from trendscope.digest.smtp_config import load_smtp_config
from trendscope.foundation.errors import TrendscopeError


def main_cli():
    from trendscope.ui.cli import main

    return main


def cli(home, *args, input=None):
    from trendscope.ui.cli import main

    return CliRunner().invoke(main, ["--home", str(home.root), *args], input=input, catch_exceptions=False)


def test_subscriptions_add_list_remove(dhome):
    r = cli(dhome, "subscriptions", "add", "vision", "--trend", "multimodal", "--category", "cs.CV",
            "--exclude", "medical", "--size", "5", "--email", "me@example.org", "--no-feed")
    assert r.exit_code == 0, r.output
    assert "Added subscription 'vision'" in r.output
    r = cli(dhome, "subscriptions", "add", "llm", "--query", "language models")
    assert r.exit_code == 0
    listed = json.loads(cli(dhome, "subscriptions", "list", "--json").output)
    assert [s["name"] for s in listed] == ["llm", "vision"]
    v = listed[1]
    assert (v["trends"], v["categories"], v["exclude"], v["size"], v["emails"], v["feed"]) == (
        ["multimodal"], ["cs.CV"], ["medical"], 5, ["me@example.org"], False)
    assert "vision: trends multimodal" in cli(dhome, "subscriptions").output
    # categories take the stored papers' spelling; one no paper has is kept, with a note, and lists nothing
    r = cli(dhome, "subscriptions", "add", "cased", "--query", "language models", "--category", "cs.cv")
    assert r.exit_code == 0 and "note:" not in r.output
    r = cli(dhome, "subscriptions", "add", "later", "--query", "language models", "--category", "cs.XX")
    assert r.exit_code == 0 and "note: no stored paper is in cs.XX yet" in r.output and "did you mean" not in r.output
    # one slip from a stored category: named (`-c cs.CLL` was taken with the note alone: a blind walkthrough)
    r = cli(dhome, "subscriptions", "add", "typo", "--query", "language models", "--category", "cs.CVV")
    assert r.exit_code == 0 and "note: no stored paper is in cs.CVV yet (did you mean cs.CV?)" in r.output
    assert cli(dhome, "subscriptions", "remove", "typo").exit_code == 0
    cats = {s["name"]: s["categories"] for s in json.loads(cli(dhome, "subscriptions", "list", "--json").output)}
    assert cats["cased"] == ["cs.CV"] and cats["later"] == ["cs.XX"]
    r = cli(dhome, "digest", "--week", WEEK, "--subscription", "later")
    assert r.exit_code == 0, r.output
    for name in ("cased", "later"):  # no feed file was ever written: none is said to go (a blind docs audit)
        r = cli(dhome, "subscriptions", "remove", name)
        assert r.exit_code == 0 and r.output == f"Removed subscription '{name}'.\n", r.output
    r = cli(dhome, "subscriptions", "add", "cased trend", "--trend", "Multimodal", "--trend", "multimodal")
    assert r.exit_code == 0 and "trends multimodal;" in r.output  # spelled as the taxonomy does, once
    assert cli(dhome, "subscriptions", "remove", "cased trend").exit_code == 0
    bad = cli(dhome, "subscriptions", "add", "x", "--trend", "astrology")
    assert bad.exit_code != 0 and "unknown trend(s): astrology" in bad.output
    bad = cli(dhome, "subscriptions", "add", "x", "--trend", "privacy", "--email", "not-an-address")
    assert bad.exit_code != 0 and "not a valid email address" in bad.output
    bad = cli(dhome, "subscriptions", "add", "x", "--trend", "privacy", "--email", "x@y")  # taken and mailed before
    assert bad.exit_code != 0 and "not a valid email address: 'x@y' (its domain 'y' has no dot)" in bad.output
    kept = cli(dhome, "subscriptions", "remove", "vision", input="n\n")
    assert kept.exit_code == 1 and "mailed to me@example.org?" in kept.output  # it mails someone: asked, kept
    # where no one can answer (a script: stdin no terminal, or ended), it says how to answer, not "Aborted!"
    unanswered = cli(dhome, "subscriptions", "remove", "vision", input="")
    assert unanswered.exit_code == 1 and "Aborted" not in unanswered.output
    assert ("Error: not confirmed: nothing removed (no terminal to answer: pass --yes to answer yes in a script)"
            in unanswered.output), unanswered.output
    assert "vision" in cli(dhome, "subscriptions").output
    assert cli(dhome, "subscriptions", "remove", "vision", "--yes").exit_code == 0
    assert [s["name"] for s in json.loads(cli(dhome, "subscriptions", "list", "--json").output)] == ["llm"]
    assert "no subscription named 'vision'" in cli(dhome, "subscriptions", "remove", "vision").output


def test_digest_formats_to_stdout_and_files(dhome, tmp_path):
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--size", "3")
    md = cli(dhome, "digest", "--week", WEEK)
    assert md.exit_code == 0 and md.output.startswith(f"# Trendscope digest: mm, week {WEEK}")
    assert "\n## Trend summary\n" in md.output
    assert "· trends Multimodal learning_" in md.output  # readers see the trend's label, not its id
    # the trend lines count the whole week: said when the digest lists only some of those papers
    cli(dhome, "subscriptions", "add", "mmcv", "--trend", "multimodal", "--category", "cs.CV")
    cv = cli(dhome, "digest", "--week", WEEK, "--subscription", "mmcv")
    assert "## Trend summary (all papers of the week, before this digest's filters)" in cv.output
    # a saved search without filters has none to speak of, and no trend (a blind walkthrough)
    cli(dhome, "subscriptions", "add", "asr", "--query", "speech recognition")
    asr = cli(dhome, "digest", "--week", WEEK, "--subscription", "asr").output
    assert "\n## This week\n" in asr and "before this digest's filters" not in asr and "Trend summary" not in asr
    assert cli(dhome, "subscriptions", "remove", "asr").exit_code == 0
    assert cli(dhome, "subscriptions", "remove", "mmcv").exit_code == 0
    out = tmp_path / "d.html"
    r = cli(dhome, "digest", "--week", WEEK, "--subscription", "mm", "--format", "html", "--out", str(out))
    assert r.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    atom = tmp_path / "mm.xml"
    cli(dhome, "digest", "--week", WEEK, "--format", "atom", "--out", str(atom))
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title")
              for e in ET.parse(atom).getroot().findall("{http://www.w3.org/2005/Atom}entry")]
    assert len([t for t in titles if not t.startswith("[Less sure] ")]) == 3  # and those it names "Less sure"
    cli(dhome, "subscriptions", "add", "priv", "--trend", "privacy")
    r = cli(dhome, "digest", "--week", WEEK, "--format", "md", "--out", str(tmp_path / "all"))
    assert r.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [f"mm-{WEEK}.md", f"priv-{WEEK}.md"]
    # a trailing slash means a directory even for one digest; a file name for several is refused
    r = cli(dhome, "digest", "--week", WEEK, "--subscription", "mm", "--out", str(tmp_path / "one") + "/")
    assert r.exit_code == 0 and (tmp_path / "one" / f"mm-{WEEK}.md").is_file()
    r = cli(dhome, "digest", "--week", WEEK, "--out", str(tmp_path / "all.md"))
    assert r.exit_code == 1 and "names a file, but 2 subscriptions need a directory" in r.output
    assert not (tmp_path / "all.md").exists()
    bad = cli(dhome, "digest", "--week", "2026-W99")
    assert bad.exit_code != 0 and "2026 has no week 99" in bad.output


def test_a_week_not_over_is_a_preview_and_one_not_begun_is_refused(dhome):
    from trendscope.foundation.clock import shift_week, utc_now, week_of

    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--size", "3")
    this_week = week_of(utc_now().date())
    r = cli(dhome, "digest", "--week", this_week)
    assert r.exit_code == 0 and f"note: week {this_week} is not over yet" in r.output
    # sending freezes a week for good: an unfinished one is not sent
    r = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "digest", "--week", this_week, "--send"])
    assert r.exit_code == 1 and "is not over yet: its digests can be issued from" in r.output, r.output
    future = shift_week(this_week, 3)
    r = cli(dhome, "digest", "--week", future)
    assert r.exit_code == 1 and f"week {future} has not begun" in r.output and "Usage:" not in r.output
    assert "not over yet" not in cli(dhome, "digest", "--week", WEEK).output


def test_new_user_sends_digest_with_env_config(dhome, monkeypatch):
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "me@example.org")
    with smtp_server() as (rec, port):
        monkeypatch.setenv("TRENDSCOPE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TRENDSCOPE_SMTP_PORT", str(port))
        monkeypatch.setenv("TRENDSCOPE_SMTP_TLS", "none")
        monkeypatch.setenv("TRENDSCOPE_MAIL_FROM", "Digest Bot <bot@example.org>")
        first = cli(dhome, "digest", "--week", WEEK, "--send")
        second = cli(dhome, "digest", "--week", WEEK, "--send")
    assert first.exit_code == 0, first.output
    assert "emails sent 1, failed 0" in first.output
    assert "emails sent 0, failed 0, already sent 1" in second.output
    # not a terminal (cron's mail, a log): no redrawn bar ("digests 2026-W48: 0sub [00:00, ?sub/s]")
    assert "sub/s" not in first.output and "\r" not in first.output
    assert len(rec.envelopes) == 1
    msg = rec.messages[0]
    assert msg["From"] == "Digest Bot <bot@example.org>" and msg["To"] == "me@example.org"
    assert (dhome.feeds_dir).is_dir() and len(list(dhome.feeds_dir.glob("*.xml"))) == 1


def test_a_readable_password_file_is_warned_of_once(dhome, monkeypatch, caplog):
    """`digest --send` printed the SMTP-password warning twice (the command's own line, then the log's)."""
    import logging

    for var in ("TRENDSCOPE_SMTP_HOST", "TRENDSCOPE_SMTP_PORT", "TRENDSCOPE_SMTP_TLS", "TRENDSCOPE_SMTP_USER"):
        monkeypatch.delenv(var, raising=False)
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "me@example.org")
    with smtp_server() as (rec, port):
        dhome.config_path.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\ntls = "none"\n'
                                     'password = "hunter2"\n')
        dhome.config_path.chmod(0o644)
        with caplog.at_level(logging.WARNING):
            done = cli(dhome, "digest", "--week", WEEK, "--send")
    assert done.exit_code == 0, done.output
    said = done.output.count("holds the SMTP password") + sum("holds the SMTP password" in r.getMessage()
                                                              for r in caplog.records)
    assert said == 1 and len(rec.envelopes) == 1


def test_a_misspelt_section_stops_the_send_before_anything_is_issued(dhome, monkeypatch):
    """A blind lab-admin walkthrough: with `[smpt]` for `[smtp]`, `digest --send` issued the week, wrote its Atom
    feeds and failed every mail; digests.md promises a stop before anything is issued, mailed or fed."""
    from trendscope.digest import api
    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.ingest.store import open_database

    for var in ("TRENDSCOPE_SMTP_HOST", "TRENDSCOPE_SMTP_PORT", "TRENDSCOPE_SMTP_TLS"):
        monkeypatch.delenv(var, raising=False)
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "me@example.org")
    dhome.config_path.write_text('[smpt]\nhost = "127.0.0.1"\ntls = "none"\n', encoding="utf-8")
    done = cli(dhome, "digest", "--week", WEEK, "--send")
    assert done.exit_code == 1 and "unknown section(s) [smpt], read by nothing" in done.output and \
        "fix it before sending the digests (nothing was issued or mailed)" in done.output, done.output
    sub = api.get_subscription(open_database(dhome.db_path), "mm")
    assert SubscriptionStore(open_database(dhome.db_path)).issued_ids(sub.id, WEEK) == []
    assert not dhome.feeds_dir.exists() or not list(dhome.feeds_dir.glob("*.xml"))  # no feed written
    # every problem at once, in one line: the send named the first of four, one per try (a blind docs audit)
    dhome.config_path.write_text('[smpt]\nhost = "127.0.0.1"\n[app]\nurl = "not a url"\n[smtp]\nport = "x"\n',
                                 encoding="utf-8")
    done = cli(dhome, "digest", "--week", WEEK, "--send")
    errors = [line for line in done.output.splitlines() if line.startswith("Error:")]
    assert done.exit_code == 1 and len(errors) == 1, done.output
    assert errors[0].startswith("Error: 3 problems in the settings; fix them before sending the digests (nothing "
                                "was issued or mailed): ") and "[smpt], read by nothing" in errors[0], errors[0]
    assert "[app] url" in errors[0] or "app url" in errors[0], errors[0]
    assert "port" in errors[0].split("[smpt]")[1], errors[0]
    assert SubscriptionStore(open_database(dhome.db_path)).issued_ids(sub.id, WEEK) == []
    # the digests read taxonomy.toml too: a broken one went on to issue a week ranked without its digest rules,
    # saying "digest ranking without the taxonomy's digest rules" once per subscription (a lab-admin walkthrough)
    dhome.config_path.unlink()
    dhome.taxonomy_path.write_text("[trends.multimodal\nlabel = 'x'\n", encoding="utf-8")
    done = cli(dhome, "digest", "--week", WEEK, "--send")
    assert done.exit_code == 1 and "taxonomy.toml" in done.output and "nothing was issued" in done.output, done.output
    assert SubscriptionStore(open_database(dhome.db_path)).issued_ids(sub.id, WEEK) == []


def test_send_failure_exits_nonzero(dhome, monkeypatch, caplog):
    import logging

    for var in ("TRENDSCOPE_SMTP_HOST", "TRENDSCOPE_SMTP_PORT"):
        monkeypatch.delenv(var, raising=False)
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "me@example.org")
    with caplog.at_level(logging.INFO):
        r = CliRunner().invoke(__import__("trendscope.ui.cli", fromlist=["main"]).main,
                               ["--home", str(dhome.root), "digest", "--week", WEEK, "--send"])
    assert r.exit_code == 1 and r.output.count("SMTP is not configured") == 1, r.output
    # each failed mail said once: the command's `error:` line (a log warning beside it said it twice)
    assert not [x for x in caplog.records if x.levelno >= logging.WARNING and "failed" in x.getMessage()]
    # and `status` says it waits for a retry (only the cron job's exit code told: a blind walkthrough)
    st = json.loads(cli(dhome, "status", "--json").output)
    assert [(u["subscription"], u["week"], u["target"], u["status"]) for u in st["unsent_deliveries"]] == [
        ("mm", WEEK, "me@example.org", "failed")]
    assert any(s.startswith(f"digests: 1 not delivered: 'mm' {WEEK} to me@example.org (") and
               s.endswith("(`trendscope digest --send` retries those of the 4 weeks before the week it sends; an "
                          "older one with `--week W --send`)") for s in st["stale"]), st["stale"]


def test_smtp_config_from_file_and_environment(tmp_path):
    cfg_file = tmp_path / "config.toml"
    cfg_file.write_text('[smtp]\nhost = "mail.example.org"\ntls = "starttls"\nuser = "me"\npassword = "pw"\n'
                        'from = "Trendscope <digest@example.org>"\n')
    c = load_smtp_config(cfg_file, env={})
    assert (c.host, c.port, c.tls, c.user, c.password) == ("mail.example.org", 587, "starttls", "me", "pw")
    assert c.sender == "Trendscope <digest@example.org>"
    c = load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_TLS": "ssl", "TRENDSCOPE_SMTP_HOST": "other.example.org"})
    assert (c.host, c.port, c.tls) == ("other.example.org", 465, "ssl")
    c = load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_TLS": "none", "TRENDSCOPE_SMTP_PORT": "2525",
                                        "TRENDSCOPE_SMTP_ALLOW_PLAINTEXT_AUTH": "true"})
    assert (c.port, c.tls) == (2525, "none")
    # settings that fail every mail are refused when read, before a week is issued (they were refused at each
    # mail after the week's lists were fixed and its feeds written: a blind walkthrough)
    with pytest.raises(TrendscopeError, match="^TRENDSCOPE_SMTP_TLS: refusing to send the SMTP password over an "):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_TLS": "none"})
    bad = tmp_path / "bad.toml"
    bad.write_text('[smtp]\nhost = 5\n')
    with pytest.raises(TrendscopeError, match=f"^{bad}: smtp host must be a host name in quotes, not 5"):
        load_smtp_config(bad, env={})
    bad.write_text('[smtp]\nhost = "m.example.org"\ncafile = "/nonexistent.pem"\n')
    with pytest.raises(TrendscopeError, match=f"^{bad}: smtp cafile is not a file: '/nonexistent.pem'"):
        load_smtp_config(bad, env={})
    assert not load_smtp_config(tmp_path / "missing.toml", env={}).configured
    # each error names where the bad value came from (an environment variable was blamed on the file)
    with pytest.raises(TrendscopeError, match="^TRENDSCOPE_SMTP_TLS: smtp tls must be one of"):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_TLS": "maybe"})
    with pytest.raises(TrendscopeError, match="^TRENDSCOPE_SMTP_PORT: smtp port must be a whole number, not 'abc'"):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_PORT": "abc"})
    with pytest.raises(TrendscopeError, match="^TRENDSCOPE_SMTP_ALLOW_PLAINTEXT_AUTH: smtp allow_plaintext_auth must"):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_ALLOW_PLAINTEXT_AUTH": "maybe"})  # it blamed the file too
    with pytest.raises(TrendscopeError, match=f"^{cfg_file}: smtp port out of range: 99999"):
        load_smtp_config(cfg_file.write_text('[smtp]\nhost = "m.example.org"\nport = 99999\n') and cfg_file, env={})
    # a misspelt key is refused, not ignored (it sent to port 25 and failed with "connection refused")
    cfg_file.write_text('[smtp]\nhost = "m.example.org"\nprot = 8025\n')
    with pytest.raises(TrendscopeError, match=r"unknown key\(s\) in \[smtp\]: prot \(known: allow_plaintext_auth, "):
        load_smtp_config(cfg_file, env={})
    cfg_file.write_text('[smtp]\nhost = "mail.example.org"\ntls = "starttls"\nuser = "me"\npassword = "pw"\n')
    with pytest.raises(TrendscopeError, match="sender address must be one line"):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_MAIL_FROM": "Bot <bot@example.org>\r\nBcc: x@example.org"})
    with pytest.raises(TrendscopeError, match="^TRENDSCOPE_MAIL_FROM: smtp from: not a valid email address"):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_MAIL_FROM": "Bot <bot@example.org>, x@example.org"})
    # a bad value in the file names the file and the key (it named neither: a blind walkthrough)
    cfg_file.write_text('[smtp]\nhost = "m.example.org"\nfrom = "not an address"\n')
    with pytest.raises(TrendscopeError, match=f"^{cfg_file}: smtp from: not a valid email address: 'not an address'"):
        load_smtp_config(cfg_file, env={})
    cfg_file.write_text('[smtp]\nhost = "m.example.org"\noperator = "nobody"\n')
    with pytest.raises(TrendscopeError, match=f"^{cfg_file}: smtp operator: "):
        load_smtp_config(cfg_file, env={})
    cfg_file.write_text('[smtp]\nhost = "mail.example.org"\ntls = "starttls"\nuser = "me"\npassword = "pw"\n')
    # named by the variable it came from, not the file (a blind lab-admin walkthrough)
    with pytest.raises(TrendscopeError, match="^TRENDSCOPE_SMTP_HOST: smtp host is not a host name"):
        load_smtp_config(cfg_file, env={"TRENDSCOPE_SMTP_HOST": "evil.org\r\nRCPT TO:<x@y.z>"})
    cfg_file.write_text("[smtp\nhost=")
    with pytest.raises(TrendscopeError, match="invalid TOML"):
        load_smtp_config(cfg_file, env={})
    for bad in ("-5", "0", "nan", "1e9"):  # -5 failed at the first connection as "Timeout value out of range"
        cfg_file.write_text(f'[smtp]\nhost = "m.example.org"\ntimeout = {bad}\n')
        with pytest.raises(TrendscopeError, match=f"^{cfg_file}: smtp timeout must be between 0 and 600 seconds"):
            load_smtp_config(cfg_file, env={})


def test_digest_files_never_share_a_name():
    """Two users' "mine", and two names with the same slug, used to overwrite each other's file."""
    from types import SimpleNamespace as S

    from trendscope.foundation.actor import LAB
    from trendscope.ui.cli.digest import _file_names

    subs = [S(name="mine", owner="local"), S(name="mine", owner="bo"), S(name="my sub/with slash", owner="local"),
            S(name="my sub-with slash", owner="local"), S(name="my-sub-with-slash-2", owner="local"),
            S(name="Lab news", owner=LAB), S(name="x-notes", owner="al"), S(name="notes", owner="al-x")]
    names = _file_names(subs, "local", "-2026-W21.md")
    assert names == ["mine-2026-W21.md", "bo@mine-2026-W21.md", "my-sub-with-slash-2026-W21.md",
                     "my-sub-with-slash-2-2026-W21.md", "my-sub-with-slash-2-2-2026-W21.md", "lab-news-2026-W21.md",
                     # al's "x-notes" and al-x's "notes" were both al-x-notes, al's taking the name (a walkthrough)
                     "al@x-notes-2026-W21.md", "al-x@notes-2026-W21.md"]
    assert len(set(names)) == len(names)
    # a name with no ASCII letter was "subscription", then "subscription-2" (a blind walkthrough)
    odd = [S(name="日本語 の 論文", owner="local", id=3), S(name="..", owner="local", id=7),
           S(name="Übersicht", owner="local", id=8), S(name="Ελληνικά", owner="bo", id=9)]
    assert _file_names(odd, "local", ".md") == ["日本語-の-論文.md", "subscription-7.md", "ubersicht.md",
                                                "bo@Ελληνικά.md"]
    # 80 letters of 4 bytes passed the 255-byte limit of a file name: `digest --out` stopped with a traceback
    (long,) = _file_names([S(name="\U0001d400" * 80, owner="local", id=4)], "local", "-2026-W20.html")
    assert long == "\U0001d400" * 30 + "-2026-W20.html" and len(long.encode()) <= 140


def test_following_a_topic_no_paper_holds_says_so(dhome):
    """`subscriptions add bogus --topic "not a topic at all"` was saved without a word (a blind walkthrough)."""
    bogus = cli(dhome, "subscriptions", "add", "bogus", "--topic", "not a topic at all")
    assert bogus.exit_code == 0 and 'note: no stored paper holds "not a topic at all" yet' in bogus.output
    real = cli(dhome, "subscriptions", "add", "real", "--topic", "language models (LMs)")
    assert real.exit_code == 0 and "no stored paper holds" not in real.output
    # with its acronym: papers that write only "LMs" are about it too (a blind walkthrough's MoE digest missed one)
    assert json.loads(cli(dhome, "subscriptions", "list", "--json").output)[1]["query"] == '"language models" OR "LMs"'


def test_following_a_topic_by_another_of_its_names_saves_every_name(dhome, monkeypatch):
    """A blind walkthrough followed `--topic "KV compression"`, which the listing shows as "KV cache compression
    (also written: KV compression)": the saved query held that name alone, and its digest missed the papers of the
    other (the app's "All its papers" missed the other way). The kept listing gives every name the topic has."""
    from trendscope.index.topic_listing_store import KeptListing, TopicListingStore

    topic = {"name": "KV cache compression", "key": "kv cache compression", "also": ["KV compression"]}
    kept = KeptListing("stamp", 10, 1.0, "2026-07-01T00:00:00Z", [
        {"trend": "efficiency", "period": "2026-06-01", "topics": ["KV cache compression"], "details": [topic]},
        {"trend": "efficiency", "period": "2026-05-01", "topics": ["mixture-of-experts (MoE)"],
         "details": [{"name": "mixture-of-experts (MoE)", "key": "mixture of experts", "also": []}]}])
    monkeypatch.setattr(TopicListingStore, "get", lambda self, freq: kept if freq == "month" else None)
    assert cli(dhome, "subscriptions", "add", "kv", "--topic", "kv COMPRESSION").exit_code == 0
    assert cli(dhome, "subscriptions", "add", "moe", "--topic", "mixture of experts").exit_code == 0
    assert cli(dhome, "subscriptions", "add", "other", "--topic", "speculative decoding").exit_code == 0
    # a name listed as another's because their few papers overlap is not the same topic: never OR-ed in, and
    # followed by that name it stays itself ("visual reasoning" listed beside "CLEVR")
    topic["also"] = ["KV compression", "long context"]
    assert cli(dhome, "subscriptions", "add", "long", "--topic", "long context").exit_code == 0
    queries = {s["name"]: s["query"] for s in json.loads(cli(dhome, "subscriptions", "list", "--json").output)}
    assert queries == {"kv": '"KV cache compression" OR "KV compression"', "moe": '"mixture-of-experts" OR "MoE"',
                       "other": '"speculative decoding"', "long": '"long context"'}


def test_a_digest_of_a_week_the_database_holds_no_paper_of_says_so(dhome):
    """The default week of a stale home read "0 papers this week (0.0% of 0) ... within the usual variation"."""
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal")
    empty = cli(dhome, "digest", "--week", "2012-W10")
    assert empty.exit_code == 0 and "note: the database holds no paper published in week 2012-W10" in empty.output
    assert "# Trendscope digest: mm, week 2012-W10" in empty.output  # the digest itself still comes
    # papers stored after it: a gap in the stored papers, which fetching new papers does not fill (a review)
    assert "a gap in the stored papers (`trendscope ingest --since` or a snapshot can fill it)" in empty.output
    assert "fetches new papers" not in empty.output
    full = cli(dhome, "digest", "--week", WEEK)
    assert "holds no paper" not in full.output and "may be incomplete" not in full.output
    # a week after the newest paper names the newest paper's week (a blind walkthrough: the default week of a
    # snapshot's home was empty, and the app opened on another)
    later = cli(dhome, "digest")  # the last complete week: after every paper of the fixture
    assert "`--week " in later.output and "(the newest paper's week)" in later.output
    named = later.output.split("`--week ")[1].split("`")[0]
    assert cli(dhome, "digest", "--week", named).exit_code == 0
    assert "holds no paper" not in cli(dhome, "digest", "--week", named).output
    # the week of the newest paper, ending after it, is said to be incomplete, as the app's week picker says
    from datetime import date

    from trendscope.foundation.clock import week_of
    from trendscope.ingest.store import open_database

    newest = open_database(dhome.db_path).execute("SELECT max(published) FROM papers").fetchone()[0][:10]
    last = week_of(date.fromisoformat(newest))
    partial = cli(dhome, "digest", "--week", last)
    assert (date.fromisoformat(newest).weekday() == 6) != (
        f"note: week {last} may be incomplete: the newest stored paper is from {newest}, before the week's end"
        in partial.output), partial.output
    # the reader is told too, in the digest itself, when the papers stop before the week's Friday (only the
    # operator's stderr said so: a blind walkthrough compared "19 papers" with "34 a week")
    db = open_database(dhome.db_path)
    with db.conn:  # the fixture's papers end on a Sunday: end them on the Wednesday of their last week (the later
        wednesday = date.fromisocalendar(*date.fromisoformat(newest).isocalendar()[:2], 3).isoformat()  # ones
        db.execute("UPDATE papers SET published = '2019-01-02T00:00:00Z' WHERE published > ?",  # moved long before)
                   [wednesday + "T23:59:59"])
    db.conn.close()
    said = f"the stored papers end on {wednesday}: this week's counts are of its papers up to then"
    import html

    assert said in cli(dhome, "digest", "--week", last).stdout
    assert html.escape(said) in cli(dhome, "digest", "--week", last, "--format", "html").stdout
    from trendscope.digest import api
    from trendscope.digest.render import render_text

    plain = render_text(api.build(open_database(dhome.db_path), dhome, "mm", last))  # the mail's plain part
    assert said in " ".join(plain.split())
    assert said not in cli(dhome, "digest", "--week", WEEK).stdout


def test_a_subscription_describes_itself_in_readers_words():
    from trendscope.digest.model import Subscription

    sub = Subscription(name="s", trends=["efficiency"], query='"multimodal large language models"')
    assert sub.describe() == 'trends efficiency; query "multimodal large language models"'  # not Python's repr
    assert sub.describe({"efficiency": "Model scale and efficiency"}).startswith("trends Model scale and efficiency")
    assert Subscription(name="s", query="kv cache").describe() == "query \u201ckv cache\u201d"
    # a followed topic's "mixture-of-experts OR MoE" inside curly quotes read as one phrase (a blind walkthrough)
    assert Subscription(name="s", query="mixture-of-experts OR MoE").describe() == "query mixture-of-experts OR MoE"


def test_a_query_search_refuses_is_refused_when_the_subscription_is_added(dhome):
    """`--query 'ti:'` was accepted, and every later `digest` failed without naming the subscription."""
    for query, reason in (("ti:", '"ti:" needs a word'), ("-medical", "only excludes words")):
        r = cli(dhome, "subscriptions", "add", "broken", "--query", query)
        assert r.exit_code == 1 and f"query {query!r}: " in r.output and reason in r.output, r.output
    assert "broken" not in cli(dhome, "subscriptions").output


def test_a_query_whose_or_joins_single_words_gets_a_note_on_how_it_reads(dhome):
    """A blind walkthrough: `--query "membership inference OR machine unlearning"` was saved without a word, and
    read as membership AND (inference OR machine) AND unlearning its digests listed nothing."""
    r = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "subscriptions", "add", "mia",
                                                        "--query", "membership inference OR machine unlearning"])
    assert r.exit_code == 0 and "Added subscription" in r.stdout
    assert ("note: OR joins only the words beside it: this reads membership AND (inference OR machine) AND "
            'unlearning. For either phrase, quote them: "membership inference" OR "machine unlearning"') in r.stderr
    for query in ('"membership inference" OR "machine unlearning"', "LLM OR LLMs", "diffusion models"):
        r = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "subscriptions", "add",
                                                            f"q {query}"[:40], "--query", query])
        assert r.exit_code == 0 and "OR joins" not in r.stderr, (query, r.stderr)


def test_one_broken_subscription_is_named_and_the_others_are_still_built(dhome, db):
    from trendscope.digest.model import Subscription
    from trendscope.digest.subscription_store import SubscriptionStore
    from trendscope.digest.weekly import run_weekly

    assert cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal").exit_code == 0
    # stored directly, as an older version that did not check queries could have stored it
    SubscriptionStore(db).add(Subscription(name="old query", query="ti:"))
    db.conn.commit()
    r = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "digest", "--week", WEEK])
    assert r.exit_code == 1 and "# Trendscope digest: mm" in r.stdout
    assert "error: subscription 'old query': \"ti:\" needs a word" in r.stderr
    result = run_weekly(db, dhome, week=WEEK)
    assert result.digests == 1 and result.broken == 1
    assert result.errors == ["subscription 'old query': \"ti:\" needs a word or a \"phrase\" right after it "
                             "(e.g. ti:diffusion)"]


def test_a_name_with_quotes_is_quoted_readably(dhome):
    """A blind lab-admin walkthrough: "Added subscription 'Ana\\'s "efficiency" weekly'" (Python's repr)."""
    from trendscope.foundation.wording import quoted

    assert quoted("weekly") == "'weekly'" and quoted("Ana's weekly") == '"Ana\'s weekly"'
    assert quoted('Ana\'s "efficiency" weekly') == '“Ana\'s "efficiency" weekly”'
    done = cli(dhome, "subscriptions", "add", 'Ana\'s "efficiency" weekly', "--trend", "efficiency")
    assert done.exit_code == 0 and done.output.startswith('Added subscription “Ana\'s "efficiency" weekly”: '), \
        done.output
    assert "\\'" not in done.output


def test_the_list_names_the_feed_in_words(dhome):
    cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal")
    cli(dhome, "subscriptions", "add", "quiet", "--trend", "privacy", "--no-feed")
    out = cli(dhome, "subscriptions", "list").output
    assert "; to the Atom feed" in out and "to feed" not in out and "; to nobody (preview only)" in out, out


def test_addresses_are_added_to_a_subscription_without_making_it_again(dhome):
    """A blind lab-admin walkthrough had to remove and add a subscription to give it a recipient: its List-Id
    and feed file changed and its last week was mailed again. `subscriptions add-email` keeps it."""
    assert cli(dhome, "subscriptions", "add", "eff", "--trend", "efficiency").exit_code == 0
    before = json.loads(cli(dhome, "subscriptions", "list", "--json").output)[0]
    r = cli(dhome, "subscriptions", "add-email", "EFF", "ben@lab.example", "carla@lab.example")
    assert r.exit_code == 0 and r.stdout == ("Added ben@lab.example, carla@lab.example to 'eff': mailed from the "
                                             "next weekly run.\n"), r.output
    after = json.loads(cli(dhome, "subscriptions", "list", "--json").output)[0]
    assert after["emails"] == ["ben@lab.example", "carla@lab.example"] and after["pending"] == []
    assert after["unsubscribe_token"] == before["unsubscribe_token"] and after["created"] == before["created"]
    r = cli(dhome, "subscriptions", "add-email", "eff", "Ben@Lab.example", "dan@lab.example")
    assert r.exit_code == 0 and "Added dan@lab.example" in r.output
    assert "Already an address of 'eff': Ben@Lab.example" in r.output
    r = cli(dhome, "subscriptions", "add-email", "eff", "not-an-address")
    assert r.exit_code == 1 and "not a valid email address" in r.output
    r = cli(dhome, "subscriptions", "add-email", "nope", "x@lab.example")
    assert r.exit_code == 1 and "no subscription named 'nope'" in r.output


def test_a_subscription_is_edited_in_place(dhome):
    """A lab admin's `-c cs.CLL` could only be mended by removing the subscription and adding it again, losing its
    addresses' confirmations, its unsubscribe links and its sent weeks (a blind walkthrough). `subscriptions edit`
    changes what it follows and keeps the rest; it is validated as a new one is."""
    assert cli(dhome, "subscriptions", "add", "llm-eff", "--trend", "efficiency", "-c", "cs.CLL",
               "--email", "bo@lab.example").exit_code == 0
    before = {s["name"]: s for s in json.loads(cli(dhome, "subscriptions", "list", "--json").output)}["llm-eff"]
    r = cli(dhome, "subscriptions", "edit", "llm-eff", "-c", "cs.cl", "-c", "cs.LG", "--size", "5")
    assert r.exit_code == 0
    assert "Changed subscription 'llm-eff': trends efficiency; in cs.CL, cs.LG; size 5." in r.output
    after = {s["name"]: s for s in json.loads(cli(dhome, "subscriptions", "list", "--json").output)}["llm-eff"]
    assert after["categories"] == ["cs.CL", "cs.LG"] and after["size"] == 5 and after["trends"] == ["efficiency"]
    assert after["emails"] == before["emails"] == ["bo@lab.example"] and after["feed"] == before["feed"]
    r = cli(dhome, "subscriptions", "edit", "llm-eff", "--no-trends", "--no-categories")
    assert r.exit_code == 1 and "needs at least one trend, a saved search query or a category" in r.output
    r = cli(dhome, "subscriptions", "edit", "llm-eff", "--query", "speculative decoding", "--no-trends",
            "--no-feed")
    assert r.exit_code == 0, r.output
    after = {s["name"]: s for s in json.loads(cli(dhome, "subscriptions", "list", "--json").output)}["llm-eff"]
    assert (after["trends"], after["query"], after["feed"]) == ([], "speculative decoding", False)
    assert cli(dhome, "subscriptions", "edit", "llm-eff", "--trend", "nope").exit_code == 1  # unknown trend
    assert cli(dhome, "subscriptions", "edit", "llm-eff").exit_code == 2  # nothing to change
    both = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "subscriptions", "edit", "llm-eff", "-c",
                                           "cs.CL", "--no-categories"])
    assert both.exit_code == 2 and "give --category or --no-categories, not both" in both.output
    assert cli(dhome, "subscriptions", "edit", "missing", "--size", "3").exit_code == 1
    assert cli(dhome, "--user", "bo", "subscriptions", "edit", "llm-eff", "--size", "3").exit_code == 1  # not hers


def test_several_atom_or_html_digests_need_a_directory(dhome):
    """A blind walkthrough: `digest --format atom` printed 8 XML documents one after another on stdout."""
    for name in ("a", "b"):
        assert cli(dhome, "subscriptions", "add", name, "--trend", "efficiency").exit_code == 0
    r = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "digest", "--week", WEEK, "--format", "atom"])
    assert r.exit_code == 2 and "--format atom for 2 subscriptions needs --out DIR" in r.output
    one = cli(dhome, "digest", "--week", WEEK, "--format", "atom", "--subscription", "a")
    assert one.exit_code == 0 and one.output.count("<?xml") == 1
    assert cli(dhome, "digest", "--week", WEEK).exit_code == 0  # Markdown reads fine one after another


def test_feeds_only_issues_the_week_to_the_feeds_and_mails_nobody(dhome, monkeypatch):
    """A blind walkthrough on a laptop: following a topic promised "its Atom feed each week", but only `--send`
    wrote feeds, and it failed on every address (no mail server), leaving "not delivered" in `status`. Adding an
    address said "mailed from the next weekly run" with no mail server set up."""
    for var in ("TRENDSCOPE_SMTP_HOST", "TRENDSCOPE_SMTP_PORT", "TRENDSCOPE_SMTP_TLS"):
        monkeypatch.delenv(var, raising=False)
    added = cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "me@example.org")
    assert "note: no mail server is set up yet" in added.stderr and "--feeds-only" in added.stderr
    more = cli(dhome, "subscriptions", "add-email", "mm", "you@example.org")
    assert "note: no mail server is set up yet" in more.stderr
    res = cli(dhome, "digest", "--week", WEEK, "--feeds-only")
    assert res.exit_code == 0, res.output
    assert "emails sent 0, failed 0" in res.stdout and "feeds written 1" in res.stdout
    feed = next(dhome.feeds_dir.glob("mm-*.xml"))
    assert len(ET.parse(feed).getroot().findall("{http://www.w3.org/2005/Atom}entry")) > 0
    assert "not delivered" not in cli(dhome, "status").stdout
    both = CliRunner().invoke(main_cli(), ["--home", str(dhome.root), "digest", "--send", "--feeds-only"])
    assert both.exit_code == 2 and "give one" in both.output
    # a mail server set up later: --send mails the week the feeds were issued
    with smtp_server() as (rec, port):
        monkeypatch.setenv("TRENDSCOPE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TRENDSCOPE_SMTP_PORT", str(port))
        monkeypatch.setenv("TRENDSCOPE_SMTP_TLS", "none")
        assert "no mail server" not in cli(dhome, "subscriptions", "add-email", "mm", "x@example.org").stderr
        sent = cli(dhome, "digest", "--week", WEEK, "--send")
    assert sent.exit_code == 0 and "emails sent 3, failed 0" in sent.stdout, sent.output
    assert len(rec.envelopes) == 3


def test_addresses_may_be_given_as_one_comma_separated_text(dhome):
    """A blind lab-admin walkthrough: `--email "a@x.org, b@y.org"` was refused, with a hint to "separate them
    with commas" (the app's field takes them so)."""
    added = cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal", "--email", "a@x.org, b@y.org")
    assert added.exit_code == 0, added.output
    more = cli(dhome, "subscriptions", "add-email", "mm", "c@z.org; A@x.org")
    assert more.exit_code == 0 and "Already an address of 'mm': A@x.org" in more.stdout, more.output
    shown = json.loads(cli(dhome, "subscriptions", "list", "--json").stdout)[0]
    assert shown["emails"] == ["a@x.org", "b@y.org", "c@z.org"]


def test_an_admin_issues_another_users_subscription_by_the_name_list_all_gives(dhome):
    """A blind lab-admin walkthrough: `digest --feeds-only --subscription sam/weekly` said "no subscription named
    sam/weekly", though `subscriptions list --all` names it so and `digest --subscription sam/weekly` previews it."""
    from trendscope.accounts.users import Accounts
    from trendscope.ingest.store import open_database

    db = open_database(dhome.db_path)
    Accounts(db).add("sam", email="sam@lab.example")
    db.conn.close()
    assert cli(dhome, "--user", "sam", "subscriptions", "add", "weekly", "--trend", "multimodal").exit_code == 0
    assert "sam/weekly" in cli(dhome, "subscriptions", "list", "--all").stdout
    res = cli(dhome, "digest", "--week", WEEK, "--feeds-only", "--subscription", "sam/weekly")
    assert res.exit_code == 0, res.output
    assert "feeds written 1" in res.stdout
    assert cli(dhome, "digest", "--week", WEEK, "--feeds-only", "--subscription", "ana/weekly").exit_code == 1


def test_digest_out_into_a_missing_folder_is_refused_not_created(dhome, tmp_path):
    """A blind walkthrough: `digest --out /nonexistent/x.md` made /nonexistent at the root and wrote there."""
    assert cli(dhome, "subscriptions", "add", "mm", "--trend", "multimodal").exit_code == 0
    for out in (tmp_path / "missing" / "x.md", tmp_path / "missing" / "deeper" / ""):
        res = cli(dhome, "digest", "--week", WEEK, "--out", str(out) + ("/" if out.name == "" else ""))
        assert res.exit_code == 1 and "there is no folder" in res.output and "(create it first)" in res.output
    assert not (tmp_path / "missing").exists()
    res = cli(dhome, "digest", "--week", WEEK, "--out", str(tmp_path / "new") + "/")  # one new folder: made
    assert res.exit_code == 0 and (tmp_path / "new").is_dir()


def test_a_subscription_named_by_part_of_its_name_is_suggested(dhome):
    """A blind walkthrough: "Follow this search" named the subscription "search: mechanistic interpretability", and
    `digest --subscription "mechanistic interpretability"` said only "no subscription named"."""
    added = cli(dhome, "subscriptions", "add", "search: mechanistic interpretability", "--query",
                "mechanistic interpretability")
    assert added.exit_code == 0, added.output
    res = cli(dhome, "digest", "--week", WEEK, "--subscription", "mechanistic interpretability")
    assert res.exit_code == 1
    assert "(did you mean 'search: mechanistic interpretability'?)" in res.output, res.output
