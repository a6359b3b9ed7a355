"""The v1alpha1 strategic-merge patch: `machine.network.interfaces[]` with a selector-based bond."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from talosbond.model import Selector
from talosbond.plan import BondPlan, RoutePlan


def _routes(routes: Sequence[RoutePlan]) -> list[dict[str, Any]]:
    return [route.entry("network") for route in routes]


def legacy_documents(plan: BondPlan, selectors: Sequence[Selector]) -> list[dict[str, Any]]:
    """One document; merged by Talos into the interface entry whose `interface` is the bond's name."""
    bond: dict[str, Any] = {"deviceSelectors": [s.as_yaml_dict() for s in selectors], "mode": plan.mode}
    bond.update(plan.legacy_options())
    device: dict[str, Any] = {"interface": plan.bond}
    if plan.addresses:
        device["addresses"] = list(plan.addresses)
    routes = [{"network": "0.0.0.0/0" if ":" not in plan.gateway else "::/0", "gateway": plan.gateway}] \
        if plan.gateway else []
    routes.extend(_routes([r for r in plan.routes if r.vid is None]))
    if routes:
        device["routes"] = routes
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
            vlan_routes = _routes([r for r in plan.routes if r.vid == vlan.vid])
            if vlan_routes:
                entry["routes"] = vlan_routes
            vlans.append(entry)
        device["vlans"] = vlans
    return [{"machine": {"network": {"interfaces": [device]}}}]
