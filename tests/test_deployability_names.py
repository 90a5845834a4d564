"""Property tests: whatever a council types (apostrophes as in King's Lynn, ampersands, digits
first, 80 characters, letters of any script as in Cyngor Sir Ynys Môn), the names and
texts councilkit derives from it pass every deployability naming rule. The naming functions are
tested directly; tests/test_deployability.py plans whole stacks for a few odd names."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from councilkit.blueprints.deployment import COUNCIL_RE, DOMAIN_RE, build_deployment
from councilkit.blueprints.errors import UserError
from councilkit.stacks.aws import deployability as aws
from councilkit.stacks.aws.edge import elb_name
from councilkit.stacks.aws.settings import FINAL_SNAPSHOT_SUFFIX_BYTES, final_snapshot_id
from councilkit.stacks.azure import deployability as azure
from councilkit.stacks.azure.names import key_vault, storage_account
from councilkit.stacks.deployability import plant
from councilkit.stacks.spec import short_name

typed = st.from_regex(COUNCIL_RE, fullmatch=True).map(str.strip).filter(lambda s: COUNCIL_RE.match(s))
councils = typed | st.sampled_from([
    "King's Lynn & West Norfolk", "Internal Audit Council", "1st Unitary Council", "A - B Council",
    "St. Helens (Metropolitan) Borough, Council", "x" * 80, "Hertogenbosch's Council ''",
    "Cyngor Sir Ynys Môn", "Comhairle na Gàidhealtachd", "Москва", "東京都",
])
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
domains = st.builds(lambda parts, tld: ".".join([*parts, tld]), st.lists(labels, min_size=1, max_size=4),
                    st.from_regex(r"[a-z]{2,6}", fullmatch=True)).filter(lambda s: DOMAIN_RE.match(s))
tiers = st.sampled_from(["trial", "production"])
apps = st.sampled_from(["nextcloud", "localgov-drupal"])


def refused(rule, path: str, value) -> list[str]:
    return [f"{rule.id} {p.path}={p.value!r}: {p.message}" for p in rule.problems(plant({}, path, value))]


def deployment(council, tier, app, cloud="aws", domain="files.example-council.gov.uk"):
    return build_deployment(app, cloud=cloud, tier=tier, council=council, domain=domain,
                            contact="it@example-council.gov.uk")


@settings(max_examples=150, deadline=None)
@given(council=councils, tier=tiers, app=apps)
def test_aws_names_from_any_council_pass_the_naming_rules(council, tier, app):
    d = deployment(council, tier, app)
    snapshot = final_snapshot_id(d, "f" * 2 * FINAL_SNAPSHOT_SUFFIX_BYTES)  # the stack's RandomId, in hex
    problems = (refused(aws.LB_NAME, "name", elb_name(d)) + refused(aws.TG_NAME, "name", elb_name(d))
                + refused(aws.FINAL_SNAPSHOT, "finalSnapshotIdentifier", snapshot)
                + refused(aws.RDS_IDENTIFIER, "identifier", snapshot.lower())
                + refused(aws.ECS_NAMES, "name", short_name(d, 255))
                + refused(aws.ECS_NAMES, "family", f"{d.stack_name}-web"[:255])
                + refused(aws.LOG_GROUP, "name", f"/councilkit/{d.stack_name}")
                + refused(aws.SECRET_TEXT, "namePrefix", f"councilkit/{d.stack_name}/admin-password-")
                + refused(aws.KMS_ALIAS, "namePrefix", f"alias/councilkit/{d.stack_name[:200]}-")
                + refused(aws.WAF_NAMES, "name", d.stack_name) + refused(aws.WAF_METRICS, "visibilityConfig.metricName", d.stack_name)
                + refused(aws.SCHEDULE_TEXT, "name", short_name(d, 64)))
    assert problems == [], (council, problems)


@settings(max_examples=100, deadline=None)
@given(council=councils, tier=tiers, app=apps)
def test_azure_names_from_any_council_pass_the_naming_rules(council, tier, app):
    d = deployment(council, tier, app, cloud="azure")
    problems = (refused(azure.KEY_VAULT_NAME, "vaultName", key_vault(d, "0000"))
                + refused(azure.STORAGE_ACCOUNT_NAME, "accountName", storage_account(d)))
    assert problems == [], (council, problems)


@settings(max_examples=100, deadline=None)
@given(council=st.text(min_size=1, max_size=90), tier=tiers)
def test_any_text_as_a_council_is_refused_in_one_line_or_gives_valid_names(council, tier):
    """Any script, quotes, control characters, emoji: the deployment refuses what is not a name,
    with one line; what it accepts names validly."""
    try:
        d = deployment(council, tier, "nextcloud")
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    assert refused(aws.LB_NAME, "name", elb_name(d)) == []
    assert refused(aws.ECS_NAMES, "name", short_name(d, 255)) == []


@settings(max_examples=60, deadline=None)
@given(domain=domains, tier=tiers)
def test_any_domain_leaves_the_names_valid(domain, tier):
    d = deployment("King's Lynn & West Norfolk", tier, "nextcloud", domain=domain)
    assert refused(aws.LB_NAME, "name", elb_name(d)) == []
    assert refused(aws.LOG_GROUP, "name", f"/councilkit/{d.stack_name}") == []
