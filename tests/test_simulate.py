"""Talos's matching, before and after a bond forms: the seed pitfall and the selector semantics."""

from __future__ import annotations

from dataclasses import replace

from nodes import nic, seed_node

from talosbond.config import read_config
from talosbond.model import Link, Selector
from talosbond.simulate import legacy_selector_matches, legacy_vlan_name, predict_after, prove

SEED = """\
machine:
    network:
        interfaces:
            - interface: bond0
              bond:
                  mode: active-backup
                  deviceSelectors:
                      - hardwareAddr: "10:e7:c6:16:*"
              vlans:
                  - vlanId: 87
                    addresses: [10.13.87.19/24]
"""


def test_seed_selector_catches_the_vlan_once_the_bond_forms() -> None:
    proof, = prove(read_config(SEED, "seed.yaml"), seed_node(), (1, 11))
    assert set(proof.before.members) == {"enp0s31f6", "enp1s0"}
    assert "bond0.87" in proof.after.members  # the EBUSY pitfall
    assert any("bond0.87" in p for p in proof.problems())


def test_adding_the_driver_fixes_it() -> None:
    fixed = SEED.replace('- hardwareAddr: "10:e7:c6:16:*"', '- hardwareAddr: "10:e7:c6:16:*"\n                        driver: e1000e')
    proof, = prove(read_config(fixed, "fixed.yaml"), seed_node(), (1, 11), {"bond0": ("enp0s31f6", "enp1s0")})
    assert proof.ok, proof.problems()
    assert proof.after.members == ("enp0s31f6", "enp1s0")


def test_after_state_shape() -> None:
    after = {x.name: x for x in predict_after(seed_node(), "bond0", ["enp1s0", "enp0s31f6"], [("bond0.87", 87)])}
    assert after["enp0s31f6"].hardware_addr == "10:e7:c6:16:8f:33"  # the first member's MAC
    assert after["enp0s31f6"].permanent_addr == "10:e7:c6:16:2a:01"
    assert after["bond0"].kind == "bond" and after["bond0"].driver == "bonding"
    assert after["bond0"].hardware_addr == "10:e7:c6:16:8f:33"
    vlan = after["bond0.87"]
    assert vlan.kind == "vlan" and vlan.permanent_addr == "" and vlan.link_index == after["bond0"].index
    assert after["enp1s0"].master_index == after["bond0"].index and after["enp1s0"].is_bond_member


def test_selector_fields_are_anded_and_empty_matches_nothing() -> None:
    card = nic("enp1s0", "10:e7:c6:16:8f:33")
    assert legacy_selector_matches(Selector(driver="e1000e", hardware_addr="10:e7:*"), card)
    assert not legacy_selector_matches(Selector(driver="igb", hardware_addr="10:e7:*"), card)
    assert not legacy_selector_matches(Selector(), card)


def test_physical_false_selects_virtual_links_only() -> None:
    bond = Link(name="bond0", type="ether", kind="bond", driver="bonding")
    assert legacy_selector_matches(Selector(physical=False), bond)
    assert not legacy_selector_matches(Selector(physical=False), nic("enp1s0", "10:e7:c6:16:8f:33"))
    assert legacy_selector_matches(Selector(physical=True), nic("enp1s0", "10:e7:c6:16:8f:33"))


def test_permanent_addr_star_matches_virtual_links() -> None:
    vlan = Link(name="bond0.87", type="ether", kind="vlan", hardware_addr="10:e7:c6:16:2a:01")
    assert legacy_selector_matches(Selector(permanent_addr="*"), vlan)
    assert not legacy_selector_matches(Selector(permanent_addr="10:*"), vlan)


def test_legacy_vlan_names() -> None:
    assert legacy_vlan_name("bond0", 87, (1, 11)) == "bond0.87"
    long = legacy_vlan_name("enp0s20f0u1u2", 1087, (1, 11))
    assert long.startswith("enp0") and long.endswith(".1087") and len(long) <= 15
    assert legacy_vlan_name("enp0s20f0u1u2", 1087, (1, 5)) == "enp0s20f0u1u2.1087"


ALIASES = """\
apiVersion: v1alpha1
kind: LinkAliasConfig
name: uplink
selector:
    match: link.driver == "e1000e"
---
apiVersion: v1alpha1
kind: BondConfig
name: bond0
links: [uplink, enp1s0]
bondMode: active-backup
"""


def test_fixed_alias_matching_two_cards_is_skipped() -> None:
    proof, = prove(read_config(ALIASES, "a.yaml"), seed_node("v1.12.1"), (1, 12))
    assert proof.before.members == ("enp1s0",)  # `uplink` resolved to nothing: Talos skipped the alias
    assert "Talos skips" in proof.before.columns[0].note


def test_pattern_alias_numbers_cards_by_permanent_mac() -> None:
    text = ALIASES.replace("name: uplink", "name: net%d").replace("links: [uplink, enp1s0]", "links: [net0, net1]")
    node = seed_node("v1.13.2")
    node = replace(node, links=tuple(reversed(node.links)))
    proof, = prove(read_config(text, "p.yaml"), node, (1, 13))
    assert proof.before.aliases == {"enp0s31f6": "net0", "enp1s0": "net1"}
    assert proof.before.members == ("enp0s31f6", "enp1s0")


def test_alias_on_current_mac_breaks_after_bonding() -> None:
    text = """\
apiVersion: v1alpha1
kind: LinkAliasConfig
name: m0
selector:
    match: mac(link.hardware_addr) == "10:e7:c6:16:2a:01"
---
apiVersion: v1alpha1
kind: LinkAliasConfig
name: m1
selector:
    match: mac(link.hardware_addr) == "10:e7:c6:16:8f:33"
---
apiVersion: v1alpha1
kind: BondConfig
name: bond0
links: [m0, m1]
bondMode: active-backup
"""
    proof, = prove(read_config(text, "h.yaml"), seed_node("v1.12.1"), (1, 12), {"bond0": ("enp0s31f6", "enp1s0")})
    assert set(proof.before.members) == {"enp0s31f6", "enp1s0"}
    assert not proof.ok and set(proof.after.members) != {"enp0s31f6", "enp1s0"}
