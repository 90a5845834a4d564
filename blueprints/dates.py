"""Dates councilkit counts trials by: one strict format, one stated time zone, one pin for tests.

- Format: exactly YYYY-MM-DD. Python 3.11's `date.fromisoformat` also takes `20261101` and
  `2026-W44-1` (ISO 8601 basic and week forms), which nobody writing an expiry means; a reap must
  never act on a date it read differently from the person who wrote it.
- Time zone: Europe/London. A trial made by a UK council expires at the end of its UK day, whatever
  machine runs `reap` (a runner at UTC+14 would otherwise reap a London trial up to 14 hours early).
  zoneinfo reads the system's tz database, or the pinned `tzdata` package where there is none.
- Pin: COUNCILKIT_TODAY fixes "today" for reproducible offline output (plans, golden files). It
  must never steer a real destroy, so `reap` refuses to run for real while it is set
  (`real_today`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Callable
from zoneinfo import ZoneInfo

from .errors import UserError

TIME_ZONE = ZoneInfo("Europe/London")
PIN = "COUNCILKIT_TODAY"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

NOW: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731
"""The clock (timezone-aware); tests replace it."""


def strict_date(text: object) -> dt.date | None:
    """The date `text` names if it is exactly YYYY-MM-DD and a real day, else None."""
    if not isinstance(text, str) or not ISO_DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def london_today() -> dt.date:
    """Today's date in the UK, from the clock alone (never the pin)."""
    return NOW().astimezone(TIME_ZONE).date()


def pinned_today() -> dt.date | None:
    """The date COUNCILKIT_TODAY pins, None when unset; a malformed pin is refused."""
    raw = os.environ.get(PIN)
    if not raw:
        return None
    when = strict_date(raw)
    if when is None:
        raise UserError(f"{PIN}: expected a date YYYY-MM-DD, got {raw!r}")
    return when


def today() -> dt.date:
    """The date trials count from in offline work: the pin if set, else today in the UK."""
    return pinned_today() or london_today()


def real_today(action: str) -> dt.date:
    """Today in the UK for work that changes real resources; refused while the pin is set."""
    if pinned_today() is not None:
        raise UserError(
            f"{action}: {PIN} is set ({os.environ[PIN]!r}); it pins the date for offline output only "
            f"and must not decide what is destroyed: unset it (a real {action} counts from today in London)"
        )
    return london_today()
