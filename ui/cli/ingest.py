"""CLI commands of the ingest stage: `ingest`, `status`, `schedule`."""
from __future__ import annotations

import json

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.home import DEFAULT_CATEGORIES
from trendscope.foundation.wording import count, short_urls

from .options import categories_option, json_option


def _progress(ctx: click.Context) -> bool:
    """Show progress unless -v logging is on: a bar on a terminal, a line every 30 s in a log or pipe."""
    return not ctx.obj.verbose


# exit status of an import or --id fetch that stored what it could and skipped bad input: a cron job or script
# notices (it exited 0 with bad lines reported: a walkthrough), and can tell it from a failure (1)
PARTIAL = 3


@click.command("ingest")
@click.option("--snapshot", "snapshot", type=click.Path(dir_okay=False),
              help="Import a snapshot file instead of asking arXiv: arXiv's official metadata JSON lines or "
                   "Trendscope JSON lines, optionally .gz.")
@click.option("--id", "ids", multiple=True, metavar="ID",
              help="Fetch these papers by arXiv id or URL (repeatable, or comma separated) instead of a window.")
@categories_option(f"arXiv category (repeatable). Default: {' '.join(DEFAULT_CATEGORIES)}.")
@click.option("--since", default="7d", show_default=True, metavar="DATE",
              help="First submission day: YYYY-MM-DD, YYYY-MM, YYYY or a span back such as 7d, 2w.")
@click.option("--until", default=None, metavar="DATE",
              help="Last submission day: YYYY-MM-DD, or YYYY-MM / YYYY for its last day. Default: today (UTC).")
@click.option("--max", "max_results", type=click.IntRange(min=1), default=None, help="Fetch at most N papers.")
@click.option("--page-size", type=click.IntRange(1, 2000), default=200, show_default=True, hidden=True)
@click.option("--batch-size", type=click.IntRange(min=1), default=2000, hidden=True,
              help="Papers per transaction for snapshot imports.")
@click.option("--force", is_flag=True,
              help="Rescan: a snapshot file even if it was fully imported before; a live window to its end, not "
                   "stopping early at papers already stored (a paper an earlier run missed is fetched).")
@json_option("Print the run record as JSON.")
@click.pass_context
def ingest_cmd(ctx, snapshot, ids, categories, since, until, max_results, page_size, batch_size, force, as_json):
    """Fetch new papers from arXiv (polite: one request per 3 s), a few by id with --id, or import a snapshot
    with --snapshot.

    Exit status 3, with --json too: stored every good record but skipped bad lines or ids, or lost pages of a
    live window (each named on stderr, or in the record's error_messages). Snapshots and windows are for admins
    (the corpus is every user's); any user may add papers by --id, as in the app.

    \b
    Examples:
      trendscope ingest --since 2026-05-01 -c cs.CL -c cs.LG
      trendscope ingest --id 1706.03762 --id https://arxiv.org/abs/2106.09685
      trendscope ingest --snapshot papers.jsonl.gz
    """
    home = ctx.obj.home
    _check_ingest_args(ctx, snapshot, ids)
    if ids:
        _ingest_ids(ctx, home, ids, as_json)
    elif snapshot:
        _ingest_snapshot(ctx, home, snapshot, batch_size, force, as_json)
    else:
        _ingest_window(ctx, home, categories, since, until, max_results, page_size, force, as_json)


def _check_ingest_args(ctx: click.Context, snapshot, ids) -> None:
    if snapshot and ids:
        raise click.UsageError("give either --snapshot or --id, not both")
    if ids and not any(part.strip() for i in ids for part in i.split(",")):
        # `--id "$IDS"` with an empty variable "succeeded" and was stored as a run (a blind walkthrough)
        raise click.UsageError("--id names no arXiv id (give one or more ids or URLs, comma separated)")
    if not ids:  # a few papers by id, as any reader adds one in the app; a snapshot or a window fills every user's
        ctx.obj.actor.require_admin("importing a snapshot or an arXiv window (the corpus is every user's; "
                                    "--id adds single papers)")  # corpus (a blind walkthrough: a non-admin could)


def _ingest_ids(ctx: click.Context, home, ids, as_json: bool) -> None:
    from trendscope.ingest.runner import run_ids

    run = _recorded(lambda: run_ids(home, ids), as_json)
    if as_json:  # the exit status as without --json: a cron job logging JSON missed every partial run
        click.echo(json.dumps(_run_dict(run), indent=2))
        if run.errors:
            ctx.exit(1 if run.outcome == "failed" else PARTIAL)
        return
    click.echo(run.summary())
    for message in run.error_messages:
        click.echo(f"  {message}", err=True)
    if run.outcome == "failed":
        raise TrendscopeError("arXiv found none of the papers asked for")
    if run.errors:
        ctx.exit(PARTIAL)


def _ingest_snapshot(ctx: click.Context, home, snapshot: str, batch_size: int, force: bool, as_json: bool) -> None:
    from trendscope.ingest.runner import run_snapshot

    res = run_snapshot(home, snapshot, batch_size=batch_size, progress=_progress(ctx), force=force)
    if res.unchanged_since is not None and not as_json:
        # "fully imported" was said of a run that had skipped bad lines (a blind walkthrough)
        click.echo(f"{snapshot} is unchanged since run {res.unchanged_since}, which read every line of it "
                   "(`trendscope status` shows any it skipped): nothing new (use --force to rescan)")
        return
    if as_json:
        out = dict(_run_dict(res.run), lines=res.lines, bad_count=res.bad_count,
                   unchanged_since=res.unchanged_since,
                   bad_lines=[{"line": b.line_no, "reason": b.reason} for b in res.bad_lines])
        click.echo(json.dumps(out, indent=2))
        if res.bad_count:
            ctx.exit(PARTIAL)
        return
    _say_snapshot_import(ctx, snapshot, res)


def _say_snapshot_import(ctx: click.Context, snapshot: str, res) -> None:
    run = res.run
    click.echo(f"imported {snapshot}: {count(res.lines, 'line')}, {run.new:,} new, {run.updated:,} updated, "
               f"{run.skipped:,} unchanged, {count(res.bad_count, 'bad line')} skipped")
    for b in res.bad_lines[:20]:
        click.echo(f"  line {b.line_no}: {b.reason}", err=True)
    if res.bad_count > 20:
        click.echo(f"  ... and {res.bad_count - 20} more bad lines", err=True)
    if res.bad_count:
        click.echo(f"exit status {PARTIAL}: {count(res.bad_count, 'line')} skipped, every good line stored",
                   err=True)
        ctx.exit(PARTIAL)


def _ingest_window(ctx: click.Context, home, categories, since, until, max_results, page_size, force: bool,
                   as_json: bool) -> None:
    from trendscope.ingest.arxiv_live import LiveConfig
    from trendscope.ingest.runner import run_live

    cfg = LiveConfig(categories=list(categories) or list(DEFAULT_CATEGORIES), since=since, until=until,
                     max_results=max_results, page_size=page_size, stop_after_known=None if force else 25)
    run = _recorded(lambda: run_live(home, cfg, progress=_progress(ctx)), as_json)
    if as_json:
        click.echo(json.dumps(_run_dict(run), indent=2))
    else:
        click.echo(run.summary())
        if run.outcome != "ok":
            click.echo(f"  last error: {run.error_messages[-1] if run.error_messages else '?'}", err=True)
    if run.outcome == "partial":  # pages lost after the retries: what came is stored, the window has a gap
        ctx.exit(PARTIAL)


def _recorded(fetch, as_json: bool):
    """`fetch()`'s run; with --json, a failed run's record is printed before its error (stdout held nothing though
    the run was recorded: a blind docs audit)."""
    from trendscope.ingest.ledger import IngestFailed

    try:
        return fetch()
    except IngestFailed as exc:
        if as_json:
            click.echo(json.dumps(_run_dict(exc.run), indent=2))
        raise


def _run_dict(run) -> dict:
    from dataclasses import asdict

    return asdict(run)


@click.command("status")
@json_option("Machine-readable output (top-level integer `papers`).")
@click.option("--weeks", type=click.IntRange(1, 52), default=4, show_default=True, help="Weeks of papers per day.")
@click.option("--check", is_flag=True,
              help="Exit with status 1 when anything is stale or needs attention (for monitoring and cron; the "
                   "notes, such as papers without authors, do not count).")
@click.pass_context
def status_cmd(ctx, as_json, weeks, check):
    """Corpus counts, papers per day, the last ingest runs, and anything stale.

    \b
    Examples:
      trendscope status
      trendscope status --weeks 8 --json
      trendscope status --check > /dev/null || echo "trendscope needs attention"
    """
    from trendscope.ui.status_report import full_status

    st = full_status(ctx.obj.home, weeks=weeks)
    # a monitor had only `doctor --check`'s exit status: status exited 0 beside a failed ingest (a walkthrough)
    failing = check and bool(st["stale"])
    if as_json:
        click.echo(json.dumps(st, indent=2))
        if failing:
            ctx.exit(1)
        return
    click.echo(f"Trendscope home: {st['home']}")
    click.echo(f"Papers: {st['papers']:,}  (published {st['published_from'] or '-'} .. {st['published_to'] or '-'})")
    if st["embeddings"] is not None:
        click.echo(f"Embedded: {st['embeddings']:,}   not indexed: {st['unindexed'] or 0:,}")
    if st["categories"]:
        click.echo("Top categories: " + ", ".join(f"{c['category']} {c['papers']:,}" for c in st["categories"][:10]))
    days = st["per_day"] if st["papers"] else []  # 28 rows of 0 before the advice on an empty home (a walkthrough)
    if days:
        peak = max(d["papers"] for d in days) or 1
        click.echo(f"Papers per day ({days[0]['date']} .. {days[-1]['date']}):")
        for d in days:
            click.echo(f"  {d['date']} {d['papers']:6d} {'#' * round(40 * d['papers'] / peak)}")
    click.echo("Last runs:")
    if not st["runs"]:
        click.echo("  (none)")
    for r in st["runs"]:
        window = f" {r['window_start']}..{r['window_end']}" if r["window_start"] else ""
        # "unchanged": records no newer than the stored ones ("skipped 0" beside "errors 8" read as if the 8 bad
        # lines the import had called skipped were not counted: a blind walkthrough); a snapshot has no pages
        pages = "" if r["source"] == "snapshot" else f"pages {r['pages']:,}, "
        click.echo(f"  #{r['run_id']} {r['started_at']} {r['source']}{window}: {r['outcome']}; {pages}"
                   f"seen {r['seen']:,}, new {r['new']:,}, updated {r['updated']:,}, unchanged {r['skipped']:,}, "
                   f"{'bad lines' if r['source'] == 'snapshot' else 'errors'} {r['errors']:,}")
    if st["stale"]:
        click.echo("Stale / needs attention:")
        for s in st["stale"]:
            click.echo(f"  - {short_urls(s)}")
    else:
        click.echo("Nothing stale.")
    if st.get("notes"):  # not faults: --check ignores them
        click.echo("Notes:")
        for s in st["notes"]:
            click.echo(f"  - {s}")
    if failing:
        ctx.exit(1)


@click.command("schedule")
@click.option("--every", default="6h", show_default=True, help="Ingest interval: e.g. 30m, 6h, 1d.")
@click.option("--digest-day", default="wed", show_default=True,
              type=click.Choice(["mon", "tue", "wed", "thu", "fri", "sat", "sun", "none"]),
              help="Weekday for the weekly digests ('none' = never).")
@click.option(
    "--digest-hour", type=click.IntRange(0, 23), default=7, show_default=True,
    help="UTC hour of the digests (not with --once: a cron cycle on the digest day sends them whatever the hour)."
)
@click.option("--since", default="3d", show_default=True, help="Window of each ingest (early stop makes reruns cheap).")
@categories_option()
@click.option(
    "--once", is_flag=True, help="Run one cycle (ingest, index, digests on the digest day) and exit: for cron."
)
@click.pass_context
def schedule_cmd(ctx, every, digest_day, digest_hour, since, categories, once):
    """Keep the corpus fresh: ingest, index update, rising topics and weekly digests, on a schedule (never
    overlapping). Admins only.

    \b
    Examples:
      trendscope schedule --every 6h --digest-day wed --digest-hour 7
      trendscope --home ~/ts schedule --once

    \b
    Or, instead of the long-running process, one cycle every 6 hours from cron:
      0 */6 * * * trendscope --home ~/ts schedule --once
    """
    from trendscope.foundation.clock import parse_day
    from trendscope.ui.scheduler import ScheduleConfig, parse_every, run_cycle, run_forever

    parse_day(since, "--since")  # refused now, not at every cycle
    cfg = ScheduleConfig(every=parse_every(every), digest_day=None if digest_day == "none" else digest_day,
                         digest_hour=digest_hour, since=since,
                         categories=tuple(categories) or DEFAULT_CATEGORIES)
    home = ctx.obj.home
    # it ingests arXiv windows into every user's corpus, and its digest step is `digest --send`: admin only there too
    ctx.obj.actor.require_admin("scheduling ingests and digests" if cfg.digest_day is not None else
                                "scheduling ingests (the corpus is every user's)")
    if once:
        from trendscope.foundation.clock import utc_now_iso

        # when, first: a cron log of many cycles could not say when one failed (an operations walkthrough)
        click.echo(f"scheduled cycle at {utc_now_iso()}")
        res = run_cycle(home, cfg, digest=None)
        for line in res.lines:
            click.echo(line)
        if res.failed:
            raise TrendscopeError(f"scheduled cycle had failures: {'; '.join(res.failed)}")
        return
    click.echo(f"trendscope scheduler: ingest every {every}, digests "
               f"{'never' if cfg.digest_day is None else f'{digest_day} {digest_hour:02d}:00 UTC'}; Ctrl-C stops it")
    run_forever(home, cfg)


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(ingest_cmd)
    group.add_command(status_cmd)
    group.add_command(schedule_cmd)

