"""Progress for long work: a tqdm bar on a terminal, plain lines with counts, rate and ETA everywhere else.

A bar that redraws itself is unreadable in a log file, a pipe or `make run` under a supervisor; there
`LineProgress` writes one line every `every_s` seconds (and a last one at the end of work that printed any), e.g.

    embedding: 1,200/5,000 paper (24%), 14.2 paper/s, ETA 4m28s

Both offer the part of tqdm's interface the stages use: `update(n)`, `set_postfix(**counts)`, `close()`, and use
as a context manager.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

EVERY_S = 30.0


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _amount(n: float, unit: str, unit_scale: bool) -> str:
    if unit_scale and unit == "B":
        for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if n >= scale:
                return f"{n / scale:.1f} {prefix}B"
        return f"{int(n)} B"
    return f"{int(n):,}"


class LineProgress:
    """Progress as occasional plain lines (see the module docstring)."""

    def __init__(self, total: float | None = None, desc: str = "", unit: str = "it", *, unit_scale: bool = False,
                 every_s: float = EVERY_S, file: IO[str] | None = None, clock: Callable[[], float] = time.monotonic,
                 announce: bool = False):
        self.total, self.desc, self.unit, self.unit_scale = total, desc, unit.strip(), unit_scale
        self.every_s, self.file, self.clock = every_s, file or sys.stderr, clock
        self.n = 0.0
        self.postfix: dict[str, Any] = {}
        self.started = self.last = clock()
        self.closed = False
        self.emitted = 0
        if announce:  # long work says it started: `index` was silent for its first 30 s (a blind walkthrough)
            self._emit()

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.n / elapsed
        done = _amount(self.n, self.unit, self.unit_scale)
        parts = [f"{done}/{_amount(self.total, self.unit, self.unit_scale)}" if self.total else done]
        if not (self.unit_scale and self.unit == "B"):
            many = (self.total or self.n) != 1 and self.unit not in ("B", "it")
            parts[0] += f" {self.unit}s" if many else f" {self.unit}"  # "300/5,000 papers", a rate "paper/s"
        if self.total:
            parts[0] += f" ({min(self.n / self.total, 1.0):.0%})"
        if self.n:
            per_s = (_amount(rate, self.unit, self.unit_scale) + "/s" if self.unit_scale and self.unit == "B"
                     else f"{rate:.1f} {self.unit}/s")
            parts.append(per_s)
            if self.total and self.n < self.total:
                parts.append(f"ETA {_duration((self.total - self.n) / rate)}")
        parts += [f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in self.postfix.items()]
        return f"{self.desc}: " + ", ".join(parts)

    def _emit(self) -> None:
        print(self.line(), file=self.file, flush=True)
        self.last = self.clock()
        self.emitted += 1

    def update(self, n: float = 1) -> None:
        self.n += n
        if self.clock() - self.last >= self.every_s:
            self._emit()

    def set_postfix(self, **counts: Any) -> None:
        self.postfix = counts

    def close(self) -> None:
        """A last line where it ended, if it printed any before (work under `every_s` prints nothing)."""
        if not self.closed:
            self.closed = True
            if self.emitted and self.n:
                self._emit()

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress_bar(total: float | None = None, desc: str = "", unit: str = "it", *, enabled: bool = True,
                 unit_scale: bool = False, file: IO[str] | None = None, announce: bool = False, **tqdm_options: Any):
    """A tqdm bar when `file` (default stderr) is a terminal, `LineProgress` lines otherwise; nothing shown when
    not `enabled` (a disabled tqdm, so callers need no special case). `announce`: the lines start with one at 0
    (for work whose first line would otherwise come only after `EVERY_S`)."""
    from tqdm import tqdm

    stream = file or sys.stderr
    if not enabled:
        return tqdm(total=total, disable=True)
    if stream.isatty():
        return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=stream, **tqdm_options)
    return LineProgress(total, desc, unit, unit_scale=unit_scale, file=stream, announce=announce)


def progress_note(text: str, *, enabled: bool = True, file: IO[str] | None = None) -> None:
    """One line of long work's progress that no bar counts (loading a model), where the bars write."""
    if enabled:
        print(text, file=file or sys.stderr, flush=True)
