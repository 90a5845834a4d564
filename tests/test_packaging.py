"""A normal (non-editable) install carries every data file the code reads: blueprints, templates,
price files, schemas and the policy pack. Checked against pyproject's package-data patterns."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _folder(package: str) -> Path:
    for prefix, folder in SETUPTOOLS["package-dir"].items():
        if package == prefix or package.startswith(prefix + "."):
            return ROOT / folder / package[len(prefix):].lstrip(".").replace(".", "/")
    raise AssertionError(f"{package} is not under a package-dir")


def test_every_python_folder_is_a_listed_package():
    listed = set(SETUPTOOLS["packages"])
    for prefix, folder in SETUPTOOLS["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            package = ".".join([prefix, *rel.parts]) if rel.parts else prefix
            assert package in listed, f"{package} ({init.parent}) is missing from [tool.setuptools] packages"


def test_every_data_file_matches_a_package_data_pattern():
    data = SETUPTOOLS["package-data"]
    packages = sorted(SETUPTOOLS["packages"], key=len, reverse=True)
    for prefix, folder in SETUPTOOLS["package-dir"].items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            owner = next(p for p in packages if path.is_relative_to(_folder(p)))
            rel = path.relative_to(_folder(owner)).as_posix()
            patterns = data.get(owner, [])
            assert any(fnmatch.fnmatch(rel, pat) for pat in patterns), (
                f"{path.relative_to(ROOT)} would be left out of a normal install: add it to "
                f"[tool.setuptools.package-data] {owner!r}"
            )
