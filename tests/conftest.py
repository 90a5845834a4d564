"""Shared fixtures: offline plans are computed once per (app, cloud, tier) and reused.

Plain helpers (APPS, TIERS, planned, run_cli, container_definitions) live in helpers.py; test
files import them from there, and the fixtures below hand them out.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("COUNCILKIT_TODAY", "2026-11-25")
os.environ.setdefault("COUNCILKIT_CACHE_DIR", (_plans := __import__("tempfile").TemporaryDirectory(prefix="councilkit-test-plans-")).name)  # not ~/.cache; removed at exit

from helpers import planned, run_cli  # noqa: E402  (after the date pin, as before)

# tests/acceptance deploys to a real AWS account: only `make acceptance`, which names the folder,
# runs it (pytest collects a path named on the command line even when it is in collect_ignore).
collect_ignore = ["acceptance"]


@pytest.fixture
def plan_of():
    return planned


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def no_cloud_questions(monkeypatch):
    """`destroy` asks the cloud who is signed in and which restore points will outlive the stack
    (cli/deletion_certificate.py): tests that run a destroy against a fake engine answer both
    here, so they never reach a cloud, whatever credentials the machine running them has."""
    from councilkit.cli import deletion_certificate

    monkeypatch.setattr(deletion_certificate, "before_destroy",
                        lambda cloud, d, outputs, delete_backups: ("tests (no cloud asked)", [], []))
