"""SMTP settings: the [smtp] section of config.toml or TRENDSCOPE_SMTP_* variables, every bad value named at once,
and warnings about the file itself (a password others can read). Delivery is `mailer`'s.

Configuration (environment variables override the file):

    [smtp]                      # in Home.config_path (config.toml in the data home)
    host = "smtp.example.org"   # TRENDSCOPE_SMTP_HOST
    port = 587                  # TRENDSCOPE_SMTP_PORT (default 25 / 25 / 587 / 465 for auto / none / starttls / ssl)
    tls = "auto"                # TRENDSCOPE_SMTP_TLS: auto (default) | starttls | ssl | none
    user = "me"                 # TRENDSCOPE_SMTP_USER
    password = "secret"         # TRENDSCOPE_SMTP_PASSWORD
    from = "Trendscope <digest@example.org>"   # TRENDSCOPE_MAIL_FROM
    operator = "me@example.org" # TRENDSCOPE_MAIL_OPERATOR: test mails and unsubscribe requests (default: from)
    allow_plaintext_auth = false   # TRENDSCOPE_SMTP_ALLOW_PLAINTEXT_AUTH: send the password without TLS
    timeout = 30                # seconds
    cafile = "/path/ca.pem"     # optional: trust this CA (a self-signed server)

What the TLS modes do, and how headers are kept safe, is `mailer`'s to say; here the sender is validated
(`format_sender`) and a password is refused without TLS before anything is sent.
"""
from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path

from trendscope.foundation.address import validate_address
from trendscope.foundation.errors import SettingsProblems, TrendscopeError
from trendscope.foundation.files import loads_toml

from .text import has_encoded_word, one_line

log = logging.getLogger(__name__)

TLS_MODES = ("auto", "none", "starttls", "ssl")
DEFAULT_PORTS = {"auto": 25, "none": 25, "starttls": 587, "ssl": 465}
ENV = {
    "host": "TRENDSCOPE_SMTP_HOST", "port": "TRENDSCOPE_SMTP_PORT", "user": "TRENDSCOPE_SMTP_USER",
    "password": "TRENDSCOPE_SMTP_PASSWORD", "tls": "TRENDSCOPE_SMTP_TLS", "from": "TRENDSCOPE_MAIL_FROM",
    "operator": "TRENDSCOPE_MAIL_OPERATOR", "allow_plaintext_auth": "TRENDSCOPE_SMTP_ALLOW_PLAINTEXT_AUTH",
}
SMTP_KEYS = frozenset(ENV) | {"timeout", "cafile"}  # what [smtp] in config.toml may hold
PLAINTEXT_AUTH_REFUSED = (
    "refusing to send the SMTP password over an unencrypted connection to {host}:{port} ({why}): set "
    "tls = \"starttls\" or \"ssl\" in [smtp] (with the server's TLS port), or, only on a trusted network, "
    "allow_plaintext_auth = true"
)
_SENDER_RE = re.compile(r'(?:(?P<name>"[^"<>]*"|[^"<>,;]*?)\s*<(?P<addr>[^<>\s]+)>|(?P<bare>[^<>\s,;"]+))')


def format_sender(text: str) -> str:
    """'Name <addr>' or 'addr' as a safe From header: address validated, name made single-line."""
    raw = str(text or "")
    if "\r" in raw or "\n" in raw:
        raise TrendscopeError("the sender address must be one line")
    m = _SENDER_RE.fullmatch(raw.strip())
    if not m:
        raise TrendscopeError(f"not a valid email address: {raw!r} (expected 'Name <addr>' or 'addr')")
    name = (m.group("name") or "").strip().strip('"')
    if has_encoded_word(name):
        raise TrendscopeError(f"the sender's display name must not contain an RFC 2047 encoded word (=?...?=): "
                              f"{raw!r}")
    addr = validate_address(m.group("addr") or m.group("bare"))
    local, domain = addr.rsplit("@", 1)
    return str(Address(display_name=one_line(name, 80), username=local, domain=domain))


@dataclass(frozen=True)
class SmtpConfig:
    host: str | None = None
    port: int = 25
    tls: str = "auto"
    user: str | None = None
    password: str | None = None
    sender: str = "Trendscope <trendscope@localhost.localdomain>"
    timeout: float = 30.0
    cafile: str | None = None
    operator: str | None = None  # the operator's address: `operator`, else the `from` address (None: neither set)
    allow_plaintext_auth: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def operator_address(self) -> str:
        """Where unsubscribe requests go: the operator, else the sender's address."""
        return self.operator or self.sender_address


def _flag(value, what: str, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise TrendscopeError(f"{where}: smtp {what} must be true or false, not {value!r}")


def _shown(value) -> str:
    """A setting as TOML writes it (`true`, not True), shortened, for an error."""
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _port(value, where: str, default: int) -> int:
    """A port: a whole number from 1 to 65535, in TOML or as a variable's digits; `default` when unset. `port =
    inf` crashed `status` (OverflowError), `true` became port 1 and `25.9` port 25, without a word (an audit)."""
    if value is None or value == "":
        return default
    if isinstance(value, str) and re.fullmatch(r"\s*[0-9]{1,9}\s*", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):  # bool is an int to Python: true was port 1
        raise TrendscopeError(f"{where}: smtp port must be a whole number, not {_shown(value)} "
                              "(a port is 1 to 65535)")
    if not 0 < value < 65536:  # 0 was read as "unset": port 25, silently
        raise TrendscopeError(f"{where}: smtp port out of range: {_shown(value)} (a port is 1 to 65535)")
    return value


def _seconds(value, where: str) -> float:
    """A timeout: a number (or a variable's text of one), not `true` (read as 1 second)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # float(10**400): out of range, whatever its sign
            return float("inf")
    raise TrendscopeError(f"{where}: smtp timeout must be a number of seconds, not {_shown(value)}")


_WARNED: set[tuple[str, int]] = set()


def _first_warning(config_path: str | Path) -> bool:
    """True the first time this process warns about this file in this mode (then never again)."""
    try:
        key = (str(config_path), Path(config_path).stat().st_mode)
    except OSError:
        return False
    if key in _WARNED:
        return False
    _WARNED.add(key)
    return True


def shown_config_warnings(config_path: str | Path | None) -> list[str]:
    """`config_file_warnings` for a caller that shows them itself (the CLI, the app): the same warnings are then
    not logged again when the SMTP settings are read (`digest --send` printed the password warning twice)."""
    out = config_file_warnings(config_path)
    if out and config_path is not None:
        _first_warning(config_path)
    return out


def sender_warnings(config_path: str | Path | None, env: Mapping[str, str] | None = None) -> list[str]:
    """A mail server set and no `from`: digests would go out from SmtpConfig's default address, and readers'
    unsubscribe requests to it, an address nobody reads (mailed without a word: a blind walkthrough). Bad settings
    are `load_smtp_config`'s to report, not here."""
    env = os.environ if env is None else env
    try:
        s = _read_settings(config_path, env)
    except TrendscopeError:
        return []
    if not s.values.get("host") or s.values.get("from"):
        return []
    where = f"[smtp] of {config_path}" if s.source.get("host") != ENV["host"] else ENV["from"]
    return [f"smtp from is not set: digests are mailed from {parseaddr(SmtpConfig.sender)[1]} and readers' "
            f"unsubscribe requests go there; set `from` ({where}) to an address someone reads"]


def _kind_of(value: object) -> str:
    """What a TOML value is, without showing it ("a number", "a list")."""
    if isinstance(value, bool):
        return "true/false value"
    return {int: "number", float: "number", list: "list", dict: "table"}.get(type(value), "value")


def config_file_warnings(config_path: str | Path | None) -> list[str]:
    """Warnings about the config file itself: a file holding the SMTP password that others can read."""
    if config_path is None or os.name == "nt":
        return []
    path = Path(config_path)
    try:
        mode = path.stat().st_mode
        if not mode & 0o044:
            return []
        doc = loads_toml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    section = doc.get("smtp")
    if not isinstance(section, dict) or not section.get("password"):
        return []
    who = " and ".join(w for w, bit in (("its group", 0o040), ("every user", 0o004)) if mode & bit)
    return [f"{path} holds the SMTP password and is readable by {who} (mode {mode & 0o777:o}): "
            f"run `chmod 600 {path}`"]


def load_smtp_config(config_path: str | Path | None, env: Mapping[str, str] | None = None) -> SmtpConfig:
    """The [smtp] section of the config file (if any), overridden by TRENDSCOPE_SMTP_* variables."""
    env = os.environ if env is None else env
    s = _read_settings(config_path, env)
    tls = _tls(s)
    port = _checked_port(s, tls)
    timeout = _timeout(s)
    host = _host(s)
    plaintext_ok = _plaintext_ok(s)
    if s.values.get("user") and tls == "none" and not plaintext_ok:  # refused now, not at each mail after issuing
        s.problems.append(f"{s.origin('tls')}: " + PLAINTEXT_AUTH_REFUSED.format(
            host=host, port=port, why='tls = "none"'))
    cafile = _cafile(s)
    sender = _sender(s)
    operator = _operator(s, sender)
    if s.problems:
        raise SettingsProblems(s.problems)
    for warning in config_file_warnings(config_path):
        if _first_warning(config_path):
            log.warning(warning)
    values = s.values
    return SmtpConfig(
        host=host, port=port, tls=tls, user=(str(values["user"]) if values.get("user") else None),
        password=(str(values["password"]) if values.get("password") is not None else None),
        sender=sender, timeout=timeout, cafile=str(Path(cafile).expanduser()) if cafile else None,
        operator=operator, allow_plaintext_auth=plaintext_ok,
    )


@dataclass
class _Settings:
    """The SMTP values read (the file's, overridden by variables), where they were read (`where`: the file, else
    "environment"), where each came from, and every bad value found so far: all are named at once (fixing one per
    run was a chore, a blind walkthrough)."""

    values: dict
    source: dict[str, str]
    where: str
    problems: list[str]

    def origin(self, key: str) -> str:
        """Where `key`'s value came from, for its error: the variable, else the file (or "environment")."""
        return self.source.get(key, self.where)


def _read_settings(config_path: str | Path | None, env: Mapping[str, str]) -> _Settings:
    """The [smtp] section of the file (when it exists), overridden by the variables set in `env`; a value that must
    be text and is not is a problem, and left out."""
    values: dict = {}
    problems: list[str] = []
    where = "environment"
    if config_path is not None and Path(config_path).exists():
        where = str(config_path)
        values.update(_file_section(config_path, problems))
    source = dict.fromkeys(values, where)  # where each value came from, for its error
    for key, var in ENV.items():
        if env.get(var):
            values[key], source[key] = env[var], var
    s = _Settings(values, source, where, problems)
    for key in ("user", "password", "from", "operator", "cafile"):  # `password = [1]` went out as "[1]" (an audit)
        if values.get(key) is not None and not isinstance(values[key], str):
            value = values.pop(key)  # a password's value is never shown (status output goes to cron mail and the
            bad = f"a {_kind_of(value)}" if key == "password" else _shown(value)  # app: an operations walkthrough)
            problems.append(f"{s.origin(key)}: smtp {key} must be text in quotes, not {bad}")
    return s


def _file_section(config_path: str | Path, problems: list[str]) -> dict:
    """The known keys of the file's [smtp] section; unknown ones are a problem. A file that cannot be read or is
    not TOML, or an [smtp] that is no table, raises."""
    try:
        doc = loads_toml(Path(config_path).read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TrendscopeError(f"{config_path}: invalid TOML: {exc}") from exc
    except OSError as exc:  # a folder, or a file this user may not read
        raise TrendscopeError(f"cannot read {config_path}: {exc.strerror or exc}") from exc
    section = doc.get("smtp", {})
    if not isinstance(section, dict):
        raise TrendscopeError(f"{config_path}: [smtp] must be a table")
    unknown = sorted(set(section) - SMTP_KEYS)  # a misspelt "prot = 8025" was ignored: port 25, refused
    if unknown:  # named beside the bad values, not before them (they showed one run later: a walkthrough)
        problems.append(f"{config_path}: unknown key(s) in [smtp]: {', '.join(unknown)} "
                        f"(known: {', '.join(sorted(SMTP_KEYS))})")
    return {k: v for k, v in section.items() if k in SMTP_KEYS}


def _tls(s: _Settings) -> str:
    """The TLS mode, its other spellings read as the mode they mean ("auto" when it is none of them)."""
    tls = str(s.values.get("tls", "auto")).strip().lower() or "auto"
    if tls in ("false", "off", "plain"):
        tls = "none"
    if tls in ("true", "tls", "smtps"):
        tls = "ssl"
    if tls not in TLS_MODES:
        s.problems.append(f"{s.origin('tls')}: smtp tls must be one of {', '.join(TLS_MODES)}, "
                          f"not {s.values['tls']!r}")
        tls = "auto"
    return tls


def _checked_port(s: _Settings, tls: str) -> int:
    """The port, by default the TLS mode's."""
    port = DEFAULT_PORTS[tls]
    try:
        port = _port(s.values.get("port"), s.origin("port"), DEFAULT_PORTS[tls])
    except TrendscopeError as exc:
        s.problems.append(str(exc))
    return port


def _timeout(s: _Settings) -> float:
    """The timeout in seconds (30 by default), more than 0 and at most 600."""
    timeout = 30.0
    try:
        timeout = _seconds(s.values.get("timeout", 30), s.origin("timeout"))
    except TrendscopeError as exc:
        s.problems.append(str(exc))
    else:
        if not 0 < timeout <= 600:  # -5 failed at the first connection as "Timeout value out of range"
            s.problems.append(f"{s.origin('timeout')}: smtp timeout must be between 0 and 600 seconds, "
                              f"not {_shown(s.values.get('timeout'))}")
    return timeout


def _host(s: _Settings) -> str | None:
    """The host name (None when unset)."""
    values, host = s.values, None
    if values.get("host") is not None and not isinstance(values["host"], str):  # host = 5 passed as "5", and
        s.problems.append(f"{s.origin('host')}: smtp host must be a host name in quotes, "  # the week was
                          f"not {values['host']!r}")  # issued before each mail failed (a walkthrough)
    elif values.get("host"):
        host = str(values["host"]).strip()
        if host and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
            s.problems.append(f"{s.origin('host')}: smtp host is not a host name: {host!r}")
    return host


def _plaintext_ok(s: _Settings) -> bool:
    """Whether the password may be sent without TLS (`allow_plaintext_auth`; false by default)."""
    try:
        return _flag(s.values.get("allow_plaintext_auth", False), "allow_plaintext_auth",
                     s.origin("allow_plaintext_auth"))  # the variable's error blamed the file
    except TrendscopeError as exc:
        s.problems.append(str(exc))
    return False


def _cafile(s: _Settings) -> str | None:
    """The CA file to trust, as written (None when unset); it must be a file."""
    cafile = str(s.values["cafile"]) if s.values.get("cafile") else None
    if cafile and not Path(cafile).expanduser().is_file():
        s.problems.append(f"{s.origin('cafile')}: smtp cafile is not a file: {cafile!r}")
    return cafile


def _sender(s: _Settings) -> str:
    """The From header (`from`, validated), else SmtpConfig's default sender."""
    sender = SmtpConfig.sender
    try:  # "not a valid email address" named neither file nor key (a blind walkthrough)
        sender = format_sender(s.values["from"]) if s.values.get("from") else SmtpConfig.sender
    except (TrendscopeError, ValueError) as exc:
        s.problems.append(f"{s.origin('from')}: smtp from: {exc}")
    return sender


def _operator(s: _Settings, sender: str) -> str | None:
    """The operator's address: `operator`, else the `sender`'s address when `from` is set (None: neither)."""
    operator = None
    if s.values.get("operator"):
        try:
            operator = validate_address(str(s.values["operator"]))
        except TrendscopeError as exc:
            s.problems.append(f"{s.origin('operator')}: smtp operator: {exc}")
    elif s.values.get("from"):
        operator = parseaddr(sender)[1]
    return operator
