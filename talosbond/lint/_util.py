"""Small helpers the rules share."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from talosbond.config import ConfigView
from talosbond.config import as_int as as_int  # the rules import it from here
from talosbond.globs import go_glob
from talosbond.model import Selector

if TYPE_CHECKING:
    from talosbond.lint import LintContext

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




# Names the kernel or udev give physical cards (eth0, eno1, enp1s0f0np0, ens3, enx..., wlan0, ib0, ...): a
# name like these may be a real card even when no document of the file defines it.
KERNEL_NAME = re.compile(r"^(eth|en[opsxPX]?|em|wl|ww|ib|sl|p\d+p|usb|lo$)")
LINK_KINDS = ("BondConfig", "VLANConfig", "BridgeConfig", "DummyLinkConfig", "LinkConfig", "WireguardConfig",
              "VethConfig", "VRFConfig")


def legacy_doc(view: ConfigView) -> int:
    """The index of the v1alpha1 document (the one holding `machine`)."""
    return next((i for i, doc in enumerate(view.documents) if "machine" in doc), 0)


def defined_links(view: ConfigView) -> set[str]:
    """Link names the file itself creates or names: legacy interfaces and their VLANs, link documents,
    fixed aliases."""
    names: set[str] = set()
    for _, device in view.legacy_devices:
        name = device.get("interface")
        if isinstance(name, str) and name:
            names.add(name)
            names.update(f"{name}.{v.get('vlanId')}" for v in device.get("vlans") or [] if isinstance(v, dict))
    for _, doc in view.kinds:
        if doc.get("kind") in LINK_KINDS or doc.get("kind") == "LinkAliasConfig":
            names.add(str(doc.get("name") or ""))
    return names


def alias_defines(view: ConfigView, name: str) -> bool:
    """A name a pattern alias (`bond0-m%d`) hands out, or a fixed alias / link defined in the file."""
    if name in defined_links(view):
        return True
    return any(alias.is_pattern and re.fullmatch(re.escape(alias.name.split("%")[0]) + r"\d+", name)
               for alias in view.aliases)


def ip_or_cidr(value: Any) -> bool:
    """Talos's legacy check: an IP, or an IP with a prefix length (`validateIPOrCIDR`)."""
    text = str(value)
    try:
        if "/" in text:
            ipaddress.ip_interface(text)
        else:
            ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def prefix_problem(value: Any) -> str:
    """Why a multi-document address is refused ('' when Talos takes it): it must carry a prefix length."""
    text = str(value)
    if "/" not in text:
        return "has no /prefix length"
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        return "is not an IP prefix"
    return "is the unspecified address" if iface.ip.is_unspecified else ""


def plain_ip(value: Any) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def path_steps(path: str) -> tuple[str | int, ...]:
    """A legacy finding path (`machine.network.interfaces[0].bond`) as an `Edit` path."""
    steps: list[str | int] = []
    for part in path.replace("]", "").split("."):
        name, _, index = part.partition("[")
        if name:
            steps.append(name)
        steps.extend(int(i) for i in index.split("[") if i)
    return tuple(steps)


def legacy_links(view: ConfigView) -> Iterator[tuple[str, dict[str, Any], str, bool]]:
    """(label, item, path, is a VLAN) for every legacy interface and each VLAN on it: the two carry the
    same addressing keys."""
    for path, device in view.legacy_devices:
        name = device.get("interface") or "(by selector)"
        yield f"interface {name}", device, path, False
        for i, vlan in enumerate(as_list(device.get("vlans"))):
            if isinstance(vlan, dict):
                yield f"VLAN {name}.{vlan.get('vlanId')}", vlan, f"{path}.vlans[{i}]", True


def unknown_link(ctx: LintContext, name: str) -> bool:
    """No document defines `name`, and it is not a card: not on the nodes, or (without them) not shaped
    like a kernel name."""
    if alias_defines(ctx.view, name):
        return False
    if ctx.nodes:
        return not all(node.link(name) is not None for node in ctx.nodes)
    return not KERNEL_NAME.match(name)


def where(ctx: LintContext) -> str:
    return "on " + ", ".join(n.name for n in ctx.nodes) if ctx.nodes else "in this config"
