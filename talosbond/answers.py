"""The wizard's answers and their checks, pure: each answer is checked as it is given, with the code `patch`
runs on the same option, so a refused answer is asked again on its own instead of failing at the end.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbond import features
from talosbond.errors import UsageError
from talosbond.model import Node
from talosbond.plan import MAX_IFNAME, check_name, parse_version, parse_vlan

Validator = Callable[[str], "bool | str"]


def validator(check: Callable[[str], Any]) -> Validator:
    """A prompt validator: True, or the refusal's message (and hint) shown under the prompt."""

    def validate(text: str) -> bool | str:
        try:
            check(text)
        except UsageError as exc:
            return exc.message + (f" ({exc.hint})" if exc.hint else "")
        return True

    return validate


def optional_int(text: str, what: str, low: int, high: int) -> int | None:
    """An empty answer is None (not given); otherwise a whole number within [low, high]."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise UsageError(f"{what} {text!r} is not a whole number")
    value = int(text)
    if not low <= value <= high:
        raise UsageError(f"{what} {value} is outside {low}-{high}")
    return value


def delay(text: str, what: str, miimon: int | None) -> int | None:
    """updelay/downdelay: Talos refuses them without miimon or when not a multiple of it."""
    value = optional_int(text, what, 0, 2**31)
    if value:
        if not miimon:
            raise UsageError(f"{what} needs MII monitoring: link delays count MII polling intervals")
        if value % miimon:
            raise UsageError(f"{what} {value} is not a multiple of miimon {miimon}", "Talos refuses it")
    return value


def bond_name(text: str) -> str:
    check_name(text.strip(), "bond name")
    return text.strip()


def cidrs(text: str, what: str) -> list[str]:
    """Comma-separated addresses with prefix lengths (at least one)."""
    values = [part.strip() for part in text.split(",") if part.strip()]
    if not values:
        raise UsageError(f"give at least one {what}", "e.g. 10.13.87.19/24")
    for value in values:
        parse_vlan(f"1:{value}")  # the same CIDR check as --vlan and --address
    return values


def gateway(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    try:
        ipaddress.ip_address(text)
    except ValueError:
        raise UsageError(f"gateway {text!r} is not an IP address") from None
    return text


def vlan_ids(text: str, bond: str = "bond0") -> list[int]:
    """`87, 88` -> [87, 88]; ids 1-4094, each once, and `<bond>.<id>` a valid link name."""
    ids: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        vid = parse_vlan(part).vid
        if vid in ids:
            raise UsageError(f"VLAN {vid} is given twice")
        ids.append(vid)
    if ids and len(f"{bond}.{max(ids)}") > MAX_IFNAME:
        check_name(f"{bond}.{max(ids)}", "VLAN link name")
    return ids


def vlan_spec(vid: int, text: str) -> str:
    """The `--vlan` spelling of one VLAN's address answer: empty, `dhcp` or a CIDR."""
    text = text.strip()
    spec = f"{vid}:{text}" if text else str(vid)
    parse_vlan(spec)
    return spec


def file_name(text: str) -> str:
    if not text.strip():
        raise UsageError("give a file name")
    return text.strip()


def version(text: str) -> str:
    target = parse_version(text.strip())
    if not features.has(features.BOND_SELECTORS, target):
        raise UsageError(f"Talos {text.strip()} has no bond device selectors (they arrived in "
                         f"{features.BOND_SELECTORS.since_text()})")
    return text.strip()


def current_address(node: Node, members: Sequence[str]) -> tuple[str, str | None] | None:
    """The node's own IPv4 address on a card the bond takes over, and its default gateway there."""
    for address in node.addresses:
        if address.link not in members:
            continue
        iface = ipaddress.ip_interface(address.address)
        if iface.version == 4 and not (iface.ip.is_loopback or iface.ip.is_link_local):
            via = next((r.gateway for r in node.routes if r.link == address.link and not r.destination
                        and r.gateway and ":" not in r.gateway), None)
            return address.address, via
    return None


@dataclass
class Answers:
    """Everything the wizard asked; kept across a retry so each question offers the last answer."""

    ports: list[str] = field(default_factory=list)
    bond: str = "bond0"
    mode: str = "active-backup"
    lacp_rate: str | None = None
    xmit_hash_policy: str | None = None
    primary: str | None = None
    miimon: str = "100"
    updelay: str | None = None
    downdelay: str | None = None
    mtu: str = ""
    addressing: str | None = None
    addresses: str = ""
    gateway: str = ""
    vlan_ids: str = ""
    vlan_addresses: dict[int, str] = field(default_factory=dict)
    version: str | None = None
    fmt: str = "auto"
    path: str | None = None

    def patch_options(self) -> dict[str, Any]:
        """The answers as `PatchRequest` fields: exactly what `talosbond patch` would be given."""
        miimon = optional_int(self.miimon, "miimon", 0, 2**31)
        static = self.addressing in ("static", "carry")
        return {
            "ports": tuple(self.ports), "bond": self.bond, "mode": self.mode, "lacp_rate": self.lacp_rate,
            "xmit_hash_policy": self.xmit_hash_policy, "primary": self.primary, "miimon": miimon,
            "updelay": delay(self.updelay or "", "updelay", miimon),
            "downdelay": delay(self.downdelay or "", "downdelay", miimon),
            "mtu": optional_int(self.mtu, "MTU", 68, 65535), "dhcp": self.addressing == "dhcp",
            "addresses": tuple(cidrs(self.addresses, "address")) if static else (),
            "gateway": gateway(self.gateway) if static else None,
            "vlans": tuple(vlan_spec(vid, self.vlan_addresses.get(vid, "")) for vid in vlan_ids(self.vlan_ids)),
            "talos_version": self.version, "fmt": self.fmt,
        }
