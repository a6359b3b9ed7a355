"""A stand-in for a Talos endpoint (apid), for tests and benchmarks: a real gRPC server (grpclib, TLS,
HTTP/2) on 127.0.0.1 that serves capture directories as nodes.

- Routing like apid: the `node` metadata header picks the capture; an unknown node fails the way apid's
  dial does (UNAVAILABLE, "no such host"); without the header the endpoint's own node answers.
- RBAC like machined: the client certificate's Subject O is the role; `Read` needs os:admin. In
  maintenance mode no client certificate is asked for and every peer is os:reader.
- Ed25519 CA, server and client certificates are made at test time (`Pki`), the client key written with
  Talos's `ED25519 PRIVATE KEY` PEM header.
- Optional per-call latency and per-node failure injection (`stall`, `unavailable`, `internal`).
- It never listens on anything but loopback, and stops by itself after `lifetime` seconds.

Run as a process (the benchmark does): `python tests/talos_test_server.py --fleet DIR --pki DIR
[--latency S]`; it prints `PORT <n>`, then answers `cpu` on stdin with its own CPU seconds, and exits at
end of input.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import gc
import ipaddress
import ssl
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402
from grpclib import GRPCError  # noqa: E402
from grpclib.const import Status  # noqa: E402
from grpclib.encoding.proto import ProtoCodec  # noqa: E402
from grpclib.protocol import H2Protocol  # noqa: E402
from grpclib.server import Server, Stream  # noqa: E402
from h2.errors import ErrorCodes  # noqa: E402

from talosbond.model import RawNode  # noqa: E402
from talosbond.parsing import bondmaster, protobuf  # noqa: E402
from talosbond.parsing.yamlish import load_stream  # noqa: E402
from talosbond.proto import common_pb2, machine_pb2, meta_pb2, network_pb2, resource_pb2  # noqa: E402
from talosbond.proto.machine_grpc import MachineServiceBase  # noqa: E402
from talosbond.proto.resource_grpc import StateBase  # noqa: E402
from talosbond.sources import grpcwire  # noqa: E402
from talosbond.sources.capture import read_node_dir  # noqa: E402

LOOPBACK = "127.0.0.1"

# --------------------------------------------------------------------------------------------- certificates


def _talos_key_pem(key: ed25519.Ed25519PrivateKey) -> bytes:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem.replace(b"BEGIN PRIVATE KEY", b"BEGIN ED25519 PRIVATE KEY").replace(
        b"END PRIVATE KEY", b"END ED25519 PRIVATE KEY")


@dataclass
class CertPair:
    """A PEM certificate and its key (key PEM as Talos writes it: `ED25519 PRIVATE KEY`)."""

    crt: bytes
    key: bytes

    @property
    def openssl_key(self) -> bytes:
        return self.key.replace(b"ED25519 PRIVATE KEY", b"PRIVATE KEY")


class Pki:
    """An Ed25519 CA like Talos's OS CA, issuing server and client certificates."""

    def __init__(self, name: str = "talos") -> None:
        self.key = ed25519.Ed25519PrivateKey.generate()
        now = dt.datetime.now(dt.UTC)
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, None)
        )
        self.ca = self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, *, server: bool, org: str = "", cn: str = "talosbond-test", expired: bool = False,
              hosts: tuple[str, ...] = (LOOPBACK, "localhost")) -> CertPair:
        key = ed25519.Ed25519PrivateKey.generate()
        now = dt.datetime.now(dt.UTC)
        names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)] if org else []
        names.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
        start, end = (now - dt.timedelta(days=30), now - dt.timedelta(days=1)) if expired else (
            now - dt.timedelta(hours=1), now + dt.timedelta(days=30))
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(names)).issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH if server else x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False)
        )
        if server:
            sans: list[x509.GeneralName] = []
            for host in hosts:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(host)))
                except ValueError:
                    sans.append(x509.DNSName(host))
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(self.key, None)
        return CertPair(cert.public_bytes(serialization.Encoding.PEM), _talos_key_pem(key))

    def save(self, folder: Path) -> None:
        """ca.crt, ca.key, server.crt/key: what a server process needs to start (benchmarks)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "ca.crt").write_bytes(self.ca)
        server = self.issue(server=True)
        (folder / "server.crt").write_bytes(server.crt)
        (folder / "server.key").write_bytes(server.openssl_key)


def write_talosconfig(path: Path, *, ca: bytes, client: CertPair | None, endpoints: Sequence[str],
                      nodes: Sequence[str] = (), context: str = "test", extra: str = "") -> Path:
    """A talosconfig as `talosctl gen config` writes it (base64 PEM fields, 4-space indent)."""
    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    lines = [f"context: {context}", "contexts:", f"    {context}:", "        endpoints:"]
    lines += [f"            - {e}" for e in endpoints]
    if nodes:
        lines.append("        nodes:")
        lines += [f"            - {n}" for n in nodes]
    lines.append(f"        ca: {b64(ca)}")
    if client is not None:
        lines += [f"        crt: {b64(client.crt)}", f"        key: {b64(client.key)}"]
    text = "\n".join(lines) + "\n" + extra
    path.write_text(text)
    return path


def server_ssl(pki_dir: Path, *, maintenance: bool = False, ca: bytes | None = None) -> ssl.SSLContext:
    """Server TLS: mTLS against the CA (like apid), or in maintenance mode no client certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki_dir / "server.crt", pki_dir / "server.key")
    context.set_alpn_protocols(["h2"])
    if not maintenance:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=(ca or (pki_dir / "ca.crt").read_bytes()).decode())
    return context


# ----------------------------------------------------------------------------------------------- node data


def _timestamp(text: Any) -> Timestamp:
    stamp = Timestamp()
    if isinstance(text, str) and text:
        with contextlib.suppress(ValueError):
            stamp.FromDatetime(dt.datetime.fromisoformat(text.replace("Z", "+00:00")))
    return stamp


def _mac(value: Any) -> bytes:
    text = str(value or "")
    try:
        return bytes.fromhex(text.replace(":", ""))
    except ValueError:
        return b""


_TYPE_NUMBERS = {name: number for number, name in protobuf.LINK_TYPES.items()}
_OPER_NUMBERS = {name: number for number, name in protobuf.OPER_STATES.items()}
_PORT_NUMBERS = {name: number for number, name in protobuf.PORTS.items()}
_DUPLEX_NUMBERS = {name: number for number, name in protobuf.DUPLEXES.items()}
_VLAN_NUMBERS = {name: number for number, name in protobuf.VLAN_PROTOCOLS.items()}
_FLAG_BITS = {name: 1 << bit for bit, name in enumerate(protobuf.LINK_FLAGS)}


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, str)) and str(value).isdigit() else 0


def _number(table: dict[int, str], value: Any) -> int:
    """A Talos enum's YAML text (or, as older Talos prints some, its number) -> the wire number."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    for number, name in table.items():
        if name == value:
            return number
    return 0


def _bits(names: tuple[str, ...], text: Any, first_bit: int = 0) -> int:
    bits = 0
    for name in str(text or "").split(","):
        if name in names:
            bits |= 1 << (names.index(name) + first_bit)
    return bits


def _bond_master(msg: network_pb2.BondMasterSpec, bond: dict[str, Any]) -> None:
    for key, (attr, table) in bondmaster.ENUMS.items():
        if key in bond:
            setattr(msg, attr, _number(table, bond[key]))
    if "adLacpActive" in bond:
        msg.adlacp_active = _number(bondmaster.AD_LACP_ACTIVE, bond["adLacpActive"])  # type: ignore[assignment]
    for key, attr in bondmaster.NUMBERS.items():
        if key in bond:
            setattr(msg, attr, _int(bond[key]))
    primary = bond.get("primary")
    if isinstance(primary, int) or (isinstance(primary, str) and primary.isdigit()):
        msg.primary_index = int(primary)  # Talos <= v1.13 prints the member's ifindex here
    elif primary:
        msg.primary = str(primary)
    msg.use_carrier = bond.get("useCarrier") in (True, "true")
    msg.arpip_targets.extend(common_pb2.NetIP(ip=_ip_bytes(a)) for a in bond.get("arpIpTargets") or [])
    msg.nsip6_targets.extend(common_pb2.NetIP(ip=_ip_bytes(a)) for a in bond.get("nsIp6Targets") or [])


def _link_kind_specs(msg: network_pb2.LinkStatusSpec, spec: dict[str, Any]) -> None:
    """The per-kind nested specs: bond, bridge, VRF, WireGuard, veth."""
    if isinstance(spec.get("bondMaster"), dict):
        _bond_master(msg.bond_master, spec["bondMaster"])
    bridge = spec.get("bridgeMaster")
    if isinstance(bridge, dict):
        msg.bridge_master.stp.enabled = (bridge.get("stp") or {}).get("enabled") in (True, "true")
        msg.bridge_master.vlan.filtering_enabled = (bridge.get("vlan") or {}).get("filteringEnabled") in (True, "true")
    vrf = spec.get("vrfMaster")
    if isinstance(vrf, dict):
        msg.vrf_master.table = _table(vrf.get("table"))  # type: ignore[assignment]
    veth = spec.get("veth")
    if isinstance(veth, dict):
        msg.veth.peer_name = str(veth.get("peerName") or "")
    wireguard = spec.get("wireguard")
    if isinstance(wireguard, dict):
        wg = msg.wireguard
        wg.private_key, wg.public_key = str(wireguard.get("privateKey") or ""), str(wireguard.get("publicKey") or "")
        wg.listen_port, wg.firewall_mark = _int(wireguard.get("listenPort")), _int(wireguard.get("firewallMark"))
        for peer in wireguard.get("peers") or []:
            entry = wg.peers.add(public_key=str(peer.get("publicKey") or ""), endpoint=str(peer.get("endpoint") or ""),
                                 preshared_key=str(peer.get("presharedKey") or ""))
            entry.allowed_ips.extend(_prefix_proto(ip) for ip in peer.get("allowedIPs") or [])


def link_spec_proto(spec: dict[str, Any]) -> bytes:
    """A LinkStatus YAML spec -> the LinkStatusSpec protobuf Talos sends beside it."""
    msg = network_pb2.LinkStatusSpec(
        index=_int(spec.get("index")), type=_TYPE_NUMBERS.get(str(spec.get("type")), 0),  # type: ignore[arg-type]
        link_index=_int(spec.get("linkIndex")), mtu=_int(spec.get("mtu")),
        master_index=_int(spec.get("masterIndex")),
        hardware_addr=_mac(spec.get("hardwareAddr")), broadcast_addr=_mac(spec.get("broadcastAddr")),
        permanent_addr=_mac(spec.get("permanentAddr")),
        operational_state=_OPER_NUMBERS.get(str(spec.get("operationalState")), 0),  # type: ignore[arg-type]
        link_state=spec.get("linkState") in (True, "true"),
        speed_megabits=_int(spec.get("speedMbit")),
        port=_PORT_NUMBERS.get(str(spec.get("port") or ""), 3),  # type: ignore[arg-type]
        duplex=_DUPLEX_NUMBERS.get(str(spec.get("duplex")), 255),  # type: ignore[arg-type]
        alt_names=[str(x) for x in spec.get("altNames") or []],
    )
    flags = 0
    for name in str(spec.get("flags") or "").split(","):
        flags |= _FLAG_BITS.get(name, 0)
    msg.flags = flags
    for key, attr in (("queueDisc", "queue_disc"), ("kind", "kind"), ("slaveKind", "slave_kind"),
                      ("busPath", "bus_path"), ("pciID", "pciid"), ("driver", "driver"),
                      ("driverVersion", "driver_version"), ("firmwareVersion", "firmware_version"),
                      ("productID", "product_id"), ("vendorID", "vendor_id"), ("product", "product"),
                      ("vendor", "vendor"), ("alias", "alias")):
        value = spec.get(key)
        if value is not None:
            setattr(msg, attr, str(value))
    vlan = spec.get("vlan")
    if isinstance(vlan, dict):
        msg.vlan.vid = _int(vlan.get("vlanID"))
        msg.vlan.protocol = _VLAN_NUMBERS.get(str(vlan.get("vlanProtocol")), 0)  # type: ignore[assignment]
    _link_kind_specs(msg, spec)
    return msg.SerializeToString()


def _ip_bytes(text: Any) -> bytes:
    value = str(text or "")
    if not value:
        return b""
    address, _, zone = value.partition("%")
    return ipaddress.ip_address(address).packed + zone.encode()


def _prefix_proto(text: Any) -> common_pb2.NetIPPrefix:
    value = str(text or "")
    if not value:
        return common_pb2.NetIPPrefix()
    address, _, length = value.rpartition("/")
    return common_pb2.NetIPPrefix(ip=_ip_bytes(address), prefix_length=int(length))


def _table(value: Any) -> int:
    text = str(value if value is not None else "unspec")
    return int(text) if text.isdigit() else _number(protobuf.ROUTING_TABLES, text)


def address_spec_proto(spec: dict[str, Any]) -> bytes:
    msg = network_pb2.AddressStatusSpec(
        address=_prefix_proto(spec.get("address")), link_index=_int(spec.get("linkIndex")),
        link_name=str(spec.get("linkName") or ""), family=_number(protobuf.FAMILIES, spec.get("family")),  # type: ignore[arg-type]
        scope=_number(protobuf.SCOPES, spec.get("scope")), flags=_bits(protobuf.ADDRESS_FLAGS, spec.get("flags")),  # type: ignore[arg-type]
        priority=_int(spec.get("priority")),
    )
    for key in ("local", "broadcast", "anycast", "multicast"):
        if spec.get(key):
            getattr(msg, key).ip = _ip_bytes(spec[key])
    return msg.SerializeToString()


def route_spec_proto(spec: dict[str, Any]) -> bytes:
    msg = network_pb2.RouteStatusSpec(
        family=_number(protobuf.FAMILIES, spec.get("family")),  # type: ignore[arg-type]
        destination=_prefix_proto(spec.get("dst")), source=common_pb2.NetIP(ip=_ip_bytes(spec.get("src"))),
        gateway=common_pb2.NetIP(ip=_ip_bytes(spec.get("gateway"))), out_link_index=_int(spec.get("outLinkIndex")),
        out_link_name=str(spec.get("outLinkName") or ""), table=_table(spec.get("table")),  # type: ignore[arg-type]
        priority=_int(spec.get("priority")), scope=_number(protobuf.SCOPES, spec.get("scope")),  # type: ignore[arg-type]
        type=_number(protobuf.ROUTE_TYPES, spec.get("type")),  # type: ignore[arg-type]
        flags=_bits(protobuf.ROUTE_FLAGS, spec.get("flags"), 8),
        protocol=_number(protobuf.ROUTE_PROTOCOLS, spec.get("protocol")),  # type: ignore[arg-type]
        mtu=_int(spec.get("mtu")),
    )
    for hop in spec.get("nextHops") or []:
        msg.next_hops.add(gateway=common_pb2.NetIP(ip=_ip_bytes(hop.get("gateway"))),
                          out_link_name=str(hop.get("outLinkName") or ""), weight=_int(hop.get("weight")))
    return msg.SerializeToString()


_ENCODERS = {protobuf.LINK_TYPE: link_spec_proto, protobuf.ADDRESS_TYPE: address_spec_proto,
             protobuf.ROUTE_TYPE: route_spec_proto}


def _documents(text: str) -> Iterator[list[str]]:
    lines: list[str] = []
    for line in text.splitlines():
        if line.rstrip() == "---":
            if lines:
                yield lines
            lines = []
        else:
            lines.append(line)
    if lines:
        yield lines


def resources_from_yaml(text: str | None, *, with_proto: bool) -> list[bytes]:
    """A `talosctl get ... -o yaml` stream -> encoded ListResponse messages, each with the YAML spec and
    (for links, addresses and routes) the protobuf spec. A document that does not parse is sent as YAML
    only, as it stands."""
    out: list[bytes] = []
    for lines in _documents(text or ""):
        if not any(line.strip() and not line.startswith("#") for line in lines):
            continue
        try:
            spec_at = lines.index("spec:")
        except ValueError:
            spec_at = len(lines)
        spec_text = "\n".join(line[4:] if line.startswith("    ") else line for line in lines[spec_at + 1:]) + "\n"
        meta: dict[str, Any] = {}
        spec: Any = None
        with contextlib.suppress(Exception):
            doc = next(iter(load_stream("\n".join(lines), "capture"))).data
            meta = doc.get("metadata") or {}
            spec = doc.get("spec")
        proto = b""
        encoder = _ENCODERS.get(str(meta.get("type")))
        if with_proto and isinstance(spec, dict) and encoder is not None:
            with contextlib.suppress(ValueError):
                proto = encoder(spec)
        resource = resource_pb2.Resource(
            metadata=resource_pb2.Metadata(
                namespace=str(meta.get("namespace", "network")), type=str(meta.get("type", "")),
                id=str(meta.get("id", "")), version=str(meta.get("version", "1")),
                owner=str(meta.get("owner", "")), phase=str(meta.get("phase", "running")),
                created=_timestamp(meta.get("created")), updated=_timestamp(meta.get("updated")),
            ),
            spec=resource_pb2.Spec(proto_spec=proto, yaml_spec=spec_text),
        )
        out.append(resource_pb2.ListResponse(resource=resource).SerializeToString())
    return out


# What the server says when a capture has no version.txt: talosctl parses every node's tag as a version.
DEFAULT_VERSION = "v1.11.0"


@dataclass
class NodeData:
    """One node as the server holds it: pre-encoded replies, so that serving costs next to nothing. Each
    reply element carries the node's name as `common.Metadata.hostname`, as apid's proxy fills it."""

    name: str
    links: list[bytes]
    addresses: list[bytes]
    routes: list[bytes]
    files: dict[str, bytes]
    version: bytes

    @classmethod
    def from_raw(cls, raw: RawNode, *, with_proto: bool = True, name: str | None = None) -> NodeData:
        name = name or raw.node
        meta = common_pb2.Metadata(hostname=name)
        files = {"/proc/net/dev": raw.netdev.encode()} if raw.netdev is not None else {}
        for bond, text in raw.bonding.items():
            files[f"/proc/net/bonding/{bond}"] = text.encode()
        version = machine_pb2.VersionResponse(messages=[machine_pb2.Version(
            metadata=meta,
            version=machine_pb2.VersionInfo(tag=raw.version or DEFAULT_VERSION, arch="amd64", os="linux"),
            platform=machine_pb2.PlatformInfo(name="metal", mode="metal"),
            features=machine_pb2.FeaturesInfo(rbac=True),
        )]).SerializeToString()
        return cls(
            name=name,
            links=resources_from_yaml(raw.links, with_proto=with_proto),
            addresses=resources_from_yaml(raw.addresses, with_proto=with_proto),
            routes=resources_from_yaml(raw.routes, with_proto=with_proto),
            files={path: common_pb2.Data(metadata=meta, bytes=data).SerializeToString() for path, data in files.items()},
            version=version,
        )

    def resources(self, rtype: str) -> list[bytes] | None:
        """Encoded ListResponses of one type (also valid GetResponses and Watch events: the same field 1)."""
        if rtype == RD_TYPE:
            return RESOURCE_DEFINITIONS
        return {protobuf.LINK_TYPE: self.links, protobuf.ADDRESS_TYPE: self.addresses, protobuf.ROUTE_TYPE: self.routes}.get(rtype)

    @classmethod
    def from_dir(cls, folder: Path, *, with_proto: bool = True, name: str | None = None) -> NodeData:
        return cls.from_raw(read_node_dir(folder), with_proto=with_proto, name=name)


RD_TYPE = "ResourceDefinitions.meta.cosi.dev"


def _rd_aliases(rtype: str, aliases: tuple[str, ...]) -> tuple[str, str, list[str], list[str]]:
    """COSI's automatic aliases (runtime `ResourceDefinitionSpec.Fill`): display type, namespace-free
    forms of the type and the capitals' initials, which talosctl matches `get NAME` against."""
    name, suffix = rtype.split(".", 1)
    display = name[:-2] if name.endswith("ses") else name[:-1]  # LinkStatuses -> LinkStatus
    short = [*aliases, display.lower()]
    every = [name.lower()]
    parts = suffix.split(".")
    every += [".".join([name.lower(), *parts[:i]]) for i in range(1, len(parts))]
    capitals = "".join(ch for ch in name if ch.isupper())
    if len(capitals) > 1:
        short.append(capitals.lower())
        if not capitals.endswith("S"):
            short.append(capitals.lower() + "s")
    return rtype, display, short, every + short


def _resource_definition(rtype: str, namespace: str, aliases: tuple[str, ...],
                         columns: tuple[tuple[str, str], ...]) -> bytes:
    full, display, short, every = _rd_aliases(rtype, aliases)
    spec = meta_pb2.ResourceDefinitionSpec(
        resource_type=full, display_type=display, default_namespace=namespace, aliases=short, all_aliases=every,
        print_columns=[meta_pb2.ResourceDefinitionSpec.PrintColumn(name=n, json_path=j) for n, j in columns])
    lines = [f"type: {full}", f"displayType: {display}", f"defaultNamespace: {namespace}", "aliases:"]
    lines += [f"    - {a}" for a in short] + ["allAliases:"] + [f"    - {a}" for a in every] + ["printColumns:"]
    lines += [f"    - name: {n}\n      jsonPath: '{j}'" for n, j in columns]
    resource = resource_pb2.Resource(
        metadata=resource_pb2.Metadata(namespace="meta", type=RD_TYPE, id=full.lower(), version="1",
                                       owner="", phase="running"),
        spec=resource_pb2.Spec(proto_spec=spec.SerializeToString(), yaml_spec="\n".join(lines) + "\n"))
    return resource_pb2.ListResponse(resource=resource).SerializeToString()


# The types the server serves, described the way Talos registers them (print columns as in
# pkg/machinery/resources/network), and the definitions' own definition.
RESOURCE_DEFINITIONS = [
    _resource_definition(protobuf.ADDRESS_TYPE, "network", ("address", "addresses"),
                         (("Address", "{.address}"), ("Link", "{.linkName}"))),
    _resource_definition(protobuf.LINK_TYPE, "network", ("link", "links"),
                         (("Alias", "{.alias}"), ("Type", "{.type}"), ("Kind", "{.kind}"),
                          ("Hw Addr", "{.hardwareAddr}"), ("Oper State", "{.operationalState}"),
                          ("Link State", "{.linkState}"))),
    _resource_definition(RD_TYPE, "meta", ("api-resources",), (("Aliases", "{.aliases[:]}"),)),
    _resource_definition(protobuf.ROUTE_TYPE, "network", ("route", "routes"),
                         (("Destination", "{.dst}"), ("Gateway", "{.gateway}"), ("Link", "{.outLinkName}"),
                          ("Metric", "{.priority}"))),
]


def load_fleet(root: Path, *, with_proto: bool = True) -> dict[str, NodeData]:
    """A capture folder (one node) or a folder of node folders -> nodes by the name in their captures."""
    folders = [root] if (root / "links.yaml").is_file() else sorted(
        p for p in root.iterdir() if (p / "links.yaml").is_file())
    nodes = {}
    for folder in folders:
        node = NodeData.from_dir(folder, with_proto=with_proto)
        nodes[node.name] = node
    return nodes


# ------------------------------------------------------------------------------------------------- server


class _BytesCodec(ProtoCodec):
    """Replies are pre-encoded; pass bytes through untouched."""

    def encode(self, message: Any, message_type: Any) -> bytes:
        if isinstance(message, bytes):
            return message
        return super().encode(message, message_type)


@dataclass
class Behaviour:
    """What the server does besides answering, and what it saw."""

    latency: float = 0.0
    # node -> stall (never answers) | unavailable | internal | flaky (the node's first call per method:
    # UNAVAILABLE) | refused (the node's first call per method: RST_STREAM REFUSED_STREAM)
    failures: dict[str, str] = field(default_factory=dict)
    maintenance: bool = False
    calls: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    seen: set[tuple[str | None, str]] = field(default_factory=set)


_COSI_ONE_TO_MANY = "one-2-many proxying is not supported for COSI methods"


def _unknown_node(name: str) -> str:
    return f'connection error: desc = "transport: Error while dialing: dial tcp: lookup {name}: no such host"'


async def _send_all(stream: Stream[Any, Any], messages: list[bytes]) -> None:
    """A reply's pre-encoded messages, one DATA frame each as apid sends them, written in one go.

    grpclib's per-message path (a flow-control wait, an event dispatch and a write for each of a node's ~50
    resources), and then h2's per-frame state machine and frame objects, made this stand-in for apid cost
    more CPU than the client it measures, on the same cores. The frames are built here instead, and h2's
    flow-control windows charged for them, as its own send_data() does (a DATA frame without END_STREAM
    changes no stream state). When the messages do not fit the peer's window or a frame, grpclib sends
    them as usual."""
    h2_stream = stream._stream
    h2 = h2_stream._h2_connection
    payloads = [b"\0" + len(m).to_bytes(4, "big") + m for m in messages]
    if not payloads:
        return
    if not stream._send_initial_metadata_done:
        await stream.send_initial_metadata()
    total = sum(map(len, payloads))
    fits = (total <= h2.local_flow_control_window(h2_stream.id)
            and max(map(len, payloads)) <= h2.max_outbound_frame_size)
    if not fits:
        for message in messages:
            await stream.send_message(message)
        return
    wire = [h2.data_to_send()]  # whatever h2 still holds goes first
    wire += (grpcwire.frame(grpcwire.DATA, 0, h2_stream.id, payload) for payload in payloads)
    h2.outbound_flow_control_window -= total
    h2.streams[h2_stream.id].outbound_flow_control_window -= total
    h2_stream._transport.write(b"".join(wire))
    stream._send_message_done = True


class _Handlers(StateBase, MachineServiceBase):
    """apid's routing in front of machined's answers. `node` (one value) proxies to that node; `nodes`
    proxies one request to each node listed and merges the replies (each element names its node in
    `metadata.hostname`, a node that fails becomes an element with `metadata.error`), which apid allows
    for MachineService only: COSI calls with several `nodes` are refused. No header: the endpoint's own
    node answers."""

    def __init__(self, nodes: dict[str, NodeData], behaviour: Behaviour, lifetime: float) -> None:
        self.nodes = nodes
        self.behaviour = behaviour
        self.lifetime = lifetime
        self.default = next(iter(nodes.values())) if nodes else None

    def __mapping__(self) -> dict[str, Any]:
        return {**StateBase.__mapping__(self), **MachineServiceBase.__mapping__(self)}

    def _targets(self, stream: Stream[Any, Any], *, cosi: bool) -> tuple[list[str | None], bool]:
        """The nodes a call is for, and whether apid would merge their replies (`nodes`)."""
        node = stream.metadata.getall("node", []) if stream.metadata else []
        nodes = stream.metadata.getall("nodes", []) if stream.metadata else []
        if len(node) > 1:
            raise GRPCError(Status.INVALID_ARGUMENT, "node metadata must be single-valued")
        if nodes:
            # grpc-go joins repeated keys; talosctl also sends one comma-free value per node
            names: list[str | None] = [str(n) for n in nodes]
            if cosi and len(names) > 1:
                raise GRPCError(Status.INVALID_ARGUMENT, _COSI_ONE_TO_MANY)
            return names, True
        return [str(node[0]) if node else None], False

    async def _node(self, stream: Stream[Any, Any], name: str | None, *, admin: bool = False) -> NodeData:
        b = self.behaviour
        b.calls += 1
        b.in_flight += 1
        b.max_in_flight = max(b.max_in_flight, b.in_flight)
        try:
            if b.latency:
                await asyncio.sleep(b.latency)
        finally:
            b.in_flight -= 1
        mode = b.failures.get(name or "")
        if mode == "stall":
            await asyncio.sleep(self.lifetime)
        elif mode == "unavailable":
            raise GRPCError(Status.UNAVAILABLE, "node is shutting down")
        elif mode == "internal":
            raise GRPCError(Status.INTERNAL, "injected failure")
        elif mode in ("flaky", "refused") and (name, stream._method_name) not in b.seen:  # once per node, method
            b.seen.add((name, stream._method_name))
            if mode == "refused":
                # RST_STREAM(REFUSED_STREAM), as an HTTP/2 server does with a stream it did not start on;
                # the handler then ends without trailers (grpclib sends none for a stream that was reset)
                await stream._stream.reset(ErrorCodes.REFUSED_STREAM)
                stream._cancel_done = True
            raise GRPCError(Status.UNAVAILABLE, "node is starting")
        if admin and self._role(stream) != "os:admin":
            raise GRPCError(Status.PERMISSION_DENIED, "not authorized")
        if name is None:
            if self.default is None:
                raise GRPCError(Status.UNAVAILABLE, "no nodes")
            return self.default
        node = self.nodes.get(name)
        if node is None:
            raise GRPCError(Status.UNAVAILABLE, _unknown_node(name))
        return node

    async def _cosi_node(self, stream: Stream[Any, Any]) -> NodeData:
        names, _ = self._targets(stream, cosi=True)
        return await self._node(stream, names[0])

    def _role(self, stream: Stream[Any, Any]) -> str:
        if self.behaviour.maintenance:
            return "os:reader"
        cert = stream.peer.cert() if stream.peer else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "organizationName":
                    return str(value)
        return ""

    @staticmethod
    def _of_type(node: NodeData, namespace: str, rtype: str) -> list[bytes]:
        messages = node.resources(rtype)
        expected = "meta" if rtype == RD_TYPE else "network"
        if messages is None or namespace != expected:
            raise GRPCError(Status.NOT_FOUND, f"resource type {rtype!r} not found")  # NB: no such type in namespace
        return messages

    async def List(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        assert request is not None
        node = await self._cosi_node(stream)
        await _send_all(stream, self._of_type(node, request.namespace, request.type))

    @staticmethod
    def _find(messages: list[bytes], namespace: str, rtype: str, rid: str) -> bytes:
        for message in messages:
            if resource_pb2.ListResponse.FromString(message).resource.metadata.id == rid:
                return message
        raise GRPCError(Status.NOT_FOUND, f"resource {rtype}({namespace}/{rid}@undefined) doesn't exist")

    async def Get(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        assert request is not None
        node = await self._cosi_node(stream)
        messages = self._of_type(node, request.namespace, request.type)
        # GetResponse and ListResponse both carry the resource as field 1: the bytes serve as either
        await stream.send_message(self._find(messages, request.namespace, request.type, request.id))

    async def Watch(self, stream: Stream[Any, Any]) -> None:
        """A snapshot: the captures never change, so after the set-up reply a kind watch sends every
        resource as CREATED (then BOOTSTRAPPED when asked for the contents), a one-resource watch sends that
        resource, and the stream then stays open until the client goes."""
        request = await stream.recv_message()
        assert request is not None
        node = await self._cosi_node(stream)
        messages = self._of_type(node, request.namespace, request.type)
        await stream.send_message(resource_pb2.WatchResponse())
        if request.HasField("id"):
            found = self._find(messages, request.namespace, request.type, request.id)
            events = [resource_pb2.Event.FromString(found)]
        elif request.options.bootstrap_contents:
            events = [resource_pb2.Event.FromString(m) for m in messages]
            events.append(resource_pb2.Event(event_type=resource_pb2.BOOTSTRAPPED))
        else:
            events = []
        for event in events:  # an Event carries its resource as field 1 too: event_type 0 is CREATED
            await stream.send_message(resource_pb2.WatchResponse(event=[event]))
        await asyncio.sleep(self.lifetime)

    async def _each(self, stream: Stream[Any, Any], *, admin: bool = False) -> list[tuple[str | None, NodeData | str]]:
        """MachineService: the node(s) a call is for, or (with `nodes`) why a node failed, worded as apid does."""
        names, merged = self._targets(stream, cosi=False)
        if not merged:
            return [(names[0], await self._node(stream, names[0], admin=admin))]
        out: list[tuple[str | None, NodeData | str]] = []
        for name in names:
            try:
                out.append((name, await self._node(stream, name, admin=admin)))
            except GRPCError as exc:
                if exc.status is Status.PERMISSION_DENIED:
                    raise  # authorization happens before apid proxies
                out.append((name, f"rpc error: code = {_GO_CODES.get(exc.status, exc.status.name)} desc = {exc.message}"))
        return out

    async def Read(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        assert request is not None
        replies = []
        for name, node in await self._each(stream, admin=True):
            if isinstance(node, str):
                replies.append(common_pb2.Data(metadata=common_pb2.Metadata(hostname=name, error=node))
                               .SerializeToString())
                continue
            data = node.files.get(request.path)
            if data is None:
                raise GRPCError(Status.NOT_FOUND, f"open {request.path}: no such file or directory")
            replies.append(data)
        await _send_all(stream, replies)

    async def Version(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        replies = []
        for name, node in await self._each(stream):
            if isinstance(node, str):
                replies.append(machine_pb2.VersionResponse(messages=[machine_pb2.Version(
                    metadata=common_pb2.Metadata(hostname=name, error=node))]).SerializeToString())
            else:
                replies.append(node.version)
        # repeated fields merge when encoded messages are concatenated: one VersionResponse for all nodes
        await _send_all(stream, [b"".join(replies)])

    async def NetworkDeviceStats(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        await self._each(stream)
        raise GRPCError(Status.UNIMPLEMENTED, "NetworkDeviceStats is not served by the test server")

    async def ApplyConfiguration(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        await self._each(stream, admin=not self.behaviour.maintenance)
        raise GRPCError(Status.UNIMPLEMENTED, "ApplyConfiguration is not served by the test server")


# grpc-go's names for status codes, as apid words a proxied node's failure
_GO_CODES = {Status.UNAVAILABLE: "Unavailable", Status.INTERNAL: "Internal", Status.NOT_FOUND: "NotFound",
             Status.DEADLINE_EXCEEDED: "DeadlineExceeded", Status.UNIMPLEMENTED: "Unimplemented"}


class _CoalescingTransport:
    """Gathers the writes of one event-loop turn into one TLS record and one send().

    grpclib writes each reply's HEADERS, DATA and trailers separately; Go's HTTP/2 server (apid) buffers
    them and flushes when idle, so a client reads few large TLS records. Everything but write() and close()
    passes straight through."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not data:
            return
        if not self._chunks:
            asyncio.get_running_loop().call_soon(self._flush)
        self._chunks.append(data)

    def _flush(self) -> None:
        if self._chunks:
            data = b"".join(self._chunks)
            self._chunks.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Protocol(H2Protocol):
    """Like Go's HTTP/2 server (buffered writer, flushed when idle), send what one loop turn produced in one
    TLS record and one send(): a message per DATA frame still, as apid sends them."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.Transport):
            transport = _CoalescingTransport(transport)  # type: ignore[assignment]
        super().connection_made(transport)


class _Server(Server):
    def _protocol_factory(self) -> H2Protocol:
        protocol = super()._protocol_factory()
        protocol.__class__ = _Protocol
        return protocol


class TalosTestServer:
    """The server in a background thread with its own event loop; `with TalosTestServer(...) as s:`."""

    def __init__(self, nodes: dict[str, NodeData], pki_dir: Path, *, latency: float = 0.0,
                 failures: dict[str, str] | None = None, maintenance: bool = False, lifetime: float = 120.0,
                 ca: bytes | None = None) -> None:
        self.nodes = nodes
        self.behaviour = Behaviour(latency=latency, failures=dict(failures or {}), maintenance=maintenance)
        self.lifetime = lifetime
        self._ssl = server_ssl(pki_dir, maintenance=maintenance, ca=ca)
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def endpoint(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    async def serve(self, on_ready: Any = None) -> None:
        """Serve until `stop()` or `lifetime` seconds have passed."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = _Server([_Handlers(self.nodes, self.behaviour, self.lifetime)], codec=_BytesCodec())
        await server.start(LOOPBACK, self.port, ssl=self._ssl)
        assert server._server is not None
        self.port = getattr(server._server, "sockets")[0].getsockname()[1]  # noqa: B009 (not in AbstractServer)
        if on_ready is not None:
            on_ready(self.port)
        self._ready.set()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.lifetime)
        finally:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)

    def _run(self) -> None:
        try:
            asyncio.run(self.serve())
        except BaseException as exc:  # surfaced by start()
            self._error = exc
            self._ready.set()

    def start(self) -> TalosTestServer:
        self._thread = threading.Thread(target=self._run, name="talos-test-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"test server did not start: {self._error!r}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> TalosTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ------------------------------------------------------------------------------------- synthetic captures

_LINK_HEADER = """\
node: {node}
metadata:
    namespace: network
    type: LinkStatuses.net.talos.dev
    id: {id}
    version: {version}
    owner: network.LinkStatusController
    phase: running
    created: 2026-10-02T08:14:51Z
    updated: 2026-10-02T08:15:03Z
spec:
"""


def _mac_of(node: int, port: int, prefix: str = "3c:fd:fe") -> str:
    return f"{prefix}:{(node >> 8) & 0xff:02x}:{node & 0xff:02x}:{port:02x}"


def synthetic_node(index: int, name: str | None = None, version: str = "v1.11.3") -> dict[str, str]:
    """The files of one capture folder: 15 links (4 NICs, two of them in an 802.3ad bond with a VLAN, and
    the virtual links a Kubernetes node has), /proc/net/dev, version, addresses and routes."""
    node = name or f"10.0.{index // 250}.{index % 250 + 2}"
    bond_mac = _mac_of(index, 0x10)
    nics = [
        # name, driver, busPath, pciID, mac, hw, speed, carrier, master, slave
        ("enp1s0f0", "ixgbe", "0000:01:00.0", "8086:10FB", _mac_of(index, 0x10), bond_mac, 10000, True, 6, "bond"),
        ("enp1s0f1", "ixgbe", "0000:01:00.1", "8086:10FB", _mac_of(index, 0x11), bond_mac, 10000, True, 6, "bond"),
        ("eno1", "igb", "0000:03:00.0", "8086:1521", _mac_of(index, 0x20, "a0:36:9f"), _mac_of(index, 0x20, "a0:36:9f"),
         1000, True, 0, ""),
        ("eno2", "igb", "0000:03:00.1", "8086:1521", _mac_of(index, 0x21, "a0:36:9f"), _mac_of(index, 0x21, "a0:36:9f"),
         None, False, 0, ""),
    ]
    docs = [_LINK_HEADER.format(node=node, id="lo", version=2) + """\
    index: 1
    type: loopback
    linkIndex: 0
    flags: UP,LOOPBACK,RUNNING,LOWER_UP
    hardwareAddr: 00:00:00:00:00:00
    permanentAddr: ""
    broadcastAddr: 00:00:00:00:00:00
    mtu: 65536
    queueDisc: noqueue
    operationalState: unknown
    kind: ""
    slaveKind: ""
    linkState: false
    port: Other
    duplex: Unknown
"""]
    for number, (nic, driver, bus, pci, mac, hw, speed, carrier, master, slave) in enumerate(nics, start=2):
        flags = "UP,BROADCAST,RUNNING,SLAVE,MULTICAST,LOWER_UP" if slave else (
            "UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP" if carrier else "UP,BROADCAST,MULTICAST")
        body = f"""\
    altNames:
        - enx{mac.replace(':', '')}
    index: {number}
    type: ether
    linkIndex: 0
    flags: {flags}
    hardwareAddr: {hw}
    permanentAddr: {mac}
    broadcastAddr: ff:ff:ff:ff:ff:ff
    mtu: {9000 if slave else 1500}
    queueDisc: mq
"""
        if master:
            body += f"    masterIndex: {master}\n"
        body += f"""\
    operationalState: {'up' if carrier else 'down'}
    kind: ""
    slaveKind: {slave or '""'}
    busPath: "{bus}"
    pciID: {pci}
    driver: {driver}
    driverVersion: 6.12.57-talos
    firmwareVersion: "0x800008c5"
    productID: "0x{pci[5:].lower()}"
    vendorID: "0x8086"
    product: {'82599ES 10-Gigabit SFI/SFP+ Network Connection' if driver == 'ixgbe' else 'I350 Gigabit Network Connection'}
    vendor: Intel Corporation
    linkState: {'true' if carrier else 'false'}
"""
        if speed:
            body += f"    speedMbit: {speed}\n"
        body += f"    port: {'' if driver == 'ixgbe' else 'TwistedPair'}\n".replace("port: \n", 'port: ""\n')
        body += f"    duplex: {'Full' if carrier else 'Unknown'}\n"
        docs.append(_LINK_HEADER.format(node=node, id=nic, version=5) + body)
    docs.append(_LINK_HEADER.format(node=node, id="bond0", version=4) + f"""\
    index: 6
    type: ether
    linkIndex: 0
    flags: UP,BROADCAST,RUNNING,MASTER,MULTICAST,LOWER_UP
    hardwareAddr: {bond_mac}
    permanentAddr: ""
    broadcastAddr: ff:ff:ff:ff:ff:ff
    mtu: 9000
    queueDisc: noqueue
    operationalState: up
    kind: bond
    slaveKind: ""
    driver: bonding
    linkState: true
    speedMbit: 20000
    port: Other
    duplex: Full
    bondMaster:
        mode: 802.3ad
        xmitHashPolicy: layer3+4
        lacpRate: fast
        arpValidate: none
        arpAllTargets: any
        primaryReselect: always
        failOverMac: 0
        adSelect: stable
        miimon: 100
        updelay: 200
        downdelay: 200
        resendIgmp: 1
        lpInterval: 1
        packetsPerSlave: 1
        numPeerNotif: 1
        tlbLogicalLb: 1
        adActorSysPrio: 65535
        adUserPortKey: 0
        peerNotifyDelay: 0
""")
    virtual = [
        ("bond0.87", "vlan", "ether", 6, bond_mac, "UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", "up"),
        ("cilium_net", "veth", "ether", 9, f"9a:2c:11:aa:{index >> 8 & 0xff:02x}:{index & 0xff:02x}",
         "UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", "up"),
        ("cilium_host", "veth", "ether", 8, f"6e:0f:11:aa:{index >> 8 & 0xff:02x}:{index & 0xff:02x}",
         "UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", "up"),
        ("cilium_vxlan", "vxlan", "ether", 0, f"e2:5d:11:aa:{index >> 8 & 0xff:02x}:{index & 0xff:02x}",
         "UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", "unknown"),
        ("kube-ipvs0", "dummy", "ether", 0, f"de:ad:11:aa:{index >> 8 & 0xff:02x}:{index & 0xff:02x}",
         "BROADCAST,NOARP", "down"),
        ("dummy0", "dummy", "ether", 0, f"be:ef:11:aa:{index >> 8 & 0xff:02x}:{index & 0xff:02x}",
         "BROADCAST,NOARP", "down"),
        ("tunl0", "ipip", "ipip", 0, "00:00:00:00", "NOARP", "down"),
        ("sit0", "sit", "sit", 0, "00:00:00:00", "NOARP", "down"),
        ("teql0", "", "void", 0, "", "NOARP", "down"),
    ]
    for number, (vname, kind, ltype, link_index, mac, flags, oper) in enumerate(virtual, start=7):
        body = f"""\
    index: {number}
    type: {ltype}
    linkIndex: {link_index}
    flags: {flags}
    hardwareAddr: {mac or '""'}
    permanentAddr: ""
    broadcastAddr: {'ff:ff:ff:ff:ff:ff' if ltype == 'ether' else '""' if not mac else '00:00:00:00'}
    mtu: {9000 if vname == 'bond0.87' else 1500}
    queueDisc: noqueue
    operationalState: {oper}
    kind: {kind or '""'}
    slaveKind: ""
    linkState: {'true' if oper == 'up' else 'false'}
    port: Other
    duplex: Unknown
"""
        if kind == "vlan":
            body += "    vlan:\n        vlanID: 87\n        vlanProtocol: 802.1q\n"
        docs.append(_LINK_HEADER.format(node=node, id=vname, version=1) + body)
    links = "---\n".join(docs)

    traffic = {"lo": 81234, "enp1s0f0": 9_812_345_678 + index, "enp1s0f1": 7_712_345_678, "eno1": 123_456_789,
               "eno2": 0, "bond0": 17_524_691_356, "bond0.87": 1_234_567, "cilium_net": 5000, "cilium_host": 5000,
               "cilium_vxlan": 0, "kube-ipvs0": 0, "dummy0": 0, "tunl0": 0, "sit0": 0, "teql0": 0}
    netdev = ["Inter-|   Receive                                                |  Transmit",
              " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls"
              " carrier compressed"]
    for dev, rx in traffic.items():
        netdev.append(f"{dev:>6}: {rx:>7} {rx // 1000:>7}    0    0    0     0          0         0 "
                      f"{rx // 2:>8} {rx // 2000:>7}    0    0    0     0       0          0")
    subnet = node.rsplit(".", 1)[0]
    host = node.rsplit(".", 1)[1]
    v6 = {"bond0": f"fe80::3efd:feff:fe{index >> 8 & 0xff:02x}:{index & 0xff:02x}10",
          "bond0.87": f"fe80::3efd:feff:fe{index >> 8 & 0xff:02x}:{index & 0xff:02x}11",
          "eno1": f"fe80::a236:9fff:fe{index >> 8 & 0xff:02x}:{index & 0xff:02x}20",
          "cilium_host": f"fe80::6c0f:11ff:feaa:{index & 0xff:02x}01"}
    addresses = [("lo", "127.0.0.1/8", "host"), ("lo", "169.254.116.108/32", "host"), ("lo", "::1/128", "host"),
                 ("bond0.87", f"{node}/24", "global"), ("eno1", f"192.168.7.{host}/24", "global"),
                 ("cilium_host", f"10.244.{index % 250}.1/32", "global")]
    addresses += [(link, f"{addr}/64", "link") for link, addr in v6.items()]
    address_docs = []
    for aid, (link, cidr, scope) in enumerate(addresses):
        address_docs.append(f"""\
node: {node}
metadata:
    namespace: network
    type: AddressStatuses.net.talos.dev
    id: {link}/{cidr}
    version: 1
    owner: network.AddressStatusController
    phase: running
    created: 2026-10-02T08:14:51Z
    updated: 2026-10-02T08:14:51Z
spec:
    address: {cidr}
    linkIndex: {aid + 1}
    linkName: {link}
    family: {'inet6' if ':' in cidr else 'inet4'}
    scope: {scope}
    flags: permanent
    priority: 0
""")
    routes = [("main", "bond0.87", "", f"{subnet}.1", 1024, "static"),
              ("main", "bond0.87", f"{subnet}.0/24", "", 1024, "kernel"),
              ("main", "eno1", "192.168.7.0/24", "", 0, "kernel")]
    routes += [("main", link, "fe80::/64", "", 256, "kernel") for link in v6]
    routes += [("local", "lo", "127.0.0.0/8", "", 0, "kernel"), ("local", "lo", "127.0.0.1/32", "", 0, "kernel"),
               ("local", "lo", "127.255.255.255/32", "", 0, "kernel"),
               ("local", "lo", "169.254.116.108/32", "", 0, "kernel"), ("local", "lo", "::1/128", "", 0, "kernel"),
               ("local", "bond0.87", f"{node}/32", "", 0, "kernel"),
               ("local", "bond0.87", f"{subnet}.255/32", "", 0, "kernel"),
               ("local", "eno1", f"192.168.7.{host}/32", "", 0, "kernel"),
               ("local", "eno1", "192.168.7.255/32", "", 0, "kernel")]
    routes += [("local", link, f"{addr}/128", "", 0, "kernel") for link, addr in v6.items()]
    routes += [("local", link, "ff00::/8", "", 256, "kernel") for link in v6]
    route_docs = []
    for table, link, dst, gw, priority, protocol in routes:
        family = "inet6" if ":" in dst else "inet4"
        prefix = "" if table == "main" else f"{table}/"
        route_docs.append(f"""\
node: {node}
metadata:
    namespace: network
    type: RouteStatuses.net.talos.dev
    id: {prefix}{link + '/' if family == 'inet6' else ''}{family}/{gw}/{dst}/{priority}
    version: 1
    owner: network.RouteStatusController
    phase: running
    created: 2026-10-02T08:14:51Z
    updated: 2026-10-02T08:14:51Z
spec:
    family: {family}
    dst: {dst or '""'}
    src: ""
    gateway: {gw or '""'}
    outLinkIndex: 7
    outLinkName: {link}
    table: {table}
    priority: {priority}
    scope: {'global' if gw else 'link' if table == 'main' else 'host'}
    type: {'unicast' if table == 'main' else 'local'}
    flags: ""
    protocol: {protocol}
""")
    return {
        "links.yaml": links,
        "netdev.txt": "\n".join(netdev) + "\n",
        "version.txt": version + "\n",
        "addresses.yaml": "---\n".join(address_docs),
        "routes.yaml": "---\n".join(route_docs),
        "bonding/bond0.txt": BOND0_TEXT,
    }


BOND0_TEXT = """\
Ethernet Channel Bonding Driver: v6.12.57-talos

Bonding Mode: IEEE 802.3ad Dynamic link aggregation
Transmit Hash Policy: layer3+4 (1)
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 200
Down Delay (ms): 200
Peer Notification Delay (ms): 0
"""


def make_fleet(root: Path, count: int, *, prefix: str = "") -> list[str]:
    """Write `count` synthetic node captures under root/<node>/; returns the node names."""
    names = []
    for index in range(count):
        name = f"{prefix}{index:04d}" if prefix else None
        files = synthetic_node(index, name)
        node = name or f"10.0.{index // 250}.{index % 250 + 2}"
        folder = root / node
        for rel, text in files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        names.append(node)
    return names


# ---------------------------------------------------------------------------------------- as a process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleet", type=Path, required=True, help="capture folder (one node or a fleet)")
    parser.add_argument("--pki", type=Path, required=True, help="folder with ca.crt, server.crt, server.key")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--lifetime", type=float, default=600.0)
    args = parser.parse_args(argv)
    nodes = load_fleet(args.fleet)
    # The fleet stays for the process's life: keep it out of every later collection, whose cost would
    # otherwise grow with the fleet loaded rather than with the calls served (as a long-lived server would).
    gc.collect()
    gc.freeze()
    server = TalosTestServer(nodes, args.pki, latency=args.latency, lifetime=args.lifetime)

    def ready(port: int) -> None:
        print(f"PORT {port}", flush=True)

        def commands() -> None:
            for line in sys.stdin:
                if line.strip() == "cpu":
                    print(f"CPU {time.process_time():.6f} CALLS {server.behaviour.calls}", flush=True)
            server.stop()

        threading.Thread(target=commands, daemon=True).start()

    asyncio.run(server.serve(on_ready=ready))
    return 0


if __name__ == "__main__":
    sys.exit(main())
