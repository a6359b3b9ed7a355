"""The Talos API's protobuf resources -> typed records, and back to talosctl's YAML for `--save`.

The API sends each COSI resource twice: the protobuf spec (decoded here straight into `Link`, `Address`,
`Route`) and the spec as YAML text (what `talosctl get -o yaml` prints). When a protobuf spec is missing or
does not decode, the YAML specs are parsed instead, so a newer Talos never stops discovery. The enum tables
are how Talos spells values in YAML (the wire carries only numbers).

protobuf is imported here and in `sources/api.py` only, so that nothing else pays for it at start-up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from google.protobuf.message import DecodeError

from talosbond.model import SPEED_UNKNOWN, Address, Link, Route
from talosbond.parsing import bondmaster
from talosbond.parsing.links import parse_links
from talosbond.parsing.resources import parse_addresses, parse_routes
from talosbond.proto import common_pb2, network_pb2, resource_pb2

LINK_TYPE = "LinkStatuses.net.talos.dev"
ADDRESS_TYPE = "AddressStatuses.net.talos.dev"
ROUTE_TYPE = "RouteStatuses.net.talos.dev"
MAIN_TABLE = 254  # RT_TABLE_MAIN

# --- how Talos spells enum values in YAML (the wire carries only numbers) ---------------------------------
# ARPHRD_* -> nethelpers.LinkType text (`pkg/machinery/nethelpers/linktype.go`).
LINK_TYPES: dict[int, str] = {
    0: "netrom", 1: "ether", 2: "eether", 3: "ax25", 4: "pronet", 5: "chaos", 6: "ieee802", 7: "arcnet",
    8: "atalk", 15: "dlci", 19: "atm", 23: "metricom", 24: "ieee1394", 27: "eui64", 32: "infiniband",
    256: "slip", 257: "cslip", 258: "slip6", 259: "cslip6", 260: "rsrvd", 264: "adapt", 270: "rose", 271: "x25",
    272: "hwx25", 280: "can", 512: "ppp", 513: "cisco", 516: "lapb", 517: "ddcmp", 518: "rawhdlc", 768: "ipip",
    769: "tunnel6", 770: "frad", 771: "skip", 772: "loopback", 773: "localtlk", 774: "fddi", 775: "bif",
    776: "sit", 777: "ip/ddp", 778: "gre", 779: "pimreg", 780: "hippi", 781: "ash", 782: "econet", 783: "irda",
    784: "fcpp", 785: "fcal", 786: "fcpl", **{787 + i: f"fcfb_{i}" for i in range(13)}, 800: "tr",
    801: "ieee802.11", 802: "ieee802.11_prism", 803: "ieee802.11_radiotap", 804: "ieee802.15.4",
    805: "ieee802.15.4_monitor", 820: "phonet", 821: "phonet_pipe", 822: "caif", 823: "ip6gre", 824: "netlink",
    825: "6lowpan", 65534: "nohdr", 65535: "void",
}
OPER_STATES = {0: "unknown", 1: "notPresent", 2: "down", 3: "lowerLayerDown", 4: "testing", 5: "dormant", 6: "up"}
# From Talos v1.8 Fibre prints as "" (an enumer quirk), before as "Fibre"; both paths must give the same
# `Link`, so for a Fibre port the decoder looks at how the YAML spec beside it spells it.
PORTS = {0: "TwistedPair", 1: "AUI", 2: "MII", 3: "", 4: "BNC", 5: "DirectAttach", 239: "None", 255: "Other"}
DUPLEXES = {0: "Half", 1: "Full", 255: "Unknown"}
VLAN_PROTOCOLS = {0x8100: "802.1q", 0x88A8: "802.1ad"}
FAMILIES = {0: "", 2: "inet4", 10: "inet6"}
ROUTING_TABLES = {0: "unspec", 253: "default", 254: "main", 255: "local"}  # 1-252 print as their number
SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
ROUTE_TYPES = dict(enumerate(("unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
                              "unreachable", "prohibit", "throw", "nat", "xresolve")))
ROUTE_PROTOCOLS = {0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 9: "ra", 10: "mrt", 11: "zebra",
                   12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 17: "mrtd", 18: "keepalived",
                   42: "babel", 99: "openr", 186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp"}
# Bit sets Talos prints comma-joined in bit order (nethelpers.AddressFlags / RouteFlags).
ADDRESS_FLAGS = ("temporary", "nodad", "optimistic", "dadfailed", "homeaddress", "deprecated", "tentative",
                 "permanent", "mngmtmpaddr", "noprefixroute", "mcautojoin", "stableprivacy")  # from bit 0
ROUTE_FLAGS = ("notify", "cloned", "equalize", "prefix", "lookup_table", "fib_match", "offload", "trap")  # from bit 8
LINK_FLAGS = ("UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTTOPOINT", "NOTRAILERS", "RUNNING", "NOARP", "PROMISC",
              "ALLMULTI", "MASTER", "SLAVE", "MULTICAST", "PORTSEL", "AUTOMEDIA", "DYNAMIC", "LOWER_UP", "DORMANT",
              "ECHO")


@lru_cache(maxsize=256)
def _flags(bits: int) -> str:
    return ",".join(name for bit, name in enumerate(LINK_FLAGS) if bits & (1 << bit))


def _named(names: dict[int, str], value: int, enum: str) -> str:
    """An enum value by its Talos name; one Talos has no name for prints as `Enum(value)`."""
    name = names.get(value)
    return f"{enum}({value})" if name is None else name


def _mac(raw: bytes) -> str:
    return raw.hex(":")


def link_from_proto(name: str, proto_spec: bytes) -> Link:
    """A `LinkStatusSpec` protobuf -> `Link`, equal to what the YAML spec parses to (Fibre spelled as
    Talos >= v1.8 does, see `PORTS`). Raises `DecodeError`."""
    spec = network_pb2.LinkStatusSpec.FromString(proto_spec)
    speed = spec.speed_megabits
    vlan_id = spec.vlan.vid if spec.HasField("vlan") and spec.vlan.vid else None
    return Link.of({
        "name": name,
        "index": spec.index,
        "type": _named(LINK_TYPES, spec.type, "LinkType"),
        "link_index": spec.link_index,
        "flags": _flags(spec.flags),
        "hardware_addr": _mac(spec.hardware_addr),
        "permanent_addr": _mac(spec.permanent_addr),
        "broadcast_addr": _mac(spec.broadcast_addr),
        "mtu": spec.mtu,
        "queue_disc": spec.queue_disc,
        "master_index": spec.master_index,
        "operational_state": _named(OPER_STATES, spec.operational_state, "OperationalState"),
        "kind": spec.kind,
        "slave_kind": spec.slave_kind,
        "bus_path": spec.bus_path,
        "pci_id": spec.pciid,
        "driver": spec.driver,
        "driver_version": spec.driver_version,
        "firmware_version": spec.firmware_version,
        "product_id": spec.product_id,
        "vendor_id": spec.vendor_id,
        "product": spec.product,
        "vendor": spec.vendor,
        "link_state": spec.link_state,
        "speed_mbit": None if speed in (0, SPEED_UNKNOWN) else speed,
        "port": _named(PORTS, spec.port, "Port"),
        "duplex": _named(DUPLEXES, spec.duplex, "Duplex"),
        "alias": spec.alias,
        "alt_names": tuple(spec.alt_names),
        "vlan_id": vlan_id,
        "vlan_protocol": VLAN_PROTOCOLS.get(spec.vlan.protocol, "") if vlan_id is not None else "",
        "bond_master": _bond_master(spec.bond_master) if spec.HasField("bond_master") else None,
        **_kind_specs(spec),
    })


@lru_cache(maxsize=1)
def _bond_defaults() -> dict[str, Any]:
    """BondMasterSpec's scalar fields at their defaults (read off the descriptor once: ~0.3 ms a bond)."""
    fields = network_pb2.BondMasterSpec.DESCRIPTOR.fields
    return {field.name: field.default_value for field in fields if not field.is_repeated}


def _bond_master(bond: network_pb2.BondMasterSpec) -> dict[str, Any]:
    values = {**_bond_defaults(), **{field.name: value for field, value in bond.ListFields()}}
    targets = {"arpip_targets": [_ip(a.ip) for a in bond.arpip_targets],
               "nsip6_targets": [_ip(a.ip) for a in bond.nsip6_targets]}
    return bondmaster.from_fields(values, targets)


def _kind_specs(spec: network_pb2.LinkStatusSpec) -> dict[str, Any]:
    """Bridge, VRF, WireGuard and veth settings, shaped as parsing/links.py shapes the YAML ones (None for a
    kind the link is not)."""
    out: dict[str, Any] = {"bridge_master": None, "vrf_master": None, "wireguard": None, "veth": None}
    if spec.HasField("bridge_master"):
        bridge = spec.bridge_master
        out["bridge_master"] = {"stp": {"enabled": bridge.stp.enabled},
                                "vlan": {"filteringEnabled": bridge.vlan.filtering_enabled}}
    if spec.HasField("vrf_master"):
        table = spec.vrf_master.table
        out["vrf_master"] = {"table": ROUTING_TABLES.get(table, str(table))}
    if spec.HasField("veth"):
        out["veth"] = {"peerName": spec.veth.peer_name}
    if spec.HasField("wireguard"):
        wg = spec.wireguard
        out["wireguard"] = {
            "publicKey": wg.public_key, "listenPort": wg.listen_port, "firewallMark": wg.firewall_mark,
            "peers": [{"publicKey": p.public_key, "endpoint": p.endpoint,
                       "allowedIPs": [_prefix(a) for a in p.allowed_ips]} for p in wg.peers]}
    return out


@lru_cache(maxsize=256)
def _bit_names(names: tuple[str, ...], bits: int, first_bit: int) -> str:
    return ",".join(name for i, name in enumerate(names) if bits & (1 << (i + first_bit)))


@lru_cache(maxsize=4096)
def _ip(raw: bytes) -> str:
    """A Go netip.Addr in binary form -> its text (Go's spelling: IPv4-mapped IPv6 as ::ffff:a.b.c.d)."""
    if not raw:
        return ""
    zone = ""
    if len(raw) > 16:
        raw, zone = raw[:16], "%" + raw[16:].decode("utf-8", "replace")
    address = ipaddress.ip_address(raw)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}{zone}"
    return f"{address}{zone}"


def _prefix(prefix: common_pb2.NetIPPrefix) -> str:
    return f"{_ip(prefix.ip)}/{prefix.prefix_length}" if prefix.ip else ""


def decode_addresses(resources: Sequence[resource_pb2.Resource]) -> tuple[Address, ...] | None:
    """AddressStatus protobuf specs -> `Address`es; None when any spec is missing or undecodable."""
    out = []
    for resource in resources:
        if not resource.spec.proto_spec:
            return None
        try:
            spec = network_pb2.AddressStatusSpec.FromString(resource.spec.proto_spec)
            address = _prefix(spec.address)
        except (DecodeError, ValueError):
            return None
        if not address or not spec.link_name:
            return None  # the YAML path reports it, naming the line
        out.append(Address(
            link=spec.link_name, address=address, link_index=spec.link_index, family=FAMILIES.get(spec.family, ""),
            scope=SCOPES.get(spec.scope, str(spec.scope)), flags=_bit_names(ADDRESS_FLAGS, spec.flags, 0),
            priority=spec.priority, local=_ip(spec.local.ip), broadcast=_ip(spec.broadcast.ip),
            anycast=_ip(spec.anycast.ip), multicast=_ip(spec.multicast.ip),
        ))
    return tuple(out)


def decode_routes(resources: Sequence[resource_pb2.Resource]) -> tuple[Route, ...] | None:
    """RouteStatus protobuf specs -> `Route`s of the main table; None when any spec is missing or undecodable."""
    out = []
    for resource in resources:
        if not resource.spec.proto_spec:
            return None
        try:
            spec = network_pb2.RouteStatusSpec.FromString(resource.spec.proto_spec)
            if spec.table != MAIN_TABLE:
                continue
            out.append(Route(
                link=spec.out_link_name, destination=_prefix(spec.destination), gateway=_ip(spec.gateway.ip),
                family=FAMILIES.get(spec.family, ""), source=_ip(spec.source.ip), out_link_index=spec.out_link_index,
                table="main", priority=spec.priority, scope=SCOPES.get(spec.scope, str(spec.scope)),
                type=ROUTE_TYPES.get(spec.type, str(spec.type)), flags=_bit_names(ROUTE_FLAGS, spec.flags, 8),
                protocol=ROUTE_PROTOCOLS.get(spec.protocol, str(spec.protocol)), mtu=spec.mtu,
                next_hops=tuple((_ip(h.gateway.ip), h.out_link_name, h.weight) for h in spec.next_hops),
            ))
        except (DecodeError, ValueError):
            return None
    return tuple(out)


_PLAIN = re.compile(r"^[A-Za-z0-9_./@+-][A-Za-z0-9_./:@+-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"}


@lru_cache(maxsize=8192)
def _scalar(value: str) -> str:
    if value and _PLAIN.match(value) and value.lower() not in _YAML_WORDS and not value.endswith(":"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@lru_cache(maxsize=4096)
def _time(seconds: int, nanos: int) -> str:
    stamp = dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        stamp += "." + f"{nanos:09d}".rstrip("0")
    return stamp + "Z"


def resource_yaml(node: str, resource: resource_pb2.Resource) -> str:
    """One resource as `talosctl get -o yaml` prints it: the node, the metadata, and the server's YAML spec."""
    meta = resource.metadata
    created, updated = meta.created, meta.updated
    text = (
        f"node: {_scalar(node)}\nmetadata:\n    namespace: {_scalar(meta.namespace)}\n    type: {_scalar(meta.type)}\n"
        f"    id: {_scalar(meta.id)}\n    version: {_scalar(meta.version)}\n    owner: {_scalar(meta.owner)}\n"
        f"    phase: {_scalar(meta.phase)}\n    created: {_time(created.seconds, created.nanos)}\n"
        f"    updated: {_time(updated.seconds, updated.nanos)}\n"
    )
    extra = []
    for key, mapping in (("labels", meta.labels), ("annotations", meta.annotations)):
        if mapping:
            extra.append(f"    {key}:\n")
            extra.extend(f"        {_scalar(k)}: {_scalar(v)}\n" for k, v in sorted(mapping.items()))
    if meta.finalizers:
        extra.append("    finalizers:\n")
        extra.extend(f"        - {_scalar(f)}\n" for f in meta.finalizers)
    spec = resource.spec.yaml_spec.rstrip("\n")
    tail = "spec:\n    " + spec.replace("\n", "\n    ") + "\n" if spec else "spec: {}\n"
    return text + "".join(extra) + tail if extra else text + tail


def yaml_stream(node: str, resources: Sequence[resource_pb2.Resource]) -> str:
    """Resources as one `talosctl get -o yaml` stream."""
    return "---\n".join([resource_yaml(node, r) for r in resources])


def decode_links(node: str, resources: Sequence[resource_pb2.Resource], origin: str) -> tuple[Link, ...] | None:
    """Links from the protobuf specs; None when any spec is missing or undecodable (the caller then parses
    the YAML specs)."""
    links = []
    for resource in resources:
        name = resource.metadata.id
        spec = resource.spec
        if not spec.proto_spec:
            return None
        try:
            link = link_from_proto(name, spec.proto_spec)
            if link.port == "" and "\nport: Fibre\n" in "\n" + spec.yaml_spec:
                link = replace(link, port="Fibre")
        except DecodeError:
            return None
        links.append(link)
    return tuple(links)




def links_from(node: str, resources: Sequence[resource_pb2.Resource], origin: str) -> tuple[Link, ...]:
    """A node's links from its LinkStatus resources: the protobuf specs, else the YAML specs (a
    `ParseError` naming the line when those do not parse either)."""
    links = decode_links(node, resources, origin)
    if links is not None:
        return links
    per_node = parse_links(yaml_stream(node, resources), origin, fragment=True)  # whole: it came over gRPC
    return tuple(link for found in per_node.values() for link in found)


def addresses_from(node: str, resources: Sequence[resource_pb2.Resource], origin: str) -> tuple[Address, ...]:
    """AddressStatus resources -> `Address`es (the YAML specs when the protobuf ones do not decode)."""
    decoded = decode_addresses(resources)
    return decoded if decoded is not None else tuple(parse_addresses(yaml_stream(node, resources), origin))


def routes_from(node: str, resources: Sequence[resource_pb2.Resource], origin: str) -> tuple[Route, ...]:
    """RouteStatus resources -> main-table `Route`s (the YAML specs when the protobuf ones do not decode)."""
    decoded = decode_routes(resources)
    return decoded if decoded is not None else tuple(parse_routes(yaml_stream(node, resources), origin))



def bond_names(resources: Sequence[resource_pb2.Resource]) -> list[str]:
    """Names of the bond links among LinkStatus resources (for the /proc/net/bonding reads that follow),
    from the protobuf `kind`, or the YAML spec's when there is no protobuf spec or it does not decode."""
    names = []
    for resource in resources:
        kind = ""
        if resource.spec.proto_spec:
            with contextlib.suppress(DecodeError):
                kind = network_pb2.LinkStatusSpec.FromString(resource.spec.proto_spec).kind or "-"
        if not kind and "\nkind: bond\n" in "\n" + resource.spec.yaml_spec + "\n":
            kind = "bond"
        if kind == "bond":
            names.append(resource.metadata.id)
    return names
