"""Time in one place: UTC timestamps, ISO weeks (`YYYY-Www`) and the dates users type, pure functions with the
clock injected."""
from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from .errors import TrendscopeError

Clock = Callable[[], datetime]

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_SPAN_RE = re.compile(r"(\d{1,5})\s*([dwmy])")
_QUARTER_RE = re.compile(r"(\d{4})-?q([1-4])")
_SPAN_DAYS = {"d": 1, "w": 7}


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_now_iso(now: datetime | None = None) -> str:
    """`2026-12-01T23:42:55Z`: the one timestamp format stored in the database."""
    return (now or utc_now()).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_week(text: str) -> str:
    """Normalise an ISO week (`2026-W07`, `2026W7`, `2026-w07`) to `YYYY-Www`; refuse anything else."""
    m = _WEEK_RE.match((text or "").strip())
    if not m:
        raise TrendscopeError(f"not an ISO week: {text!r} (expected YYYY-Www, e.g. 2026-W07)")
    year, num = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, num, 1)
    except ValueError:
        raise TrendscopeError(f"not an ISO week: {text!r} ({year} has no week {num})") from None
    return f"{year}-W{num:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """(Monday, Sunday) of an ISO week."""
    week = parse_week(week)
    year, num = int(week[:4]), int(week[6:])
    monday = date.fromisocalendar(year, num, 1)
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    """The ISO week (`YYYY-Www`) a day falls in."""
    year, num, _ = day.isocalendar()
    return f"{year}-W{num:02d}"


def week_days_of(day: str | date) -> tuple[str, str]:
    """(Monday, Sunday) ISO dates of the week containing `day` (a date or an ISO date/timestamp string)."""
    d = date.fromisoformat(day[:10]) if isinstance(day, str) else day
    monday, sunday = week_bounds(week_of(d))
    return monday.isoformat(), sunday.isoformat()


def shift_week(week: str, weeks: int) -> str:
    monday, _ = week_bounds(week)
    return week_of(monday + timedelta(weeks=weeks))


def last_complete_week(now: datetime | None = None) -> str:
    """The ISO week that ended most recently before `now` (UTC)."""
    now = now or utc_now()
    return week_of(now.date() - timedelta(days=7))


def parse_day(text: str | None, what: str, end: bool = False, today: date | None = None) -> date | None:
    """The day a user means by `text`, for every `--since`/`--until` of the CLI and the app: `YYYY-MM-DD`,
    `YYYY-MM`, `YYYY-Qn` or `YYYY` (the period's first day, or its last when `end`), or a span back from `today`
    (default: today in UTC): `30d`, `8w`, `6m`, `1y`, months and years by the calendar (6m from 2026-12-06 is
    2026-06-06, from 2026-08-31 it is 2026-02-28; "6m" was 180 days: a blind docs audit). None for empty text;
    anything else is refused with one line naming `what` (e.g. "--since")."""
    if text is None or not str(text).strip():
        return None
    s = str(text).strip().lower()
    span, m = _SPAN_RE.fullmatch(s), _DATE_RE.fullmatch(s)
    quarter = _QUARTER_RE.fullmatch(s)
    if quarter:  # "2025-Q1", as the trend table names quarters ("not a date: '2025-Q1'": a blind walkthrough)
        year, q = int(quarter.group(1)), int(quarter.group(2))
        first = date(year, 3 * q - 2, 1)
        return date(year, 3 * q, calendar.monthrange(year, 3 * q)[1]) if end else first
    try:
        if span:
            n, unit, base = int(span.group(1)), span.group(2), today or utc_now().date()
            if unit in _SPAN_DAYS:
                return base - timedelta(days=n * _SPAN_DAYS[unit])
            back = n * (12 if unit == "y" else 1)
            y, m0 = divmod(base.year * 12 + base.month - 1 - back, 12)
            return date(y, m0 + 1, min(base.day, calendar.monthrange(y, m0 + 1)[1]))
        if not m:
            raise ValueError
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if day is not None:
            return date(year, int(month), int(day))
        if month is not None:
            month = int(month)
            if not 1 <= month <= 12:
                raise ValueError
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, 12, 31) if end else date(year, 1, 1)
    except (ValueError, OverflowError):  # OverflowError: a span reaching before year 1
        raise TrendscopeError(f"{what}: not a date: {str(text).strip()!r} (use YYYY-MM-DD, YYYY-MM, YYYY-Q1, YYYY or a "
                              f"span back from today such as 30d, 8w, 6m, 1y)") from None


def quarter_name(day: str | date) -> str:
    """"2026-Q2" for any day of April-June 2026: how the CLI, the app and the charts name a quarter (each wrote its
    own formula)."""
    d = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def span_months(since: str, month: str) -> int:
    """Months from `since` to `month` (ISO dates or YYYY-MM), both counted: 1 when a rising topic was judged over
    the month itself, more when a thin trend's topics were judged over a longer span (its papers counted there)."""
    return max((int(month[:4]) - int(since[:4])) * 12 + int(month[5:7]) - int(since[5:7]) + 1, 1)
