"""The node's address carried over to a bond that takes the card holding it.

Once a card is enslaved it keeps no address: whatever reached the node through it must reach it
through the bond. Without `--dhcp` or `--address`, the bond gets what the node has now: DHCP stays
DHCP; static addresses and the default route move from the card to the bond. What the node has is
read from its current config (a legacy `interfaces[]` entry or multi-document `LinkConfig` /
`DHCPv4Config` for the card) and, where the config does not say, from its addresses and routes: a
default route Talos learnt by DHCP has protocol `boot`, one from the config `static`. With `--address`
and no `--gateway`, the default route that left through an enslaved card is kept. When none of this
tells, the patch is refused (TB013) rather than leaving the node unreachable.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from talosbond.errors import UsageError
from talosbond.model import Node, Problem
from talosbond.plan import BondPlan
from talosbond.ranking import rank_node

FLAGS_HINT = "pass --dhcp, or --address CIDR (and --gateway IP) for the bond"
_DEFAULT = ("", "0.0.0.0/0", "::/0")


class AddressingRefused(UsageError):
    """The bond takes the node's management card and what it should carry cannot be told."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(problems[0].message, FLAGS_HINT)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Found:
    """What one card (or the bond being replaced) gives the node: DHCP, or static addresses and a gateway."""

    dhcp: bool
    addresses: tuple[str, ...] = ()
    gateway: str | None = None
    source: str = ""


def _config_docs(node: Node) -> list[Any]:
    return [d for d in node.config.documents if isinstance(d, dict)] if node.config is not None else []


def _default_gateway(routes: Any) -> str | None:
    for route in routes or []:
        if isinstance(route, dict) and str(route.get("network") or route.get("destination") or "") in _DEFAULT:
            gateway = route.get("gateway")
            if gateway:
                return str(gateway)
    return None


def from_config(docs: Sequence[dict[str, Any]], name: str) -> Found | None:
    """The addressing a config gives link `name` (legacy entry, LinkConfig/BondConfig, DHCPv4Config)."""
    from talosbond.replace import legacy_interfaces

    for item in legacy_interfaces(docs):
        if item.get("interface") != name:
            continue
        addresses = tuple(str(a) for a in [*(item.get("addresses") or []), *([item["cidr"]] if item.get("cidr")
                                                                                else [])])
        if item.get("dhcp") or addresses:
            return Found(bool(item.get("dhcp")), addresses, _default_gateway(item.get("routes")),
                         f"its config entry `interface: {name}`")
    dhcp = any(d.get("kind") in ("DHCPv4Config", "DHCPv6Config") and d.get("name") == name for d in docs)
    for doc in docs:
        if doc.get("kind") in ("LinkConfig", "BondConfig") and doc.get("name") == name:
            addresses = tuple(str(a.get("address")) for a in doc.get("addresses") or [] if isinstance(a, dict))
            if addresses or dhcp:
                return Found(dhcp, addresses, _default_gateway(doc.get("routes")), f"its {doc['kind']} {name}")
    return Found(True, source=f"its DHCPv4Config {name}") if dhcp else None


def _global(address: str) -> bool:
    try:
        iface = ipaddress.ip_interface(address)
    except ValueError:
        return False
    return not (iface.ip.is_link_local or iface.ip.is_loopback or str(iface.ip).startswith("169.254."))


def from_status(node: Node, name: str) -> Found | str:
    """What the node's addresses and routes say about link `name`; a reason string when they cannot tell."""
    addresses = tuple(a.address for a in node.addresses if a.link == name and _global(a.address))
    default = next((r for r in node.routes if r.link == name and r.destination in _DEFAULT), None)
    if default is not None and default.protocol in ("boot", "dhcp"):
        return Found(True, source=f"{name}'s default route was learnt by DHCP")
    if default is not None and default.protocol == "static" and addresses:
        return Found(False, addresses, default.gateway or None, f"{name}'s static address and default route")
    if not addresses and not node.routes:
        return f"{name} carries the node's traffic, but the capture has no addresses or routes to tell how it is " \
               "addressed"
    if not addresses:
        return f"{name} holds no address the bond could take over"
    return f"{name} holds {', '.join(addresses)}, but its default route does not say whether it came from DHCP"


def _for_node(plan: BondPlan, node: Node) -> Found | str | None:
    """The bond being replaced keeps what it has; a card it takes gives up what it has."""
    members = set(plan.members.get(node.name, ()))
    docs = _config_docs(node)
    managed = [m for m in rank_node(node).management if m in members]
    for name in (plan.bond, *managed):
        found = from_config(docs, name)
        if found is not None:
            return found
    on_bond = [a for a in node.addresses if a.link == plan.bond and _global(a.address)]
    if on_bond:
        return from_status(node, plan.bond)
    return from_status(node, managed[0]) if managed else None


def carry_vlans(plan: BondPlan, nodes: Sequence[Node]) -> BondPlan:
    """VLANs the replaced bond has and the plan does not name are kept, with their addresses."""
    from talosbond.plan import VlanPlan
    from talosbond.replace import legacy_interfaces

    named = {v.vid for v in plan.vlans}
    kept: dict[int, VlanPlan] = {}
    for node in nodes:
        docs = _config_docs(node)
        for item in legacy_interfaces(docs):
            if item.get("interface") != plan.bond:
                continue
            for vlan in item.get("vlans") or []:
                vid = vlan.get("vlanId") if isinstance(vlan, dict) else None
                if isinstance(vid, int) and vid not in named:
                    found = VlanPlan(vid, tuple(str(a) for a in vlan.get("addresses") or []),
                                     vlan.get("mtu") or plan.mtu, bool(vlan.get("dhcp")))
                    if kept.setdefault(vid, found) != found:
                        raise AddressingRefused([Problem("TB013", "error", f"VLAN {vid} on {plan.bond} differs "
                                                         "between nodes: run talosbond per node", node=node.name)])
        for doc in docs:
            vid = doc.get("vlanID")
            if doc.get("kind") == "VLANConfig" and doc.get("parent") == plan.bond and isinstance(vid, int):
                named.add(vid)  # a VLANConfig the patch does not touch stays as it is
    if not kept:
        return plan
    listing = ", ".join(str(v) for v in sorted(kept))
    return replace(plan, vlans=(*plan.vlans, *(kept[v] for v in sorted(kept))),
                   notes=(*plan.notes, f"kept VLAN(s) {listing} that {plan.bond} has now (with their addresses)"))


def _kept_gateway(plan: BondPlan, nodes: Sequence[Node]) -> tuple[str | None, list[str]]:
    """--address without --gateway: the default route that left through a card the bond takes."""
    gateways = set()
    for node in nodes:
        through = {*plan.members.get(node.name, ()), plan.bond}
        for route in node.routes:
            if route.link in through and route.destination in _DEFAULT and route.gateway:
                gateways.add(route.gateway)
        for name in through:
            found = from_config(_config_docs(node), name)
            if found is not None and found.gateway:
                gateways.add(found.gateway)
    if len(gateways) == 1:
        gateway = gateways.pop()
        return gateway, [f"the default route via {gateway} left through a card the bond takes: kept on the bond "
                         "(--gateway to change it)"]
    return None, []


def _configured_management(plan: BondPlan, nodes: Sequence[Node]) -> BondPlan:
    """A management link the node's config already addresses keeps that: no DHCPv4Config is added for it."""
    configured = [name for name in plan.management_dhcp
                  if all(from_config(_config_docs(node), name) is not None for node in nodes)]
    if not configured:
        return plan
    notes = tuple(n for n in plan.notes if "keeps DHCP on the management link" not in n)
    return replace(plan, management_dhcp=tuple(n for n in plan.management_dhcp if n not in configured),
                   notes=(*notes, f"{', '.join(configured)} keeps the address the node's config gives it"))


def carry_addressing(plan: BondPlan, nodes: Sequence[Node]) -> BondPlan:
    """The plan with the addressing the bond must take over from its cards; raises `AddressingRefused`."""
    plan = _configured_management(plan, nodes)
    if plan.dhcp or plan.addresses:
        if plan.addresses and plan.gateway is None:
            gateway, notes = _kept_gateway(plan, nodes)
            if gateway is not None:
                return replace(plan, gateway=gateway, notes=(*plan.notes, *notes))
        return plan
    found: dict[str, Found] = {}
    refusals: list[Problem] = []
    for node in nodes:
        result = _for_node(plan, node)
        if isinstance(result, str):
            refusals.append(Problem("TB013", "error", f"{result}; the bond takes it, so the node would lose its "
                                    f"address ({FLAGS_HINT})", node=node.name))
        elif result is not None:
            found[node.name] = result
    if refusals:
        raise AddressingRefused(refusals)
    if not found:
        return plan
    statics = {n: f for n, f in found.items() if not f.dhcp}
    if statics and len(nodes) > 1:
        raise AddressingRefused([Problem(
            "TB013", "error", f"{', '.join(sorted(statics))}: the bond takes a card with a static address, which "
            "differs per node, so one patch cannot carry it: run talosbond per node, or pass --dhcp", node=n)
            for n in sorted(statics)])
    if len(found) < len(nodes):
        missing = sorted({n.name for n in nodes} - set(found))
        raise AddressingRefused([Problem("TB013", "error", "the bond takes the management card on some nodes only "
                                         f"(not on {', '.join(missing)}): run talosbond per group", node=missing[0])])
    first = next(iter(found.values()))
    sources = "; ".join(f"{n}: {f.source}" for n, f in found.items())
    # The plan's advice to pass --dhcp/--address is answered: the bond takes what the node has.
    kept = tuple(n for n in plan.notes if "give the bond --dhcp or --address" not in n)
    if first.dhcp and not statics:
        return replace(plan, dhcp=True, notes=(*kept, f"the bond keeps the node's DHCP ({sources})"))
    return replace(plan, addresses=first.addresses, gateway=plan.gateway or first.gateway,
                   notes=(*kept, f"the bond keeps the node's {', '.join(first.addresses)}"
                          + (f" and its default route via {first.gateway}" if first.gateway else "")
                          + f" ({sources})"))
