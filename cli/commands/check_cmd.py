"""`councilkit check STACK_DIR`: the blueprint's smoke check of a deployed stack, on demand.

The same engine as the end of `up` (cli/smoke.py): each request of the blueprint's `smoke`
list (its web health check for versions released before `smoke`), judged on its status and
text, at the address the cloud adapter gives (through the load balancer's own address, with
the domain as Host and TLS name, while DNS does not point at it yet). One line per request;
exit 0 when all pass, 1 when one fails, 2 for bad input. `--url` checks an address directly,
with no state backend (offline, or an app behind a proxy the stack does not know).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from councilkit.blueprints.errors import UserError

EVERY_SECONDS = 5.0
"""Between tries of `--url` (a stack's own target says its interval)."""


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _stack_target(stack_dir: str, backend: str | None, console):
    """(deployment, site, via, every) from the deployed stack's outputs, as `up` checks it."""
    from councilkit.cli import automation, golive
    from councilkit.cli.smoke import site_of
    from councilkit.stacks.cloud import GoLive, cloud_for

    session = automation.prepare(stack_dir, backend, cloud_credentials=False)
    d = session.deployment
    values = automation.outputs(session)

    def read_state() -> list[dict]:
        stack = automation.open_stack(session, create=False)
        with automation.pulumi_errors(f"read the state of {session.stack}"):
            exported = stack.export_stack()
        return list(((exported.deployment if exported else None) or {}).get("resources") or [])

    live = GoLive(deployment=d, folder=session.folder.path, console=console, read_state=read_state)
    target = cloud_for(d.cloud).smoke_target(live, values)
    if target is None:
        raise UserError(f"{d.cloud}: this cloud adapter names no address to check {d.stack_name} at")
    return d.blueprint, site_of(target.url), golive.route(target, console), target.every_seconds


def _blueprint(stack_dir: str | None, ref: str | None):
    from councilkit.blueprints.loader import resolve
    from councilkit.cli.stackdir import open_folder

    if bool(stack_dir) == bool(ref):
        raise UserError("check: give a STACK_DIR, or --blueprint ID[@VERSION] with --url")
    if ref:
        return resolve(ref)[0]
    return open_folder(stack_dir).deployment().blueprint


def check_stack(stack_dir: str | None, *, url: str | None, ref: str | None, backend: str | None,
                wait: float, console) -> tuple[str, list]:
    """(the blueprint ref, one result per smoke request); raises UserError for bad input."""
    from councilkit.cli import smoke

    if ref and not url:
        raise UserError("--blueprint: give --url too (without a stack there is no address to check)")
    if url:
        if not url.startswith(("http://", "https://")):
            raise UserError(f"--url: {url!r} is not an http:// or https:// address")
        bp, site, via, every = _blueprint(stack_dir, ref), url, "", EVERY_SECONDS
    elif not stack_dir:
        raise UserError("check: give a STACK_DIR, or --blueprint ID[@VERSION] with --url")
    else:
        bp, site, via, every = _stack_target(stack_dir, backend, console)
    requests = smoke.requests_for(bp)
    with console.status(f"checking {site}") as status:
        def waiting(result, pause: float) -> None:
            status.update(f"{result.url}: {result.detail}; again in {pause:.0f} s")

        results = smoke.run(requests, site, via=via, within=wait, every=every, waiting=waiting)
    return bp.ref, results


@click.command()
@click.argument("stack_dir", required=False, type=click.Path(file_okay=False))
@click.option("--url", help="Check this address (https://host[/prefix]) directly: no state backend, no pulumi.")
@click.option("--blueprint", "ref", metavar="ID[@VERSION]",
              help="With --url and no STACK_DIR: whose smoke requests to ask.")
@click.option("--wait", type=click.IntRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="Retry a failing request until this long has passed (0: ask each once).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the results here as JSON.")
@click.option("--backend", help="Pulumi state backend URL (default: PULUMI_BACKEND_URL, else the folder's Pulumi.yaml).")
def check(stack_dir, url, ref, wait, json_path, backend):
    """Run the blueprint's smoke check against a deployed stack: one line per request.

    Exit code 0: every request passed; 1: one failed (the line says what: the code, the missing
    text and the start of what came back, or why there was no answer); 2: bad input.
    """
    from councilkit.cli.safe_io import write_atomically

    ref_, results = check_stack(stack_dir, url=url, ref=ref, backend=backend, wait=float(wait), console=_console())
    for result in results:
        click.echo(result.line())
    passed = all(r.passed for r in results)
    if json_path:
        doc = {"blueprint": ref_, "passed": passed, "requests": [r.as_json() for r in results]}
        write_atomically(Path(json_path), json.dumps(doc, indent=2) + "\n", "--json")
        click.echo(f"results written to {json_path}", err=True)
    failed = sum(not r.passed for r in results)
    click.echo(f"{ref_}: {len(results) - failed} of {len(results)} smoke request(s) passed", err=True)
    raise SystemExit(0 if passed else 1)
