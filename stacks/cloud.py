"""The Cloud adapter: everything councilkit knows about one cloud, behind one small interface.

One implementation per cloud (`stacks/aws/cloud.py`, `stacks/azure/cloud.py`), registered in
`CLOUDS`. Nothing outside `stacks/<cloud>/` asks which cloud a deployment is on: it asks the
adapter. Importing an adapter imports no cloud SDK; `build` does, when it runs.

A cloud is a package with modules of fixed names, which the base class reads by convention:
`stack.py` (`build(d) -> StackOutputs`, the only module that imports the SDK), `prices.py`
(`PRICERS`, `FREE`), `report.py` (`LAYERS`, `protections`, `data_regions`), `runbook.py`
(`runbook`), `credentials.py` (`present`, `MISSING`) and `offline.py`; its `cloud.py` adds what
is not a module of its own. To add a cloud: its pure facts in `blueprints/clouds.py`, that
package, and a line in `CLOUDS` (docs/architecture.md walks through it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from councilkit.blueprints.clouds import CloudFacts, cloud_of_type

if TYPE_CHECKING:
    from councilkit.blueprints.deployment import Deployment

    from .outputs import AdminCredentials, DnsRecord, StackOutputs
    from .restore_points import RestorePoints


@dataclass(frozen=True)
class Phase:
    """One step of going live: what `up` creates or waits for before the next step starts.

    `target_types` limits the phase to resources of those types (a component type stands for
    everything registered under it) and what they need; None is the whole stack. `waits_for`
    says, in words, what the council sees while it waits. `smoke`: after this phase the app is
    checked from outside (`Cloud.smoke_target`); a failure is explained (`Cloud.diagnose`).
    """

    name: str
    description: str
    target_types: tuple[str, ...] | None = None
    waits_for: str = ""
    smoke: bool = False


WHOLE_STACK = Phase("deploy", "create or update every resource of the stack")


@dataclass
class GoLive:
    """What a go-live hook may use: the deployment, its stack folder, the console to show
    progress on, and the stack's state as the engine holds it now (read afresh on each call,
    since every phase changes it)."""

    deployment: "Deployment"
    folder: Path
    console: Any
    read_state: Callable[[], list[dict]]
    """The state's resources: dicts with `urn`, `type`, `parent`, `inputs`, `outputs`."""

    def state(self) -> list[dict]:
        return self.read_state()

    def resources_of(self, type_: str) -> list[dict]:
        return [r for r in self.read_state() if r.get("type") == type_]


@dataclass
class CouncilAction:
    """Something only the council can do before `up` can go on (publish DNS records, push an
    image). `up` shows it at once, writes the records into the stack folder, then polls `check`
    every `every_seconds` while the wait lasts; `check` None means nothing to poll: `up` stops.

    `check()` returns (done, status shown while waiting); it raises UserError when waiting can
    no longer help (a certificate that failed)."""

    what: str
    records: list["DnsRecord"] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    check: Callable[[], tuple[bool, str]] | None = None
    every_seconds: float = 60.0
    pending: str = ""
    """What to say when the wait runs out (e.g. "the validation record is not visible yet")."""


@dataclass(frozen=True)
class SmokeTarget:
    """Where the app is checked from outside once it is deployed, and what counts as healthy.

    `via` is the load balancer's (or front door's) own address: while the domain does not
    point at it yet, the check goes there with the domain as Host and TLS name, and `record`
    says what the council must publish so the domain reaches it."""

    url: str
    healthy_codes: str
    via: str = ""
    record: "DnsRecord | None" = None
    within_seconds: float = 300.0
    every_seconds: float = 10.0

    @classmethod
    def for_site(cls, d: "Deployment", via: str) -> "SmokeTarget":
        """GET https://<domain><web health path>, expecting the blueprint's healthy codes, for at
        least 2 and at most 15 minutes (the blueprint's grace between), every interval up to 15 s;
        through `via` (the address the domain should be a CNAME of) until DNS points there."""
        from .outputs import DnsRecord

        hc = d.blueprint.web.health_check
        return cls(
            url=f"https://{d.domain}{hc.path}",
            healthy_codes=hc.healthy_codes,
            via=via,
            record=DnsRecord("CNAME", d.domain, via, "the site") if via else None,
            within_seconds=float(max(120, min(hc.grace_seconds, 900))),
            every_seconds=float(min(hc.interval_seconds, 15)),
        )


@dataclass
class Protection:
    """One line of the report's backups table: what is protected, how, and the RPO/RTO."""

    what: str
    how: str
    retention: str
    rpo: str
    rto: str


def first_inputs(plan, *types: str):
    """The inputs of the plan's first resource of any of `types`, or None."""
    for t in types:
        found = plan.of_type(t)
        if found:
            return found[0].inputs
    return None


@dataclass(frozen=True)
class Kept:
    """One thing a destroy leaves in the cloud, said before (the prompt) and recorded after
    (the stack folder's RETIRED.md / retired.json): what it is, its identifier, how long the
    cloud keeps it, and the commands that delete it later, in order."""

    what: str
    identifier: str
    until: str
    delete: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExitTools:
    """How a council takes its data out (the report's exit plan)."""

    database_from: str
    files_with: str


class Cloud(ABC):
    """One cloud. Subclasses set `facts` and `package` and implement the abstract methods."""

    facts: CloudFacts
    package: str
    """The cloud's package (`councilkit.stacks.aws`), whose modules the defaults below read."""

    def _module(self, name: str):
        return import_module(f"{self.package}.{name}")

    @property
    def name(self) -> str:
        return self.facts.name

    @property
    def title(self) -> str:
        return self.facts.title

    # --- building -------------------------------------------------------------------------

    def build(self, d: "Deployment") -> "StackOutputs":
        """Declare every resource of `d` (imports the cloud SDK) and return its typed outputs."""
        return self._module("stack").build(d)

    def go_live_phases(self, d: "Deployment") -> list[Phase]:
        """The phases of a first `up`, in order, the last one the whole stack."""
        return [WHOLE_STACK]

    # --- going live (hooks of `up`, around each phase) ------------------------------------

    def phase_done(self, phase: Phase, live: GoLive) -> str | None:
        """Why a targeted phase has nothing left to do (so `up` skips it), or None."""
        return None

    def after_phase(self, phase: Phase, live: GoLive) -> CouncilAction | None:
        """Run after a phase's update: work of its own (build an image), or what the council
        must do before the next phase can start."""
        return None

    def live_notes(self, live: GoLive) -> list[str]:
        """Lines for the council once the app answers: what the cloud set up or could not yet
        (AWS: whether the budget's cost allocation tag is active)."""
        return []

    def smoke_target(self, live: GoLive, values: Mapping[str, Any]) -> SmokeTarget | None:
        """Where to check the deployed app from outside (after a `smoke` phase), or None."""
        return None

    def diagnose(self, live: GoLive, values: Mapping[str, Any]) -> list[str]:
        """What the cloud says is failing (service events, stopped tasks, health, logs)."""
        return []

    protection_props: Mapping[str, str] = {}
    """Resource type → the input that makes the cloud refuse to delete it (released by destroy)."""

    delete_backups_props: Mapping[str, Mapping[str, Any]] = {}
    """Resource type → the Python inputs a `destroy --delete-backups` sets so the cloud deletes
    what it otherwise keeps (final snapshot, recovery points, logs); the types' retain_on_delete
    is turned off too (stacks/program.py), in a targeted update before the destroy."""

    # --- the offline engine ---------------------------------------------------------------

    def fake_outputs(self, type_: str, name: str, state: dict[str, Any]) -> dict[str, Any]:
        """What the provider would return for a resource, without calling it (offline plans)."""
        return state

    invoke_results: Mapping[str, Mapping[str, Any]] = {}
    """Data-source calls a stack makes while planning, answered with values of the right shape."""

    def deployability_rules(self) -> tuple:
        """The provider and API constraints the mocks do not enforce (`<package>.deployability.RULES`,
        stacks/deployability), checked on every plan and by the policy pack."""
        return tuple(self._module("deployability").RULES)

    # --- deploying ------------------------------------------------------------------------

    def credentials_missing(self, env: Mapping[str, str]) -> str | None:
        """None when credentials are visible in `env` or the usual files; else what to do."""
        found = self._module("credentials")
        return None if found.present(env) else found.MISSING

    @abstractmethod
    def one_off_commands(self, one_off: Mapping[str, Any], kind: str, region: str) -> list[str]:
        """The commands that run step `kind` (install, upgrade) once, from the `one_off` output."""

    @abstractmethod
    def legacy_credentials(self, values: Mapping[str, Any]) -> "AdminCredentials":
        """Admin credentials from outputs written before StackOutputs had a schema."""

    @abstractmethod
    def destroy_keeps(self, d: "Deployment", outputs: Mapping[str, Any], delete_backups: bool) -> list[Kept]:
        """What a destroy of `d` leaves in the cloud, identified from the stack's `outputs`
        (described from `d` where an output is missing); `delete_backups` is the council's
        `--delete-backups`."""

    # --- backups (stacks/restore_points.py; `councilkit backups | backup`, destroy's certificate)

    def restore_points(self, d: "Deployment", outputs: Mapping[str, Any]) -> "RestorePoints":
        """The deployed stack's restore points and point-in-time windows, read from the cloud by
        `<package>.backups` (imports its SDK or CLI when called); UserError when it cannot ask."""
        return self._module("backups").restore_points(d, outputs)

    def take_restore_point(self, d: "Deployment", outputs: Mapping[str, Any], label: str,
                           wait: bool = False) -> "RestorePoints":
        """Start an on-demand restore point of the database and the files (labelled `label`);
        with `wait`, return once the cloud says each is complete."""
        return self._module("backups").take_restore_point(d, outputs, label, wait)

    def whoami(self, d: "Deployment", outputs: Mapping[str, Any]) -> str:
        """The cloud identity these credentials act as (for the deletion certificate)."""
        return self._module("backups").whoami(d, outputs)

    # --- what people read -----------------------------------------------------------------

    def runbook(self, d: "Deployment", stack: str) -> dict[str, Any]:
        """The cloud's fragments of RUNBOOK.md (cli/templates/RUNBOOK.md.j2 `cloud.*`)."""
        return self._module("runbook").runbook(d, stack)

    @abstractmethod
    def exit_tools(self, d: "Deployment") -> ExitTools:
        """How the database and files are copied out (the report's exit plan)."""

    @property
    def diagram_layers(self) -> Mapping[str, Mapping[str, str]]:
        """The report diagram's layers (edge, app, database…): resource type → label."""
        return self._module("report").LAYERS

    def protections(self, plan) -> list[Protection]:
        """The report's backup lines for this cloud's resources in `plan` (none if it has none)."""
        return self._module("report").protections(plan)

    def data_regions(self, plan) -> set[str]:
        """Where this cloud's resources in `plan` keep data."""
        return self._module("report").data_regions(plan)

    # --- cost -----------------------------------------------------------------------------

    def price_rules(self) -> tuple[Mapping[str, Any], Mapping[str, str]]:
        """(pricers by resource type, free resource types with the reason)."""
        prices = self._module("prices")
        return prices.PRICERS, prices.FREE

    cost_excluded: tuple[str, ...] = ()
    """What no estimate includes (shown under every estimate)."""

    # --- estates --------------------------------------------------------------------------

    ci_login_step: str = ""
    """The GitHub Actions step (YAML, indented for a job's `steps:`) that logs in to this cloud
    for the rendered estate workflow, run only for the matrix entries on this cloud."""


class _Registry(Mapping):
    """The adapters by name, loaded on first use: an adapter module imports this one, so the
    table cannot be filled while this module is still being imported."""

    _loaded: dict[str, Cloud] | None = None

    def _all(self) -> dict[str, Cloud]:
        if self._loaded is None:
            from .aws.cloud import AwsCloud
            from .azure.cloud import AzureCloud

            self._loaded = {c.name: c for c in (AwsCloud(), AzureCloud())}
        return self._loaded

    def __getitem__(self, name: str) -> Cloud:
        return self._all()[name]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


CLOUDS: Mapping[str, Cloud] = _Registry()


def cloud_for(name: str) -> Cloud:
    return CLOUDS[name]


def cloud_of_resource(type_: str) -> Cloud | None:
    """The adapter a Pulumi resource type belongs to (providers included), if any."""
    name = cloud_of_type(type_)
    return CLOUDS[name] if name else None
