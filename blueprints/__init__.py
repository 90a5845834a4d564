"""Blueprints: what an app needs, as versioned data. Model, loader and the resolved Deployment.

Names load on first use (PEP 562), so `from councilkit.blueprints.errors import UserError` (every
command, `--help` included) does not import pydantic and the model.
"""

from importlib import import_module

__all__ = ["Blueprint", "UserError", "discover", "load_file", "resolve"]
_HOME = {"Blueprint": ".model", "UserError": ".errors", "discover": ".loader", "load_file": ".loader",
         "resolve": ".loader"}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
