"""Reading (and, for the self-tests, planting) values at input paths such as `ingress[*].description`.

Inputs are in the provider's wire names (camelCase), as the plan records them and as pulumi-policy
hands them to a policy. A path is dot-separated keys, each optionally followed by `[n]` (one list
item) or `[*]` (every item); reading a pattern yields each concrete path with its value.

What cannot be judged is skipped, never guessed: an absent key, None, a secret ("[secret]") and
Pulumi's unknown values (the sentinels below, which a preview passes for outputs not yet known,
and which pulumi-policy's proxies raise on when read).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Iterator

SECRET = "[secret]"
# Pulumi's unknown-value sentinels: UNKNOWN_*_VALUE in pulumi_policy/proxy.py (the string one is
# also pulumi.runtime.rpc.UNKNOWN, sdk/go/common/resource/plugin/rpc.go UnknownStringValue).
# tests/test_deployability.py compares them with the installed packages.
UNKNOWNS = frozenset({
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
    "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
    "e48ece36-62e2-4504-bad9-02848725956a",  # archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
})

_STEP = re.compile(r"^([A-Za-z0-9_]+)((?:\[(?:\d+|\*)\])*)$")
_INDEX = re.compile(r"\[(\d+|\*)\]")


def unknown(value: Any) -> bool:
    """Whether a value cannot be judged offline: absent, a secret or a Pulumi unknown."""
    return value is None or (isinstance(value, str) and (value == SECRET or value in UNKNOWNS))


@lru_cache(maxsize=1024)
def _steps(pattern: str) -> tuple[str | int, ...]:
    """A path's steps, parsed once per pattern (the same few patterns run on every resource)."""
    out: list[str | int] = []
    for part in pattern.split("."):
        m = _STEP.match(part)
        if not m:
            raise ValueError(f"not an input path: {pattern!r}")
        out.append(m.group(1))
        out.extend("*" if i == "*" else int(i) for i in _INDEX.findall(m.group(2)))
    return tuple(out)


def _child(node: Any, step: str | int) -> Any:
    """node[step], or None when it is absent, the wrong shape, or unknown (a policy proxy raises)."""
    try:
        if isinstance(step, int):
            if isinstance(node, (list, tuple)) or (isinstance(node, Sequence) and not isinstance(node, str)):
                return node[step] if step < len(node) else None
            return None
        return node.get(step) if isinstance(node, (dict, Mapping)) else None
    except Exception:  # noqa: BLE001 — pulumi-policy raises UnknownValueError for unknowns
        return None


def _items(node: Any) -> list[Any]:
    try:
        if isinstance(node, (list, tuple)):
            return list(node)
        return list(node) if isinstance(node, Sequence) and not isinstance(node, str) else []
    except Exception:  # noqa: BLE001 — an unknown list during a real preview
        return []


def values_at(inputs: Mapping[str, Any], pattern: str) -> Iterator[tuple[str, Any]]:
    """(concrete path, value) for every known value the pattern reaches, in input order."""

    def walk(node: Any, steps: tuple[str | int, ...], path: str) -> Iterator[tuple[str, Any]]:
        if unknown(node):
            return
        if not steps:
            yield path, node
            return
        step, rest = steps[0], steps[1:]
        if step == "*":
            for i, item in enumerate(_items(node)):
                yield from walk(item, rest, f"{path}[{i}]")
        elif isinstance(step, int):
            yield from walk(_child(node, step), rest, f"{path}[{step}]")
        else:
            yield from walk(_child(node, step), rest, f"{path}.{step}" if path else step)

    yield from walk(inputs, _steps(pattern), "")


def value_at(inputs: Mapping[str, Any], path: str) -> Any:
    """The known value at one concrete path, or None."""
    return next((v for _, v in values_at(inputs, path)), None)


def plant(inputs: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `inputs` with `value` set at the concrete `path` (missing parts created):
    how the self-tests put a rule's bad sample into a real resource."""
    out = copy.deepcopy(dict(inputs))
    steps = _steps(path)
    if "*" in steps:
        raise ValueError(f"plant needs a concrete path, not {path!r}")
    node: Any = out
    for step, nxt in zip(steps, steps[1:]):
        empty: Any = [] if isinstance(nxt, int) else {}
        if isinstance(step, int):
            while len(node) <= step:
                node.append(copy.deepcopy(empty))
            if not isinstance(node[step], (dict, list)):
                node[step] = empty
        elif not isinstance(node.get(step), (dict, list)):
            node[step] = empty
        node = node[step]
    last = steps[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append(None)
    node[last] = value
    return out
