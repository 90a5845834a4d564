"""Render the assurance pack (HTML and Markdown) and write it atomically into a folder."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from councilkit.blueprints.errors import UserError

TEMPLATES = Path(__file__).resolve().parent / "templates"
HTML_FILE = "report.html"
MD_FILE = "report.md"


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html.j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )


def render(context: dict) -> dict[str, str]:
    env = _env()
    return {
        HTML_FILE: env.get_template("report.html.j2").render(context),
        MD_FILE: env.get_template("report.md.j2").render(context),
    }


def write(out: Path, files: dict[str, str]) -> list[Path]:
    """Write into `out` (created if missing) via a temporary folder: never half a report."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} is a file, expected a folder")
    from councilkit.cli.safe_io import writing

    with writing(out, "--out"):
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        try:
            for name, text in files.items():
                (tmp / name).write_text(text, encoding="utf-8")
            out.mkdir(exist_ok=True)
            written = []
            for name in files:
                os.replace(tmp / name, out / name)
                written.append(out / name)
            return written
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
