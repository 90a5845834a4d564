"""Azure names stay valid and distinct for any council name a user can type (hypothesis)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from councilkit.blueprints.deployment import COUNCIL_RE, build_deployment
from councilkit.blueprints.model import Cache
from councilkit.stacks.azure import names
from councilkit.stacks.azure.apps import one_off_job_name
from councilkit.stacks.azure.cache import redis_name

BASE = {tier: build_deployment("nextcloud", cloud="azure", tier=tier) for tier in ("trial", "production")}
councils = st.from_regex(COUNCIL_RE, fullmatch=True).map(str.strip).filter(lambda s: COUNCIL_RE.match(s))
tiers = st.sampled_from(sorted(BASE))


def deployment(council: str, tier: str = "production"):
    return dataclasses.replace(BASE[tier], council=council)


@settings(max_examples=300, deadline=None)
@given(councils, tiers)
def test_storage_account_name_is_3_to_24_lowercase_letters_and_digits(council, tier):
    assert names.STORAGE_ACCOUNT_RE.fullmatch(names.storage_account(deployment(council, tier)))


@settings(max_examples=300, deadline=None)
@given(councils, tiers)
def test_key_vault_name_is_3_to_24_characters_starting_with_a_letter_without_double_hyphens(council, tier):
    for suffix in ("0000", "ffff", "9a0b"):  # the incarnation's RandomId hex (secrets.py)
        name = names.key_vault(deployment(council, tier), suffix)
        assert names.KEY_VAULT_RE.fullmatch(name), name


@settings(max_examples=200, deadline=None)
@given(councils, tiers)
def test_registry_server_and_container_app_names_are_valid(council, tier):
    d = deployment(council, tier)
    assert names.REGISTRY_RE.fullmatch(names.registry(d))
    for prefix, limit in (("psql", 63), ("mysql", 63), ("redis", 63), ("fd", 46)):
        label = names.dns_label(d, prefix, limit)
        assert names.DNS_LABEL_RE.fullmatch(label) and len(label) <= limit, label
    assert names.CONTAINER_APP_RE.fullmatch(names.container_app(d, "web"))
    for step in ("install", "upgrade"):
        assert names.CONTAINER_APP_RE.fullmatch(one_off_job_name(d, step))
    longest_cache = Cache(name="q" * 32, engine="redis", version="7.1", env={"host": "REDIS"})
    for cache in (Cache(engine="redis", version="7.1", env={"host": "REDIS"}), longest_cache):
        label = redis_name(d, cache)
        assert names.DNS_LABEL_RE.fullmatch(label), label
    assert names.DNS_LABEL_RE.fullmatch(names.dns_label(d, "budget", 63))
    assert 1 <= len(names.resource_group(d)) <= 90
    assert len(names.compact(d, "ck", 12)) <= 12


@settings(max_examples=300, deadline=None)
@given(councils, councils)
def test_different_councils_get_different_globally_unique_names(first, second):
    a, b = deployment(first), deployment(second)
    if a.council_slug == b.council_slug:
        return  # the same council (names differ only in punctuation or case)
    assert names.storage_account(a) != names.storage_account(b)
    assert names.key_vault(a, "0000") != names.key_vault(b, "0000"), "distinct even with the same draw"
    assert names.recovery_vault(a, "0000") != names.recovery_vault(b, "0000")
    assert names.dns_label(a, "psql") != names.dns_label(b, "psql")


@given(councils)
def test_trial_and_production_of_one_council_do_not_share_names(council):
    trial, production = deployment(council, "trial"), deployment(council, "production")
    assert names.storage_account(trial) != names.storage_account(production)
    assert names.key_vault(trial, "0000") != names.key_vault(production, "0000")


def test_long_council_names_keep_a_readable_prefix():
    d = deployment("Royal Borough of Kingston upon Thames")
    assert names.storage_account(d).startswith("stroyalborough")
    assert names.key_vault(d, "1a2b").startswith("kv-royal-") and names.key_vault(d, "1a2b").endswith("-1a2b")
