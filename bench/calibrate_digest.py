"""Fit the digest's P(on-trend) model (`digest/calibration.json`) on hand judgements, and cross-validate it.

Usage:
  .venv/bin/python bench/calibrate_digest.py --home /tmp/dp20 --judgements docs/digest_precision.md \
      [--weeks 2026-W10 ...] [--target 0.94] [--cv [TARGET ...]] [--write]

For each week and trend it lists every candidate of a one-trend digest with no cut at all
(`digest.content.rank_week` with a zero target), keeps the ones with a recorded judgement (`| trend | id |
on/off | why |` rows; later rows override earlier ones) and prints, per trend, how many judged papers are
on/off at or above each strength, with and without core evidence. It then fits

    P(on | trend, strength, core) = sigmoid(bias[trend] + w_strength * min(strength, 30) / 10 + w_core * core)

(`digest.confidence.fit_calibration`) on all of them. `--cv` checks the digest rule -- show the largest set of
the most likely papers (at most 10) whose mean P reaches the target -- leaving one week out at a time: each
week's lists are cut by a fit on the other weeks, and a list passes the bar when at least 90% of its papers
are on-trend (9 of 10, or all when it is shorter), or with at most one miss ("1-off"). Only judged papers are
known, so the lists are made of judged candidates. `--write` stores the fit (with `--target`) as the packaged
calibration. Fit on tuning weeks and judge fresh weeks afterwards (docs/digest_precision.md).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest_precision import TRENDS, read_judgements  # noqa: E402

import trendscope.digest.content as content  # noqa: E402
from trendscope.digest.confidence import PACKAGED, Calibration, confident_count, fit_calibration  # noqa: E402
from trendscope.digest.model import Subscription  # noqa: E402
from trendscope.digest.subscription_store import SubscriptionStore  # noqa: E402
from trendscope.digest.week_context import WeekContext  # noqa: E402
from trendscope.foundation.home import Home  # noqa: E402
from trendscope.ingest.store import open_database  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WEEKS = [f"2026-W{w:02d}" for w in (10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26)]
GRID = [2, 3, 4, 5, 6, 7, 8, 10, 12, 15]
NO_CUT = Calibration(w_strength=0.0, w_core=0.0, bias={}, target=0.0)


def judged_candidates(db, home: Home, weeks: list[str], trends: list[str], judged: dict) -> list[tuple]:
    """(trend, week, id, strength, core, on) for every judged candidate of one-trend digests, uncut."""
    out = []
    for week in weeks:
        ctx = WeekContext(SubscriptionStore(db), week, taxonomy_path=home.taxonomy_path, calibration=NO_CUT)
        for trend in trends:
            papers, _n, _late = content.rank_week(Subscription(name=trend, trends=[trend], size=10**6), ctx, None)
            for p in papers:
                mark = judged.get((trend, p.id))
                if mark:
                    out.append((trend, week, p.id, p.relevance * content.STRENGTH_SCALE, p.core, mark[0] == "on"))
    return out


def fit(rows: list[tuple], trends: list[str], target: float, meta: dict | None = None) -> Calibration:
    return fit_calibration([(r[0], r[3], r[4], r[5]) for r in rows], trends, target, meta=meta)


def shown(rows: list[tuple], cal: Calibration, size: int = 10) -> list[tuple]:
    """The judged candidates of one (week, trend) list that the digest rule shows."""
    ranked = sorted(rows, key=lambda r: -cal.probability(r[0], r[3], r[4]))
    return ranked[:confident_count([cal.probability(r[0], r[3], r[4]) for r in ranked], size, cal.target)]


def cross_validate(rows: list[tuple], trends: list[str], weeks: list[str], targets: list[float]) -> None:
    print("\nleave-one-week-out (each week's lists cut by a fit on the other weeks; 'on' = on-trend papers shown):")
    for target in targets:
        on = n = lists = strict = one_off = 0
        fails = []
        for week in weeks:
            cal = fit([r for r in rows if r[1] != week], trends, target)
            for trend in trends:
                top = shown([r for r in rows if r[1] == week and r[0] == trend], cal)
                if not top:
                    continue
                k, o = len(top), sum(r[5] for r in top)
                on, n, lists = on + o, n + k, lists + 1
                strict += o >= 0.9 * k
                one_off += k - o <= 1
                if o < 0.9 * k:
                    fails.append(f"{trend} {week} {o}/{k}")
        print(
            f"  target {target:.2f}: precision {on}/{n} = {on / max(n, 1):.3f}; {lists} lists, {strict} reach the bar "
            f"({strict / max(lists, 1):.0%}), {one_off} with at most one miss ({one_off / max(lists, 1):.0%})"
        )
        print(f"      below the bar: {'; '.join(fails) or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default="/tmp/dp20")
    ap.add_argument("--weeks", nargs="+", default=WEEKS)
    ap.add_argument("--trends", nargs="+", default=TRENDS)
    ap.add_argument("--judgements", type=Path, default=REPO / "docs" / "digest_precision.md")
    ap.add_argument("--target", type=float, default=0.94, help="the expected precision a digest list must reach")
    ap.add_argument("--cv", nargs="*", type=float, default=None, metavar="TARGET",
                    help="cross-validate these targets, leaving one week out at a time")
    ap.add_argument("--write", action="store_true", help=f"store the fit as digest/{PACKAGED}")
    args = ap.parse_args()
    home = Home(Path(args.home))
    db = open_database(home.db_path)
    rows = judged_candidates(db, home, args.weeks, args.trends, read_judgements(args.judgements))
    print(f"{len(rows)} judged candidates over {', '.join(args.weeks)}; cells: on/off at strength >= T")
    print(f"{'trend':18s} {'':5s} " + " ".join(f"{'T' + str(t):>7s}" for t in GRID))
    for trend in args.trends:
        for core in (True, False):
            part = [r for r in rows if r[0] == trend and r[4] == core]
            if part:
                cells = [f"{sum(r[5] for r in part if r[3] >= t):>3d}/{sum(not r[5] for r in part if r[3] >= t):<3d}"
                         for t in GRID]
                print(f"{trend:18s} {'core' if core else 'other':5s} " + " ".join(cells))
    meta = {"judged_candidates": len(rows), "weeks": args.weeks, "fitted": date.today().isoformat(),
            "by": "bench/calibrate_digest.py", "judgements": "docs/digest_precision.md"}
    cal = fit(rows, args.trends, args.target, meta)
    print(
        f"\nfit: P(on) = sigmoid(bias[trend] + {cal.w_strength:.3f} * min(strength, 30) / 10 + {cal.w_core:.3f} * core)"
    )
    for trend in args.trends:
        print(f"  {trend:18s} bias {cal.bias[trend]:+.3f}   P(on) at strength 3 / 8 / 15 (core): "
              + " / ".join(f"{cal.probability(trend, s, True):.2f}" for s in (3, 8, 15)))
    if args.cv is not None:
        cross_validate(rows, args.trends, args.weeks, args.cv or [0.9, 0.92, 0.94, 0.95, 0.96])
    if args.write:
        out = REPO / "digest" / PACKAGED
        out.write_text(cal.to_json(), encoding="utf-8")
        print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
