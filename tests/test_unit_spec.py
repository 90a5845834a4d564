"""stacks/spec.py `short_name`: a readable, length-limited name unique to council + app + tier."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from councilkit.blueprints.deployment import COUNCIL_RE, build_deployment
from councilkit.stacks.spec import short_name

BASE = {tier: build_deployment("nextcloud", cloud="aws", tier=tier) for tier in ("trial", "production")}
LIMITS = (10, 21, 22, 29, 32, 50, 63, 255)  # the limits the stacks pass today
councils = st.from_regex(COUNCIL_RE, fullmatch=True).map(str.strip).filter(lambda s: COUNCIL_RE.match(s))
TAIL = re.compile(r"[pt][0-9a-f]{6}$")


def deployment(council: str = "Example Council", tier: str = "trial"):
    return dataclasses.replace(BASE[tier], council=council)


def test_a_short_council_keeps_its_whole_name_then_tier_and_hash():
    name = short_name(deployment("Borsetshire County Council"), 255)
    assert re.fullmatch(r"borsetshire-county-council-nextcloud-t[0-9a-f]{6}", name), name


def test_production_is_marked_p_and_trial_t():
    assert TAIL.search(short_name(deployment(tier="production"), 32)).group()[0] == "p"
    assert TAIL.search(short_name(deployment(tier="trial"), 32)).group()[0] == "t"


def test_trial_and_production_of_one_council_get_different_names():
    assert short_name(deployment(tier="trial"), 32) != short_name(deployment(tier="production"), 32)


def test_a_long_name_is_cut_to_the_limit_and_keeps_its_hash():
    name = short_name(deployment("Royal Borough of Kingston upon Thames"), 29)
    assert len(name) == 29
    assert re.fullmatch(r"royal-borough-of-king-t[0-9a-f]{6}", name), name


def test_no_separator_gives_only_lowercase_letters_and_digits():
    name = short_name(deployment("St. Helens (Metropolitan) Borough"), 22, sep="")
    assert re.fullmatch(r"[a-z0-9]+", name) and len(name) <= 22


def test_a_cut_never_leaves_a_separator_before_the_hash():
    # At 16 the head "abcdefg-council-nextcloud" is cut to "abcdefg-", which would give "abcdefg--t…".
    name = short_name(deployment("Abcdefg Council"), 16)
    assert re.fullmatch(r"abcdefg-t[0-9a-f]{6}", name), name


def test_the_name_is_the_same_every_time():
    assert short_name(deployment("Borsetshire"), 29) == short_name(deployment("Borsetshire"), 29)


@settings(max_examples=200, deadline=None)
@given(council=councils, tier=st.sampled_from(sorted(BASE)), limit=st.sampled_from(LIMITS), sep=st.sampled_from(["-", ""]))
def test_any_council_fits_the_limit_and_ends_with_tier_and_hash(council, tier, limit, sep):
    name = short_name(deployment(council, tier), limit, sep=sep)
    assert len(name) <= limit
    assert TAIL.search(name), name
    assert "--" not in name and not name.startswith("-")


@settings(max_examples=200, deadline=None)
@given(prefix=st.text("abcdefghijklmnopqrstuvwxyz", min_size=40, max_size=60),
       a=st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10),
       b=st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10))
def test_two_long_councils_sharing_a_long_prefix_get_different_names(prefix, a, b):
    first, second = deployment(f"X{prefix}{a}"), deployment(f"X{prefix}{b}")
    if first.council_slug == second.council_slug:
        return
    for limit, sep in ((22, ""), (29, "-"), (32, "-")):
        one, other = short_name(first, limit, sep=sep), short_name(second, limit, sep=sep)
        assert one[: -7] == other[: -7]  # the readable part alone could not tell them apart
        assert one != other


@pytest.mark.parametrize("limit", LIMITS)
def test_the_hash_tail_is_never_cut_at_the_limits_used(limit):
    d = deployment("A" * 79 + "Z")
    name = short_name(d, limit)
    assert TAIL.search(name) and len(name) == min(limit, len(short_name(d, 1000)))
