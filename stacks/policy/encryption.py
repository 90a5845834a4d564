"""Encryption at rest and in transit (NCSC principles 1 and 2.3)."""

from __future__ import annotations

from .model import BOTH
from .registry import all_of, as_list, control, get, json_doc, judge, of_type, refers_to
from . import types as t

# ALB policies that negotiate TLS 1.2 or newer only (Elastic Load Balancing, "Security policies").
TLS12_POLICIES = {
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
}
# The parameter that makes each RDS engine refuse unencrypted connections.
RDS_FORCE_TLS = {"postgres": "rds.force_ssl", "mysql": "require_secure_transport", "mariadb": "require_secure_transport"}
TRUE_VALUES = {"1", "on", "true"}


def _tls_only_deny(policy) -> bool:
    """A resource policy with a Deny on `aws:SecureTransport = false` (refuses plain connections)."""
    doc = json_doc(policy) or {}
    for st in as_list(doc.get("Statement") if isinstance(doc, dict) else None):
        cond = get(st, "Condition.Bool", {}) or {}
        if st.get("Effect") == "Deny" and str(cond.get("aws:SecureTransport", "")).lower() == "false":
            return True
    return False


# --- AWS ---------------------------------------------------------------------------------------


@control("CK-AWS-001", "RDS databases are encrypted at rest", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP RDS.3", "MCSB DP-4"), ncsc=("2.3",), types=(t.RDS, t.RDS_CLUSTER),
         subject="RDS instance or cluster")
def rds_encrypted(resources, facts):
    return [
        judge(r, r.inputs.get("storageEncrypted") is True, "storageEncrypted is true",
              "storageEncrypted is not true: data, snapshots and backups would be stored unencrypted")
        for r in of_type(resources, t.RDS, t.RDS_CLUSTER)
    ]


@control("CK-AWS-002", "RDS databases refuse unencrypted connections", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB DP-3",), ncsc=("1",), types=(t.RDS, t.RDS_PARAMS),
         subject="RDS instance", scope="stack")
def rds_tls_only(resources, facts):
    """The instance's parameter group sets rds.force_ssl (PostgreSQL) or require_secure_transport."""
    groups = of_type(resources, t.RDS_PARAMS)
    out = []
    for db in of_type(resources, t.RDS):
        engine = str(db.inputs.get("engine", ""))
        key = RDS_FORCE_TLS.get(engine)
        group = next((g for g in groups if refers_to(db.inputs.get("parameterGroupName"), g)), None)
        if key is None:
            out.append(judge(db, False, "", f"engine {engine!r}: no known way to require TLS"))
        elif group is None:
            out.append(judge(db, False, "", "no parameter group of its own: the engine default accepts plain-text connections"))
        else:
            values = {p.get("name"): str(p.get("value", "")).lower() for p in as_list(group.inputs.get("parameters"))}
            out.append(judge(db, values.get(key) in TRUE_VALUES, f"{key}={values.get(key)} in {group.name}",
                             f"{group.name} does not set {key}=1: plain-text connections would be accepted"))
    return out


@control("CK-AWS-003", "EFS file systems are encrypted at rest", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP EFS.1", "MCSB DP-4"), ncsc=("2.3",), types=(t.EFS,), subject="EFS file system")
def efs_encrypted(resources, facts):
    return [
        judge(r, r.inputs.get("encrypted") is True, "encrypted is true", "encrypted is not true")
        for r in of_type(resources, t.EFS)
    ]


@control("CK-AWS-004", "EFS is mounted only over TLS", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("MCSB DP-3",), ncsc=("1",), types=(t.EFS, t.EFS_POLICY, t.TASK_DEFINITION),
         subject="EFS file system", scope="stack")
def efs_tls_only(resources, facts):
    """A file system policy denies non-TLS clients and every task volume on it uses transit encryption."""
    policies = of_type(resources, t.EFS_POLICY)
    tasks = of_type(resources, t.TASK_DEFINITION)
    out = []
    for fs in of_type(resources, t.EFS):
        problems = []
        if not any(refers_to(p.inputs.get("fileSystemId"), fs) and _tls_only_deny(p.inputs.get("policy"))
                   for p in policies):
            problems.append("no file system policy denying aws:SecureTransport=false")
        for task in tasks:
            for volume in as_list(task.inputs.get("volumes")):
                efs = get(volume, "efsVolumeConfiguration")
                if efs and refers_to(efs.get("fileSystemId"), fs) and efs.get("transitEncryption") != "ENABLED":
                    problems.append(f"{task.name} mounts it without transitEncryption=ENABLED")
        out.append(all_of(fs, problems, "TLS required by policy and by every task mount"))
    return out


@control("CK-AWS-005", "ElastiCache is encrypted at rest and in transit, with AUTH", severity="high",
         tiers=BOTH, mandatory=True,
         benchmarks=("FSBP ElastiCache.4", "FSBP ElastiCache.5", "FSBP ElastiCache.6", "MCSB DP-3", "MCSB DP-4"),
         ncsc=("1", "2.3"), types=(t.REDIS_GROUP,), subject="ElastiCache replication group")
def elasticache_encrypted(resources, facts):
    out = []
    for r in of_type(resources, t.REDIS_GROUP):
        problems = []
        if r.inputs.get("atRestEncryptionEnabled") is not True:
            problems.append("atRestEncryptionEnabled is not true")
        if r.inputs.get("transitEncryptionEnabled") is not True:
            problems.append("transitEncryptionEnabled is not true")
        if not r.inputs.get("authToken") and not r.inputs.get("userGroupIds"):
            problems.append("no AUTH token or user group: any client in the network could connect")
        out.append(all_of(r, problems, "encrypted at rest and in transit, AUTH required"))
    return out


@control("CK-AWS-006", "Load balancers serve HTTPS with TLS 1.2 or newer only", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("FSBP ELB.17", "MCSB DP-3"), ncsc=("1",), types=(t.LB, t.LISTENER),
         subject="application load balancer", scope="stack")
def alb_tls12(resources, facts):
    listeners = of_type(resources, t.LISTENER)
    out = []
    for lb in of_type(resources, t.LB):
        if lb.inputs.get("loadBalancerType", "application") != "application":
            continue
        mine = [li for li in listeners if refers_to(li.inputs.get("loadBalancerArn"), lb)]
        https = [li for li in mine if li.inputs.get("protocol") == "HTTPS"]
        problems = [] if https else ["no HTTPS listener"]
        problems += [f"{li.name} uses {li.inputs.get('sslPolicy') or 'the default policy'}, which allows TLS < 1.2"
                     for li in https if li.inputs.get("sslPolicy") not in TLS12_POLICIES]
        out.append(all_of(lb, problems, ", ".join(sorted({li.inputs['sslPolicy'] for li in https})) if https else ""))
    return out


@control("CK-AWS-007", "HTTP listeners only redirect to HTTPS", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("FSBP ELB.1", "MCSB DP-3"), ncsc=("1",), types=(t.LISTENER,), subject="HTTP listener")
def http_redirects(resources, facts):
    out = []
    for li in of_type(resources, t.LISTENER):
        if li.inputs.get("protocol") != "HTTP":
            continue
        actions = as_list(li.inputs.get("defaultActions"))
        good = bool(actions) and all(
            a.get("type") == "redirect" and get(a, "redirect.protocol") == "HTTPS" for a in actions
        )
        out.append(judge(li, good, "redirects to HTTPS", "serves or forwards plain HTTP instead of redirecting to HTTPS"))
    return out


@control("CK-AWS-008", "S3 buckets block public access and refuse plain HTTP", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("FSBP S3.8", "FSBP S3.5", "MCSB NS-2", "MCSB DP-3"), ncsc=("1", "11"),
         types=(t.BUCKET, t.BUCKET_V2, t.BUCKET_PUBLIC_ACCESS, t.BUCKET_POLICY), subject="S3 bucket",
         scope="stack")
def s3_private_tls(resources, facts):
    blocks = of_type(resources, t.BUCKET_PUBLIC_ACCESS)
    policies = of_type(resources, t.BUCKET_POLICY)
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    out = []
    for b in of_type(resources, t.BUCKET, t.BUCKET_V2):
        problems = []
        if not any(refers_to(x.inputs.get("bucket"), b) and all(x.inputs.get(f) is True for f in flags) for x in blocks):
            problems.append("no public access block with all four settings on")
        if not any(refers_to(p.inputs.get("bucket"), b) and _tls_only_deny(p.inputs.get("policy")) for p in policies):
            problems.append("no bucket policy denying aws:SecureTransport=false")
        out.append(all_of(b, problems, "public access blocked, TLS required"))
    return out


@control("CK-AWS-009", "SNS topics are encrypted with KMS", severity="low", tiers=BOTH, mandatory=False,
         benchmarks=("FSBP SNS.1", "MCSB DP-4"), ncsc=("2.3",), types=(t.SNS_TOPIC,), subject="SNS topic")
def sns_encrypted(resources, facts):
    return [
        judge(r, bool(r.inputs.get("kmsMasterKeyId")), f"kmsMasterKeyId={r.inputs.get('kmsMasterKeyId')}",
              "no kmsMasterKeyId: messages stored unencrypted")
        for r in of_type(resources, t.SNS_TOPIC)
    ]


# --- Azure -------------------------------------------------------------------------------------

SERVER_TLS = {
    t.POSTGRES: ("require_secure_transport", "ssl_min_protocol_version"),
    t.MYSQL: ("require_secure_transport", "tls_version"),
}
OLD_TLS = ("tlsv1,", "tlsv1.1", "tls1_0", "tls1_1")


@control("CK-AZR-001", "Database servers require TLS 1.2 or newer", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB DP-3",), ncsc=("1",), types=(*t.DATABASE_SERVERS, *t.DATABASE_CONFIGS),
         subject="flexible server", scope="stack")
def azure_db_tls(resources, facts):
    """require_secure_transport is set on in the plan (not left to a default) and no TLS < 1.2 is allowed."""
    configs = of_type(resources, *t.DATABASE_CONFIGS)
    out = []
    for server in of_type(resources, *t.DATABASE_SERVERS):
        flag, version_key = SERVER_TLS[server.type]
        mine = {c.inputs.get("configurationName"): str(c.inputs.get("value", "")).lower()
                for c in configs if refers_to(c.inputs.get("serverName"), server)}
        problems = []
        if mine.get(flag) not in TRUE_VALUES:
            problems.append(f"{flag} is {mine.get(flag) or 'not set in the plan'}")
        version = mine.get(version_key, "")
        if any(old in version + "," for old in OLD_TLS):
            problems.append(f"{version_key}={version} allows TLS older than 1.2")
        out.append(all_of(server, problems, f"{flag}=on" + (f", {version_key}={version}" if version else "")))
    return out


@control("CK-AZR-002", "Storage accounts accept TLS 1.2 or newer only", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB DP-3",), ncsc=("1",), types=(t.STORAGE_ACCOUNT,),
         subject="storage account")
def storage_tls(resources, facts):
    """HTTPS only, unless the account is reachable only inside the VNet (NFS shares need HTTPS off)."""
    out = []
    for r in of_type(resources, t.STORAGE_ACCOUNT):
        problems = []
        if r.inputs.get("minimumTlsVersion") not in ("TLS1_2", "TLS1_3"):
            problems.append(f"minimumTlsVersion is {r.inputs.get('minimumTlsVersion') or 'the default'}")
        private = r.inputs.get("publicNetworkAccess") == "Disabled" and get(r.inputs, "networkRuleSet.defaultAction") == "Deny"
        if r.inputs.get("enableHttpsTrafficOnly") is False and not private:
            problems.append("plain HTTP allowed on an account reachable from outside the VNet")
        out.append(all_of(r, problems, "TLS 1.2+" + ("" if r.inputs.get("enableHttpsTrafficOnly") is not False
                                                       else ", HTTPS-only off for NFS but reachable only in the VNet")))
    return out


@control("CK-AZR-003", "Redis caches accept TLS 1.2+ only", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB DP-3",), ncsc=("1",), types=(t.REDIS, t.REDIS_CLUSTER, t.REDIS_DATABASE),
         subject="Redis cache, Managed Redis cluster or database")
def redis_tls(resources, facts):
    out = []
    for r in of_type(resources, t.REDIS, t.REDIS_CLUSTER):
        problems = []
        if r.inputs.get("enableNonSslPort") is True:
            problems.append("the plain-text port 6379 is enabled")
        if str(r.inputs.get("minimumTlsVersion", "")) not in ("1.2", "1.3"):
            problems.append(f"minimumTlsVersion is {r.inputs.get('minimumTlsVersion') or 'not set'}")
        out.append(all_of(r, problems, "TLS 1.2+" if r.type == t.REDIS_CLUSTER else "TLS-only port, TLS 1.2+"))
    # Managed Redis serves one protocol on its one port: `clientProtocol` (Encrypted unless set;
    # pulumi-azure-native redisenterprise Protocol enum: "Default is TLS-encrypted").
    for r in of_type(resources, t.REDIS_DATABASE):
        protocol = r.inputs.get("clientProtocol") or "Encrypted"
        out.append(judge(r, protocol == "Encrypted", "clients connect over TLS only (clientProtocol Encrypted)",
                         f"clientProtocol is {protocol}: clients connect in plain text"))
    return out


@control("CK-AZR-004", "Container Apps ingress is HTTPS only", severity="high", tiers=BOTH, mandatory=True,
         benchmarks=("MCSB DP-3",), ncsc=("1",), types=(t.CONTAINER_APP,), subject="container app with ingress")
def container_app_https(resources, facts):
    out = []
    for r in of_type(resources, t.CONTAINER_APP):
        ingress = get(r.inputs, "configuration.ingress")
        if not ingress:
            continue
        out.append(judge(r, ingress.get("allowInsecure") is not True, "allowInsecure is false (HTTP redirected)",
                         "allowInsecure is true: the app answers plain HTTP"))
    return out


@control("CK-AZR-005", "Front Door serves TLS 1.2+ and redirects HTTP", severity="high", tiers=BOTH,
         mandatory=True, benchmarks=("MCSB DP-3",), ncsc=("1",), types=(t.FD_CUSTOM_DOMAIN, t.FD_ROUTE),
         subject="Front Door custom domain or route")
def front_door_tls(resources, facts):
    out = []
    for r in of_type(resources, t.FD_CUSTOM_DOMAIN):
        version = get(r.inputs, "tlsSettings.minimumTlsVersion")
        out.append(judge(r, version in ("TLS12", "TLS13"), f"minimum TLS {version}",
                         f"minimum TLS is {version or 'the default'}, not 1.2"))
    for r in of_type(resources, t.FD_ROUTE):
        problems = []
        if "Http" in as_list(r.inputs.get("supportedProtocols")) and r.inputs.get("httpsRedirect") != "Enabled":
            problems.append("HTTP accepted without a redirect to HTTPS")
        if r.inputs.get("forwardingProtocol") != "HttpsOnly":
            problems.append(f"forwards to the origin over {r.inputs.get('forwardingProtocol') or 'the default'}, not HTTPS only")
        out.append(all_of(r, problems, "HTTP redirected, HTTPS to the origin"))
    return out

