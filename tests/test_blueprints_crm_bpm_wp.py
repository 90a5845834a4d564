"""SuiteCRM, Camunda (Operaton) and WordPress 1.0.0: what each blueprint declares, and what it plans on AWS.

The plans are computed offline once per app and tier (module-scoped cache) and shared by every test.
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from fnmatch import fnmatch

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.loader import BUILTIN_DIR, load_file
from councilkit.cli.planning import plan_deployment

from helpers import container_definitions

APPS = ("suitecrm", "camunda", "wordpress")
TIERS = ("trial", "production")
CASES = [(app, tier) for app in APPS for tier in TIERS]
EXACT_TAG = re.compile(r":\d+(\.\d+){2}(-[a-z0-9.-]+)?$")
# The same notion of "looks like a credential written in clear" as test_blueprint_files.py.
SECRET_LOOKING = re.compile(r"(?i)(pass(word)?|secret|salt|token)\s*[=:]|^[A-Za-z0-9+/_-]{24,}={0,2}$")
SECRET_KEY = re.compile(r"(?i)pass|secret|salt|token")
REGISTRY_HOST = re.compile(r"\b(docker\.io|ghcr\.io|quay\.io|gcr\.io|mcr\.microsoft\.com|ecr\.)")

# What each app runs: container → (role, singleton).
PROCESSES = {
    "suitecrm": {"web": ("web", False), "scheduler": ("cron", True), "messenger": ("worker", True)},
    "camunda": {"web": ("web", False)},
    "wordpress": {"web": ("web", False), "cron": ("cron", True)},
}
DATABASES = {
    "suitecrm": ("mariadb", "10.11"),
    "camunda": ("postgres", "16"),
    "wordpress": ("mariadb", "10.11"),
}
SHARED = {
    "suitecrm": {
        "config": "/var/lib/suitecrm/config",
        "upload": "/var/www/html/public/legacy/upload",
        "custom": "/var/www/html/public/legacy/custom",
        "documents": "/var/www/html/uploads",
        "media": "/var/www/html/public/media-upload",
    },
    "camunda": {},
    "wordpress": {"uploads": "/var/www/html/wp-content/uploads"},
}
# What the newest versions (the ones plans use) share: SuiteCRM 1.0.1 moved its 8.10 media shares to
# where flysystem.php writes (tests/test_blueprint_suitecrm_101.py has the sources).
SHARED_NEWEST = {
    **SHARED,
    "suitecrm": {
        **SHARED["suitecrm"],
        "documents": "/var/www/html/media",
        "media": "/var/www/html/public/media",
    },
}
WORDPRESS_SALTS = (
    "WORDPRESS_AUTH_KEY", "WORDPRESS_SECURE_AUTH_KEY", "WORDPRESS_LOGGED_IN_KEY", "WORDPRESS_NONCE_KEY",
    "WORDPRESS_AUTH_SALT", "WORDPRESS_SECURE_AUTH_SALT", "WORDPRESS_LOGGED_IN_SALT", "WORDPRESS_NONCE_SALT",
)


def _bp(app: str):
    return load_file(BUILTIN_DIR / app / "1.0.0.yaml")


def _container(bp, name: str):
    return next(c for c in bp.containers if c.name == name)


def _scripts(bp) -> list[tuple[str, list[str]]]:
    """Every command the blueprint runs: containers' commands, install and upgrade steps."""
    out = [(c.name, c.command) for c in bp.containers if c.command]
    for kind in ("install", "upgrade"):
        steps = getattr(bp, kind)
        if steps:
            out += [(kind, cmd) for cmd in steps.commands]
    return out


@pytest.fixture(scope="module")
def planned():
    cache: dict = {}

    def get(app: str, tier: str):
        if (app, tier) not in cache:
            d = build_deployment(app, cloud="aws", tier=tier)
            cache[(app, tier)] = (d, plan_deployment(d))
        return cache[(app, tier)]

    return get


@pytest.fixture(params=CASES, ids=[f"{a}-{t}" for a, t in CASES])
def case(request, planned):
    return planned(*request.param)


def _task(plan, app: str, container: str) -> dict:
    task = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name == f"{app}-{container}")
    return container_definitions(task)[0]


def _services(plan, app: str) -> dict:
    return {s.name[len(app) + 1:]: s.inputs for s in plan.of_type("aws:ecs/service:Service")}


# --- the files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("app", APPS)
def test_blueprint_loads_with_the_id_and_version_of_its_place(app):
    bp = _bp(app)
    assert bp.ref == f"{app}@1.0.0"
    assert bp.app.upstream_version and bp.upgrade.notes


@pytest.mark.parametrize("app", APPS)
def test_images_are_pinned_to_exact_versions(app):
    bp = _bp(app)
    for c in bp.containers:
        if c.image:
            assert EXACT_TAG.search(c.image), f"{c.name}: {c.image}"
            assert c.image.split(":")[1].startswith(bp.app.upstream_version)
        else:
            assert re.search(r":\d+\.\d+-[a-z-]+$", c.build.base), c.build.base
            assert c.build.tag.startswith(bp.app.upstream_version) and "latest" not in c.build.tag
    # One image per app: every container runs the same code.
    assert len({c.image or c.build.model_dump_json() for c in bp.containers}) == 1


@pytest.mark.parametrize("app", APPS)
def test_no_registry_host_is_named(app):
    folder = BUILTIN_DIR / app
    texts = [p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()]
    for text in texts:
        assert not REGISTRY_HOST.search(text)


def test_files_beside_the_blueprints_are_packaged():
    pyproject = tomllib.loads((BUILTIN_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["councilkit.blueprints"]
    for app in APPS:
        for path in (BUILTIN_DIR / app).iterdir():
            relative = f"{app}/{path.name}"
            assert any(fnmatch(relative, p) for p in patterns), f"{relative} is not in package-data {patterns}"


@pytest.mark.parametrize("app", APPS)
def test_processes_and_roles(app):
    bp = _bp(app)
    assert {c.name: (c.role, c.singleton) for c in bp.containers} == PROCESSES[app]
    for tier in (bp.tiers.trial, bp.tiers.production):
        for c in bp.containers:
            if c.singleton:
                assert tier.processes[c.name].replicas == 1
    assert bp.tiers.production.processes["web"].replicas >= 2


@pytest.mark.parametrize("app", APPS)
def test_database_engine_and_version(app):
    bp = _bp(app)
    assert (bp.database.engine, bp.database.version) == DATABASES[app]
    assert bp.tiers.production.database.storage_gib >= bp.tiers.trial.database.storage_gib


@pytest.mark.parametrize("app", APPS)
def test_shared_paths(app):
    bp = _bp(app)
    assert {f.name: f.path for f in bp.files} == SHARED[app]
    for f in bp.files:
        assert (f.uid, f.gid) == (33, 33)  # www-data in the Debian-based PHP images


@pytest.mark.parametrize("app", APPS)
def test_no_secret_looking_literal_in_env(app):
    bp = _bp(app)
    db = bp.database.env
    for c in bp.containers:
        for key, value in c.env.items():
            assert not SECRET_LOOKING.search(value), f"{c.name}.env.{key} looks like a secret"
            assert not SECRET_KEY.search(key), f"{c.name}.env.{key} belongs in secret_env"
        assert db.password not in c.env
        assert set(c.secret_env.values()) <= {s.name for s in bp.secrets}


@pytest.mark.parametrize("app", APPS)
def test_every_shell_command_parses(app):
    scripts = [(name, cmd) for name, cmd in _scripts(_bp(app)) if cmd[:2] == ["sh", "-c"]]
    assert scripts
    for name, cmd in scripts:
        result = subprocess.run(["sh", "-n", "-c", cmd[2]], capture_output=True, text=True)
        assert result.returncode == 0, f"{name}: {result.stderr}"


# --- SuiteCRM -----------------------------------------------------------------------------------


def test_suitecrm_sessions_and_caches_are_not_on_shared_storage():
    bp = _bp("suitecrm")
    local = ("/var/lib/php/sessions", "/var/www/html/cache", "/var/www/html/public/legacy/cache",
             "/var/www/html/.env.local", "/var/www/html/vendor")
    for f in bp.files:
        for path in local:
            assert not (path == f.path or path.startswith(f.path.rstrip("/") + "/")), f"{path} would be shared via {f.name}"
    dockerfile = (BUILTIN_DIR / "suitecrm" / "Dockerfile").read_text(encoding="utf-8")
    assert "session.save_path = /var/lib/php/sessions" in dockerfile


def test_suitecrm_scheduler_every_minute_without_overlap_and_one_messenger_worker():
    bp = _bp("suitecrm")
    scheduler = _container(bp, "scheduler")
    assert scheduler.schedule == "* * * * *"
    assert "schedulers:run" in scheduler.command[-1] and "flock -n" in scheduler.command[-1]
    messenger = _container(bp, "messenger")
    assert "messenger:consume internal-async" in messenger.command[-1]


def test_suitecrm_install_step_runs_the_cli_installer_with_secrets_from_env():
    bp = _bp("suitecrm")
    assert bp.install.container == "web"
    script = bp.install.commands[0]
    assert script[:2] == ["sh", "-c"]
    text = script[2]
    assert "bin/console suitecrm:app:install" in text
    for option in ('-p "$SUITECRM_ADMIN_PASSWORD"', '-P "$SUITECRM_DB_PASSWORD"', '-U "$SUITECRM_DB_USER"',
                   '-H "$SUITECRM_DB_HOST"', '-N "$SUITECRM_DB_NAME"', '-S "$SUITECRM_SITE_URL"', "-d no"):
        assert option in text
    web = bp.web
    db = bp.database.env
    available = set(web.env) | set(web.secret_env) | {db.host, db.port, db.name, db.user, db.password}
    assert set(re.findall(r"\$\{?(SUITECRM_[A-Z_]+)", text)) <= available
    assert "messenger:setup-transports" in text


def test_suitecrm_health_check_and_upgrade_steps():
    bp = _bp("suitecrm")
    hc = bp.web.health_check
    assert (hc.path, hc.healthy_codes, hc.host_header) == ("/auth", "200,302", False)
    text = bp.upgrade.commands[0][2]
    assert "suitecrm:app:upgrade -n -t" in text and "suitecrm:app:upgrade-finalize -n -t" in text
    assert bp.upgrade.container == "web"


def test_suitecrm_dockerfile_declares_its_build_args_and_installs_the_helpers():
    bp = _bp("suitecrm")
    text = (BUILTIN_DIR / "suitecrm" / "Dockerfile").read_text(encoding="utf-8")
    declared = set(re.findall(r"^ARG (\w+)", text, re.M))
    assert set(bp.web.build.args) <= declared and "BASE_IMAGE" in declared
    assert "sha256sum -c" in text
    assert "councilkit-db.php" in text and "councilkit-setup.php patch" in text
    assert "auto_prepend_file = /usr/local/lib/councilkit/councilkit-db.php" in text
    assert re.search(r"^USER www-data$", text, re.M)
    assert not re.search(r"^HEALTHCHECK", text, re.M)
    for ext in ("mysqli", "pdo_mysql", "gd", "intl", "zip", "imap", "ldap", "soap", "opcache"):
        assert re.search(rf"\b{ext}\b", text), ext


# --- Camunda (Operaton) -------------------------------------------------------------------------


def test_camunda_rest_api_requires_authentication_with_an_admin_from_a_secret():
    bp = _bp("camunda")
    web = bp.web
    assert web.image.startswith("operaton/operaton:")
    assert web.env["OPERATON_BPM_RUN_AUTH_ENABLED"] == "true"
    assert web.env["OPERATON_BPM_AUTHORIZATION_ENABLED"] == "true"
    assert web.env["OPERATON_BPM_ADMINUSER_ID"] == "admin"
    assert web.secret_env["OPERATON_BPM_ADMINUSER_PASSWORD"] == "admin-password"
    assert web.env["OPERATON_BPM_RUN_CORS_ENABLED"] == "false"
    # The health check must not need credentials: /engine-rest answers 401 once auth is on.
    assert not web.health_check.path.startswith("/engine-rest")
    assert web.health_check.path.startswith("/operaton/app/")


def test_camunda_uses_postgres_over_tls_never_the_builtin_h2():
    bp = _bp("camunda")
    web = bp.web
    db = bp.database.env
    assert web.env["DB_DRIVER"] == "org.postgresql.Driver"
    assert (db.user, db.password) == ("DB_USERNAME", "DB_PASSWORD")
    script = web.command[-1]
    assert web.command[:2] == ["sh", "-c"]
    assert "export DB_URL=" in script and "jdbc:postgresql://" in script and "sslmode=require" in script
    for name in (db.host, db.port, db.name):
        assert "${" + name in script
    assert "exec ./operaton.sh --webapps --rest" in script
    assert bp.files == [] and not bp.all_caches


# --- WordPress ----------------------------------------------------------------------------------


def test_wordpress_salts_all_come_from_secrets_in_every_container():
    bp = _bp("wordpress")
    lengths = {s.name: s.length for s in bp.secrets}
    references = None
    for c in bp.containers:
        for name in WORDPRESS_SALTS:
            assert name in c.secret_env and name not in c.env, f"{c.name}: {name}"
            assert lengths[c.secret_env[name]] >= 64
        mine = {name: c.secret_env[name] for name in WORDPRESS_SALTS}
        assert len(set(mine.values())) == len(WORDPRESS_SALTS)  # eight distinct secrets
        assert references in (None, mine)  # the same secrets in web and cron
        references = mine


def test_wordpress_config_extra_disables_page_view_cron_and_forces_ssl():
    bp = _bp("wordpress")
    for c in bp.containers:
        extra = c.env["WORDPRESS_CONFIG_EXTRA"]
        for constant in ("DISABLE_WP_CRON", "FORCE_SSL_ADMIN", "DISALLOW_FILE_MODS", "MYSQL_CLIENT_FLAGS"):
            assert f"define('{constant}'" in extra
        assert "define('WP_HOME', '${url}')" in extra and "define('WP_SITEURL', '${url}')" in extra


def test_wordpress_cron_install_and_upgrade():
    bp = _bp("wordpress")
    cron = _container(bp, "cron")
    assert cron.schedule == "*/5 * * * *" and "wp-cron.php" in cron.command[-1]
    hc = bp.web.health_check
    assert (hc.path, hc.healthy_codes) == ("/wp-login.php", "200,302")
    install = bp.install.commands[0][2]
    assert "wp_install(" in install and "getenv('WP_ADMIN_PASSWORD')" in install
    assert bp.web.secret_env["WP_ADMIN_PASSWORD"] == "admin-password"
    assert "wp_upgrade()" in bp.upgrade.commands[0][2]


# --- planned on AWS, both tiers -----------------------------------------------------------------


def test_plan_runs_each_process_as_its_role_asks(case):
    d, plan = case
    app = d.app_id
    tasks = {t.name for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    assert tasks == {f"{app}-{name}" for name in PROCESSES[app]}
    services = _services(plan, app)
    assert set(services) == {n for n, (role, _) in PROCESSES[app].items() if role in ("web", "worker")}
    schedules = {s.name[len(app) + 1:]: s.inputs for s in plan.of_type("aws:scheduler/schedule:Schedule")}
    assert set(schedules) == {n for n, (role, _) in PROCESSES[app].items() if role == "cron"}
    if d.production:
        assert services["web"]["desiredCount"] >= 2
    for name, (role, singleton) in PROCESSES[app].items():
        if singleton and role == "worker":
            assert services[name]["desiredCount"] == 1
            assert services[name]["deploymentMinimumHealthyPercent"] == 0
            assert services[name]["deploymentMaximumPercent"] == 100
        if role == "cron":
            assert schedules[name]["target"]["ecsParameters"]["taskCount"] == 1
    expected_cron = {"suitecrm": "cron(* * * * ? *)", "wordpress": "cron(0/5 * * * ? *)"}
    for s in schedules.values():
        assert s["scheduleExpression"] == expected_cron[app]


def test_plan_database_engine_with_tls_enforced(case):
    d, plan = case
    db = plan.one("aws:rds/instance:Instance").inputs
    assert (db["engine"], db["engineVersion"]) == DATABASES[d.app_id]
    params = {p["name"]: p["value"] for p in plan.one("aws:rds/parameterGroup:ParameterGroup").inputs["parameters"]}
    tls = "rds.force_ssl" if db["engine"] == "postgres" else "require_secure_transport"
    assert params[tls] == "1"
    for key, value in d.blueprint.database.parameters.items():
        assert params[key] == value


def test_plan_shared_storage(case):
    d, plan = case
    expected = SHARED_NEWEST[d.app_id]
    points = plan.of_type("aws:efs/accessPoint:AccessPoint")
    assert {p.inputs["tags"]["path"]: p.inputs["posixUser"] for p in points} == {
        path: {"uid": 33, "gid": 33} for path in expected.values()
    }
    if not expected:
        assert plan.of_type("aws:efs/fileSystem:FileSystem") == []
    for name in PROCESSES[d.app_id]:
        mounts = {m["containerPath"] for m in _task(plan, d.app_id, name)["mountPoints"]}
        assert mounts == set(expected.values())


def test_plan_injects_secrets_by_reference_and_env_in_clear(case):
    d, plan = case
    bp = d.blueprint
    db = bp.database.env
    for c in bp.containers:
        definition = _task(plan, d.app_id, c.name)
        secrets = {s["name"] for s in definition["secrets"]}
        env = {e["name"]: e["value"] for e in definition["environment"]}
        assert set(c.secret_env) | {db.password} <= secrets
        assert not secrets & set(env)
        assert {db.host, db.name, db.user} <= set(env)
        for value in env.values():
            assert not re.search(r"\$\{(domain|url|council|contact|network_cidr)\}", value)


def test_plan_health_check_is_the_blueprints(case):
    d, plan = case
    hc = d.blueprint.web.health_check
    tg = plan.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]
    assert (tg["path"], tg["matcher"]) == (hc.path, hc.healthy_codes)
    assert "healthCheck" not in _task(plan, d.app_id, "web")


def test_plan_images_and_one_off_steps(case):
    d, plan = case
    bp = d.blueprint
    images = {_task(plan, d.app_id, c.name)["image"] for c in bp.containers}
    if bp.web.build:
        # Built once, pushed to the deployment's own immutable repository, used by every process.
        assert plan.one("aws:ecr/repository:Repository").inputs["imageTagMutability"] == "IMMUTABLE"
        assert len(images) == 1 and images.pop().endswith(":" + bp.web.build.tag)
    else:
        assert plan.of_type("aws:ecr/repository:Repository") == []
        assert images == {c.image for c in bp.containers}
    one_off = plan.outputs["one_off"]
    assert one_off["upgrade"]["container"] == bp.upgrade.container
    assert one_off["upgrade"]["commands"] == bp.upgrade.commands
    if bp.install:
        assert one_off["install"]["commands"] == bp.install.commands
    else:
        assert "install" not in one_off


def test_plan_camunda_container_gets_the_database_pieces_its_command_composes(planned):
    d, plan = planned("camunda", "production")
    env = {e["name"]: e["value"] for e in _task(plan, "camunda", "web")["environment"]}
    assert env["OPERATON_DB_PORT"] == "5432" and env["OPERATON_DB_NAME"] == "operaton"
    assert env["DB_USERNAME"] == "operaton" and env["OPERATON_DB_HOST"]
    assert env["OPERATON_PUBLIC_URL"] == f"https://{d.domain}"
