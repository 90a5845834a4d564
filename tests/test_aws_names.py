"""AWS names stay valid and distinct for any council name a user can type (hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from councilkit.blueprints.deployment import COUNCIL_RE, build_deployment
from councilkit.stacks.aws.settings import final_snapshot_id
from councilkit.stacks.aws.edge import elb_name
from councilkit.stacks.spec import short_name

councils = st.from_regex(COUNCIL_RE, fullmatch=True).map(str.strip).filter(lambda s: COUNCIL_RE.match(s))
# Load balancer and target group names: 1–32 alphanumerics or hyphens, no hyphen at either end.
ELB_NAME = re.compile(r"^(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
# RDS identifiers: a letter first, letters, digits and hyphens, ≤ 63, no `--`, no hyphen last.
RDS_ID = re.compile(r"^(?!.*--)[a-zA-Z][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$")
councils = councils | st.sampled_from(["Internal Audit Council", "1st Unitary Council", "A - B Council"])


@settings(max_examples=200, deadline=None)
@given(council=councils, tier=st.sampled_from(["trial", "production"]), app=st.sampled_from(["nextcloud", "localgov-drupal"]))
def test_load_balancer_names_are_valid_for_any_council(council, tier, app):
    d = build_deployment(app, cloud="aws", tier=tier, council=council)
    assert ELB_NAME.match(elb_name(d)), elb_name(d)
    assert RDS_ID.match(final_snapshot_id(d, "ffffffff")), final_snapshot_id(d, "ffffffff")
    assert len(short_name(d, 255)) <= 255


@settings(max_examples=100, deadline=None)
@given(a=councils, b=councils)
def test_different_councils_get_different_names(a, b):
    da = build_deployment("nextcloud", cloud="aws", tier="trial", council=a)
    db = build_deployment("nextcloud", cloud="aws", tier="trial", council=b)
    if da.council_slug != db.council_slug:
        assert elb_name(da) != elb_name(db)


def test_a_long_council_name_without_a_domain_gets_a_valid_placeholder():
    # The placeholder domain's council label was the whole slug: over 63 characters for a long
    # (valid) council name, so the deployment refused a domain the user never typed.
    council = "The Very Long Named Metropolitan Borough Council of Somewhere Far"
    d = build_deployment("nextcloud", cloud="aws", tier="trial", council=council)
    labels = d.domain.split(".") + d.contact.partition("@")[2].split(".")
    assert all(1 <= len(label) <= 63 and not label.endswith("-") for label in labels), labels
