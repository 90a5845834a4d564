"""Apps: the blueprint's processes on Azure Container Apps, one resource per container.

- web: a container app with public HTTPS ingress only (`allowInsecure: false`), probes on the
  blueprint's health path (with the site's Host header when the app needs it), and replicas
  from the tier (at least two in production).
- cron: a Container Apps job on the blueprint's schedule, one replica per run, never overlapping
  a long run with a retry (singleton, APPS.md gotcha 3).
- worker: a container app with no ingress and a fixed replica count.
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
from councilkit.blueprints.model import Container, ProcessSize
from councilkit.stacks.spec import image_of, mounts_of, render_env, size_of

from . import names

# Container Apps' consumption profile: 0.25-vCPU steps up to 4 vCPU, 2 GiB of memory per vCPU.
CPU_STEP = 0.25
MAX_CPU = 4.0
# Probe limits of Container Apps.
MAX_INITIAL_DELAY = 60
MAX_PERIOD = 240
MAX_FAILURES = 10


def consumption_size(size: ProcessSize) -> tuple[float, str]:
    """(cpu, memory) meeting the blueprint's size: the smallest allowed pair at least as large."""
    cpu = max(size.cpu, size.memory_gib / 2)
    cpu = min(MAX_CPU, math.ceil(cpu / CPU_STEP) * CPU_STEP)
    return cpu, f"{cpu * 2:g}Gi"


def replicas(d: Deployment, container: Container) -> int:
    wanted = size_of(d, container).replicas
    if container.role == "web" and d.production:
        return max(2, wanted)
    return wanted


def job_timeout_seconds(schedule: str) -> int:
    """How long one cron run may take: less than the interval for `*/N` minutes, else an hour."""
    minute = schedule.split()[0]
    if minute.startswith("*/") and minute[2:].isdigit():
        return max(60, int(minute[2:]) * 60 - 30)
    return 3600


@dataclass
class AppsArgs:
    deployment: Deployment
    resource_group_name: pulumi.Input[str]
    location: str
    environment_id: pulumi.Input[str]
    identity_id: pulumi.Input[str]
    network_cidr: str
    blueprint_secret_urls: dict[str, pulumi.Input[str]]
    """blueprint secret name → versionless Key Vault secret URL"""
    shared_secret_env: dict[str, tuple[str, pulumi.Input[str]]] = field(default_factory=dict)
    """env name → (Container Apps secret name, Key Vault URL), for every container (DB, cache)"""
    shared_env: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    """env name → plain value for every container (database host, cache host…)"""
    storage_names: dict[str, str] = field(default_factory=dict)
    registry_server: str | None = None
    image_repository: str | None = None
    depends_on: list[pulumi.Resource] = field(default_factory=list)


class Apps(pulumi.ComponentResource):
    """`web` (the container app), `jobs` and `workers` by container name, `web_fqdn`."""

    def __init__(self, name: str, args: AppsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("councilkit:azure:Apps", name, None, opts)
        self._args = args
        d = args.deployment
        child = pulumi.ResourceOptions(parent=self, depends_on=args.depends_on)
        self.jobs: dict[str, app.Job] = {}
        self.workers: dict[str, app.ContainerApp] = {}
        identity = app.ManagedServiceIdentityArgs(
            type="UserAssigned", user_assigned_identities=[args.identity_id]
        )
        for container in d.blueprint.containers:
            resource_name = names.container_app(d, container.name)
            secrets = self._secrets(container)
            containers, init_containers, volumes = self._containers(container)
            registries = (
                [app.RegistryCredentialsArgs(server=args.registry_server, identity=args.identity_id)]
                if container.build
                else None
            )
            if container.role == "cron":
                self.jobs[container.name] = app.Job(
                    f"{name}-{container.name}",
                    job_name=resource_name,
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    environment_id=args.environment_id,
                    workload_profile_name="Consumption",
                    identity=identity,
                    configuration=app.JobConfigurationArgs(
                        trigger_type="Schedule",
                        schedule_trigger_config=app.JobConfigurationScheduleTriggerConfigArgs(
                            cron_expression=container.schedule,
                            parallelism=1,
                            replica_completion_count=1,
                        ),
                        replica_timeout=job_timeout_seconds(container.schedule),
                        # A failed run waits for the next schedule rather than overlapping it.
                        replica_retry_limit=0,
                        secrets=secrets,
                        registries=registries,
                    ),
                    template=app.JobTemplateArgs(
                        containers=containers, init_containers=init_containers, volumes=volumes
                    ),
                    opts=child,
                )
                continue
            count = replicas(d, container)
            web = container.role == "web"
            resource = app.ContainerApp(
                f"{name}-{container.name}",
                container_app_name=resource_name,
                resource_group_name=args.resource_group_name,
                location=args.location,
                managed_environment_id=args.environment_id,
                workload_profile_name="Consumption",
                identity=identity,
                configuration=app.ConfigurationArgs(
                    active_revisions_mode="Single",
                    ingress=self._ingress(container) if web else None,
                    secrets=secrets,
                    registries=registries,
                ),
                template=app.TemplateArgs(
                    containers=containers,
                    init_containers=init_containers,
                    volumes=volumes,
                    scale=app.ScaleArgs(
                        min_replicas=count,
                        # Web scales out under load; a worker's count is fixed (it may be a singleton).
                        max_replicas=max(count * 2, 3) if web else count,
                    ),
                ),
                opts=child,
            )
            if web:
                self.web = resource
                self.web_name = resource_name
            else:
                self.workers[container.name] = resource
        self.register_outputs({"web": self.web.id})

    # -- pieces ---------------------------------------------------------------------------------

    def _ingress(self, container: Container) -> app.IngressArgs:
        return app.IngressArgs(
            external=True,
            target_port=container.port,
            transport="auto",
            # HTTP requests are redirected to HTTPS by the platform, never served.
            allow_insecure=False,
            traffic=[app.TrafficWeightArgs(latest_revision=True, weight=100)],
        )

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
        plain = {**render_env(container, a.deployment, a.network_cidr), **a.shared_env}
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
        if container.user:
            line = shlex.join([*(container.entrypoint or []), *(container.command or [])])
            return ["su", "-p", container.user, "-s", "/bin/sh", "-c", line], None
        return container.entrypoint, container.command

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

    def _containers(self, container: Container):
        a = self._args
        d = a.deployment
        image = image_of(container, a.image_repository)
        cpu, memory = consumption_size(size_of(d, container))
        shared = mounts_of(d, container)
        mounts = [app.VolumeMountArgs(volume_name=f.name, mount_path=f.path) for f in shared] or None
        volumes = [
            app.VolumeArgs(name=f.name, storage_name=a.storage_names[f.name], storage_type="NfsAzureFile")
            for f in shared
        ] or None
        command, cmd_args = self._command(container)
        main = app.ContainerArgs(
            name=container.name,
            image=image,
            command=command,
            args=cmd_args,
            env=self._env(container),
            resources=app.ContainerResourcesArgs(cpu=cpu, memory=memory),
            probes=self._probes(container) if container.role == "web" else None,
            volume_mounts=mounts,
        )
        init = None
        if shared:
            # NFS has no access points: set each share's owner and mode from the blueprint before
            # the app starts, with the app's own image (so no other image is pulled or trusted).
            script = " && ".join(
                f"chown {f.uid}:{f.gid} {shlex.quote(f.path)} && chmod {f.mode} {shlex.quote(f.path)}"
                for f in shared
            )
            init = [
                app.InitContainerArgs(
                    name="prepare-files",
                    image=image,
                    command=["/bin/sh", "-c", script],
                    resources=app.ContainerResourcesArgs(cpu=0.25, memory="0.5Gi"),
                    volume_mounts=mounts,
                )
            ]
        return [main], init, volumes
