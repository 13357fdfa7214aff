"""Progress output: plain lines with counts, rate and ETA when stderr is not a terminal (logs, pipes, make)."""
from __future__ import annotations

import io

from trendscope.foundation.progress import LineProgress, progress_bar


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_every_interval_with_counts_rate_and_eta():
    out, clock = io.StringIO(), Clock()
    bar = LineProgress(5000, "embedding", "paper", every_s=30, file=out, clock=clock)
    clock.now += 10
    bar.update(100)
    assert out.getvalue() == ""  # not yet: one line per 30 s
    clock.now += 20
    bar.update(200)  # 300 papers in 30 s: 10/s, 4,700 left
    bar.set_postfix(new=3)
    clock.now += 30
    bar.update(300)
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "embedding: 300/5,000 papers (6%), 10.0 paper/s, ETA 7m50s"
    assert lines[1] == "embedding: 600/5,000 papers (12%), 10.0 paper/s, ETA 7m20s, new 3"
    assert lines[-1] == lines[1] and len(lines) == 3  # the closing line says where it ended
    bar.close()
    assert len(out.getvalue().splitlines()) == 3
    short = LineProgress(10, "tagging", "paper", every_s=30, file=out, clock=clock)
    short.update(10)
    short.close()  # under 30 s: nothing to add to a log
    assert len(out.getvalue().splitlines()) == 3


def test_bytes_and_unknown_totals_read_naturally():
    out, clock = io.StringIO(), Clock()
    bar = LineProgress(None, "import x.jsonl.gz", "B", unit_scale=True, every_s=1, file=out, clock=clock)
    clock.now += 2
    bar.update(3_500_000)
    assert out.getvalue().strip() == "import x.jsonl.gz: 3.5 MB, 1.8 MB/s"


def test_a_pipe_gets_lines_a_terminal_a_bar_and_disabled_gets_nothing():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(progress_bar(10, "x", file=io.StringIO()), LineProgress)
    assert not isinstance(progress_bar(10, "x", file=Tty()), LineProgress)
    quiet = progress_bar(10, "x", enabled=False, file=io.StringIO())
    quiet.update(5)
    quiet.close()
    assert quiet.disable


def test_long_work_can_say_it_started():
    """A blind walkthrough: `index` printed nothing for its first 30 s of embedding 6,000 papers."""
    out, clock = io.StringIO(), Clock()
    bar = progress_bar(6000, "embedding", "paper", file=out, announce=True)
    assert out.getvalue() == "embedding: 0/6,000 papers (0%)\n"
    bar.close()  # it printed a line: a closing one too
    assert len(out.getvalue().splitlines()) == 1  # (nothing was done: no second line for 0)
    quiet = LineProgress(6000, "embedding", "paper", file=io.StringIO(), clock=clock)
    assert quiet.file.getvalue() == ""  # without it, as before
