"""Writing files so that a reader never sees half of one: a temp file beside the target, then a rename."""
from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def temp_name(path: Path) -> Path:
    """A hidden, unique temp path beside `path` (`.NAME.tmp-PID-TOKEN`): same file system, so the rename is
    atomic; `index doctor` finds leftovers of a crashed write by the `.tmp-` in the name."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def atomic_write(path: Path, data: bytes | memoryview, durable: bool = True) -> None:
    """Replace `path` with `data` in one step: readers see the old file or the new one, never a mix, and a crash
    leaves no partial target. The parent folder is created; `durable` also fsyncs the data before the rename.
    The file gets the usual permissions (umask), not a temp file's private ones. An OSError names `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        fh = open(tmp, "xb")
    except OSError as exc:
        raise _naming(exc, tmp, path)
    try:
        with fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise _naming(exc, tmp, path) if isinstance(exc, OSError) else exc


def _naming(exc: OSError, tmp: Path, path: Path) -> OSError:
    """The error, naming the file the caller asked for instead of the temp file."""
    if exc.filename == str(tmp):
        exc.filename = str(path)
    return exc


def read_toml(path: str | Path) -> dict:
    """A settings file as a dict ({} when it does not exist); a TrendscopeError of one line naming the file when it
    cannot be read, is not UTF-8 or is not TOML."""
    import tomllib

    from .errors import TrendscopeError

    path = Path(path)
    try:
        return loads_toml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise TrendscopeError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TrendscopeError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise TrendscopeError(f"cannot read {path}: {exc.strerror or exc}") from exc


def loads_toml(text: str) -> dict:
    """`tomllib.loads`, where what it cannot read but reports as no TOMLDecodeError is one like any other bad TOML:
    `a = [[[[...]]]]` 10,000 levels deep crashed `trendscope status` with a RecursionError (an audit), and a
    5,000-digit number is a ValueError. Every settings reader parses through here, so its own one-line TOML error
    names the file."""
    import tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError("arrays or tables nested too deeply") from None
    except tomllib.TOMLDecodeError:
        raise
    except ValueError as exc:  # "Exceeds the limit (4300 digits) for integer string conversion: ..."
        raise tomllib.TOMLDecodeError(f"a value it cannot read ({str(exc).split(':')[0]})") from None


@contextlib.contextmanager
def readable_path(path: str, stdin=None):
    """`path` itself, or for "-" a temporary file holding standard input's bytes (removed after), so that commands
    reading a named file take a pipe too (`... | trendscope tag --input -` was "cannot read file -": a blind
    walkthrough)."""
    import sys
    import tempfile

    if path != "-":
        yield path
        return
    data = (stdin if stdin is not None else sys.stdin.buffer).read()
    with tempfile.TemporaryDirectory(prefix="trendscope-stdin-") as folder:
        tmp = Path(folder) / "stdin"
        tmp.write_bytes(data)
        yield str(tmp)
