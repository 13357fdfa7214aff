"""Where Trendscope keeps its state: the data home and the paths inside it.

Every other module asks this one for paths; nothing else builds file names under the home.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import StorageError, os_reason

DEFAULT_CATEGORIES = ("cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML")


def default_home() -> Path:
    """`TRENDSCOPE_HOME`, else `$XDG_DATA_HOME/trendscope`, else `~/.local/share/trendscope`."""
    env = os.environ.get("TRENDSCOPE_HOME")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "trendscope"


@dataclass(frozen=True)
class Home:
    """The data home: one SQLite database plus derived, rebuildable files."""

    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> Home:
        root = Path(home).expanduser() if home else default_home()
        return cls(root)

    def ensure(self) -> Home:
        """Create the home folder when missing; a StorageError (one line) when that is not allowed."""
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new home is its owner's alone
        except OSError as exc:
            raise StorageError(f"cannot create the data home {self.root}: {os_reason(exc)}") from exc
        return self

    @property
    def db_path(self) -> Path:
        return self.root / "trendscope.db"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def pdf_dir(self) -> Path:
        """Fetched PDFs, content-addressed (`<sha256[:2]>/<sha256>.pdf`)."""
        return self.root / "pdf"

    @property
    def feeds_dir(self) -> Path:
        return self.root / "feeds"

    @property
    def taxonomy_path(self) -> Path:
        """The user's own taxonomy overrides (optional)."""
        return self.root / "taxonomy.toml"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def secrets_path(self) -> Path:
        """Streamlit's secrets for OpenID Connect sign-in (`[auth]`: provider, client secret, cookie secret)."""
        return self.root / "secrets.toml"

    def lock_path(self, stage: str) -> Path:
        """The lock file a stage holds while it writes: `ingest`, `index`, `digest` or `schedule`."""
        return self.root / f"{stage}.lock"
