"""The v1alpha1 strategic-merge patch: `machine.network.interfaces[]` with a selector-based bond."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from talosbond.model import Selector
from talosbond.plan import BondPlan


def legacy_documents(plan: BondPlan, selectors: Sequence[Selector]) -> list[dict[str, Any]]:
    """One document; merged by Talos into the interface entry whose `interface` is the bond's name."""
    bond: dict[str, Any] = {"deviceSelectors": [s.as_yaml_dict() for s in selectors], "mode": plan.mode}
    bond.update(plan.legacy_options())
    device: dict[str, Any] = {"interface": plan.bond}
    if plan.addresses:
        device["addresses"] = list(plan.addresses)
    if plan.gateway:
        device["routes"] = [{"network": "0.0.0.0/0" if ":" not in plan.gateway else "::/0", "gateway": plan.gateway}]
    device["bond"] = bond
    if plan.dhcp:
        device["dhcp"] = True
    if plan.mtu is not None:
        device["mtu"] = plan.mtu
    if plan.vlans:
        vlans = []
        for vlan in plan.vlans:
            entry: dict[str, Any] = {"vlanId": vlan.vid}
            if vlan.addresses:
                entry["addresses"] = list(vlan.addresses)
            if vlan.dhcp:
                entry["dhcp"] = True
            if vlan.mtu is not None:
                entry["mtu"] = vlan.mtu
            vlans.append(entry)
        device["vlans"] = vlans
    return [{"machine": {"network": {"interfaces": [device]}}}]
