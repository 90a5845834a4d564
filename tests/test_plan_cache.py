"""The plan cache: unchanged inputs never run a stack twice, and a cached plan is the fresh plan.

Most tests stand a counting engine in for the stack run (`planning.run_offline` returns a copy of
one real plan), so they count stack runs and stay fast; the equality test runs the real engine.
Every test has its own cache folder.
"""

from __future__ import annotations

import copy
import dataclasses
import errno
import json
import os
import shutil
import textwrap
from pathlib import Path

import pytest

from councilkit.blueprints.deployment import build_deployment
from councilkit.cli import plan_cache, planning
from councilkit.cli.plan_json import plan_document

from helpers import planned

APP, CLOUD, TIER = "nextcloud", "aws", "production"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("COUNCILKIT_CACHE_DIR", str(folder))
    monkeypatch.delenv("COUNCILKIT_NO_CACHE", raising=False)
    plan_cache._warned.clear()
    return folder


@pytest.fixture
def engine(monkeypatch):
    """Stack runs, counted; each returns a copy of the real plan of APP on CLOUD, TIER."""
    _, real = planned(APP, CLOUD, TIER)
    runs = []

    def run_offline(program, stack):
        runs.append(stack)
        return dataclasses.replace(copy.deepcopy(real), stack=stack)

    monkeypatch.setattr("councilkit.cli.planning.run_offline", run_offline)
    return runs


def _deployment(**answers):
    return build_deployment(APP, cloud=CLOUD, tier=TIER, **answers)


def _ids(plan) -> dict:
    return {r.urn: (r.name, r.id, r.identities) for r in plan.resources}


def _entry(cache: Path, d) -> Path:
    return cache / f"{plan_cache.cache_key(d)}.json"


# --- a cached plan is the fresh plan --------------------------------------------------------


def test_a_cached_plan_is_the_plan_the_engine_makes(cache, monkeypatch):
    d = build_deployment("localgov-drupal", cloud="azure", tier="trial", council="Borsetshire")
    runs = []
    real_run = planning.run_offline
    monkeypatch.setattr("councilkit.cli.planning.run_offline", lambda *a: runs.append(1) or real_run(*a))
    first = plan_cache.cached_plan(d)
    second = plan_cache.cached_plan(d)
    assert len(runs) == 1, "the second plan of unchanged inputs must not run the stack"
    fresh = planning.plan_deployment(d)
    assert plan_document(second, d) == plan_document(fresh, d)
    assert _ids(second) == _ids(fresh) and all(r.identities for r in second.resources if r.custom)
    assert second == first  # registration order included
    assert planning.plan_extras(second, d) == planning.plan_extras(fresh, d)
    assert not list(cache.glob(".*"))  # no temporary file left behind


def test_plan_json_is_byte_identical_from_the_cache(engine, tmp_path):
    d = _deployment()
    for name in ("cold.json", "cached.json"):
        planning.write_plan(plan_cache.cached_plan(d), d, tmp_path / name)
    assert len(engine) == 1
    assert (tmp_path / "cold.json").read_bytes() == (tmp_path / "cached.json").read_bytes()


# --- what the key covers ----------------------------------------------------------------------


@pytest.mark.parametrize("answer", [
    {"council": "Midsomer"}, {"domain": "cloud.midsomer.gov.uk"}, {"contact": "ops@midsomer.gov.uk"},
    {"region": "eu-west-1", "allow_non_uk_region": True}, {"tier": "trial"},
])
def test_a_changed_answer_is_a_different_key(answer):
    base = {"council": "Borsetshire", "domain": "cloud.borsetshire.gov.uk", "contact": "it@borsetshire.gov.uk"}
    tier = answer.pop("tier", TIER)
    changed = build_deployment(APP, cloud=CLOUD, tier=tier, **{**base, **answer})
    assert plan_cache.cache_key(changed) != plan_cache.cache_key(_deployment(**base))
    assert plan_cache.cache_key(_deployment(**base)) == plan_cache.cache_key(_deployment(**base))


def test_a_trial_expiry_and_todays_date_are_in_the_key(monkeypatch):
    trial = lambda **kw: build_deployment(APP, cloud=CLOUD, tier="trial", **kw)  # noqa: E731
    assert plan_cache.cache_key(trial(trial_days=30)) != plan_cache.cache_key(trial(trial_days=31))
    d = _deployment()
    before = plan_cache.cache_key(d)
    monkeypatch.setenv("COUNCILKIT_TODAY", "2027-01-01")
    assert plan_cache.cache_key(d) != before  # policy and cost count trial days from today


def test_a_changed_blueprint_or_build_file_is_a_different_key(tmp_path):
    d = _deployment()
    other = d.blueprint.model_copy(update={"version": "1.0.1"})
    assert plan_cache.cache_key(d) != plan_cache.cache_key(
        build_deployment(APP, cloud=CLOUD, tier=TIER, locked=(other, d.blueprint_dir)))
    shutil.copytree(ROOT / "blueprints" / "localgov-drupal", tmp_path / "bp" / "localgov-drupal")
    drupal = lambda: build_deployment("localgov-drupal", cloud="aws", tier=TIER,  # noqa: E731
                                      blueprint_dirs=(str(tmp_path / "bp"),))
    before = plan_cache.cache_key(drupal())
    assert plan_cache.cache_key(drupal()) == before
    with open(tmp_path / "bp" / "localgov-drupal" / "Dockerfile", "a") as f:
        f.write("# changed\n")
    assert plan_cache.cache_key(drupal()) != before


@pytest.fixture
def environment(monkeypatch):
    """environment_digest recomputed on demand, and for the next test as well."""
    plan_cache.environment_digest.cache_clear()
    yield plan_cache.environment_digest.cache_clear
    plan_cache.environment_digest.cache_clear()


@pytest.mark.parametrize("name", ["stacks/cost/prices/aws-eu-west-2.yaml", "stacks/cost/usage.yaml",
                                  "stacks/aws/stack.py", "cli/offline.py", "stacks/policy/registry.py"])
def test_a_changed_price_file_or_source_file_is_a_different_key(name, tmp_path, monkeypatch, environment):
    real = plan_cache._code_files()
    assert name in dict(real), f"{name} is not part of the key"
    copy_ = tmp_path / Path(name).name
    copy_.write_bytes(dict(real)[name].read_bytes())
    monkeypatch.setattr(plan_cache, "_code_files", lambda: [(n, copy_ if n == name else p) for n, p in real])
    environment()
    d = _deployment()
    before = plan_cache.cache_key(d)
    with open(copy_, "a") as f:
        f.write("\n# edited\n")
    assert plan_cache.cache_key(d) == before  # computed once per process...
    environment()
    assert plan_cache.cache_key(d) != before  # ...so the next process plans afresh


def test_installed_versions_are_in_the_key(monkeypatch, environment):
    from importlib import metadata

    d = _deployment()
    before = plan_cache.cache_key(d)
    real_version = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "99.0.0" if name == "pulumi-aws" else real_version(name))
    environment()
    assert plan_cache.cache_key(d) != before


def test_the_cache_lives_in_the_users_cache_folder_unless_told_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("COUNCILKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert plan_cache.cache_dir() == tmp_path / "xdg" / "councilkit" / "plans"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert plan_cache.cache_dir() == tmp_path / "home" / ".cache" / "councilkit" / "plans"


# --- bad entries are ignored and rewritten ----------------------------------------------------


def _valid(path: Path, key: str) -> bool:
    entry = json.loads(path.read_text(encoding="utf-8"))
    return entry["format"] == plan_cache.FORMAT and entry["key"] == key and plan_cache.lookup(key) is not None


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "empty", "foreign key", "other format", "not a mapping",
                                    "steps missing", "resources mismatch"])
def test_a_bad_entry_is_ignored_and_rewritten(damage, cache, engine):
    d = _deployment()
    plan_cache.cached_plan(d)
    path, key = _entry(cache, d), plan_cache.cache_key(d)
    good = path.read_text(encoding="utf-8")
    entry = json.loads(good)
    bad = {
        "corrupt": "{not json",
        "truncated": good[: len(good) // 2],
        "empty": "",
        "foreign key": json.dumps({**entry, "key": "0" * 64}),
        "other format": json.dumps({**entry, "format": "councilkit-plan-cache/0"}),
        "not a mapping": json.dumps([entry]),
        "steps missing": json.dumps({**entry, "plan": {**entry["plan"], "steps": None}}),
        "resources mismatch": json.dumps({**entry, "resources": entry["resources"][1:]}),
    }[damage]
    path.write_text(bad, encoding="utf-8")
    plan = plan_cache.cached_plan(d)
    assert len(engine) == 2, "a bad entry must be planned afresh"
    assert plan_document(plan, d) == plan_document(planned(APP, CLOUD, TIER)[1], d)
    assert _valid(path, key) and path.read_text(encoding="utf-8") == good


def test_an_unreadable_entry_does_not_fail_the_plan(cache, engine, capsys):
    d = _deployment()
    _entry(cache, d).mkdir(parents=True)  # a folder where the entry should be: neither read nor replaced
    for _ in range(2):
        assert plan_document(plan_cache.cached_plan(d), d) == plan_document(planned(APP, CLOUD, TIER)[1], d)
    assert len(engine) == 2
    assert capsys.readouterr().err.count("warning: plan cache") == 1


def test_an_entry_for_another_deployment_is_never_served(cache, engine):
    a, b = _deployment(council="Borsetshire"), _deployment(council="Midsomer")
    plan_cache.cached_plan(a)
    shutil.copy(_entry(cache, a), _entry(cache, b))  # b's file now holds a's entry (a's key)
    plan_cache.cached_plan(b)
    assert len(engine) == 2 and _valid(_entry(cache, b), plan_cache.cache_key(b))


# --- a cache that cannot be written never fails a plan ----------------------------------------


def test_a_cache_folder_that_cannot_be_created_still_plans(tmp_path, monkeypatch, engine, capsys):
    (tmp_path / "file").write_text("in the way")
    monkeypatch.setenv("COUNCILKIT_CACHE_DIR", str(tmp_path / "file" / "plans"))
    d = _deployment()
    for _ in range(3):
        assert plan_cache.cached_plan(d).resources
    assert len(engine) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: plan cache ") and "not writable" in err


def test_a_read_only_cache_folder_still_plans(cache, engine, monkeypatch, capsys):
    # What creating a file in a read-only folder raises (for anyone but root, who CI runs as).
    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    cache.mkdir()
    monkeypatch.setattr(plan_cache.tempfile, "mkstemp", read_only)
    assert plan_cache.cached_plan(_deployment()).resources
    assert not list(cache.iterdir())
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not writable (Permission denied)" in err


def test_a_full_disk_still_plans_and_leaves_no_partial_entry(cache, engine, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(plan_cache.os, "replace", full)
    d = _deployment()
    assert plan_cache.cached_plan(d).resources
    assert not list(cache.iterdir()), "neither an entry nor a temporary file"
    assert "No space left on device" in capsys.readouterr().err


# --- bypassing the cache --------------------------------------------------------------------


def test_no_cache_neither_reads_nor_writes(cache, engine, monkeypatch):
    d = _deployment()
    plan_cache.cached_plan(d, use_cache=False)
    assert not cache.exists()
    plan_cache.cached_plan(d)
    before = _entry(cache, d).read_bytes()
    plan_cache.cached_plan(d, use_cache=False)
    monkeypatch.setenv("COUNCILKIT_NO_CACHE", "1")
    plan_cache.cached_plan(d)
    assert len(engine) == 4 and _entry(cache, d).read_bytes() == before
    monkeypatch.setenv("COUNCILKIT_NO_CACHE", "0")
    plan_cache.cached_plan(d)
    assert len(engine) == 4


@pytest.mark.parametrize("argv", [["plan", APP, "--cloud", CLOUD, "--tier", TIER],
                                  ["cost", APP, "--cloud", CLOUD, "--tier", TIER]])
def test_commands_use_the_cache_unless_no_cache(argv, engine, capsys):
    from councilkit.cli.main import main

    def run(*extra):
        with pytest.raises(SystemExit) as exit_:
            main([*argv, *extra])
        assert exit_.value.code == 0
        return capsys.readouterr().out

    first = run()
    assert run() == first and len(engine) == 1
    assert run("--no-cache") == first and len(engine) == 2


@pytest.mark.parametrize("command", [["plan"], ["cost"], ["report"], ["upgrade"], ["estate", "plan"]])
def test_every_planning_command_offers_no_cache(command, capsys):
    from councilkit.cli.main import main

    with pytest.raises(SystemExit):
        main([*command, "--help"])
    assert "--no-cache" in capsys.readouterr().out


def test_a_stand_in_planner_is_never_cached(cache, monkeypatch):
    _, real = planned(APP, CLOUD, TIER)
    calls = []
    monkeypatch.setattr("councilkit.cli.planning.plan_deployment", lambda d: calls.append(d) or real)
    plan_cache.cached_plan(_deployment())
    plan_cache.cached_plan(_deployment())
    assert len(calls) == 2 and not cache.exists()


# --- estates re-plan only what changed --------------------------------------------------------


ESTATE = """
    estate: cache test
    councils:
      - name: Borsetshire
        apps: [{app: camunda, cloud: azure}, {app: camunda, cloud: azure, tier: production}]
      - name: Midsomer
        contact: it@midsomer.example.org
        apps: [{app: camunda, cloud: azure}]
"""


def _estate(tmp_path, text=ESTATE):
    from councilkit.cli.estate.model import entries, load_estate

    path = tmp_path / "estate.yaml"
    path.write_text(textwrap.dedent(text))
    return path, entries(load_estate(path))


def test_an_unchanged_estate_runs_no_stack_and_starts_no_worker(tmp_path, monkeypatch, cli, cache):
    from councilkit.cli.estate import planner

    runs = []
    real_run = planning.run_offline
    monkeypatch.setattr("councilkit.cli.planning.run_offline", lambda *a: runs.append(a[1]) or real_run(*a))
    path, items = _estate(tmp_path)
    for name in ("cold", "warm"):
        (tmp_path / name).mkdir()
    cold = planner.plan_estate(items, json_dir=str(tmp_path / "cold"), workers=1)
    assert len(runs) == 3 and all(o.ok and not o.cached for o in cold)

    def no_fork(*args, **kwargs):
        raise AssertionError("a fully cached estate must not start workers")

    monkeypatch.setattr(planner, "ProcessPoolExecutor", no_fork)
    warm = planner.plan_estate(items, json_dir=str(tmp_path / "warm"), workers=2)
    assert len(runs) == 3 and all(o.ok and o.cached for o in warm)
    assert [planner.outcome_dict(o) for o in warm] == [planner.outcome_dict(o) for o in cold]
    names = lambda folder: sorted(p.name for p in (tmp_path / folder).iterdir())  # noqa: E731
    assert names("warm") == names("cold")
    for plan in (tmp_path / "cold").glob("*.json"):
        assert (tmp_path / "warm" / plan.name).read_bytes() == plan.read_bytes()

    # and as a user sees it, in a new process
    result = cli("estate", "plan", str(path), env={"COUNCILKIT_CACHE_DIR": str(cache)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "3 of 3 deployments planned (3 from cache)"


def test_an_estate_replans_exactly_the_changed_entry(tmp_path, monkeypatch):
    from councilkit.cli.estate import planner

    runs = []
    real_run = planning.run_offline
    monkeypatch.setattr("councilkit.cli.planning.run_offline", lambda *a: runs.append(a[1]) or real_run(*a))
    _, items = _estate(tmp_path)
    planner.plan_estate(items, workers=1)
    _, changed = _estate(tmp_path, ESTATE.replace("it@midsomer", "ops@midsomer"))
    outcomes = planner.plan_estate(changed, workers=2)
    assert runs[3:] == ["midsomer-camunda-trial"]
    assert [o.cached for o in outcomes] == [True, True, False] and all(o.ok for o in outcomes)
    assert planner.plan_estate(changed, workers=2) and runs[4:] == []


def test_an_estate_without_the_cache_plans_everything(tmp_path, monkeypatch, engine, cache):
    from councilkit.cli.estate import planner

    _, items = _estate(tmp_path, ESTATE.replace("camunda, cloud: azure", "nextcloud, cloud: aws"))
    planner.plan_estate(items, workers=1)
    planner.plan_estate(items, workers=1)
    assert len(engine) == 3
    planner.plan_estate(items, workers=1, use_cache=False)
    monkeypatch.setenv("COUNCILKIT_NO_CACHE", "1")
    outcomes = planner.plan_estate(items, workers=1)
    assert len(engine) == 9 and not any(o.cached for o in outcomes)


def test_an_unchanged_estate_leaves_its_plan_files_alone_and_restores_an_edited_one(tmp_path, engine):
    from councilkit.cli.estate import planner

    _, items = _estate(tmp_path, ESTATE.replace("camunda, cloud: azure", "nextcloud, cloud: aws"))
    out = tmp_path / "plans"
    out.mkdir()
    planner.plan_estate(items, json_dir=str(out), workers=1)
    files = sorted(out.iterdir())
    written = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    edited = files[0]
    edited.write_text("{}")
    os.utime(edited, ns=(1, 1))
    assert all(o.cached for o in planner.plan_estate(items, json_dir=str(out), workers=1)) and len(engine) == 3
    assert {p.name: p.read_bytes() for p in out.iterdir()} == {n: b for n, (b, _) in written.items()}
    assert all(p.stat().st_mtime_ns == written[p.name][1] for p in files if p != edited)


def test_an_estate_with_an_unwritable_cache_plans_and_warns_once(tmp_path, monkeypatch, engine, capfd):
    from councilkit.cli.estate import planner

    (tmp_path / "file").write_text("in the way")
    monkeypatch.setenv("COUNCILKIT_CACHE_DIR", str(tmp_path / "file" / "plans"))
    _, items = _estate(tmp_path, ESTATE.replace("camunda, cloud: azure", "nextcloud, cloud: aws"))
    monkeypatch.setattr(planner, "_warm", lambda: None)  # the counting engine needs no stack code
    outcomes = planner.plan_estate(items, workers=2)
    assert all(o.summary and o.resources for o in outcomes), [o.error for o in outcomes]
    assert capfd.readouterr().err.count("warning: plan cache") == 1
