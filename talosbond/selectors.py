"""Deriving member selectors that pick exactly the planned cards, on every node, before and after bonding.

Candidates are tried from the most specific and stable to the most general, and each is proven by the
simulation (`simulate.prove`) on every target node in both states; the first that holds is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from talosbond import features
from talosbond.cel import quote
from talosbond.errors import UsageError
from talosbond.features import Release
from talosbond.globs import common_prefix
from talosbond.model import Link, Node, Selector

if TYPE_CHECKING:  # the proof machinery is imported where a derivation runs: `discover` needs none of it
    from talosbond.config import ConfigView
    from talosbond.plan import BondPlan
    from talosbond.simulate import NodeProof


@dataclass(frozen=True)
class LegacyChoice:
    selectors: tuple[Selector, ...]
    strategy: str
    proofs: tuple[NodeProof, ...]


@dataclass(frozen=True)
class AliasChoice:
    aliases: tuple[tuple[str, str], ...]  # (alias name, CEL expression)
    links: tuple[str, ...]  # BondConfig.links, in bond order
    strategy: str
    proofs: tuple[NodeProof, ...]


def _member_links(plan: BondPlan, nodes: Sequence[Node]) -> list[list[Link]]:
    out = []
    for node in nodes:
        links = []
        for name in plan.members[node.name]:
            link = node.link(name)
            if link is None:
                raise UsageError(f"{node.name}: no link {name}")
            links.append(link)
        out.append(links)
    return out


def _uniform(values: Sequence[str]) -> str | None:
    return values[0] if values and all(v == values[0] for v in values) and values[0] else None


def _legacy_fields(version: Release) -> tuple[str, bool]:
    """Which MAC field and whether `physical` exist on this Talos version."""
    return features.legacy_mac_key(version), features.has(features.PHYSICAL_SELECTOR, version)


def _mac_of(link: Link, field: str) -> str:
    return link.permanent_addr if field == "permanent_addr" and link.permanent_addr else link.identity_mac


def legacy_candidates(plan: BondPlan, nodes: Sequence[Node]) -> list[tuple[str, tuple[Selector, ...]]]:
    """Selector sets to try, best first. Every selector names the NIC driver, so no bond or VLAN can match."""
    field, physical_ok = _legacy_fields(plan.version)
    physical = True if physical_ok else None
    members = _member_links(plan, nodes)
    flat = [link for links in members for link in links]
    out: list[tuple[str, tuple[Selector, ...]]] = []
    driver = _uniform([link.driver for link in flat])
    if driver:
        macs = [_mac_of(link, field) for link in flat]
        prefix = common_prefix(macs)
        if prefix:
            pattern = prefix if len(set(macs)) == 1 else prefix + "*"
            out.append(("driver + MAC glob", (Selector(driver=driver, physical=physical, **{field: pattern}),)))
    if len(nodes) == 1:
        out.append(("driver + MAC per member", tuple(
            Selector(driver=link.driver, physical=physical, **{field: _mac_of(link, field)}) for link in members[0]
        )))
    positions = list(zip(*members, strict=False)) if all(len(m) == len(members[0]) for m in members) else []
    if positions and all(_uniform([link.bus_path for link in column]) for column in positions):
        buses = [column[0].bus_path for column in positions]
        if driver:
            prefix = common_prefix(buses)
            if prefix and len(set(buses)) > 1:
                glob = Selector(driver=driver, bus_path=prefix + "*", physical=physical)
                out.append(("driver + bus path glob", (glob,)))
        out.append(("driver + bus path per member", tuple(
            Selector(driver=column[0].driver, bus_path=column[0].bus_path, physical=physical) for column in positions
        )))
    pci = _uniform([link.pci_id for link in flat])
    if driver and pci:
        out.append(("driver + PCI ID", (Selector(driver=driver, pci_id=pci, physical=physical),)))
    return out


def _legacy_view(plan: BondPlan, selectors: tuple[Selector, ...]) -> ConfigView:
    from talosbond.config import ConfigView, LegacyBond

    vlans = [{"vlanId": v.vid} for v in plan.vlans]
    device = {"interface": plan.bond, "vlans": vlans}
    bond = LegacyBond("candidate", plan.bond, selectors, tuple(s.as_yaml_dict() for s in selectors), (), {}, device)
    return ConfigView("candidate", (), legacy_bonds=(bond,))


def _no_selector_hint(plan: BondPlan, nodes: Sequence[Node]) -> str:
    """Why no selector could be proven, in the terms of this case: a fleet, or cards that say too little."""
    if len(nodes) > 1:
        return "for a fleet of different machines run talosbond per group of identical nodes"
    node = nodes[0]
    bare = [name for name in plan.members[node.name]
            if (link := node.link(name)) is not None and not (link.driver and (link.permanent_addr or link.bus_path))]
    if bare:
        return (f"{', '.join(bare)} report no driver, permanent MAC or bus path (maintenance mode on an old Talos "
                "reports none): read the node again once Talos is installed")
    return "choose other --ports: these cards cannot be told apart from the others by driver, MAC or bus path"


def derive_legacy(plan: BondPlan, nodes: Sequence[Node], per_member: bool = False) -> LegacyChoice:
    """The first candidate selector set that resolves to exactly the members on every node, both states.

    `per_member`: only sets with one selector per member, in member order (talhelper turns each selector
    into a fixed LinkAliasConfig for Talos 1.12+, which must match exactly one card).
    """
    from talosbond.simulate import prove

    tried: list[str] = []
    count = len(next(iter(plan.members.values()), ()))
    for strategy, selectors in legacy_candidates(plan, nodes):
        if per_member and len(selectors) != count:
            continue
        view = _legacy_view(plan, selectors)
        proofs = [p for node in nodes for p in prove(view, node, plan.version, {plan.bond: plan.members[node.name]})]
        if all(p.ok for p in proofs):
            return LegacyChoice(selectors, strategy, tuple(proofs))
        failing = next(p for p in proofs if not p.ok)
        tried.append(f"{strategy}: {failing.node}: {failing.problems()[0]}")
    raise UsageError(
        "no selector picks exactly the chosen cards on every node: " + "; ".join(tried or ["no candidate"]),
        _no_selector_hint(plan, nodes),
    )


AliasCandidate = tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]


def by_mac(link: Link) -> str:
    """CEL picking one card by driver and permanent MAC (bus path when the card reports no permanent MAC)."""
    if link.permanent_addr:
        return f"link.driver == {quote(link.driver)} && mac(link.permanent_addr) == {quote(link.permanent_addr)}"
    return by_bus(link)


def by_bus(link: Link) -> str:
    return f"link.driver == {quote(link.driver)} && link.bus_path == {quote(link.bus_path)}"


def multidoc_candidates(plan: BondPlan, nodes: Sequence[Node]) -> list[AliasCandidate]:
    """(strategy, aliases, BondConfig links) to try, best first. Aliases only ever see physical links."""
    members = _member_links(plan, nodes)
    count = len(members[0])
    names = tuple(f"{plan.bond}-m{i}" for i in range(count))
    out: list[AliasCandidate] = []
    if len(nodes) == 1:
        exprs = [by_mac(link) for link in members[0]]
        out.append(("driver + permanent MAC per member", tuple(zip(names, exprs, strict=True)), names))
    same_shape = all(len(m) == count for m in members)
    positions = list(zip(*members, strict=False)) if same_shape else []
    if positions and all(_uniform([link.bus_path for link in column]) for column in positions):
        exprs = [by_bus(column[0]) for column in positions]
        out.append(("driver + bus path per member", tuple(zip(names, exprs, strict=True)), names))
    flat = [link for links in members for link in links]
    driver = _uniform([link.driver for link in flat])
    if features.has(features.ALIAS_PATTERNS, plan.version) and driver and same_shape:
        pattern = f"{plan.bond}-m%d"
        buses = [link.bus_path for link in flat]
        prefix = common_prefix(buses)
        if prefix:
            out.append(("pattern alias on driver + bus path glob",
                        ((pattern, f"link.driver == {quote(driver)} && glob({quote(prefix + '*')}, link.bus_path)"),),
                        names))
        pci = _uniform([link.pci_id for link in flat])
        if pci:
            out.append(("pattern alias on driver + PCI ID",
                        ((pattern, f"link.driver == {quote(driver)} && link.pciid == {quote(pci)}"),), names))
        out.append(("pattern alias on driver", ((pattern, f"link.driver == {quote(driver)}"),), names))
    by_name = {plan.members[node.name] for node in nodes}
    if len(by_name) == 1:
        # Last resort, for cards already enslaved on a #13519 release: real link names need no alias.
        out.append(("link names (no alias: the cards are bond members already, and this Talos sets no alias on "
                    "them, siderolabs/talos#13519)", (), by_name.pop()))
    return out


def _multidoc_view(plan: BondPlan, aliases: tuple[tuple[str, str], ...], links: tuple[str, ...]) -> ConfigView:
    from talosbond.config import AliasConfig, ConfigView, MultidocBond

    alias_configs = tuple(AliasConfig("candidate", name, expr, i) for i, (name, expr) in enumerate(aliases))
    bond = MultidocBond("candidate", plan.bond, links, {"name": plan.bond})
    vlan_docs = tuple(("candidate", {"kind": "VLANConfig", "name": f"{plan.bond}.{v.vid}", "vlanID": v.vid,
                                     "parent": plan.bond}) for v in plan.vlans)
    return ConfigView("candidate", (), aliases=alias_configs, bonds=(bond,), kinds=vlan_docs)


def _alias_members_ok(proofs: Sequence[NodeProof], plan: BondPlan) -> bool:
    """Pattern aliases number cards by MAC, not by the planned order: the bond must still get exactly the
    planned cards on every node."""
    return all(set(p.before.members) == set(plan.members[p.node]) for p in proofs)


def derive_multidoc(plan: BondPlan, nodes: Sequence[Node]) -> AliasChoice:
    """The first alias set whose BondConfig resolves to exactly the members on every node, both states."""
    from talosbond.simulate import prove

    tried: list[str] = []
    for strategy, aliases, links in multidoc_candidates(plan, nodes):
        view = _multidoc_view(plan, aliases, links)
        proofs = [p for node in nodes
                  for p in prove(view, node, plan.version, {plan.bond: plan.members[node.name]}, plan.patch)]
        if all(p.ok for p in proofs) and _alias_members_ok(proofs, plan):
            return AliasChoice(aliases, links, strategy, tuple(proofs))
        failing = next((p for p in proofs if not p.ok), None)
        tried.append(f"{strategy}: {failing.node}: {failing.problems()[0]}" if failing else strategy)
    raise UsageError(
        "no link alias picks exactly the chosen cards on every node: " + "; ".join(tried or ["no candidate"]),
        _no_selector_hint(plan, nodes),
    )


def suggest_for_cards(
    nodes: Sequence[Node], version: Release | None, unknown: Release
) -> dict[tuple[str, str], str]:
    """For `discover`: per physical card, a selector that picks it alone on the target release (`version`,
    else the node's, else `unknown`: the caller's explicit choice for a node that did not say)."""
    out: dict[tuple[str, str], str] = {}
    for node in nodes:
        target = version or (node.version.minor_tuple if node.version is not None else unknown)
        field, physical_ok = _legacy_fields(target)
        for link in node.physical_links:
            mac = _mac_of(link, field)
            if not link.driver:
                out[(node.name, link.name)] = ""
            elif features.has(features.MULTIDOC_NETWORK, target):
                out[(node.name, link.name)] = by_mac(link)
            else:
                key = "permanentAddr" if field == "permanent_addr" else "hardwareAddr"
                extra = ", physical: true" if physical_ok else ""
                out[(node.name, link.name)] = f"driver: {link.driver}, {key}: {mac}{extra}"
    return out


__all__ = ["AliasChoice", "LegacyChoice", "derive_legacy", "derive_multidoc", "suggest_for_cards"]
