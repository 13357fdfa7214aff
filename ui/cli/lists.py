"""`trendscope lists ...`: reading lists (the list name always comes first after the subcommand).

Ids may be given with or without version or as arXiv URLs. When some ids (or import lines) are bad, the
good ones are still applied, each bad one is reported on stderr, and the command exits with status 1.
"""
from __future__ import annotations

import json

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.latex_math import readable_latex
from trendscope.foundation.text import authors_as_prose
from trendscope.foundation.wording import clipped, count, quoted
from trendscope.ingest.store import open_database
from trendscope.reading.exporters import to_records
from trendscope.reading.list_store import STATUSES
from trendscope.reading.lists import ReadingLists

from .options import confirm, json_option

_MARKS = {"unread": "[ ]", "reading": "[~]", "read": "[x]"}


def open_lists(ctx: click.Context, db=None) -> ReadingLists:
    obj = ctx.find_root().obj
    return ReadingLists(db or open_database(obj.home.db_path), user=obj.actor)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def report_bad(ctx: click.Context, bad: list[str]) -> None:
    """Each bad input on stderr; exit status 1 when there was any (after the good ones were applied)."""
    for msg in bad:
        click.echo(f"error: {msg}", err=True)
    if bad:
        ctx.exit(1)


def short(text: str, width: int) -> str:
    """One line of at most `width` characters, LaTeX made readable ("$\\cap$" -> "∩")."""
    return clipped(readable_latex(text or ""), width)


@click.group("lists", invoke_without_command=True)
@json_option("Print the lists as JSON.")
@click.pass_context
def lists_group(ctx: click.Context, as_json: bool) -> None:
    """Reading lists: create, fill, annotate, export/import and get recommendations.

    `trendscope lists` alone shows every list with its counts: yours, then those others shared with you
    (named `owner/name`). `--user NAME` before `lists` acts as another account.

    \b
    Examples:
      trendscope lists create to-read
      trendscope lists add to-read 2106.09685 --note "LoRA"
      trendscope lists recommend to-read
      trendscope lists
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd, as_json=as_json)


@lists_group.command("list")
@json_option()
@click.pass_context
def list_cmd(ctx: click.Context, as_json: bool) -> None:
    """Show all reading lists with counts.

    \b
    Example:
      trendscope lists list --json
    """
    summaries = open_lists(ctx).lists()
    if as_json:
        # "list": how every other lists command takes it back (`owner/name` for a list shared with you: two lists
        # of one name, yours and a shared one, read alike by "name": a blind walkthrough)
        echo_json([{"list": s.ref, **s.__dict__} for s in summaries])
        return
    if not summaries:
        click.echo("No reading lists yet. Create one: trendscope lists create NAME")
        return
    for s in summaries:
        extra = f", {s.not_ingested} not ingested yet" if s.not_ingested else ""
        if s.access != "own":
            extra += f"; shared with you, {'editable' if s.access == 'edit' else 'read-only'}"
        elif s.shared_with:
            extra += "; shared with " + ", ".join(
                f"{'everyone' if g == '*' else g} ({'edit' if e else 'read'})" for g, e in s.shared_with)
        click.echo(
            f"{s.ref}: {count(s.items, 'paper')} ({s.unread} unread, {s.reading} reading, {s.read} read{extra})"
            f"  created {s.created[:10]}"
        )


@lists_group.command("create")
@click.argument("name")
@click.pass_context
def create_cmd(ctx: click.Context, name: str) -> None:
    """Create an empty reading list NAME.

    \b
    Example:
      trendscope lists create to-read
    """
    click.echo(f"Created list {quoted(open_lists(ctx).create(name))}.")


@lists_group.command("rename")
@click.argument("name")
@click.argument("new_name")
@click.pass_context
def rename_cmd(ctx: click.Context, name: str, new_name: str) -> None:
    """Rename list NAME to NEW_NAME (refused if NEW_NAME exists).

    \b
    Example:
      trendscope lists rename to-read reading-group
    """
    click.echo(f"Renamed {quoted(name)} to {quoted(open_lists(ctx).rename(name, new_name))}.")


@lists_group.command("delete")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def delete_cmd(ctx: click.Context, name: str, yes: bool) -> None:
    """Delete list NAME and its items (papers stay in the corpus).

    \b
    Example:
      trendscope lists delete reading-group --yes
    """
    rl = open_lists(ctx)
    n, shared = len(rl.items(name)), rl.deletion_note(name)
    if (n or shared) and not yes:
        confirm(f"Delete list {quoted(name)} with {count(n, 'paper')}{shared}?", "nothing deleted")
    rl.delete(name)
    click.echo(f"Deleted list {quoted(name)} ({count(n, 'paper')}).")


@lists_group.command("show")
@click.argument("name")
@click.option("--status", "status", type=click.Choice(STATUSES), help="Only papers with this status.")
@json_option()
@click.pass_context
def show_cmd(ctx: click.Context, name: str, status: str | None, as_json: bool) -> None:
    """Show the papers of list NAME (with status, note and date added).

    \b
    Examples:
      trendscope lists show to-read
      trendscope lists show to-read --status unread --json
    """
    db = open_database(ctx.find_root().obj.home.db_path)
    rl = open_lists(ctx, db)
    items = every = rl.items(name)
    if status:
        items = [it for it in items if it.status == status]
    if as_json:
        echo_json({"list": rl.canonical(name), "items": to_records(items)})
        return
    missing = sum(1 for it in items if not it.ingested)
    extra = f", {missing} not ingested yet" if missing else ""
    # filtered: "2 of 7 papers" ("mixed: 2 papers" for a 7-paper list read as the list's size: a blind walkthrough)
    size = f"{len(items):,} of {count(len(every), 'paper')} {status}" if status else count(len(items), "paper")
    click.echo(f"{rl.canonical(name)}: {size}{extra}")
    fetched: set[str] = set()
    if missing:  # a paper not ingested whose full text is fetched can be read already (a blind walkthrough)
        from trendscope.ingest.fulltext_store import FulltextStore

        fetched = set(FulltextStore(db).fetched_ids())
    for it in items:
        p = it.paper
        if p is None and it.imported is not None:  # what its BibTeX entry said
            m = it.imported
            said = ", ".join(x for x in (_authors_short(m.authors, it.forms.whole, it.authors_incomplete),
                                         m.published or "") if x)
            read = f"; its full text: trendscope read {it.arxiv_id}" if it.arxiv_id in fetched else ""
            head = (f"{it.arxiv_id}  {short(m.title or '(no title)', 90)}  "
                    f"({said + '; ' if said else ''}not ingested yet{read})")
        elif p is None:
            head = f"{it.arxiv_id}  (not ingested yet: details appear once it is ingested" + (
                f"; its full text: trendscope read {it.arxiv_id})" if it.arxiv_id in fetched else ")")
        else:
            head = f"{it.arxiv_id}  {short(p.title, 90)}  ({p.published or '?'}, {p.primary_category or '?'})"
        click.echo(f"{_MARKS[it.status]} {head}  added {it.added[:10]}")
        if it.note:  # a note of several lines stays indented under its paper
            click.echo("      note: " + "\n            ".join(it.note.splitlines()))
        for n in it.passage_notes:  # the reader's notes on passages (the app and the Markdown export showed them)
            where = f"{short(n.section, 50)}, passage {n.seq}" if n.section else f"passage {n.seq}"
            quote = f" “{short(n.quote, 70)}”" if n.quote else ""
            click.echo(f"      on {where}:{quote} " + " ".join(n.note.split()))


def _authors_short(authors: list[str], whole: tuple[str, ...] = (), incomplete: bool = False) -> str:
    """"Kirkpatrick", "Kirkpatrick and Pascanu", "Kirkpatrick et al." (last names as written; a name the import
    braced whole, an organisation, stays whole: "{BigScience Workshop}" read "Workshop"; an import's `and others`
    is et al.: a blind walkthrough)."""
    last = [a if a in whole else a.split(",")[0].strip() if "," in a else a.split()[-1]
            for a in authors_as_prose(authors) if a.strip()]
    if len(last) > 2 or (incomplete and last):
        return f"{last[0]} et al."
    return " and ".join(last)


@lists_group.command("add")
@click.argument("name")
@click.argument("ids", nargs=-1, required=True)
@click.option("--note", default="", help="Note for the added papers.")
@click.option("--status", default="unread", help="Status for the added papers: unread, reading or read.")
@click.option("--create", "create", is_flag=True, help="Create the list if it does not exist.")
@click.pass_context
def add_cmd(ctx: click.Context, name: str, ids: tuple[str, ...], note: str, status: str, create: bool) -> None:
    """Add papers (arXiv ids, versioned ids or arXiv URLs) to list NAME.

    \b
    Examples:
      trendscope lists add to-read 2106.09685 --note "LoRA"
      trendscope lists add classics 1706.03762v7 https://arxiv.org/abs/2005.14165 --create
    """
    rl = open_lists(ctx)
    if create and not rl.exists(name):
        rl.create(name)
        click.echo(f"Created list {quoted(name)}.")
    try:
        res = rl.add(name, ids, note=note, status=status)
    except TrendscopeError as exc:
        if not create and not rl.exists(name):  # say how to make it
            raise TrendscopeError(f"{exc}; add --create to make it") from None
        raise
    click.echo(f"Added {count(len(res.added), 'paper')} to {quoted(res.list)}.")
    if res.already:
        click.echo(f"Already in the list: {', '.join(res.already)}"
                   # --note and --status were dropped for these without a word (a blind walkthrough)
                   + ("; their notes and statuses are unchanged (`lists note`, `lists status` change them)"
                      if note or status.strip().lower() != "unread" else ""))
    for aid in res.not_ingested:
        click.echo(f"{aid}: not ingested yet (stored; its details fill in once it is ingested)")
    report_bad(ctx, res.bad)


@lists_group.command("remove")
@click.argument("name")
@click.argument("ids", nargs=-1, required=True)
@click.pass_context
def remove_cmd(ctx: click.Context, name: str, ids: tuple[str, ...]) -> None:
    """Remove papers from list NAME.

    \b
    Example:
      trendscope lists remove to-read 2106.09685 1706.03762
    """
    res = open_lists(ctx).remove(name, ids)
    click.echo(f"Removed {count(len(res.removed), 'paper')} from {quoted(res.list)}.")
    # a paper not in the list is an error as in `lists status` (it exited 0 there: a blind walkthrough)
    report_bad(ctx, res.bad + [f"{a} is not in list {quoted(res.list)}" for a in res.missing])


@lists_group.command("note")
@click.argument("name")
@click.argument("paper")
@click.argument("text", nargs=-1)
@click.pass_context
def note_cmd(ctx: click.Context, name: str, paper: str, text: tuple[str, ...]) -> None:
    """Set the note of PAPER in list NAME (no TEXT clears it).

    \b
    Examples:
      trendscope lists note to-read 2106.09685 "read section 4 (rank ablation) first"
      trendscope lists note to-read 2106.09685 -- "-1 on eq. 3"    # a note starting with '-' after --
      trendscope lists note to-read 2106.09685
    """
    aid = open_lists(ctx).set_note(name, paper, " ".join(text))
    click.echo(f"{'Noted' if text else 'Cleared the note of'} {aid}.")


@lists_group.command("status")
@click.argument("name")
@click.argument("args", nargs=-1, required=True, metavar="ID... STATUS")
@click.pass_context
def status_cmd(ctx: click.Context, name: str, args: tuple[str, ...]) -> None:
    """Set the status (unread, reading, read) of papers in list NAME.

    The status may come before or after the ids.

    \b
    Examples:
      trendscope lists status to-read 2106.09685 read
      trendscope lists status to-read reading 1706.03762 2005.14165
    """
    at = [i for i, a in enumerate(args) if a.strip().lower() in STATUSES]
    if len(at) > 1:
        raise click.UsageError(f"give one status ({', '.join(STATUSES)}), got {len(at)}: {' '.join(args)!r}")
    pos = at[0] if at else len(args) - 1  # no known status word: the last one is meant as the status
    status, ids = args[pos], [a for i, a in enumerate(args) if i != pos]
    if not ids:
        raise click.UsageError("give one or more arXiv ids and a status")
    res = open_lists(ctx).set_status(name, ids, status)
    click.echo(f"Marked {count(len(res.removed), 'paper')} as {status.strip().lower()}.")
    report_bad(ctx, res.bad + [f"{a} is not in list {quoted(res.list)}" for a in res.missing])


@lists_group.command("share")
@click.argument("name")
@click.argument("user")
@click.option("--edit", is_flag=True, help="Let them change the list too (default: read-only).")
@click.option("--stop", is_flag=True, help="Stop sharing the list with USER.")
@click.pass_context
def share_cmd(ctx: click.Context, name: str, user: str, edit: bool, stop: bool) -> None:
    """Share your list NAME with USER (a user name, or `everyone`), read-only or with --edit.

    They see it as `YOURNAME/NAME`. Sharing again changes the right; --stop ends it.

    \b
    Examples:
      trendscope lists share to-read ana
      trendscope lists share reading-group everyone --edit
      trendscope lists share to-read ana --stop
    """
    rl = open_lists(ctx)
    if stop:
        done = rl.unshare(name, user)
        ref = rl.canonical(name)
        left = next((dict(s.shared_with) for s in rl.lists() if s.ref == ref and s.access == "own"), {})
        still = (f" They can still {'edit' if left['*'] else 'read'} it: it is shared with everyone."
                 if "*" in left and user.strip().lower() not in ("*", "everyone") else "")
        click.echo(f"{quoted(ref)} is {'no longer' if done else 'not'} shared with {user}.{still}")
        return
    ref = rl.canonical(name)
    shares = next((dict(s.shared_with) for s in rl.lists() if s.ref == ref and s.access == "own"), {})
    grantee = rl.share(name, user, edit=edit)
    who = "everyone" if grantee == "*" else grantee
    before = shares.get(grantee)  # sharing again changes the right: said (an editor lost it unawares: a walkthrough)
    was = "" if before is None or bool(before) == edit else f", was {'editable' if before else 'read-only'}"
    click.echo(f"Shared {quoted(ref)} with {who} ({'editable' if edit else 'read-only'}{was}).")
    noted = rl.noted_count(name)
    if noted and before is None:  # a paper's note is the list's: shared with it, older ones too (a walkthrough)
        click.echo(f"Its {count(noted, 'paper note')} {'is' if noted == 1 else 'are'} shared with it; notes on "
                   "passages stay yours.")


def register(group: click.Group) -> None:
    """Add `trendscope lists ...` (with the file commands of list_files.py and the recommendation commands of
    list_recommend.py) to the top-level group."""
    from .list_files import export_cmd, import_cmd
    from .list_recommend import not_interested_cmd, recommend_cmd

    for command in (export_cmd, import_cmd, recommend_cmd, not_interested_cmd):
        lists_group.add_command(command)
    group.add_command(lists_group)
