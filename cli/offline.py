"""The offline engine: runs the real stack program under Pulumi's own mocks and records the graph.

No network, no credentials, no `pulumi` binary: `pulumi.runtime.set_mocks` replaces the engine,
and a monitor that records every RegisterResource call gives us each resource's type, name,
parent and inputs exactly as a provider would receive them (camelCase wire names). Secret
inputs are kept as secrets, so the plan can show "[secret]" instead of a value.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

SECRET = "[secret]"
PROJECT = "councilkit"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]


@dataclass
class Plan:
    """Every resource a deployment would create, in registration order, plus stack outputs."""

    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> PlannedResource:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_}, found {len(found)}")
        return found[0]


def _mask(value: Any) -> Any:
    """Replace secret values (rpc secret wrappers) with "[secret]"; keep the rest as plain JSON."""
    from pulumi.runtime import rpc

    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return SECRET
        if value.get(rpc._special_sig_key) == rpc._special_resource_sig:
            return value.get("urn", "")
        return {k: _mask(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct carries every number as a double
    return value


# Lookups a stack makes while planning, answered with placeholders of the right shape.
INVOKE_RESULTS = {
    "azure-native:redis:listRedisKeys": {"primaryKey": "mock-primary-key", "secondaryKey": "mock-secondary-key"},
    "azure-native:app:getCustomDomainVerificationId": {"value": "(the subscription's verification id)"},
}

# pulumi-aws module → the service name in its ARNs
ARN_SERVICE = {"efs": "elasticfilesystem", "lb": "elasticloadbalancing", "cloudwatch": "logs"}


def _fake_outputs(type_: str, name: str, inputs: dict) -> dict:
    """Plausible computed outputs so dependent resources get concrete inputs."""
    suffix = name.replace("_", "-")
    out = dict(inputs)
    out.setdefault("name", suffix)
    module, _, kind = type_.split(":")[1].partition("/")
    service = ARN_SERVICE.get(module, module)
    out.setdefault("arn", f"arn:aws:{service}:mock-region:123456789012:{kind.lower()}/{suffix}")
    out.setdefault("id", f"{suffix}-id")
    extras = {
        "arnWithoutRevision": out["arn"],
        "arnSuffix": f"app/{suffix}/0123456789abcdef",
        "identifier": suffix,
        "repositoryUrl": f"123456789012.dkr.ecr.mock/{suffix}",
        "loginServer": f"{suffix.replace('-', '')}.azurecr.mock",
        "dnsName": f"{suffix}.lb.example.internal",
        "endpoint": f"{suffix}.db.example.internal:5432",
        "address": f"{suffix}.db.example.internal",
        "port": inputs.get("port", 5432),
        "primaryEndpointAddress": f"{suffix}.cache.example.internal",
        "zoneId": "ZMOCKZONE",
        "domainValidationOptions": [
            {
                "domainName": inputs.get("domainName", "example.org"),
                "resourceRecordName": f"_validate.{inputs.get('domainName', 'example.org')}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_mock.acm-validations.aws.",
            }
        ],
    }
    for key, value in extras.items():
        out.setdefault(key, value)
    if type_.startswith("azure-native:"):
        from .offline_azure import azure_outputs

        out = azure_outputs(type_, name, out)
    return out


def _new_monitor():
    """A MockMonitor that also records parent, type, custom and the secret-aware inputs."""
    from pulumi.runtime import mocks

    class Engine(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs):
            state = _fake_outputs(args.typ, args.name, args.inputs)
            return state["id"], state

        def call(self, args: mocks.MockCallArgs):
            return INVOKE_RESULTS.get(args.token, {}), []

    class RecordingMonitor(mocks.MockMonitor):
        def __init__(self) -> None:
            super().__init__(Engine())
            self.recorded: list[PlannedResource] = []

        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type != "pulumi:pulumi:Stack":
                self.recorded.append(
                    PlannedResource(
                        urn=response.urn,
                        type=request.type,
                        name=request.name,
                        parent=request.parent,
                        custom=bool(request.custom),
                        inputs=_mask(_raw(request.object)),
                    )
                )
            return response

    def _raw(struct):
        # Deserialize without unwrapping secrets so _mask can see them.
        from google.protobuf import json_format

        return json_format.MessageToDict(struct)

    return RecordingMonitor()


def _without_aliases(args):
    """Drop resource aliases: azure-native declares ~20 per resource (its type under older API
    versions) and turning each into a URN is most of an offline plan's time. Aliases only match
    a resource to state written under an older type; an offline plan has no state."""
    import pulumi

    if not args.opts or not args.opts.aliases:
        return None
    args.opts.aliases = None
    return pulumi.ResourceTransformationResult(props=args.props, opts=args.opts)


def run_offline(program, stack: str) -> Plan:
    """Run `program()` (which registers resources) in-process under mocks and return its Plan."""
    import pulumi
    from pulumi.runtime import mocks, settings, stack as rt_stack

    monitor = _new_monitor()
    outputs: dict[str, Any] = {}

    def body():
        pulumi.runtime.register_stack_transformation(_without_aliases)
        result = program() or {}
        for key, value in result.items():
            outputs[key] = pulumi.Output.from_input(value)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the root Stack and every Output bind to this loop
    # The mock monitor runs in the loop's worker threads, where Pulumi wants an event loop of the
    # thread's own; made here, they are closed below rather than finalized at random by the
    # garbage collector (which prints "Exception ignored ... Invalid file descriptor").
    thread_loops: list[asyncio.AbstractEventLoop] = []

    def thread_loop() -> None:
        thread_loops.append(asyncio.new_event_loop())
        asyncio.set_event_loop(thread_loops[-1])

    loop.set_default_executor(ThreadPoolExecutor(initializer=thread_loop))
    try:
        settings.reset_options(project=PROJECT, stack=stack, preview=True)
        mocks.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
        loop.run_until_complete(rt_stack.run_pulumi_func(body))
        resolved = {k: loop.run_until_complete(_resolve(v)) for k, v in outputs.items()}
    finally:
        asyncio.set_event_loop(None)
        loop.run_until_complete(loop.shutdown_default_executor())
        for done in thread_loops:
            done.close()
        loop.close()
    plan = Plan(stack=stack, resources=monitor.recorded, outputs=resolved)
    return plan


async def _resolve(output) -> Any:
    value = await output.future(with_unknowns=True)
    secret = await output.is_secret()
    return SECRET if secret else value
