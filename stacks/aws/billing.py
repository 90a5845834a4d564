"""Activate the `stack` cost allocation tag, which the stack's budget filters on.

AWS counts a tag in cost data (and so in a budget's TagKeyValue filter) only once it is an
active cost allocation tag, and lets it be activated only after it has appeared in billing data,
about a day after the first tagged resource (Billing user guide, "Activating user-defined cost
allocation tags"; terraform-provider-aws aws_ce_cost_allocation_tag notes the same wait). So the
stack cannot do it on its first `up`: `councilkit up` calls this after every deploy, and says
plainly when AWS is not ready yet, or when the account is a linked account whose payer must do
it. The call is idempotent: activating an active tag changes nothing (Cost Explorer API,
UpdateCostAllocationTagsStatus). Cost Explorer's endpoint is global, in us-east-1.
"""

from __future__ import annotations

COST_TAGS = ("stack",)
CE_REGION = "us-east-1"


def activate_cost_tags(client=None, keys: tuple[str, ...] = COST_TAGS) -> str:
    """One line for the user: the tags are active, or why not yet and what happens next."""
    if client is None:
        import boto3

        client = boto3.client("ce", region_name=CE_REGION)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = client.update_cost_allocation_tags_status(
            CostAllocationTagsStatus=[{"TagKey": key, "Status": "Active"} for key in keys]
        )
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return (f"budget: could not activate the cost allocation tag {', '.join(keys)} "
                f"({error.get('Code', 'error')}: {error.get('Message', '')}); in a linked account the "
                "payer account activates it (Billing console, Cost allocation tags)")
    except BotoCoreError as exc:
        return f"budget: could not reach Cost Explorer to activate the cost allocation tag ({exc})"
    errors = response.get("Errors") or []
    if not errors:
        return f"budget: cost allocation tag {', '.join(keys)} is active; the budget counts this stack's spend"
    pending = ", ".join(sorted({e.get("TagKey", "?") for e in errors}))
    reason = errors[0].get("Message") or errors[0].get("Code") or "not yet in billing data"
    return (f"budget: cost allocation tag {pending} is not active yet ({reason}); AWS allows it about a "
            "day after the first tagged resource, and `councilkit up` again activates it. Until then "
            "the budget sees no spend.")
