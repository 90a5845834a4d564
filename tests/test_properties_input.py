"""Property tests of the input contract (issue 14): whatever a person types as an answer, whatever
shape a blueprint or estate document takes, councilkit either accepts it or refuses it with one
`error:` line and exit 2, never a traceback, and writes nothing when it refuses.

The documents start from real shipped ones and are mutated (a field dropped, a value replaced by
another type or by arbitrary text), so the examples reach deep into the models, not only the top."""

from __future__ import annotations

import copy
import os
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from councilkit.blueprints.errors import UserError
from councilkit.blueprints.loader import BUILTIN_DIR

ROOT = Path(__file__).parent.parent
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text as people paste it: letters of any script, digits, punctuation, whitespace and control
# characters, and the ones that have broken one-line messages before (newline, escape, bidi).
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=90) | st.sampled_from(
    ["", " ", "\n", "\x1b[31mred", "\u202eevil", "a" * 300, "../../etc", "Cyngor Sir Ynys Môn", "x\ty"])


def run(argv, capsys, monkeypatch, cwd: Path):
    from councilkit.cli.main import main

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "stdin", open(os.devnull))
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out = capsys.readouterr()
    return exited.value.code, out.out, out.err


def one_error_line(code, err):
    assert "Traceback" not in err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), err
    return code


@PROFILE
@given(option=st.sampled_from(["--council", "--domain", "--contact", "--region", "--expires", "--backend"]),
       value=texts)
def test_any_answer_to_new_is_taken_or_refused_in_one_line(option, value, tmp_path_factory, capsys, monkeypatch):
    work = tmp_path_factory.mktemp("new")
    argv = ["new", "nextcloud", "--cloud", "aws", "--tier", "trial", "--dir", "stack", option, value]
    code, _, err = run(argv, capsys, monkeypatch, work)
    assert one_error_line(code, err) in (0, 2)
    written = sorted(p.name for p in work.iterdir())
    assert written == (["stack"] if code == 0 else []), (code, err, written)


# --- blueprint documents ------------------------------------------------------------------------

SHIPPED = yaml.safe_load((BUILTIN_DIR / "wordpress" / "1.0.0.yaml").read_text(encoding="utf-8"))
SHIPPED["id"] = "mine"
values = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=False), texts,
                   st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def paths_of(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from paths_of(value, (*prefix, i))


ALL_PATHS = [p for p in paths_of(SHIPPED) if p]


def mutate(doc, path, action, value):
    doc = copy.deepcopy(doc)
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    if action == "drop":
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@PROFILE
@given(path=st.sampled_from(ALL_PATHS), action=st.sampled_from(["drop", "set"]), value=values)
def test_any_mutated_blueprint_is_linted_in_one_line(path, action, value, tmp_path_factory, capsys, monkeypatch):
    work = tmp_path_factory.mktemp("bp")
    folder = work / "ours" / "mine"
    folder.mkdir(parents=True)
    doc = mutate(SHIPPED, path, action, value)
    (folder / "1.0.0.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    before = sorted(str(p) for p in work.rglob("*"))
    code, out, err = run(["blueprints", "lint", "ours/mine/1.0.0.yaml"], capsys, monkeypatch, work)
    assert one_error_line(code, err) in (0, 2)
    assert (code == 0) == out.startswith("ok mine@"), (code, out, err)
    assert sorted(str(p) for p in work.rglob("*")) == before


# --- estate documents ---------------------------------------------------------------------------

ESTATE = yaml.safe_load((ROOT / "examples" / "estate.yaml").read_text(encoding="utf-8"))
ESTATE_PATHS = [p for p in paths_of(ESTATE) if p]


@PROFILE
@given(path=st.sampled_from(ESTATE_PATHS), action=st.sampled_from(["drop", "set"]), value=values)
def test_any_mutated_estate_loads_or_is_refused_in_one_line(path, action, value, tmp_path):
    from councilkit.cli.estate.model import entries, load_estate

    file = tmp_path / f"estate-{abs(hash((path, action, repr(value))))}.yaml"
    file.write_text(yaml.safe_dump(mutate(ESTATE, path, action, value), allow_unicode=True), encoding="utf-8")
    try:
        found = entries(load_estate(file))
    except UserError as exc:
        from councilkit.blueprints.errors import error_line

        message = str(exc)
        assert message.startswith((f"{file}: ", "estate: ")), message  # names the file or the estate
        assert "\n" not in error_line(message) and "\r" not in error_line(message)
        return
    assert all(e.council and e.app and e.cloud in ("aws", "azure") for e in found)
