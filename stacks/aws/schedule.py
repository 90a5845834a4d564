"""Blueprint schedules (5-field cron, UTC) in the 6-field form EventBridge Scheduler expects.

EventBridge Scheduler's cron (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based)
has six fields (minutes hours day-of-month month day-of-week year), needs `?` in one of
day-of-month/day-of-week, and numbers weekdays 1-7 with 1 = Sunday (or SUN-SAT), where standard
cron numbers them 0-7 with both 0 and 7 = Sunday. Weekday values and range ends are renumbered;
steps are counts of days, the same in both, and are kept.
"""

from __future__ import annotations

UNRESTRICTED = ("*", "?")


def aws_cron(expr: str) -> str:
    """'*/5 * * * *' → 'cron(0/5 * * * ? *)'. AWS wants '?' in one of day-of-month/day-of-week,
    counts weekdays 1-7 from Sunday (cron counts 0-7, 0 and 7 both Sunday) and writes '*/n' as '0/n'.

    Raises ValueError for a schedule that EventBridge cannot express: one restricting both
    day-of-month and day-of-week (cron runs on either day; AWS needs one of them to be `?`).
    """
    minute, hour, dom, month, dow = expr.split()
    minute, hour = (f.replace("*/", "0/", 1) if f.startswith("*/") else f for f in (minute, hour))
    if dom not in UNRESTRICTED and dow not in UNRESTRICTED:
        raise ValueError(
            f"schedule {expr!r} restricts both day-of-month ({dom}) and day-of-week ({dow}): "
            "EventBridge Scheduler needs one of them to be '*' and cannot run on either; "
            "use one of the two (or two cron containers)"
        )
    if dow in UNRESTRICTED:
        dow = "?"
    else:
        dom = "?"
        dow = ",".join(_aws_weekday(item, expr) for item in dow.split(","))
    return f"cron({minute} {hour} {dom} {month} {dow} *)"


def _aws_weekday(item: str, expr: str) -> str:
    """One item of a cron day-of-week list (n, a-b, */s, a/s, a-b/s, or names) in AWS numbering."""
    base, slash, step_text = item.partition("/")
    if slash and not (step_text.isdigit() and int(step_text) >= 1):
        raise ValueError(f"schedule {expr!r}: day-of-week step {step_text!r} is not a whole number of days >= 1")
    step = int(step_text) if slash else 1
    suffix = f"/{step}" if slash else ""
    if base in UNRESTRICTED:
        # Every day from Sunday: cron 0, s, 2s... is AWS 1, 1+s, 1+2s...
        return f"1/{step}" if slash else base
    if base.isalpha() or ("-" in base and all(p.isalpha() for p in base.split("-", 1))):
        return item  # SUN-SAT names mean the same days on AWS
    if base.isdigit():
        day = _day(base, expr)
        if not slash:
            return str(day % 7 + 1)
        if day == 7:
            raise ValueError(f"schedule {expr!r}: day-of-week {item!r} is ambiguous; write it from 0 (Sunday)")
        return f"{day + 1}/{step}"  # cron a, a+s... to Saturday is AWS a+1, a+1+s... to 7
    low, dash, high = base.partition("-")
    if not (dash and low.isdigit() and high.isdigit()):
        raise ValueError(f"schedule {expr!r}: cannot read day-of-week {item!r}")
    start, end = _day(low, expr), _day(high, expr)
    if start > end:
        raise ValueError(f"schedule {expr!r}: day-of-week range {base!r} runs backwards")
    if end < 7:
        return f"{start + 1}-{end + 1}{suffix}"
    # A range to 7 ends on Sunday, which AWS numbers 1: the days up to Saturday keep their
    # range (AWS start+1..7), and Sunday is added when the step lands on it.
    parts = [] if start == 7 else [f"{start + 1}-7{suffix}" if start < 6 else f"7{suffix}"]
    if start >= 1 and (7 - start) % step == 0:
        parts.append("1")
    return ",".join(parts) if parts else "1"


def _day(text: str, expr: str) -> int:
    day = int(text)
    if day > 7:
        raise ValueError(f"schedule {expr!r}: day-of-week {day} is not 0-7")
    return day
