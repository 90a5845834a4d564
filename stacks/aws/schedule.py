"""Blueprint schedules (5-field cron, UTC) in the 6-field form EventBridge Scheduler expects.

Written from croniter's explicit values per field (blueprints/cron.py), never from the text, so
what runs on AWS is what cron means. The syntax is EventBridge's cron expressions reference
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html), which
EventBridge Scheduler's cron-based schedules use
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based):
`cron(minutes hours day-of-month month day-of-week year)`; minutes 0-59, hours 0-23,
day-of-month 1-31, month 1-12, day-of-week 1-7 with 1 = Sunday (cron: 0-7, 0 and 7 Sunday),
year 1970-2199; `,` lists, `-` ranges, `*` all, `/` increments from a start to the end of the
field (minutes, hours, day-of-month, month, year: not day-of-week, whose wildcards are
`, - * ? L #`), and `?` in one of day-of-month/day-of-week.
"""

from __future__ import annotations

from councilkit.blueprints.cron import BOUNDS, DAY_OF_WEEK, read

AWS_SUNDAY = 1  # cron weekday 0 (Sunday) is EventBridge 1; Saturday 6 is 7
NO_STEP = {DAY_OF_WEEK}  # the reference lists no `/` for day-of-week


def aws_cron(expr: str) -> str:
    """'*/5 * * * *' → 'cron(0/5 * * * ? *)'; '0 3 * * */2' → 'cron(0 3 ? * 1,3,5,7 *)'.

    Raises ValueError (blueprints.cron.CronError) for a schedule a blueprint may not hold, with
    the reason in one line; blueprints are checked with the same reader when they load.
    """
    schedule = read(expr)
    values = [schedule.minutes, schedule.hours, schedule.days, schedule.months,
              tuple(day + AWS_SUNDAY for day in schedule.weekdays)]
    bounds = list(BOUNDS)
    bounds[DAY_OF_WEEK] = (1, 7)
    fields = [_field(v, lo, hi, i not in NO_STEP) for i, (v, (lo, hi)) in enumerate(zip(values, bounds))]
    if schedule.by_weekday and len(schedule.weekdays) < 7:  # '0-6' is every day: '* ... ?'
        fields[2] = "?"
    else:
        fields[4] = "?"
    # At most 238 characters (a test writes the longest), within ScheduleExpression's max 256
    # (botocore/data/scheduler/*/service-2.json).
    return f"cron({' '.join(fields)} *)"


def _field(values: tuple[int, ...], low: int, high: int, steps: bool) -> str:
    """The shortest EventBridge spelling of a set of values: `*`, `a/n`, or a list of values and ranges."""
    if values == tuple(range(low, high + 1)):
        return "*"
    listed = ",".join(_runs(values))
    if steps and len(values) > 2:  # two values read better as a list: 1,7 rather than 1/6
        start, step = values[0], values[1] - values[0]
        if values == tuple(range(start, high + 1, step)) and len(f"{start}/{step}") <= len(listed):
            return f"{start}/{step}"  # from start to the end of the field, every step
    return listed


def _runs(values: tuple[int, ...]) -> list[str]:
    """Consecutive values of three or more as `a-b`, the others one by one."""
    out: list[list[int]] = []
    for v in values:
        if out and v == out[-1][-1] + 1:
            out[-1].append(v)
        else:
            out.append([v])
    return [f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)) for run in out]


def blueprint_cron(expression: str) -> str:
    """An EventBridge `cron(...)` back in 5-field cron, for reading how often it runs:
    'cron(0 9 ? * 2-6 *)' → '0 9 * * 1-5'. The year field is dropped (a schedule limited to some
    years runs, in those years, as often as it says). Raises ValueError for what a blueprint
    schedule cannot say (`L`, `W`, `#`, or not exactly one `?`)."""
    inner = expression.strip().removeprefix("cron(").removesuffix(")")
    fields = inner.split()
    if len(fields) != 6 or [fields[2], fields[4]].count("?") != 1:
        raise ValueError(f"{expression!r} is not an EventBridge cron of 6 fields with one '?'")
    minute, hour, dom, month, dow, _year = fields
    dom, dow = ("*" if f == "?" else f for f in (dom, dow))
    if dow != "*":
        dow = ",".join(_cron_weekday(item, expression) for item in dow.split(","))
    return f"{minute} {hour} {dom} {month} {dow}"


def _cron_weekday(item: str, expression: str) -> str:
    """One EventBridge day-of-week item (1-7, 1 = Sunday, or SUN-SAT) in cron numbering (0-6)."""
    base, slash, step = item.partition("/")
    if base == "*" or base.isalpha() or ("-" in base and base.replace("-", "").isalpha()):
        return item  # `*` and SUN-SAT names mean the same days in both
    ends = base.split("-")
    if len(ends) > 2 or not all(e.isdigit() and 1 <= int(e) <= 7 for e in ends):
        raise ValueError(f"{expression!r}: cannot read day-of-week {item!r}")
    days = [str(int(e) - AWS_SUNDAY) for e in ends]
    if slash and len(days) == 1 and days[0] != "6":
        days.append("6")  # EventBridge a/n runs to Saturday (7): cron a-6/n
    return "-".join(days) + (f"/{step}" if slash else "")
