"""`councilkit`: the command line. Commands load lazily so `--help` never imports a cloud SDK."""

from __future__ import annotations

import importlib
import sys
import warnings

import click

from councilkit.blueprints.errors import Notice, UserError, error_line, one_line

COMMANDS = {
    "blueprints": ("councilkit.cli.commands.blueprints_cmd", "blueprints", "List, show and lint app blueprints."),
    "plan": ("councilkit.cli.commands.plan_cmd", "plan", "Plan a deployment offline: every resource, no account needed."),
    "cost": ("councilkit.cli.commands.cost_cmd", "cost", "Monthly cost estimate of a deployment, line by line."),
    "prices": ("councilkit.cli.commands.prices_cmd", "prices", "Refresh the price files from the public price lists."),
    "report": ("councilkit.cli.commands.report_cmd", "report", "Assurance pack (HTML + Markdown) for the people who approve."),
    "estate": ("councilkit.cli.commands.estate_cmd", "estate", "Plan, render and track many councils × many apps."),
    "new": ("councilkit.cli.commands.new_cmd", "new", "Render a stack folder: config, blueprint lock, runbook."),
    "up": ("councilkit.cli.commands.lifecycle_cmd", "up", "Deploy a stack folder (needs pulumi and credentials)."),
    "outputs": ("councilkit.cli.commands.lifecycle_cmd", "outputs", "Address, DNS records and admin credentials of a stack."),
    "refresh": ("councilkit.cli.commands.lifecycle_cmd", "refresh", "Read a stack's real resources back into its state."),
    "destroy": ("councilkit.cli.commands.lifecycle_cmd", "destroy", "Destroy a stack (production asks for its name)."),
    "upgrade": ("councilkit.cli.commands.upgrade_cmd", "upgrade", "Move a stack folder to a newer blueprint version."),
    "reap": ("councilkit.cli.commands.reap_cmd", "reap", "Destroy expired trial stacks in a state backend."),
    "serve": ("councilkit.cli.commands.serve_cmd", "serve", "Local web portal: catalogue, plans, costs, trials."),
    "backups": ("councilkit.cli.commands.backup_cmd", "backups", "A deployed stack's restore points, age, size and expiry."),
    "backup": ("councilkit.cli.commands.backup_cmd", "backup", "Take a restore point of a deployed stack now."),
    "check": ("councilkit.cli.commands.check_cmd", "check", "Run a deployed stack's smoke check: one line per request."),
}


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="councilkit")
def cli():
    """Open-source council apps on AWS or Azure: secure, backed up, in the UK, planned before deploy."""


def fail(message: str) -> None:
    click.echo(error_line(message), err=True)
    sys.exit(2)


def _show_notice(message, category, filename, lineno, file=None, line=None):
    """A councilkit Notice is one `warning:` line on stderr; other warnings keep Python's format."""
    if issubclass(category, Notice):
        click.echo(f"warning: {one_line(str(message))}", err=True)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_python_showwarning = warnings.showwarning


def main(argv: list[str] | None = None) -> None:
    """Every user error ends as one `error:` line on stderr and exit code 2, never a traceback.

    The one exit path: a command raises UserError (cli/safe_io.WriteFailed for a write) and
    inherits the contract. OSError and RecursionError are caught last, for a file or a document
    no check foresaw: still one line naming the file, not a traceback."""
    warnings.showwarning = _show_notice
    warnings.simplefilter("default", Notice)
    try:
        rv = cli.main(args=argv, prog_name="councilkit", standalone_mode=False)
    except UserError as exc:
        fail(str(exc))
    except click.exceptions.Abort:
        fail("aborted")
    except click.ClickException as exc:
        # Click lays some messages over lines ("Choose from:\n\taws,\n\tazure"): one line, all of it.
        message = " ".join(part.strip() for part in exc.format_message().splitlines() if part.strip()) or str(exc)
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message = f"{message} (see '{exc.ctx.command_path} --help')"
        fail(message)
    except KeyboardInterrupt:
        fail("interrupted")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or exc}")
    except RecursionError:
        fail("input nested too deeply to read; refused")
    sys.exit(rv if isinstance(rv, int) else 0)
