"""Least privilege and secrets only by reference (NCSC principles 9 and 10)."""

from __future__ import annotations

import re

from .model import BOTH
from .registry import all_of, as_list, control, get, json_doc, judge, looks_secret, of_type
from . import types as t

# AWS managed policies that grant administration (never attached to an app's roles).
ADMIN_POLICIES = {
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
    "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
}
SECRET_SOURCES = ("arn:aws:secretsmanager:", "arn:aws:ssm:")
# Azure built-in roles that can change everything or hand out access (Owner, Contributor,
# User Access Administrator, Role Based Access Control Administrator).
PRIVILEGED_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
}
BROAD_SCOPE = re.compile(r"^/(subscriptions/[^/]+|providers/Microsoft\.Management/managementGroups/[^/]+)/?$", re.I)


def _wildcards(document) -> list[str]:
    """Problems in an IAM policy document: Allow with `*` or `service:*` actions, or NotAction."""
    doc = json_doc(document)
    if not isinstance(doc, dict):
        return ["policy document is not readable JSON"]
    problems = []
    for st in as_list(doc.get("Statement")):
        if st.get("Effect") != "Allow":
            continue
        if st.get("NotAction"):
            problems.append("Allow with NotAction grants everything not listed")
        for action in as_list(st.get("Action")):
            if action == "*" or str(action).endswith(":*"):
                problems.append(f"Allow {action}" + (" on *" if "*" in as_list(st.get("Resource")) else ""))
    return problems


# --- AWS ---------------------------------------------------------------------------------------


@control("CK-AWS-023", "IAM grants no wildcard actions or administrator policies", severity="critical",
         tiers=BOTH, mandatory=True, benchmarks=("FSBP IAM.1", "FSBP IAM.21", "MCSB PA-7"), ncsc=("9", "10"),
         types=(t.IAM_ROLE, t.IAM_ROLE_POLICY, t.IAM_POLICY, t.IAM_ATTACHMENT), subject="IAM role or policy")
def iam_least_privilege(resources, facts):
    out = []
    for r in of_type(resources, t.IAM_ROLE_POLICY, t.IAM_POLICY):
        out.append(all_of(r, _wildcards(r.inputs.get("policy")), "named actions only"))
    for r in of_type(resources, t.IAM_ATTACHMENT):
        arn = r.inputs.get("policyArn")
        out.append(judge(r, arn not in ADMIN_POLICIES, f"attaches {arn}", f"attaches the administrator policy {arn}"))
    for r in of_type(resources, t.IAM_ROLE):
        problems = [f"managed policy {a}" for a in as_list(r.inputs.get("managedPolicyArns")) if a in ADMIN_POLICIES]
        for inline in as_list(r.inputs.get("inlinePolicies")):
            problems += _wildcards(inline.get("policy"))
        out.append(all_of(r, problems, "no administrator or wildcard grants"))
    return out


@control("CK-AWS-024", "Containers get secrets only by reference", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP ECS.8", "MCSB IM-8"), ncsc=("9", "10"), types=(t.TASK_DEFINITION,),
         subject="ECS task definition")
def ecs_secrets_by_reference(resources, facts):
    """No secret-looking variable in `environment`; `secrets` come from Secrets Manager or SSM ARNs."""
    out = []
    for r in of_type(resources, t.TASK_DEFINITION):
        definitions = json_doc(r.inputs.get("containerDefinitions"))
        if not isinstance(definitions, list):
            out.append(judge(r, False, "", "container definitions are not readable JSON"))
            continue
        problems = []
        for c in definitions:
            for env in as_list(c.get("environment")):
                if looks_secret(env.get("name")) and env.get("value"):
                    problems.append(f"{c.get('name')}: {env.get('name')} is a plain environment value")
            for secret in as_list(c.get("secrets")):
                if not str(secret.get("valueFrom", "")).startswith(SECRET_SOURCES):
                    problems.append(f"{c.get('name')}: {secret.get('name')} is not from Secrets Manager or SSM")
        out.append(all_of(r, problems, "secrets injected from Secrets Manager by ARN"))
    return out


@control("CK-AWS-025", "EFS access points pin the user and the root directory", severity="medium", tiers=BOTH,
         mandatory=False, benchmarks=("FSBP EFS.3", "FSBP EFS.4", "MCSB PA-7"), ncsc=("9",),
         types=(t.EFS_ACCESS_POINT,), subject="EFS access point")
def efs_access_points(resources, facts):
    out = []
    for r in of_type(resources, t.EFS_ACCESS_POINT):
        problems = []
        if get(r.inputs, "posixUser.uid") is None:
            problems.append("no POSIX user enforced")
        if get(r.inputs, "rootDirectory.path", "/") in ("/", ""):
            problems.append("root directory is the whole file system")
        out.append(all_of(r, problems, f"user {get(r.inputs, 'posixUser.uid')}, root {get(r.inputs, 'rootDirectory.path')}"))
    return out


# --- Azure -------------------------------------------------------------------------------------


@control("CK-AZR-019", "Role assignments are least privilege and scoped to one resource", severity="critical",
         tiers=BOTH, mandatory=True, benchmarks=("MCSB PA-7",), ncsc=("9", "10"), types=(t.ROLE_ASSIGNMENT,),
         subject="role assignment")
def azure_least_privilege(resources, facts):
    out = []
    for r in of_type(resources, t.ROLE_ASSIGNMENT):
        role = str(r.inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
        scope = str(r.inputs.get("scope", ""))
        problems = []
        if role in PRIVILEGED_ROLES:
            problems.append(f"grants {PRIVILEGED_ROLES[role]}")
        if BROAD_SCOPE.match(scope):
            problems.append(f"scoped to a whole subscription or management group ({scope})")
        out.append(all_of(r, problems, "a narrow built-in role on one resource"))
    return out


def _app_secret_problems(r) -> list[str]:
    problems = []
    for secret in as_list(get(r.inputs, "configuration.secrets")):
        if secret.get("value") is not None or not secret.get("keyVaultUrl"):
            problems.append(f"secret {secret.get('name')} is stored in the app, not referenced from Key Vault")
        elif not secret.get("identity"):
            problems.append(f"secret {secret.get('name')} has no managed identity to read it")
    for container in as_list(get(r.inputs, "template.containers")) + as_list(get(r.inputs, "template.initContainers")):
        for env in as_list(container.get("env")):
            if looks_secret(env.get("name")) and env.get("value"):
                problems.append(f"{container.get('name')}: {env.get('name')} is a plain environment value")
    return problems


@control("CK-AZR-020", "Apps get secrets only by Key Vault reference", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB IM-8",), ncsc=("9", "10"), types=(t.CONTAINER_APP, t.CONTAINER_JOB),
         subject="container app or job")
def azure_secrets_by_reference(resources, facts):
    return [
        all_of(r, _app_secret_problems(r), "secrets are Key Vault references read by a managed identity")
        for r in of_type(resources, t.CONTAINER_APP, t.CONTAINER_JOB)
    ]


@control("CK-AZR-021", "Key Vault access is granted by Azure RBAC", severity="medium", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB PA-7", "MCSB DP-8"), ncsc=("9",), types=(t.KEY_VAULT,), subject="Key Vault")
def key_vault_rbac(resources, facts):
    return [
        judge(r, get(r.inputs, "properties.enableRbacAuthorization") is True, "Azure RBAC authorisation",
              "vault access policies instead of RBAC: access is per vault, not per role")
        for r in of_type(resources, t.KEY_VAULT)
    ]


@control("CK-AZR-022", "Container registries have no admin user or anonymous pull", severity="medium",
         tiers=BOTH, mandatory=True, benchmarks=("MCSB IM-1", "MCSB PA-1"), ncsc=("10",), types=(t.REGISTRY,),
         subject="container registry")
def registry_identity(resources, facts):
    out = []
    for r in of_type(resources, t.REGISTRY):
        problems = []
        if r.inputs.get("adminUserEnabled") is True:
            problems.append("the shared admin user is enabled")
        if r.inputs.get("anonymousPullEnabled") is True:
            problems.append("anonymous pull is enabled")
        out.append(all_of(r, problems, "pulls only with managed identities"))
    return out
