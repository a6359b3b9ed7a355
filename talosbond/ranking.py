"""Which cards are cabled and busy, which one carries the node's management traffic, which can bond."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from talosbond.model import Link, Node


@dataclass(frozen=True)
class RankedLink:
    """A link with what ranking learnt about it. `rank` is None for virtual links."""

    link: Link
    rank: int | None
    rx_bytes: int | None
    tx_bytes: int | None
    role: str  # management | bonded | candidate | no-carrier | virtual

    @property
    def traffic(self) -> int:
        return (self.rx_bytes or 0) + (self.tx_bytes or 0)


@dataclass(frozen=True)
class Ranking:
    """A node's links, physical ones first in rank order, and the cards that can bond together."""

    node: Node
    links: tuple[RankedLink, ...]
    management: tuple[str, ...]  # physical links carrying management traffic
    management_reason: str
    groups: tuple[tuple[str, ...], ...]  # bondable: same driver and speed, carrier up; best first

    def ranked(self, name: str) -> RankedLink | None:
        for ranked in self.links:
            if ranked.link.name == name:
                return ranked
        return None

    @property
    def physical(self) -> tuple[RankedLink, ...]:
        return tuple(r for r in self.links if r.rank is not None)


def _lower_physical(node: Node, name: str) -> tuple[str, ...]:
    """The physical links under a link: itself, a VLAN's parent, a bond's members, recursively."""
    by_name = {link.name: link for link in node.links}
    by_index = {link.index: link for link in node.links if link.index}
    seen: set[str] = set()
    out: list[str] = []

    def walk(link: Link) -> None:
        if link.name in seen:
            return
        seen.add(link.name)
        if link.physical:
            out.append(link.name)
            return
        if link.kind == "vlan" and link.link_index in by_index:
            walk(by_index[link.link_index])
        if link.kind == "bond":
            for member in node.links:
                if member.master_index == link.index and link.index:
                    walk(member)

    if name in by_name:
        walk(by_name[name])
    return tuple(sorted(out))


def _node_ip(node: Node) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(node.name)
    except ValueError:
        return None


def _is_address(cidr: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address, spelled: str) -> bool:
    """Whether `cidr` (an address with its prefix) is the address `ip`, spelled `spelled`. An IPv4 address
    has one spelling, so text compares; IPv6 ones are parsed (`fd00::0001` is `fd00::1`)."""
    host = cidr.partition("/")[0]
    if ip.version == 4:
        return host == spelled
    try:
        return ipaddress.ip_address(host) == ip
    except ValueError:
        return False


def find_management(node: Node, traffic: dict[str, int]) -> tuple[tuple[str, ...], str]:
    """The physical links behind the node's address, else its default route, else the busiest with carrier."""
    node_ip = _node_ip(node)
    if node_ip is not None:
        spelled = str(node_ip)
        for addr in node.addresses:
            if _is_address(addr.address, node_ip, spelled):
                lower = _lower_physical(node, addr.link)
                if lower:
                    on = f" (on {addr.link})" if addr.link not in lower else ""  # e.g. on the bond above it
                    return lower, f"holds the node address {addr.address}{on}"
    for route in node.routes:
        if route.destination in ("", "0.0.0.0/0", "::/0") and route.link:
            lower = _lower_physical(node, route.link)
            if lower:
                via = f" via {route.gateway}" if route.gateway else ""
                on = f" (on {route.link})" if route.link not in lower else ""
                return lower, f"carries the default route{via}{on}"
    up = [link for link in node.physical_links if link.link_state]
    if up:
        busiest = max(up, key=lambda link: (traffic.get(link.name, 0), link.name))
        if traffic.get(busiest.name, 0) > 0 or len(up) == 1:
            return (busiest.name,), "busiest link with carrier (no address or route data)"
    return (), "unknown (no address, route or traffic data)"


def _sort_key(link: Link, traffic: dict[str, int]) -> tuple[int, int, int, str, str]:
    carrier = 0 if link.link_state else 1
    return (-traffic.get(link.name, 0), carrier, -(link.speed_mbit or 0), link.identity_mac, link.name)


def rank_node(node: Node) -> Ranking:
    """Rank the physical links of a node by traffic, carrier, speed and MAC; mark management and groups."""
    traffic = {name: c.total_bytes for name, c in node.counters.items()}
    management, reason = find_management(node, traffic)
    physical = sorted(node.physical_links, key=lambda link: _sort_key(link, traffic))
    ranked: list[RankedLink] = []
    for position, link in enumerate(physical, 1):
        counters = node.counters.get(link.name)
        if link.name in management:
            role = "management"
        elif link.is_bond_member:
            role = "bonded"
        elif link.link_state:
            role = "candidate"
        else:
            role = "no-carrier"
        ranked.append(RankedLink(
            link, position, counters.rx_bytes if counters else None, counters.tx_bytes if counters else None, role
        ))
    for link in sorted((x for x in node.links if not x.physical), key=lambda x: x.name):
        counters = node.counters.get(link.name)
        ranked.append(RankedLink(
            link, None, counters.rx_bytes if counters else None, counters.tx_bytes if counters else None, "virtual"
        ))
    return Ranking(node, tuple(ranked), management, reason, _groups(physical, traffic))


def _groups(physical: list[Link], traffic: dict[str, int]) -> tuple[tuple[str, ...], ...]:
    buckets: dict[tuple[str, int | None], list[Link]] = {}
    for link in physical:
        if link.link_state and link.driver:
            buckets.setdefault((link.driver, link.speed_mbit), []).append(link)
    groups = [members for members in buckets.values() if len(members) >= 2]
    groups.sort(key=lambda g: (-(g[0].speed_mbit or 0), -sum(traffic.get(x.name, 0) for x in g), g[0].name))
    return tuple(tuple(link.name for link in g) for g in groups)
