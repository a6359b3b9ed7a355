"""Patches that replace what a node's config already has, instead of being appended to it.

`talosctl patch mc` appends lists: a bond patch merged onto a config that already has `bond0` doubles its
selectors, VLAN addresses or BondConfig `links` (`../shared/talos/oracle`: `*-bond-twice*`). The only
way Talos's merge offers to replace is `$patch: delete` of a whole `interfaces[]` item (by its
`interface` name) or of a whole document, followed by the new one in the same patch. A delete fails
when the item is missing, so such a patch is built from the node's actual config and is valid for
configs that have the same items; `replace_existing` says which it deletes.

What the deleted entry carried that the new one does not set (its addresses, routes, DHCP, VLANs) is
carried over to the new one: replacing a bond must not strip the node's address.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbond.merge import Doc, doc_id

DELETE = {"$patch": "delete"}
_CARRIED = ("addresses", "cidr", "routes", "dhcp", "dhcpOptions", "vlans", "mtu")
_DOC_CARRIED = ("addresses", "routes", "mtu")


@dataclass
class Replacement:
    """The patch documents (deletes first) and what they assume about the node's config."""

    documents: list[Doc]
    deleted: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def legacy_interfaces(docs: Sequence[Any]) -> list[dict[str, Any]]:
    """The `machine.network.interfaces` items of a config's v1alpha1 document."""
    for doc in docs:
        if isinstance(doc, dict) and not doc.get("kind"):
            machine = doc.get("machine")
            network = machine.get("network") if isinstance(machine, dict) else None
            items = network.get("interfaces") if isinstance(network, dict) else None
            return [i for i in items or [] if isinstance(i, dict)]
    return []


def _v1alpha1_patch(docs: list[Doc]) -> Doc | None:
    return next((d for d in docs if not d.get("kind")), None)


def _patch_interfaces(doc: Doc) -> list[dict[str, Any]]:
    network = doc.setdefault("machine", {}).setdefault("network", {})
    items: list[dict[str, Any]] = network.setdefault("interfaces", [])
    return items


_ADDRESSING = ("addresses", "dhcp", "dhcpOptions", "cidr")


def _carry(old: dict[str, Any], new: dict[str, Any], keys: Sequence[str], what: str, out: Replacement) -> None:
    """Copy what `old` has and `new` leaves unset: addressing as a whole (a new address or DHCP replaces
    it), the routes (the default route above all), the MTU, and VLANs by id."""
    taken: list[str] = []
    if not any(new.get(k) for k in _ADDRESSING):
        taken += [k for k in _ADDRESSING if k in keys and old.get(k) not in (None, [], {}, "")]
    taken += [k for k in ("routes", "mtu") if k in keys and k not in new and old.get(k) not in (None, [], 0)]
    for key in taken:
        new[key] = copy.deepcopy(old[key])
    if taken:
        out.carried.append(f"{what}: {', '.join(taken)}")
    if "vlans" in keys and isinstance(old.get("vlans"), list):
        have = {v.get("vlanId") for v in new.get("vlans") or [] if isinstance(v, dict)}
        extra = [copy.deepcopy(v) for v in old["vlans"] if isinstance(v, dict) and v.get("vlanId") not in have]
        if extra:
            new["vlans"] = [*(new.get("vlans") or []), *extra]
            out.carried.append(f"{what}: VLAN(s) {', '.join(str(v.get('vlanId')) for v in extra)}")


def replace_existing(
    patch_docs: Sequence[Doc], current: Sequence[Any], also_delete: Sequence[str] = (), carry: bool = True
) -> Replacement:
    """`patch_docs` rewritten so that, merged onto `current` by talosctl, each of their items replaces the
    item of the same name instead of being appended to it. `also_delete` names further legacy
    `interfaces[]` items to remove (the cards that become members, a legacy bond being migrated)."""
    docs = [copy.deepcopy(d) for d in patch_docs]
    out = Replacement(docs)
    existing = {str(i.get("interface")): i for i in legacy_interfaces(current) if i.get("interface")}
    legacy = _v1alpha1_patch(docs)
    deletes: list[str] = []
    if legacy is not None:
        for item in legacy_interfaces([legacy]):
            name = str(item.get("interface") or "")
            if name in existing and name not in deletes:
                deletes.append(name)
                if carry:
                    _carry(existing[name], item, _CARRIED, f"interface {name}", out)
    for name in also_delete:
        if name in existing and name not in deletes:
            deletes.append(name)
    if deletes:
        if legacy is None:
            legacy = {}
            docs.insert(0, legacy)
        items = _patch_interfaces(legacy)
        items[:0] = [{"interface": name, **DELETE} for name in deletes]
        out.deleted += [f"machine.network.interfaces[] item `interface: {name}`" for name in deletes]
    current_docs = {doc_id(d): d for d in current if isinstance(d, dict) and d.get("kind")}
    index = 0
    while index < len(docs):
        doc = docs[index]
        ident = doc_id(doc) if doc.get("kind") else ""
        if ident in current_docs and doc.get("$patch") != "delete":
            old = current_docs[ident]
            if carry:
                _carry(old, doc, _DOC_CARRIED, f"{doc['kind']} {doc.get('name', '')}", out)
            docs.insert(index, {k: doc[k] for k in ("apiVersion", "kind", "name") if k in doc} | DELETE)
            out.deleted.append(f"document {doc['kind']}/{doc.get('name', '')}")
            index += 1
        index += 1
    if out.deleted:
        out.notes.append(
            "the patch replaces what the node's config has: it deletes " + "; ".join(out.deleted)
            + ", then adds the new ones. talosctl refuses it (`lookup failed`) on a config without them: "
            "build it again for another node"
        )
    if out.carried:
        out.notes.append("kept from the entries it replaces: " + "; ".join(out.carried))
    return out


def has_deletes(docs: Sequence[Any]) -> bool:
    """Whether a patch already uses `$patch: delete` (it was built to replace)."""
    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            return node.get("$patch") == "delete" or any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False
    return any(walk(d) for d in docs)
