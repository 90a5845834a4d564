"""SuiteCRM blueprint 1.0.1 (issue 13): media shared where SuiteCRM 8.10 writes it, trusted proxies
and hosts that 8.10 really reads, one upload limit, a smoke check, and the upgrade from 1.0.0.

Upstream facts are quoted from SuiteCRM/SuiteCRM-Core at tag v8.10.1 (the newest tag in the stored
snapshot; the pinned v8.10.2 tag is not in it, and these files did not change between v8.10.0 and
v8.10.1) and from symfony/framework-bundle and symfony/http-kernel 6.4 (the 6.4 line SuiteCRM
8.10.1's composer.lock pins). Plans are offline, once per cloud and tier.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import PurePosixPath

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.blueprints.lock import LOCK_FILE, read_lock
from councilkit.blueprints.loader import BUILTIN_DIR, load_file, resolve
from councilkit.cli.newstack import new_stack
from councilkit.stacks.aws import waf
from councilkit.stacks.aws.builder import docker_build_command, the_build
from councilkit.stacks.azure import names

from helpers import TIERS, container_definitions, planned

FOLDER = BUILTIN_DIR / "suitecrm"
ROOT = PurePosixPath("/var/www/html")  # the image's project dir (%kernel.project_dir%)
CLOUDS = ("aws", "azure")
CASES = [(cloud, tier) for cloud in CLOUDS for tier in TIERS]

# SuiteCRM-Core config/packages/flysystem.php @ v8.10.1, $defaultStorages: every local store and
# its directory ('upload' is $sugar_config['upload_dir'] ?? 'upload', the legacy default).
FLYSYSTEM_STORES = {
    "legacy.documents.storage": "%kernel.project_dir%/public/legacy/upload",
    "legacy.images.storage": "%kernel.project_dir%/public/legacy/upload",
    "private.documents.storage": "%kernel.project_dir%/media/documents",
    "archived.documents.storage": "%kernel.project_dir%/media/archived",
    "private.images.storage": "%kernel.project_dir%/media/images",
    "public.images.storage": "%kernel.project_dir%/public/media/images",
    "public.documents.storage": "%kernel.project_dir%/public/media/documents",
}
# Where they were before SuiteCRM-Core commit abdae7158 (v8.10.0), and where 1.0.0 mounted them.
OLD_MEDIA = {"documents": "/var/www/html/uploads", "media": "/var/www/html/public/media-upload"}
NEW_MEDIA = {"documents": "/var/www/html/media", "media": "/var/www/html/public/media"}
# Shared for other reasons than flysystem: legacy config and Studio customisations (both in
# config/services/system/upgrades.yaml `toKeep` @ v8.10.1 as site data).
NOT_MEDIA = {"config": "/var/lib/suitecrm/config", "custom": "/var/www/html/public/legacy/custom"}
# Symfony 6.4 FrameworkExtension::resolveTrustedHeaders() accepts exactly these names.
SYMFONY_TRUSTED_HEADERS = {"forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
                           "x-forwarded-port", "x-forwarded-prefix"}
DOMAIN = "crm.borsetshire.gov.uk"
ANSWERS = dict(council="Borsetshire County Council", domain=DOMAIN, contact="it@borsetshire.gov.uk")


def _text(name: str) -> str:
    return (FOLDER / name).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bp():
    return load_file(FOLDER / "1.0.1.yaml")


@pytest.fixture(scope="module")
def old():
    return load_file(FOLDER / "1.0.0.yaml")


@pytest.fixture(params=CASES, ids=[f"{c}-{t}" for c, t in CASES])
def case(request):
    cloud, tier = request.param
    return planned("suitecrm", cloud, tier)


def _under(path: PurePosixPath, root: str) -> bool:
    return path == PurePosixPath(root) or PurePosixPath(root) in path.parents


# --- the shares -------------------------------------------------------------------------------


def test_1_0_1_is_the_newest_suitecrm_and_keeps_suitecrm_8_10_2(bp, old):
    newest, _ = resolve("suitecrm")
    assert newest.ref == "suitecrm@1.0.1"
    assert bp.app.upstream_version == old.app.upstream_version == "8.10.2"
    assert {c.build.args["SUITECRM_VERSION"] for c in bp.containers} == {"8.10.2"}


def test_every_flysystem_store_lies_on_a_share_and_every_media_share_holds_one(bp):
    shares = {f.name: f.path for f in bp.files}
    stores = {name: ROOT / d.removeprefix("%kernel.project_dir%/") for name, d in FLYSYSTEM_STORES.items()}
    for store, directory in stores.items():
        holders = [name for name, path in shares.items() if _under(directory, path)]
        assert len(holders) == 1, f"{store} ({directory}) is on {holders or 'no share'}"
    media_shares = {name: path for name, path in shares.items() if name not in NOT_MEDIA}
    for name, path in media_shares.items():
        assert any(_under(d, path) for d in stores.values()), f"{name} ({path}) holds no flysystem store"
    # Exactly the directories flysystem names, one share each: legacy upload, media, public/media.
    assert media_shares == {"upload": "/var/www/html/public/legacy/upload", **NEW_MEDIA}
    assert {name: shares[name] for name in NOT_MEDIA} == NOT_MEDIA


def test_the_old_media_paths_are_no_longer_shared_and_the_share_names_are_kept(bp, old):
    assert {f.name: f.path for f in old.files if f.name in OLD_MEDIA} == OLD_MEDIA
    paths = {f.path for f in bp.files}
    assert not paths & set(OLD_MEDIA.values())
    # Same names: the same directory on the file share (EFS access point /<name>, Azure share
    # subdirectory <name>) is mounted at the new place, so what it holds is kept.
    assert {f.name for f in bp.files} == {f.name for f in old.files}
    assert all((f.uid, f.gid, f.mode) == (33, 33, "0750") for f in bp.files)


def test_the_image_empties_and_seeds_exactly_the_shared_paths(bp):
    dockerfile = _text("Dockerfile-1.0.1")
    loop = re.search(r"for pair in (.+?); do", dockerfile, re.S).group(1).replace("\\\n", " ")
    pairs = dict(p.split(":") for p in loop.split())
    shares = {f.name: f.path for f in bp.files if f.name != "config"}
    assert {name: str(ROOT / rel) for name, rel in pairs.items()} == shares
    setup = _text("councilkit-setup-1.0.1.php")
    block = re.search(r"const COUNCILKIT_SHARED = \[(.+?)\];", setup, re.S).group(1)
    mapped = dict(re.findall(r"'([a-z-]+)' => '([a-z/.-]+)'", block))
    assert {name: str(ROOT / rel) for name, rel in mapped.items()} == shares
    # A share 1.0.0 seeded at its old path is seeded again at the new one (never overwriting).
    assert '$version = "$release $relative";' in setup


# --- trusted proxies and hosts ----------------------------------------------------------------


def test_the_build_adds_a_symfony_config_file_with_trusted_proxies_headers_and_hosts_from_env():
    dockerfile = _text("Dockerfile-1.0.1")
    assert re.search(r"^COPY councilkit-db\.php councilkit-trusted-proxies\.php /usr/local/lib/councilkit/$", dockerfile, re.M)
    assert ("cp /usr/local/lib/councilkit/councilkit-trusted-proxies.php "
            "config/packages/councilkit_trusted_proxies.php") in dockerfile
    # The build stops if upstream's framework.yaml starts setting them itself.
    assert "! grep -Eq '^[[:space:]]*trusted_(proxies|headers|hosts)' config/packages/framework.yaml" in dockerfile
    config = _text("councilkit-trusted-proxies.php")
    assert "$containerConfig->extension('framework', [" in config
    assert "'trusted_proxies' => '%env(TRUSTED_PROXIES)%'," in config
    assert "'trusted_hosts' => ['%env(TRUSTED_HOSTS)%']," in config
    headers = set(re.findall(r"'(x-forwarded-[a-z]+)'", re.search(r"'trusted_headers' => \[(.*?)\]", config).group(1)))
    # What the load balancer sets; never x-forwarded-host (it would bypass trusted_hosts).
    assert headers == {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-port"} <= SYMFONY_TRUSTED_HEADERS


def test_setup_always_writes_both_variables_the_config_file_reads():
    setup = _text("councilkit-setup-1.0.1.php")
    assert ". councilkit_dotenv('TRUSTED_HOSTS', councilkit_trusted_hosts($domain))" in setup
    assert ". councilkit_dotenv('TRUSTED_PROXIES', $proxies);" in setup
    assert "councilkit_env('SUITECRM_TRUSTED_PROXIES', '')" in setup
    assert "if ($proxies !== '') {\n        $lines" not in setup  # 1.0.0 wrote TRUSTED_PROXIES only sometimes
    # Per-container values stay in the per-container .env.local, never in the shared config.php.
    assert "trusted_hosts" not in setup.split("function councilkit_sync_config", 1)[1]
    # On Azure Container Apps the app's own FQDN (what production's Front Door sends as Host).
    assert "getenv('CONTAINER_APP_NAME')" in setup and "getenv('CONTAINER_APP_ENV_DNS_SUFFIX')" in setup


def test_the_trusted_host_pattern_admits_the_site_and_health_checks_and_refuses_others():
    """The PHP pattern, read from the setup script and checked with Python's re (the constructs it
    uses — ^, $, (?:), \\d, +, [] — mean the same in PCRE); Symfony matches it case-insensitively."""
    setup = _text("councilkit-setup-1.0.1.php")
    body = re.search(r"function councilkit_trusted_hosts\(string \$domain\): string\n\{\n(.*?)\n\}", setup, re.S).group(1)
    parts = re.findall(r"'([^']*)'", body)
    assert parts[:3] == ["^(?:", "", "|"]  # the domain, then the platform's name when there is one
    platform = "suitecrm-web.kindfield-1a2b3c4d.uksouth.azurecontainerapps.io"
    pattern = parts[0] + re.escape(DOMAIN) + "|" + re.escape(platform) + "".join(parts[3:])
    assert "{" not in pattern and "/" not in pattern  # Symfony wraps in {...}, legacy in /.../
    accepted = (DOMAIN, platform, "localhost", "127.0.0.1", "10.20.3.7", "172.16.0.9", "172.31.255.1", "192.168.1.2")
    refused = ("evil.example", f"{DOMAIN}.evil.example", f"x{DOMAIN}", "8.8.8.8", "172.32.0.1", "11.0.0.1",
               "other-app.kindfield-1a2b3c4d.uksouth.azurecontainerapps.io")
    for host in accepted:
        assert re.search(pattern, host, re.I), host
    for host in refused:
        assert not re.search(pattern, host, re.I), host


def test_every_container_is_told_the_load_balancers_network_and_the_domain(case):
    d, plan = case
    if d.cloud == "aws":
        network = plan.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"]
        envs = {c.name: {e["name"]: e["value"] for e in container_definitions(
            next(t for t in plan.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.name == f"suitecrm-{c.name}"))[0]["environment"]}
            for c in d.blueprint.containers}
    else:
        network = plan.one("azure-native:network:VirtualNetwork").inputs["addressSpace"]["addressPrefixes"][0]
        resources = {r.inputs.get("containerAppName") or r.inputs.get("jobName"): r
                     for r in plan.of_type("azure-native:app:ContainerApp") + plan.of_type("azure-native:app:Job")}
        envs = {c.name: {e["name"]: e.get("value") for e in resources[names.container_app(d, c.name)].inputs["template"]["containers"][0]["env"]}
                for c in d.blueprint.containers}
    assert set(envs) == {"web", "scheduler", "messenger"}
    for name, env in envs.items():
        assert env["SUITECRM_TRUSTED_PROXIES"] == network, name
        assert env["SUITECRM_SITE_DOMAIN"] == d.domain and env["SUITECRM_SITE_URL"] == f"https://{d.domain}", name


# --- both clouds plan 1.0.1 with the new shares -----------------------------------------------


def test_both_clouds_plan_1_0_1_with_the_media_shares_mounted_where_suitecrm_writes(case):
    d, plan = case
    assert d.blueprint.ref == "suitecrm@1.0.1"
    expected = {f.path: f.name for f in d.blueprint.files}
    if d.cloud == "aws":
        points = {p.inputs["tags"]["path"]: p.inputs["rootDirectory"]["path"] for p in plan.of_type("aws:efs/accessPoint:AccessPoint")}
        assert points == {path: f"/{name}" for path, name in expected.items()}
        for task in plan.of_type("aws:ecs/taskDefinition:TaskDefinition"):
            definition = container_definitions(task)[0]
            assert {m["containerPath"] for m in definition["mountPoints"]} == set(expected), task.name
            assert definition["image"].endswith(":8.10.2-councilkit-1.0.1")
    else:
        resources = plan.of_type("azure-native:app:ContainerApp") + plan.of_type("azure-native:app:Job")
        apps = [r for r in resources if r.inputs["template"]["containers"][0].get("volumeMounts")]
        assert len(apps) >= 3  # web, messenger, scheduler (and the one-off jobs)
        for r in apps:
            mounts = {m["mountPath"]: m["subPath"] for m in r.inputs["template"]["containers"][0]["volumeMounts"]}
            assert mounts == expected, r.name
    for old_path in OLD_MEDIA.values():
        assert old_path not in expected


def test_the_image_build_uses_the_new_dockerfile_and_ships_its_files(tmp_path):
    d = build_deployment("suitecrm", cloud="aws", tier="trial", **ANSWERS)
    command = docker_build_command(the_build(d))
    assert "--file Dockerfile-1.0.1" in command and "SUITECRM_VERSION=8.10.2" in command
    folder = new_stack("suitecrm", cloud="aws", tier="trial", **ANSWERS, folder=str(tmp_path / "crm")).path
    image = folder / "image"
    for name in ("Dockerfile-1.0.1", "councilkit-setup-1.0.1.php", "councilkit-trusted-proxies.php", "councilkit-db.php"):
        assert (image / name).read_bytes() == (FOLDER / name).read_bytes(), name
    assert set(read_lock(folder).image_files) >= {"Dockerfile-1.0.1", "councilkit-trusted-proxies.php"}


# --- one upload limit -------------------------------------------------------------------------


def _ini(dockerfile: str, key: str) -> int:
    value = re.search(rf"echo '{key} = (\d+)M'", dockerfile).group(1)
    return int(value) * waf.MIB  # PHP's "M" is 1024 * 1024 bytes


def test_upload_limit_is_phps_post_max_size_and_apaches_body_limit(bp):
    dockerfile = _text("Dockerfile-1.0.1")
    limit = bp.upload_limit_mib * waf.MIB
    assert bp.upload_limit_mib == 110
    assert _ini(dockerfile, "post_max_size") == limit
    assert _ini(dockerfile, "upload_max_filesize") < limit
    assert int(re.search(r"echo 'LimitRequestBody (\d+)'", dockerfile).group(1)) == limit


def test_the_production_waf_refuses_bodies_over_the_upload_limit():
    d, plan = planned("suitecrm", "aws", "production")
    rules = {r["name"]: r for r in plan.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]}
    pattern = re.compile(rules["request-body-ceiling"]["statement"]["regexMatchStatement"]["regexString"])
    limit = d.blueprint.upload_limit_mib * waf.MIB
    assert not pattern.match(str(limit)) and pattern.match(str(2 * limit))
    assert pattern.match(str(2048 * waf.MIB))  # 1.0.0's default let these through to PHP


# --- smoke and the upgrade step ---------------------------------------------------------------


def test_smoke_asks_for_an_installed_suitecrm_and_its_login_page(bp):
    assert [(s.path, s.status, s.contains) for s in bp.smoke] == [
        ("/session-status", "200", '"installed":true'),
        ("/auth", "200", "<title>SuiteCRM</title>"),
    ]
    assert all(s.why for s in bp.smoke)


def test_the_upgrade_step_refuses_unmounted_media_and_upgrades_suitecrm_only_when_it_changed(bp):
    script = bp.upgrade.commands[0][2]
    assert bp.upgrade.commands[0][:2] == ["sh", "-c"] and bp.upgrade.container == "web"
    assert subprocess.run(["sh", "-n", "-c", script], capture_output=True).returncode == 0
    assert "for dir in media public/media; do" in script
    assert '[ "$(stat -c %d "$dir")" = "$(stat -c %d .)" ]' in script
    assert 'installed="$(php bin/console suitecrm:version -n | tail -n 1)"' in script
    assert 'if [ "$installed" = "$SUITECRM_VERSION" ]; then' in script
    assert "suitecrm:app:upgrade -n -t" in script and "suitecrm:app:upgrade-finalize -n -t" in script
    assert "messenger:setup-transports -n" in script
    # The install step is 1.0.0's: the setup script it calls is the image's (now 1.0.1's).
    assert bp.install == load_file(FOLDER / "1.0.0.yaml").install


def test_upgrading_a_1_0_0_stack_keeps_the_file_share_directories_and_says_what_to_do(cli, tmp_path):
    folder = new_stack("suitecrm@1.0.0", cloud="aws", tier="trial", **ANSWERS, folder=str(tmp_path / "crm")).path
    result = cli("upgrade", str(folder), "--yes")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "suitecrm@1.0.0 -> suitecrm@1.0.1 (SuiteCRM 8.10.2 -> 8.10.2)" in out
    for name in ("web", "scheduler", "messenger"):
        assert f"  {name}: (built) 8.10.2-councilkit-1.0.0 -> (built) 8.10.2-councilkit-1.0.1" in out
    lines = out.splitlines()
    for before, after in OLD_MEDIA.items():
        assert f"  -  path: {after}" in lines and f"  +  path: {NEW_MEDIA[before]}" in lines
    assert "  -upload_limit_mib: 2048" in lines and "  +upload_limit_mib: 110" in lines
    assert "  +- path: /session-status" in lines
    # No share directory is created, removed or moved: the file system and its access points
    # change their tags only (the `path` tag), so they are in the "tags only" count.
    assert "resources (offline plan): 0 to add, " in out and ", 0 to remove" in out
    assert not [line for line in lines if re.match(r"  [-+~] aws:efs/", line)], out
    assert "~ aws:ecs/taskDefinition:TaskDefinition suitecrm-web (containerDefinitions" in out
    assert "notes: From 1.0.0: SuiteCRM 8.10 keeps the files of its new media store" in out
    assert "BEFORE the rollout" in out and "download any that matter through SuiteCRM first" in out
    lock = read_lock(folder)
    assert lock.ref == "suitecrm@1.0.1"
    assert {f.name: f.path for f in lock.blueprint.files if f.name in NEW_MEDIA} == NEW_MEDIA
    assert (folder / "image" / "Dockerfile-1.0.1").is_file() and (folder / LOCK_FILE).is_file()


def test_on_azure_the_upgrade_keeps_the_one_share_and_mounts_its_subdirectories_anew(tmp_path):
    from councilkit.cli.stackdir import open_folder
    from councilkit.cli.upgrade import prepare_upgrade

    folder = new_stack("suitecrm@1.0.0", cloud="azure", tier="trial", **ANSWERS, folder=str(tmp_path / "crm")).path
    u = prepare_upgrade(open_folder(folder), None)
    kept = ("azure-native:storage:FileShare", "azure-native:app:ManagedEnvironmentsStorage",
            "azure-native:storage:StorageAccount")
    assert not [urn for urn in u.resources.added + u.resources.removed if any(t in urn for t in kept)]
    # The container apps and jobs change their template (mount paths, image tag), nothing else.
    changed = {urn.rsplit("::", 1)[-1].rsplit("-", 1)[-1] for urn, keys in u.resources.changed if "template" in keys}
    assert {"web", "messenger", "scheduler"} <= changed


def test_every_shell_command_parses_and_no_env_value_is_a_secret(bp):
    scripts = [c.command for c in bp.containers if c.command] + bp.install.commands + bp.upgrade.commands
    assert len(scripts) == 4
    for command in scripts:
        assert command[:2] == ["sh", "-c"]
        result = subprocess.run(["sh", "-n", "-c", command[2]], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    for c in bp.containers:
        assert not re.search(r"(?i)pass|secret|salt|token", " ".join(c.env)), c.name
        assert set(c.secret_env.values()) <= {s.name for s in bp.secrets}
