"""An address or route Talos's validation (or its decoder) refuses.

Legacy `addresses`, `cidr` and VLAN addresses must be an IP or an IP with a prefix length; routes need a
`network` in CIDR form and/or a `gateway`, and `gateway`/`source` must be IPs; a VIP must be an IP. In
multi-document configs (`BondConfig`, `VLANConfig`, `LinkConfig`) every address must carry its prefix
length (`10.0.0.5/24`) and may not be the unspecified address, and route destinations must be prefixes.
Talos refuses the whole config, so none of it, the bond included, is applied. A VLAN address without a prefix
Talos accepts, and never assigns (on the interface itself it becomes a host address: TB032).

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            addresses: [10.13.17.300/24]
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            addresses: [10.13.17.19/24]
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond.lint import LintContext
from talosbond.lint._util import LINK_KINDS, as_list, ip_or_cidr, legacy_links, plain_ip, prefix_problem
from talosbond.model import Problem

CODE = "TB019"
NAME = "address-invalid"
LEVEL = "error"

_REFUSED = "Talos refuses the whole config"


def _legacy_routes(ctx: LintContext, label: str, routes: Any, path: str) -> Iterator[Problem]:
    for i, route in enumerate(as_list(routes)):
        if not isinstance(route, dict):
            continue
        where = f"{path}.routes[{i}]"
        network, gateway = route.get("network"), route.get("gateway")
        if not network and not gateway:
            yield ctx.problem(f"{label}: route {i} has neither network nor gateway; {_REFUSED}", path=where)
        if network and (not ip_or_cidr(network) or "/" not in str(network)):
            yield ctx.problem(f"{label}: route network {network!r} is not a CIDR; {_REFUSED}", path=where)
        for key in ("gateway", "source"):
            if route.get(key) and not plain_ip(route[key]):
                yield ctx.problem(f"{label}: route {key} {route[key]!r} is not an IP address; {_REFUSED}",
                                  path=where)


def _legacy(ctx: LintContext, label: str, item: dict[str, Any], path: str, vlan: bool = False) -> Iterator[Problem]:
    for i, address in enumerate(as_list(item.get("addresses"))):
        if not ip_or_cidr(address):
            yield ctx.problem(f"{label}: address {address!r} is not an IP address or CIDR; {_REFUSED}",
                              path=f"{path}.addresses[{i}]")
        elif vlan and "/" not in str(address):  # Talos parses VLAN addresses as prefixes only, skips the rest
            yield ctx.problem(f"{label}: address {address!r} has no /prefix: Talos accepts the config but never "
                              "assigns it to the VLAN", path=f"{path}.addresses[{i}]")
    if item.get("cidr") and not ip_or_cidr(item["cidr"]):
        yield ctx.problem(f"{label}: cidr {item['cidr']!r} is not an IP address or CIDR; {_REFUSED}", path=path)
    vip = item.get("vip")
    if isinstance(vip, dict) and not plain_ip(vip.get("ip")):
        yield ctx.problem(f"{label}: VIP {vip.get('ip')!r} is not an IP address; {_REFUSED}", path=f"{path}.vip")
    yield from _legacy_routes(ctx, label, item.get("routes"), path)


def _multidoc(ctx: LintContext, label: str, doc: dict[str, Any], path: str) -> Iterator[Problem]:
    for i, entry in enumerate(as_list(doc.get("addresses"))):
        address = entry.get("address") if isinstance(entry, dict) else None
        if address is None:
            continue  # a plain string or a missing key is TB017's (the decoder's) finding
        why = prefix_problem(address)
        if why:
            yield ctx.problem(f"{label}: address {address!r} {why} (write it as IP/prefix, e.g. 10.0.0.5/24); "
                              f"{_REFUSED}", path=f"{path}.addresses[{i}]")
    for i, route in enumerate(as_list(doc.get("routes"))):
        if not isinstance(route, dict):
            continue
        destination = route.get("destination")
        if destination and prefix_problem(destination):
            yield ctx.problem(f"{label}: route destination {destination!r} {prefix_problem(destination)}; "
                              f"{_REFUSED}", path=f"{path}.routes[{i}]")
        for key in ("gateway", "source"):
            if route.get(key) and not plain_ip(route[key]):
                yield ctx.problem(f"{label}: route {key} {route[key]!r} is not an IP address; {_REFUSED}",
                                  path=f"{path}.routes[{i}]")


def check(ctx: LintContext) -> Iterator[Problem]:
    for label, item, path, vlan in legacy_links(ctx.view):
        yield from _legacy(ctx, label, item, path, vlan)
    for path, doc in ctx.view.kinds:
        if doc.get("kind") in LINK_KINDS:
            yield from _multidoc(ctx, f"{doc['kind']} {doc.get('name')}", doc, path)
