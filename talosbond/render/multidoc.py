"""The multi-document network config (Talos 1.12+): LinkAliasConfig + BondConfig + VLANConfig + DHCPv4Config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from talosbond.plan import BondPlan, RoutePlan

_OPTION_KEYS = (("miimon", "miimon"), ("updelay", "updelay"), ("downdelay", "downdelay"),
                ("xmit_hash_policy", "xmitHashPolicy"), ("lacp_rate", "lacpRate"))


def _doc(kind: str, name: str) -> dict[str, Any]:
    return {"apiVersion": "v1alpha1", "kind": kind, "name": name}


def _addressing(
    doc: dict[str, Any], addresses: Sequence[str], gateway: str | None, mtu: int | None, routes: Sequence[RoutePlan]
) -> None:
    if mtu is not None:
        doc["mtu"] = mtu
    if addresses:
        doc["addresses"] = [{"address": a} for a in addresses]
    entries: list[dict[str, Any]] = [{"gateway": gateway}] if gateway else []
    entries.extend(route.entry("destination") for route in routes)
    if entries:
        doc["routes"] = entries


def multidoc_documents(
    plan: BondPlan, aliases: Sequence[tuple[str, str]], links: Sequence[str]
) -> list[dict[str, Any]]:
    """Documents in dependency order: aliases, the bond, its VLANs, then DHCP."""
    docs: list[dict[str, Any]] = []
    for name, expression in aliases:
        alias = _doc("LinkAliasConfig", name)
        alias["selector"] = {"match": expression}
        docs.append(alias)
    bond = _doc("BondConfig", plan.bond)
    bond["links"] = list(links)
    bond["bondMode"] = plan.mode
    for attr, key in _OPTION_KEYS:
        value = getattr(plan, attr)
        if value is not None:
            bond[key] = value
    bond.update(plan.options)
    _addressing(bond, plan.addresses, plan.gateway, plan.mtu, [r for r in plan.routes if r.vid is None])
    docs.append(bond)
    dhcp_links = [plan.bond] if plan.dhcp else []
    for vlan in plan.vlans:
        name = f"{plan.bond}.{vlan.vid}"
        doc = _doc("VLANConfig", name)
        doc["vlanID"] = vlan.vid
        doc["parent"] = plan.bond
        _addressing(doc, vlan.addresses, None, vlan.mtu, [r for r in plan.routes if r.vid == vlan.vid])
        docs.append(doc)
        if vlan.dhcp:
            dhcp_links.append(name)
    for name in [*dhcp_links, *plan.management_dhcp]:
        docs.append(_doc("DHCPv4Config", name))
    return docs
