"""A council's own usage file: its figures replace the tier's assumptions (stacks/cost/usage.yaml).

Like Infracost's `infracost-usage.yml`, it holds only what the council knows better than the
shipped defaults: gigabytes stored, requests, data through an endpoint. It is a flat mapping of
the usage keys of the deployment's cloud (the keys of `usage.yaml`, the same for both tiers)::

    # usage.yaml beside a stack folder, or passed as --usage FILE to plan and cost
    log_gb: 12
    private_endpoint_out_gb: 200
    front_door_origin_in_gb: null   # unknown: the line says "depends on usage" with its unit price

A key the shipped file does not know is refused (a typo would otherwise be silently ignored and
the estimate would keep the default): one `error:` line naming the key and the valid ones.
A value is a non-negative number, or null for "not known".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from councilkit.blueprints.errors import UserError, quote

FILE_NAME = "usage.yaml"
"""The usage file a stack folder may hold beside its Pulumi.yaml."""


def valid_keys(cloud: str) -> list[str]:
    """Every usage key of `cloud`: those of either tier in the shipped defaults."""
    from councilkit.stacks.cost import _usage

    tiers = _usage().get(cloud) or {}
    return sorted({key for values in tiers.values() for key in values})


def read(path: str | Path) -> dict[str, Any]:
    """The usage file's mapping, unchecked against a cloud (`overrides` checks it)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"usage file {path} does not exist") from None
    except UnicodeDecodeError:
        raise UserError(f"usage file {path} is not UTF-8 text") from None
    except IsADirectoryError:
        raise UserError(f"usage file {path} is a folder, not a file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise UserError(f"usage file {path} is not valid YAML{where}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"usage file {path} must be a mapping of usage keys to numbers")
    return data


def overrides(data: Mapping[str, Any], cloud: str, where: str) -> dict[str, Any]:
    """`data` checked against `cloud`'s usage keys: {key: Decimal-able number or None}."""
    known = valid_keys(cloud)
    for key, value in data.items():
        if key not in known:
            raise UserError(f"{where}: unknown usage key {quote(key)} for {cloud}; "
                            f"valid keys: {', '.join(known)}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            raise UserError(f"{where}: {key} must be a number of 0 or more, or null (got {quote(value)})")
    return dict(data)


def for_command(usage_path: str | None, app_arg: str | None) -> tuple[dict[str, Any], str] | None:
    """(mapping, where) of the usage file a command should read: `--usage FILE`, else the
    `usage.yaml` of the stack folder it was given, else None (the tier's defaults alone)."""
    if usage_path:
        return read(usage_path), usage_path
    if app_arg and Path(app_arg).is_dir() and (Path(app_arg) / FILE_NAME).is_file():
        path = Path(app_arg) / FILE_NAME
        return read(path), str(path)
    return None
