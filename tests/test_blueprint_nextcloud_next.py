"""Nextcloud after 1.0.0 (issue 13): logins that survive TLS Redis, a supported major reached one
major at a time, an honest word on mail, upload limits that agree, and smoke checks.

The web container's start-up script is taken from the planned container definitions (ECS on AWS,
Container Apps on Azure) and run with `sh`, its four absolute paths mapped into a scratch folder
and the image's /entrypoint.sh replaced by a recorder: what it writes is what PHP and Nextcloud
would read. Sources for every fact are in the header of blueprints/nextcloud/1.1.0.yaml.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from helpers import TIERS, container_definitions, planned
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import read_lock
from councilkit.blueprints.loader import BUILTIN_DIR, discover, load_file
from councilkit.cli.newstack import new_stack
from councilkit.cli.plan_view import notes
from councilkit.cli.stackdir import open_folder
from councilkit.cli.upgrade import app_major, choose_version
from councilkit.stacks.aws import waf

CLOUDS = ("aws", "azure")
NEWEST = "1.2.0"
# Nextcloud majors by blueprint version: 32 (1.0.0, end of life 2026-09-30), 33, 34.
MAJORS = {"1.0.0": ("32.0.6", 32), "1.1.0": ("33.0.7", 33), "1.2.0": ("34.0.2", 34)}
# The absolute paths the start-up script writes to or runs, each assigned once at its top.
PATHS = {
    "conf_d": "/usr/local/etc/php/conf.d",
    "image_config": "/usr/src/nextcloud/config",
    "site_config": "/var/www/html/config",
    "upstream_entrypoint": "/entrypoint.sh",
}
# An Azure Managed Redis access key is base64: "+" would turn into a space in phpredis's
# url-decoded save_path query unless encoded; "&" and "%" would split or garble it.
PASSWORD = "aB3+x/y=z&%q"
ANSWERS = dict(council="Borsetshire County Council", domain="files.borsetshire.gov.uk",
               contact="it@borsetshire.gov.uk")


def _bp(version: str):
    return load_file(BUILTIN_DIR / "nextcloud" / f"{version}.yaml")


# --- the planned web container: its entrypoint, command and environment ----------------------


def _web(cloud: str, tier: str) -> dict:
    """{entrypoint, command, env (plain values), secrets (names)} of the planned web container."""
    d, plan = planned("nextcloud", cloud, tier)
    assert d.blueprint.ref == f"nextcloud@{NEWEST}"
    if cloud == "aws":
        task = next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name.endswith("-web"))
        c = container_definitions(task)[0]
        return {"entrypoint": c.get("entryPoint"), "command": c.get("command"), "image": c["image"],
                "env": {e["name"]: e["value"] for e in c["environment"]},
                "secrets": {s["name"] for s in c["secrets"]}}
    app = next(a for a in plan.of_type("azure-native:app:ContainerApp") if a.name.endswith("-web"))
    c = app.inputs["template"]["containers"][0]
    return {"entrypoint": c.get("command"), "command": c.get("args"), "image": c["image"],
            "env": {e["name"]: e["value"] for e in c["env"] if "value" in e},
            "secrets": {e["name"] for e in c["env"] if "secretRef" in e}}


def _all_env_names(cloud: str, tier: str) -> set[str]:
    """Every variable name any planned container or job of the stack gets."""
    _, plan = planned("nextcloud", cloud, tier)
    names: set[str] = set()
    if cloud == "aws":
        for task in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
            for c in container_definitions(task):
                names |= {e["name"] for e in c["environment"]} | {s["name"] for s in c["secrets"]}
    else:
        for kind in ("azure-native:app:ContainerApp", "azure-native:app:Job"):
            for app in plan.of_type(kind):
                for c in app.inputs["template"]["containers"]:
                    names |= {e["name"] for e in c["env"]}
    return names


def _start(tmp_path: Path, web: dict, env: dict, args: list[str], installed: bool = True):
    """Run the planned start-up script with `env` and `args`; (result, folders)."""
    folders = {name: tmp_path / name for name in ("conf_d", "image_config", "site_config")}
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    if installed:
        (folders["site_config"] / "config.php").write_text("<?php $CONFIG = array();\n")
    recorder = tmp_path / "entrypoint.sh"
    recorder.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/exec-args"\n')
    recorder.chmod(0o755)
    entrypoint = list(web["entrypoint"])
    assert entrypoint[:2] == ["/bin/sh", "-c"] and entrypoint[3:] == ["councilkit-start"]
    script = entrypoint[2]
    for name, path in PATHS.items():
        assignment = f"{name}={path}\n"
        assert script.count(assignment) == 1, assignment
        target = recorder if name == "upstream_entrypoint" else folders[name]
        script = script.replace(assignment, f"{name}={target}\n")
    result = subprocess.run(["/bin/sh", "-c", script, "councilkit-start", *args], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", **env}, timeout=30)
    folders["exec_args"] = tmp_path / "exec-args"
    return result, folders


def _runtime_env(web: dict, cloud: str) -> dict:
    """The planned plain env plus the cache password the platform injects from its secret store."""
    env = dict(web["env"])
    assert "COUNCILKIT_REDIS_PASSWORD" in web["secrets"], cloud
    env["COUNCILKIT_REDIS_PASSWORD"] = PASSWORD
    return env


@pytest.mark.parametrize("cloud", CLOUDS)
def test_production_sessions_use_a_tls_save_path_with_the_redis_auth(cloud, tmp_path):
    web = _web(cloud, "production")
    env = _runtime_env(web, cloud)
    result, folders = _start(tmp_path, web, env, web["command"])
    assert result.returncode == 0, result.stderr
    ini = (folders["conf_d"] / "zz-councilkit-redis-session.ini").read_text()
    host, port = env["COUNCILKIT_REDIS_HOST"], env["COUNCILKIT_REDIS_PORT"]
    assert "session.save_handler = redis" in ini.splitlines()
    (line,) = [x for x in ini.splitlines() if x.startswith("session.save_path")]
    match = re.fullmatch(r'session\.save_path = "tls://([^:"]+):(\d+)\?auth=([^"]+)"', line)
    assert match, line
    assert match.group(1) == host and match.group(2) == port
    # phpredis url-decodes the query (treat_data PARSE_STRING: "+" is a space): the password
    # survives only because every byte is percent-encoded.
    assert unquote_plus(match.group(3)) == PASSWORD
    assert "tcp://" not in ini and "tls://tls://" not in ini
    # The session locking the admin manual requires with the Redis session handler.
    for setting in ("redis.session.locking_enabled = 1", "redis.session.lock_retries = -1",
                    "redis.session.lock_wait_time = 10000"):
        assert setting in ini.splitlines()
    mode = (folders["conf_d"] / "zz-councilkit-redis-session.ini").stat().st_mode & 0o777
    assert mode == 0o640  # holds the password: root and www-data (Apache, occ) only
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_cache_host_is_bare_and_its_password_a_secret(cloud):
    web = _web(cloud, "production")
    host = web["env"]["COUNCILKIT_REDIS_HOST"]
    assert "://" not in host and re.fullmatch(r"[A-Za-z0-9.-]+", host)
    assert web["env"]["COUNCILKIT_REDIS_PORT"] == ("6379" if cloud == "aws" else "10000")
    assert "COUNCILKIT_REDIS_PASSWORD" in web["secrets"]
    assert "COUNCILKIT_REDIS_PASSWORD" not in web["env"]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_redis_host_is_never_handed_to_the_image_entrypoint(cloud, tier):
    """REDIS_HOST is what makes the image's entrypoint write `tcp://tls://...` (1.0.0's bug)."""
    names = _all_env_names(cloud, tier)
    assert not {"REDIS_HOST", "REDIS_HOST_PORT", "REDIS_HOST_PASSWORD", "REDIS_HOST_USER"} & names
    assert ("COUNCILKIT_REDIS_HOST" in names) == (tier == "production")


@pytest.mark.parametrize("cloud", CLOUDS)
def test_memcache_and_locks_use_redis_over_tls_with_a_verified_certificate(cloud, tmp_path):
    web = _web(cloud, "production")
    result, folders = _start(tmp_path, web, _runtime_env(web, cloud), web["command"])
    assert result.returncode == 0, result.stderr
    written = folders["site_config"] / "councilkit-redis.config.php"
    php = written.read_text()
    assert php == (folders["image_config"] / "councilkit-redis.config.php").read_text()
    assert php.startswith("<?php\n") and "if (getenv('COUNCILKIT_REDIS_HOST')) {" in php
    assert "'memcache.distributed' => '\\OC\\Memcache\\Redis'," in php
    assert "'memcache.locking' => '\\OC\\Memcache\\Redis'," in php
    assert "'host' => 'tls://' . getenv('COUNCILKIT_REDIS_HOST')," in php
    assert "'password' => (string) getenv('COUNCILKIT_REDIS_PASSWORD')," in php
    assert "'ssl_context' => array('verify_peer' => true, 'verify_peer_name' => true)," in php
    assert PASSWORD not in php  # read from the environment at run time, never written down
    assert written.stat().st_mode & 0o777 == 0o644
    assert not list(folders["site_config"].glob(".councilkit-redis.*"))  # no temporary left


def test_a_first_start_leaves_the_empty_config_folder_to_the_image(tmp_path):
    """The image's entrypoint copies its config/*.config.php only into an EMPTY config folder:
    before the install the file goes beside them in /usr/src/nextcloud/config, never into config/."""
    web = _web("aws", "production")
    result, folders = _start(tmp_path, web, _runtime_env(web, "aws"), web["command"], installed=False)
    assert result.returncode == 0, result.stderr
    assert list(folders["site_config"].iterdir()) == []
    assert (folders["image_config"] / "councilkit-redis.config.php").is_file()


@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_start_up_ends_in_the_image_entrypoint_with_the_command(cloud, tmp_path):
    web = _web(cloud, "production")
    assert web["command"] == ["apache2-foreground"]  # an entrypoint drops the image's CMD
    result, folders = _start(tmp_path, web, _runtime_env(web, cloud), web["command"])
    assert result.returncode == 0, result.stderr
    assert folders["exec_args"].read_text().splitlines() == ["apache2-foreground"]
    upgrade = ["su", "-p", "www-data", "-s", "/bin/sh", "-c", "php /var/www/html/occ upgrade"]
    result, folders = _start(tmp_path, web, _runtime_env(web, cloud), upgrade)
    assert result.returncode == 0 and folders["exec_args"].read_text().splitlines() == upgrade


def test_upgrade_steps_keep_the_start_up(plan_of):
    """One-off upgrade steps replace the command, not the entrypoint: on Azure the manual job runs
    the web container's start-up, so `occ upgrade` sees the same Redis settings."""
    _, plan = plan_of("nextcloud", "azure", "production")
    job = next(j for j in plan.of_type("azure-native:app:Job") if j.name.endswith("-upgrade"))
    container = job.inputs["template"]["containers"][0]
    assert container["command"] == _web("azure", "production")["entrypoint"]
    assert "occ upgrade" in " ".join(container["args"])


@pytest.mark.parametrize("cloud", CLOUDS)
def test_a_trial_without_a_cache_keeps_php_sessions_local(cloud, tmp_path):
    web = _web(cloud, "trial")
    assert not any(name.startswith("COUNCILKIT_REDIS") for name in web["env"]) and not web["secrets"] & {
        "COUNCILKIT_REDIS_PASSWORD"}
    result, folders = _start(tmp_path, web, dict(web["env"]), web["command"])
    assert result.returncode == 0, result.stderr
    assert list(folders["conf_d"].iterdir()) == []
    assert folders["exec_args"].read_text().splitlines() == ["apache2-foreground"]


def test_a_host_with_a_scheme_stops_the_start_with_one_line(tmp_path):
    """A `tls://` host (1.0.0's REDIS_HOST) would make `tls://tls://...`: refused before Apache."""
    web = _web("aws", "production")
    env = {**_runtime_env(web, "aws"), "COUNCILKIT_REDIS_HOST": "tls://redis.internal"}
    result, folders = _start(tmp_path, web, env, web["command"])
    assert result.returncode == 1
    assert result.stderr.strip() == "councilkit: COUNCILKIT_REDIS_HOST must be a host name, got 'tls://redis.internal'"
    assert not folders["exec_args"].exists()


# --- supported majors, one at a time -------------------------------------------------------------


@pytest.mark.parametrize("version", MAJORS)
def test_each_version_runs_the_documented_nextcloud(version):
    bp = _bp(version)
    upstream, major = MAJORS[version]
    assert bp.app.upstream_version == upstream and app_major(bp) == major
    assert {c.image for c in bp.containers} == {f"nextcloud:{upstream}-apache"}


def test_newer_versions_declare_one_major_at_a_time():
    assert not _bp("1.0.0").upgrade.one_major_at_a_time
    assert _bp("1.1.0").upgrade.one_major_at_a_time and _bp("1.2.0").upgrade.one_major_at_a_time
    assert list(discover()["nextcloud"])[-1] == NEWEST


def _stack(tmp_path: Path, version: str = "1.0.0", dirs: tuple = (), app: str = "nextcloud") -> Path:
    return new_stack(f"{app}@{version}", cloud="aws", tier="trial", **ANSWERS,
                     folder=str(tmp_path / "stack"), blueprint_dirs=dirs).path


def test_upgrade_refuses_to_skip_a_major_and_names_the_chain(cli, tmp_path):
    folder = _stack(tmp_path)
    for args in ((), ("--to", "1.2.0"), ("--to", "nextcloud@1.2.0")):
        result = cli("upgrade", str(folder), *args)
        assert result.returncode == 2, result
        assert result.stderr == (
            "error: upgrade: nextcloud@1.2.0 (Nextcloud 34.0.2) skips a major version from the locked "
            "nextcloud@1.0.0 (Nextcloud 32.0.6), and Nextcloud upgrades one major version at a time: "
            f"run first `councilkit upgrade {folder} --to nextcloud@1.1.0` (Nextcloud 33), then "
            f"`--to nextcloud@1.2.0` (Nextcloud 34), each deployed with `councilkit up {folder}` "
            "before the next\n"
        )
    assert read_lock(folder).ref == "nextcloud@1.0.0"  # nothing written


def test_upgrade_moves_32_to_33_to_34_one_major_at_a_time(cli, tmp_path):
    folder = _stack(tmp_path)
    first = cli("upgrade", str(folder), "--to", "nextcloud@1.1.0", "--yes")
    assert first.returncode == 0, first.stderr
    assert "nextcloud@1.0.0 -> nextcloud@1.1.0 (Nextcloud 32.0.6 -> 33.0.7)" in first.stdout
    assert "  web: nextcloud:32.0.6-apache -> nextcloud:33.0.7-apache" in first.stdout
    assert read_lock(folder).ref == "nextcloud@1.1.0"
    second = cli("upgrade", str(folder), "--yes")  # the newest is now one major away
    assert second.returncode == 0, second.stderr
    assert "nextcloud@1.1.0 -> nextcloud@1.2.0 (Nextcloud 33.0.7 -> 34.0.2)" in second.stdout
    assert read_lock(folder).ref == "nextcloud@1.2.0"


def test_to_names_a_version_of_this_stack_s_app_only(tmp_path):
    folder = open_folder(_stack(tmp_path))
    with pytest.raises(UserError, match="--to names 'wordpress', but this stack runs 'nextcloud'"):
        choose_version(folder, "wordpress@1.1.0", ())
    bp, _ = choose_version(folder, "nextcloud@1.1.0", ())
    assert bp.ref == "nextcloud@1.1.0"


def _catalogue(tmp_path: Path, app: str, versions: dict[str, bool]) -> Path:
    """A catalogue of `app`: copies of nextcloud's versions under another id, each with
    one_major_at_a_time set as given."""
    folder = tmp_path / "catalogue" / app
    folder.mkdir(parents=True)
    for version, flag in versions.items():
        text = (BUILTIN_DIR / "nextcloud" / f"{version}.yaml").read_text()
        text = text.replace("id: nextcloud\n", f"id: {app}\n", 1)
        text = text.replace("one_major_at_a_time: true", f"one_major_at_a_time: {str(flag).lower()}")
        assert flag == ("one_major_at_a_time: true" in text), version
        (folder / f"{version}.yaml").write_text(text)
    return folder.parent


def test_the_rule_is_the_blueprint_s_not_nextcloud_s(tmp_path):
    """An app whose blueprints do not declare one_major_at_a_time may skip majors."""
    dirs = (_catalogue(tmp_path, "filesync", {"1.0.0": False, "1.2.0": False}),)
    bp, _ = choose_version(open_folder(_stack(tmp_path, dirs=dirs, app="filesync")), "1.2.0", dirs)
    assert bp.ref == "filesync@1.2.0"


def test_a_skip_with_no_version_of_the_missing_major_says_so(tmp_path):
    dirs = (_catalogue(tmp_path, "filesync", {"1.0.0": False, "1.2.0": True}),)
    folder = open_folder(_stack(tmp_path, dirs=dirs, app="filesync"))
    with pytest.raises(UserError, match=r"skips Nextcloud 33 from the locked filesync@1\.0\.0 .*no blueprint "
                                        r"version of filesync ships Nextcloud 33$"):
        choose_version(folder, None, dirs)


# --- mail, upload limits, smoke ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.1.0", "1.2.0"])
def test_no_mail_setting_that_does_nothing_and_the_plan_says_mail_needs_a_relay(version):
    bp = _bp(version)
    for c in bp.containers:
        assert not {k for k in c.env if k.startswith(("MAIL_", "SMTP_"))}, c.name
    (note,) = bp.notes
    assert "sends no e-mail" in note
    for key in ("mail_smtpmode", "mail_smtphost", "mail_smtpport", "mail_smtpsecure", "mail_smtpauth",
                "mail_smtpname", "mail_smtppassword", "mail_from_address", "mail_domain"):
        assert key in note


def test_plan_notes_and_runbook_carry_the_mail_note(tmp_path):
    d, _ = planned("nextcloud", "aws", "trial")
    assert any(n.startswith("Nextcloud: Nextcloud sends no e-mail") for n in notes(d))
    runbook = (_stack(tmp_path, NEWEST) / "RUNBOOK.md").read_text()
    section = runbook.split("## Still to do by hand\n", 1)[1].split("\n## ", 1)[0]
    assert "Nextcloud sends no e-mail" in section and "mail_smtphost" in section


def _mib(php_size: str) -> int:
    """PHP's shorthand byte values (K, M, G are powers of 1024) in MiB."""
    number, unit = re.fullmatch(r"(\d+)([KMG])", php_size).groups()
    return int(number) * {"K": 1 / 1024, "M": 1, "G": 1024}[unit]


@pytest.mark.parametrize("version", ["1.1.0", "1.2.0"])
def test_php_apache_and_the_waf_agree_on_the_largest_request(version):
    bp = _bp(version)
    env = bp.web.env
    assert _mib(env["PHP_UPLOAD_LIMIT"]) == bp.upload_limit_mib == 1024
    # The image's LimitRequestBody (default 1073741824 in 33/ and 34/apache/Dockerfile) is in bytes.
    assert int(env["APACHE_BODY_LIMIT"]) == bp.upload_limit_mib * waf.MIB


def test_the_production_waf_body_rule_uses_the_blueprint_s_limit(plan_of):
    d, plan = plan_of("nextcloud", "aws", "production")
    acl = plan.one("aws:wafv2/webAcl:WebAcl")
    rule = next(r for r in acl.inputs["rules"] if r["name"] == "request-body-ceiling")
    pattern = rule["statement"]["regexMatchStatement"]["regexString"]
    assert pattern == waf.at_least_pattern(d.blueprint.upload_limit_mib * waf.MIB + 1)[1]
    assert not re.match(pattern, str(1024 * waf.MIB)) and re.match(pattern, str(2 * 1024 * waf.MIB))


@pytest.mark.parametrize("version", ["1.1.0", "1.2.0"])
def test_smoke_checks_status_php_and_the_login_page(version):
    smoke = {s.path: s for s in _bp(version).smoke}
    # status.php json_encode()s installed, maintenance, needsDbUpgrade first, in that order.
    assert smoke["/status.php"].status == "200"
    assert smoke["/status.php"].contains == '"installed":true,"maintenance":false,"needsDbUpgrade":false'
    assert json.loads("{" + smoke["/status.php"].contains + "}") == {
        "installed": True, "maintenance": False, "needsDbUpgrade": False}
    assert smoke["/login"].status == "200" and smoke["/login"].contains == 'id="login"'


# --- both clouds, both tiers ---------------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("cloud", CLOUDS)
def test_the_newest_nextcloud_plans_on_both_clouds_and_tiers(cloud, tier):
    d, plan = planned("nextcloud", cloud, tier)
    assert d.blueprint.ref == f"nextcloud@{NEWEST}" and len(plan.resources) > 20
    web = _web(cloud, tier)
    assert web["image"] == "nextcloud:34.0.2-apache"
    assert web["entrypoint"][:2] == ["/bin/sh", "-c"] and web["command"] == ["apache2-foreground"]
    assert web["env"]["PHP_UPLOAD_LIMIT"] == "1G" and web["env"]["APACHE_BODY_LIMIT"] == "1073741824"


def test_released_1_0_0_is_untouched():
    """1.0.0 keeps its (wrong) REDIS_HOST and mail env: a released file never changes."""
    bp = _bp("1.0.0")
    assert bp.cache.env.host == "REDIS_HOST" and bp.cache.env.host_prefix == "tls://"
    assert bp.web.env["PHP_UPLOAD_LIMIT"] == "2G" and not bp.smoke and not bp.notes
