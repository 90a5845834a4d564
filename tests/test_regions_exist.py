"""A region must exist (issue 14, class 6): `--allow-non-uk-region` lets data leave the UK, never
into a region that is not there. AWS regions come from botocore's endpoints.json (the SDK's own
list, read without importing botocore)."""

from __future__ import annotations

import json
import sys

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.regions import botocore_regions


def test_the_list_is_the_sdks_commercial_partition():
    import botocore

    from pathlib import Path

    data = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    commercial = next(p for p in data["partitions"] if p["partition"] == "aws")
    assert botocore_regions("aws") == frozenset(commercial["regions"])
    assert {"eu-west-2", "eu-west-1", "us-east-1"} <= botocore_regions("aws")
    assert "cn-north-1" not in botocore_regions("aws") and "us-gov-west-1" not in botocore_regions("aws")


@pytest.mark.parametrize("region", ["eu-west-9", "us-east-7", "cn-north-1", "us-gov-west-1"])
def test_a_region_that_is_not_there_is_refused_even_outside_the_uk(region):
    with pytest.raises(UserError, match=rf"region: '{region}' is not a region of Amazon Web Services"):
        build_deployment("nextcloud", cloud="aws", tier="trial", region=region, allow_non_uk_region=True)


def test_a_real_region_outside_the_uk_still_needs_the_flag_and_then_plans():
    with pytest.raises(UserError, match="outside the UK"):
        build_deployment("nextcloud", cloud="aws", tier="trial", region="eu-west-1")
    d = build_deployment("nextcloud", cloud="aws", tier="trial", region="eu-west-1", allow_non_uk_region=True)
    assert d.region == "eu-west-1" and d.non_uk_region


def test_checking_a_region_does_not_import_the_sdk():
    import subprocess

    code = ("import sys; from councilkit.blueprints.deployment import build_deployment; "
            "build_deployment('nextcloud', cloud='aws', tier='trial', region='eu-west-1', allow_non_uk_region=True); "
            "print('botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr
