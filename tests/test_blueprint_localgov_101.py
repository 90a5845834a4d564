"""localgov-drupal@1.0.1: cron only from the scheduled task, drush at one known path, smoke checks.

Each fact is quoted from the upstream file it was read in (comments name repository, path and
tag); the tests check that the files councilkit ships and the stacks it plans carry it.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from councilkit.blueprints.lock import read_lock, sha256_of
from councilkit.blueprints.loader import BUILTIN_DIR, discover, load_file
from councilkit.cli.newstack import new_stack

from helpers import container_definitions, planned

FOLDER = BUILTIN_DIR / "localgov-drupal"
DRUSH = "/var/www/html/vendor/bin/drush"
TAG = "4.0.5-councilkit-1.0.1"
ANSWERS = dict(cloud="aws", tier="trial", council="Borsetshire County Council",
               domain="www.borsetshire.gov.uk", contact="web@borsetshire.gov.uk")
STACK = "borsetshire-county-council-localgov-drupal-trial"


@pytest.fixture(scope="module")
def bp():
    return load_file(FOLDER / "1.0.1.yaml")


def _text(name: str) -> str:
    return (FOLDER / name).read_text(encoding="utf-8")


def _commands(bp) -> list[list[str]]:
    return [c.command for c in bp.containers if c.command] + list(bp.upgrade.commands)


# --- the files ---------------------------------------------------------------------------------


def test_1_0_1_is_the_newest_localgov_blueprint_and_1_0_0_is_still_there():
    versions = list(discover()["localgov-drupal"])
    assert versions[-1] == "1.0.1" and "1.0.0" in versions
    # The released 1.0.0 keeps building its own Dockerfile, with its own tag.
    old = load_file(FOLDER / "1.0.0.yaml")
    assert {c.build.dockerfile for c in old.containers if c.build} == {"Dockerfile"}
    assert {c.build.tag for c in old.containers if c.build} == {"4.0.5-councilkit-1.0.0"}


def test_both_containers_build_the_1_0_1_image_under_a_new_tag(bp):
    builds = {c.build.model_dump_json() for c in bp.containers}
    assert len(builds) == 1
    build = bp.web.build
    assert (build.dockerfile, build.tag, build.base) == ("Dockerfile-1.0.1", TAG, "php:8.3-apache-bookworm")
    assert (FOLDER / build.dockerfile).is_file()
    # Same code as 1.0.0: only how it is built and run changed.
    assert build.args == load_file(FOLDER / "1.0.0.yaml").web.build.args


def test_settings_file_turns_automated_cron_off_with_a_config_override():
    # drupal/drupal core/modules/automated_cron/src/EventSubscriber/AutomatedCron.php (11.x):
    #   $interval = $this->config->get('interval'); if ($interval > 0) { ... $this->getCron()->run(); }
    # so 0 disables it; core default.settings.php, "Configuration overrides": values set in $config
    # "will not be viewable from the Drupal administration interface", i.e. they are not stored
    # configuration, so a config import cannot bring the stored 10800 back.
    text = _text("settings.councilkit-cron.php")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("*", "/*", "//")))
    assert re.findall(r"^\$config\[.*$", code, re.M) == ["$config['automated_cron.settings']['interval'] = 0;"]
    php = subprocess.run(["sh", "-c", "command -v php"], capture_output=True, text=True).stdout.strip()
    if php:  # with PHP at hand, the file also parses and sets exactly that
        out = subprocess.run([php, "-r", f"$config = []; include {str(FOLDER / 'settings.councilkit-cron.php')!r}; "
                              "echo json_encode($config);"], capture_output=True, text=True, check=True).stdout
        assert json.loads(out) == {"automated_cron.settings": {"interval": 0}}


def test_dockerfile_installs_and_includes_the_cron_settings_after_the_env_settings():
    text = _text("Dockerfile-1.0.1")
    assert "COPY settings.councilkit-cron.php /opt/drupal/web/sites/default/settings.councilkit-cron.php" in text
    includes = re.findall(r'include __DIR__ \. "/(settings\.councilkit[^"]*\.php)"', text)
    assert includes == ["settings.councilkit.php", "settings.councilkit-cron.php"]
    # Every file the Dockerfile copies from the build context ships beside it.
    for name in re.findall(r"^COPY (?!--from)(\S+) ", text, re.M):
        assert (FOLDER / name).is_file(), name


def test_dockerfile_pins_composers_bin_dir_before_installing_so_drush_is_in_vendor_bin():
    # localgovdrupal/localgov_project composer.json (branches 1.x, 2.x, 3.x): "bin-dir": "bin/",
    # which would put drush in bin/ and fail `test -x vendor/bin/drush`; composer's own default
    # is vendor/bin (getcomposer.org/doc/06-config.md#bin-dir).
    text = _text("Dockerfile-1.0.1")
    pin = text.index("composer config --no-plugins bin-dir vendor/bin;")
    assert text.index("composer create-project") < pin < text.index("composer update --no-dev")
    assert "test -x vendor/bin/drush" in text


def test_every_drush_call_uses_the_absolute_path(bp):
    text = _text("Dockerfile-1.0.1")
    entrypoint = text[text.index("'#!/bin/sh'"):text.index("> /usr/local/bin/councilkit-entrypoint")]
    assert f"{DRUSH} sql:query" in entrypoint and f"{DRUSH} site:install localgov" in entrypoint
    assert not re.search(r"(?<![/\w])drush ", entrypoint)
    for command in _commands(bp):
        words = shlex.split(command[-1]) if command[:2] == ["sh", "-c"] else command
        calls = [w for w in words if w.endswith("drush")]
        assert calls and set(calls) == {DRUSH}, command
    assert bp.containers[1].command == [DRUSH, "--root=/var/www/html", "cron"]


def test_upgrade_steps_are_updb_then_cim_when_exported_then_cr(bp):
    commands = bp.upgrade.commands
    assert commands[0] == [DRUSH, "updatedb", "-y"]
    assert commands[1][:2] == ["sh", "-c"] and f"then {DRUSH} config:import -y" in commands[1][2]
    assert commands[2] == [DRUSH, "cache:rebuild"]


def test_smoke_checks_the_login_form_and_the_installed_front_page(bp):
    # core user module UserLoginForm::getFormId(): 'user_login_form'; FormBuilder::prepareForm():
    # $form['#id'] = Html::getUniqueId($form_id) and data-drupal-selector Html::getId($form_id),
    # both "user-login-form". core system module system_page_attachments(): META GENERATOR
    # 'Drupal ' . $version . ' (https://www.drupal.org)' with the major version (core 11.4.7 here).
    smoke = {s.path: s for s in bp.smoke}
    assert list(smoke) == ["/user/login", "/"]
    assert (smoke["/user/login"].status, smoke["/user/login"].contains) == ("200", "user-login-form")
    assert (smoke["/"].status, smoke["/"].contains) == ("200", "Drupal 11 (https://www.drupal.org)")
    assert bp.web.build.args["DRUPAL_CORE_VERSION"].split(".")[0] == "11"
    assert all(s.why for s in smoke.values())


def test_header_lists_what_changed_and_names_the_sources():
    header = _text("1.0.1.yaml").split("\nid: ")[0]
    for fact in ("automated_cron", "localgov.info.yml", "AutomatedCron.php", "bin-dir", "composer.json",
                 "4.0.5-councilkit-1.0.1", "user_login_form", "smoke"):
        assert fact in header, fact


# --- the planned stacks ------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_aws_plan_builds_dockerfile_1_0_1_and_runs_cron_with_the_absolute_drush(tier):
    d, plan = planned("localgov-drupal", "aws", tier)
    assert d.blueprint.ref == "localgov-drupal@1.0.1"
    tasks = {t.name: container_definitions(t)[0] for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    assert {c["image"].rsplit(":", 1)[1] for c in tasks.values()} == {TAG}
    assert tasks["localgov-drupal-cron"]["command"] == [DRUSH, "--root=/var/www/html", "cron"]
    spec = json.loads(plan.one("aws:codebuild/project:Project").inputs["source"]["buildspec"])
    assert spec["phases"]["build"]["commands"][0].startswith("docker build --pull --file Dockerfile-1.0.1 ")
    assert plan.outputs["one_off"]["upgrade"]["commands"][0] == [DRUSH, "updatedb", "-y"]


@pytest.mark.parametrize("tier", ["trial", "production"])
def test_azure_plan_runs_cron_and_upgrade_jobs_with_the_absolute_drush(tier):
    d, plan = planned("localgov-drupal", "azure", tier)
    jobs = {j.name: j.inputs["template"]["containers"][0] for j in plan.of_type("azure-native:app:Job")}
    cron = next(c for name, c in jobs.items() if name.endswith("-cron"))
    upgrade = next(c for name, c in jobs.items() if name.endswith("-upgrade"))
    assert cron["args"] == [DRUSH, "--root=/var/www/html", "cron"]
    assert cron["image"].endswith(f"/localgov-drupal:{TAG}")
    script = upgrade["args"][-1]
    assert script.startswith(f"{DRUSH} updatedb -y && ") and script.endswith(f"&& {DRUSH} cache:rebuild")


def test_hand_build_commands_name_the_1_0_1_dockerfile(tmp_path):
    from councilkit.blueprints.deployment import build_deployment
    from councilkit.stacks.aws.golive import docker_commands
    from councilkit.stacks.azure.golive import acr_build_command

    d = build_deployment("localgov-drupal", cloud="aws", tier="trial")
    image_dir = tmp_path / "image"
    build = shlex.split(docker_commands(d, "123456789012.dkr.ecr.eu-west-2.amazonaws.com/r", image_dir)[1])
    assert build[:4] == ["docker", "build", "-f", str(image_dir.resolve() / "Dockerfile-1.0.1")]
    assert build[-1] == str(image_dir) and f"r:{TAG}" in build[-2]
    # azure-cli acr build --file: "The relative path of the the docker file to the source code root
    # folder. Default to 'Dockerfile'."
    az = shlex.split(acr_build_command(build_deployment("localgov-drupal", cloud="azure", tier="trial"), tmp_path))
    assert az[az.index("--file") + 1] == "Dockerfile-1.0.1" and az[-1] == str(tmp_path / "image")
    old = build_deployment("localgov-drupal@1.0.0", cloud="azure", tier="trial")
    assert "--file" not in shlex.split(acr_build_command(old, tmp_path))


# --- a rendered stack and `councilkit upgrade` ------------------------------------------------


def test_a_new_stack_ships_the_1_0_1_build_files_and_the_runbook_names_the_dockerfile(tmp_path):
    folder = new_stack("localgov-drupal", **ANSWERS, folder=str(tmp_path / STACK)).path
    for name in ("Dockerfile-1.0.1", "settings.councilkit.php", "settings.councilkit-cron.php"):
        assert (folder / "image" / name).read_bytes() == (FOLDER / name).read_bytes()
        assert read_lock(folder).image_files[name] == sha256_of((FOLDER / name).read_bytes())
    runbook = (folder / "RUNBOOK.md").read_text()
    assert "`docker build -f image/Dockerfile-1.0.1 --build-arg BASE_IMAGE=php:8.3-apache-bookworm" in runbook
    assert f":{TAG} image/`" in runbook


def test_upgrade_from_1_0_0_shows_the_new_image_and_steps_then_writes_1_0_1(cli, tmp_path):
    folder = new_stack("localgov-drupal@1.0.0", **ANSWERS, folder=str(tmp_path / STACK)).path
    result = cli("upgrade", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"upgrade {STACK}: localgov-drupal@1.0.0 -> localgov-drupal@1.0.1 (LocalGov Drupal 4.0.5 -> 4.0.5)" in out
    assert "  web: (built) 4.0.5-councilkit-1.0.0 -> (built) 4.0.5-councilkit-1.0.1" in out
    assert "  cron: (built) 4.0.5-councilkit-1.0.0 -> (built) 4.0.5-councilkit-1.0.1" in out
    assert "  -    dockerfile: Dockerfile\n" in out and "  +    dockerfile: Dockerfile-1.0.1\n" in out
    assert "  ~ aws:codebuild/project:Project localgov-drupal-image-build (" in out
    assert "once after the rollout, in one `web` container:" in out
    assert f"  {DRUSH} updatedb -y" in out and f"  {DRUSH} cache:rebuild" in out
    lock = read_lock(folder)
    assert lock.ref == "localgov-drupal@1.0.1"
    assert lock.blueprint.containers[1].command == [DRUSH, "--root=/var/www/html", "cron"]
    assert (folder / "image" / "settings.councilkit-cron.php").read_bytes() == _text("settings.councilkit-cron.php").encode()
    assert f"wrote {folder} (localgov-drupal@1.0.1)" in out
    # The upgraded folder plans 1.0.1's cron command.
    plan = cli("plan", str(folder), "--json", str(tmp_path / "plan.json"))
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(Path(tmp_path / "plan.json").read_text())
    assert doc["deployment"]["blueprint"] == "localgov-drupal@1.0.1"
    crons = [json.loads(s["newState"]["inputs"]["containerDefinitions"])[0] for s in doc["steps"]
             if s["newState"]["type"] == "aws:ecs/taskDefinition:TaskDefinition"
             and s["newState"]["urn"].endswith("::localgov-drupal-cron")]
    assert [c["command"] for c in crons] == [[DRUSH, "--root=/var/www/html", "cron"]]
