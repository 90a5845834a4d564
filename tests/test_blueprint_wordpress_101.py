"""WordPress 1.0.1: the database port rides on WORDPRESS_DB_HOST (the image never reads
WORDPRESS_DB_PORT), planned so on both clouds through the generic `host_includes_port`; a smoke
list grounded in WordPress core; and `councilkit upgrade` from 1.0.0.

Sources: docker-library/wordpress wp-config-docker.php (commit bf223d1c2087, "Update latest to
7.1.0"; the repository has no tags) defines DB_HOST from WORDPRESS_DB_HOST alone and no file
there names WORDPRESS_DB_PORT; WordPress/wordpress-develop src/wp-login.php (the log-in form's
`id="user_login"`), src/wp-includes/rest-api.php (the `rest_route` query var) and
src/wp-includes/rest-api/class-wp-rest-server.php (get_index's "namespaces").
"""

from __future__ import annotations

import json
import re

import pytest

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import BUILTIN_DIR, load_file, resolve
from councilkit.blueprints.model import DatabaseEnv
from councilkit.cli import smoke
from councilkit.cli.newstack import new_stack

from helpers import container_definitions, planned

NEW = BUILTIN_DIR / "wordpress" / "1.0.1.yaml"
OLD = BUILTIN_DIR / "wordpress" / "1.0.0.yaml"
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council", domain="intranet.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")


def _aws_env(plan, suffix: str) -> dict[str, str]:
    task = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith(suffix))
    return {e["name"]: e["value"] for e in container_definitions(task)[0]["environment"]}


def _azure_envs(plan) -> dict[str, dict]:
    found = {}
    for r in plan.of_type("azure-native:app:ContainerApp") + plan.of_type("azure-native:app:Job"):
        for c in r.inputs["template"]["containers"]:
            found[r.name] = {v["name"]: v.get("value") for v in c["env"]}
    return found


# --- the database address --------------------------------------------------------------------------


def test_the_port_rides_on_the_host_and_there_is_no_port_variable():
    env = load_file(NEW).database.env
    assert (env.host, env.port, env.host_includes_port) == ("WORDPRESS_DB_HOST", None, True)
    assert "WORDPRESS_DB_PORT" not in NEW.read_text().split("\nid: wordpress\n", 1)[1], "not even in a container's env"


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_aws_tasks_get_host_colon_port_and_no_port_variable(tier):
    d, plan = planned("wordpress@1.0.1", "aws", tier)
    for suffix in ("-web", "-cron"):
        env = _aws_env(plan, suffix)
        assert re.fullmatch(r"[a-z0-9.-]+:3306", env["WORDPRESS_DB_HOST"]), env["WORDPRESS_DB_HOST"]
        assert "WORDPRESS_DB_PORT" not in env
    assert plan.one("aws:rds/instance:Instance").inputs["port"] == 3306, "the port written is the instance's"


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_azure_apps_and_jobs_get_host_colon_port_and_no_port_variable(tier):
    d, plan = planned("wordpress@1.0.1", "azure", tier)
    envs = _azure_envs(plan)
    with_db = {name: env for name, env in envs.items() if "WORDPRESS_DB_HOST" in env}
    assert len(with_db) >= 2, envs.keys()  # the web app and the cron job at least
    for name, env in with_db.items():
        assert re.fullmatch(r"[a-z0-9.-]+:3306", env["WORDPRESS_DB_HOST"]), (name, env["WORDPRESS_DB_HOST"])
        assert "WORDPRESS_DB_PORT" not in env


def test_the_released_1_0_0_still_plans_as_it_did():
    """1.0.0 never changes: its stacks keep the (unread) port variable and a bare host."""
    d, plan = planned("wordpress@1.0.0", "aws", "trial")
    env = _aws_env(plan, "-web")
    assert env["WORDPRESS_DB_PORT"] == "3306" and not env["WORDPRESS_DB_HOST"].endswith(":3306")


def test_a_postgres_app_without_the_flag_keeps_its_bare_host_on_aws():
    d, plan = planned("nextcloud", "aws", "trial")
    host = _aws_env(plan, "-web")[d.blueprint.database.env.host]
    assert ":" not in host


def test_host_includes_port_and_a_port_variable_are_refused_together(tmp_path):
    with pytest.raises(ValueError, match="host_includes_port: the port goes into `host`; leave `port` unset"):
        DatabaseEnv(host="H", port="P", host_includes_port=True, name="N", user="U", password="W")
    broken = tmp_path / "wordpress" / "1.0.1.yaml"
    broken.parent.mkdir()
    broken.write_text(NEW.read_text().replace("    host_includes_port: true\n",
                                              "    host_includes_port: true\n    port: WORDPRESS_DB_PORT\n"))
    with pytest.raises(UserError, match=r"host_includes_port: the port goes into `host`"):
        load_file(broken)


def test_the_schema_documents_the_flag():
    schema = json.loads((BUILTIN_DIR / "schema.json").read_text())
    field = schema["$defs"]["DatabaseEnv"]["properties"]["host_includes_port"]
    assert field["default"] is False and "host:port" in field["description"]


# --- smoke -------------------------------------------------------------------------------------------


def test_smoke_asks_the_login_form_then_the_rest_index():
    bp = load_file(NEW)
    assert [(r.path, r.status, r.contains) for r in bp.smoke] == [
        ("/wp-login.php", "200", 'id="user_login"'), ("/?rest_route=/", "200", '"namespaces":[')]
    assert all(r.why for r in bp.smoke)


def test_the_login_form_core_prints_passes_and_the_uninstalled_redirect_fails():
    login = load_file(NEW).smoke[0]
    # The input as WordPress core's wp-login.php prints it (wordpress-develop src/wp-login.php).
    form = ('<form name="loginform" id="loginform" action="https://intranet.borsetshire.gov.uk/wp-login.php" '
            'method="post"><p><label for="user_login">Username or Email Address</label>'
            '<input type="text" name="log" id="user_login" class="input" value="" size="20" autocapitalize="off" '
            'autocomplete="username" required="required" /></p>')
    assert smoke.judge(login, smoke.Reply(200, form.encode())) == ("", "HTTP 200")
    assert smoke.judge(login, smoke.Reply(302, b""))[0] == smoke.WRONG_STATUS, "wp-admin/install.php redirect"
    error_page = b"<h1>Error establishing a database connection</h1>"
    assert smoke.judge(login, smoke.Reply(200, error_page))[0] == smoke.TEXT_MISSING


def test_the_rest_index_as_php_encodes_it_passes():
    """WP_REST_Server::serve_request encodes with wp_json_encode and no JSON_UNESCAPED_SLASHES:
    the namespaces list reads `"namespaces":["oembed\\/1.0",...`, so the text names no slash."""
    rest = load_file(NEW).smoke[1]
    body = json.dumps({"name": "Intranet", "description": "", "url": "https://intranet.borsetshire.gov.uk",
                       "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1"], "authentication": [],
                       "routes": {}}, separators=(",", ":")).replace("/", "\\/")
    assert smoke.judge(rest, smoke.Reply(200, body.encode()))[0] == ""
    assert smoke.judge(rest, smoke.Reply(200, b"<!DOCTYPE html><html>home page</html>"))[0] == smoke.TEXT_MISSING


def test_the_header_says_what_changed_and_why_with_sources():
    head = NEW.read_text().split("\nid: wordpress\n", 1)[0]
    assert "1.0.1 (from 1.0.0" in head
    assert "docker-library/wordpress" in head and "bf223d1c2087" in head and "wp-config-docker.php" in head
    assert "getenv_docker('WORDPRESS_DB_HOST', 'mysql')" in head
    assert "wordpress-develop src/wp-login.php" in NEW.read_text()
    assert OLD.read_text().startswith("# WordPress — the base for council websites"), "1.0.0 is still there"


# --- upgrade ---------------------------------------------------------------------------------------------


def test_councilkit_upgrade_moves_a_1_0_0_stack_to_1_0_1(cli, tmp_path):
    folder = new_stack("wordpress@1.0.0", **ANSWERS, folder=str(tmp_path / "wp")).path
    result = cli("upgrade", str(folder), "--to", "1.0.1", "--yes")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "wordpress@1.0.0 -> wordpress@1.0.1 (WordPress 7.1.3 -> 7.1.3)" in out
    assert "images: unchanged" in out
    assert "host_includes_port" in out, "the lock diff shows the database change"
    from councilkit.cli.stackdir import open_folder

    d = open_folder(folder).deployment()
    assert d.blueprint.ref == "wordpress@1.0.1" and d.blueprint.database.env.host_includes_port
    assert resolve("wordpress@1.0.1")[0] == d.blueprint


def test_a_lock_written_before_the_flag_existed_still_opens_and_a_real_edit_is_still_refused(tmp_path):
    """Every blueprint's resolved body gains `host_includes_port: false`; a stack folder written
    by an older councilkit lacks it and must not be taken for a tampered lock."""
    from councilkit.blueprints.lock import LOCK_FILE, resolved_sha256
    from councilkit.cli.stackdir import open_folder

    folder = new_stack("wordpress@1.0.0", **ANSWERS, folder=str(tmp_path / "wp")).path
    path = folder / LOCK_FILE
    lock = json.loads(path.read_text())
    del lock["resolved"]["database"]["env"]["host_includes_port"]
    lock["resolved_sha256"] = resolved_sha256(lock["resolved"])
    path.write_text(json.dumps(lock, indent=2))
    assert open_folder(folder).deployment().blueprint.ref == "wordpress@1.0.0"
    lock["resolved"]["database"]["env"]["host_includes_port"] = True  # an edit that changes what is deployed
    lock["resolved"]["database"]["env"].pop("port")
    lock["resolved_sha256"] = resolved_sha256(lock["resolved"])
    path.write_text(json.dumps(lock, indent=2))
    with pytest.raises(UserError, match=r"differs from the released wordpress@1\.0\.0 .*database\.env\.port: missing"):
        open_folder(folder).deployment()
