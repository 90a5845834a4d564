"""Plans print no provider deprecation warnings (issue 14, class 13): every input the stacks set
is a current one. Pulumi's SDKs warn through `pulumi.log.warn` when a deprecated input is set (the
line a user would see); a plan of an app with internal services, on both clouds and tiers, must
trigger none. (pulumi-aws also raises Python DeprecationWarnings when its modules load, for
classes councilkit does not use; Python shows those to no one, so they are not judged here.)"""

from __future__ import annotations

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli.planning import plan_deployment


@pytest.mark.parametrize("cloud", ["aws", "azure"])
@pytest.mark.parametrize("tier", ["trial", "production"])
def test_a_plan_sets_no_deprecated_input(cloud, tier, monkeypatch):
    import pulumi

    said = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: said.append(str(message)))
    plan_deployment(build_deployment("alfresco", cloud=cloud, tier=tier))  # internal services, several caches
    assert [m for m in said if "deprecated" in m.lower()] == []


def test_the_check_catches_a_deprecated_input(monkeypatch):
    """The mutation: the input this file was written for, set again, is caught."""
    import pulumi
    import pulumi_aws as aws

    said = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *a, **k: said.append(str(message)))
    aws.servicediscovery.ServiceHealthCheckCustomConfigArgs(failure_threshold=1)
    assert any("failure_threshold is deprecated" in m for m in said)
