"""The `trends` command: papers per trend and period (table, JSON, chart), and the rising topics of each."""
from __future__ import annotations

import json
from pathlib import Path

import click

from trendscope.foundation.errors import TrendscopeError
from trendscope.foundation.wording import count

from .options import category_hint, json_option, output_file
from .topics_output import mix_notes, period_name, print_topics


@click.command("trends")
@click.option("--freq", type=click.Choice(["week", "month", "quarter"]), default="month", show_default=True,
              help="Period length (a quarter is compared with the 4 before it, a week or month with the 8 before; "
                   "periods without any stored paper, gaps in the data, are skipped).")
@click.option("--topics", is_flag=True,
              help="Rising topics per trend and period: named phrases whose share of the trend's papers bursts "
                   "(at most 10, the strongest burst first: by its evidence, so a 2.6x rise of many papers may come "
                   "before a 9x rise of a few), with their first and most typical papers.")
@click.option("--recompute", is_flag=True,
              help="With --topics: compute the listing afresh even when the one kept for this data is current.")
@click.option("--since", default=None, metavar="DATE",
              help="Show the periods from the one holding DATE on (YYYY-MM-DD, YYYY-MM, YYYY-Q1, YYYY or a span "
                   "back such as 2y); each is still compared with the periods before it.")
@click.option("--until", default=None, metavar="DATE",
              help="Show the periods up to the one holding DATE (same forms as --since): what the trends and "
                   "rising topics were then. With --last, the periods before it.")
@json_option("Print the whole trend x period table as JSON lines: one record per trend and period (as --topics "
             "--json and search --json print theirs).")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print the same table as --json as CSV (one row per trend and period), for a spreadsheet or a "
                   "plot of your own.")
@click.option("--png", "png", type=click.Path(dir_okay=False), default=None,
              help="Draw share over time to this PNG (weekly shares pooled over 4 weeks, as the app draws them).")
@click.option("--last", type=click.IntRange(min=1), default=None,
              help="Periods to show per trend in the text (the newest ones); default: every period from --since "
                   "on, or the newest one without --since.")
@click.option("--include-thin", is_flag=True,
              help="Also show (text table, topics, chart) a trailing period still filling up: one that ends after "
                   "the newest stored paper, or holds under a quarter of the usual paper volume.")
@click.option("--trend", "-t", "only", multiple=True, metavar="T",
              help="Only this trend (repeatable), in the table, JSON, chart and topics; shares stay shares of "
                   "all papers.")
@click.option("--category", "-c", "categories", multiple=True, metavar="CAT",
              help="Only papers in arXiv category CAT (repeatable: any of; cross-lists count), in the table, JSON "
                   "and chart: counts and shares are of those papers (what rises in speech: -c eess.AS -c cs.SD).")
@click.pass_obj
def trends_cmd(obj, freq: str, topics: bool, recompute: bool, since: str | None, until: str | None, as_json: bool,
               as_csv: bool, png: str | None, last: int | None, include_thin: bool, only: tuple[str, ...],
               categories: tuple[str, ...]) -> None:
    """Trends over time: tagged papers per period, share, growth and emerging score; --topics names what rises.

    \b
    Examples:
      trendscope trends --freq week --since 2026-01-01 --last 4
      trendscope trends --png trends.png
      trendscope trends --topics --freq quarter --since 2024-01-01
      trendscope trends --topics --since 2023-07 --until 2023-12
      trendscope trends --topics --freq month --json > topics.jsonl
      trendscope trends -t efficiency -t privacy --last 6
      trendscope trends --freq quarter --since 2020 --csv > trends.csv
      trendscope trends -c cs.CL --freq quarter --since 2023
    """
    from trendscope.foundation.clock import parse_day
    from trendscope.index.trends_over_time import newest_published, period_start, trend_table

    since = (day := parse_day(since, "--since")) and day.isoformat()
    until = (day := parse_day(until, "--until", end=True)) and day.isoformat()
    if since and until and until < since:
        raise click.UsageError(f"--until {until} is before --since {since}")
    db = _open_home(obj)
    only = _known_trends(obj, only)
    newest = newest_published(db)
    # "--since 2024-01" showed the newest period alone: --last defaulted to 1 (a blind walkthrough)
    last = last or (None if since else 1)
    if as_csv and (as_json or topics):
        raise click.UsageError("--csv prints the trend table; it goes with neither --json nor --topics (whose records "
                               "hold lists: --topics --json)")
    if png is not None and (topics or not png.strip()):  # it was ignored without a word (a blind walkthrough)
        raise click.UsageError("--png draws the trend table's shares: it goes without --topics, and needs a file "
                               "name ending in .png")
    if topics:
        if categories:  # a topic listing is computed per trend over every paper, not per category
            raise click.UsageError("--category applies to the trend table, JSON and chart, not to --topics (rising "
                                   "topics are named within each trend over all its papers)")
        print_topics(db, freq, since, as_json, last, recompute, set(only), newest, include_thin, until)
        return
    categories = _stored_categories(db, categories)
    if recompute:
        raise click.UsageError("--recompute applies to --topics (the trend counts are always computed afresh)")
    df = trend_table(db, freq=freq, since=since, with_terms=as_json,  # the JSON's `terms`; the table has none
                     categories=categories)
    if only:  # shares stay shares of all the period's papers
        df = df[df["trend"].isin(only)]
    if until:  # growth and emerging scores are still those computed against the periods before
        df = df[df["period"] <= period_start(until, freq)]
    shifts = _draw_png(obj, db, df, png, freq, since, newest, include_thin, categories) if png else None
    if as_json or as_csv:
        if df.empty:  # printed nothing at all, where the text said why (a numbers audit)
            click.echo(f"note: {_nothing_between(since, until, newest)}", err=True)
        _print_records(db, df, freq, since, newest, categories, as_csv, as_json)
    elif df.empty:
        click.echo(_nothing_between(since, until, newest))
    else:
        _print_table(db, df, freq, since, until, newest, last, include_thin, categories, shifts)


def _open_home(obj):
    from trendscope.ingest.store import open_database

    if not obj.home.db_path.exists():
        raise TrendscopeError(
            f"no database at {obj.home.db_path}; run `trendscope ingest` and `trendscope index` first"
        )
    return open_database(obj.home.db_path)


def _known_trends(obj, only: tuple[str, ...]) -> tuple[str, ...]:
    """`--trend` names as the taxonomy spells them; a taxonomy that cannot be read is a warning unless names are
    asked for (`index` refuses to tag with it; this ran silently: a blind walkthrough)."""
    from trendscope.index.taxonomy import load_taxonomy

    try:
        taxonomy_names = load_taxonomy(obj.home.taxonomy_path).names
    except TrendscopeError as exc:
        if only:
            raise
        click.echo(f"warning: {exc} (`trendscope index` refuses to tag until it is mended: these are the trends as "
                   "last tagged)", err=True)
        taxonomy_names = None
    if not only:
        return only
    from trendscope.foundation.wording import known_names

    return tuple(known_names(only, taxonomy_names))


def _draw_png(obj, db, df, png: str, freq: str, since: str | None, newest: str | None, include_thin: bool,
              categories: list[str]) -> list:
    """Draw the shares to `png`; returns the category-mix shifts it computed (the text's notes reuse them)."""
    from trendscope.index.period_coverage import category_mix_shifts, drop_thin_tail, thin_periods_of
    from trendscope.index.taxonomy import load_taxonomy
    from trendscope.index.trend_chart import plot_trends
    from trendscope.index.trends_over_time import drop_incomplete_tail

    output_file(png, "--png")
    if Path(png).suffix.lower() != ".png":  # `--png x.txt` ended in matplotlib's traceback (a walkthrough)
        raise click.BadParameter(f"{png} does not end in .png (the chart is written as PNG)", param_hint="'--png'")
    # pooled as the app's Trends page pools: weekly lines over 4 weeks, months and quarters as they are (the PNG's
    # months pooled over 3 disagreed with the table and the app beside it: a blind walkthrough)
    smooth = 4 if freq == "week" else 1
    drawn = df if include_thin else drop_incomplete_tail(drop_thin_tail(df), freq, newest)
    taxonomy = load_taxonomy(obj.home.taxonomy_path)
    labels = {t.name: t.label for t in taxonomy.trends}
    shifts = category_mix_shifts(db, categories=categories)
    path = plot_trends(drawn, png, title=f"Trend share per {freq}" + (f" since {since}" if since else ""),
                       smooth=smooth, labels=labels, order=taxonomy.names, freq=freq,
                       thin=thin_periods_of(db, drawn, freq, categories=categories) if freq != "week" else (),
                       shifts=[m.month for m in shifts])
    click.echo(f"chart -> {path}", err=True)
    return shifts


def _print_records(db, df, freq: str, since: str | None, newest: str | None, categories: list[str], as_csv: bool,
                   with_terms: bool) -> None:
    """The whole table as JSON lines (like every listing the CLI prints as JSON: `--topics --json`, `search --json`)
    or CSV. A period still filling up (which the text leaves out) says so: its "growth" of -1.0 read as a collapse
    to a script that took the newest period (a blind walkthrough); each period is also named as the text names it
    ("2015-Q1" beside the JSON's "2015-01-01": a walkthrough)."""
    from trendscope.index.period_coverage import drop_thin_tail, thin_periods_of
    from trendscope.index.trends_over_time import drop_incomplete_tail, is_complete, period_start

    # a month the corpus holds few papers of (2025-02: 49 between months of thousands) read as a trend's jump
    thin = thin_periods_of(db, df, freq, categories=categories)
    filling = set(df["period"]) - set(drop_incomplete_tail(drop_thin_tail(df), freq, newest)["period"])
    records = [{**record, "label": period_name(record["period"], freq), "few_papers": record["period"] in thin,
                # a lone period kept by the table (`--since` its first day) is still filling up all the same
                "complete": record["period"] not in filling and is_complete(record["period"], freq, newest),
                "no_papers": False}
               for record in df.to_dict(orient="records")]
    records = with_empty_periods(records, freq, period_start(since, freq) if since else None, with_terms)
    if as_csv:
        _print_csv(records)
        return
    for record in records:
        click.echo(json.dumps(record, ensure_ascii=False))


def _print_table(db, df, freq: str, since: str | None, until: str | None, newest: str | None, last: int | None,
                 include_thin: bool, categories: list[str], shifts: list | None) -> None:
    """The text table: the newest `last` periods per trend, with notes on thin, filling and empty periods."""
    from trendscope.index.period_coverage import drop_thin_tail, thin_periods_of
    from trendscope.index.trends_over_time import drop_incomplete_tail, is_complete, period_start

    thin = thin_periods_of(db, df, freq, categories=categories)
    if not include_thin:
        shown = drop_incomplete_tail(drop_thin_tail(df), freq, newest)
        if shown["period"].max() < df["period"].max():
            click.echo(f"note: left out {period_name(df['period'].max(), freq)}, still filling up (the newest paper "
                       f"is from {(newest or '?')[:10]}; --include-thin shows it)", err=True)
        elif not shown.empty and not is_complete(shown["period"].max(), freq, newest):  # the one period shown
            click.echo(f"note: {period_name(shown['period'].max(), freq)} is still filling up (the newest paper is "
                       f"from {(newest or '?')[:10]}): its counts are partial", err=True)
        df = shown
    # the single "newly characteristic" words (the JSON's `terms`) are mostly not topics ("com", "retains"): the
    # table leaves them out and points at the named rising topics
    if categories:
        click.echo(f"papers in {' or '.join(categories)} only: counts, totals and shares are of those", err=True)
    click.echo(f"{'trend':18s} {'period':10s} {'count':>6s} {'total':>6s} {'share':>7s} {'growth':>7s} {'emerg':>6s}")
    shown_from, shown = None, set()
    for trend, g in df.groupby("trend", sort=True):
        for r in g.sort_values("period").tail(last or len(g)).itertuples():
            shown_from = r.period if shown_from is None else min(shown_from, r.period)
            shown.add(r.period)
            click.echo(f"{trend:18s} {period_name(r.period, freq):10s} {r.count:6d} {r.total:6d} {r.share:7.2%} "
                       f"{r.growth:+7.2f} {r.emerging_score:+6.1f}" + (" *" if r.period in thin else ""))
    # the months the table shows (a month left out as still filling up was named here too: a blind walkthrough)
    few = [f"{period_name(p, freq)} ({count(n, 'paper')})" for p, n in sorted(thin.items()) if p in shown]
    if few:
        click.echo("note: * few papers: " + ", ".join(few) + (" holds" if len(few) == 1 else " hold")
                   + " under a quarter of the papers of the periods "
                   "around them; their shares, growth and emerging scores swing with a handful of papers", err=True)
    # gaps among the periods the table holds at all (with --last, trends' shown rows need not meet)
    held = sorted(p for p in set(df["period"]) if shown and min(shown) <= p <= max(shown))
    if since and shown and last is None:  # (with --last the rows start where it says)
        # and from --since on: "--since 2025-01" began at 2025-03 without a word (a blind docs audit)
        held = sorted({period_start(since, freq), *held})
    empty = [p for p in periods_without_papers(held, freq) if p not in set(df["period"])]
    if held and held[0] not in set(df["period"]):  # the --since period itself held no paper
        empty = [held[0], *empty]
    if empty:  # the rows jumped from 2024-12 to 2025-03 without a word (a blind walkthrough)
        click.echo(f"note: no stored paper was published in {', '.join(period_name(p, freq) for p in empty)}: "
                   "those rows are left out", err=True)
    mix_notes(db, shown_from, until=until, categories=categories, shifts=shifts)
    click.echo("what is rising inside each trend, by name: trendscope trends --topics", err=True)


def _stored_categories(db, categories: tuple[str, ...]) -> list[str]:
    """The categories as stored papers spell them (ignoring case); one that no paper has is an error, not an empty
    table."""
    from trendscope.index.trend_store import TrendStore

    store, out = TrendStore(db), []
    for c in categories:
        spelled = store.category_spelling(c.strip())
        if spelled is None:
            raise click.BadParameter(f"no stored paper is in category {c!r}{category_hint(db, c)}",
                                     param_hint="'--category'")
        out.append(spelled)
    return out


def periods_without_papers(shown: list[str], freq: str) -> list[str]:
    """The periods (ISO starts) between the first and the last of `shown` that are not among them."""
    from trendscope.index.trends_over_time import periods_between

    have = set(shown)
    return [p for p in periods_between(shown[0], shown[-1], freq) if p not in have] if len(shown) > 1 else []


def with_empty_periods(records: list[dict], freq: str, since: str | None, with_terms: bool) -> list[dict]:
    """The records plus one per trend for each period without any stored paper between the first shown (or the
    --since period) and the last: count and total 0, no share, growth or score. A script plotting the JSON drew a
    straight line across the months the text said were empty (a blind walkthrough)."""
    from trendscope.index.trends_over_time import periods_between

    if not records:
        return records
    held = {r["period"] for r in records}
    first = min([*held, since] if since else held)
    missing = [p for p in periods_between(first, max(held), freq) if p not in held]
    if not missing:
        return records
    trends = sorted({r["trend"] for r in records})
    empty = [{"trend": t, "period": p, "count": 0, "total": 0, "share": None, "growth": None, "emerging_score": None,
              **({"terms": []} if with_terms else {}), "label": period_name(p, freq), "few_papers": True,
              "complete": True, "no_papers": True} for t in trends for p in missing]
    return sorted(records + empty, key=lambda r: (r["trend"], r["period"]))


CSV_COLUMNS = ("trend", "period", "label", "count", "total", "share", "growth", "emerging_score", "few_papers",
               "complete", "no_papers")


def _print_csv(records: list[dict]) -> None:
    """The trend table as CSV: the JSON's fields but the newly characteristic words (a list, and not topics)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    click.echo(out.getvalue(), nl=False)


def _nothing_between(since: str | None, until: str | None, newest: str | None = None) -> str:
    if since or until:  # and where the papers end: `--since 3m` of a stale home said no more (a blind walkthrough)
        after = f" (the newest stored paper is from {newest[:10]})" if newest and since and newest[:10] < since else ""
        return ("no tagged papers published" + (f" since {since}" if since else "")
                + (f" up to {until}" if until else "") + after)
    return "no tagged papers yet: run `trendscope index` first"


def register(group: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    group.add_command(trends_cmd)
