"""`--usage FILE` for plan and cost: a council's usage file (stacks/cost/usage_file.py), or the
`usage.yaml` of the stack folder the command was given. Put it above `@deployment_options`, so it
still sees the APP|STACK_DIR argument; the command receives `usage` (None, or a function of the
cloud that checks the file's keys against that cloud's and returns the overrides)."""

from __future__ import annotations

import functools

import click


def usage_option(command):
    @functools.wraps(command)
    def wrapper(**kwargs):
        from councilkit.stacks.cost import usage_file

        found = usage_file.for_command(kwargs.pop("usage_path"), kwargs.get("app"))
        kwargs["usage"] = None if found is None else (lambda cloud: usage_file.overrides(found[0], cloud, found[1]))
        return command(**kwargs)

    return click.option("--usage", "usage_path", type=click.Path(dir_okay=False),
                        help="Usage file whose figures replace the tier's assumptions "
                             "(default: usage.yaml in the stack folder, if any).")(wrapper)
