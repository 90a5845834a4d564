"""The one error type users see: a message that says what to fix, printed as `error: ...`, exit 2.

Messages echo what the user gave (an app name, a path, a council), and that may hold a newline, a
tab or a terminal escape. `quote` shows such a value; `error_line` is the only way an `error:`
line is made (cli/main.py, and the commands that report one line per bad entry), and it escapes
whatever control character is still in the message, so one error is always one line.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a person: an unknown app, a malformed blueprint, a bad answer."""


def one_line(text: str) -> str:
    """`text` with every character that is not printable (newline, tab, escape, bidi controls,
    line and paragraph separators) written as its Python escape, e.g. `\\n`; spaces stay."""
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


def quote(value: object) -> str:
    """A value the user gave, as a message shows it: quoted, control characters escaped."""
    return repr(str(value))


def error_line(message: object) -> str:
    return f"error: {one_line(str(message))}"


class Notice(UserWarning):
    """Something a person should know but that does not stop the command (a blueprint folder that
    shadows another's same id@version); cli/main.py prints it as one `warning:` line."""
