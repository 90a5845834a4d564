"""The offline engine: runs the real stack program under Pulumi's own mocks and records the graph.

No network, no credentials, no `pulumi` binary. It uses Pulumi's public unit-testing API:
`pulumi.runtime.set_mocks` with a `Mocks` whose answers come from the deployment's cloud
adapter (fake ids and ARNs, invoke results), and a `MockMonitor` (the `monitor` argument of
`set_mocks`) that records every RegisterResource request exactly as an engine receives it: type,
name, parent, custom, inputs in wire names, dependencies, property dependencies, provider and
the protect / retainOnDelete / deleteBeforeReplace options (the engine's gRPC contract,
pulumi/proto/pulumi/resource.proto). `pulumi.runtime.test` runs the program and awaits it.

The one thing the public API does not expose is how a secret looks on the wire; `wire.py`
holds those constants, and a test fails naming the Pulumi version if Pulumi changes them.
"""

from __future__ import annotations

import gc
import hashlib
from typing import Any, Callable

from councilkit.stacks.plan import IDENTITY_OUTPUTS, SECRET, Plan, PlannedResource

from .wire import mask

__all__ = ["PROJECT", "SECRET", "Plan", "PlannedResource", "run_offline"]

PROJECT = "councilkit"


RANDOM_ID = "random:index/randomId:RandomId"


def generic_outputs(name: str, inputs: dict) -> dict:
    """What every mocked resource returns: its inputs, a name and an id."""
    suffix = name.replace("_", "-")
    out = dict(inputs)
    out.setdefault("name", suffix)
    out.setdefault("id", f"{suffix}-id")
    return out


def _new_monitor():
    """A MockMonitor that records each request; each resource's cloud adapter answers for it."""
    from google.protobuf import json_format
    from pulumi.runtime import mocks

    from councilkit.stacks.cloud import cloud_of_resource

    class Engine(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs):
            state = generic_outputs(args.name, args.inputs)
            if args.typ == RANDOM_ID:
                # pulumi-random returns `hex` (2 digits a byte); a digest of the name keeps
                # plans reproducible where the real engine draws it once per stack.
                size = int(state.get("byteLength", 8))
                state.setdefault("hex", hashlib.sha256(args.name.encode()).hexdigest()[: 2 * size])
            cloud = cloud_of_resource(args.typ)
            if cloud is not None:
                state = cloud.fake_outputs(args.typ, args.name, state)
            return state["id"], state

        def call(self, args: mocks.MockCallArgs):
            cloud = cloud_of_resource(args.token)
            answers = cloud.invoke_results if cloud is not None else {}
            return dict(answers.get(args.token, {})), []

    class RecordingMonitor(mocks.MockMonitor):
        def __init__(self) -> None:
            super().__init__(Engine())
            self.recorded: list[PlannedResource] = []

        def RegisterResource(self, request):
            response = super().RegisterResource(request)
            if request.type == "pulumi:pulumi:Stack":
                return response
            state = self.resources[response.urn].state
            self.recorded.append(
                PlannedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    custom=bool(request.custom),
                    # Deserialized from the protobuf Struct without unwrapping secrets.
                    inputs=mask(json_format.MessageToDict(request.object)),
                    dependencies=sorted(set(request.dependencies)),
                    property_dependencies={
                        key: sorted(set(deps.urns))
                        for key, deps in sorted(request.propertyDependencies.items()) if deps.urns
                    },
                    provider=request.provider,
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    delete_before_replace=bool(request.deleteBeforeReplace),
                    id=response.id,
                    identities={
                        k: v for k in IDENTITY_OUTPUTS if isinstance(v := state.get(k), str) and v
                    },
                )
            )
            return response

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


def run_offline(program: Callable[[], dict | None], stack: str) -> Plan:
    """Run `program()` (which registers resources and returns its exports) under mocks."""
    import pulumi
    import pulumi.runtime

    monitor = _new_monitor()
    resolved: dict[str, Any] = {}

    async def _value(output: pulumi.Output) -> Any:
        value = await output.future(with_unknowns=True)
        return SECRET if await output.is_secret() else value

    async def _collect(exports: dict) -> None:
        for key, value in exports.items():
            resolved[key] = await _value(pulumi.Output.from_input(value))

    @pulumi.runtime.test
    def body():
        pulumi.runtime.register_stack_transformation(_without_aliases)
        exports = program() or {}
        return pulumi.Output.from_input(_collect(exports))

    pulumi.runtime.reset_options(project=PROJECT, stack=stack, preview=True)
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
    with collector_paused():
        body()
    return Plan(stack=stack, resources=monitor.recorded, outputs=mask(resolved))


class collector_paused:
    """No automatic garbage collection inside; one collection of the young generations after.

    A plan allocates millions of short-lived objects (tasks, futures, outputs), and each time the
    collector's thresholds tripped it made full passes over the ~600,000 objects of the imported
    cloud SDKs: about half of a plan's time went there. What a plan leaves behind is young, so
    one young collection at the end frees the same memory (peak RSS is unchanged) at a fraction
    of the cost. Every FULL_EVERY-th use collects all generations, so garbage that reached the
    old generation is freed too over many plans (estate workers). Nested uses collect once, at
    the outermost; the collector is left as it was found.
    """

    FULL_EVERY = 50
    uses = 0

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            cls = type(self)
            cls.uses += 1
            gc.collect(2 if cls.uses % cls.FULL_EVERY == 0 else 1)
            gc.enable()
        return False
