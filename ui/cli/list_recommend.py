"""`trendscope lists recommend` and `lists not-interested`: papers close to a list, and the ones never to suggest.

Registered on the `lists` group by lists.register (the group and its helpers live in lists.py).
"""
from __future__ import annotations

import click

from trendscope.foundation.clock import parse_day
from trendscope.foundation.wording import count, quoted

from .lists import echo_json, open_lists, report_bad, short
from .options import json_option


@click.command("recommend")
@click.argument("name")
@click.option("-n", "--limit", default=10, show_default=True, help="How many recommendations.")
@click.option("--since", metavar="DATE",
              help="Only papers published on or after: YYYY-MM-DD, YYYY-MM, YYYY or a span back: 30d, 6m, 1y.")
@json_option()
@click.pass_context
def recommend_cmd(ctx: click.Context, name: str, limit: int, since: str | None, as_json: bool) -> None:
    """Papers close to list NAME (not in it, not marked not interested), each with its reason.

    \b
    Examples:
      trendscope lists recommend to-read
      trendscope lists recommend to-read -n 20 --since 6m --json
    """
    from trendscope.index.list_nearest import faiss_nearest

    since = (day := parse_day(since, "--since")) and day.isoformat()
    rl = open_lists(ctx)
    home = ctx.find_root().obj.home
    res = rl.recommend(name, limit=limit, since=since, nearest=faiss_nearest(rl.store.db, home))
    if as_json:
        echo_json({
            "list": rl.canonical(name), "since": since, "model": res.model, "method": res.method,
            "based_on": res.used, "not_indexed": res.not_indexed, "items": [r.to_dict() for r in res.items],
        })
        return
    if res.list_size == 0:
        click.echo(f"List {quoted(name)} is empty: add papers first.")
        return
    if res.used == 0:
        click.echo(f"No recommendations for {quoted(name)}: {res.why_none}.")
        return
    if res.not_indexed:
        click.echo(f"(based on {res.used} of {res.list_size} papers; not ingested or not embedded yet: "
                   f"{', '.join(res.not_indexed)})")
    if not res.items:
        click.echo("No recommendations" + (f" published since {since}." if since else "."))
        if since:  # "--since 3m" counts back from today; the app's window from the newest paper (a walkthrough)
            from trendscope.ingest.paper_reads import PaperReads

            newest = PaperReads(rl.store.db).published_range()[1]
            if newest and newest[:10] < since:
                click.echo(f"(the newest stored paper is from {newest[:10]}: run `trendscope ingest`, or give an "
                           "earlier --since)")
    # no score column: the list is spread over the list's papers, so scores do not fall down it (0.868, 0.845,
    # 0.826, 0.859 read as a bug: a blind walkthrough); `--json` keeps them
    for i, r in enumerate(res.items, 1):
        if not r.close and (i == 1 or res.items[i - 2].close):  # the first of those that only fill places (last)
            click.echo(further_heading(len(res.close), since))
        click.echo(f"{i:2d}. {r.arxiv_id}  {short(r.title, 90)}  ({r.published or '?'})")
        click.echo(f"    {short(r.reason, 110)}")


def further_heading(n_close: int, since: str | None) -> str:
    """The line before the recommendations that are not close to the list (`reading.list_closeness`): a narrow
    window filled its places with unrelated papers and nothing said so (a blind walkthrough)."""
    if not n_close:
        where = f"published since {since}" if since else "stored"
        return f"(none of these is close to this list; they are the nearest papers {where})"
    return "(further from the list:)"


@click.command("not-interested")
@click.argument("name")
@click.argument("ids", nargs=-1)
@click.option("--undo", is_flag=True, help="Clear the mark instead.")
@json_option("Print the marked ids as JSON (with ids: those marked or unmarked now).")
@click.pass_context
def not_interested_cmd(ctx: click.Context, name: str, ids: tuple[str, ...], undo: bool, as_json: bool) -> None:
    """Never recommend these papers for list NAME (no ids: show the marked ones).

    \b
    Examples:
      trendscope lists not-interested to-read 2303.08774
      trendscope lists not-interested to-read 2303.08774 --undo
      trendscope lists not-interested to-read --json
    """
    rl = open_lists(ctx)
    if not ids:
        marked = rl.not_interested(name)
        if as_json:
            echo_json({"list": rl.canonical(name), "not_interested": marked})
            return
        if not marked:
            click.echo(f"No papers marked not interested for {quoted(name)}.")
            return
        from trendscope.ingest.store import PaperStore

        papers = PaperStore(rl.store.db).get_many(marked)  # bare ids said nothing (a blind walkthrough)
        for aid in marked:
            click.echo(f"{aid}  {short(papers[aid].title, 100)}" if aid in papers else f"{aid}  (not ingested)")
        return
    res = rl.mark_not_interested(name, ids, undo=undo)
    if as_json:  # --json was taken and prose printed (a blind walkthrough)
        echo_json({"list": res.list, "unmarked" if undo else "marked": res.added})
        report_bad(ctx, res.bad)
        return
    verb = "Unmarked" if undo else "Marked"
    click.echo(f"{verb} {count(len(res.added), 'paper')} as not interested for {quoted(res.list)}.")
    members = sorted(set(res.added) & {it.arxiv_id for it in rl.items(name)}) if not undo else []
    if members:  # marked without a word (a blind walkthrough); it stays in the list
        click.echo(f"note: {', '.join(members)} {'is' if len(members) == 1 else 'are'} in the list itself (it stays "
                   "there; a list's own papers are never recommended anyway)", err=True)
    report_bad(ctx, res.bad)
