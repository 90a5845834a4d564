"""camunda@1.0.1 (Operaton 2.1.x): all of upstream's production.yml, honest upgrade notes, smoke checks.

Facts are quoted from operaton/operaton at v2.1.4 (the newest 2.1.x tag read) and
operaton/operaton-docker main, and from the Spring Boot reference for how environment variables
bind; the tests check the blueprint and the containers planned on both clouds carry them.
"""

from __future__ import annotations

import json

import pytest

from councilkit.blueprints.loader import BUILTIN_DIR, discover, load_file
from councilkit.blueprints.lock import read_lock
from councilkit.cli.newstack import new_stack

from helpers import container_definitions, planned

FOLDER = BUILTIN_DIR / "camunda"
ANSWERS = dict(cloud="azure", tier="trial", council="Midsomer District Council",
               domain="workflow.midsomer.gov.uk", contact="it@midsomer.gov.uk")
STACK = "midsomer-district-council-camunda-trial"

# operaton/operaton v2.1.4 distro/run/assembly/resources/production.yml, every key it sets, as the
# environment variable Spring Boot binds to it ("Binding From Environment Variables": replace dots
# with underscores, remove dashes, upper case;
# docs.spring.io/spring-boot/reference/features/external-config.html).
PRODUCTION_YML_AS_ENV = {
    "OPERATON_BPM_WEBAPP_CSRF_ENABLESAMESITECOOKIE": "true",        # webapp.csrf.enable-same-site-cookie: true
    "OPERATON_BPM_WEBAPP_CSRF_SAMESITECOOKIEOPTION": "STRICT",      # webapp.csrf.same-site-cookie-option: STRICT
    "OPERATON_BPM_WEBAPP_HEADERSECURITY_HSTSDISABLED": "false",     # webapp.header-security.hsts-disabled: false
    "OPERATON_BPM_AUTHORIZATION_ENABLED": "true",                   # authorization.enabled: true
    "OPERATON_BPM_RUN_AUTH_ENABLED": "true",                        # run.auth.enabled: true
    "OPERATON_BPM_RUN_REST_DISABLEWADL": "true",                    # run.rest.disable-wadl: true
    "OPERATON_BPM_RUN_DEPLOYMENT_DEPLOYCHANGEDONLY": "true",        # run.deployment.deploy-changed-only: true
    "SERVER_SERVLET_SESSION_COOKIE_SECURE": "true",                 # server.servlet.session.cookie.secure: true
    "SERVER_SERVLET_SESSION_COOKIE_HTTPONLY": "true",               # server.servlet.session.cookie.http-only: true
}


@pytest.fixture(scope="module")
def bp():
    return load_file(FOLDER / "1.0.1.yaml")


def _generic_properties(env: dict) -> dict:
    doc = json.loads(env["SPRING_APPLICATION_JSON"])
    return doc["operaton"]["bpm"]["generic-properties"]["properties"]


# --- the file ----------------------------------------------------------------------------------


def test_1_0_1_is_the_newest_camunda_blueprint_on_the_same_engine():
    versions = list(discover()["camunda"])
    assert versions[-1] == "1.0.1" and "1.0.0" in versions
    new, old = load_file(FOLDER / "1.0.1.yaml"), load_file(FOLDER / "1.0.0.yaml")
    assert new.web.image == old.web.image == "operaton/operaton:2.1.5"
    assert new.web.env["OPERATON_EXPECTED_VERSION"] == new.app.upstream_version == "2.1.5"


def test_the_run_distribution_starts_with_upstreams_production_configuration(bp):
    # distro/run/assembly/resources/run.sh: "--production - Applies the production.yaml
    # configuration file" (configuration=$PARENTDIR/configuration/production.yml, passed as
    # --spring.config.location); --webapps and --rest choose the components, so no example app.
    assert bp.web.command[:2] == ["sh", "-c"]
    script = bp.web.command[2]
    assert script.endswith("exec ./operaton.sh --webapps --rest --production")
    assert "jdbc:postgresql://" in script and "sslmode=require" in script


def test_every_production_yml_setting_is_also_set_by_environment(bp):
    env = bp.web.env
    assert {k: env[k] for k in PRODUCTION_YML_AS_ENV} == PRODUCTION_YML_AS_ENV


def test_deserialization_type_validation_is_on_and_the_password_policy_is_overridden_off(bp):
    # production.yml generic-properties.properties: deserialization-type-validation-enabled: true,
    # deserialization-allowed-packages/-classes empty (DefaultDeserializationTypeValidator treats
    # empty as none), enable-password-policy: true. GenericProperties.properties is a
    # Map<String, Object>, so the keys keep their dashes only in a structured source:
    # SPRING_APPLICATION_JSON, which Spring Boot ranks above OS environment variables and config data.
    props = _generic_properties(bp.web.env)
    assert props == {"deserialization-type-validation-enabled": True, "enable-password-policy": False}
    # Why the policy is off: DefaultPasswordPolicyImpl (v2.1.4) needs MIN_SPECIAL = 1 (and one
    # lower-case, upper-case and digit); the admin password is generated without special
    # characters, so SaveUserCmd would refuse the first admin and the engine would not start.
    secret = next(s for s in bp.secrets if s.name == bp.web.secret_env["OPERATON_BPM_ADMINUSER_PASSWORD"])
    assert secret.special is False
    assert "enable-password-policy: false" in (FOLDER / "1.0.1.yaml").read_text()


def test_no_demo_user_cors_or_example_and_the_database_is_never_h2(bp):
    env = bp.web.env
    assert env["OPERATON_BPM_ADMINUSER_ID"] == "admin"
    assert bp.web.secret_env["OPERATON_BPM_ADMINUSER_PASSWORD"] == "admin-password"
    assert (env["OPERATON_BPM_RUN_CORS_ENABLED"], env["OPERATON_BPM_RUN_EXAMPLE_ENABLED"]) == ("false", "false")
    # production.yml names jdbc:h2 (driver org.h2.Driver); operaton-docker operaton-run.sh maps
    # DB_DRIVER to SPRING_DATASOURCE_DRIVER_CLASS_NAME, an environment variable, which wins.
    assert env["DB_DRIVER"] == "org.postgresql.Driver"


def test_notes_drop_the_keystore_and_name_the_real_2_1_upgrade_story(bp):
    notes = bp.upgrade.notes
    # production.yml: the server.ssl block and `port: 8443` are commented out.
    assert "8443" not in notes and "keystore" not in notes.lower()
    assert "8443" not in bp.web.env.get("SERVER_PORT", "") and bp.web.port == 8080
    # engine db/upgrade at v2.1.4: newest postgres script postgres_engine_7.23_to_7.24.sql, schema
    # log '7.24.0' in every 2.x create script, no postgres_identity_* script; v2.2.0-M3 adds
    # postgres_engine_7.24_to_7.25.sql; DatabaseProperty schema-update "true" only creates
    # missing tables (AbstractPersistenceSession.dbSchemaUpdate).
    assert "postgres_identity" not in notes
    assert "configuration/sql/upgrade/" in notes and "postgres_engine_7.24_to_7.25.sql" in notes
    assert "only creates missing tables" in notes and "7.24.0" in notes


def test_smoke_checks_the_open_engine_list_the_locked_api_and_the_webapps(bp):
    # engine-rest ProcessEngineAuthenticationFilter: WHITE_LISTED_URL_PATTERNS "^/engine/?" (matches()),
    # every other path gets 401 + WWW-Authenticate; ProcessEngineDto {"name": ...}, engine name
    # ProcessEngines.NAME_DEFAULT "default"; OperatonJerseyResourceConfig @ApplicationPath("/engine-rest").
    # webapps/frontend/ui/welcome/client/scripts/index.html: <title>Operaton Welcome</title>, served
    # under WebappProperty DEFAULT_APP_PATH "/operaton" + /app/welcome/default/.
    smoke = [(s.path, s.status, s.contains) for s in bp.smoke]
    assert smoke == [
        ("/engine-rest/engine", "200", '"name":"default"'),
        ("/engine-rest/version", "401", None),
        ("/operaton/app/welcome/default/", "200", "Operaton Welcome"),
    ]
    assert bp.web.health_check.path == "/operaton/app/welcome/default/"
    assert all(s.why for s in bp.smoke)


def test_header_lists_what_changed_and_names_the_sources():
    header = (FOLDER / "1.0.1.yaml").read_text().split("\nid: ")[0]
    for fact in ("production.yml", "--production", "deserialization", "SameSite", "8443",
                 "postgres_engine_7.23_to_7.24.sql", "schema-update", "v2.1.4", "Externalized Configuration"):
        assert fact in header, fact


# --- the planned containers --------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_aws_task_carries_the_production_command_and_settings(tier):
    d, plan = planned("camunda", "aws", tier)
    assert d.blueprint.ref == "camunda@1.0.1"
    [task] = [t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name == "camunda-web"]
    web = container_definitions(task)[0]
    env = {e["name"]: e["value"] for e in web["environment"]}
    assert web["command"][-1].endswith("--webapps --rest --production")
    assert {k: env[k] for k in PRODUCTION_YML_AS_ENV} == PRODUCTION_YML_AS_ENV
    assert _generic_properties(env)["deserialization-type-validation-enabled"] is True
    assert "OPERATON_BPM_ADMINUSER_PASSWORD" in {s["name"] for s in web["secrets"]}


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_azure_container_app_carries_the_production_command_and_settings(tier):
    d, plan = planned("camunda", "azure", tier)
    [web] = [a for a in plan.of_type("azure-native:app:ContainerApp") if a.inputs["configuration"].get("ingress")]
    main = web.inputs["template"]["containers"][0]
    env = {e["name"]: e.get("value") for e in main["env"]}
    assert main["args"][-1].endswith("--webapps --rest --production")
    assert {k: env[k] for k in PRODUCTION_YML_AS_ENV} == PRODUCTION_YML_AS_ENV
    assert _generic_properties(env) == {"deserialization-type-validation-enabled": True,
                                        "enable-password-policy": False}
    secret_refs = {e["name"] for e in main["env"] if "secretRef" in e}
    assert "OPERATON_BPM_ADMINUSER_PASSWORD" in secret_refs


# --- `councilkit upgrade` ---------------------------------------------------------------------


def test_upgrade_from_1_0_0_shows_the_new_settings_and_the_check_then_writes_1_0_1(cli, tmp_path):
    folder = new_stack("camunda@1.0.0", **ANSWERS, folder=str(tmp_path / STACK)).path
    result = cli("upgrade", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"upgrade {STACK}: camunda@1.0.0 -> camunda@1.0.1" in out
    assert "images: unchanged" in out
    assert "exec ./operaton.sh --webapps --rest --production" in out
    assert "  +    OPERATON_BPM_WEBAPP_CSRF_SAMESITECOOKIEOPTION: STRICT\n" in out
    assert "  +    SPRING_APPLICATION_JSON: " in out
    assert "  ~ azure-native:app:ContainerApp apps-web (tags, template)" in out
    assert "once after the rollout, in one `web` container:" in out and "/engine-rest" in out
    lock = read_lock(folder)
    assert lock.ref == "camunda@1.0.1"
    assert lock.blueprint.web.env["OPERATON_BPM_WEBAPP_CSRF_ENABLESAMESITECOOKIE"] == "true"
    assert [s.path for s in lock.blueprint.smoke] == ["/engine-rest/engine", "/engine-rest/version",
                                                     "/operaton/app/welcome/default/"]
    assert f"wrote {folder} (camunda@1.0.1)" in out
