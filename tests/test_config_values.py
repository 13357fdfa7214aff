"""Bad values in config.toml are one line naming the file, the table and key and what is expected, never a
traceback and never read as something else (an audit: `port = inf` an OverflowError, a TOML file nested 10,000
levels a RecursionError in `status`, `port = true` port 1, `port = 25.9` port 25)."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from trendscope.digest.smtp_config import load_smtp_config
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.files import read_toml
from trendscope.foundation.home import Home
from trendscope.index.taxonomy import load_taxonomy
from trendscope.ui.config_check import config_problems

NESTED = "a = " + "[" * 10_000 + "]" * 10_000 + "\n"


def _cli(home, *args: str):
    from trendscope.ui.cli import main

    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def _config(home, text: str) -> Home:
    h = Home(home)
    h.config_path.write_text(text, encoding="utf-8")
    h.config_path.chmod(0o644)  # readable by others: the password warning reads the file too
    return h


@pytest.mark.parametrize("value, said", [
    ("inf", "smtp port must be a whole number, not inf (a port is 1 to 65535)"),
    ("nan", "smtp port must be a whole number, not nan (a port is 1 to 65535)"),
    ("true", "smtp port must be a whole number, not true (a port is 1 to 65535)"),
    ("25.9", "smtp port must be a whole number, not 25.9 (a port is 1 to 65535)"),
    ("[587]", "smtp port must be a whole number, not [587] (a port is 1 to 65535)"),
    ("0", "smtp port out of range: 0 (a port is 1 to 65535)"),
    ("65536", "smtp port out of range: 65536 (a port is 1 to 65535)"),
])
def test_a_port_that_is_not_a_whole_number_from_1_to_65535_is_one_line(home, value, said):
    h = _config(home, f'[smtp]\nhost = "mail.lab.example"\nport = {value}\n')
    with pytest.raises(TrendscopeError) as err:
        load_smtp_config(h.config_path, env={})
    assert str(err.value) == f"{h.config_path}: {said}"
    assert config_problems(h, env={}) == [f"{h.config_path}: {said}"]


def test_good_ports_and_timeouts_still_load(home):
    h = _config(home, '[smtp]\nhost = "mail.lab.example"\nport = 587\ntimeout = 12.5\n')
    cfg = load_smtp_config(h.config_path, env={})
    assert (cfg.port, cfg.timeout) == (587, 12.5) and type(cfg.port) is int
    assert load_smtp_config(h.config_path, env={"TRENDSCOPE_SMTP_PORT": " 2525 "}).port == 2525
    h = _config(home, '[smtp]\nhost = "mail.lab.example"\ntls = "ssl"\n')
    assert load_smtp_config(h.config_path, env={}).port == 465  # unset: the mode's default


def test_a_timeout_or_a_text_setting_of_the_wrong_type_is_one_line_each(home):
    h = _config(home, '[smtp]\nhost = "mail.lab.example"\ntimeout = true\nuser = 5\npassword = [1]\n')
    assert config_problems(h, env={}) == [
        f"{h.config_path}: smtp user must be text in quotes, not 5",
        f"{h.config_path}: smtp password must be text in quotes, not a list",  # never its value (an audit)
        f"{h.config_path}: smtp timeout must be a number of seconds, not true",
    ]
    # an unquoted password is a mistyped secret: its kind is named, never its value (status goes to cron mail)
    h = _config(home, '[smtp]\nhost = "mail.lab.example"\npassword = 98765432\n')
    assert config_problems(h, env={}) == [f"{h.config_path}: smtp password must be text in quotes, not a number"]
    h = _config(home, f'[smtp]\nhost = "mail.lab.example"\ntimeout = 1{"0" * 400}\n')
    [said] = config_problems(h, env={})  # float() of it raised OverflowError
    assert said.startswith(f"{h.config_path}: smtp timeout must be between 0 and 600 seconds, not 1000")
    assert said.endswith("000...")  # shortened


def test_oidc_domains_as_one_string_is_refused_not_read_as_its_characters(home):
    h = _config(home, '[auth]\noidc_domains = "lab.example"\n')
    assert config_problems(h, env={}) == [f'{h.config_path}: [auth] oidc_domains must be a list of domains, '
                                          'e.g. oidc_domains = ["lab.example"]']


@pytest.mark.parametrize("text, said", [
    (NESTED, "not valid TOML: arrays or tables nested too deeply"),
    ("[smtp]\nport = 1" + "0" * 5_000 + "\n", "not valid TOML: a value it cannot read (Exceeds the limit"),
])
def test_toml_python_cannot_read_is_one_line_in_status_and_digest(home, text, said):
    h = _config(home, text)
    with pytest.raises(TrendscopeError, match=f"^{re.escape(f'{h.config_path}: {said}')}"):
        read_toml(h.config_path)
    with pytest.raises(TrendscopeError, match="invalid TOML: "):
        load_smtp_config(h.config_path, env={})
    r = _cli(home, "status", "--json")  # a RecursionError / ValueError before
    assert r.exit_code == 0, r.output
    problems = json.loads(r.output)["config_problems"]
    assert len(problems) == 1 and problems[0].startswith(f"{h.config_path}: {said}")
    r = _cli(home, "digest")
    assert r.exit_code == 1 and r.output.startswith(f"Error: {h.config_path}: ") and "Traceback" not in r.output


def test_a_taxonomy_nested_too_deeply_is_one_line(home):
    h = Home(home)
    h.taxonomy_path.write_text(NESTED, encoding="utf-8")
    with pytest.raises(TrendscopeError, match=f"^{h.taxonomy_path}: invalid TOML: arrays or tables nested too "):
        load_taxonomy(h.taxonomy_path)
