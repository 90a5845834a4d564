"""The Pulumi Automation API driver: up, outputs, refresh and destroy of a stack folder.

Everything a real deploy needs is checked here first, each failure one `error:` line naming what
to install or set: the `pulumi` CLI on PATH, the state passphrase, cloud credentials. Only then
is `pulumi.automation` imported (never at `councilkit --help`) and the folder run as a local
program: a LocalWorkspace on the folder itself, so Pulumi reads the same Pulumi.yaml and
Pulumi.<stack>.yaml a user of plain `pulumi up` would, with:

- the state backend: `--backend`, else PULUMI_BACKEND_URL, else the folder's Pulumi.yaml
  (`file://~/.councilkit/state` by default: a folder on this machine, no account);
- the passphrase secrets provider (PULUMI_CONFIG_PASSPHRASE);
- PULUMI_PYTHON_CMD set to this Python, so the folder's __main__.py imports this councilkit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.errors import UserError

from councilkit.stacks.cloud import cloud_for
from councilkit.stacks.outputs import StackOutputs
from councilkit.stacks.program import DELETE_BACKUPS_KEY

from .render import DEFAULT_BACKEND, check_backend
from .stackdir import StackFolder, open_folder

INSTALL_URL = "https://www.pulumi.com/docs/install/"
MISSING_CLI = (
    "the pulumi CLI is not installed (no `pulumi` on PATH); install it (see "
    f"{INSTALL_URL}) and run this again"
)
MISSING_PASSPHRASE = (
    "PULUMI_CONFIG_PASSPHRASE is not set; it encrypts this stack's secrets in the Pulumi state: "
    "export the same passphrase every time (keep it in the council's password manager), or set "
    "PULUMI_CONFIG_PASSPHRASE_FILE"
)
# For machines whose credentials come from where no file or variable shows them (an EC2
# instance role, an Azure managed identity without ARM_USE_MSI): skip the check.
SKIP_CREDENTIALS_CHECK = "COUNCILKIT_SKIP_CREDENTIALS_CHECK"
PLACEHOLDER_SUFFIX = ".example.org"
RELEASE_PROTECTION = "councilkit:release-protection"
DELETE_BACKUPS = f"councilkit:{DELETE_BACKUPS_KEY}"  # read by stacks/program.py


# --- checks, before anything calls Pulumi ---------------------------------------------------


def require_pulumi_cli() -> str:
    path = shutil.which("pulumi")
    if not path:
        raise UserError(MISSING_CLI)
    return path


def require_passphrase(secrets_provider: str) -> None:
    if secrets_provider != "passphrase":
        return
    if "PULUMI_CONFIG_PASSPHRASE" not in os.environ and not os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        raise UserError(MISSING_PASSPHRASE)


def require_cloud_credentials(cloud: str) -> None:
    env = dict(os.environ)
    if env.get(SKIP_CREDENTIALS_CHECK) == "1":
        return
    missing = cloud_for(cloud).credentials_missing(env)
    if missing:
        raise UserError(missing)


def resolve_backend(flag: str | None, folder_backend: str | None = None) -> str:
    """`--backend`, else PULUMI_BACKEND_URL, else the folder's Pulumi.yaml, else the default;
    a file:// URL is made absolute (`~` expanded here, so Pulumi and we agree on the folder)."""
    url = check_backend(flag or os.environ.get("PULUMI_BACKEND_URL") or folder_backend or DEFAULT_BACKEND)
    if url.startswith("file://"):
        path, sep, query = url[len("file://"):].partition("?")
        url = "file://" + str(Path(os.path.expanduser(path)).resolve()) + sep + query
    return url


def prepare_backend(url: str) -> list[Path]:
    """A file:// backend's folder must exist before Pulumi opens it. Returns the folders made
    (innermost first), so a stack that then fails to open leaves nothing behind."""
    if not url.startswith("file://"):
        return []
    folder = Path(url[len("file://"):].partition("?")[0])
    made = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        made.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    return made


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


# --- a session on one stack folder ----------------------------------------------------------


@dataclass
class Session:
    folder: StackFolder
    deployment: Deployment
    backend: str
    secrets_provider: str = "passphrase"

    @property
    def stack(self) -> str:
        return self.folder.stack

    def env_vars(self) -> dict[str, str]:
        return {
            "PULUMI_BACKEND_URL": self.backend,
            "PULUMI_PYTHON_CMD": sys.executable,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
        }


def prepare(path, backend: str | None, *, cloud_credentials: bool, secrets_provider: str = "passphrase",
            deploying: bool = False) -> Session:
    """Read the folder and run every check; raises UserError naming the first thing missing."""
    folder = open_folder(path)
    d = folder.deployment()
    if deploying:
        for what, value in (("domain", d.domain), ("contact", d.contact.partition("@")[2])):
            if value.endswith(PLACEHOLDER_SUFFIX):
                raise UserError(
                    f"{what}: {value} is a placeholder; set councilkit:{what} in {folder.stack_file} "
                    "to the council's real one before deploying"
                )
    url = resolve_backend(backend, folder.backend)
    require_pulumi_cli()
    require_passphrase(secrets_provider)
    if cloud_credentials:
        require_cloud_credentials(d.cloud)
    return Session(folder=folder, deployment=d, backend=url, secrets_provider=secrets_provider)


@contextmanager
def _stderr_held(held: list[str]):
    """Hold what is written to file descriptor 2 meanwhile. The Automation API probes
    `pulumi version` with subprocess.check_output, which lets the CLI's stderr through: a
    crashing CLI would add its panic to our one-line error."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            held.append(tmp.read().decode("utf-8", "replace"))


@contextmanager
def pulumi_errors(what: str, hold_stderr: bool = False):
    """Every way the pulumi CLI or its backend fails outside an update, as one UserError: not
    there, not runnable, crashing on `pulumi version`, printing no version, too old, or a
    command (`stack select`, `stack ls`: a backend without credentials) that fails."""
    from pulumi import automation as auto

    held: list[str] = []
    try:
        with (_stderr_held(held) if hold_stderr else nullcontext()):
            yield
    except FileNotFoundError:
        raise UserError(MISSING_CLI) from None
    except subprocess.CalledProcessError as exc:
        said = _first_error("".join(held) + (exc.output or b"").decode("utf-8", "replace"))
        raise UserError(
            f"the pulumi CLI on PATH is broken: `pulumi version` exited with {exc.returncode} ({said}); "
            f"reinstall it (see {INSTALL_URL})"
        ) from None
    except UnicodeDecodeError:
        raise UserError(f"the pulumi CLI on PATH printed a version that is not text; reinstall it (see {INSTALL_URL})") from None
    except OSError as exc:
        raise UserError(f"the pulumi CLI on PATH cannot be run ({exc.strerror or exc}); reinstall it (see {INSTALL_URL})") from None
    except auto.InvalidVersionError as exc:
        raise UserError(f"the pulumi CLI's version does not suit this councilkit ({_first_error(str(exc))}); "
                        f"install a current one, see {INSTALL_URL}") from None
    except auto.CommandError as exc:
        raise UserError(f"pulumi could not {what}: {_first_error(str(exc))}") from None
    else:
        if held and held[0]:
            sys.stderr.write(held[0])  # nothing failed: what was said is not ours to drop


def open_stack(session: Session, *, create: bool):
    """The Automation API stack for the folder: a LocalWorkspace whose work_dir is the folder."""
    from pulumi import automation as auto

    made = prepare_backend(session.backend)
    try:
        return _open_stack(session, create)
    except BaseException:
        _remove_empty(made)  # a backend folder made for a stack that never opened
        raise


def _open_stack(session: Session, create: bool):
    from pulumi import automation as auto

    opts = auto.LocalWorkspaceOptions(
        work_dir=str(session.folder.path.resolve()),
        secrets_provider=session.secrets_provider,
        env_vars=session.env_vars(),
    )
    with pulumi_errors(f"open stack {session.stack}", hold_stderr=True):
        try:
            if create:
                return auto.create_or_select_stack(session.stack, work_dir=opts.work_dir, opts=opts)
            return auto.select_stack(session.stack, work_dir=opts.work_dir, opts=opts)
        except auto.StackNotFoundError:
            raise UserError(
                f"stack {session.stack} does not exist in {session.backend}; deploy it first with "
                f"`councilkit up {session.folder.path}` (or pass the --backend it lives in)"
            ) from None


def _call(session: Session, what: str, fn: Callable):
    """A quick Pulumi command outside an update (outputs, config): its failure as one line."""
    from pulumi.automation import CommandError

    try:
        return fn()
    except CommandError as exc:
        raise UserError(f"pulumi could not {what} of {session.stack}: {_first_error(str(exc))}") from None


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        head, sep, rest = line.partition("error:")
        if sep and rest.strip():
            return rest.strip()
    return lines[-1] if lines else "unknown error"


# --- live progress ---------------------------------------------------------------------------

DIAGNOSTIC_LABELS = {"warning": "[yellow]warning:[/]", "info": "info:", "info#err": "info:"}
SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "+-", "create-replacement": "+-",
          "delete-replaced": "-", "read": ">", "refresh": "~"}


@dataclass
class Progress:
    """Feeds Pulumi's engine events to a rich progress bar and prints each resource that changed."""

    console: Any
    verb: str
    total: int | None = None
    errors: list[str] = field(default_factory=list)
    tail: deque = field(default_factory=lambda: deque(maxlen=30))
    done: int = 0
    changed: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _seen: set = field(default_factory=set)
    _bar: Any = None
    _task: Any = None

    def __enter__(self) -> "Progress":
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        self._bar = Bar(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=self.console, transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.verb, total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def on_output(self, line: str) -> None:
        self.tail.append(line.rstrip())

    def on_event(self, event) -> None:
        diag = event.diagnostic_event
        if diag is not None and diag.severity == "error":
            message = diag.message.strip()
            if message:
                self.errors.append(message)
                self.console.print(f"[red]error:[/] {message}")
        elif diag is not None:
            self._diagnostic(diag)
        for finished in (event.res_outputs_event, event.res_op_failed_event):
            if finished is None:
                continue
            meta = finished.metadata
            op = getattr(meta.op, "value", str(meta.op))
            if meta.type == "pulumi:pulumi:Stack":
                continue
            self.done += 1
            if self._bar is not None:
                self._bar.advance(self._task)
            if op != "same":
                self.changed[op] = self.changed.get(op, 0) + 1
                name = meta.urn.rsplit("::", 1)[-1]
                failed = " [red]failed[/]" if finished is event.res_op_failed_event else ""
                self.console.print(f"  {SYMBOL.get(op, op)} {meta.type} [dim]{name}[/]{failed}")

    def _diagnostic(self, diag) -> None:
        """Engine warnings and info (severities of pulumi.automation.DiagnosticEvent: info,
        info#err, warning, error; debug is skipped), each once, with the resource it came from.
        Ephemeral messages are progress the engine itself overwrites: not kept."""
        label = DIAGNOSTIC_LABELS.get(diag.severity)
        message = (diag.message or "").strip()
        if label is None or not message or diag.ephemeral:
            return
        urn = diag.urn or ""
        key = (label, urn, message)
        if key in self._seen:
            return
        self._seen.add(key)
        name = urn.rsplit("::", 1)[-1] if urn and "pulumi:pulumi:Stack" not in urn else ""
        if diag.severity == "warning":
            self.warnings.append(message)
        self.console.print(f"{label} " + (f"[dim]{name}:[/] " if name else ""), end="")
        self.console.print(message, markup=False, highlight=False)

    def failure(self, exc: Exception) -> str:
        if self.errors:
            return self.errors[-1].splitlines()[0]
        return _first_error(getattr(exc, "stderr", "") or str(exc))


def _run(session: Session, verb: str, call: Callable, console, total: int | None = None):
    from pulumi.automation import CommandError, ConcurrentUpdateError

    with Progress(console, f"{verb} {session.stack}", total=total) as progress:
        try:
            result = call(progress)
        except ConcurrentUpdateError:
            raise UserError(
                f"stack {session.stack} is locked by another update; if none is running, "
                f"`pulumi cancel -s {session.stack}` from {session.folder.path} releases it"
            ) from None
        except CommandError as exc:
            raise UserError(f"pulumi {verb} of {session.stack} failed: {progress.failure(exc)}") from None
    summary = ", ".join(f"{n} {op}" for op, n in sorted(progress.changed.items())) or "no changes"
    console.print(f"[bold]{verb} {session.stack}: {summary}[/]")
    return result


# --- the commands ----------------------------------------------------------------------------


def deployed_blueprint(stack) -> str | None:
    """The blueprint id@version the stack last deployed (its `councilkit` output), if any."""
    from pulumi.automation import CommandError

    try:
        meta = plain_outputs(stack.outputs()).get("councilkit")
    except CommandError:
        return None
    return meta.get("blueprint") if isinstance(meta, dict) else None


# The UK baseline as a Pulumi policy pack: the engine enforces it on every real update too.
POLICY_PACK = Path(__file__).resolve().parent.parent / "stacks" / "policy" / "pack"


def up(session: Session, console, total: int | None = None, plan=None,
       dns_wait: float = 20 * 60) -> tuple[dict[str, Any], str | None]:
    """Deploy in the cloud adapter's go-live phases (cli/golive.py); returns the outputs and the
    blueprint deployed before (None on a first deploy).

    A phase with `target_types` is a targeted update of the planned resources of those types and
    what they need (`plan`, the offline plan of the same folder, gives the URNs); the last phase
    is the whole stack, after which the app is checked from outside. What the council must do
    (DNS records, an image to push) is shown at once and waited for up to `dns_wait` seconds;
    past that `up` exits 3 (golive.WAITING_EXIT) and the next `up` carries on.
    """
    from . import golive

    from councilkit.stacks.cloud import GoLive

    stack = open_stack(session, create=True)
    previous = deployed_blueprint(stack)
    cloud = cloud_for(session.deployment.cloud)

    def update(phase, urns):
        options = dict(color="never", policy_packs=[str(POLICY_PACK)])
        verb, count = "up", total
        if urns is not None:
            verb, count, options["target"] = f"up ({phase.name})", len(urns), urns
            options["target_dependents"] = False
        return _run(session, verb,
                    lambda p: stack.up(on_output=p.on_output, on_event=p.on_event, **options), console, count)

    def read_state() -> list[dict]:
        exported = _call(session, "read the state", stack.export_stack)
        return list(((exported.deployment if exported else None) or {}).get("resources") or [])

    live = GoLive(deployment=session.deployment, folder=session.folder.path, console=console, read_state=read_state)
    try:
        result = golive.run_phases(cloud, cloud.go_live_phases(session.deployment), live, plan, update,
                                   wait_seconds=dns_wait,
                                   install_due=previous is None and session.deployment.blueprint.install is not None)
    except golive.Waiting as waiting:
        console.print("[yellow]waiting on the council:[/] ", end="")
        console.print(str(waiting), soft_wrap=True, markup=False, highlight=False)
        raise SystemExit(golive.WAITING_EXIT) from None
    return plain_outputs(result.outputs if result else {}), previous


def refresh(session: Session, console) -> None:
    stack = open_stack(session, create=False)
    _run(session, "refresh", lambda p: stack.refresh(on_output=p.on_output, on_event=p.on_event, color="never"), console)


def outputs(session: Session) -> dict[str, Any]:
    stack = open_stack(session, create=False)
    return plain_outputs(_call(session, "read the outputs", stack.outputs))


def destroy(session: Session, console, targets: list[str], delete_backups: bool = False) -> list[dict[str, str]]:
    """Destroy the stack; returns the resources Pulumi deleted ({type, name, id}), from its events.

    With `targets` (production), first one targeted update of those still in the state, with
    config councilkit:release-protection (and councilkit:delete-backups when the council chose
    it): the cloud refuses to delete a protected resource, and Pulumi deletes a retained one, or
    a bucket's objects (force_destroy), only once an update has written that into the state
    (pulumi.com retainOnDelete; pulumi/pulumi#13428: whether a delete is retained "is entirely
    governed by what's currently in state"; pulumi_aws s3.Bucket force_destroy). The record
    leaves retained resources out of "deleted" by the delete event's `old.retain_on_delete`
    (pulumi/pulumi#13287). Targets no longer in the
    state (a destroy that stopped half-way) are left out, or the update would re-create them.
    The config is removed afterwards, also when the destroy fails, so a later `up` restores the
    protection. A failure or an interrupt says so; `councilkit destroy` again continues."""
    from pulumi.automation import ConfigValue

    stack = open_stack(session, create=False)
    again = (f"nothing is recorded as retired; `councilkit destroy {session.folder.path}` again "
             "continues where this stopped")
    keys: list[str] = []
    deleted: list[dict[str, str]] = []

    def on_event(progress):
        def tee(event) -> None:
            done = event.res_outputs_event
            meta = done.metadata if done is not None else None
            if meta is not None and getattr(meta.op, "value", meta.op) == "delete" and meta.old is not None \
                    and meta.old.custom and not meta.old.retain_on_delete and not meta.type.startswith("pulumi:"):
                # The cloud's own id too: the deletion certificate names what was deleted as the cloud knows it.
                deleted.append({"type": meta.type, "name": meta.urn.rsplit("::", 1)[-1],
                                **({"id": str(meta.old.id)} if meta.old.id else {})})
            progress.on_event(event)
        return tee

    try:
        if targets:
            state = _call(session, "read the state", stack.export_stack)
            present = {r.get("urn") for r in (state.deployment or {}).get("resources", [])}
            targets = [urn for urn in targets if urn in present]
        if targets:
            keys = [RELEASE_PROTECTION] + ([DELETE_BACKUPS] if delete_backups else [])
            for key in keys:
                _call(session, "set config", lambda key=key: stack.set_config(key, ConfigValue(value="true")))
            verb = "release protection and backups on" if delete_backups else "release protection on"
            _run(session, verb,
                 lambda p: stack.up(target=targets, on_output=p.on_output, on_event=p.on_event, color="never"),
                 console, len(targets))
        _run(session, "destroy",
             lambda p: stack.destroy(on_output=p.on_output, on_event=on_event(p), color="never"), console)
    except UserError as exc:
        raise UserError(f"{exc}; {again}") from None
    except KeyboardInterrupt:
        raise UserError(f"destroy of {session.stack} was interrupted; {again}") from None
    finally:
        for key in keys:
            try:
                _call(session, "remove config", lambda key=key: stack.remove_config(key))
            except UserError as exc:
                console.print(f"[yellow]warning:[/] {exc}; remove it with `pulumi config rm {key} -s {session.stack}`")
    return deleted


def plain_outputs(output_map) -> dict[str, Any]:
    return {key: ("[secret]" if value.secret else value.value) for key, value in (output_map or {}).items()}


def describe_outputs(values: dict[str, Any], d: Deployment) -> list[str]:
    """What a council needs from the outputs (read as StackOutputs): the address, the DNS
    records, where the admin credentials are kept and how to read them, then the rest."""
    out = StackOutputs.from_exports(values, cloud_for(d.cloud))
    lines = [f"url: {out.url or f'https://{d.domain}'}"]
    records = out.records()
    if records:
        lines.append("dns records to create:")
        lines += [f"  {r.type} {r.name} -> {r.value}" for r in records]
    creds = out.admin_credentials
    lines.append(f"admin credentials: {creds.store}, {creds.location}:")
    for name, ref in sorted(creds.secrets.items()):
        lines.append(f"  {name}: {ref}" if ref != name else f"  {name}")
    if creds.read_command:
        lines.append(f"  read one with: {creds.read_command}")
    shown = {"url", "dns_records", "admin_credentials", "councilkit", "one_off", "data_locations", "cloud"}
    for key in sorted(set(values) - shown):
        lines.append(f"{key}: {values[key]}")
    return lines
