"""verify on bonds a real Linux 6.1 kernel built (fixtures/bondlab/, from ../shared/tools/bondlab): the
verdicts, and messages that say what the kernel state means (not what a guess about it would say)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import FIXTURES

from talosbond.parsing import build_node
from talosbond.parsing.bonding import parse_bonding
from talosbond.sources.capture import read_node_dir
from talosbond.verify import BondHealth, verify_node

BONDLAB = FIXTURES.parent / "bondlab"


def _verify(name: str, later: bool = True) -> BondHealth:
    node = build_node(read_node_dir(BONDLAB / name))
    verdict = verify_node(node if later else replace(node, bonds_later={}), ["bond0"])
    assert verdict.errors == ()
    (health,) = verdict.bonds
    return health


def _codes(health: BondHealth) -> list[str]:
    return [f"{p.code}:{p.level}:{p.member}" for p in health.problems]


def _text(health: BondHealth) -> str:
    return "\n".join(f"{p.message}\n{p.check}" for p in health.problems)


def test_downdelay_in_progress_the_dead_member_is_still_active() -> None:
    # eth1's carrier is gone, downdelay 60000 ms runs: the kernel keeps eth1 active; ping lost every packet.
    assert "100% packet loss" in (BONDLAB / "active-backup-downdelay-in-progress" / "ping.txt").read_text()
    health = _verify("active-backup-downdelay-in-progress")
    assert not health.healthy
    assert _codes(health) == ["TB102:error:eth1"]
    text = _text(health)
    assert "is going down" in text and "it is still the active member" in text
    assert "loses its traffic until the delay ends and eth2 takes over" in text
    assert "runs on eth2" not in text  # what TB102 used to claim
    assert "60000 ms of lost traffic on every failure is long" in text


def test_updelay_in_progress_the_returning_member_carries_nothing_yet() -> None:
    health = _verify("active-backup-updelay-in-progress")
    assert _codes(health) == ["TB102:error:eth1", "TB110:warning:eth1"]
    assert "carrier is back but the updelay (60000 ms) has not run out" in _text(health)
    assert "runs on eth2 alone" in _text(health)


@pytest.mark.parametrize("later", [False, True])
def test_both_lacp_ends_passive_negotiate_then_flap(later: bool) -> None:
    # First read: 62/62 (all but the activity bit), traffic flows; 30 s on the partner state is 142 (expired).
    health = _verify("8023ad-both-passive", later)
    assert not health.healthy
    assert _codes(health) == ["TB109:error:eth1", "TB109:error:eth2"]
    text = _text(health)
    assert "both ends are LACP passive: Linux still negotiates" in text and "the bond flaps" in text
    assert "neither starts LACP" not in text  # what TB109 used to claim
    assert "`adLACPActive: on`" in text
    if later:
        assert "partner 142" in text and "the partner information expired" in text
    else:
        assert "it carries traffic now, until the partner information expires" in text


def test_arp_target_unreachable_blames_the_target_not_the_cable() -> None:
    health = _verify("active-backup-arp-target-unreachable")
    assert not health.healthy
    assert _codes(health) == ["TB102:error:eth1", "TB110:error:eth1", "TB110:error:eth2"]
    text = _text(health)
    assert "rose from 11 to 29 between reads: the ARP monitor declared it down (no reply from 10.87.0.99)" in text
    assert "its carrier is up: the cable is fine, the ARP target does not answer" in text
    assert "that 10.87.0.99 answers ARP" in text
    assert "carrier dropped" not in text and "cable/optics" not in text


def test_a_flapping_bond_read_twice_is_unhealthy_and_read_once_is_not() -> None:
    once = _verify("active-backup-flapping", later=False)
    assert once.healthy and _codes(once) == ["TB110:warning:eth1"]
    twice = _verify("active-backup-flapping")
    assert not twice.healthy
    assert _codes(twice) == ["TB110:error:eth1"]
    assert "rose from 2 to 6 between reads" in _text(twice)


def test_min_links_not_met_takes_the_bond_down_with_a_member_up() -> None:
    assert "100% packet loss" in (BONDLAB / "8023ad-min-links-not-met" / "ping.txt").read_text()
    health = _verify("8023ad-min-links-not-met")
    assert _codes(health) == ["TB101:error:", "TB102:error:eth2", "TB110:warning:eth2"]
    assert "only 1 member(s) up, fewer than min_links 2, so the kernel drops the bond's carrier" in _text(health)


def test_lacp_split_over_two_switches_names_both_partners() -> None:
    health = _verify("8023ad-split-two-switches")
    assert _codes(health) == ["TB106:error:", "TB108:error:eth2", "TB109:error:eth2"]
    assert "different LACP partners (eth1: 02:5e:0a:00:00:01, eth2: 02:5e:0b:00:00:01)" in _text(health)


def test_every_bondlab_fixture_is_tested() -> None:
    tested = {"active-backup-downdelay-in-progress", "active-backup-updelay-in-progress", "8023ad-both-passive",
              "active-backup-arp-target-unreachable", "active-backup-flapping", "8023ad-min-links-not-met",
              "8023ad-split-two-switches"} | set(STOCK)
    assert {p.name for p in BONDLAB.iterdir() if p.is_dir()} == tested
    assert all(line in README for line in tested)


# bondlab's own scenarios, as kernel-truth checks of the verdicts the synthetic fixtures also test.
STOCK: dict[str, list[str]] = {
    "8023ad-healthy": [],
    "active-backup-arp-healthy": [],
    "active-backup-failed-over": ["TB102:error:eth1", "TB110:warning:eth1"],
    "8023ad-no-partner": ["TB105:error:", "TB106:error:", "TB108:error:eth1", "TB108:error:eth2", "TB109:error:eth1",
                          "TB109:error:eth2"],
}
README = (BONDLAB / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(STOCK))
def test_stock_scenarios(name: str) -> None:
    health = _verify(name)
    assert _codes(health) == STOCK[name]
    assert health.healthy is (not STOCK[name] or all(":error:" not in c for c in STOCK[name]))


def test_arp_monitoring_that_takes_every_member_down_points_at_the_target() -> None:
    raw = read_node_dir(BONDLAB / "active-backup-arp-target-unreachable")
    text = raw.bonding["bond0"].replace("Currently Active Slave: eth1", "Currently Active Slave: None")
    text = text.replace("MII Status: up", "MII Status: down")
    node = replace(build_node(raw), bonds={"bond0": parse_bonding(text, "bond0")}, bonds_later={}, log=None)
    (health,) = verify_node(node, ["bond0"]).bonds
    checks = {p.code: p.check for p in health.problems}
    assert checks["TB101"].startswith("that 10.87.0.99 answers ARP from the bond's network")
    assert checks["TB112"].startswith("that 10.87.0.99 answers ARP from the bond's network")
