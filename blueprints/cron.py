"""A blueprint's schedule: standard 5-field cron (UTC), read with croniter and kept to what every
cloud councilkit hosts on runs the same way.

croniter (https://github.com/kiorky/croniter) does the reading: `croniter.expand` turns each field
into its explicit values (weekday 7 becomes 0, Sunday). On top of it this module refuses what is
not portable: Azure Container Apps jobs take "the standard cron expression format with five
fields" in UTC (https://learn.microsoft.com/azure/container-apps/jobs#scheduled-jobs), and
EventBridge Scheduler needs `?` in one of day-of-month/day-of-week
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html), whereas
standard cron runs a schedule that restricts both on EITHER day. So: exactly 5 fields, no
nicknames (`@daily`, `@reboot`), no Quartz extensions (`L`, `W`, `#`, `?`), no croniter
extensions (`H`, `R`, ranges that wrap or have equal ends, which croniter reads as a whole cycle),
and at most one restricted day field.

Costs and timeouts need how often a schedule runs. They are exact averages over the 400-year
Gregorian cycle (146,097 days, exactly 20,871 weeks, after which dates and weekdays repeat), so a
weekday-only job counts 5/7 of the days and a job on the 31st 7/12 of the months, whichever month
one happened to look at.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))  # croniter's ranges; weekday 0 = Sunday
DAY_OF_MONTH, DAY_OF_WEEK = 2, 4
CYCLE_START = dt.date(2000, 1, 1)
CYCLE_DAYS = 146_097  # 400 Gregorian years
_VALUE = r"(?:\d+|[A-Za-z]{3})"
_ITEM = re.compile(rf"^(?P<base>\*|(?P<low>{_VALUE})(?:-(?P<high>{_VALUE}))?)(?:/(?P<step>\d+))?$")
_NOT_PORTABLE = {
    "L": "'L' (last day) is a Quartz/EventBridge extension, not standard cron",
    "W": "'W' (nearest weekday) is a Quartz/EventBridge extension, not standard cron",
    "#": "'#' (nth weekday of the month) is a Quartz/EventBridge extension, not standard cron",
    "?": "'?' is EventBridge/Quartz syntax; standard cron writes '*'",
    "H": "'H' (hashed value) is a croniter extension, not standard cron",
    "R": "'R' (random value) is a croniter extension, not standard cron",
}


class CronError(ValueError):
    """A schedule councilkit cannot host portably; the message is one line saying why."""


@dataclass(frozen=True)
class Cron:
    """A readable, portable schedule: the text as written and each field's explicit values."""

    text: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]  # 0 = Sunday ... 6 = Saturday
    by_weekday: bool  # day-of-week is the restricted day field (day-of-month is '*')

    @property
    def runs_per_day(self) -> Fraction:
        """Mean runs a day over the Gregorian cycle (exact)."""
        days, _ = _calendar_days(self.days, self.months, self.weekdays)
        return Fraction(len(self.minutes) * len(self.hours) * days, CYCLE_DAYS)

    @property
    def shortest_gap(self) -> dt.timedelta:
        """The shortest time between two consecutive runs, anywhere in the calendar."""
        times = sorted(h * 60 + m for h in self.hours for m in self.minutes)
        _, day_gap = _calendar_days(self.days, self.months, self.weekdays)
        across_days = day_gap * 1440 - (times[-1] - times[0])
        within_day = min((b - a for a, b in zip(times, times[1:])), default=across_days)
        return dt.timedelta(minutes=min(within_day, across_days))


def read(text: str) -> Cron:
    """Read a blueprint schedule; raises CronError for anything croniter refuses or is not portable."""
    from croniter import CroniterError, croniter

    text = text.strip()
    fields = text.split()
    if text.startswith("@"):
        why = ("runs at machine start, which hosted schedulers have no notion of" if text == "@reboot"
               else "is a cron nickname; write its 5 fields, e.g. '0 0 * * *' for @daily")
        raise CronError(f"{text!r} {why}")
    if len(fields) != 5:
        raise CronError(f"{text!r} has {len(fields)} fields; a schedule is 5-field cron "
                        "(minute hour day-of-month month day-of-week, UTC), with no seconds or year field")
    for index, field in enumerate(fields):
        for item in field.split(","):
            _check_item(text, index, item)
    try:
        expanded, _ = croniter.expand(text, strict=True)
    except CroniterError as exc:
        reason = str(exc).strip().splitlines()[-1]
        for quoted in (f"[{text}]", f"[{text.lower()}]", text):
            reason = reason.replace(quoted, "")
        reason = reason.strip(" ,.").removeprefix("is not acceptable").strip(" ,.") or "it refuses it"
        raise CronError(f"{text!r} is not a valid cron expression (croniter: {reason})") from None
    if fields[DAY_OF_MONTH] != "*" and fields[DAY_OF_WEEK] != "*":
        raise CronError(
            f"{text!r} restricts both day-of-month and day-of-week ({fields[DAY_OF_MONTH]} and "
            f"{fields[DAY_OF_WEEK]}): standard cron runs on either, EventBridge Scheduler needs one of "
            "them to be '?'; restrict one and leave the other '*'"
        )
    values = [tuple(range(lo, hi + 1)) if v == ["*"] else tuple(sorted(v))
              for v, (lo, hi) in zip(expanded, BOUNDS)]
    return Cron(text, *values, by_weekday=fields[DAY_OF_WEEK] != "*")


def _check_item(text: str, index: int, item: str) -> None:
    """Refuse one comma item that croniter would read differently from standard cron, or at all."""
    match = _ITEM.match(item)
    if not match:
        special = next((c for c in _NOT_PORTABLE if c in item.upper()), None)
        why = _NOT_PORTABLE[special] if special else f"cannot read {item!r}"
        raise CronError(f"{text!r}: {FIELDS[index]} {item!r}: {why}")
    low, high, step = match["low"], match["high"], match["step"]
    if index == DAY_OF_WEEK and low == "7" and step and not high:
        raise CronError(f"{text!r}: day-of-week {item!r} starts from Sunday written as 7; write 0/{step}")
    if high is None:
        return
    start, end = _value(text, index, low), _value(text, index, high)
    if start == end:
        raise CronError(f"{text!r}: {FIELDS[index]} range {item!r} has equal ends; write {low}")
    if start > end:
        raise CronError(f"{text!r}: {FIELDS[index]} range {item!r} runs backwards; "
                        "standard cron ranges go low-high (write two ranges)")


def _value(text: str, index: int, token: str) -> int:
    """One range end as a number: digits as written (weekday 7 stays 7), names through croniter."""
    from croniter import CroniterError, croniter

    if token.isdigit():
        return int(token)
    probe = ["*"] * 5
    probe[index] = token
    try:
        return croniter.expand(" ".join(probe))[0][index][0]
    except CroniterError:
        raise CronError(f"{text!r}: {FIELDS[index]} {token!r} is not a name croniter knows") from None


@lru_cache(maxsize=1)
def _calendar() -> tuple[bytes, bytes, bytes]:
    """Month, day of month and cron weekday (0 = Sunday) of each day of the 400-year cycle."""
    first = CYCLE_START.toordinal()
    dates = [dt.date.fromordinal(first + i) for i in range(CYCLE_DAYS)]
    return (bytes(d.month for d in dates), bytes(d.day for d in dates),
            bytes(d.isoweekday() % 7 for d in dates))


@lru_cache(maxsize=256)
def _calendar_days(days: tuple[int, ...], months: tuple[int, ...], weekdays: tuple[int, ...]) -> tuple[int, int]:
    """How many days of the cycle a schedule runs on, and the fewest days between two of them."""
    if len(days) == 31 and len(months) == 12 and len(weekdays) == 7:
        return CYCLE_DAYS, 1
    day_set, month_set, weekday_set = set(days), set(months), set(weekdays)
    month_of, day_of, weekday_of = _calendar()
    hits = [i for i in range(CYCLE_DAYS)
            if day_of[i] in day_set and month_of[i] in month_set and weekday_of[i] in weekday_set]
    if not hits:  # croniter's strict check refuses such dates (30 February) before this
        return 0, CYCLE_DAYS
    # The cycle repeats, so the gap from the last run day wraps round to the first.
    gaps = (b - a for a, b in zip(hits, hits[1:] + [hits[0] + CYCLE_DAYS]))
    return len(hits), min(gaps)
