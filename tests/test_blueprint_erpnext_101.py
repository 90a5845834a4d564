"""ERPNext 1.0.1 (issue 13, issue 12 leftover): `bench new-site` against a MariaDB that requires TLS.

What the platforms enforce: AWS sets `require_secure_transport=1` on the RDS parameter group
(stacks/aws/database.py FORCE_TLS); Azure's MariaDB VM writes `require_secure_transport = ON`
(stacks/azure/templates/mariadb-cloud-init.yaml.j2). What Frappe v16 does with its config
(frappe/frappe frappe/database/__init__.py get_db: mysqlclient unless `use_mysqlclient` is 0;
mysqlclient.py passes `ssl` only with db_ssl_ca + db_ssl_cert + db_ssl_key; database.py (PyMySQL,
frappe/frappe#33044) passes {"ca", "check_hostname"} with db_ssl_ca alone), how `bench set-config
-p` parses (`ast.literal_eval`, frappe/commands/utils.py) and how the `mariadb` client that
new-site pipes framework_mariadb.sql into finds its TLS options ($MYSQL_HOME/my.cnf, MariaDB KB
"Configuring MariaDB with Option Files") are quoted in the header of blueprints/erpnext/1.0.1.yaml.

The configure step is taken from the planned backend container (the install and upgrade run
from it) and run with `bash`, with `bench` and `curl` replaced by recorders: what it writes is
what Frappe and the mariadb client would read.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import subprocess
from pathlib import Path

import pytest

from helpers import TIERS, container_definitions, planned
from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.lock import read_lock
from councilkit.blueprints.loader import BUILTIN_DIR, load_file
from councilkit.cli.newstack import new_stack
from councilkit.stacks.spec import database_ca_url

CLOUDS = ("aws", "azure")
NEWEST = "erpnext@1.0.1"
BENCH = "/home/frappe/frappe-bench"
MYSQL_HOME = f"{BENCH}/sites/councilkit-mariadb-client"
# AWS RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB instance or cluster": the
# global bundle holds every RDS CA, rds-ca-rsa2048-g1 (stacks/aws/database.py) among them.
RDS_BUNDLE = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
# Every Frappe process that may run the mariadb / mariadb-dump client (new-site, migrate,
# backups started by jobs); nginx and socket.io never do.
CLIENT_RUNNERS = {"backend", "queue-short", "queue-long", "scheduler"}
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
ANSWERS = dict(council="Borsetshire County Council", domain="erp.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")


def _bp(version: str):
    return load_file(BUILTIN_DIR / "erpnext" / f"{version}.yaml")


def _containers(cloud: str, tier: str) -> dict[str, dict]:
    """name → plain env of every planned long-running container (ECS task / Container App)."""
    d, plan = planned("erpnext", cloud, tier)
    assert d.blueprint.ref == NEWEST
    out: dict[str, dict] = {}
    if cloud == "aws":
        for task in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
            for c in container_definitions(task):
                out[c["name"]] = {e["name"]: e["value"] for e in c["environment"]}
    else:
        for a in plan.of_type("azure-native:app:ContainerApp"):
            for c in a.inputs["template"]["containers"]:
                out[c["name"]] = {e["name"]: e["value"] for e in c["env"] if "value" in e}
    return out


def _one_off_env(cloud: str, tier: str) -> dict:
    """The plain env the install step runs with: the backend's (AWS runs the step as a one-off
    task of the backend task definition; Azure as the install Container Apps job)."""
    if cloud == "aws":
        return _containers(cloud, tier)["backend"]
    _, plan = planned("erpnext", cloud, tier)
    (job,) = [j for j in plan.of_type("azure-native:app:Job") if j.name.endswith("-install")]
    (c,) = job.inputs["template"]["containers"]
    return {e["name"]: e["value"] for e in c["env"] if "value" in e}


# --- the plan: what each cloud hands the containers ---------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_aws_hands_the_backend_the_rds_ca_bundle(tier):
    env = _containers("aws", tier)["backend"]
    assert env["DB_CA_URL"] == RDS_BUNDLE
    assert _one_off_env("aws", tier)["DB_CA_URL"] == RDS_BUNDLE


@pytest.mark.parametrize("tier", TIERS)
def test_azure_names_no_ca_for_its_self_managed_mariadb(tier):
    d, _ = planned("erpnext", "azure", tier)
    assert d.database_hosting == "self-managed"
    assert _containers("azure", tier)["backend"]["DB_CA_URL"] == ""
    assert _one_off_env("azure", tier)["DB_CA_URL"] == ""


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("tier", TIERS)
def test_every_process_that_runs_the_mariadb_client_reads_the_option_file_on_the_share(cloud, tier):
    containers = _containers(cloud, tier)
    assert {name for name, env in containers.items() if "MYSQL_HOME" in env} == CLIENT_RUNNERS
    for name in CLIENT_RUNNERS:
        assert containers[name]["MYSQL_HOME"] == MYSQL_HOME, name
    # ...which is on the shared sites/ volume every one of them mounts.
    sites = next(f for f in _bp("1.0.1").files if f.name == "sites")
    assert MYSQL_HOME.startswith(sites.path + "/")


def test_the_database_ca_url_is_the_managed_services_bundle_and_never_a_self_managed_guess():
    aws = build_deployment("erpnext", cloud="aws", tier="trial", **ANSWERS)
    azure = build_deployment("erpnext", cloud="azure", tier="trial", **ANSWERS)
    assert (aws.database_hosting, database_ca_url(aws)) == ("managed", RDS_BUNDLE)
    assert (azure.database_hosting, database_ca_url(azure)) == ("self-managed", "")
    # Alfresco's PostgreSQL is managed on Azure, but no CA source for it has been read: "".
    alfresco = build_deployment("alfresco", cloud="azure", tier="trial", **ANSWERS)
    assert (alfresco.database_hosting, database_ca_url(alfresco)) == ("managed", "")


# --- the configure step, run: what Frappe and the mariadb client would read --------------------


def _configure_script() -> str:
    cmd = _bp("1.0.1").install.commands[0]
    assert cmd[:2] == ["bash", "-c"]
    assert _bp("1.0.1").upgrade.commands[0] == cmd  # the upgrade configures again, the same way
    return cmd[2]


def _run_configure(tmp_path: Path, env: dict, curl_body: str = PEM):
    """Run the configure step in a scratch bench; (result, bench folder, recorded bench calls, curl args)."""
    bench = tmp_path / "frappe-bench"
    (bench / "apps" / "frappe").mkdir(parents=True)
    (bench / "apps" / "erpnext").mkdir()
    (bench / "sites").mkdir()
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    calls, curl_log = tmp_path / "bench-calls", tmp_path / "curl-args"
    # bench: record each call as one JSON list per line.
    (bin_ / "bench").write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    # curl: record the arguments, write the body to the -o file.
    (bin_ / "curl").write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"open({str(curl_log)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
        "out = sys.argv[sys.argv.index('-o') + 1]\n"
        f"open(out, 'w').write({curl_body!r})\n")
    for tool in ("bench", "curl"):
        (bin_ / tool).chmod(0o755)
    script = _configure_script()
    assert script.count(f"cd {BENCH}\n") == 1
    script = script.replace(f"cd {BENCH}\n", f"cd {bench}\n")
    run_env = {**env, "MYSQL_HOME": env["MYSQL_HOME"].replace(BENCH, str(bench)),
               "REDIS_CACHE_HOST": "cache.internal", "REDIS_CACHE_PORT": "6380",
               "REDIS_CACHE_PASSWORD": "c+/=", "REDIS_QUEUE_HOST": "queue.internal",
               "REDIS_QUEUE_PORT": "6380", "REDIS_QUEUE_PASSWORD": "q+/=",
               "DB_HOST": "db.internal", "DB_PORT": "3306",
               "PATH": f"{bin_}:/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=run_env, timeout=60)
    recorded = [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []
    curl_args = json.loads(curl_log.read_text()) if curl_log.exists() else None
    return result, bench, recorded, curl_args


def _set_config(recorded) -> dict:
    """key → value as Frappe stores it: `-p` values parsed with ast.literal_eval, as set-config does."""
    out = {}
    for call in recorded:
        assert call[0] == "set-config" and call[1] in ("-g", "-gp"), call
        out[call[2]] = ast.literal_eval(call[3]) if call[1] == "-gp" else call[3]
    return out


@pytest.mark.parametrize("tier", TIERS)
def test_on_aws_configure_selects_the_driver_that_verifies_the_server_with_the_rds_bundle(tmp_path, tier):
    result, bench, recorded, curl_args = _run_configure(tmp_path, _one_off_env("aws", tier))
    assert result.returncode == 0, result.stderr
    ca = bench / "sites" / "councilkit-db-ca.pem"
    assert ca.read_text() == PEM and not ca.with_name(ca.name + ".new").exists()
    assert curl_args[-1] == RDS_BUNDLE and "-o" in curl_args
    assert curl_args[curl_args.index("--proto") + 1] == "=https,file"
    config = _set_config(recorded)
    # The PyMySQL path (use_mysqlclient 0) honours a CA alone; the name is checked too.
    assert config["use_mysqlclient"] == 0
    assert config["db_ssl_ca"] == str(ca)
    assert config["db_ssl_check_hostname"] is True
    assert "db_ssl_cert" not in config and "db_ssl_key" not in config
    assert (config["db_host"], config["db_port"]) == ("db.internal", 3306)
    assert config["redis_cache"].startswith("rediss://:c%2B%2F%3D@cache.internal:6380")
    assert "database CAs: " + RDS_BUNDLE in result.stdout


def test_configure_gives_the_mariadb_client_the_same_ca_and_server_verification(tmp_path):
    result, bench, recorded, _ = _run_configure(tmp_path, _one_off_env("aws", "production"))
    assert result.returncode == 0, result.stderr
    option_file = bench / "sites" / "councilkit-mariadb-client" / "my.cnf"
    parser = configparser.ConfigParser(allow_no_value=True)
    parser.read_string(option_file.read_text())
    assert parser.sections() == ["client"]
    assert parser["client"]["ssl-ca"] == _set_config(recorded)["db_ssl_ca"]
    assert "ssl-verify-server-cert" in parser["client"]
    # MariaDB ignores a world-writable option file; this one is written with the usual umask.
    assert not os.stat(option_file).st_mode & 0o002


@pytest.mark.parametrize("tier", TIERS)
def test_on_azure_configure_stops_with_one_line_instead_of_connecting_unverified(tmp_path, tier):
    result, bench, recorded, curl_args = _run_configure(tmp_path, _one_off_env("azure", tier))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: this platform names no CA for its database server, so ERPNext cannot verify it; "
        "it will not connect unverified (see the blueprint notes)"]
    assert curl_args is None
    assert not any(call[2].startswith("db_") for call in recorded)
    assert not (bench / "sites" / "councilkit-db-ca.pem").exists()


def test_a_ca_url_that_gives_no_certificate_stops_configure_and_leaves_nothing(tmp_path):
    result, bench, recorded, _ = _run_configure(tmp_path, _one_off_env("aws", "trial"),
                                                curl_body="<html>maintenance</html>")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {RDS_BUNDLE} gave no PEM certificate"
    assert list((bench / "sites").glob("councilkit-db-ca.pem*")) == []
    assert not any(call[2].startswith("db_") for call in recorded)


def test_1_0_0_trusted_the_system_store_without_a_host_check_and_1_0_1_does_not():
    old, new = _bp("1.0.0").install.commands[0][2], _configure_script()
    assert "/etc/ssl/certs/ca-certificates.crt" in old and "db_ssl_check_hostname" not in old
    assert "/etc/ssl/certs/ca-certificates.crt" not in new
    assert "truststore.pki.rds.amazonaws.com" not in new  # the platform names the CA, not the app


# --- smoke, and the way from 1.0.0 ----------------------------------------------------------------


def test_smoke_checks_the_ping_and_the_login_page():
    smoke = [(s.path, s.status, s.contains) for s in _bp("1.0.1").smoke]
    assert smoke == [("/api/method/ping", "200", "pong"), ("/login", "200", "login_email")]
    assert all(s.why for s in _bp("1.0.1").smoke)


def test_1_0_1_changes_only_what_its_header_lists():
    old, new = _bp("1.0.0"), _bp("1.0.1")
    assert [c.image for c in new.containers] == [c.image for c in old.containers]
    assert new.database == old.database and new.files == old.files and new.tiers == old.tiers
    changed = {c.name for c, o in zip(new.containers, old.containers) if c != o}
    assert changed == CLIENT_RUNNERS
    assert new.upgrade.commands[1:] == old.upgrade.commands[1:]  # bench --site all migrate


def test_upgrade_from_1_0_0_reaches_1_0_1(cli, tmp_path):
    folder = new_stack("erpnext@1.0.0", cloud="aws", tier="trial", **ANSWERS,
                       folder=str(tmp_path / "erp")).path
    result = cli("upgrade", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    assert "erpnext@1.0.0 -> erpnext@1.0.1" in result.stdout
    assert read_lock(folder).ref == NEWEST
    assert read_lock(folder).blueprint.containers[1].env["DB_CA_URL"] == "${database_ca_url}"
