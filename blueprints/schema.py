"""Writes blueprints/schema.json from the model, for editors: `python -m councilkit.blueprints.schema`."""

from __future__ import annotations

import json
from pathlib import Path

from .model import Blueprint

SCHEMA_PATH = Path(__file__).resolve().parent / "schema.json"


def schema_text() -> str:
    return json.dumps(Blueprint.model_json_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
