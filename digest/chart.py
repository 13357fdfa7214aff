"""The digest's small chart: each line's share of the week's papers over the last 9 ISO weeks, as PNG bytes
(matplotlib Agg). Shares, not counts, as the growth beside it is judged: the corpus's weekly volume moves (the
shared corpus: 0 to 14 papers a week drawn as a surge beside "within the usual week-to-week variation", a blind
walkthrough)."""
from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .model import TrendLine

_COLORS = ("#1f6feb", "#d1242f", "#1a7f37", "#8250df", "#bf8700", "#0a7ea4", "#cf222e", "#57606a")


def _short(label: str, limit: int) -> str:
    """A legend label of at most `limit` characters, cut at a word with "…" ("Self-supervised and weakly supervised
    le" was cut mid-word: a blind walkthrough)."""
    if len(label) <= limit:
        return label
    cut = label[:limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-")
    return (cut or label[:limit - 1]) + "…"


@lru_cache(maxsize=1)
def _font_characters() -> frozenset[int]:
    """The code points the chart's font draws."""
    from matplotlib.font_manager import FontProperties, findfont, get_font

    return frozenset(get_font(findfont(FontProperties())).get_charmap())


def drawable(text: str, fallback: str) -> str:
    """`text` when the chart's font draws every character of it, else `fallback`: a subscription named in Chinese
    drew empty boxes and printed six "Glyph ... missing from font(s)" warnings into the cron log (a blind
    walkthrough)."""
    chars = _font_characters()
    return text if all(ord(c) in chars or c.isspace() for c in text) else fallback


def render_chart(lines: Sequence[TrendLine], title: str = "Share of each week's papers", dpi: int = 100) -> bytes:
    """A 6x2.4 inch line chart of each line's weekly share in percent (its counts for a line without shares); this
    week's point is drawn larger. A title or label the font cannot draw is replaced by a plain one."""
    title = drawable(title, "Share of each week's papers")
    fig = Figure(figsize=(6, 2.4), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    labels: list[str] = []
    for i, line in enumerate(lines):
        weeks, values, _ = line.chart_points()
        labels = [w[-3:] for w in weeks]
        color = _COLORS[i % len(_COLORS)]
        ax.plot(range(len(values)), values, marker="o", markersize=3, linewidth=1.6, color=color,
                label=drawable(_short(line.label, 40), f"line {i + 1}"))
        if values:
            ax.plot([len(values) - 1], [values[-1]], marker="o", markersize=7, color=color)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    if any(line.weekly_shares for line in lines):
        ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:g}%")
    ax.set_ylim(bottom=0)
    ax.set_title(title[:80], fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(lines) > 1:
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    fig.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.12)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
