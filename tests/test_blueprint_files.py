"""The blueprint files shipped with councilkit: they load, and they hold what a deployment relies on."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import BUILTIN_DIR, discover, load_file
from councilkit.blueprints.model import PLACEHOLDER_RE

SHIPPED = {
    "nextcloud": ["1.0.0", "1.1.0", "1.2.0"],
    "localgov-drupal": ["1.0.0", "1.0.1"],
}
# The exact image each shipped blueprint documents (in its comments and app.upstream_version).
DOCUMENTED_IMAGES = {
    ("nextcloud", "1.0.0"): "nextcloud:32.0.6-apache",
    ("nextcloud", "1.1.0"): "nextcloud:33.0.7-apache",
    ("nextcloud", "1.2.0"): "nextcloud:34.0.2-apache",
}
DOCUMENTED_BUILDS = {
    ("localgov-drupal", "1.0.0"): ("php:8.3-apache-bookworm", "4.0.5-councilkit-1.0.0"),
    ("localgov-drupal", "1.0.1"): ("php:8.3-apache-bookworm", "4.0.5-councilkit-1.0.1"),
}
PAIRS = [(app, version) for app, versions in SHIPPED.items() for version in versions]
EXACT_TAG = re.compile(r":\d+(\.\d+){2}(-[a-z0-9.-]+)?$")
# Env values that would be a credential written in clear: long random-looking strings, or a
# "password=..."-style assignment. Placeholders and ordinary settings are not.
SECRET_LOOKING = re.compile(r"(?i)(pass(word)?|secret|salt|token)\s*[=:]|^[A-Za-z0-9+/_-]{24,}={0,2}$")


def _path(app: str, version: str) -> Path:
    return BUILTIN_DIR / app / f"{version}.yaml"


@pytest.fixture(params=PAIRS, ids=[f"{a}@{v}" for a, v in PAIRS])
def shipped(request):
    app, version = request.param
    return load_file(_path(app, version))


@pytest.fixture
def nextcloud():
    return load_file(_path("nextcloud", "1.0.0"))


@pytest.fixture
def drupal():
    return load_file(_path("localgov-drupal", "1.0.0"))


def _copy_with(tmp_path: Path, app: str, version: str, edit) -> Path:
    """A copy of a shipped blueprint (and the files beside it) with one field broken by `edit`."""
    folder = tmp_path / app
    shutil.copytree(BUILTIN_DIR / app, folder)
    data = yaml.safe_load(_path(app, version).read_text(encoding="utf-8"))
    edit(data)
    target = folder / f"{version}.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


# --- every shipped blueprint -------------------------------------------------------------------


@pytest.mark.parametrize(("app", "version"), PAIRS)
def test_shipped_blueprint_loads_with_id_and_version_of_its_place(app, version):
    bp = load_file(_path(app, version))
    assert bp.ref == f"{app}@{version}"


def test_discover_lists_every_shipped_blueprint():
    catalogue = discover()
    for app, versions in SHIPPED.items():
        assert set(versions) <= set(catalogue[app])


def test_images_are_pinned_to_an_exact_version_never_latest(shipped):
    for c in shipped.containers:
        if c.image:
            assert not c.image.endswith(":latest")
            assert EXACT_TAG.search(c.image), f"{c.name}: {c.image} is not an exact x.y.z tag"
        else:
            assert EXACT_TAG.search(c.build.base) or re.search(r":\d+\.\d+-", c.build.base)
            assert "latest" not in c.build.tag


@pytest.mark.parametrize(("key", "image"), DOCUMENTED_IMAGES.items())
def test_image_matches_the_documented_tag(key, image):
    bp = load_file(_path(*key))
    assert {c.image for c in bp.containers} == {image}
    assert image.split(":")[1].startswith(bp.app.upstream_version)


@pytest.mark.parametrize(("key", "build"), DOCUMENTED_BUILDS.items())
def test_built_image_matches_the_documented_base_and_tag(key, build):
    bp = load_file(_path(*key))
    base, tag = build
    assert {(c.build.base, c.build.tag) for c in bp.containers} == {(base, tag)}
    assert tag.startswith(bp.app.upstream_version)


def test_containers_sharing_a_build_use_identical_build_settings(shipped):
    builds = {c.build.model_dump_json() for c in shipped.containers if c.build}
    assert len(builds) <= 1


def test_registry_hosts_are_not_named_in_images_or_dockerfiles(shipped):
    texts = [c.image or c.build.base for c in shipped.containers]
    folder = BUILTIN_DIR / shipped.id
    texts += [p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix != ".yaml"]
    for text in texts:
        assert not re.search(r"\b(docker\.io|ghcr\.io|quay\.io|gcr\.io|mcr\.microsoft\.com|ecr\.)", text)


def test_every_secret_env_refers_to_a_declared_secret(shipped):
    declared = {s.name for s in shipped.secrets}
    for c in shipped.containers:
        assert set(c.secret_env.values()) <= declared


def test_no_env_value_looks_like_a_password(shipped):
    for c in shipped.containers:
        for key, value in c.env.items():
            assert not SECRET_LOOKING.search(value), f"{c.name}.env.{key} looks like a secret"
            assert not re.search(r"(?i)pass|secret|salt|token", key), f"{c.name}.env.{key} belongs in secret_env"


def test_env_uses_only_known_placeholders(shipped):
    # The model checks this too; this guards against a typo like ${domian} surviving a model change.
    for c in shipped.containers:
        for value in c.env.values():
            assert set(PLACEHOLDER_RE.findall(value)) <= {"domain", "url", "council", "contact", "network_cidr"}


def test_has_one_web_and_one_cron_container(shipped):
    roles = sorted(c.role for c in shipped.containers)
    assert roles.count("web") == 1
    assert roles.count("cron") == 1


def test_cron_container_has_a_five_field_schedule(shipped):
    cron = next(c for c in shipped.containers if c.role == "cron")
    assert cron.schedule and len(cron.schedule.split()) == 5


def test_cron_runs_a_command_that_exits(shipped):
    cron = next(c for c in shipped.containers if c.role == "cron")
    assert cron.command, "a scheduled task needs a one-shot command"
    assert cron.entrypoint != ["/cron.sh"], "/cron.sh loops forever; a scheduled task must exit"


def test_production_has_at_least_two_web_replicas(shipped):
    assert shipped.tiers.production.processes[shipped.web.name].replicas >= 2


def test_cron_is_a_single_replica_in_every_tier(shipped):
    cron = next(c for c in shipped.containers if c.role == "cron")
    for tier in (shipped.tiers.trial, shipped.tiers.production):
        assert tier.processes[cron.name].replicas == 1


def test_every_tier_sizes_every_container_and_service(shipped):
    for tier in (shipped.tiers.trial, shipped.tiers.production):
        assert set(tier.processes) == {c.name for c in shipped.containers}
        assert (tier.database is not None) == (shipped.database is not None)

    for name in ("trial", "production"):
        tier = getattr(shipped.tiers, name)
        assert (tier.cache is not None) == bool(shipped.caches_for(name))


def test_production_is_at_least_as_large_as_trial(shipped):
    trial, prod = shipped.tiers.trial, shipped.tiers.production
    web = shipped.web.name
    assert prod.processes[web].cpu >= trial.processes[web].cpu
    assert prod.processes[web].memory_gib >= trial.processes[web].memory_gib
    if shipped.database:
        assert prod.database.storage_gib >= trial.database.storage_gib


def test_metadata_names_licence_maintainer_and_support(shipped):
    app = shipped.app
    assert re.match(r"^[A-Za-z0-9.+-]+$", app.licence)  # one SPDX identifier
    assert app.maintainer.name and app.maintainer.url
    assert app.support.name and app.support.url
    assert app.docs_url.startswith("https://")
    assert app.repository.startswith("https://")


def test_upgrade_runs_in_the_web_container(shipped):
    assert shipped.upgrade.container == shipped.web.name
    assert shipped.upgrade.commands and shipped.upgrade.notes


def test_shared_files_belong_to_www_data(shipped):
    assert shipped.files
    for f in shipped.files:
        assert (f.uid, f.gid) == (33, 33)


# --- Nextcloud ---------------------------------------------------------------------------------


def test_nextcloud_health_check_is_status_php_with_host_header(nextcloud):
    check = nextcloud.web.health_check
    assert check.path == "/status.php"
    assert check.host_header is True


def test_nextcloud_trusts_its_domain_and_the_private_network_as_proxy(nextcloud):
    env = nextcloud.web.env
    assert "${domain}" in env["NEXTCLOUD_TRUSTED_DOMAINS"]
    assert env["TRUSTED_PROXIES"] == "${network_cidr}"
    assert env["OVERWRITEPROTOCOL"] == "https"
    assert env["OVERWRITEHOST"] == "${domain}"
    assert env["OVERWRITECLIURL"] == "${url}"


def test_nextcloud_database_is_postgres_with_host_carrying_the_port(nextcloud):
    db = nextcloud.database
    assert (db.engine, db.env.host, db.env.port) == ("postgres", "POSTGRES_HOST", None)


def test_nextcloud_has_redis_for_more_than_one_replica(nextcloud):
    assert nextcloud.cache.engine == "redis"
    assert nextcloud.cache.env.host == "REDIS_HOST"


def test_nextcloud_shares_all_of_var_www_html(nextcloud):
    assert [f.path for f in nextcloud.files] == ["/var/www/html"]


def test_nextcloud_cron_runs_cron_php_as_www_data(nextcloud):
    cron = next(c for c in nextcloud.containers if c.role == "cron")
    assert cron.command == ["php", "-f", "/var/www/html/cron.php"]
    assert cron.user == "www-data"
    assert cron.schedule == "*/5 * * * *"


def test_nextcloud_upgrade_runs_occ_as_www_data(nextcloud):
    for command in nextcloud.upgrade.commands:
        assert command[:3] == ["su", "-p", "www-data"]
        assert "occ" in command[-1]


# --- LocalGov Drupal ---------------------------------------------------------------------------


def test_drupal_trusts_its_domain_and_the_private_network_as_reverse_proxy(drupal):
    env = drupal.web.env
    assert env["DRUPAL_TRUSTED_HOSTS"] == "${domain}"
    assert env["DRUPAL_REVERSE_PROXY_ADDRESSES"] == "${network_cidr}"


def test_drupal_health_check_needs_no_host_header(drupal):
    check = drupal.web.health_check
    assert (check.path, check.host_header) == ("/user/login", False)


def test_drupal_settings_trust_private_ip_hosts_for_health_checks():
    text = (BUILTIN_DIR / "localgov-drupal" / "settings.councilkit.php").read_text(encoding="utf-8")
    for name in ("DRUPAL_TRUSTED_HOSTS", "DRUPAL_REVERSE_PROXY_ADDRESSES", "DRUPAL_HASH_SALT"):
        assert f"'{name}'" in text
    patterns = re.findall(r"\$councilkit_hosts\[\] = '(\^[^']+\$)';", text)
    for host in ("10.20.1.5", "172.16.0.9", "192.168.1.1"):
        assert any(re.match(p, host) for p in patterns), host
    assert not any(re.match(p, "evil.example.com") for p in patterns)


def test_drupal_hash_salt_is_a_64_character_secret_given_to_every_container(drupal):
    salt = next(s for s in drupal.secrets if s.name == "hash-salt")
    assert salt.length == 64
    for c in drupal.containers:
        assert c.secret_env.get("DRUPAL_HASH_SALT") == "hash-salt"


def test_drupal_database_is_mariadb_with_every_env_name(drupal):
    db = drupal.database
    assert (db.engine, db.version, db.name, db.user) == ("mariadb", "10.11", "localgov", "localgov")
    assert db.env.model_dump() == {
        "host": "DRUPAL_DB_HOST",
        "port": "DRUPAL_DB_PORT",
        "host_includes_port": False,
        "name": "DRUPAL_DB_NAME",
        "user": "DRUPAL_DB_USER",
        "password": "DRUPAL_DB_PASSWORD",
    }


def test_drupal_has_no_cache_service(drupal):
    assert drupal.cache is None


def test_drupal_shares_public_and_private_files(drupal):
    assert {f.name: f.path for f in drupal.files} == {
        "public": "/var/www/html/web/sites/default/files",
        "private": "/var/www/private",
    }


def test_drupal_dockerfile_includes_the_settings_file_and_runs_as_www_data():
    text = (BUILTIN_DIR / "localgov-drupal" / "Dockerfile").read_text(encoding="utf-8")
    assert "settings.councilkit.php" in text
    assert re.search(r"^USER www-data$", text, re.M)
    assert not re.search(r"^HEALTHCHECK", text, re.M)
    for ext in ("gd", "pdo_mysql", "opcache", "zip", "intl", "apcu"):
        assert re.search(rf"\b{ext}\b", text), ext


def test_drupal_build_args_are_declared_in_the_dockerfile(drupal):
    text = (BUILTIN_DIR / "localgov-drupal" / "Dockerfile").read_text(encoding="utf-8")
    declared = set(re.findall(r"^ARG (\w+)", text, re.M))
    assert set(drupal.web.build.args) <= declared
    assert "BASE_IMAGE" in declared


def test_drupal_upgrade_runs_updb_then_cim_only_with_exported_config_then_cr(drupal):
    commands = drupal.upgrade.commands
    assert commands[0] == ["drush", "updatedb", "-y"]
    assert commands[1][:2] == ["sh", "-c"]
    assert "/var/www/html/config/sync/*.yml" in commands[1][2] and "drush config:import -y" in commands[1][2]
    assert commands[2:] == [
        ["drush", "cache:rebuild"],
    ]


# --- malformed copies --------------------------------------------------------------------------


def _set_web(field, value):
    def edit(data):
        next(c for c in data["containers"] if c["role"] == "web")[field] = value

    return edit


def test_latest_image_is_rejected_naming_file_and_field(tmp_path):
    path = _copy_with(tmp_path, "nextcloud", "1.0.0", _set_web("image", "nextcloud:latest"))
    with pytest.raises(UserError) as err:
        load_file(path)
    assert str(path) in str(err.value)
    assert "containers[0].image" in str(err.value)
    assert "latest" in str(err.value)


def test_port_that_is_not_a_number_is_rejected_naming_file_and_field(tmp_path):
    path = _copy_with(tmp_path, "nextcloud", "1.0.0", _set_web("port", "eighty"))
    with pytest.raises(UserError) as err:
        load_file(path)
    assert str(path) in str(err.value)
    assert "containers[0].port" in str(err.value)


def test_unknown_field_is_rejected_naming_file_and_field(tmp_path):
    path = _copy_with(tmp_path, "localgov-drupal", "1.0.0", _set_web("replicas", 3))
    with pytest.raises(UserError) as err:
        load_file(path)
    assert str(path) in str(err.value)
    assert "containers[0].replicas" in str(err.value)
    assert "unknown field" in str(err.value)


def test_secret_env_without_a_declared_secret_is_rejected_naming_the_variable(tmp_path):
    path = _copy_with(
        tmp_path, "localgov-drupal", "1.0.0", _set_web("secret_env", {"DRUPAL_HASH_SALT": "salt"})
    )
    with pytest.raises(UserError) as err:
        load_file(path)
    assert str(path) in str(err.value)
    assert "secret_env.DRUPAL_HASH_SALT" in str(err.value)


def test_missing_dockerfile_beside_the_blueprint_is_rejected(tmp_path):
    path = _copy_with(tmp_path, "localgov-drupal", "1.0.0", lambda data: None)
    (path.parent / "Dockerfile").unlink()
    with pytest.raises(UserError) as err:
        load_file(path)
    assert "build.dockerfile" in str(err.value)


# --- the model's rules for bigger apps (services, singletons, caches) ---------------------------

FIXTURE_APP = Path(__file__).parent / "fixtures" / "blueprints" / "queue-app" / "1.0.0.yaml"


def _fixture_with(tmp_path, edit):
    data = yaml.safe_load(FIXTURE_APP.read_text())
    edit(data)
    folder = tmp_path / "queue-app"
    folder.mkdir()
    path = folder / "1.0.0.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_fixture_with_services_singletons_and_two_caches_loads():
    bp = load_file(FIXTURE_APP)
    assert [c.name for c in bp.all_caches] == ["cache", "queue"]
    assert bp.install.container == "backend"


def test_service_placeholder_must_name_a_service_container(tmp_path):
    path = _fixture_with(tmp_path, lambda d: d["containers"][0]["env"].update(X="${service.nope}"))
    with pytest.raises(UserError, match=r"\$\{service\.nope\} names no container with role service"):
        load_file(path)


def test_singleton_with_two_replicas_is_rejected(tmp_path):
    path = _fixture_with(tmp_path, lambda d: d["tiers"]["production"]["processes"]["scheduler"].update(replicas=2))
    with pytest.raises(UserError, match=r"tiers.production.processes.scheduler.replicas: a singleton runs 1"):
        load_file(path)


def test_service_without_port_is_rejected(tmp_path):
    path = _fixture_with(tmp_path, lambda d: d["containers"][1].pop("port"))
    with pytest.raises(UserError, match="a service container needs port"):
        load_file(path)


def test_a_schedule_restricting_both_day_fields_is_refused_at_load(tmp_path):
    """Standard cron's "either day matches" has no EventBridge Scheduler form (one day field must be `?`)."""
    def both_days(data):
        next(c for c in data["containers"] if c.get("role") == "cron")["schedule"] = "0 0 1 * 1"

    path = _copy_with(tmp_path, "nextcloud", "1.0.0", both_days)
    with pytest.raises(UserError, match="restricts both day-of-month and day-of-week"):
        load_file(path)
