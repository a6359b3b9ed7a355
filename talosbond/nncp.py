"""kubernetes-nmstate NodeNetworkConfigurationPolicy (NNCP) in and out.

`read_policy` turns a policy (`nmstate.io/v1` or `v1beta1`) or a bare nmstate desired state into the
arguments `plan.make_plan` takes: port names stay names here and are resolved to cards, and turned into
proven selectors, by the ordinary pipeline. Whatever Talos cannot express is collected in `unsupported`
(one line each, said on stderr), never dropped silently. `write_policy` goes the other way.
Field names follow nmstate's serde names (rust/src/lib/ifaces/bond.rs, vlan.rs, ip.rs, route.rs).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbond.bondopts import BY_MULTIDOC, OPTIONS
from talosbond.errors import ParseError, UsageError
from talosbond.model import Node
from talosbond.plan import BondPlan, RoutePlan, VlanPlan

API_VERSIONS = ("nmstate.io/v1", "nmstate.io/v1beta1")
KIND = "NodeNetworkConfigurationPolicy"
DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
MAIN_TABLE = 254

# nmstate accepts the kernel's numeric spellings for enum options ("0", "1", ...); Talos wants names.
_NUMERIC = {
    "lacp_rate": ("slow", "fast"),
    "xmit_hash_policy": ("layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"),
    "ad_select": ("stable", "bandwidth", "count"),
    "arp_validate": ("none", "active", "backup", "all", "filter", "filter_active", "filter_backup"),
    "arp_all_targets": ("any", "all"),
    "fail_over_mac": ("none", "active", "follow"),
    "primary_reselect": ("always", "better", "failure"),
    "all_slaves_active": ("dropped", "delivered"),
}
_FIRST_CLASS = {"miimon": "miimon", "updelay": "updelay", "downdelay": "downdelay", "lacp_rate": "lacp_rate",
                "xmit_hash_policy": "xmit_hash_policy", "primary": "primary"}
_NOT_IN_TALOS = {
    "ad_actor_system": "Talos has no way to set the LACP actor system MAC (legacy configs reject it)",
    "balance_slb": "balance-slb is an nmstate/NetworkManager feature the kernel bond does not have",
}
_BY_NMSTATE = {option.nmstate: option for option in OPTIONS} | {"num_unsol_na": BY_MULTIDOC["numPeerNotif"]}


@dataclass
class PolicyBond:
    """One bond of a policy, as `make_plan` keyword arguments plus what could not be carried."""

    name: str
    mode: str
    ports: tuple[str, ...]
    common: dict[str, Any] = field(default_factory=dict)  # miimon, updelay, ..., primary (make_plan names)
    options: dict[str, Any] = field(default_factory=dict)  # further options under BondConfig names
    addresses: list[str] = field(default_factory=list)
    dhcp: bool = False
    mtu: int | None = None
    gateway: str | None = None
    vlans: list[VlanPlan] = field(default_factory=list)
    routes: list[RoutePlan] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def plan_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `make_plan` (command-line options are laid over them by the caller)."""
        return {"ports": self.ports, "bond": self.name, "mode": self.mode, **self.common, "options": self.options,
                "addresses": tuple(self.addresses), "dhcp": self.dhcp, "mtu": self.mtu, "gateway": self.gateway,
                "vlans": tuple(self.vlans), "routes": tuple(self.routes)}


def _mapping(value: Any, where: str, filename: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParseError(filename, None, f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _sub(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _desired_state(docs: Sequence[Any], filename: str, unsupported: list[str], notes: list[str]) -> dict[str, Any]:
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == KIND:
            if doc.get("apiVersion") not in API_VERSIONS:
                raise ParseError(filename, None, f"apiVersion {doc.get('apiVersion')!r} is not one talosbond reads",
                                 "expected " + " or ".join(API_VERSIONS))
            spec = _mapping(doc.get("spec"), "spec", filename)
            if "nodeSelector" in spec:
                notes.append("the policy's nodeSelector is not used: the patch is for the nodes given with -n/--from")
            for key in spec:
                if key not in ("desiredState", "nodeSelector"):
                    unsupported.append(f"spec.{key}: no Talos equivalent (talosbond apply rolls out node by node)"
                                       if key == "maxUnavailable" else f"spec.{key}: no Talos equivalent")
            return _mapping(spec.get("desiredState"), "spec.desiredState", filename)
        if isinstance(doc.get("interfaces"), list):
            return doc
    raise ParseError(filename, None, f"no {KIND} and no nmstate desired state (a document with `interfaces:`)")


def _number(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise UsageError(f"{where}: expected a number, got {value!r}")
    try:
        return int(str(value), 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: expected a number, got {value!r}") from None


def _enum(key: str, value: Any) -> str:
    names = _NUMERIC.get(key, ())
    text = str(value).lower()
    if text.isdigit() and names and int(text) < len(names):
        return names[int(text)]
    return text


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"{where}: expected true or false, got {value!r}")


def _talos_value(key: str, value: Any, where: str) -> tuple[str, Any]:
    """(BondConfig name, value) of one nmstate option other than the first-class ones."""
    option = _BY_NMSTATE[key]
    if option.kind == "int":
        if key == "tlb_dynamic_lb":
            return option.multidoc, int(_bool(value, where))
        if key == "all_slaves_active":
            text = _enum(key, value)
            return option.multidoc, 1 if text in ("delivered", "1") else 0
        return option.multidoc, _number(value, where)
    if option.kind == "bool":
        return option.multidoc, _bool(value, where)
    if option.kind == "ips":
        items = value if isinstance(value, list) else str(value).split(",")
        return option.multidoc, [str(item).strip() for item in items if str(item).strip()]
    return option.multidoc, _enum(key, value).replace("_", "-")


def _options(bond: PolicyBond, options: dict[str, Any], where: str) -> None:
    for key, value in options.items():
        path = f"{where}.options.{key}"
        if key in _NOT_IN_TALOS:
            bond.unsupported.append(f"{path}: {_NOT_IN_TALOS[key]}")
        elif key in _FIRST_CLASS:
            if key in ("miimon", "updelay", "downdelay"):
                bond.common[_FIRST_CLASS[key]] = _number(value, path)
            elif key == "primary":
                bond.common["primary"] = str(value)
            elif key == "xmit_hash_policy" and _enum(key, value) == "vlan+srcmac":
                bond.unsupported.append(f"{path}: vlan+srcmac is not a hash policy Talos knows")
            else:
                bond.common[_FIRST_CLASS[key]] = _enum(key, value)
        elif key in _BY_NMSTATE:
            name, converted = _talos_value(key, value, path)
            bond.options[name] = converted
        else:
            bond.unsupported.append(f"{path}: not a bond option talosbond knows")


def _addressing(iface: dict[str, Any], where: str, unsupported: list[str]) -> tuple[list[str], bool]:
    """(addresses, dhcp) from `ipv4`/`ipv6`; the rest of those blocks is listed as unsupported."""
    addresses: list[str] = []
    dhcp = False
    for family in ("ipv4", "ipv6"):
        block = iface.get(family)
        if not isinstance(block, dict) or not _bool(block.get("enabled", True), f"{where}.{family}.enabled"):
            continue
        for entry in block.get("address") or []:
            if not isinstance(entry, dict) or "ip" not in entry or "prefix-length" not in entry:
                raise UsageError(f"{where}.{family}.address: each entry needs `ip` and `prefix-length`")
            addresses.append(f"{entry['ip']}/{_number(entry['prefix-length'], f'{where}.{family}.prefix-length')}")
        if family == "ipv4" and block.get("dhcp"):
            dhcp = _bool(block["dhcp"], f"{where}.ipv4.dhcp")
        for key, value in block.items():
            if key in ("enabled", "address") or (family == "ipv4" and key == "dhcp"):
                continue
            if _is_default(key, value):
                continue
            unsupported.append(f"{where}.{family}.{key}: not carried over (talosbond writes addresses and DHCPv4 only)")
    return addresses, dhcp


def _is_default(key: str, value: Any) -> bool:
    """Settings that ask for what Talos does anyway: DHCP's DNS, gateway and routes used; no DHCPv6/SLAAC."""
    if key in ("auto-dns", "auto-gateway", "auto-routes"):
        return value in (True, "true")
    return key in ("dhcp", "autoconf") and value in (False, "false")


_BOND_KEYS = ("name", "type", "state", "mtu", "ipv4", "ipv6", "link-aggregation")
_MODES_BY_NUMBER = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb")


def _bond(iface: dict[str, Any], where: str, filename: str) -> PolicyBond:
    name = str(iface.get("name") or "")
    if iface.get("state", "up") != "up":
        raise UsageError(f"{filename}: {where} ({name}) has state {iface.get('state')!r}",
                         "talosbond writes bonds that are up; remove a bond by deleting it from the config")
    aggregation = _mapping(iface.get("link-aggregation"), f"{where}.link-aggregation", filename)
    mode = aggregation.get("mode")
    if mode is None:
        raise UsageError(f"{filename}: {where} ({name}) has no link-aggregation.mode", "nmstate needs it too")
    ports = [str(p) for p in aggregation.get("port") or aggregation.get("ports") or aggregation.get("slaves") or []]
    mode_text = str(mode)
    if mode_text.isdigit() and int(mode_text) < len(_MODES_BY_NUMBER):
        mode_text = _MODES_BY_NUMBER[int(mode_text)]
    bond = PolicyBond(name=name, mode=mode_text, ports=())
    for entry in aggregation.get("ports-config") or []:
        if isinstance(entry, dict) and entry.get("name") and str(entry["name"]) not in ports:
            ports.append(str(entry["name"]))
        for key in entry if isinstance(entry, dict) else ():
            if key != "name":
                bond.unsupported.append(f"{where}.link-aggregation.ports-config[{entry.get('name')}].{key}: "
                                        "no per-port setting in Talos")
    if any("{{" in port for port in ports):
        raise UsageError(f"{filename}: {where} names ports with nmpolicy captures", "write the port names out")
    bond.ports = tuple(ports)
    for key in aggregation:
        if key not in ("mode", "options", "port", "ports", "slaves", "ports-config"):
            bond.unsupported.append(f"{where}.link-aggregation.{key}: no Talos equivalent")
    _options(bond, _mapping(aggregation.get("options"), f"{where}.link-aggregation.options", filename),
             f"{where}.link-aggregation")
    bond.addresses, bond.dhcp = _addressing(iface, where, bond.unsupported)
    if iface.get("mtu") is not None:
        bond.mtu = _number(iface["mtu"], f"{where}.mtu")
    bond.unsupported.extend(f"{where}.{key}: no Talos equivalent" for key in iface if key not in _BOND_KEYS)
    return bond


def _vlan(bond: PolicyBond, iface: dict[str, Any], where: str) -> None:
    vlan = _sub(iface, "vlan")
    vid = _number(vlan.get("id"), f"{where}.vlan.id")
    for key in vlan:
        if key not in ("base-iface", "id") and not (key == "protocol" and vlan[key] == "802.1q"):
            bond.unsupported.append(f"{where}.vlan.{key}: not carried over (talosbond writes 802.1q VLANs)")
    addresses, dhcp = _addressing(iface, where, bond.unsupported)
    mtu = _number(iface["mtu"], f"{where}.mtu") if iface.get("mtu") is not None else None
    bond.vlans.append(VlanPlan(vid, tuple(addresses), mtu, dhcp))
    bond.unsupported.extend(f"{where}.{key}: no Talos equivalent" for key in iface
                            if key not in ("name", "type", "state", "mtu", "ipv4", "ipv6", "vlan"))


def _port(bond: PolicyBond, iface: dict[str, Any], where: str) -> None:
    name = iface.get("name")
    quiet = all(isinstance(iface.get(f), dict) and iface[f].get("enabled") in (False, "false")
                for f in ("ipv4", "ipv6") if f in iface)
    if quiet:
        bond.notes.append(f"{where} ({name}): no addresses on a bond port needs nothing in Talos: it never "
                          "addresses a bond member")
    else:
        bond.unsupported.append(f"{where} ({name}): addressing on a bond port is dropped (Talos refuses it)")
    bond.unsupported.extend(f"{where}.{key}: no per-port setting in Talos" for key in iface
                            if key not in ("name", "type", "state", "ipv4", "ipv6"))


def _routes(bond: PolicyBond, state: dict[str, Any], vlan_names: dict[str, int]) -> None:
    routes = _sub(state, "routes")
    for index, route in enumerate(routes.get("config") or []):
        where = f"routes.config[{index}]"
        if not isinstance(route, dict):
            continue
        via = str(route.get("next-hop-interface") or "")
        destination = str(route.get("destination") or "")
        extra = [k for k in route if k not in ("destination", "next-hop-address", "next-hop-interface", "metric",
                                               "table-id")]
        table = route.get("table-id")
        if extra or (table is not None and _number(table, f"{where}.table-id") not in (0, MAIN_TABLE)):
            bond.unsupported.append(f"{where}: {', '.join(extra) or 'table-id'} has no Talos equivalent here; "
                                    "route left out")
            continue
        if via != bond.name and via not in vlan_names:
            bond.unsupported.append(f"{where}: goes through {via or 'no interface'}, not {bond.name} or its VLANs")
            continue
        gateway = str(route["next-hop-address"]) if route.get("next-hop-address") else None
        metric = _number(route["metric"], f"{where}.metric") if route.get("metric") is not None else None
        try:
            ipaddress.ip_network(destination, strict=False)
        except ValueError:
            raise UsageError(f"{where}.destination {destination!r} is not a network") from None
        if destination in DEFAULT_ROUTES and via == bond.name and gateway and metric is None and not bond.gateway:
            bond.gateway = gateway
        else:
            bond.routes.append(RoutePlan(destination, gateway, vlan_names.get(via), metric))
    for key in routes:
        if key != "config":
            bond.unsupported.append(f"routes.{key}: only routes.config is read")


def read_policy(text: str, filename: str, bond_name: str | None = None) -> PolicyBond:
    """The policy's bond (the one named `bond_name` when it has several) in talosbond's terms."""
    from talosbond.config import load_documents

    notes: list[str] = []
    unsupported: list[str] = []
    state = _desired_state(load_documents(text, filename), filename, unsupported, notes)
    interfaces = [i for i in state.get("interfaces") or [] if isinstance(i, dict)]
    bonds = [(n, i) for n, i in enumerate(interfaces) if i.get("type") == "bond"]
    if bond_name is not None and len(bonds) > 1:
        bonds = [(n, i) for n, i in bonds if i.get("name") == bond_name] or bonds
    if len(bonds) != 1:
        names = ", ".join(str(i.get("name")) for _, i in bonds) or "none"
        raise UsageError(f"{filename}: the policy has {len(bonds)} bonds ({names})",
                         "choose one with --bond NAME" if bonds else "talosbond converts `type: bond` interfaces")
    index, iface = bonds[0]
    bond = _bond(iface, f"interfaces[{index}]", filename)
    bond.notes[:0], bond.unsupported[:0] = notes, unsupported
    vlan_names: dict[str, int] = {}
    for n, other in enumerate(interfaces):
        where = f"interfaces[{n}]"
        vlan = _sub(other, "vlan")
        if n == index:
            continue
        if other.get("type") == "vlan" and vlan.get("base-iface") == bond.name:
            _vlan(bond, other, where)
            vlan_names[str(other.get("name"))] = bond.vlans[-1].vid
        elif other.get("name") in bond.ports:
            _port(bond, other, where)
        else:
            bond.unsupported.append(f"{where} ({other.get('name')}, {other.get('type')}): not part of {bond.name}; "
                                    "talosbond converts the bond, its ports and its VLANs")
    _routes(bond, state, vlan_names)
    bond.unsupported.extend(f"{key}: no Talos equivalent in a bond patch" for key in state
                            if key not in ("interfaces", "routes"))
    return bond


def _nmstate_value(key: str, value: Any) -> tuple[str, Any]:
    """(nmstate option name, value) of a BondConfig-named option."""
    option = BY_MULTIDOC[key]
    if key == "tlbLogicalLb":
        return option.nmstate, bool(value)
    if key == "allSlavesActive":
        return option.nmstate, "delivered" if value else "dropped"
    if option.kind == "ips":
        return option.nmstate, ",".join(value)
    if option.kind == "enum":
        return option.nmstate, str(value).replace("-", "_") if key == "arpValidate" else value
    return option.nmstate, value


def _ip_blocks(addresses: Sequence[str], dhcp: bool) -> dict[str, Any]:
    blocks: dict[str, Any] = {}
    for family, version in (("ipv4", 4), ("ipv6", 6)):
        entries = [ipaddress.ip_interface(a) for a in addresses if ipaddress.ip_interface(a).version == version]
        block: dict[str, Any] = {"enabled": bool(entries) or (dhcp and version == 4)}
        if version == 4 and dhcp:
            block["dhcp"] = True
        if entries:
            block["address"] = [{"ip": str(e.ip), "prefix-length": e.network.prefixlen} for e in entries]
        blocks[family] = block
    return blocks


def _ports(plan: BondPlan, nodes: Sequence[Node]) -> tuple[str, ...]:
    names = {plan.members[node.name] for node in nodes}
    if len(names) != 1:
        listing = "; ".join(f"{node.name}: {', '.join(plan.members[node.name])}" for node in nodes)
        raise UsageError(f"an NNCP names ports, and the nodes name theirs differently ({listing})",
                         "export one policy per group of nodes whose cards have the same names")
    return names.pop()


def _routes_out(plan: BondPlan) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if plan.gateway:
        default = "::/0" if ":" in plan.gateway else "0.0.0.0/0"
        out.append({"destination": default, "next-hop-address": plan.gateway, "next-hop-interface": plan.bond})
    for route in plan.routes:
        entry: dict[str, Any] = {"destination": route.destination}
        if route.gateway:
            entry["next-hop-address"] = route.gateway
        entry["next-hop-interface"] = plan.bond if route.vid is None else f"{plan.bond}.{route.vid}"
        if route.metric is not None:
            entry["metric"] = route.metric
        out.append(entry)
    return out


def write_policy(plan: BondPlan, nodes: Sequence[Node]) -> dict[str, Any]:
    """The `nmstate.io/v1` policy equivalent to `plan`: ports by name, quiet ports, VLANs and routes."""
    ports = _ports(plan, nodes)
    options: dict[str, Any] = {}
    for attr, key in _FIRST_CLASS.items():
        if getattr(plan, key) is not None:
            options[attr] = getattr(plan, key)
    options.update(_nmstate_value(key, value) for key, value in plan.options)
    bond: dict[str, Any] = {"name": plan.bond, "type": "bond", "state": "up", **_ip_blocks(plan.addresses, plan.dhcp),
                            "link-aggregation": {"mode": plan.mode, "options": options, "port": list(ports)}}
    if plan.mtu is not None:
        bond["mtu"] = plan.mtu
    interfaces = [bond]
    for vlan in plan.vlans:
        entry: dict[str, Any] = {"name": f"{plan.bond}.{vlan.vid}", "type": "vlan", "state": "up",
                                 "vlan": {"base-iface": plan.bond, "id": vlan.vid}, **_ip_blocks(vlan.addresses,
                                                                                                  vlan.dhcp)}
        if vlan.mtu is not None:
            entry["mtu"] = vlan.mtu
        interfaces.append(entry)
    for port in ports:
        interfaces.append({"name": port, "type": "ethernet", "state": "up", "ipv4": {"enabled": False},
                           "ipv6": {"enabled": False}})
    state: dict[str, Any] = {"interfaces": interfaces}
    routes = _routes_out(plan)
    if routes:
        state["routes"] = {"config": routes}
    return {"apiVersion": API_VERSIONS[0], "kind": KIND, "metadata": {"name": f"{plan.bond}-talosbond"},
            "spec": {"desiredState": state}}
