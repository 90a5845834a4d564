"""Render one deployment as a stack folder: plain files a council can read, diff and commit.

`render(d, source)` returns every file's bytes (nothing touches the disk here); `stackdir.write`
puts them in place atomically. The same inputs give byte-identical files: no timestamps, no
absolute paths, keys in a fixed order; the only dates are the answers themselves (expires-on).
Templates are jinja2, in cli/templates/.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from councilkit.blueprints.deployment import Deployment
from councilkit.blueprints.errors import UserError
from councilkit.blueprints.lock import IMAGE_DIR, LOCK_FILE, build_files, lock_document, lock_text
from councilkit.stacks.cloud import cloud_for

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_BACKEND = "file://~/.councilkit/state"
BACKEND_SCHEMES = ("file://", "s3://", "azblob://", "gs://", "https://", "http://")
PROJECT_FILE = "Pulumi.yaml"
PROGRAM_FILE = "__main__.py"
RUNBOOK_FILE = "RUNBOOK.md"


def stack_file(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def check_backend(url: str) -> str:
    """A backend URL as Pulumi takes it: a known scheme, one line, no spaces (a newline would
    split Pulumi.yaml's `url:` and the commands the runbook prints)."""
    if not url.startswith(BACKEND_SCHEMES) or any(c.isspace() or not c.isprintable() for c in url):
        raise UserError(
            f"backend: {url!r} is not a Pulumi backend URL; expected e.g. {DEFAULT_BACKEND}, "
            "s3://bucket/prefix, azblob://container or https://api.pulumi.com"
        )
    return url


@dataclass(frozen=True)
class Rendered:
    """A stack folder in memory: relative path → bytes."""

    stack: str
    files: dict[str, bytes]


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    # A JSON string is a valid YAML double-quoted scalar: any council name is safe in the config.
    env.filters["q"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    env.filters["shjoin"] = shlex.join
    return env


def render(
    d: Deployment,
    source: Path,
    *,
    backend: str = DEFAULT_BACKEND,
    kept: dict[str, str] | None = None,
    image_files: dict[str, bytes] | None = None,
) -> Rendered:
    """Every file of the stack folder for `d`, whose blueprint was read from `source`.

    `kept` are keys Pulumi itself wrote into the stack config (encryption salt), carried over
    when a folder is re-rendered. `image_files` default to the files beside `source`.
    """
    stack = d.stack_name
    bp = d.blueprint
    if image_files is None:
        image_files = build_files(bp, source)
    builds = [c for c in bp.containers if c.build]
    context = {
        "d": d,
        "bp": bp,
        "app": bp.app,
        "stack": stack,
        "backend": check_backend(backend),
        "kept": sorted((kept or {}).items()),
        "cloud": cloud_for(d.cloud).runbook(d, stack),
        "image": builds[0].build if builds else None,
        "install": bp.install,
    }
    env = _environment()
    files = {
        PROJECT_FILE: env.get_template("Pulumi.yaml.j2").render(context),
        stack_file(stack): env.get_template("Pulumi.stack.yaml.j2").render(context),
        PROGRAM_FILE: env.get_template("__main__.py.j2").render(context),
        RUNBOOK_FILE: env.get_template("RUNBOOK.md.j2").render(context),
        LOCK_FILE: lock_text(lock_document(bp, source, image_files)),
    }
    out = {name: text.encode("utf-8") for name, text in files.items()}
    for name, data in image_files.items():
        out[f"{IMAGE_DIR}/{name}"] = data
    return Rendered(stack=stack, files=dict(sorted(out.items())))
