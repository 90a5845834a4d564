"""Apps: the blueprint's processes on Azure Container Apps, one resource per container.

- web: a container app with external HTTPS-only ingress (`allowInsecure: false`), probes on the
  blueprint's health path (with the site's Host header when the app needs it: the probes go
  from the platform straight to the container, never through ingress or Front Door, so the
  council's domain the app trusts is the right Host for them), and replicas from the tier (at
  least two in production). Trial: users reach the app directly, so the council's domain is
  bound to it with a Container Apps managed certificate. Production: users reach Front Door,
  which holds the domain's certificate and calls the app by its own FQDN over Private Link
  (edge.py); the app has no custom domain and no certificate of its own, since a managed
  certificate validates only over a public environment and a CNAME to the app, and production
  has neither (custom-domains-managed-certificates.md).
- service: a container app with internal-only TCP ingress (`external: false`, `transport: tcp`,
  `exposedPort` = the blueprint's port). Other apps of the environment reach it at
  `<app name>:<port>`, which is what `${service.NAME}` becomes. TCP rather than HTTP ingress:
  internal HTTP ingress answers on 80/443 only (the blueprint's port would be lost, `http://backend:8000`
  would not connect) and redirects plain HTTP to HTTPS; TCP keeps the port and passes any
  protocol through unchanged (HTTP, websockets, ActiveMQ's 61616, Solr's 8983).
- worker: a container app with no ingress and a fixed replica count.
- cron: a Container Apps job on the blueprint's schedule, one replica per run, never overlapping
  a long run with a retry (singleton, APPS.md gotcha 3).
- install / upgrade: Container Apps jobs with a manual trigger, built from the named container
  (image, env, secrets, shared files) running the blueprint's commands once; `councilkit`
  starts them after the first / each new rollout (`one_off` stack output).
- singleton: one replica (min = max = 1) in single revision mode. Container Apps has no
  "stop the old replica first" rollout: a new revision starts, and the old one is stopped as soon
  as the new one is running. The overlap is therefore the new replica's start-up plus the old
  one's shutdown after SIGTERM (up to `terminationGracePeriodSeconds`, 30 s by default); a
  singleton has no readiness probe of its own to lengthen it. Where even that overlap is unsafe,
  `one_off.singletons` gives the command that stops a singleton before `up` (no overlap at all).
Every container runs as the deployment's managed identity; secrets are Key Vault references
(`keyVaultUrl` + identity) exposed to the process through `secretRef`, never plain env values.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.app as app

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.clouds import facts
from councilkit.blueprints.model import Container, ProcessSize, Upgrade
from councilkit.stacks.spec import image_of, mounts_of, render_env, size_of

from . import names
from .files import SHARE_NAME, subdirectory

# Container Apps' consumption profile: 0.25-vCPU steps up to 4 vCPU, 2 GiB of memory per vCPU
# (0.25/0.5Gi ... 4/8Gi per container): https://learn.microsoft.com/azure/container-apps/containers#allocations
CPU_STEP = 0.25
MAX_CPU, MAX_MEMORY_GIB = facts("azure").max_process  # one home: blueprints/clouds.py
# Probe limits of Container Apps.
MAX_INITIAL_DELAY = 60
MAX_PERIOD = 240
MAX_FAILURES = 10
# How long one install or upgrade run may take (site creation, migrations, reindexing).
ONE_OFF_TIMEOUT_SECONDS = 7200
ONE_OFF_STEPS = ("install", "upgrade")
MANAGED_CERTIFICATE = "web-domain"
# The deployment's one NFS share as a volume, and where the init container mounts its root.
SHARED_VOLUME = SHARE_NAME
SHARE_ROOT = "/mnt/councilkit-shared"


def consumption_size(size: ProcessSize, process: str | None = None) -> tuple[float, str]:
    """(cpu, memory) meeting the blueprint's size: the smallest allowed pair at least as large.

    Raises ValueError, naming `process` when given, for a size beyond the consumption maximum
    (4 vCPU / 8 GiB per container) rather than giving the process less than it asked for.
    """
    if size.cpu > MAX_CPU or size.memory_gib > MAX_MEMORY_GIB:
        who = f"process {process!r}" if process else "a process"
        raise ValueError(
            f"{who} asks for {size.cpu:g} vCPU and {size.memory_gib:g} GiB: no Container Apps consumption "
            f"size holds it (at most {MAX_CPU:g} vCPU and {MAX_MEMORY_GIB:g} GiB per container)"
        )
    cpu = max(size.cpu, size.memory_gib / 2)
    cpu = math.ceil(cpu / CPU_STEP) * CPU_STEP
    return cpu, f"{cpu * 2:g}Gi"


def replicas(d: Deployment, container: Container) -> int:
    wanted = size_of(d, container).replicas
    if container.singleton:
        return 1
    if container.role == "web" and d.production:
        return max(2, wanted)
    return wanted


def job_timeout_seconds(schedule: str) -> int:
    """How long one cron run may take: 30 s less than the shortest gap between two runs (so runs
    never overlap), at least a minute and at most an hour. Container Apps jobs read the schedule
    as standard 5-field cron in UTC (https://learn.microsoft.com/azure/container-apps/jobs#scheduled-jobs),
    so the gap comes from the blueprint's reader of it (croniter's values)."""
    from councilkit.blueprints.cron import read

    gap = int(read(schedule).shortest_gap.total_seconds())
    return max(60, min(3600, gap - 30))


def service_addresses(d: Deployment) -> dict[str, str]:
    """`${service.NAME}` → `<container app name>:<port>`: how apps of one environment reach an
    internal TCP ingress (Container Apps resolves an app's name inside its environment)."""
    return {
        c.name: f"{names.container_app(d, c.name)}:{c.port}"
        for c in d.blueprint.containers
        if c.role == "service"
    }


def one_off_job_name(d: Deployment, step: str) -> str:
    return names.container_app(d, f"{step}-job")


def one_off_steps(d: Deployment) -> dict[str, Upgrade]:
    """The blueprint's one-off steps that have commands to run, by kind (install, upgrade)."""
    bp = d.blueprint
    found = {kind: getattr(bp, kind) for kind in ONE_OFF_STEPS}
    return {kind: step for kind, step in found.items() if step is not None and step.commands}


@dataclass
class AppsArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    environment_id: pulumi.Input[str]
    environment_name: pulumi.Input[str]
    identity_id: pulumi.Input[str]
    network_cidr: str
    blueprint_secret_urls: dict[str, pulumi.Input[str]]
    """blueprint secret name → versionless Key Vault secret URL"""
    shared_secret_env: dict[str, tuple[str, pulumi.Input[str]]] = field(default_factory=dict)
    """env name → (Container Apps secret name, Key Vault URL), for every container (DB, cache)"""
    shared_env: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """env name → plain value for every container (database host, cache host…)"""
    storage_name: str | None = None
    """the environment storage holding the shared files (one NFS share; a subdirectory per path)"""
    registry_server: str | None = None
    image_repository: str | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class Apps(pulumi.ComponentResource):
    """`web` (the container app), `services`, `workers`, `jobs` (cron) and `one_off_jobs` by
    name, `web_name`, `certificate` (the web app's managed certificate; None in production),
    `service_addresses`."""

    def __init__(self, name: str, args: AppsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Apps", name, None, opts)
        self._args = args
        d = args.deployment
        child = pulumi.ResourceOptions(parent=self, depends_on=args.depends_on)
        self.service_addresses = service_addresses(d)
        self.jobs: dict[str, app.Job] = {}
        self.workers: dict[str, app.ContainerApp] = {}
        self.services: dict[str, app.ContainerApp] = {}
        self.one_off_jobs: dict[str, app.Job] = {}
        self._identity = app.ManagedServiceIdentityArgs(
            type="UserAssigned", user_assigned_identities=[args.identity_id]
        )
        for container in d.blueprint.containers:
            resource_name = names.container_app(d, container.name)
            if container.role == "cron":
                self.jobs[container.name] = self._job(
                    f"{name}-{container.name}",
                    resource_name,
                    container,
                    dict(
                        trigger_type="Schedule",
                        schedule_trigger_config=app.JobConfigurationScheduleTriggerConfigArgs(
                            cron_expression=container.schedule,
                            parallelism=1,
                            replica_completion_count=1,
                        ),
                        replica_timeout=job_timeout_seconds(container.schedule),
                        # A failed run waits for the next schedule rather than overlapping it.
                        replica_retry_limit=0,
                    ),
                    child,
                )
                continue
            count = replicas(d, container)
            web = container.role == "web"
            containers, init_containers, volumes = self._containers(container)
            resource = app.ContainerApp(
                f"{name}-{container.name}",
                container_app_name=resource_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                managed_environment_id=args.environment_id,
                workload_profile_name="Consumption",
                identity=self._identity,
                configuration=app.ConfigurationArgs(
                    # One active revision: never two versions of the app serving side by side.
                    active_revisions_mode="Single",
                    ingress=self._ingress(container),
                    secrets=self._secrets(container),
                    registries=self._registries(container),
                ),
                template=app.TemplateArgs(
                    containers=containers,
                    init_containers=init_containers,
                    volumes=volumes,
                    scale=app.ScaleArgs(
                        min_replicas=count,
                        # Web scales out under load; other counts are fixed (and a singleton's is 1).
                        max_replicas=max(count * 2, 3) if web and not container.singleton else count,
                    ),
                ),
                opts=child,
            )
            if web:
                self.web = resource
                self.web_name = resource_name
            elif container.role == "service":
                self.services[container.name] = resource
            else:
                self.workers[container.name] = resource
        self.certificate = None if d.production else self._certificate(name)
        for kind, step in one_off_steps(d).items():
            container = next(c for c in d.blueprint.containers if c.name == step.container)
            self.one_off_jobs[kind] = self._job(
                f"{name}-{kind}",
                one_off_job_name(d, kind),
                container,
                dict(
                    # Started on demand by `councilkit` (az containerapp job start), never on its own.
                    trigger_type="Manual",
                    manual_trigger_config=app.JobConfigurationManualTriggerConfigArgs(
                        parallelism=1, replica_completion_count=1
                    ),
                    replica_timeout=ONE_OFF_TIMEOUT_SECONDS,
                    # A failed migration is looked at, not retried half-way through.
                    replica_retry_limit=0,
                ),
                child,
                commands=step.commands,
            )
        self.register_outputs({"web": self.web.id})

    def _job(
        self,
        resource_name: str,
        job_name: str,
        container: Container,
        trigger: dict,
        opts: pulumi.ResourceOptions,
        commands: list[list[str]] | None = None,
    ) -> app.Job:
        """A Container Apps job running `container` (or, with `commands`, those instead)."""
        a = self._args
        configuration = app.JobConfigurationArgs(
            **trigger, secrets=self._secrets(container), registries=self._registries(container)
        )
        containers, init_containers, volumes = self._containers(container, commands=commands)
        return app.Job(
            resource_name,
            job_name=job_name,
            resource_group_name=a.resource_group_name,
            location=a.location,
            environment_id=a.environment_id,
            workload_profile_name="Consumption",
            identity=self._identity,
            configuration=configuration,
            template=app.JobTemplateArgs(containers=containers, init_containers=init_containers, volumes=volumes),
            opts=opts,
        )

    def _certificate(self, name: str) -> app.ManagedCertificate:
        """The council's domain on the web app, with a Container Apps managed certificate.

        The app binds the domain with `bindingType: Auto`: Azure creates a managed certificate
        only for a hostname already on an app (RequireCustomHostnameInEnvironment), and binding it
        with `SniEnabled` needs the certificate's id in the app itself, a cycle one declarative
        program cannot express (microsoft/azure-container-apps#796). With `Auto` (API
        2024-10-02-preview on) the platform binds the matching managed certificate once issued.

        Trial only: the domain is a CNAME to the app, so the certificate validates by CNAME
        (production has Front Door's certificate instead: the module docstring).
        """
        a = self._args
        d = a.deployment
        return app.ManagedCertificate(
            f"{name}-web-certificate",
            environment_name=a.environment_name,
            resource_group_name=a.resource_group_name,
            location=a.location,
            managed_certificate_name=MANAGED_CERTIFICATE,
            properties=app.ManagedCertificatePropertiesArgs(
                subject_name=d.domain,
                domain_control_validation="CNAME",
            ),
            # Azure refuses a managed certificate for a hostname no app has yet.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.web]),
        )

    # -- pieces ---------------------------------------------------------------------------------

    def _ingress(self, container: Container) -> app.IngressArgs | None:
        traffic = [app.TrafficWeightArgs(latest_revision=True, weight=100)]
        if container.role == "web":
            return app.IngressArgs(
                external=True,
                target_port=container.port,
                transport="auto",
                # HTTP requests are redirected to HTTPS by the platform, never served.
                allow_insecure=False,
                # Trial only: in production Front Door holds the domain (module docstring).
                custom_domains=None if self._args.deployment.production
                else [app.CustomDomainArgs(name=self._args.deployment.domain, binding_type="Auto")],
                traffic=traffic,
            )
        if container.role == "service":
            return app.IngressArgs(
                # Reachable only from the environment's own apps and jobs, at `<app name>:<port>`.
                # Internal TCP ports may repeat across apps (Alfresco's repository and Share both
                # listen on 8080); only external TCP ports must be unique in an environment.
                external=False,
                transport="tcp",
                target_port=container.port,
                exposed_port=container.port,
                allow_insecure=False,
                traffic=traffic,
            )
        return None

    def _registries(self, container: Container) -> list[app.RegistryCredentialsArgs] | None:
        a = self._args
        if not container.build:
            return None
        return [app.RegistryCredentialsArgs(server=a.registry_server, identity=a.identity_id)]

    def _secret_refs(self, container: Container) -> dict[str, tuple[str, pulumi.Input[str]]]:
        """env name → (Container Apps secret name, Key Vault URL) for this container."""
        a = self._args
        refs = dict(a.shared_secret_env)
        for env_name, secret_name in container.secret_env.items():
            refs[env_name] = (secret_name, a.blueprint_secret_urls[secret_name])
        return refs

    def _secrets(self, container: Container) -> list[app.SecretArgs] | None:
        by_name: dict[str, pulumi.Input[str]] = {}
        for secret_name, url in self._secret_refs(container).values():
            by_name[secret_name] = url
        return [
            app.SecretArgs(name=secret_name, key_vault_url=url, identity=self._args.identity_id)
            for secret_name, url in sorted(by_name.items())
        ] or None

    def _env(self, container: Container) -> list[app.EnvironmentVarArgs]:
        a = self._args
        plain = {
            **render_env(container, a.deployment, a.network_cidr, services=self.service_addresses),
            **a.shared_env,
        }
        env = [app.EnvironmentVarArgs(name=k, value=v) for k, v in sorted(plain.items())]
        env += [
            app.EnvironmentVarArgs(name=k, secret_ref=secret_name)
            for k, (secret_name, _) in sorted(self._secret_refs(container).items())
        ]
        return env

    def _command(self, container: Container) -> tuple[list[str] | None, list[str] | None]:
        """(command, args) as Container Apps takes them: Docker's ENTRYPOINT and CMD.

        Container Apps cannot set the user a container runs as; a blueprint `user` is honoured
        by starting the process through `su` (the image must run as root and ship `su`).
        """
        return self._as_user(container, container.command)

    def _step_command(
        self, container: Container, commands: list[list[str]]
    ) -> tuple[list[str] | None, list[str] | None]:
        """(command, args) running one-off `commands` in order, stopping at the first failure.

        Like a one-off ECS task on AWS, the commands replace the container's CMD and keep its
        ENTRYPOINT (images' entrypoints `exec "$@"`); several commands run through `sh -c`.
        """
        if len(commands) == 1:
            cmd = list(commands[0])
        else:
            cmd = ["/bin/sh", "-c", " && ".join(shlex.join(c) for c in commands)]
        return self._as_user(container, cmd)

    @staticmethod
    def _as_user(container: Container, cmd: list[str] | None) -> tuple[list[str] | None, list[str] | None]:
        if container.user:
            line = shlex.join([*(container.entrypoint or []), *(cmd or [])])
            return ["su", "-p", container.user, "-s", "/bin/sh", "-c", line], None
        return container.entrypoint, cmd

    def _probes(self, container: Container) -> list[app.ContainerAppProbeArgs]:
        check = container.health_check
        headers = (
            [app.ContainerAppProbeHttpHeadersArgs(name="Host", value=self._args.deployment.domain)]
            if check.host_header
            else None
        )

        def http_get() -> app.ContainerAppProbeHttpGetArgs:
            return app.ContainerAppProbeHttpGetArgs(
                path=check.path, port=container.port, scheme="HTTP", http_headers=headers
            )

        delay = min(check.grace_seconds, MAX_INITIAL_DELAY)
        # The startup probe allows the whole grace period (first install, migrations) before
        # liveness takes over: initial delay + period × failures ≥ grace.
        startup_period = min(MAX_PERIOD, max(10, math.ceil((check.grace_seconds - delay) / MAX_FAILURES)))
        return [
            app.ContainerAppProbeArgs(
                type="Startup",
                http_get=http_get(),
                initial_delay_seconds=delay,
                period_seconds=startup_period,
                failure_threshold=MAX_FAILURES,
                timeout_seconds=5,
            ),
            app.ContainerAppProbeArgs(
                type="Liveness",
                http_get=http_get(),
                period_seconds=min(MAX_PERIOD, check.interval_seconds),
                failure_threshold=3,
                timeout_seconds=5,
            ),
            app.ContainerAppProbeArgs(
                type="Readiness",
                http_get=http_get(),
                period_seconds=min(MAX_PERIOD, max(5, check.interval_seconds // 3)),
                failure_threshold=3,
                timeout_seconds=5,
            ),
        ]

    def _containers(self, container: Container, commands: list[list[str]] | None = None):
        """(containers, init containers, volumes) of `container`; with `commands`, a one-off run
        of them (no probes: a job's replica ends when the commands do)."""
        a = self._args
        d = a.deployment
        image = image_of(container, a.image_repository)
        cpu, memory = consumption_size(size_of(d, container), container.name)
        shared = mounts_of(d, container)
        # One share per deployment: each shared path is its subdirectory, mounted with subPath.
        mounts = [
            app.VolumeMountArgs(volume_name=SHARED_VOLUME, mount_path=f.path, sub_path=subdirectory(f.name))
            for f in shared
        ] or None
        volumes = (
            [app.VolumeArgs(name=SHARED_VOLUME, storage_name=a.storage_name, storage_type="NfsAzureFile")]
            if shared
            else None
        )
        if commands is None:
            command, cmd_args = self._command(container)
        else:
            command, cmd_args = self._step_command(container, commands)
        probed = commands is None and container.health_check is not None and container.role != "cron"
        main = app.ContainerArgs(
            name=container.name,
            image=image,
            command=command,
            args=cmd_args,
            env=self._env(container),
            resources=app.ContainerResourcesArgs(cpu=cpu, memory=memory),
            probes=self._probes(container) if probed else None,
            volume_mounts=mounts,
        )
        init = None
        if shared:
            # NFS has no access points: the init container mounts the share's root, creates each
            # path's subdirectory (subPath needs it) and sets its owner and mode from the blueprint
            # before the app starts, with the app's own image (so no other image is pulled or trusted).
            script = " && ".join(
                f"mkdir -p {folder} && chown {f.uid}:{f.gid} {folder} && chmod {f.mode} {folder}"
                for f in shared
                for folder in [shlex.quote(f"{SHARE_ROOT}/{subdirectory(f.name)}")]
            )
            init = [
                app.InitContainerArgs(
                    name="prepare-files",
                    image=image,
                    command=["/bin/sh", "-c", script],
                    resources=app.ContainerResourcesArgs(cpu=0.25, memory="0.5Gi"),
                    volume_mounts=[app.VolumeMountArgs(volume_name=SHARED_VOLUME, mount_path=SHARE_ROOT)],
                )
            ]
        return [main], init, volumes
