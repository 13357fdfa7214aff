"""Charts of trends over time drawn to PNG (`trendscope trends --png`), and the one colour and line style each trend
keeps in every chart, the app's included."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from trendscope.foundation.clock import quarter_name

from .period_coverage import pooled, with_empty_periods
from .trends_over_time import period_end

# Okabe-Ito's colour-blind-safe colours; a ninth trend and later ones repeat them dashed (a user's ninth trend was
# drawn in the first one's blue, and the CLI's chart and the app's gave one trend two colours: a blind walkthrough).
# Its yellow (#F0E442) darkened to the same hue: on white it was hard to read (a blind walkthrough).
TREND_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#B8A800", "#999999")


def trend_styles(names: list[str]) -> dict[str, tuple[str, bool]]:
    """trend -> (colour, dashed) by its place in `names` (the taxonomy's order), the same in every chart."""
    n = len(TREND_COLOURS)
    return {name: (TREND_COLOURS[i % n], i >= n) for i, name in enumerate(names)}


def _quarter_ticks(ax, periods: int) -> None:
    """x ticks on quarter starts, at most about 12, labelled "2023-Q1"."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    step = max(1, -(-periods // 12))  # quarters a tick
    if step <= 2:
        ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10) if step == 1 else (1, 7)))
    else:
        ax.xaxis.set_major_locator(mdates.YearLocator(base=-(-step // 4)))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda v, _pos: quarter_name(mdates.num2date(v).date())))


def plot_trends(df: pd.DataFrame, path: str | Path, title: str | None = None, smooth: int | None = None,
                labels: dict[str, str] | None = None, order: list[str] | None = None, freq: str | None = None,
                thin: Iterable[str] = (), shifts: Iterable[str] = ()) -> Path:
    """Draw share over time per trend (one line each) to a PNG, each line named by its label in `labels` (the
    taxonomy's, as the app names trends) or its id and styled by its place in `order` (the taxonomy's, as the
    app colours them); returns the path. With `freq`, periods without papers are gaps in the lines (they were
    joined by straight lines across years: a blind walkthrough); periods in `thin` (few papers) are drawn as
    hollow points, as the app marks them; months in `shifts` (YYYY-MM: the papers' mix of categories changed, as
    the table's note says) as dotted lines (a slide showed multimodal jump from 6% to 28% in the month the corpus's
    sources changed, without a mark: a blind walkthrough)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    fig, ax = plt.subplots(figsize=(12, 6), dpi=110)
    if df.empty:
        ax.text(0.5, 0.5, "no tagged papers yet", ha="center", va="center", transform=ax.transAxes)
    drawn = set(df["trend"])
    names = list(order or [])
    names += sorted(drawn - set(names))
    styles = trend_styles(names)
    thin = set(thin)
    table = with_empty_periods(df, freq) if freq else df
    for trend in [t for t in names if t in drawn]:
        g = table[table["trend"] == trend].sort_values("period")
        x = pd.to_datetime(g["period"])
        y = (pooled(g, smooth, center=True) if smooth and smooth > 1 else g)["share"] * 100
        colour, dashed = styles[trend]
        ax.plot(x, y, label=(labels or {}).get(trend, trend), linewidth=1.8, color=colour,
                linestyle="--" if dashed else "-")
        alone = (y.notna() & y.shift(1).isna() & y.shift(-1).isna()).to_numpy()  # a line cannot draw it alone
        if alone.any():
            ax.plot(x[alone], y[alone], linestyle="none", marker="o", markersize=3, color=colour)
        few = g["period"].isin(thin).to_numpy()
        if few.any():
            ax.plot(x[few], y[few], linestyle="none", marker="o", markersize=6, markerfacecolor="white",
                    markeredgecolor=colour)
    notes = []
    if thin & set(df["period"]):
        notes.append("hollow points: periods holding under a quarter of the papers of the periods around them (a few "
                     "papers move their share a lot)")
    if not df.empty:
        first, last = pd.to_datetime(df["period"]).min(), pd.to_datetime(df["period"]).max()
        if freq:  # up to the end of the last period (a quarter's second month is on the chart too: a review)
            last = pd.Timestamp(period_end(str(df["period"].max())[:10], freq))
        marked = [m[:7] for m in sorted(set(shifts)) if first <= pd.Timestamp(f"{m[:7]}-01") <= last]
        for m in marked:
            ax.axvline(pd.Timestamp(f"{m}-01"), color="#888888", linestyle=":", linewidth=1.2)
        if marked:
            notes.append(f"dotted lines ({', '.join(marked)}): the papers' mix of categories changed from the year "
                         "before (a change of the corpus's sources moves trend shares)")
    for i, text in enumerate(notes):
        fig.text(0.01, 0.01 + 0.025 * (len(notes) - 1 - i), text, fontsize=8, color="#555555")
    ax.set_xlabel("period start (publication date)")
    ax.set_ylabel("share of papers in period (%)")
    ax.set_title(
        (title or "Trend share over time") + (f" (pooled over {smooth} periods)" if smooth and smooth > 1 else "")
    )
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)  # from 12%, small changes looked steep (a blind walkthrough)
    if not df.empty:  # beside the plot: inside it, it hid lines (a blind walkthrough)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, title="trend", frameon=False)
    if freq == "quarter" and not df.empty:  # ticks on quarter starts, named as the table names them ("2023-05"
        _quarter_ticks(ax, len(set(df["period"])))  # ticks between quarters: a blind walkthrough)
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.03 + 0.025 * (len(notes) - 1), 1, 1) if notes else None)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
