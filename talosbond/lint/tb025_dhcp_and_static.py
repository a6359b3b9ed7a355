"""DHCP together with static addresses on one link.

Talos accepts it and does both: the link gets the static addresses and whatever the DHCP server hands
out, so the node answers on two addresses, and the DHCP default route may compete with a static one.
Usually one of them is a leftover. Legacy: `dhcp: true` with `addresses` on an interface or a VLAN;
multi-document: a `DHCPv4Config`/`DHCPv6Config` for a link whose document also has `addresses`.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            dhcp: true
            addresses: [10.13.17.19/24]
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

from talosbond.lint import LintContext
from talosbond.lint._util import LINK_KINDS, as_list, legacy_links
from talosbond.model import Problem

CODE = "TB025"
NAME = "dhcp-and-static"
LEVEL = "warning"

_BOTH = "gets both the static addresses and a DHCP lease (two addresses, possibly two default routes)"


def check(ctx: LintContext) -> Iterator[Problem]:
    for label, item, path, _ in legacy_links(ctx.view):
        if item.get("dhcp") is True and (as_list(item.get("addresses")) or item.get("cidr")):
            yield ctx.problem(f"{label} {_BOTH}", path=path)
    static = {str(doc.get("name")): doc["kind"] for _, doc in ctx.view.kinds
              if doc.get("kind") in LINK_KINDS and as_list(doc.get("addresses"))}
    for kind in ("DHCPv4Config", "DHCPv6Config"):
        for path, doc in ctx.view.of_kind(kind):
            name = str(doc.get("name"))
            if name in static:
                yield ctx.problem(f"{name} {_BOTH}: {kind} and the {static[name]}'s addresses", path=path)
