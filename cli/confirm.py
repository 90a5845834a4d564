"""Asking before a change, where nobody may be there to answer.

At a terminal, a yes/no prompt. Without one (a CI job, a cron line, `< /dev/null`) a prompt would
print a question no one can answer and then fail on the same line as the error; so: an answer piped
on stdin is used (and echoed), and no answer at all is one `error:` line saying to pass --yes.
"""

from __future__ import annotations

import sys

import click

from councilkit.blueprints.errors import UserError


def confirm(question: str, command: str, unchanged: str) -> None:
    """Ask `question`; carry on only on yes. `command` prefixes the refusal, `unchanged` says what
    was left as it was ("nothing was written"). No is `click.Abort` (cli/main.py: `error: aborted`)."""
    stdin = sys.stdin
    if stdin is not None and not stdin.closed and stdin.isatty():
        click.confirm(question, abort=True, err=True)
        return
    line = stdin.readline() if stdin is not None and not stdin.closed else ""
    if not line:
        raise UserError(f"{command}: no terminal to ask on and no answer on stdin; {unchanged}; "
                        "pass --yes to go ahead without asking")
    answer = line.strip()
    click.echo(f"{question} [y/N]: {answer}", err=True)
    if answer.lower() not in ("y", "yes"):
        raise click.exceptions.Abort()
