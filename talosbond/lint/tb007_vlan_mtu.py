"""A VLAN whose MTU is above its bond's, or a jumbo bond whose VLANs keep the default MTU.

A VLAN takes its parent's MTU only when it is created and can never exceed it; on Talos a VLAN on a
9000-byte bond stayed at 1500 (siderolabs/talos#3600). Give VLANs an explicit `mtu` no larger than the
bond's.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            mtu: 1500
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
            vlans: [{vlanId: 87, mtu: 9000}]
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            mtu: 9000
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
            vlans: [{vlanId: 87, mtu: 9000}]
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_int
from talosbond.model import Problem

CODE = "TB007"
NAME = "vlan-mtu"
LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    pairs: list[tuple[str, str, int | None, int | None]] = []  # path, vlan, vlan mtu, bond mtu
    for bond in ctx.view.legacy_bonds:
        bond_mtu = as_int(bond.device.get("mtu"))
        for i, vlan in enumerate(bond.device.get("vlans") or []):
            if isinstance(vlan, dict):
                pairs.append((f"{bond.path}.vlans[{i}]", f"{bond.name} VLAN {vlan.get('vlanId')}",
                              as_int(vlan.get("mtu")), bond_mtu))
    bond_mtus = {b.name: as_int(b.doc.get("mtu")) for b in ctx.view.bonds}
    for path, doc in ctx.view.of_kind("VLANConfig"):
        parent = doc.get("parent")
        if parent in bond_mtus:
            pairs.append((path, str(doc.get("name")), as_int(doc.get("mtu")), bond_mtus[parent]))
    for path, label, vlan_mtu, bond_mtu in pairs:
        effective = bond_mtu or 1500
        if vlan_mtu is not None and vlan_mtu > effective:
            yield ctx.problem(f"{label}: MTU {vlan_mtu} is above the bond's {effective}; the kernel "
                              "refuses it", path=path)
        elif vlan_mtu is None and effective > 1500:
            yield ctx.problem(f"{label} has no mtu: it stays at 1500 on a {effective}-byte bond; "
                              f"set mtu: {effective}", path=path, level="warning")
