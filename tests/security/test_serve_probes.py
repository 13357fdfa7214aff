"""Audit probes of `trendscope serve`: DNS rebinding. A page on attacker.example whose name was rebound to
127.0.0.1 reaches the app with `Host: attacker.example:PORT`; the server must refuse its WebSocket, which is
where every page's data flows. Each test failed on the code the audit found.
"""
from __future__ import annotations

import base64
import os
import shlex
import socket

import pytest
from browser_harness import serve
from click.testing import CliRunner

from trendscope.ui.cli import main
from trendscope.ui.cli.serve import serve_command


def _opts(cmd: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in zip(cmd[4::2], cmd[5::2], strict=False):
        out.setdefault(key, []).append(value)
    return out


def test_serve_command_allows_only_the_hosts_it_serves():
    opts = _opts(serve_command("127.0.0.1", 8600))
    assert opts["--server.allowedHosts"] == ["127.0.0.1", "localhost"]
    assert opts["--server.enableXsrfProtection"] == ["true"] and opts["--server.enableCORS"] == ["true"]
    opts = _opts(serve_command("192.168.1.20", 8600, allowed_hosts=["ts.lab.example", "*.lab.example"]))
    assert opts["--server.allowedHosts"] == ["127.0.0.1", "localhost", "192.168.1.20", "ts.lab.example",
                                             "*.lab.example"]
    # a wildcard bind address is no host name: only what --allowed-host adds
    assert _opts(serve_command("0.0.0.0", 8600))["--server.allowedHosts"] == ["127.0.0.1", "localhost"]


def test_allowed_host_option(home):
    runner = CliRunner()
    res = runner.invoke(main, ["--home", str(home), "serve", "--host", "0.0.0.0", "--allowed-host", "ts.lab.example",
                               "--allowed-host", "*.lab.example", "--no-auth", "--print-command"])
    assert res.exit_code == 0, res.output
    words = shlex.split(res.stdout.strip().splitlines()[-1])  # the printed line is shell-quoted ('*.lab.example')
    pairs = list(zip(words, words[1:]))
    assert ("--server.allowedHosts", "ts.lab.example") in pairs
    assert ("--server.allowedHosts", "*.lab.example") in pairs
    for bad in ("*", "evil.example\r\nX: 1", "a b", "http://x.example/", "*.com*"):
        res = runner.invoke(main, ["--home", str(home), "serve", "--allowed-host", bad, "--print-command"])
        assert res.exit_code == 2 and "--allowed-host" in res.output, (bad, res.output)


def _handshake(port: int, host: str) -> str:
    """The status line of a WebSocket handshake on /_stcore/stream sent with this Host header."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: streamlit\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def _response(port: int, host: str, path: str = "/") -> tuple[bytes, bytes]:
    """(head, body) of the response to a plain GET sent with this Host header."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request.encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def _get(port: int, host: str, path: str = "/") -> tuple[str, str]:
    """(status line, body) of a plain GET sent with this Host header."""
    head, body = _response(port, host, path)
    return head.split(b"\r\n", 1)[0].decode("latin-1"), body.decode("utf-8", "replace")


def _head(port: int, host: str, path: str = "/") -> str:
    """The response head of a plain GET sent with this Host header, lower-cased."""
    return _response(port, host, path)[0].decode("latin-1").lower()


@pytest.mark.slow
def test_websocket_refuses_a_rebound_host_name(tmp_path):
    with serve(tmp_path / "home", extra_args=("--allowed-host", "ts.lab.example"),
               log_path=tmp_path / "serve.log") as url:
        port = int(url.rsplit(":", 1)[1])
        assert " 101 " in _handshake(port, f"127.0.0.1:{port}") + " "
        assert " 101 " in _handshake(port, f"localhost:{port}") + " "
        assert " 101 " in _handshake(port, f"ts.lab.example:{port}") + " "
        for host in (f"attacker.example:{port}", "attacker.example", f"127.0.0.1.attacker.example:{port}",
                     f"localhost.attacker.example:{port}"):
            status = _handshake(port, host)
            assert status and " 101 " not in status + " ", (host, status)
        # the page itself: refused with a page that says why (it loaded, its WebSocket was refused, and the browser
        # showed a blank page: a blind walkthrough), escaping the client's Host header and listing no allowed name
        status, body = _get(port, f"<b>ts.other.example</b>:{port}")
        assert status.split()[1] == "403" and "&lt;b&gt;ts.other.example&lt;/b&gt;" in body and "<b>" not in body
        # with the headers every response carries (the refusal had none: a blind security review)
        head = _head(port, f"attacker.example:{port}")
        assert "x-frame-options: sameorigin" in head and "content-security-policy: frame-ancestors 'self'" in head, \
            head
        assert "trendscope serve --allowed-host &lt;b&gt;ts.other.example&lt;/b&gt;" in body
        assert "ts.lab.example" not in body
        assert _get(port, f"attacker.example:{port}")[0].split()[1] == "403"
        for host in (f"127.0.0.1:{port}", f"ts.lab.example:{port}"):
            status, body = _get(port, host)
            assert status.split()[1] == "200" and "<title>" in body, (host, status)


def test_the_refusal_page_names_the_address_to_allow_without_its_port():
    from trendscope.ui.app.host_check import refusal_page

    assert "--allowed-host ts.lab.example</code>" in refusal_page("ts.lab.example:8501").decode()
    assert "--allowed-host fe80::1</code>" in refusal_page("[fe80::1]:8501").decode()
    assert "--allowed-host 10.0.0.5</code>" in refusal_page("10.0.0.5").decode()
    assert "--allowed-host NAME</code>" in refusal_page("").decode()
