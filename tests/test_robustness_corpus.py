"""The robustness corpus (issue 14): bad input as a hostile or clumsy user gives it, several
hundred variations over every command. Each case asserts the CLI's contract: exit code 2, exactly
one line on stderr beginning `error: ` (naming what to fix: the expected fragment), no traceback,
and no file created, changed or removed anywhere in the case's sandbox.

Cases run in-process (cli/main.py `main`, as the console script does) so the corpus stays quick;
each gets a fresh sandbox folder as its working directory and HOME.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from councilkit.blueprints.loader import BUILTIN_DIR

GOOD = ["--council", "Borsetshire County Council", "--domain", "files.borsetshire.gov.uk",
        "--contact", "it@borsetshire.gov.uk"]


@dataclass
class Case:
    id: str
    args: list[str]
    expect: str
    """A fragment the one error line must contain."""
    setup: Callable[[Path], None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    progress_first: bool = False
    """`up` prints the plan it is about to deploy before Pulumi opens the stack: lines of
    progress may come before the error line (still the last line, and still the only error)."""


CASES: list[Case] = []


def case(id_, args, expect, setup=None, env=None, progress_first=False):
    CASES.append(Case(id_, list(args), expect, setup, dict(env or {}), progress_first))


# --- 1. answers: every deployment command refuses a bad answer before planning --------------------

BAD_ANSWERS = [
    ("council-empty", ["--council", ""], "council: '' is not valid"),
    ("council-one-letter", ["--council", "A"], "council: 'A' is not valid"),
    ("council-newline", ["--council", "Borsetshire\nCounty"], "council: 'Borsetshire\\nCounty' is not valid"),
    ("council-escape", ["--council", "Evil\x1b[31m Council"], "council: 'Evil\\x1b[31m Council' is not valid"),
    ("council-81", ["--council", "x" * 81], "council: 'xxxx"),
    ("council-emoji", ["--council", "\U0001F3F0 Council"], "is not valid"),
    ("council-underscore", ["--council", "_Council"], "council: '_Council' is not valid"),
    ("council-angle", ["--council", "Council <b>"], "council: 'Council <b>' is not valid"),
    ("domain-spaces", ["--domain", "not a domain"], "domain: 'not a domain' is not valid"),
    ("domain-double-dot", ["--domain", "files..gov.uk"], "domain: 'files..gov.uk' is not valid"),
    ("domain-leading-hyphen", ["--domain", "-files.gov.uk"], "domain: '-files.gov.uk' is not valid"),
    ("domain-no-tld", ["--domain", "localhost"], "domain: 'localhost' is not valid"),
    ("domain-long", ["--domain", ("a" * 63 + ".") * 4 + "uk"], "is not valid"),
    ("domain-url", ["--domain", "https://files.gov.uk"], "domain: 'https://files.gov.uk' is not valid"),
    ("domain-newline", ["--domain", "files.gov.uk\nx"], "domain: 'files.gov.uk\\nx' is not valid"),
    ("contact-no-at", ["--contact", "nobody"], "contact: 'nobody' is not valid"),
    ("contact-no-dot", ["--contact", "it@localhost"], "contact: 'it@localhost' is not valid"),
    ("contact-space", ["--contact", "it team@borsetshire.gov.uk"], "contact: 'it team@borsetshire.gov.uk' is not valid"),
    ("region-us", ["--region", "us-east-1"], "region: us-east-1 is outside the UK"),
    ("region-nonsense", ["--region", "mars-1"], "region: 'mars-1' is not a"),
    ("region-nonexistent", ["--region", "eu-west-9", "--allow-non-uk-region"], "region: 'eu-west-9' is not a region of Amazon Web Services (its SDK lists"),
    ("region-other-partition", ["--region", "cn-north-1", "--allow-non-uk-region"], "region: 'cn-north-1' is not a"),
    ("region-newline", ["--region", "eu-west-2\nx"], "region: 'eu-west-2\\nx' is not a"),
    ("cloud-gcp", ["--cloud", "gcp"], "Invalid value for '--cloud'"),
    ("tier-dev", ["--tier", "dev"], "Invalid value for '--tier'"),
    ("unknown-option", ["--colour", "blue"], "No such option '--colour'."),
]
BAD_APPS = [
    ("app-unknown", "nope", "unknown app 'nope'"),
    ("app-version", "nextcloud@9.9.9", "unknown version nextcloud@9.9.9"),
    ("app-path", "../../etc/passwd", "unknown app"),
    ("app-upper", "NEXTCLOUD", "unknown app 'NEXTCLOUD'"),
    ("app-newline", "next\ncloud", "unknown app 'next\\ncloud'"),
]
DEPLOYMENT_COMMANDS = {
    "plan": [],
    "cost": [],
    "report": ["--out", "out"],
    "new": ["--cloud", "aws", "--tier", "trial", "--dir", "stack"],
}
for command, extra in DEPLOYMENT_COMMANDS.items():
    for id_, bad, expect in BAD_ANSWERS:
        if command == "new" and bad[0] in ("--cloud", "--tier"):
            args = [command, "nextcloud", *GOOD, "--dir", "stack", *{"--cloud": ["--tier", "trial"],
                                                                     "--tier": ["--cloud", "aws"]}[bad[0]], *bad]
        else:
            args = [command, "nextcloud", *extra, *GOOD, *bad]
        case(f"{command}-{id_}", args, expect)
    for id_, app, expect in BAD_APPS:
        case(f"{command}-{id_}", [command, app, *extra, *GOOD], expect)

for id_, args, expect in [
    ("new-expires-words", ["--expires", "soon"], "expires: expected days or weeks"),
    ("new-expires-400d", ["--expires", "400d"], "is not 1 to 365 days after today"),
    ("new-expires-production", ["--tier", "production", "--expires", "30d"], "production stacks never expire"),
    ("new-expires-compact-date", ["--expires", "20270101"], "expires"),
    ("new-expires-week-date", ["--expires", "2027-W01-1"], "expires"),
    ("new-backend-newline", ["--backend", "s3://bucket\nx"], "backend"),
]:
    tier = [] if "--tier" in args else ["--tier", "trial"]
    case(id_, ["new", "nextcloud", "--cloud", "aws", *tier, *GOOD, "--dir", "stack", *args], expect)
case("report-no-out", ["report", "nextcloud", *GOOD], "Missing option '--out'")
case("new-no-cloud", ["new", "nextcloud", "--tier", "trial", *GOOD], "Missing option '--cloud'. Choose from: aws, azure")
case("blueprints-show-unknown", ["blueprints", "show", "nope"], "unknown app 'nope'")
case("blueprints-show-version", ["blueprints", "show", "wordpress@0.0.1"], "unknown version wordpress@0.0.1")
case("no-such-command", ["deploy"], "No such command 'deploy'")


# --- 2. blueprint files: lint and plan refuse what is broken, wrong or unsafe ---------------------

def _blueprint_text() -> str:
    return (BUILTIN_DIR / "wordpress" / "1.0.0.yaml").read_text(encoding="utf-8").replace("id: wordpress", "id: mine")


def _write_blueprint(text: str | bytes):
    def setup(root: Path):
        folder = root / "ours" / "mine"
        folder.mkdir(parents=True)
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (folder / "1.0.0.yaml").write_bytes(data)
    return setup


def _replace(old: str, new: str, count: int = 1) -> str:
    text = _blueprint_text()
    assert old in text, old
    return text.replace(old, new, count)


def _first_image() -> str:
    return next(line.split("image:")[1].strip() for line in _blueprint_text().splitlines()
                if line.strip().startswith("image:"))


def _symlink_loop(root: Path):
    folder = root / "ours" / "mine"
    folder.mkdir(parents=True)
    (folder / "1.0.0.yaml").symlink_to(folder / "1.0.0.yaml")


def _with_build(dockerfile: str):
    """The SuiteCRM blueprint (it builds its image) as `mine`, with its Dockerfile named `dockerfile`."""
    def setup(root: Path):
        folder = root / "ours" / "mine"
        shutil.copytree(BUILTIN_DIR / "suitecrm", folder)
        for extra in folder.glob("*.yaml"):
            if extra.name != "1.0.0.yaml":
                extra.unlink()
        text = (folder / "1.0.0.yaml").read_text(encoding="utf-8").replace("id: suitecrm", "id: mine", 1)
        assert "dockerfile: Dockerfile" in text
        (folder / "1.0.0.yaml").write_text(text.replace("dockerfile: Dockerfile", f"dockerfile: {dockerfile}"), encoding="utf-8")
        (root / "Dockerfile").write_text("FROM scratch\n")
    return setup


_dockerfile_outside = _with_build("../../Dockerfile")
_dockerfile_outside_abs = _with_build("/etc/hostname")


BROKEN_BLUEPRINTS = [
    ("not-utf8", _write_blueprint(_blueprint_text().encode("utf-8").replace(b"WordPress", b"Word\xffPress", 1)),
     "not UTF-8 text (byte 0xff at offset"),
    ("utf16", _write_blueprint(_blueprint_text().encode("utf-16")), "not UTF-8 text"),
    ("empty", _write_blueprint(""), "expected a mapping of blueprint fields"),
    ("a-list", _write_blueprint("- id: mine\n"), "expected a mapping of blueprint fields"),
    ("yaml-syntax", _write_blueprint("id: mine\n  version: [1.0.0\n"), "not valid YAML"),
    ("duplicate-key", _write_blueprint(_blueprint_text() + "\nid: mine\n"), "duplicate key 'id'"),
    ("deep-nesting", _write_blueprint("id: " + "[" * 5000 + "]" * 5000 + "\n"), "exceeded maximum nesting depth"),
    ("huge", _write_blueprint("id: mine\n" + "# padding\n" * 200_000), "larger than"),
    ("symlink-loop", _symlink_loop, "1.0.0.yaml"),
    ("unknown-field", _write_blueprint(_blueprint_text() + "\ncolour: blue\n"), "colour: unknown field"),
    ("missing-field", _write_blueprint("id: mine\nversion: 1.0.0\n"), "required field is missing"),
    ("wrong-place", _write_blueprint(_blueprint_text().replace("version: 1.0.0", "version: 1.0.1", 1)),
     "id/version: expected mine@1.0.0 to match the file's place"),
    ("bad-cron", _write_blueprint(_replace("schedule:", "schedule: \"99 * * * *\"\n    x-old-schedule:")),
     "schedule"),
    ("latest-tag", _write_blueprint(_replace(f"image: {_first_image()}", f"image: {_first_image().rsplit(':', 1)[0]}:latest")),
     "expected an image pinned to an exact version tag"),
    ("untagged-image", _write_blueprint(_replace(f"image: {_first_image()}", f"image: {_first_image().rsplit(':', 1)[0]}")),
     "containers[0].image: expected text matching"),
    ("floating-major-tag", _write_blueprint(_replace(f"image: {_first_image()}", "image: wordpress:7")),
     "containers[0].image"),
    ("floating-distro-tag", _write_blueprint(_replace(f"image: {_first_image()}", "image: nginx:stable-alpine3.20")),
     "containers[0].image"),
    ("bad-placeholder", _write_blueprint(_replace("WORDPRESS_DB_CHARSET: utf8mb4", "WORDPRESS_DB_CHARSET: ${password}")),
     "unknown placeholder ${password}"),
    ("literal-secret", _write_blueprint(_replace("WORDPRESS_DB_CHARSET: utf8mb4", "WORDPRESS_DB_CHARSET: utf8mb4\n      SMTP_PASSWORD: hunter2")),
     "env.SMTP_PASSWORD: looks like a secret written in clear"),
    ("dockerfile-outside", _dockerfile_outside, "build.dockerfile: '../../Dockerfile' is outside the blueprint's folder"),
    ("dockerfile-absolute", _dockerfile_outside_abs, "build.dockerfile: '/etc/hostname' is outside the blueprint's folder"),
    ("bad-slug", _write_blueprint(_blueprint_text().replace("id: mine", "id: Mine!", 1)), "id: expected text matching"),
]
for id_, setup, expect in BROKEN_BLUEPRINTS:
    case(f"lint-{id_}", ["blueprints", "lint", "ours/mine/1.0.0.yaml"], expect, setup)
    case(f"plan-{id_}", ["plan", "mine", "--blueprints", "ours", *GOOD], expect, setup)
case("blueprint-path-missing", ["plan", "nextcloud", *GOOD], "blueprint folder nowhere does not exist",
     env={"COUNCILKIT_BLUEPRINT_PATH": "nowhere"})
case("blueprints-flag-missing", ["plan", "nextcloud", "--blueprints", "nowhere", *GOOD], "nowhere")
case("lint-missing-file", ["blueprints", "lint", "nowhere.yaml"], "nowhere.yaml")


def _shadow_shipped(root: Path):
    folder = root / "ours" / "nextcloud"
    folder.mkdir(parents=True)
    text = (BUILTIN_DIR / "nextcloud" / "1.0.0.yaml").read_text(encoding="utf-8")
    (folder / "1.0.0.yaml").write_text(text.replace("PHP_MEMORY_LIMIT: 1G", "PHP_MEMORY_LIMIT: 9G", 1), encoding="utf-8")


case("shadow-shipped-release", ["plan", "nextcloud@1.0.0", "--blueprints", "ours", *GOOD],
     "replaces the shipped release nextcloud@1.0.0 with different content", _shadow_shipped)


# --- 3. stack folders: damaged, edited or not a stack folder at all -----------------------------

def _stack(damage: Callable[[Path], None] | None = None):
    """A stack folder written by `councilkit new` (copied from a session template), then damaged."""
    def setup(root: Path):
        shutil.copytree(STACK_TEMPLATE, root / "stack", symlinks=True)
        if damage:
            damage(root / "stack")
    return setup


def _backend_as_string(text: str) -> str:
    """Pulumi.yaml with its `backend:` mapping written as a plain string instead."""
    lines, out, skipping = text.splitlines(), [], False
    for line in lines:
        if line.startswith("backend:"):
            out.append("backend: s3://bucket")
            skipping = True
        elif skipping and (line.startswith(" ") or not line.strip()):
            continue
        else:
            skipping = False
            out.append(line)
    return "\n".join(out) + "\n"


def _lock(stack: Path) -> Path:
    return stack / "councilkit.lock.json"


def _config(stack: Path) -> Path:
    return next(stack.glob("Pulumi.*.yaml"))


def _edit_lock(change):
    def damage(stack: Path):
        doc = json.loads(_lock(stack).read_text(encoding="utf-8"))
        change(doc)
        _lock(stack).write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return damage


def _web_image(doc, image):
    next(c for c in doc["resolved"]["containers"] if c["role"] == "web")["image"] = image


STACK_DAMAGE = [
    ("no-lock", lambda s: _lock(s).unlink(), "no councilkit.lock.json"),
    ("lock-not-json", lambda s: _lock(s).write_text("{not json"), "not valid JSON"),
    ("lock-not-utf8", lambda s: _lock(s).write_bytes(b"\xfe\xff" + _lock(s).read_bytes()), "not UTF-8 text"),
    ("lock-format", _edit_lock(lambda d: d.update(councilkit_lock=99)), "councilkit_lock: expected 1, got 99"),
    ("lock-blueprint-mismatch", _edit_lock(lambda d: d.update(blueprint="nextcloud@0.9.0")),
     "blueprint: expected nextcloud@1.0.0"),
    ("lock-resolved-invalid", _edit_lock(lambda d: d["resolved"].update(version="one")), "resolved.version"),
    ("lock-tampered-image", _edit_lock(lambda d: _web_image(d, "registry.invalid/nextcloud:32.0.6-apache")),
     "the lock was changed after `councilkit new` wrote it"),
    ("lock-forged-source", _edit_lock(lambda d: d["source"].update(sha256="0" * 64)), "source.sha256"),
    ("lock-huge", lambda s: _lock(s).write_bytes(b" " * (17 * 1024 * 1024)), "larger than"),
    ("no-config", lambda s: _config(s).unlink(), "expected exactly one Pulumi.<stack>.yaml, found none"),
    ("two-configs", lambda s: shutil.copy(_config(s), s / "Pulumi.other.yaml"), "expected exactly one Pulumi.<stack>.yaml"),
    ("config-not-mapping", lambda s: _config(s).write_text("config: [1, 2]\n"), "config: expected a mapping"),
    ("config-not-yaml", lambda s: _config(s).write_text("config: {\n"), "not valid YAML"),
    ("config-not-utf8", lambda s: _config(s).write_bytes(b"config:\n  councilkit:council: \xff\n"), "not UTF-8 text"),
    ("config-duplicate-key", lambda s: _config(s).write_text(_config(s).read_text() + "config: {}\n"),
     "duplicate key 'config'"),
    ("config-missing-answer", lambda s: _config(s).write_text(
        "\n".join(line for line in _config(s).read_text().splitlines() if "councilkit:domain" not in line) + "\n"),
     "councilkit:domain is missing"),
    ("config-other-version", lambda s: _config(s).write_text(
        _config(s).read_text().replace("nextcloud@1.0.0", "nextcloud@1.0.1")), "councilkit:blueprint is nextcloud@1.0.1"),
    ("config-bad-council", lambda s: _config(s).write_text(
        _config(s).read_text().replace("Borsetshire County Council", "B")), "council: 'B' is not valid"),
    ("config-other-council", lambda s: _config(s).write_text(
        _config(s).read_text().replace("Borsetshire County Council", "Midsomer District Council")),
     "(council or tier changed?)"),
    ("backend-string", lambda s: (s / "Pulumi.yaml").write_text(_backend_as_string((s / "Pulumi.yaml").read_text())),
     "backend: expected a mapping with a url"),
    ("journal-outside", lambda s: (s / ".councilkit-swap.json").write_text(
        '{"staging": "../x", "backup": "b", "files": [], "stale": []}'), "names a file outside the folder"),
    ("journal-garbage", lambda s: (s / ".councilkit-swap.json").write_text("{"), "a journal councilkit cannot read"),
]
for id_, damage, expect in STACK_DAMAGE:
    case(f"plan-dir-{id_}", ["plan", "stack"], expect, _stack(damage))
    case(f"upgrade-{id_}", ["upgrade", "stack", "--yes"], expect, _stack(damage))
for command in ("plan", "upgrade", "up", "outputs", "refresh", "destroy"):
    case(f"{command}-not-a-folder", [command, "./nowhere"], "nowhere")
for flag, value in (("--cloud", "azure"), ("--tier", "production"), ("--council", "Midsomer District Council"),
                    ("--domain", "other.borsetshire.gov.uk"), ("--contact", "ops@borsetshire.gov.uk"),
                    ("--region", "eu-west-1"), ("--blueprints", "ours")):
    for command in ("plan", "cost"):
        case(f"{command}-dir-contradicting{flag}", [command, "stack", flag, value], f"{flag} ",
             lambda r: (_stack()(r), (r / "ours").mkdir()))
case("plan-dir-contradiction-names-both", ["plan", "stack", "--cloud", "azure"],
     "--cloud 'azure' contradicts the folder's cloud 'aws': stack is a stack folder", _stack())
case("plan-dir-is-a-file", ["plan", "./notes.txt"], "unknown app", lambda r: (r / "notes.txt").write_text("x"))
case("plan-dir-empty-folder", ["plan", "./empty"], "no councilkit.lock.json", lambda r: (r / "empty").mkdir())
case("upgrade-to-unknown", ["upgrade", "stack", "--to", "7.0.0", "--yes"], "unknown version nextcloud@7.0.0", _stack())
case("upgrade-to-other-app", ["upgrade", "stack", "--to", "wordpress@1.0.0", "--yes"], "wordpress", _stack())
case("upgrade-downgrade", ["upgrade", "stack", "--to", "0.0.1", "--yes"], "0.0.1", _stack())


# --- 4. writes that cannot happen: one line, nothing left behind --------------------------------

def _file_at(name: str):
    return lambda root: (root / name).write_text("a file, not a folder")


WRITE_FAILURES = [
    ("plan-json-under-a-file", ["plan", "nextcloud", *GOOD, "--json", "blocker/plan.json"], "blocker", _file_at("blocker")),
    ("plan-json-missing-folder", ["plan", "nextcloud", *GOOD, "--json", "missing/plan.json"], "missing", None),
    ("plan-json-is-a-folder", ["plan", "nextcloud", *GOOD, "--json", "taken"], "taken", lambda r: (r / "taken").mkdir()),
    ("cost-json-under-a-file", ["cost", "nextcloud", *GOOD, "--json", "blocker/cost.json"], "blocker", _file_at("blocker")),
    ("cost-json-missing-folder", ["cost", "nextcloud", *GOOD, "--json", "missing/cost.json"], "missing", None),
    ("report-out-is-a-file", ["report", "nextcloud", *GOOD, "--out", "blocker"], "blocker", _file_at("blocker")),
    ("report-out-under-a-file", ["report", "nextcloud", *GOOD, "--out", "blocker/report"], "blocker", _file_at("blocker")),
    ("new-dir-under-a-file", ["new", "nextcloud", "--cloud", "aws", "--tier", "trial", *GOOD, "--dir", "blocker/stack"],
     "blocker", _file_at("blocker")),
    ("new-dir-is-a-file", ["new", "nextcloud", "--cloud", "aws", "--tier", "trial", *GOOD, "--dir", "blocker"],
     "blocker", _file_at("blocker")),
    ("new-dir-not-empty", ["new", "nextcloud", "--cloud", "aws", "--tier", "trial", *GOOD, "--dir", "busy"],
     "exists and is not empty", lambda r: ((r / "busy").mkdir(), (r / "busy" / "minutes.docx").write_text("x"))),
]
for id_, args, expect, setup in WRITE_FAILURES:
    case(id_, args, expect, setup)


# --- 5. estate files -----------------------------------------------------------------------------

def _estate(text: str | bytes):
    def setup(root: Path):
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (root / "estate.yaml").write_bytes(data)
    return setup


ESTATE_TEXT = (Path(__file__).parent.parent / "examples" / "estate.yaml").read_text(encoding="utf-8")
BROKEN_ESTATES = [
    ("not-utf8", ESTATE_TEXT.encode("utf-8").replace(b"Wessex", b"Wes\xffsex", 1), "not UTF-8 text"),
    ("not-yaml", "estate: [\n", "not valid YAML"),
    ("a-list", "- estate: x\n", "expected"),
    ("unknown-key", ESTATE_TEXT + "\ncolour: blue\n", "colour"),
    ("duplicate-key", ESTATE_TEXT + "\nestate: again\n", "duplicate key 'estate'"),
    ("empty", "", "expected"),
    ("deep", "estate: " + "[" * 5000 + "]" * 5000 + "\n", "exceeded maximum nesting depth"),
    ("bad-cloud", ESTATE_TEXT.replace("cloud: azure", "cloud: gcp", 1), "councils[1].cloud: Input should be 'aws' or 'azure'"),
]
for id_, text, expect in BROKEN_ESTATES:
    for sub, extra in (("plan", []), ("render", ["rendered"])):
        case(f"estate-{sub}-{id_}", ["estate", sub, "estate.yaml", *extra], expect, _estate(text))
case("estate-plan-missing", ["estate", "plan", "nowhere.yaml"], "nowhere.yaml")
case("estate-plan-json-under-a-file", ["estate", "plan", "estate.yaml", "--json", "blocker/plans"],
     "--json: cannot write blocker/plans", lambda r: (_estate(ESTATE_TEXT)(r), _file_at("blocker")(r)))
case("estate-plan-json-is-a-file", ["estate", "plan", "estate.yaml", "--json", "blocker"],
     "Invalid value for '--json': Directory 'blocker' is a file", lambda r: (_estate(ESTATE_TEXT)(r), _file_at("blocker")(r)))
case("estate-render-under-a-file", ["estate", "render", "estate.yaml", "blocker/out"],
     "estate render: cannot write blocker/out/stacks", lambda r: (_estate(ESTATE_TEXT)(r), _file_at("blocker")(r)))


# --- 6. the pulumi CLI missing or broken, before anything is written in the cloud ----------------

def _broken_pulumi(root: Path):
    bin_dir = root / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text("#!/bin/sh\necho 'panic: runtime error: invalid memory address' >&2\nexit 2\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


for command, extra in (("up", []), ("destroy", ["--yes"]), ("outputs", []), ("refresh", []), ("reap", ["--yes"])):
    target = [] if command == "reap" else ["stack"]
    case(f"{command}-without-pulumi", [command, *target, *extra], "pulumi", _stack(), env={"PATH": "/nonexistent"})
    case(f"{command}-broken-pulumi", [command, *target, *extra], "the pulumi CLI on PATH is broken",
         lambda r: (_stack()(r), _broken_pulumi(r)), progress_first=command == "up", env={"PATH": "{root}/bin", "PULUMI_CONFIG_PASSPHRASE": "x",
                                                           "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"})


# --- the runner ----------------------------------------------------------------------------------

STACK_TEMPLATE: Path
PLAN_CACHE: Path


@pytest.fixture(scope="session", autouse=True)
def _stack_template(tmp_path_factory):
    global STACK_TEMPLATE, PLAN_CACHE
    from councilkit.cli.newstack import new_stack

    PLAN_CACHE = tmp_path_factory.mktemp("plan-cache")

    STACK_TEMPLATE = new_stack("nextcloud@1.0.0", cloud="aws", tier="trial", council="Borsetshire County Council",
                               domain="files.borsetshire.gov.uk", contact="it@borsetshire.gov.uk",
                               folder=str(tmp_path_factory.mktemp("template") / "stack")).path


def _snapshot(root: Path) -> dict[str, bytes | str]:
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            out[rel] = "<dir>"
        else:
            out[rel] = path.read_bytes()
    return out


def test_the_corpus_is_big_enough_and_each_case_is_named_once():
    assert len(CASES) >= 150, len(CASES)
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_error_line_exit_2_and_nothing_written(c, tmp_path, monkeypatch, capsys):
    from councilkit.cli.main import main

    root = tmp_path / "sandbox"
    root.mkdir()
    (root / "home").mkdir()
    if c.setup:
        c.setup(root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.setenv("COUNCILKIT_CACHE_DIR", str(PLAN_CACHE))  # outside the sandbox, shared by the cases
    monkeypatch.delenv("COUNCILKIT_BLUEPRINT_PATH", raising=False)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    for key, value in c.env.items():
        monkeypatch.setenv(key, value.replace("{root}", str(root)))
    before = _snapshot(root)
    with pytest.raises(SystemExit) as exited:
        main(c.args)
    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert exited.value.code == 2, (c.args, out.out[-500:], out.err[-2000:])
    assert "Traceback" not in out.err + out.out
    if c.progress_first:
        lines = lines[-1:]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.err
    assert sum(line.startswith("error: ") for line in out.err.splitlines()) == 1, out.err
    assert c.expect in lines[0], (c.expect, lines[0])
    assert _snapshot(root) == before, "a refused command changed files"
