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


def test_a_process_bigger_than_the_cloud_runs_is_refused_with_one_line(tmp_path):
    import shutil

    from councilkit.blueprints.deployment import build_deployment
    from councilkit.blueprints.errors import UserError
    from councilkit.blueprints.loader import BUILTIN_DIR

    folder = tmp_path / "nextcloud"
    shutil.copytree(BUILTIN_DIR / "nextcloud", folder)
    text = (folder / "1.0.0.yaml").read_text()
    (folder / "1.0.0.yaml").write_text(text.replace("version: 1.0.0", "version: 9.0.0", 1))
    import yaml

    doc = yaml.safe_load((folder / "1.0.0.yaml").read_text())
    first = next(iter(doc["tiers"]["production"]["processes"]))
    doc["tiers"]["production"]["processes"][first].update(cpu=8, memory_gib=16)
    (folder / "9.0.0.yaml").write_text(yaml.safe_dump(doc))
    (folder / "1.0.0.yaml").unlink()
    with pytest.raises(UserError, match=rf"process {first} asks for 8 vCPU / 16 GiB on production; azure runs at most 4 vCPU / 8 GiB"):
        build_deployment("nextcloud@9.0.0", cloud="azure", tier="production", blueprint_dirs=(str(tmp_path),))
    assert build_deployment("nextcloud@9.0.0", cloud="aws", tier="production", blueprint_dirs=(str(tmp_path),))
