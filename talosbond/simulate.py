"""Talos's link matching, re-implemented from its controllers, run before and after a bond forms.

Legacy (`DeviceConfigController`, Talos 1.4+): every link is a candidate, bonds and VLANs included; the
set fields of a selector are ANDed go-globs; `physical` compares with type-ether-and-no-kind; a selector
with no field matches nothing; a bond's selectors are expanded in order, links in name order, without
de-duplication, and only the bond itself is left out.

Multi-document (`LinkAliasConfigController`, Talos 1.12+): physical links only; a fixed alias must match
exactly one link (more: skipped, none: nothing); a link keeps the first alias it gets; from 1.13 configs
are taken in name order and `<prefix>%d` aliases number their links in permanent-MAC order.

After a bond forms, the kernel gives every member (in most modes) the first member's MAC, and a VLAN on
the bond copies it too; `predict_after` builds that state so a selector is proven in both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from talosbond import features
from talosbond.cel import CelError, compile_selector, mac_bytes
from talosbond.config import AliasConfig, ConfigView, LegacyBond, MultidocBond
from talosbond.features import Release
from talosbond.globs import go_glob
from talosbond.model import Link, Node, Selector


def legacy_selector_matches(selector: Selector, link: Link) -> bool:
    """One legacy `NetworkDeviceSelector` against one link, exactly as Talos decides it."""
    match: bool | None = None
    for wanted, actual in (
        (selector.hardware_addr, link.hardware_addr),
        (selector.permanent_addr, link.permanent_addr),
        (selector.pci_id, link.pci_id),
        (selector.driver, link.driver),
        (selector.bus_path, link.bus_path),
    ):
        if not wanted:
            continue
        if not go_glob(wanted, actual):
            match = False
            break
        match = True
    if selector.physical is not None and (match is None or match):
        match = selector.physical == link.physical
    return bool(match)


def legacy_vlan_name(parent: str, vid: int, version: Release) -> str:
    """The name Talos gives a legacy VLAN link (1.6+ shortens long parents to fit 15 bytes)."""
    if not features.has(features.SHORT_VLAN_NAMES, version) or len(parent) <= 10:
        return f"{parent}.{vid}"
    digest = hashlib.sha256(parent.encode()).hexdigest()[:6]
    return f"{parent[:4]}{digest}.{vid}"


def predict_after(
    node: Node, bond: str, members: Sequence[str], vlans: Sequence[tuple[str, int]], keep_member_macs: bool = False
) -> tuple[Link, ...]:
    """The node's links once `bond` has enslaved `members` (in order) and its VLANs exist.

    Members carry the first member's MAC (unless fail_over_mac keeps them); the bond (driver `bonding`)
    and each VLAN (driver `802.1Q VLAN Support`) report that MAC and no permanent address.
    """
    by_name = {link.name: link for link in node.links}
    first = by_name.get(members[0]) if members else None
    bond_mac = first.identity_mac if first else "02:00:00:00:00:01"
    existing = by_name.get(bond)
    bond_index = existing.index if existing and existing.index else max((x.index for x in node.links), default=0) + 1
    vlan_names = {name for name, _ in vlans}
    out: list[Link] = []
    next_index = max((x.index for x in node.links), default=0) + 2
    for link in node.links:
        if link.name == bond or link.name in vlan_names:
            continue
        if link.name in members:
            flags = link.flags if "SLAVE" in link.flags.split(",") else (link.flags + ",SLAVE").lstrip(",")
            mac = link.identity_mac if keep_member_macs else bond_mac
            link = replace(link, hardware_addr=mac, slave_kind="bond", master_index=bond_index, flags=flags,
                           permanent_addr=link.permanent_addr or link.hardware_addr)
        out.append(link)
    out.append(Link(
        name=bond, index=bond_index, type="ether", flags="UP,BROADCAST,RUNNING,MASTER,MULTICAST,LOWER_UP",
        hardware_addr=bond_mac, broadcast_addr="ff:ff:ff:ff:ff:ff", kind="bond", driver="bonding",
        operational_state="up", link_state=True,
    ))
    for offset, (name, vid) in enumerate(vlans):
        out.append(Link(
            name=name, index=next_index + offset, type="ether", link_index=bond_index,
            flags="UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", hardware_addr=bond_mac,
            broadcast_addr="ff:ff:ff:ff:ff:ff", kind="vlan", driver="802.1Q VLAN Support", operational_state="up",
            link_state=True, vlan_id=vid, vlan_protocol="802.1q",
        ))
    return tuple(sorted(out, key=lambda x: x.name))


@dataclass(frozen=True)
class Column:
    """One selector (legacy) or alias config (multi-doc) and the links it matched."""

    label: str
    matched: tuple[str, ...]
    note: str = ""  # e.g. "matched 2 links: alias skipped"


@dataclass(frozen=True)
class StateResult:
    """How one bond's members resolve in one state of one node."""

    state: str  # before | after
    links: tuple[Link, ...]  # the candidates Talos looks at
    columns: tuple[Column, ...]
    members: tuple[str, ...]  # what Talos would enslave, in its order
    aliases: dict[str, str]  # link -> alias (multi-doc)
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeProof:
    """A bond on a node: what it should enslave and what Talos would, before and after it forms."""

    node: str
    bond: str
    expected: tuple[str, ...] | None  # None: not known (linting a user file)
    before: StateResult
    after: StateResult

    def problems(self) -> list[str]:
        """Empty when the member set is exactly the expected one in both states."""
        out: list[str] = []
        for result in (self.before, self.after):
            out.extend(f"{result.state}: {e}" for e in result.errors)
            resolved = result.members
            virtual = [name for name in resolved if not _is_physical(result.links, name)]
            if virtual:
                out.append(f"{result.state} the bond forms: selects virtual link(s) {', '.join(virtual)}")
            dupes = sorted({m for m in resolved if resolved.count(m) > 1})
            if dupes:
                out.append(f"{result.state}: {', '.join(dupes)} selected more than once")
            if self.expected is not None and set(resolved) != set(self.expected):
                got = ", ".join(resolved) or "nothing"
                out.append(f"{result.state} the bond forms: resolves to {got}, expected {', '.join(self.expected)}")
        return out

    @property
    def ok(self) -> bool:
        return not self.problems()


def _is_physical(links: Sequence[Link], name: str) -> bool:
    return any(link.name == name and link.physical for link in links)


def _label(selector: Selector) -> str:
    fields = selector.as_yaml_dict()
    return ", ".join(f"{k}: {v}" for k, v in fields.items()) or "(empty selector)"


def resolve_legacy(bond: LegacyBond, links: Sequence[Link], state: str) -> StateResult:
    """What `expandBondSelector` makes of a legacy bond's selectors (or its named interfaces)."""
    ordered = sorted(links, key=lambda x: x.name)
    columns: list[Column] = []
    members: list[str] = []
    if bond.selectors:
        for selector in bond.selectors:
            matched = tuple(x.name for x in ordered if x.name != bond.name and legacy_selector_matches(selector, x))
            columns.append(Column(_label(selector), matched))
            members.extend(matched)
    else:
        present = {x.name for x in links}
        for name in bond.interfaces:
            columns.append(Column(f"interface {name}", (name,) if name in present else ()))
            if name in present:
                members.append(name)
    errors = () if members else ("no link matches: Talos drops the bond with its VLANs and addresses",)
    return StateResult(state, tuple(ordered), tuple(columns), tuple(members), {}, errors)


def resolve_aliases(
    aliases: Sequence[AliasConfig], links: Sequence[Link], version: Release
) -> tuple[dict[str, str], list[Column], list[str]]:
    """LinkAliasConfig processing: link name -> alias, one column per config, and evaluation errors."""
    physical = [x for x in links if x.physical]
    if features.has(features.ALIAS_NAME_ORDER, version):
        physical.sort(key=lambda x: _mac_key(x))
        configs = sorted(aliases, key=lambda a: a.name)
    else:
        configs = list(aliases)
    assigned: dict[str, str] = {}
    columns: list[Column] = []
    errors: list[str] = []
    for config in configs:
        try:
            compiled = compile_selector(config.expression)
            matched = [x for x in physical if compiled.matches(x)]
        except CelError as exc:
            errors.append(f"{config.name}: {exc.message}")
            columns.append(Column(config.name, (), "does not evaluate"))
            continue
        names = tuple(x.name for x in matched)
        pattern = config.is_pattern and features.has(features.ALIAS_PATTERNS, version)
        if len(matched) > 1 and not pattern:
            columns.append(Column(config.name, names, f"matched {len(matched)} links: Talos skips this alias"))
            continue
        fresh = [x for x in matched if x.name not in assigned]
        note = "already aliased: skipped" if matched and not fresh else ""
        if pattern:
            for counter, link in enumerate(fresh):
                assigned[link.name] = config.name.replace("%d", str(counter), 1)
        elif fresh:
            assigned[fresh[0].name] = config.name
        columns.append(Column(config.name, names, note))
    return assigned, columns, errors


def _mac_key(link: Link) -> bytes:
    return mac_bytes(link.permanent_addr or link.hardware_addr)


def resolve_multidoc(
    bond: MultidocBond, aliases: Sequence[AliasConfig], links: Sequence[Link], version: Release, state: str
) -> StateResult:
    """BondConfig `links` resolved through aliases: real link names win, unknown names stay unresolved."""
    assigned, columns, errors = resolve_aliases(aliases, links, version)
    by_alias = {alias: name for name, alias in assigned.items()}
    names = {x.name for x in links}
    members: list[str] = []
    missing: list[str] = []
    for entry in bond.links:
        if entry in names:
            members.append(entry)
        elif entry in by_alias:
            members.append(by_alias[entry])
        else:
            missing.append(entry)
    all_errors = list(errors)
    if missing:
        all_errors.append(f"no link or alias named {', '.join(missing)}: the bond is left without it")
    return StateResult(state, tuple(sorted(links, key=lambda x: x.name)), tuple(columns), tuple(members), assigned,
                       tuple(all_errors))


def vlans_of(view: ConfigView, bond_name: str, version: Release) -> list[tuple[str, int]]:
    """The VLAN links a config puts on a bond, with the names Talos gives them."""
    out: list[tuple[str, int]] = []
    for legacy in view.legacy_bonds:
        if legacy.name == bond_name:
            for vlan in legacy.device.get("vlans") or []:
                if isinstance(vlan, dict) and isinstance(vlan.get("vlanId"), int):
                    out.append((legacy_vlan_name(bond_name, vlan["vlanId"], version), vlan["vlanId"]))
    for _, doc in view.of_kind("VLANConfig"):
        if doc.get("parent") == bond_name and isinstance(doc.get("vlanID"), int):
            out.append((str(doc.get("name")), doc["vlanID"]))
    return out


def prove(
    view: ConfigView, node: Node, version: Release, expected: dict[str, tuple[str, ...]] | None = None
) -> list[NodeProof]:
    """Every bond of a config, resolved on one node before and after it forms."""
    proofs: list[NodeProof] = []
    for legacy in view.legacy_bonds:
        before = resolve_legacy(legacy, node.links, "before")
        vlans = vlans_of(view, legacy.name, version)
        after_links = predict_after(node, legacy.name, physical_members(before.members, node), vlans)
        after = resolve_legacy(legacy, after_links, "after")
        proofs.append(NodeProof(node.name, legacy.name, (expected or {}).get(legacy.name), before, after))
    for bond in view.bonds:
        before = resolve_multidoc(bond, view.aliases, node.links, version, "before")
        vlans = vlans_of(view, bond.name, version)
        after_links = predict_after(node, bond.name, physical_members(before.members, node), vlans)
        after = resolve_multidoc(bond, view.aliases, after_links, version, "after")
        proofs.append(NodeProof(node.name, bond.name, (expected or {}).get(bond.name), before, after))
    return proofs


def physical_members(names: Sequence[str], node: Node) -> tuple[str, ...]:
    """The cards a bond would really enslave from resolved names, once each, in order (virtual links fail
    in the kernel)."""
    seen: list[str] = []
    for name in names:
        link = node.link(name)
        if link is not None and link.physical and name not in seen:
            seen.append(name)
    return tuple(seen)
