"""Other formats of one plan, for the tools a council already trusts: `plan --format NAME --out FILE`.

Each format is one module with a pure function (plan facts in, a JSON document out) and one entry
in FORMATS: its name, what it holds, the clouds it exists for, and how it is built from an
`Assessed` plan. The command writes the document atomically (cli/safe_io.py). To add a format
(next: `terraform-plan` for AWS, since pulumi-aws is bridged from terraform-provider-aws, and
`arm` for Azure, since pulumi-azure-native inputs are ARM properties), write its module and add
one `Format` here with `clouds=("aws",)` or `("azure",)`: the option's choices, its help and
the refusal on the other cloud follow from this table.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from councilkit.blueprints.errors import UserError


@dataclass(frozen=True)
class Assessed:
    """Everything an export may read: the plan, its deployment, the policy report, the cost
    estimate, the deployability report, and where the plan came from (a stack folder or APP)."""

    plan: Any
    deployment: Any
    report: Any
    cost: Any
    checked: Any
    source: str
    generated: dt.datetime


@dataclass(frozen=True)
class Format:
    name: str
    holds: str
    clouds: tuple[str, ...]
    build: Callable[[Assessed], dict[str, Any]]


def _deployment(a: Assessed) -> dict[str, Any]:
    from councilkit.cli.plan_json import plan_document

    return plan_document(a.plan, a.deployment)["deployment"]


def _json(a: Assessed) -> dict[str, Any]:
    from councilkit.cli.planning import document_extras
    from councilkit.cli.plan_json import plan_document

    return plan_document(a.plan, a.deployment, document_extras(a.plan, a.deployment, (a.report, a.cost), a.checked))


def artifact_of(a: Assessed) -> str:
    """The repository file SARIF results point at (see exports/sarif.py): the stack folder's
    Pulumi.yaml, or the blueprint file, as a URI relative to the current folder when it is under
    it (the repository root in the estate workflow), else as an absolute file URI."""
    from councilkit.cli.stackdir import is_stack_folder

    if is_stack_folder(a.source):
        path = Path(a.source) / "Pulumi.yaml"
    else:
        bp = a.deployment.blueprint
        path = Path(a.deployment.blueprint_dir) / f"{bp.version}.yaml"
        if not path.is_file():  # a blueprint file named otherwise: its folder
            path = Path(a.deployment.blueprint_dir)
    try:
        path = Path(os.path.relpath(path.resolve(), Path.cwd().resolve()))
    except ValueError:  # another drive (Windows)
        pass
    if path.is_absolute() or (path.parts and path.parts[0] == ".."):
        return path.resolve().as_uri()  # outside the repository: an absolute file URI
    return quote(path.as_posix())  # a relative URI reference (a space is %20)


def _sarif(a: Assessed) -> dict[str, Any]:
    from councilkit.cli.exports.sarif import sarif_log
    from councilkit.stacks.deployability import rules_for

    return sarif_log(a.report, a.checked, rules_for(a.deployment.cloud), _deployment(a), artifact_of(a),
                     tool_version=councilkit_version())


def _infracost(a: Assessed) -> dict[str, Any]:
    from councilkit.cli.exports.infracost import infracost_output

    return infracost_output(a.cost, _deployment(a), a.source, a.generated)


def councilkit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("councilkit")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0.0.0"


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("json", "the plan JSON (as --json): the shape of `pulumi preview --json` plus policy, cost, deployability",
           ("aws", "azure"), _json),
    Format("sarif", "policy and deployability results as SARIF 2.1.0, for code scanning", ("aws", "azure"), _sarif),
    Format("infracost", "the cost estimate in Infracost's JSON output format (GBP)", ("aws", "azure"), _infracost),
)}


def export(name: str, a: Assessed) -> dict[str, Any]:
    """The document of format `name` for this plan; an `error:` for a format the cloud has not."""
    fmt = FORMATS.get(name)
    if fmt is None:
        raise UserError(f"--format: unknown format {name!r}; choose from {', '.join(FORMATS)}")
    if a.deployment.cloud not in fmt.clouds:
        others = [f.name for f in FORMATS.values() if a.deployment.cloud in f.clouds]
        raise UserError(f"--format {name}: only for {' and '.join(fmt.clouds)} plans; for {a.deployment.cloud}, "
                        f"choose from {', '.join(others)}")
    return fmt.build(a)
