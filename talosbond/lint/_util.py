"""Small helpers the rules share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond.config import ConfigView
from talosbond.globs import go_glob
from talosbond.model import Selector

VIRTUAL_DRIVERS = ("bonding", "802.1Q VLAN Support", "bridge", "veth", "dummy", "macvlan", "wireguard", "vxlan")


def selector_is_physical_only(selector: Selector) -> bool:
    """True when no bond, VLAN or other virtual link can match, whatever its MAC."""
    if selector.physical is True:
        return True
    if selector.permanent_addr and not go_glob(selector.permanent_addr, ""):
        return True  # virtual links report no permanent address
    if selector.driver and not any(go_glob(selector.driver, d) for d in VIRTUAL_DRIVERS):
        return True
    if selector.bus_path and not go_glob(selector.bus_path, ""):
        return True  # virtual links have no bus path
    return bool(selector.pci_id and not go_glob(selector.pci_id, ""))


def bond_options(view: ConfigView) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(path, bond name, options, style) for every bond: style `legacy` or `multidoc`."""
    for bond in view.legacy_bonds:
        yield f"{bond.path}.bond", bond.name, bond.bond, "legacy"
    for mbond in view.bonds:
        yield mbond.path, mbond.name, mbond.doc, "multidoc"


def mode_of(options: dict[str, Any], style: str) -> str:
    value = options.get("mode" if style == "legacy" else "bondMode")
    return str(value) if value is not None else ""


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
