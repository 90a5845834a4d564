"""Blueprint schedules (5-field cron, UTC) in the 6-field form EventBridge Scheduler expects."""

from __future__ import annotations


def aws_cron(expr: str) -> str:
    """'*/5 * * * *' → 'cron(0/5 * * * ? *)'. AWS wants '?' in one of day-of-month/day-of-week,
    counts weekdays 1-7 from Sunday (cron counts 0-6) and writes '*/n' as '0/n'."""
    minute, hour, dom, month, dow = expr.split()
    minute, hour = (f.replace("*/", "0/", 1) if f.startswith("*/") else f for f in (minute, hour))
    if dow == "*":
        dow = "?"
    elif dom == "*":
        dom = "?"
        dow = "".join(str(int(ch) % 7 + 1) if ch.isdigit() else ch for ch in dow)
    return f"cron({minute} {hour} {dom} {month} {dow} *)"
