"""CLI commands for this stage (placeholder: filled in by the stage's work)."""
from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
