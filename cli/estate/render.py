"""Render a whole estate: one stack folder per deployment (as `councilkit new`), a pinned
requirements.txt and a GitHub Actions workflow that plans on pull requests and deploys on main."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from councilkit.blueprints.errors import UserError
from councilkit.stacks.cloud import CLOUDS

from .model import Entry

TEMPLATES = Path(__file__).resolve().parent / "templates"
WORKFLOW = Path(".github") / "workflows" / "councilkit.yml"


@dataclass
class Rendered:
    entry: Entry
    ok: bool
    folder: str | None = None
    stack: str | None = None
    region: str | None = None
    status: str | None = None
    error: str | None = None


def render_entry(entry: Entry, root: Path, force: bool) -> Rendered:
    from councilkit.cli.newstack import new_stack

    try:
        created = new_stack(
            entry.app, cloud=entry.cloud, tier=entry.tier, council=entry.council, domain=entry.domain,
            contact=entry.contact, region=entry.region, allow_non_uk_region=entry.allow_non_uk_region,
            expires=f"{entry.trial_days}d" if entry.tier == "trial" else None,
            parent=root / "stacks", force=force,
        )
    except UserError as exc:
        return Rendered(entry, False, error=str(exc))
    d = created.deployment
    return Rendered(entry, True, folder=f"stacks/{d.stack_name}", stack=d.stack_name, region=d.region,
                    status=created.status)


def kept_folders(root: Path, rendered: list[Rendered]) -> list[Rendered]:
    """Stack folders already under `root/stacks` that this render did not produce (an entry that
    failed, or one taken out of the estate file): they stay in the workflow, read from their own
    lock and config, so CI never silently stops deploying a stack that exists. Removing a folder
    (after `councilkit destroy`) is how a stack leaves the workflow."""
    from councilkit.cli.stackdir import is_stack_folder, open_folder

    done = {r.folder for r in rendered if r.ok}
    kept = []
    for folder in sorted((root / "stacks").glob("*")) if (root / "stacks").is_dir() else []:
        rel = f"stacks/{folder.name}"
        if rel in done or not is_stack_folder(folder):
            continue
        try:
            d = open_folder(folder).deployment()
        except UserError as exc:
            raise UserError(f"{rel}: an existing stack folder cannot be read ({exc}); the workflow was not "
                            "rewritten, so CI keeps deploying what it deployed") from None
        label = f"{d.council} / {d.blueprint.ref}"
        from .model import Entry

        entry = Entry(label=label, council=d.council, app=d.blueprint.ref, cloud=d.cloud, tier=d.tier,
                      region=d.region, domain=d.domain, contact=d.contact, allow_non_uk_region=d.non_uk_region,
                      trial_days=0)
        kept.append(Rendered(entry, True, folder=rel, stack=d.stack_name, region=d.region, status="kept"))
    return kept


def councilkit_version() -> str:
    try:
        return version("councilkit")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def workflow_text(estate: str, rendered: list[Rendered]) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True)
    stacks = [
        {"dir": r.folder, "stack": r.stack, "cloud": r.entry.cloud, "region": r.region}
        for r in rendered if r.ok
    ]
    return env.get_template("councilkit.yml.j2").render(
        estate=estate, stacks=stacks, logins=[cloud.ci_login_step for cloud in CLOUDS.values()])


def write_shared_files(root: Path, estate: str, rendered: list[Rendered]) -> list[Path]:
    from councilkit.cli.safe_io import write_atomically

    (root / WORKFLOW.parent).mkdir(parents=True, exist_ok=True)
    files = {
        root / WORKFLOW: workflow_text(estate, rendered),
        root / "requirements.txt": f"# the councilkit that rendered these stacks\ncouncilkit=={councilkit_version()}\n",
    }
    for path, text in files.items():
        write_atomically(path, text)
    return list(files)
