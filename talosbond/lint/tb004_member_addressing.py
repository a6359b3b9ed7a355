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
from typing import Any

from talosbond.lint import LintContext
from talosbond.lint._util import legacy_doc, path_steps
from talosbond.model import Edit, Fix, Problem

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


FIXABLE = True
_MOVED = ("addresses", "cidr", "dhcp", "routes", "vip")


def _legacy_fix(ctx: LintContext, path: str, device: dict[str, Any], bond: str, keys: list[str]) -> Fix | None:
    """Move the member's addressing to the bond entry where the bond has none of its own; drop the rest."""
    target = next((b for b in ctx.view.legacy_bonds if b.name == bond), None)
    if target is None:
        return None
    doc = legacy_doc(ctx.view)
    steps, bond_steps = path_steps(path), path_steps(target.path)
    edits: list[Edit] = []
    moved: list[str] = []
    for key in keys:
        if key in _MOVED and not target.device.get(key):
            edits.append(Edit((*bond_steps, key), "set", device[key], doc))
            moved.append(key)
    edits += [Edit((*steps, key), "delete", None, doc) for key in keys]
    what = f"move {', '.join(moved)} to {bond}" if moved else ""
    dropped = [k for k in keys if k not in moved]
    return Fix("; ".join(x for x in (what, f"remove {', '.join(dropped)} from the member" if dropped else "") if x),
               tuple(edits))


def check(ctx: LintContext) -> Iterator[Problem]:
    members = _members(ctx)
    for path, device in ctx.view.legacy_devices:
        name = device.get("interface")
        if isinstance(name, str) and name in members:
            keys = [k for k in _LEGACY_KEYS if device.get(k)]
            if keys:
                yield ctx.problem(f"{name} is a member of {members[name]} but has its own "
                                  f"{', '.join(keys)}; configure them on {members[name]}", path=path,
                                  fix=_legacy_fix(ctx, path, device, members[name], keys))
    for path, doc in ctx.view.kinds:
        if doc.get("kind") in _DOC_KINDS and doc.get("name") in members:
            name = doc.get("name")
            at = next(i for i, d in enumerate(ctx.view.documents) if d is doc)
            fix = Fix(f"remove the {doc.get('kind')} document for {name}", (Edit((), "delete", None, at),))
            yield ctx.problem(f"{doc.get('kind')} configures {name}, a member of {members[str(name)]}; "
                              f"configure the bond instead", path=path, fix=fix)
