"""The statistics a topic's rise is judged by: the burst (G2) and its uncertainty, and the two baselines that
keep a change of the corpus's sources from reading as a rise inside a trend (the rest of the corpus; the trend's
own papers in now's mix of categories). emerging_topics.py says how they are used."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable


def rest_growth(ra: int, rb: int, rest_now: int, rest_before: int, pseudo: float = 2.0) -> float:
    """How much a name's share grew in the rest of the corpus: (ra/rest_now) / (rb/rest_before), with `pseudo`
    papers added to the two counts in proportion to the spans' sizes, so that no evidence (ra = rb = 0) means no
    growth (1.0) whatever the spans' sizes."""
    if rest_now <= 0 or rest_before <= 0:
        return 1.0
    f_now = rest_now / (rest_now + rest_before)
    return ((ra + pseudo * f_now) / rest_now) / ((rb + pseudo * (1 - f_now)) / rest_before)


def growth_interval(growth: float, a: int, n_now: int, b: int, n_before: int,
                    z: float = 1.645) -> tuple[float, float]:
    """A 90% interval (z = 1.645) of `growth` = (a / n_now) / ((b + 0.5) / (n_before + 1)), from the normal
    approximation of its logarithm (the delta method for a ratio of two binomial shares)."""
    if not (a and n_now and n_before):
        return (0.0, 0.0)
    se = math.sqrt(max(1 / a - 1 / n_now + 1 / (b + 0.5) - 1 / (n_before + 1), 0.0))
    return (round(growth * math.exp(-z * se), 2), round(growth * math.exp(z * se), 2))


def interval_text(detail: dict) -> str:
    """"90% interval 1.3-3.1x" for a listed topic's JSON details ("" when it has none), as the CLI and app show it;
    an interval whose shown lower end is 1.0x or below says so: the rise may be chance (51 papers can be too few
    when the trend is large)."""
    low, high = detail.get("growth_interval") or (0.0, 0.0)
    if not high:
        return ""
    return f"90% interval {low:.1f}-{high:.1f}x" + (": may be chance" if may_be_chance(detail) else "")


def may_be_chance(detail: dict) -> bool:
    """Whether a listed topic's 90% interval, as shown to one decimal, reaches 1.0x ("1.0-121.7x" went unflagged
    beside a flagged "1.0-17.4x": 1.04 against 0.96)."""
    low, high = detail.get("growth_interval") or (0.0, 0.0)
    return bool(high) and round(low, 1) <= 1.0


def same_categories_text(detail: dict) -> str:
    """"1.9x within the same arXiv categories" for a listed topic's JSON details whose growth is much smaller
    (under three quarters) once the year before is read in now's mix of categories ("" otherwise): part of its
    rise is the trend holding more papers of the categories that write it."""
    same = detail.get("growth_same_categories")
    if same is None or same >= 0.75 * detail["growth"]:
        return ""
    return f"{same:.1f}x within the same arXiv categories"


def the_rests_rise(a: int, growth: float, ra: int, rb: int, rest_now: int, rest_before: int,
                    min_rest_share: float) -> bool:
    """The source-mix test: a name that the rest of the corpus writes in at least `min_rest_share` of its papers
    now, and whose share grew there at least as much as inside the trend (`growth`), rises with the corpus (a change
    in its sources, or a topic of the whole field), not with the trend."""
    return ra >= min_rest_share * (a + ra) and growth <= rest_growth(ra, rb, rest_now, rest_before)


def g2(a: int, n1: int, b: float, n2: float) -> float:
    """Log-likelihood ratio of a/n1 vs b/n2 (signed: positive when the first share is larger)."""
    def ll(k, n, p):
        p = min(max(p, 1e-12), 1 - 1e-12)
        return k * math.log(p) + (n - k) * math.log(1 - p)
    p = (a + b) / (n1 + n2)
    g = 2 * (ll(a, n1, a / n1) + ll(b, n2, b / n2) - ll(a, n1, p) - ll(b, n2, p)) if n1 and n2 else 0.0
    return g if a / max(n1, 1) >= b / max(n2, 1) else -g


def mix_standardiser(per_category: dict[str, dict[str, Counter]], n_by_category: dict[str, Counter],
                      now: list[str], prev: list[str], prior: float) -> Callable[[str, float], float]:
    """A function (key, its share before) -> the papers expected to use the key now if, in each primary category,
    the trend's papers now used it as the trend's papers of that category did before: direct standardisation by
    category, so that a change in the corpus's sources (cs.CV 4% -> 61% of the papers of a month) does not make the
    words of the category that grew "rise". Each category's share before is shrunk towards the trend's (`prior`
    papers' worth), so a category with a few papers before does not decide on its own."""
    n_now: Counter = Counter()
    for q in now:
        n_now.update(n_by_category.get(q, {}))
    n_before: Counter = Counter()
    for q in prev:
        n_before.update(n_by_category.get(q, {}))
    before_n = sum(n_before.values())
    weight = {cat: n / (n_before.get(cat, 0) + prior) for cat, n in n_now.items()}
    before = {cat: [per_category[q][cat] for q in prev if cat in per_category.get(q, {})] for cat in weight}
    total_weight = sum(weight.values())
    # the half paper by which the trend's share before is smoothed, spread over the categories by their size
    smoothing = 0.5 * sum(w * n_before.get(cat, 0) for cat, w in weight.items()) / max(before_n, 1)

    def expected(key: str, share_before: float) -> float:
        seen = sum(w * sum(counts.get(key, 0) for counts in before[cat]) for cat, w in weight.items())
        return seen + smoothing + prior * share_before * total_weight
    return expected


def is_new(detail: dict) -> bool:
    """Whether no paper of the trend used the topic in the window before: its "share the year before" is then the
    smoothing's half a paper, and "4.8x" a figure of that floor, not a measurement (a blind walkthrough quoted it)."""
    return detail.get("papers_before") == 0


def growth_words(detail: dict) -> str:
    """"4.8x its share the year before", or, for a topic new in the trend, "new: none of the trend's 34 papers
    the year before"."""
    if is_new(detail):
        n = detail.get("trend_papers_before") or 0
        return f"new: none of the trend's {n:,} paper{'s' if n != 1 else ''} the year before"
    return f"{detail['growth']:.1f}x its share the year before"


def rising_names(counts_now: Counter, counts_before: Counter, now_n: int, before_n: int, expected,
                 rest_counts: Callable[[str, int, int], tuple[int, int]], rest_now: int, rest_before: int,
                 weeks_of: Callable[[str], int], *, min_papers: int, min_growth: float, min_g2: float,
                 min_rest_share: float) -> list[tuple]:
    """The span's rising names, strongest burst first: (G2, name, papers now, share before, share now, growth,
    growth within now's category mix or None). A name must be held by `min_papers`, grow `min_growth`-fold (in the
    trend and within the same categories), burst (G2), not merely ride a rise of the whole corpus (`the_rests_rise`),
    and appear in at least two weeks."""
    scored = []
    for k, a in counts_now.items():
        if a < min_papers:
            continue
        b = counts_before.get(k, 0)
        share, share_before = a / now_n, (b + 0.5) / (before_n + 1)
        growth = share / share_before
        if growth < min_growth:
            continue
        same_categories = None
        if expected is not None:  # the rise must hold in the mix of now's categories too
            standardised = expected(k, share_before) / now_n
            same_categories = share / standardised
            b_same = b * standardised / share_before  # the papers before, as if in now's categories
            if same_categories < min_growth or g2(a, now_n, b_same, before_n) < min_g2:
                continue
        ra, rb = rest_counts(k, a, b)
        if the_rests_rise(a, growth, ra, rb, rest_now, rest_before, min_rest_share):
            continue
        if weeks_of(k) < 2:
            continue
        burst = g2(a, now_n, b, before_n)
        if burst >= min_g2:
            scored.append((burst, k, a, share_before, share, growth, same_categories))
    scored.sort(key=lambda x: (-x[0], x[1]))
    return scored
