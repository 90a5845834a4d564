"""Small value validators, combined the way terraform-provider-aws combines its own
(`validation.All(StringLenBetween, StringMatch, StringDoesNotMatch)`): each returns None for a
good value, else the reason in words. And `field`, which turns one into a rule's check."""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Optional

from .model import Problem, Related
from .paths import values_at

Validator = Callable[[Any], Optional[str]]


def length(lo: int, hi: int) -> Validator:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        if not lo <= len(value) <= hi:
            return f"is {len(value)} characters; it must be {lo} to {hi}"
        return None

    return check


def matches(pattern: str, words: str) -> Validator:
    """The whole value must match `pattern` (ASCII only: Go's regexp `\\w` is ASCII, Python's is not)."""
    compiled = re.compile(pattern, re.ASCII)

    def check(value: Any) -> str | None:
        if isinstance(value, str) and not compiled.fullmatch(value):
            bad = sorted({c for c in value if not compiled.fullmatch(c)}) if len(value) else []
            shown = f" (not allowed: {''.join(bad)!r})" if bad and len(bad) < 10 else ""
            return f"{words}{shown}"
        return None

    return check


def refuses(pattern: str, words: str) -> Validator:
    """The value must not contain a match of `pattern` anywhere."""
    compiled = re.compile(pattern, re.ASCII)

    def check(value: Any) -> str | None:
        return words if isinstance(value, str) and compiled.search(value) else None

    return check


def integer_between(lo: int, hi: int) -> Validator:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            return None
        try:
            number = float(value)
        except ValueError:
            return "is not a number"
        if not (number.is_integer() and lo <= number <= hi):
            return f"must be a whole number from {lo:,} to {hi:,}"
        return None

    return check


def all_of(*validators: Validator) -> Validator:
    """The first reason any validator gives, like validation.All."""

    def check(value: Any) -> str | None:
        return next((m for v in validators if (m := v(value))), None)

    return check


def field(*patterns: str, validator: Validator):
    """A rule check applying `validator` to every known value at the input `patterns`."""

    def check(inputs: Mapping[str, Any], related: Related) -> Iterable[Problem]:
        for pattern in patterns:
            for path, value in values_at(inputs, pattern):
                message = validator(value)
                if message:
                    yield Problem(path, value, message)

    return check
