"""`up` activates the budget's cost allocation tag, or says why it cannot yet (botocore Stubber)."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from councilkit.stacks.aws.billing import COST_TAGS, activate_cost_tags

REQUEST = {"CostAllocationTagsStatus": [{"TagKey": "stack", "Status": "Active"}]}


def client():
    return boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_the_tag_the_budget_filters_on_is_activated():
    ce = client()
    with Stubber(ce) as stub:
        stub.add_response("update_cost_allocation_tags_status", {"Errors": []}, REQUEST)
        line = activate_cost_tags(ce)
        stub.assert_no_pending_responses()
    assert COST_TAGS == ("stack",)
    assert line.startswith("budget: cost allocation tag stack is active")


def test_a_tag_not_yet_in_billing_data_is_explained_and_retried_next_up():
    ce = client()
    with Stubber(ce) as stub:
        stub.add_response(
            "update_cost_allocation_tags_status",
            {"Errors": [{"TagKey": "stack", "Code": "TagKeysNotFoundException", "Message": "Tag keys not found"}]},
            REQUEST,
        )
        line = activate_cost_tags(ce)
    assert "not active yet (Tag keys not found)" in line and "`councilkit up` again activates it" in line


def test_a_linked_account_is_told_the_payer_activates_it():
    ce = client()
    with Stubber(ce) as stub:
        stub.add_client_error("update_cost_allocation_tags_status", "AccessDeniedException",
                              "Linked account doesn't have access to cost allocation tags")
        line = activate_cost_tags(ce)
    assert "AccessDeniedException" in line and "payer account activates it" in line
    assert "\n" not in line
