"""`trendscope digest`: build the weekly digests (Markdown, HTML, Atom) or --send them. What each user follows:
`subscriptions.py`."""
from __future__ import annotations

import os
from pathlib import Path

import click

from trendscope.foundation.actor import LAB
from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.files import atomic_write
from trendscope.foundation.wording import quoted

from .options import output_file
from .subscriptions import acting_user, data_home, open_db


@click.command("digest")
@click.option("--week", default=None, metavar="YYYY-Www", help="ISO week (default: the last complete week).")
@click.option("--subscription", "names", multiple=True, metavar="NAME", help="Only this subscription (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "atom"]), default="md", show_default=True,
              help="Output format when not sending.")
@click.option("--out", type=click.Path(dir_okay=True), default=None,
              help="Write here instead of stdout: a file, or a directory (one that exists, a name ending in /, "
                   "or whenever there are several subscriptions; files NAME-WEEK.EXT, another user's OWNER@NAME-...).")
@click.option("--send", is_flag=True, help="Email each digest to its addresses not served yet and write feeds.")
@click.option("--feeds-only", is_flag=True,
              help="Issue the week to the Atom feeds and mail nobody (a laptop without a mail server; a later --send "
                   "mails the same papers).")
@click.pass_context
def digest_cmd(ctx, week, names, fmt, out, send, feeds_only) -> None:
    """Build the weekly digests; print/write them, or --send them (a rerun sends nothing twice).

    Without --subscription it builds yours and the lab-wide ones (an admin: every user's). --send, the
    operator's weekly run over every user's subscriptions, is admin only.

    \b
    Examples:
      trendscope digest --week 2026-W21 --subscription peft
      trendscope digest --week 2026-W21 --format html --out digests/
      trendscope digest --send
      trendscope digest --feeds-only                  # the feeds alone, no mail
    """
    from trendscope.digest import api
    from trendscope.foundation.clock import last_complete_week, parse_week, utc_now, week_bounds

    if send and feeds_only:
        raise click.UsageError("--send mails and writes feeds, --feeds-only writes feeds alone: give one")
    db, home = open_db(ctx), data_home(ctx)
    week = parse_week(week) if week else last_complete_week()
    today = utc_now().date()
    start, end = week_bounds(week)
    if start > today:
        raise TrendscopeError(f"week {week} has not begun (today is {today.isoformat()}; the last complete week is "
                              f"{last_complete_week()})")  # one line, exit 1, as a week not over (not a usage block)
    if end >= today and not (send or feeds_only):  # (run_weekly refuses to issue such a week)
        click.echo(f"note: week {week} is not over yet: its digest holds the papers published so far", err=True)
    if not (send or feeds_only):  # a bad [app] url is one error for the run, not one per subscription (--send: below)
        api.app_url(home)
    actor = acting_user(ctx)
    if send or feeds_only:
        _send_or_write_feeds(ctx, db, home, actor, week, send, names)
        return
    if names:
        subs = [api.get_subscription(db, n, user=actor) for n in names]
    else:
        subs = api.all_subscriptions(db) if actor.admin else api.list_subscriptions(db, user=actor)
    if not subs:
        raise TrendscopeError("no subscriptions yet: add one with `trendscope subscriptions add NAME --trend T`")
    if fmt != "md" and out is None and len(subs) > 1:  # 8 XML documents one after another read as one (a walkthrough)
        raise click.UsageError(f"--format {fmt} for {len(subs)} subscriptions needs --out DIR (one file each), or "
                               "--subscription NAME for one")
    ext = {"md": "md", "html": "html", "atom": "xml"}[fmt]
    target, into_dir = _output_target(out, len(subs))
    names = _file_names(subs, actor.name, f"-{week}.{ext}")
    broken = 0
    said_empty = False
    for sub, name in zip(subs, names):
        try:
            digest = api.build(db, home, sub, week)
            data = api.render(digest, fmt)
        except TrendscopeError as exc:  # name the subscription, and still build the others
            click.echo(f"error: subscription {quoted(sub.command_name)}: {exc}", err=True)
            broken += 1
            continue
        if not said_empty:
            said_empty = True
            _note_week_coverage(db, week, digest.total_week_papers)
        if target is None:
            click.echo(data.decode("utf-8"))
            continue
        path = target / name if into_dir else target
        atomic_write(path, data)
        click.echo(f"Wrote {path}")
    if broken:
        ctx.exit(1)


def _send_or_write_feeds(ctx, db, home, actor, week: str, send: bool, names: tuple[str, ...]) -> None:
    """The operator's weekly run (admin only): mail every subscription and write the feeds, or the feeds alone."""
    from trendscope.digest import api
    from trendscope.digest.weekly import run_weekly
    from trendscope.ui.config_check import refuse_bad_settings

    actor.require_admin("sending the weekly digests (--send)" if send else "issuing the weekly feeds (--feeds-only)")
    for warning in api.config_warnings(home, mailing=send):  # first: reading the settings would log them again
        click.echo(f"warning: {warning}", err=True)
    refuse_bad_settings(home, "sending the digests" if send else "writing the feeds")
    # --feeds-only: following a topic promised "its Atom feed each week", and only --send wrote feeds, mailing (and
    # failing, without a mail server) every address on the way (a blind walkthrough on a laptop)
    result = run_weekly(db, home, week=week, send=send, subscriptions=list(names) or None, progress=True)
    click.echo(result.summary())
    for err in result.errors:
        click.echo(f"error: {err}", err=True)
    if result.failed or result.broken:
        ctx.exit(1)


def _output_target(out: str | None, n_digests: int) -> tuple[Path | None, bool]:
    """(where --out writes, whether that is a directory): a directory when it is one, when the name ends with a
    slash, or when there are several digests; checked and made before any digest is built."""
    target = Path(out) if out else None
    into_dir = target is not None and (target.is_dir() or out.endswith(("/", os.sep)) or n_digests > 1)
    if target is not None and into_dir:
        if target.exists() and not target.is_dir():
            raise TrendscopeError(f"--out {out} must be a directory here, and it is a file")
        if not target.exists() and target.suffix.lower() in (".md", ".html", ".xml") and n_digests > 1:
            raise TrendscopeError(f"--out {out} names a file, but {n_digests} subscriptions need a directory "
                                  "(e.g. --out digests/)")
        if not target.parent.is_dir():  # `--out /nonexistent/x.md` made /nonexistent at the root (a walkthrough)
            raise TrendscopeError(f"--out {out}: there is no folder {target.parent} (create it first)")
        target.mkdir(exist_ok=True)
    elif target is not None:
        output_file(out, "--out")
    return target, into_dir


def _note_week_coverage(db, week: str, week_papers: int) -> None:
    """Say once when the week holds no stored paper ("0 papers this week (0.0% of 0)" read as quiet), naming the
    newest paper's week when it is before the one asked for (a blind walkthrough: the default week of a snapshot's
    home was empty, and the app opened on another); or when the newest paper falls inside the week, before its end
    (the app says "incomplete")."""
    from trendscope.foundation.clock import week_bounds
    from trendscope.ingest.paper_reads import PaperReads

    newest = PaperReads(db).published_range()[1]
    if week_papers == 0:
        latest = _week_of(newest) if newest else None
        if latest and latest > week:  # papers after it: a gap, which fetching new papers does not fill (a review)
            click.echo(f"note: the database holds no paper published in week {week}, though papers up to "
                       f"{newest[:10]} are stored: a gap in the stored papers (`trendscope ingest --since` or a "
                       "snapshot can fill it)", err=True)
            return
        pick = (f"`--week {latest}` (the newest paper's week)" if latest and latest < week
                else "`--week` picks another week")
        click.echo(f"note: the database holds no paper published in week {week} (the newest is from "
                   f"{(newest or 'no date')[:10]}): `trendscope ingest` fetches new papers, {pick}", err=True)
        return
    newest = (newest or "")[:10]
    if newest and week_bounds(week)[0].isoformat() <= newest < week_bounds(week)[1].isoformat():
        click.echo(f"note: week {week} may be incomplete: the newest stored paper is from {newest}, before the "
                   "week's end", err=True)


def _file_names(subs, me: str, suffix: str) -> list[str]:
    """One file name per digest, never two alike: the subscription's name as a slug, another owner's prefixed
    with the owner's name as it is and "@" ("bo@mine-2026-W21.md"; user names hold no "@": with "-", al's
    "x-notes" and al-x's "notes" both read "al-x-notes", al's taking it: a blind walkthrough), a slug two names
    share numbered ("my-sub-2-2026-W21.md")."""
    stems = [_stem(s) if s.owner in (me, LAB) else f"{s.owner}@{_stem(s)}" for s in subs]
    used: set[str] = set()
    out = []
    for stem in stems:
        name, n = stem, 1
        while name in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        out.append(name + suffix)
    return out


MAX_STEM_BYTES = 120  # of a name kept in its own letters; file names hold 255 bytes, the rest is prefix and suffixes


def _stem(sub) -> str:
    """The subscription's name as a file name: its ASCII slug; a name with no ASCII letter or digit keeps its own
    letters ("日本語"), and one with none at all its id ("subscription-7"): both were "subscription", then
    "subscription-2", telling nobody which file was which (a blind walkthrough)."""
    from trendscope.digest.weekly import feed_slug
    from trendscope.foundation.text import letters_slug

    stem = feed_slug(sub.name)
    if any(c.isascii() and c.isalnum() for c in sub.name):
        return stem
    # cut by bytes, not letters: 60 letters of 4 bytes with the week, the extension and a temporary file's suffix
    # passed the 255-byte limit of a file name, and the run stopped with a traceback (a hostile-input check)
    own = letters_slug(sub.name, MAX_STEM_BYTES)
    return own or (f"subscription-{sub.id}" if sub.id is not None else stem)


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(digest_cmd)


def _week_of(published: str) -> str | None:
    """The ISO week ("2026-W26") of a stored date, None for a date that does not read as one."""
    from datetime import date

    from trendscope.foundation.clock import week_of

    try:
        return week_of(date.fromisoformat(published[:10]))
    except ValueError:
        return None
