"""The app server's own log lines carry the time, level and source (a blind lab-admin walkthrough: "failed
sign-in for 'carla'" came bare, no use to fail2ban-style monitoring)."""
from __future__ import annotations

import re
import subprocess
import sys


def test_server_log_lines_carry_the_time_in_utc():
    code = ("from trendscope.ui.app.server import log_lines_with_time; log_lines_with_time(); "
            "log_lines_with_time(); import logging; "
            "logging.getLogger('trendscope.accounts.users').warning('failed sign-in for %r', 'carla')")
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stderr
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # once, however often it is set up
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARNING trendscope\.accounts\.users: failed sign-in for "
                        r"'carla'", lines[0]), lines[0]
