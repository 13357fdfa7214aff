"""The text and JSON of `trendscope trends --topics`, and the notes both trend listings add: the months whose
papers' categories are mixed unlike the year before (`trends`, `trends --topics`)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import click

from trendscope.foundation.clock import quarter_name, span_months
from trendscope.foundation.wording import count

SECONDS_PER_100K = {"week": 40, "month": 20, "quarter": 20}  # computing topics, measured (docs/performance.md)


def mix_notes(db, since: str | None, topics: bool = False, until: str | None = None,
              categories: Sequence[str] = (), shifts: list | None = None) -> None:
    """Say (stderr) which months shown hold papers of a very different mix of categories than the year before: a
    source change of the corpus lifts some trends' shares (cs.CV went from 4% to 61% of the papers in 2025-03, and
    "Vision Transformers" read as rising in efficiency: a blind walkthrough). Every such month from `since` on is
    named: "(and 3 earlier)" hid 2025-03 itself from a reader of 2024-2025 (another walkthrough)."""
    from trendscope.index.period_coverage import category_mix_shifts

    if shifts is None:
        shifts = category_mix_shifts(db, since=since, categories=categories)
    else:  # computed over every month already (`trends --png`, for its chart): from `since` on, as above
        shifts = [s for s in shifts if not since or s.month >= since[:7]]
    shifts = [s for s in shifts if not until or s.month <= until[:7]]
    if not shifts:
        return
    who = f"the papers in {' or '.join(categories)} hold" if categories else "the corpus holds"
    click.echo(f"note: in these months {who} a very different mix of categories than the year before; "
               "trend shares move with it" + (" (a topic is listed only when it rises within the same categories "
                                              "too)" if topics else "") + ":", err=True)
    for shift in shifts:
        click.echo(f"  {shift.text()}", err=True)


def period_name(period: str, freq: str) -> str:
    """A period as the text names it: "2026-W23" for a week, "2026-06" for a month, "2025-Q1" for a quarter
    ("the quarters from 2024-10 through 2025-01" read as ending in January, a blind walkthrough)."""
    if freq == "quarter":
        return quarter_name(period)
    if freq == "week":  # the ISO week, as digests name theirs (`digest --week 2026-W23`): a script joined the two
        from datetime import date  # by nothing (a blind walkthrough); the record's `period` keeps the Monday

        year, week, _ = date.fromisoformat(period[:10]).isocalendar()
        return f"{year}-W{week:02d}"
    return period[:7]  # "2025-07..2026-06-01" read as ending on 1 June


def print_topics(db, freq: str, since: str | None, as_json: bool, last: int | None, recompute: bool,
                  only: set[str], newest: str | None, include_thin: bool, until: str | None = None) -> None:
    """`trendscope trends --topics`: the rising topics of each trend (`only`: of these) per period, as JSON lines or
    as text (the `last` periods of each trend), with the notes the listing needs on stderr."""
    from trendscope.index.trends_over_time import period_start

    # from the period holding `since` on, as the trend table reads it (a mid-month date dropped that month)
    since = period_start(since, freq) if since else None
    res = _listing(db, freq, since, recompute)
    records, thin = _marked_records(db, res.records, freq, only, newest, until)
    if as_json:  # every period; `complete` false for one still filling up (it ends after the newest paper)
        _print_json(records, listed_any=bool(res.records))
        return
    if not include_thin:
        records = _without_filling_up(records, freq, newest)
    if not records:
        click.echo(_no_records_text(since, until, newest))
        return
    _print_text(db, records, thin, _TextView(freq, last), since, until)


def _listing(db, freq: str, since: str | None, recompute: bool):
    """The kept (or freshly computed) listing from `since` on, said on stderr: how many papers, kept or computed."""
    from trendscope.index.topic_listings import listed_topics

    said: list[int] = []

    def computing(done: int, total: int) -> None:  # called only when the kept listing is not current
        if not said:  # 41 s without a word on the full corpus (a blind walkthrough)
            said.append(total)
            # measured on the full corpus: about 20 s per 100,000 papers by month or quarter, 40 s by week (a
            # walkthrough's weekly run took 62 s where "a quarter of a minute per 100,000 papers" promised 25)
            seconds = max(5, 5 * round(total / 100_000 * SECONDS_PER_100K.get(freq, 20) / 5))
            click.echo(f"computing rising topics for every trend and {freq} over {total:,} papers (about {seconds} s "
                       "on 2 cores; kept until the papers or tags change)...", err=True)

    res = listed_topics(db, freq=freq, since=since, recompute=recompute, progress=computing)
    how = (f"kept since {res.kept_since} (computed in {res.seconds:.1f}s; --recompute computes it again)"
           if res.kept_since else f"computed in {res.seconds:.1f}s")
    click.echo(f"topics for {res.papers} papers, {how}", err=True)
    return res


def _marked_records(db, listed: list[dict], freq: str, only: set[str], newest: str | None,
                    until: str | None) -> tuple[list[dict], dict[str, int]]:
    """The records of the trends in `only` (all when empty) up to the period holding `until`, each marked
    `complete` and `few_papers`; and the thin periods among them (period -> papers)."""
    import pandas as pd

    from trendscope.index.period_coverage import thin_periods_of
    from trendscope.index.trends_over_time import is_complete, period_start

    last_period = period_start(until, freq) if until else None
    records = [{**r, "complete": is_complete(r["period"], freq, newest)} for r in listed
               if (not only or r["trend"] in only) and (last_period is None or r["period"] <= last_period)]
    # a period the corpus holds few papers of, marked as the trend table marks it (its topics rest on a handful)
    thin = thin_periods_of(db, pd.DataFrame({"period": sorted({r["period"] for r in records})}), freq)
    return [{**r, "few_papers": r["period"] in thin} for r in records], thin


def _print_json(records: list[dict], listed_any: bool) -> None:
    """One JSON line per record; a note on stderr when there is none (`listed_any`: the listing held records)."""
    if not records:  # no line at all said nothing about why (a home whose `index` was stopped before tagging)
        click.echo("note: no records: " + ("no tagged papers yet (run `trendscope index`)" if not listed_any
                                           else "no tagged papers in the periods asked for"), err=True)
    for r in records:
        click.echo(json.dumps(r, ensure_ascii=False))


def _without_filling_up(records: list[dict], freq: str, newest: str | None) -> list[dict]:
    """The complete periods' records, saying which were left out as still filling up (when others are complete)."""
    if any(not r["complete"] for r in records) and any(r["complete"] for r in records):
        left = sorted({r["period"] for r in records if not r["complete"]})
        click.echo(f"note: left out {', '.join(period_name(p, freq) for p in left)}, still filling up (the newest "
                   f"paper is from {(newest or '?')[:10]}; --include-thin shows it)", err=True)
        records = [r for r in records if r["complete"]]
    return records


def _no_records_text(since: str | None, until: str | None, newest: str | None) -> str:
    """What the text says when no record is left to show."""
    after = f" (the newest stored paper is from {newest[:10]})" if newest and since and newest[:10] < since else ""
    return ("no tagged papers published" + (f" since {since}" if since else "")
            + (f" up to {until}" if until else "") + after if since or until
            else "no tagged papers yet: run `trendscope index` first")


@dataclass(frozen=True)
class _TextView:
    """How the text shows a listing: by `freq`, the `last` periods of each trend (None: every period)."""

    freq: str
    last: int | None

    def newest(self, recs: list) -> list:
        """The `last` of one trend's records (or periods), oldest first: those the text shows."""
        return recs[-(self.last or len(recs)):]


def _print_text(db, records: list[dict], thin: dict[str, int], view: _TextView, since: str | None,
                until: str | None) -> None:
    """Each trend's shown periods with their topics, then the trends without a paper in them, the few-papers note
    and the category-mix note."""
    by_trend: dict[str, list[dict]] = {}
    empty: dict[str, list[str]] = {}  # trend -> periods it has no paper in (skipped, and named: a docs audit)
    for r in records:
        if r["papers"]:  # a period the trend has no paper in yet (the newest month, filling up) lists nothing
            by_trend.setdefault(r["trend"], []).append(r)
        else:
            empty.setdefault(r["trend"], []).append(r["period"])
    latest = max(r["period"] for r in records)
    labels = _first_paper_labels(db, [t for recs in by_trend.values() for r in view.newest(recs)
                                      for t in r["details"]])
    for trend, recs in sorted(by_trend.items()):
        _print_trend(trend, recs, empty.get(trend, []), latest, labels, view)
    for trend in sorted(set(empty) - set(by_trend)):  # a trend asked for was left out without a word (a walkthrough)
        periods = view.newest(empty[trend])
        click.echo(f"{trend}: no {trend} paper in {', '.join(period_name(p, view.freq) for p in periods)} (nothing "
                   "listed; --json gives the topics of the span before)")
    shown = [r["period"] for recs in by_trend.values() for r in view.newest(recs)]
    if few := [f"{period_name(p, view.freq)} ({count(n, 'paper')})" for p, n in sorted(thin.items())
               if p in set(shown)]:
        click.echo("note: * few papers: " + ", ".join(few) + (" holds" if len(few) == 1 else " hold")
                   + " under a quarter of the papers of the periods "
                   "around them; their topics rest on few papers", err=True)
    mix_notes(db, min(shown) if shown else since, topics=True, until=until)


def _print_trend(trend: str, recs: list[dict], empty: list[str], latest: str, labels: dict[str, str],
                 view: _TextView) -> None:
    """One trend's shown periods, then the periods among them it has no paper in (`empty`) and, when it has none
    after its last one shown, up to the `latest` period, a word on that."""
    freq = view.freq
    for r in view.newest(recs):
        _print_record(trend, r, labels, freq)
    shown_from = view.newest(recs)[0]["period"]
    skipped = [p for p in empty if shown_from < p < recs[-1]["period"]]
    if skipped:
        click.echo(f"  (no {trend} paper in {', '.join(period_name(p, freq) for p in skipped)}: left out)")
    if recs[-1]["period"] < latest:  # it showed an older month without a word (a blind walkthrough)
        click.echo(f"  (no {trend} paper in the {freq}s after {period_name(recs[-1]['period'], freq)}, up to "
                   f"{period_name(latest, freq)})")


def _print_record(trend: str, r: dict, labels: dict[str, str], freq: str) -> None:
    """A trend's period: its papers and span, then each rising topic (or that nothing rises)."""
    span = ("" if r["since"] == r["period"] else f"; topics judged over the {freq}s from "
            f"{period_name(r['since'], freq)} through {period_name(r['period'], freq)}")
    # named as the trend table names it ("efficiency 2026-06-01" beside the table's "2026-06": a walkthrough)
    shown = period_name(r["period"], freq) + (f" ({r['period']})" if freq == "quarter" else "")
    click.echo(f"{trend} {shown} ({count(r['papers'], 'paper')}{span})" + (" *" if r["few_papers"] else ""))
    within = _span_text(r["since"], r["period"], freq)  # "46 papers" read as the month's (a walkthrough)
    for t in r["details"]:
        _print_topic(t, within, labels)
    if not r["details"]:
        click.echo("  (nothing rising)")


def _print_topic(t: dict, within: str, labels: dict[str, str]) -> None:
    """A rising topic: its name, papers (`within`: over what span), growth, then its first and typical papers
    (`labels`: arXiv id -> how the text names the paper)."""
    from trendscope.index.rise_statistics import growth_words, interval_text, same_categories_text

    notes = "; ".join(n for n in (interval_text(t), same_categories_text(t)) if n)
    also = f" (also written: {'; '.join(t['also'])})" if t.get("also") else ""
    click.echo(f"  {t['name']}{also}: {count(t['papers'], 'paper')}{within}, {growth_words(t)}"
               f"{f' ({notes})' if notes else ''}")
    # the first of this corpus's papers, not the topic's first anywhere (a blind walkthrough); the first
    # to use it at all before those naming it in a title (a paper of 2026-05 was "first here" beside a
    # curve from 2025-09: a walkthrough following rising topics)
    if mention := t.get("first_mention"):
        click.echo(f"    first mention here: {labels.get(mention, mention)}")
    first = "first titles naming it" if mention else "first here"
    for label, key in ((first, "first_papers"), ("typical now", "central_papers")):
        # the typical papers of its rise were in --json only, though --help promised them (a walkthrough)
        if papers := t.get(key):
            click.echo(f"    {label}: {labels.get(papers[0], papers[0])}"
                       + (f"; then {', '.join(papers[1:])}" if papers[1:] else ""))


def _first_paper_labels(db, details: list[dict], width: int = 70) -> dict[str, str]:
    """arXiv id -> 'ID "Title" (YYYY-MM)' for the oldest first paper and the most typical paper of each topic
    shown: bare ids said nothing about how a topic began (a blind walkthrough)."""
    from trendscope.ingest.paper_reads import PaperReads
    from trendscope.ui.cli.lists import short

    ids = {t[key][0] for t in details for key in ("first_papers", "central_papers") if t.get(key)} | {
        t["first_mention"] for t in details if t.get("first_mention")}
    rows = PaperReads(db).rows_by_ids(ids) if ids else {}
    return {aid: f'{aid} "{short(row.title, width)}" ({(row.published or "?")[:7]})' for aid, row in rows.items()}


def _span_text(since: str, period: str, freq: str) -> str:
    """" in 12 months" / " in 4 quarters" / " in 6 weeks" when topics were judged over more than the period
    ("4 papers," by quarter said nothing of its span: a blind walkthrough)."""
    from datetime import date

    if freq == "week":
        n = (date.fromisoformat(period[:10]) - date.fromisoformat(since[:10])).days // 7 + 1
    else:
        n = span_months(since, period)
        n = (n + 2) // 3 if freq == "quarter" else n
    return f" in {n} {freq}s" if n > 1 else ""
