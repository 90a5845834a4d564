"""How values look on the engine's wire: the one private detail of Pulumi the offline engine needs.

A RegisterResource request carries inputs as a protobuf Struct in which a secret is a map
`{SIG_KEY: SECRET_SIG, "value": ...}` and a resource reference `{SIG_KEY: RESOURCE_SIG, "urn": ...}`.
The constants are Pulumi's wire protocol (sdk/go/common/resource/sig/sig.go), which the Python
SDK keeps as private names in `pulumi.runtime.rpc`; tests/test_wire.py compares them with the
installed Pulumi and fails naming its version if they ever differ.
"""

from __future__ import annotations

from typing import Any

SECRET = "[secret]"
SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"


def mask(value: Any) -> Any:
    """Secret values as "[secret]", resource references as their URN, the rest as plain JSON."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return SECRET
        if sig == RESOURCE_SIG:
            return value.get("urn", "")
        return {k: mask(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct carries every number as a double
    return value
