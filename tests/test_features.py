"""The one table of what each Talos release can do, and the one parser of Talos version text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from talosbond import features
from talosbond.errors import ParseError
from talosbond.features import has
from talosbond.model import TalosVersion
from talosbond.parsing.version import parse_tag, parse_version_text

FACTS = Path(__file__).resolve().parents[2] / "shared" / "talos" / "network-facts.md"


@pytest.mark.parametrize(("feature", "before", "since"), [
    (features.BOND_SELECTORS, (1, 3), (1, 4)),
    (features.SHORT_VLAN_NAMES, (1, 5), (1, 6)),
    (features.PHYSICAL_SELECTOR, (1, 6), (1, 7)),
    (features.PATCH_DELETE, (1, 7), (1, 8)),
    (features.PERMANENT_ADDR_SELECTOR, (1, 8), (1, 9)),
    (features.MULTIDOC_NETWORK, (1, 11), (1, 12)),
    (features.LINK_CONFIG_UP, (1, 11), (1, 12)),
    (features.ALIAS_PATTERNS, (1, 12), (1, 13)),
    (features.DHCP_IGNORE_ROUTES, (1, 13), (1, 14)),
])
def test_minor_release_features(feature: features.Feature, before: tuple[int, int], since: tuple[int, int]) -> None:
    assert not has(feature, before)
    assert has(feature, since)
    assert has(feature, (since[0], since[1] + 1))
    assert feature.since_text() == f"{since[0]}.{since[1]}"


def test_the_13519_fix_needs_the_patch_level() -> None:
    fix = features.ALIAS_ON_ENSLAVED
    assert not has(fix, parse_tag("v1.13.4"))
    assert has(fix, parse_tag("v1.13.5"))
    assert not has(fix, (1, 13))  # a target named 1.13 may be 1.13.0
    assert not has(fix, parse_tag("1.13"))
    assert has(fix, (1, 14)) and has(fix, parse_tag("v1.14.0"))
    assert fix.since_text() == "1.13.5"


def test_unreleased_feature_is_in_no_release() -> None:
    assert not has(features.MULTIDOC_BOND_PRIMARY, (99, 0))
    assert features.MULTIDOC_BOND_PRIMARY.since_text() == "no release"


def test_derived_choices() -> None:
    assert features.default_format((1, 11)) == "v1alpha1" and features.default_format((1, 12)) == "multidoc"
    assert features.release_or_newest(None) == features.NEWEST
    assert features.release_or_newest(parse_tag("v1.9.2")) == (1, 9)
    assert features.legacy_mac_key((1, 8)) == "hardware_addr"
    assert features.legacy_mac_key(parse_tag("v1.9.0")) == "permanent_addr"
    assert features.release_text((1, 11)) == "1.11" and features.release_text(parse_tag("v1.11.3")) == "v1.11.3"
    assert max(f.since[:2] for f in features.FEATURES if f.since is not None) == features.NEWEST


def test_table_matches_the_talos_timeline() -> None:
    """Each feature's first release is the one the facts' timeline gives for the same Talos commit."""
    if not FACTS.is_file():
        pytest.skip("../shared/talos/network-facts.md is not here")
    rows = [line for line in FACTS.read_text().splitlines() if line.startswith("|")]
    checked = 0
    for feature in features.FEATURES:
        if feature.since is None:
            continue
        commit = feature.evidence.split(",")[0].split(" ")[0]
        row = next((r for r in rows if commit in r), None)
        assert row is not None, f"{feature.name}: commit {commit} not in the timeline"
        first = re.search(r"v(\d+)\.(\d+)\.(\d+)", row)
        assert first is not None
        assert tuple(int(g) for g in first.groups()) == feature.since, feature.name
        checked += 1
    assert checked == len([f for f in features.FEATURES if f.since is not None])


@pytest.mark.parametrize(("text", "want"), [
    ("v1.11.3", (1, 11, 3)),
    ("1.12", (1, 12, None)),
    ("v1.14.0-rc.1", (1, 14, 0)),
    (" v1.13.5\n", (1, 13, 5)),
])
def test_tags(text: str, want: tuple[int, int, int | None]) -> None:
    version = parse_tag(text)
    assert (version.major, version.minor, version.patch) == want
    assert version.minor_tuple == want[:2]
    assert str(version) == text.strip()


def test_versions_order_and_compare_by_number() -> None:
    assert parse_tag("v1.9.0") < parse_tag("v1.10.0") < parse_tag("v1.10.1")
    assert parse_tag("v1.11.3") == TalosVersion(1, 11, 3)


@pytest.mark.parametrize("text", ["", "latest", "1", "v1.x", "1.11.3.4.5 extra"])
def test_bad_tags_are_parse_errors(text: str) -> None:
    with pytest.raises(ParseError, match="expected a Talos tag"):
        parse_tag(text, "version.txt")


def test_talosctl_version_output() -> None:
    output = ("Client:\n\tTag:         v1.12.0\n\tSHA:         abc\nServer:\n\tNODE:        10.0.0.5\n"
              "\tTag:         v1.11.3\n\tSHA:         def\n")
    assert parse_version_text(output, "talosctl version") == TalosVersion(1, 11, 3)
    with pytest.raises(ParseError, match="Server"):
        parse_version_text("Client:\n\tTag:         v1.12.0\n", "talosctl version")
    with pytest.raises(ParseError, match="talosctl version:6"):
        parse_version_text(output.replace("v1.11.3", "nightly"), "talosctl version")
