"""A config that leaves the node's management link without an address: the node becomes unreachable.

Two ways to get there. Enslaving the card that holds the node's address moves its traffic to the bond,
which has no address unless the config gives it one (`dhcp: true`, `addresses`, or on a VLAN of it).
And any multi-document link or DHCP document (Talos 1.12+) turns off the DHCP Talos otherwise runs on
every physical link, so a patch that adds only a bond also strips an untouched management card. Add
DHCP (or static addresses) to the bond when the management card is a member, and a `DHCPv4Config` for
the management link otherwise.

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
    ---
    apiVersion: v1alpha1
    kind: DHCPv4Config
    name: bond0
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from talosbond.config import NETWORK_KINDS
from talosbond.lint import LintContext
from talosbond.model import Problem
from talosbond.ranking import rank_node

CODE = "TB013"
NAME = "management-unreachable"
LEVEL = "error"


def _addressed(ctx: LintContext) -> set[str]:
    names: set[str] = set()
    for _, doc in ctx.view.kinds:
        kind = doc.get("kind")
        if kind in ("DHCPv4Config", "DHCPv6Config") or (kind in NETWORK_KINDS and doc.get("addresses")):
            names.add(str(doc.get("name")))
    return names


def _legacy_keeps_node(ctx: LintContext, bond_name: str, node_name: str) -> bool:
    """Whether the bond keeps the node reachable: DHCP on it, or the node's own address on it or a VLAN.

    When the node is known by a name rather than an address, any address or DHCP on the bond counts.
    """
    try:
        node_ip = ipaddress.ip_address(node_name)
    except ValueError:
        node_ip = None
    for bond in ctx.view.legacy_bonds:
        if bond.name != bond_name:
            continue
        holders = [bond.device, *(v for v in bond.device.get("vlans") or [] if isinstance(v, dict))]
        if bond.device.get("dhcp"):
            return True
        for holder in holders:
            addresses = [*(holder.get("addresses") or []), *([holder["cidr"]] if holder.get("cidr") else [])]
            if node_ip is None and (addresses or holder.get("dhcp")):
                return True
            for address in addresses:
                try:
                    if ipaddress.ip_interface(str(address)).ip == node_ip:
                        return True
                except ValueError:
                    continue
    return False


def _legacy(ctx: LintContext) -> Iterator[Problem]:
    for node in ctx.nodes:
        ranking = rank_node(node)
        for proof in ctx.proofs(node):
            if proof.bond not in {b.name for b in ctx.view.legacy_bonds}:
                continue
            enslaved = sorted(set(ranking.management) & set(proof.before.members))
            if enslaved and not _legacy_keeps_node(ctx, proof.bond, node.name):
                yield ctx.problem(
                    f"{', '.join(enslaved)} carries the node's management traffic ({ranking.management_reason}) and "
                    f"becomes a member of {proof.bond}, which does not get the node's address: give {proof.bond} "
                    "dhcp: true or the node's address (talosbond patch --dhcp / --address)", node=node.name,
                )


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from _legacy(ctx)
    if not ctx.view.has_multidoc_network:
        return
    addressed = _addressed(ctx)
    if not ctx.nodes:
        if not addressed:
            yield ctx.problem("multi-document network config switches off Talos's default DHCP, and "
                              "nothing here gives the node an address (no DHCPv4Config, DHCPv6Config or addresses)")
        return
    for node in ctx.nodes:
        ranking = rank_node(node)
        proofs = ctx.proofs(node)
        reachable = False
        for mgmt in ranking.management:
            carriers = {mgmt}
            carriers.update(p.bond for p in proofs if mgmt in p.before.members)
            for p in proofs:
                if p.bond in carriers:
                    carriers.update(str(d.get("name")) for _, d in ctx.view.of_kind("VLANConfig")
                                    if d.get("parent") == p.bond)
            carriers.update(alias for link, alias in (proofs[0].before.aliases.items() if proofs else ())
                            if link == mgmt)
            if carriers & addressed:
                reachable = True
        if ranking.management and not reachable:
            yield ctx.problem(f"the management link ({', '.join(ranking.management)}) gets no address: "
                              "multi-document network config switches off default DHCP; add a DHCPv4Config for it "
                              "(or for the bond when it is a member)", node=node.name)
