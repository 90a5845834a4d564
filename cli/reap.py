"""Trials that expire: find the expired trial stacks in a state backend and destroy them.

`select` is the whole rule, a pure function of stack summaries and today's date, so it is proven
by a property test: a stack is reaped only if councilkit deployed it (its `councilkit` output says
so), its tier is trial, its expires-on date has come, and it still has resources. Anything
else (production, no expiry, an unreadable date, a stack councilkit did not make) is left alone.

`list_stacks` reads a backend through any Automation API workspace: `list_stacks()` for names and
resource counts, then each stack's outputs for the `councilkit` metadata the program exports
(outputs live in the state itself, so this works the same on every backend, the file:// one
included, whose support for stack tags has long lagged Pulumi Cloud's).
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from councilkit.blueprints.dates import strict_date

METADATA_OUTPUT = "councilkit"  # as stacks/program.py exports it


@dataclass(frozen=True)
class StackInfo:
    """What a backend tells us about one stack."""

    name: str
    managed: bool = False
    tier: str | None = None
    expires_on: str | None = None
    cloud: str | None = None
    resource_count: int | None = None


@dataclass(frozen=True)
class Decision:
    stack: StackInfo
    reap: bool
    reason: str


def decide(info: StackInfo, today: dt.date) -> Decision:
    if not info.managed:
        return Decision(info, False, "not deployed by councilkit")
    if info.tier != "trial":
        return Decision(info, False, f"tier {info.tier or 'unknown'}: only trials expire")
    expires = strict_date(info.expires_on)
    if expires is None:
        return Decision(info, False, f"no readable expires-on ({info.expires_on!r})")
    if expires > today:
        return Decision(info, False, f"expires on {expires.isoformat()}")
    if info.resource_count == 0:
        return Decision(info, False, f"expired on {expires.isoformat()}, already empty")
    return Decision(info, True, f"expired on {expires.isoformat()}")


def select(stacks: Iterable[StackInfo], today: dt.date) -> list[Decision]:
    """One decision per stack, in the order given."""
    return [decide(info, today) for info in stacks]


def info_from(name: str, resource_count: int | None, outputs: dict[str, Any]) -> StackInfo:
    meta = outputs.get(METADATA_OUTPUT)
    value = getattr(meta, "value", meta)
    if not isinstance(value, dict) or value.get("managed-by") != "councilkit":
        return StackInfo(name=name, resource_count=resource_count)
    return StackInfo(
        name=name,
        managed=True,
        tier=value.get("tier"),
        expires_on=value.get("expires-on"),
        cloud=value.get("cloud"),
        resource_count=resource_count,
    )


def list_stacks(workspace) -> list[StackInfo]:
    """Every stack of the councilkit project in the workspace's backend, with its metadata."""
    from pulumi.automation import CommandError

    out = []
    for summary in sorted(workspace.list_stacks(), key=lambda s: s.name):
        try:
            outputs = workspace.stack_outputs(summary.name)
        except CommandError:
            outputs = {}
        out.append(info_from(summary.name, summary.resource_count, outputs))
    return out


def backend_workspace(backend: str, work_dir: str, secrets_provider: str = "passphrase"):
    """A workspace on the backend alone (no stack folder): project `councilkit`, as every
    rendered folder's Pulumi.yaml names it, so it lists exactly councilkit's stacks."""
    from pulumi import automation as auto

    from .automation import _remove_empty, prepare_backend

    made = prepare_backend(backend)
    settings = auto.ProjectSettings(
        name="councilkit", runtime="python", backend=auto.ProjectBackend(url=backend)
    )
    try:
        return auto.LocalWorkspace(
            work_dir=work_dir,
            project_settings=settings,
            secrets_provider=secrets_provider,
            env_vars={"PULUMI_BACKEND_URL": backend, "PULUMI_PYTHON_CMD": sys.executable,
                      "PULUMI_SKIP_UPDATE_CHECK": "true"},
        )
    except BaseException:
        _remove_empty(made)  # a backend folder made for a workspace that never opened
        raise


@contextmanager
def opened_backend(backend: str | None, purpose: str) -> Iterator[tuple[str, Any]]:
    """(URL, workspace) of the state backend, after the one-line checks (`pulumi` CLI, passphrase);
    what runs inside reports a failing backend (`stack ls` without credentials) as one line too.
    `reap` and the portal's deployments page both read the backend through here."""
    from . import automation

    url = automation.resolve_backend(backend)
    automation.require_pulumi_cli()
    automation.require_passphrase("passphrase")
    with tempfile.TemporaryDirectory(prefix=f"councilkit-{purpose}-") as work:
        with automation.pulumi_errors(f"open the state backend {url}", hold_stderr=True):
            workspace = backend_workspace(url, work)
        with automation.pulumi_errors(f"list the stacks in {url}"):
            yield url, workspace


def destroy_stack(workspace, name: str, progress) -> None:
    """Destroy one stack from its state alone (destroy never runs the program)."""
    from pulumi import automation as auto

    stack = auto.Stack.select(name, workspace)
    stack.destroy(on_output=progress.on_output, on_event=progress.on_event, color="never")


def check_clouds(decisions: list[Decision]) -> None:
    """Credentials for every cloud a stack to destroy lives in, before destroying any."""
    from .automation import require_cloud_credentials

    for cloud in sorted({d.stack.cloud for d in decisions if d.reap and d.stack.cloud}):
        require_cloud_credentials(cloud)


def destroy_expired(workspace, names: list[str], console, destroy=None) -> list[str]:
    """Destroy each stack in turn, carrying on past a failure; returns the names that failed."""
    from pulumi.automation import CommandError

    from .automation import Progress

    destroy = destroy or destroy_stack
    failed = []
    for name in names:
        with Progress(console, f"destroy {name}") as progress:
            try:
                destroy(workspace, name, progress)
            except CommandError as exc:
                failed.append(name)
                console.print(f"[red]could not destroy {name}:[/] {progress.failure(exc)}")
                continue
        console.print(f"[bold]destroyed {name}[/]")
    return failed
