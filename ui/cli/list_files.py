"""`trendscope lists export` and `lists import`: a reading list to and from files (BibTeX, CSV, JSON, Markdown,
ids). Registered on the `lists` group by lists.register (the group and its helpers live in lists.py).
"""
from __future__ import annotations

import click

from trendscope.foundation.files import atomic_write
from trendscope.foundation.wording import count, quoted
from trendscope.reading.exporters import FORMATS
from trendscope.reading.importers import IMPORT_FORMATS

from .lists import open_lists
from .options import output_file


@click.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="bibtex", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write to this file (default: stdout).")
@click.option("--abstract", is_flag=True, help="BibTeX: include the abstracts.")
@click.option("--no-notes", is_flag=True, help="Leave out the papers' notes (BibTeX annote; notes and passage notes "
              "in Markdown, CSV, JSON): for a file to share.")
@click.pass_context
def export_cmd(ctx: click.Context, name: str, fmt: str, out: str | None, abstract: bool, no_notes: bool) -> None:
    """Export list NAME as BibTeX, Markdown, CSV or JSON.

    \b
    Examples:
      trendscope lists export to-read --out to-read.bib --abstract
      trendscope lists export to-read --format md
      trendscope lists export to-read --out refs.bib --no-notes
    """
    if abstract and fmt != "bibtex":
        raise click.UsageError(f"--abstract applies to --format bibtex ({fmt} exports never hold abstracts)")
    target = output_file(out) if out else None
    rl = open_lists(ctx)
    data = rl.export(name, fmt, include_abstract=abstract, as_file=target is not None, notes=not no_notes)
    if not rl.items(name):  # an empty BibTeX file came without a word (a blind walkthrough)
        click.echo(f"note: {quoted(rl.canonical(name))} holds no paper: the export has none", err=True)
    if note := rl.authorless_note(name):
        click.echo(f"note: {note}", err=True)
    if target is None:
        click.echo(data, nl=False)
        return
    atomic_write(target, data)
    click.echo(f"Wrote {fmt} export of {quoted(name)} to {target}.", err=True)


@click.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS), default="auto", show_default=True,
              help="ids: one arXiv id/URL per line; bibtex: entries with arXiv eprints; ris: RIS records; "
              "json: Trendscope's export or CSL JSON; csv/md: exports.")
@click.option("--strict", is_flag=True, help="Import nothing, with exit status 1, when any entry would be skipped "
              "(default: skip those, and exit 1 only when nothing could be imported).")
@click.pass_context
def import_cmd(ctx: click.Context, name: str, file: str, fmt: str, strict: bool) -> None:
    """Add the arXiv ids in FILE ('-' for standard input: ids, BibTeX, RIS and JSON are recognised, CSV and
    Markdown need --format) to list NAME (created if missing).

    Entries without an arXiv id (a book, a paper only in the ACL Anthology) or that cannot be read are skipped,
    each named with its line on stderr; the others are added.

    \b
    Examples:
      trendscope lists import to-read references.bib
      trendscope lists import to-read zotero.ris
      trendscope lists import to-read ids.txt --format ids
      trendscope lists import to-read zotero.csv --strict
      grep -o '[0-9]\\{4\\}\\.[0-9]\\{5\\}' notes.txt | trendscope lists import to-read - --format ids
    """
    from trendscope.foundation.files import readable_path

    with readable_path(file) as path:  # "-": standard input
        res = open_lists(ctx).import_file(name, path, fmt, strict=strict, display_name="stdin" if file == "-" else None)
    if res.created:
        click.echo(f"Created list {quoted(res.list)}.")
    file = "stdin" if file == "-" else file
    click.echo(f"Imported {count(len(res.added), 'paper')} into {quoted(res.list)} from {file} ({res.fmt}).")
    if res.already:
        click.echo(f"Already in the list: {count(len(res.already), 'paper')}")
    for note in res.notes():  # how those differ from the file, and ids the file gives twice
        click.echo(note)
    if res.not_ingested:
        click.echo(f"Not ingested yet (stored; details fill in once ingested): {', '.join(res.not_ingested)}")
    # a reference manager's library holds books and papers without an arXiv id: skipped, not errors (a library
    # import ended "error: ..." with exit status 1: a blind walkthrough)
    for msg in res.bad:
        click.echo(f"skipped: {msg}", err=True)
    if res.bad:
        click.echo(f"Skipped {count(len(res.bad), 'entry', 'entries')} of {file} (above); `--strict` imports "
                   "nothing when any would be skipped.", err=True)
