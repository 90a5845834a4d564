"""The ERPNext and Alfresco blueprints: what each file says, and what it becomes on AWS."""

from __future__ import annotations

import re
import subprocess

import pytest

from councilkit.blueprints.loader import BUILTIN_DIR, load_file
from councilkit.blueprints.model import PLACEHOLDER_RE, PLACEHOLDERS, SERVICE_PREFIX

from helpers import container_definitions, planned

APPS = ("erpnext", "alfresco")
TIERS = ("trial", "production")

IMAGES = {
    "erpnext": {
        "frontend": "frappe/erpnext:v16.32.3",
        "backend": "frappe/erpnext:v16.32.3",
        "websocket": "frappe/erpnext:v16.32.3",
        "queue-short": "frappe/erpnext:v16.32.3",
        "queue-long": "frappe/erpnext:v16.32.3",
        "scheduler": "frappe/erpnext:v16.32.3",
    },
    "alfresco": {
        "proxy": "nginx:1.30.4-alpine",
        "repository": "alfresco/alfresco-content-repository-community:26.1.0",
        "share": "alfresco/alfresco-share:26.1.0",
        "search": "alfresco/alfresco-search-services:2.0.20",
        "transform-core-aio": "alfresco/alfresco-transform-core-aio:5.4.2",
        "activemq": "alfresco/alfresco-activemq:6.2.6-jre17-rockylinux8",
    },
}
ROLES = {
    "erpnext": {
        "frontend": "web", "backend": "service", "websocket": "service",
        "queue-short": "worker", "queue-long": "worker", "scheduler": "worker",
    },
    "alfresco": {
        "proxy": "web", "repository": "service", "share": "service", "search": "service",
        "transform-core-aio": "service", "activemq": "service",
    },
}
PORTS = {
    "erpnext": {"frontend": 8080, "backend": 8000, "websocket": 9000},
    "alfresco": {
        "proxy": 8080, "repository": 8080, "share": 8080, "search": 8983,
        "transform-core-aio": 8090, "activemq": 61616,
    },
}
SINGLETONS = {"erpnext": {"scheduler"}, "alfresco": {"repository", "search", "activemq"}}
DATABASE = {"erpnext": ("mariadb", "10.11"), "alfresco": ("postgres", "17")}
# shared name → (path, uid, gid), and which containers mount which shares
FILES = {
    "erpnext": {"sites": ("/home/frappe/frappe-bench/sites", 1000, 1000)},
    "alfresco": {
        "content": ("/usr/local/tomcat/alf_data", 33000, 1000),
        "solr-index": ("/opt/alfresco-search-services/data", 33007, 33007),
    },
}
MOUNTS = {
    "erpnext": {name: ["/home/frappe/frappe-bench/sites"] for name in ROLES["erpnext"]},
    "alfresco": {
        "proxy": [], "repository": ["/usr/local/tomcat/alf_data"], "share": [],
        "search": ["/opt/alfresco-search-services/data"], "transform-core-aio": [], "activemq": [],
    },
}
# An exact release: x.y.z, optionally with a leading v (Frappe's tags) and a build suffix.
EXACT_TAG = re.compile(r":v?\d+\.\d+\.\d+(-[a-z0-9.-]+)?$")
# Text that would be a credential written in clear: a long random-looking token, or an
# assignment to a password/secret whose value is not a reference to an env variable.
TOKEN = re.compile(r"^[A-Za-z0-9+/_-]{24,}={0,2}$")
ASSIGNMENT = re.compile(r"(?i)(pass(word)?|secret|salt|token)[\w.-]*\s*[=:]\s*\"?([^\s\"]*)")


def _bp(app):
    return load_file(BUILTIN_DIR / app / "1.0.0.yaml")


def _container(app, name):
    return next(c for c in _bp(app).containers if c.name == name)


@pytest.fixture(scope="module")
def plans():
    """(deployment, plan) per app × tier, planned offline once for this module."""
    return {(app, tier): planned(app, "aws", tier) for app in APPS for tier in TIERS}


CASES = [(app, tier) for app in APPS for tier in TIERS]


@pytest.fixture(params=CASES, ids=[f"{a}-{t}" for a, t in CASES])
def case(request, plans):
    app, tier = request.param
    d, plan = plans[(app, tier)]
    return app, d, plan


def _services(app, plan) -> dict:
    return {s.name.removeprefix(f"{app}-"): s for s in plan.of_type("aws:ecs/service:Service")}


def _tasks(app, plan) -> dict:
    return {
        t.name.removeprefix(f"{app}-"): container_definitions(t)[0]
        for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    }


def _env(definition) -> dict:
    return {e["name"]: e["value"] for e in definition["environment"]}


# --- both files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_blueprint_loads_with_the_id_and_version_of_its_place(app):
    assert _bp(app).ref == f"{app}@1.0.0"


@pytest.mark.parametrize("app", APPS)
def test_every_image_is_the_documented_exact_release(app):
    bp = _bp(app)
    assert {c.name: c.image for c in bp.containers} == IMAGES[app]
    for c in bp.containers:
        assert EXACT_TAG.search(c.image), c.image
    main = IMAGES[app]["backend" if app == "erpnext" else "repository"]
    assert main.rsplit(":", 1)[1].lstrip("v") == bp.app.upstream_version


@pytest.mark.parametrize("app", APPS)
def test_processes_have_the_expected_roles_and_ports(app):
    bp = _bp(app)
    assert {c.name: c.role for c in bp.containers} == ROLES[app]
    assert {c.name: c.port for c in bp.containers if c.port} == PORTS[app]


@pytest.mark.parametrize("app", APPS)
def test_only_the_processes_that_must_run_once_are_singletons(app):
    bp = _bp(app)
    assert {c.name for c in bp.containers if c.singleton} == SINGLETONS[app]
    for tier in (bp.tiers.trial, bp.tiers.production):
        for name in SINGLETONS[app]:
            assert tier.processes[name].replicas == 1


@pytest.mark.parametrize("app", APPS)
def test_production_runs_two_of_every_process_that_may_run_twice(app):
    bp = _bp(app)
    for c in bp.containers:
        if not c.singleton:
            assert bp.tiers.production.processes[c.name].replicas >= 2, c.name


@pytest.mark.parametrize("app", APPS)
def test_database_engine_and_version(app):
    db = _bp(app).database
    assert (db.engine, db.version) == DATABASE[app]


@pytest.mark.parametrize("app", APPS)
def test_shared_paths_and_their_owners(app):
    bp = _bp(app)
    assert {f.name: (f.path, f.uid, f.gid) for f in bp.files} == FILES[app]


@pytest.mark.parametrize("app", APPS)
def test_no_env_value_holds_a_secret_in_clear(app):
    for c in _bp(app).containers:
        for key, value in c.env.items():
            assert not re.search(r"(?i)pass|secret|salt|token", key), f"{c.name}.env.{key} belongs in secret_env"
            for word in value.split():
                assert not TOKEN.match(word.strip('"')), f"{c.name}.env.{key}: {word!r}"
            for match in ASSIGNMENT.finditer(value):
                assert match.group(3).startswith("$"), f"{c.name}.env.{key}: {match.group(0)!r} is not a reference"


@pytest.mark.parametrize("app", APPS)
def test_install_and_upgrade_steps_pass_secrets_only_by_reference(app):
    bp = _bp(app)
    secret_env = {k for c in bp.containers for k in c.secret_env} | {bp.database.env.password}
    secret_env |= {cache.env.password for cache in bp.all_caches}
    for steps in (bp.install, bp.upgrade):
        for command in steps.commands:
            text = " ".join(command)
            for match in ASSIGNMENT.finditer(text):
                assert match.group(3).startswith("$") or match.group(3) == "", match.group(0)
            for name in re.findall(r"\$\{?([A-Z][A-Z0-9_]*PASSWORD)\b", text):
                assert name in secret_env, f"{name} is not injected as a secret"


@pytest.mark.parametrize("app", APPS)
def test_env_placeholders_name_known_values_or_internal_services(app):
    bp = _bp(app)
    services = {c.name for c in bp.containers if c.role == "service"}
    for c in bp.containers:
        for value in c.env.values():
            for ref in PLACEHOLDER_RE.findall(value):
                assert ref in PLACEHOLDERS or ref.removeprefix(SERVICE_PREFIX) in services, ref


@pytest.mark.parametrize("app", APPS)
def test_every_shell_script_parses(app):
    bp = _bp(app)
    scripts = [c.command[0] for c in bp.containers if c.entrypoint and c.entrypoint[-1] == "-c"]
    scripts += [c.command[2] for c in bp.containers if c.command and c.command[1:2] == ["-c"]]
    scripts += [command[2] for steps in (bp.install, bp.upgrade) for command in steps.commands if command[1:2] == ["-c"]]
    assert len(scripts) >= 5
    for script in scripts:
        result = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


# --- ERPNext ------------------------------------------------------------------------------------


def test_erpnext_frontend_reaches_backend_and_websocket_and_names_its_site():
    env = _container("erpnext", "frontend").env
    assert env["BACKEND"] == "${service.backend}"
    assert env["SOCKETIO"] == "${service.websocket}"
    assert env["FRAPPE_SITE_NAME_HEADER"] == "${domain}"
    assert env["UPSTREAM_REAL_IP_ADDRESS"] == "${network_cidr}"


def test_erpnext_health_check_is_ping_without_host_header():
    check = _container("erpnext", "frontend").health_check
    assert (check.path, check.host_header) == ("/api/method/ping", False)


@pytest.mark.parametrize(
    ("name", "tail"),
    [
        ("websocket", "exec node /home/frappe/frappe-bench/apps/frappe/socketio.js"),
        ("queue-short", "exec bench worker --queue short,default"),
        ("queue-long", "exec bench worker --queue long,default,short"),
        ("scheduler", "exec bench schedule"),
    ],
)
def test_erpnext_processes_run_upstreams_commands_once_configured(name, tail):
    command = _container("erpnext", name).command
    assert command[:2] == ["bash", "-c"] and command[2].endswith(tail)
    assert "common_site_config.json" in command[2]


def test_erpnext_database_is_utf8mb4_unicode():
    db = _bp("erpnext").database
    assert db.parameters["character_set_server"] == "utf8mb4"
    assert db.parameters["collation_server"] == "utf8mb4_unicode_ci"


def test_erpnext_has_an_evicting_cache_and_a_never_evicting_queue():
    caches = {c.name: c for c in _bp("erpnext").all_caches}
    assert (caches["cache"].eviction, caches["queue"].eviction) == ("allkeys-lru", "noeviction")
    assert caches["cache"].env.password == "REDIS_CACHE_PASSWORD"
    assert caches["queue"].env.password == "REDIS_QUEUE_PASSWORD"


def test_erpnext_configure_step_writes_tls_redis_urls_and_database_tls():
    bp = _bp("erpnext")
    configure = bp.install.commands[0][2]
    assert bp.upgrade.commands[0] == bp.install.commands[0]
    assert 'bench set-config -g redis_cache "$cache_url"' in configure
    assert 'cache_url="rediss://:$(urlquote REDIS_CACHE_PASSWORD)@$REDIS_CACHE_HOST:$REDIS_CACHE_PORT"' in configure
    assert 'queue_url="rediss://:$(urlquote REDIS_QUEUE_PASSWORD)@$REDIS_QUEUE_HOST:$REDIS_QUEUE_PORT"' in configure
    assert "bench set-config -g db_ssl_ca" in configure
    assert "ls -1 apps > sites/apps.txt" in configure


def test_erpnext_configure_step_percent_encodes_the_redis_password(tmp_path):
    bench = tmp_path / "bin" / "bench"
    bench.parent.mkdir()
    bench.write_text('#!/bin/sh\necho "bench $*"\n')
    bench.chmod(0o755)
    curl = tmp_path / "bin" / "curl"
    curl.write_text("#!/bin/sh\nexit 7\n")
    curl.chmod(0o755)
    root = tmp_path / "bench"
    (root / "apps" / "erpnext").mkdir(parents=True)
    (root / "sites").mkdir()
    script = _bp("erpnext").install.commands[0][2].replace("/home/frappe/frappe-bench", str(root))
    env = {
        "PATH": f"{bench.parent}:/usr/bin:/bin", "DB_HOST": "db", "DB_PORT": "3306",
        "REDIS_CACHE_HOST": "cache", "REDIS_CACHE_PORT": "6380", "REDIS_CACHE_PASSWORD": "a+b/c=",
        "REDIS_QUEUE_HOST": "queue", "REDIS_QUEUE_PORT": "6379", "REDIS_QUEUE_PASSWORD": "plain",
    }
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "bench set-config -g redis_cache rediss://:a%2Bb%2Fc%3D@cache:6380" in result.stdout
    assert "bench set-config -g redis_queue rediss://:plain@queue:6379" in result.stdout
    assert (root / "sites" / "common_site_config.json").read_text().strip() == "{}"
    assert (root / "sites" / "apps.txt").read_text().split() == ["erpnext"]


def test_erpnext_install_creates_the_site_with_root_login_from_env():
    bp = _bp("erpnext")
    assert bp.install.container == "backend"
    new_site = bp.install.commands[1][2]
    assert "bench new-site" in new_site
    for flag in (
        "--mariadb-user-host-login-scope=%",
        '--db-root-username "$DB_ROOT_USER"',
        '--db-root-password "$DB_ROOT_PASSWORD"',
        '--admin-password "$ADMIN_PASSWORD"',
        "--install-app erpnext",
    ):
        assert flag in new_site
    assert _container("erpnext", "backend").secret_env == {"ADMIN_PASSWORD": "admin-password"}
    assert bp.database.env.user == "DB_ROOT_USER" and bp.database.env.password == "DB_ROOT_PASSWORD"


def test_erpnext_upgrade_migrates_every_site():
    assert _bp("erpnext").upgrade.commands[-1] == ["bench", "--site", "all", "migrate"]


# --- Alfresco -----------------------------------------------------------------------------------


def test_alfresco_health_check_is_the_repository_ready_probe_through_the_proxy():
    check = _container("alfresco", "proxy").health_check
    assert check.path == "/alfresco/api/-default-/public/alfresco/versions/1/probes/-ready-"
    assert check.host_header is False


def test_alfresco_repository_options_use_placeholders_and_env_references():
    repo = _container("alfresco", "repository")
    opts = repo.env["JAVA_OPTS"]
    assert '-Dmessaging.broker.url="failover:(nio://${service.activemq})' in opts
    assert "-Dalfresco.host=${domain}" in opts and "-Dalfresco.protocol=https" in opts
    assert "-Dsolr.secureComms=secret" in opts
    assert "-DlocalTransform.core-aio.url=http://${service.transform-core-aio}/" in opts
    secret_opts = repo.env["CATALINA_OPTS"]
    for ref in ("$ALF_DB_PASSWORD", "$SOLR_SHARED_SECRET", "$ACTIVEMQ_PASSWORD", "$KEYSTORE_PASSWORD", "$METADATA_KEY_PASSWORD"):
        assert ref in secret_opts
    assert '-Dsolr.host="${SEARCH_ADDR%:*}"' in secret_opts
    assert repo.env["SEARCH_ADDR"] == "${service.search}"


def test_alfresco_secrets_replace_every_upstream_default():
    bp = _bp("alfresco")
    assert {s.name for s in bp.secrets} == {
        "admin-password", "solr-shared-secret", "keystore-password", "metadata-key-password", "activemq-password",
    }
    assert _container("alfresco", "repository").secret_env["SOLR_SHARED_SECRET"] == "solr-shared-secret"
    assert _container("alfresco", "search").secret_env == {"SOLR_SHARED_SECRET": "solr-shared-secret"}
    assert _container("alfresco", "activemq").secret_env == {"ACTIVEMQ_ADMIN_PASSWORD": "activemq-password"}
    text = (BUILTIN_DIR / "alfresco" / "1.0.0.yaml").read_text(encoding="utf-8")
    for published in ("mp6yc0UD9e", "oKIWzVdEdA", "sharedSecret=secret", "secureComms.secret=secret"):
        assert published not in text


def test_alfresco_repository_creates_its_own_keystore_before_tomcat_starts():
    script = _container("alfresco", "repository").command[2]
    assert "-storepass:env KEYSTORE_PASSWORD -keypass:env METADATA_KEY_PASSWORD" in script
    assert script.rstrip().endswith("exec catalina.sh run -security")
    assert "/usr/local/tomcat/alf_data/keystore/metadata-keystore" in _container("alfresco", "repository").env["JAVA_OPTS"]


def test_alfresco_share_trusts_only_the_public_origin():
    env = _container("alfresco", "share").env
    assert env["CSRF_FILTER_ORIGIN"] == "${url}"
    assert env["CSRF_FILTER_REFERER"] == "${url}/share/.*"


def test_alfresco_search_gets_the_shared_secret_as_a_jvm_property():
    search = _container("alfresco", "search")
    assert search.env["ALFRESCO_SECURE_COMMS"] == "secret"
    assert "-Dalfresco.secureComms.secret=$SOLR_SHARED_SECRET" in search.command[2]
    assert "JAVA_TOOL_OPTIONS" not in search.env


def _proxy_config(tmp_path) -> str:
    script = _container("alfresco", "proxy").command[2]
    target = tmp_path / "default.conf"
    script = script.replace("/etc/nginx/conf.d/default.conf", str(target))
    script = script.replace("exec nginx -g 'daemon off;'", "true")
    env = {"PATH": "/usr/bin:/bin", "REPOSITORY_ADDR": "repository.alfresco.internal:8080",
           "SHARE_ADDR": "share.alfresco.internal:8080"}
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, timeout=30)
    assert result.returncode == 0, result.stderr
    return target.read_text()


def test_alfresco_proxy_routes_share_and_repository_and_reresolves_them(tmp_path):
    conf = _proxy_config(tmp_path)
    assert re.search(r"^resolver \S+.* valid=10s", conf, re.M)
    assert "server repository.alfresco.internal:8080 resolve;" in conf
    assert "server share.alfresco.internal:8080 resolve;" in conf
    assert "hash $http_x_forwarded_for consistent;" in conf
    assert "location /share/ { proxy_pass http://share; }" in conf
    assert "location / { proxy_pass http://repository; }" in conf
    assert "proxy_set_header X-Forwarded-Proto $councilkit_proto;" in conf


@pytest.mark.parametrize(
    ("path", "denied"),
    [
        ("/alfresco/s/api/solr/aclchangesets", True),
        ("/alfresco;jsessionid=1/service/api/solr/x", True),
        ("/alfresco/wcs/remoteadm/get", True),
        ("/alfresco/s/prometheus", True),
        ("/share/proxy/alfresco/api/solr/x", True),
        ("/share/service/proxy/alfresco-noauth/remoteadm/x", True),
        ("/alfresco/api/-default-/public/alfresco/versions/1/probes/-ready-", False),
        ("/alfresco/s/api/people", False),
        ("/share/page/dashboard", False),
    ],
)
def test_alfresco_proxy_denies_internal_apis_from_outside(tmp_path, path, denied):
    conf = _proxy_config(tmp_path)
    rules = re.findall(r'location ~ "([^"]+)" \{ return 403; \}', conf)
    assert len(rules) == 6
    assert any(re.search(rule, path) for rule in rules) is denied


def test_alfresco_install_replaces_the_bootstrap_admin_password():
    bp = _bp("alfresco")
    assert bp.install.container == "repository"
    change = bp.install.commands[1][2]
    assert '"oldPassword": "admin"' in change and "$ALFRESCO_ADMIN_PASSWORD" in change
    assert "probes/-ready-" in bp.install.commands[0][2]
    assert bp.upgrade.commands == [bp.install.commands[0]]
    assert "reindex" in bp.upgrade.notes


def test_alfresco_trial_is_about_the_six_gigabytes_of_the_compose_file():
    trial = _bp("alfresco").tiers.trial.processes
    total = sum(p.memory_gib * p.replicas for p in trial.values())
    assert 5.5 <= total <= 7


def test_alfresco_production_keeps_one_repository_and_two_share_and_transform():
    prod = _bp("alfresco").tiers.production.processes
    assert (prod["repository"].replicas, prod["share"].replicas, prod["transform-core-aio"].replicas) == (1, 2, 2)


# --- planned offline on AWS ---------------------------------------------------------------------


def test_plan_runs_every_long_lived_process_as_an_ecs_service(case):
    app, d, plan = case
    services = _services(app, plan)
    assert set(services) == set(ROLES[app])
    for name, service in services.items():
        assert service.inputs["desiredCount"] == d.sizes.processes[name].replicas
    web = next(n for n, r in ROLES[app].items() if r == "web")
    assert "loadBalancers" in services[web].inputs
    assert all("loadBalancers" not in s.inputs for n, s in services.items() if n != web)


def test_plan_stops_each_singleton_before_its_successor_starts(case):
    app, _, plan = case
    services = _services(app, plan)
    for name in SINGLETONS[app]:
        assert services[name].inputs["desiredCount"] == 1
        assert services[name].inputs["deploymentMinimumHealthyPercent"] == 0
        assert services[name].inputs["deploymentMaximumPercent"] == 100


def test_plan_registers_internal_services_under_the_apps_namespace(case):
    app, _, plan = case
    assert plan.one("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace").inputs["name"] == f"{app}.internal"
    registered = {s.inputs["name"] for s in plan.of_type("aws:servicediscovery/service:Service")}
    assert registered == {n for n, r in ROLES[app].items() if r == "service"}


def test_plan_resolves_service_placeholders_to_namespace_addresses(case):
    app, _, plan = case
    tasks = _tasks(app, plan)
    if app == "erpnext":
        env = _env(tasks["frontend"])
        assert env["BACKEND"] == "backend.erpnext.internal:8000"
        assert env["SOCKETIO"] == "websocket.erpnext.internal:9000"
    else:
        env = _env(tasks["repository"])
        assert "nio://activemq.alfresco.internal:61616" in env["JAVA_OPTS"]
        assert "http://transform-core-aio.alfresco.internal:8090/" in env["JAVA_OPTS"]
        assert env["SEARCH_ADDR"] == "search.alfresco.internal:8983"
        assert _env(tasks["proxy"])["REPOSITORY_ADDR"] == "repository.alfresco.internal:8080"


def test_plan_has_the_blueprints_database_engine_and_version(case):
    app, _, plan = case
    db = plan.one("aws:rds/instance:Instance").inputs
    assert (db["engine"], db["engineVersion"]) == DATABASE[app]
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    if app == "erpnext":
        assert params["character_set_server"] == "utf8mb4"
        assert params["collation_server"] == "utf8mb4_unicode_ci"


def test_plan_gives_each_share_an_access_point_with_its_owner(case):
    app, _, plan = case
    points = {a.inputs["tags"]["path"]: a.inputs for a in plan.of_type("aws:efs/accessPoint:AccessPoint")}
    assert set(points) == {path for path, _, _ in FILES[app].values()}
    for path, uid, gid in FILES[app].values():
        assert points[path]["posixUser"] == {"uid": uid, "gid": gid}


def test_plan_mounts_each_share_only_where_the_blueprint_says(case):
    app, _, plan = case
    tasks = _tasks(app, plan)
    for name, paths in MOUNTS[app].items():
        assert [m["containerPath"] for m in tasks[name]["mountPoints"]] == paths, name


def test_plan_injects_secrets_by_reference_never_in_plain_env(case):
    app, _, plan = case
    for name, definition in _tasks(app, plan).items():
        assert not any(re.search(r"(?i)password|secret", key) for key in _env(definition)), name
        for secret in definition["secrets"]:
            assert secret["valueFrom"].startswith("arn:aws:secretsmanager:"), secret
    tasks = _tasks(app, plan)
    injected = {s["name"] for s in tasks["backend" if app == "erpnext" else "repository"]["secrets"]}
    expected = (
        {"ADMIN_PASSWORD", "DB_ROOT_PASSWORD", "REDIS_CACHE_PASSWORD", "REDIS_QUEUE_PASSWORD"}
        if app == "erpnext"
        else {"ALF_DB_PASSWORD", "SOLR_SHARED_SECRET", "ACTIVEMQ_PASSWORD", "KEYSTORE_PASSWORD",
              "METADATA_KEY_PASSWORD", "ALFRESCO_ADMIN_PASSWORD"}
    )
    assert expected <= injected


def test_plan_checks_health_on_the_web_path_with_a_plain_200(case):
    app, _, plan = case
    check = plan.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]
    web = next(c for c in _bp(app).containers if c.role == "web")
    assert (check["path"], check["matcher"]) == (web.health_check.path, "200")


def test_plan_has_one_redis_per_cache_only_for_erpnext(case):
    app, _, plan = case
    groups = plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    if app == "alfresco":
        assert groups == []
        return
    assert len(groups) == 2 and all(g.inputs["transitEncryptionEnabled"] for g in groups)
    policies = sorted(p.inputs["parameters"][0]["value"] for p in plan.of_type("aws:elasticache/parameterGroup:ParameterGroup"))
    assert policies == ["allkeys-lru", "noeviction"]
    env = _env(_tasks(app, plan)["backend"])
    assert env["REDIS_CACHE_HOST"] != env["REDIS_QUEUE_HOST"]
    assert env["REDIS_CACHE_PORT"] == env["REDIS_QUEUE_PORT"] == "6379"


def test_plan_exports_install_and_upgrade_steps_for_one_off_runs(case):
    app, d, plan = case
    bp = d.blueprint  # the version planned (the newest), whose steps the plan must carry
    one_off = plan.outputs["one_off"]
    for kind in ("install", "upgrade"):
        assert one_off[kind]["container"] == getattr(bp, kind).container
        assert one_off[kind]["commands"] == [list(c) for c in getattr(bp, kind).commands]
        assert one_off[kind]["task_definition"].startswith("arn:aws:ecs:")


def test_plan_sizes_production_tasks_at_least_as_large_as_trial(plans):
    for app in APPS:
        trial = {t.name: int(t.inputs["memory"]) for t in plans[(app, "trial")][1].of_type("aws:ecs/taskDefinition:TaskDefinition")}
        prod = {t.name: int(t.inputs["memory"]) for t in plans[(app, "production")][1].of_type("aws:ecs/taskDefinition:TaskDefinition")}
        assert set(trial) == set(prod)
        assert all(prod[name] >= trial[name] for name in trial)

