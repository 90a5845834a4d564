"""blueprints/clouds.py: the pure facts a Deployment validates answers against."""

from __future__ import annotations

import pytest

from councilkit.blueprints.clouds import CLOUD_FACTS, CLOUDS, UK_REGIONS, cloud_of_type, facts


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_default_region_is_in_the_uk_and_every_uk_region_is_well_formed(cloud):
    f = facts(cloud)
    assert f.default_region in f.uk_regions == UK_REGIONS[cloud]
    assert all(f.region_pattern.match(r) for r in f.uk_regions)


def test_region_patterns_refuse_the_other_clouds_regions():
    assert not facts("aws").region_pattern.match("uksouth")
    assert not facts("azure").region_pattern.match("eu-west-2")


def test_only_aws_runs_managed_mariadb():
    assert "mariadb" in facts("aws").managed_engines and "mariadb" not in facts("azure").managed_engines
    assert all({"postgres", "mysql"} <= set(f.managed_engines) for f in CLOUD_FACTS.values())


def test_a_stack_component_type_is_no_cloud_of_its_own():
    assert cloud_of_type("councilkit:aws:Database") is None and cloud_of_type("pulumi:pulumi:Stack") is None
