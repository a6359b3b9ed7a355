"""Bond members with their own addresses, DHCP, VIP, routes or MTU.

Talos refuses addresses and DHCP on named bond members; with selectors nothing checks it, and the
kernel sets every member's MTU to the bond's, so a separate member MTU fights the bond. Configure
addressing and MTU on the bond (or its VLANs) only.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
          - interface: eth0
            dhcp: true
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            dhcp: true
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB004"
NAME = "member-addressing"
LEVEL = "error"
_LEGACY_KEYS = ("addresses", "cidr", "dhcp", "vip", "routes", "mtu")
_DOC_KINDS = ("LinkConfig", "DHCPv4Config", "DHCPv6Config")


def _members(ctx: LintContext) -> dict[str, str]:
    """Member name (and alias) -> bond name, from names in the file and, with links, from simulation."""
    out: dict[str, str] = {}
    for bond in ctx.view.legacy_bonds:
        out.update({name: bond.name for name in bond.interfaces})
    for mbond in ctx.view.bonds:
        out.update({name: mbond.name for name in mbond.links})
    for node in ctx.nodes:
        for proof in ctx.proofs(node):
            out.update({name: proof.bond for name in proof.before.members})
    return out


def check(ctx: LintContext) -> Iterator[Problem]:
    members = _members(ctx)
    for path, device in ctx.view.legacy_devices:
        name = device.get("interface")
        if isinstance(name, str) and name in members:
            keys = [k for k in _LEGACY_KEYS if device.get(k)]
            if keys:
                yield ctx.problem(f"{name} is a member of {members[name]} but has its own "
                                  f"{', '.join(keys)}; configure them on {members[name]}", path=path)
    for path, doc in ctx.view.kinds:
        if doc.get("kind") in _DOC_KINDS and doc.get("name") in members:
            name = doc.get("name")
            yield ctx.problem(f"{doc.get('kind')} configures {name}, a member of {members[str(name)]}; "
                              f"configure the bond instead", path=path)
