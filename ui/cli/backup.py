"""`trendscope backup DIR`: a consistent copy of the data home while the app and the scheduler run."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("backup")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
@click.option("--no-pdfs", is_flag=True, help="Leave out the stored PDFs (arXiv's can be fetched again; a PDF read "
                                               "from a file cannot).")
@click.pass_context
def backup_cmd(ctx: click.Context, dest: Path, no_pdfs: bool) -> None:
    """Copy the data home into DEST (a new or empty folder): the database as one consistent state (safe while the
    app and the scheduler run), checked; the settings, a fitted tag model, the stored PDFs and the feeds. The
    search index is left out: `trendscope doctor --repair` rebuilds it after a restore. Admins only.

    \b
    Examples:
      trendscope backup /srv/backups/trendscope-2026-12-06
      trendscope backup ~/ts-backup --no-pdfs
    """
    from trendscope.foundation.backup import backup_home

    home = ctx.obj.existing_home("nothing to back up")
    ctx.obj.actor.require_admin("backing up the data home")
    for line in backup_home(home, dest, with_pdfs=not no_pdfs).lines():
        click.echo(line)


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(backup_cmd)
