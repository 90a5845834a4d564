"""`estate render` never drops a deployed stack from CI and writes nothing when nothing is valid
(issue 14, class 9): an entry that fails (or that left the estate file) keeps its existing folder
in the workflow; an estate where no entry renders writes no workflow, no folders."""

from __future__ import annotations

from pathlib import Path

import yaml

EXAMPLE = Path(__file__).parent.parent / "examples" / "estate.yaml"


def _workflow_dirs(out: Path) -> list[str]:
    doc = yaml.safe_load((out / ".github" / "workflows" / "councilkit.yml").read_text(encoding="utf-8"))
    text = yaml.safe_dump(doc)
    return sorted({line.split("dir:")[1].strip() for line in text.splitlines() if "dir: stacks/" in line})


def _files(root: Path):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_failed_entry_keeps_its_existing_stack_in_the_workflow(cli, tmp_path):
    out = tmp_path / "estate"
    first = cli("estate", "render", str(EXAMPLE), str(out))
    assert first.returncode == 0, first.stderr
    before = _workflow_dirs(out)
    assert len(before) == 6
    broken = tmp_path / "estate.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    broken.write_text(text.replace("domain: www.borsetshire.example.org", "domain: not a domain", 1), encoding="utf-8")
    again = cli("estate", "render", str(broken), str(out))
    assert again.returncode == 1
    assert "error: Borsetshire County Council / localgov-drupal@1.0.0: domain: 'not a domain' is not valid" in again.stderr
    kept = "stacks/borsetshire-county-council-localgov-drupal-production"
    assert f"kept      {kept}" in again.stdout
    assert _workflow_dirs(out) == before, "the deployed stack is still deployed by CI"


def test_an_entry_taken_out_of_the_estate_keeps_its_folder_in_the_workflow(cli, tmp_path):
    out = tmp_path / "estate"
    assert cli("estate", "render", str(EXAMPLE), str(out)).returncode == 0
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    doc["councils"] = doc["councils"][:1]
    smaller = tmp_path / "estate.yaml"
    smaller.write_text(yaml.safe_dump(doc), encoding="utf-8")
    again = cli("estate", "render", str(smaller), str(out))
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("kept      stacks/") == 4
    assert len(_workflow_dirs(out)) == 6
    assert "2 of 2 stacks rendered, 4 kept from before" in again.stdout


def test_an_estate_where_nothing_renders_writes_nothing(cli, tmp_path):
    bad = tmp_path / "estate.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    bad.write_text(text.replace("app: localgov-drupal", "app: no-such-app").replace("app: nextcloud", "app: no-such-app-either"),
                   encoding="utf-8")
    out = tmp_path / "estate"
    result = cli("estate", "render", str(bad), str(out))
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "error: estate render: none of the 6 entries rendered; nothing was written"
    assert not out.exists(), "no folder, no workflow, no stacks"


def test_render_under_a_regular_file_is_one_error_line(cli, tmp_path):
    (tmp_path / "blocker").write_text("a file")
    result = cli("estate", "render", str(EXAMPLE), str(tmp_path / "blocker" / "estate"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: estate render: cannot write")
    assert "Traceback" not in result.stderr
