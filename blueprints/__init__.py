"""Blueprints: what an app needs, as versioned data. Model, loader and the resolved Deployment."""

from .errors import UserError
from .loader import discover, load_file, resolve
from .model import Blueprint

__all__ = ["Blueprint", "UserError", "discover", "load_file", "resolve"]
