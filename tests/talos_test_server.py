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

from talosbond.model import RawNode  # noqa: E402
from talosbond.parsing import protobuf  # noqa: E402
from talosbond.parsing.yamlish import load_stream  # noqa: E402
from talosbond.proto import common_pb2, machine_pb2, network_pb2, resource_pb2  # noqa: E402
from talosbond.proto.machine_grpc import MachineServiceBase  # noqa: E402
from talosbond.proto.resource_grpc import StateBase  # noqa: E402
from talosbond.sources import api  # noqa: E402
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


_FAMILIES = {"inet4": 2, "inet6": 10}
_TABLES = {"unspec": 0, "default": 253, "main": 254, "local": 255}


def address_spec_proto(spec: dict[str, Any]) -> bytes:
    return network_pb2.AddressStatusSpec(
        address=_prefix_proto(spec.get("address")), link_index=_int(spec.get("linkIndex")),
        link_name=str(spec.get("linkName") or ""), family=_FAMILIES.get(str(spec.get("family")), 0),  # type: ignore[arg-type]
    ).SerializeToString()


def route_spec_proto(spec: dict[str, Any]) -> bytes:
    table = str(spec.get("table") or "unspec")
    return network_pb2.RouteStatusSpec(
        family=_FAMILIES.get(str(spec.get("family")), 0),  # type: ignore[arg-type]
        destination=_prefix_proto(spec.get("dst")), source=common_pb2.NetIP(ip=_ip_bytes(spec.get("src"))),
        gateway=common_pb2.NetIP(ip=_ip_bytes(spec.get("gateway"))), out_link_index=_int(spec.get("outLinkIndex")),
        out_link_name=str(spec.get("outLinkName") or ""),
        table=int(table) if table.isdigit() else _TABLES.get(table, 0),  # type: ignore[arg-type]
        priority=_int(spec.get("priority")),
    ).SerializeToString()


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


@dataclass
class NodeData:
    """One node as the server holds it: pre-encoded replies, so that serving costs next to nothing."""

    name: str
    links: list[bytes]
    addresses: list[bytes]
    routes: list[bytes]
    files: dict[str, bytes]
    version: bytes

    @classmethod
    def from_raw(cls, raw: RawNode, *, with_proto: bool = True, name: str | None = None) -> NodeData:
        files = {"/proc/net/dev": raw.netdev.encode()} if raw.netdev is not None else {}
        for bond, text in raw.bonding.items():
            files[f"/proc/net/bonding/{bond}"] = text.encode()
        version = machine_pb2.VersionResponse(messages=[machine_pb2.Version(
            version=machine_pb2.VersionInfo(tag=raw.version, arch="amd64", os="linux"),
            platform=machine_pb2.PlatformInfo(name="metal", mode="metal"),
        )]).SerializeToString()
        return cls(
            name=name or raw.node,
            links=resources_from_yaml(raw.links, with_proto=with_proto),
            addresses=resources_from_yaml(raw.addresses, with_proto=with_proto),
            routes=resources_from_yaml(raw.routes, with_proto=with_proto),
            files={path: common_pb2.Data(bytes=data).SerializeToString() for path, data in files.items()},
            version=version,
        )

    @classmethod
    def from_dir(cls, folder: Path, *, with_proto: bool = True, name: str | None = None) -> NodeData:
        return cls.from_raw(read_node_dir(folder), with_proto=with_proto, name=name)


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
    # node -> stall (never answers) | unavailable | internal | flaky (the node's first call: UNAVAILABLE)
    failures: dict[str, str] = field(default_factory=dict)
    maintenance: bool = False
    calls: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    seen: set[tuple[str | None, str]] = field(default_factory=set)


class _Handlers(StateBase, MachineServiceBase):
    def __init__(self, nodes: dict[str, NodeData], behaviour: Behaviour, lifetime: float) -> None:
        self.nodes = nodes
        self.behaviour = behaviour
        self.lifetime = lifetime
        self.default = next(iter(nodes.values())) if nodes else None

    def __mapping__(self) -> dict[str, Any]:
        return {**StateBase.__mapping__(self), **MachineServiceBase.__mapping__(self)}

    async def _node(self, stream: Stream[Any, Any], *, admin: bool = False) -> NodeData:
        b = self.behaviour
        b.calls += 1
        b.in_flight += 1
        b.max_in_flight = max(b.max_in_flight, b.in_flight)
        try:
            if b.latency:
                await asyncio.sleep(b.latency)
        finally:
            b.in_flight -= 1
        values = stream.metadata.getall("node") if stream.metadata else []
        if len(values) > 1:
            raise GRPCError(Status.INVALID_ARGUMENT, "node metadata must be single-valued")
        name = str(values[0]) if values else None
        mode = b.failures.get(name or "")
        if mode == "stall":
            await asyncio.sleep(self.lifetime)
        elif mode == "unavailable":
            raise GRPCError(Status.UNAVAILABLE, "node is shutting down")
        elif mode == "internal":
            raise GRPCError(Status.INTERNAL, "injected failure")
        elif mode == "flaky" and (name, stream._method_name) not in b.seen:  # once per node and method
            b.seen.add((name, stream._method_name))
            raise GRPCError(Status.UNAVAILABLE, "node is starting")
        if admin and self._role(stream) != "os:admin":
            raise GRPCError(Status.PERMISSION_DENIED, "not authorized")
        if name is None:
            if self.default is None:
                raise GRPCError(Status.UNAVAILABLE, "no nodes")
            return self.default
        node = self.nodes.get(name)
        if node is None:
            raise GRPCError(
                Status.UNAVAILABLE,
                f'connection error: desc = "transport: Error while dialing: dial tcp: lookup {name}: no such host"',
            )
        return node

    def _role(self, stream: Stream[Any, Any]) -> str:
        if self.behaviour.maintenance:
            return "os:reader"
        cert = stream.peer.cert() if stream.peer else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "organizationName":
                    return str(value)
        return ""

    async def List(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        node = await self._node(stream)
        by_type = {protobuf.LINK_TYPE: node.links, protobuf.ADDRESS_TYPE: node.addresses, protobuf.ROUTE_TYPE: node.routes}
        if request is None or request.namespace != "network" or request.type not in by_type:
            raise GRPCError(Status.NOT_FOUND, f"resource type {getattr(request, 'type', '')!r} not found")
        for message in by_type[request.type]:
            await stream.send_message(message)

    async def Get(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        await self._node(stream)
        raise GRPCError(Status.UNIMPLEMENTED, "Get is not served by the test server")

    async def Read(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        node = await self._node(stream, admin=True)
        data = node.files.get(request.path if request else "")
        if data is None:
            raise GRPCError(Status.NOT_FOUND, f"open {request.path if request else ''}: no such file or directory")
        await stream.send_message(data)

    async def Version(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        node = await self._node(stream)
        await stream.send_message(node.version)

    async def NetworkDeviceStats(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        await self._node(stream)
        raise GRPCError(Status.UNIMPLEMENTED, "NetworkDeviceStats is not served by the test server")

    async def ApplyConfiguration(self, stream: Stream[Any, Any]) -> None:
        await stream.recv_message()
        await self._node(stream, admin=not self.behaviour.maintenance)
        raise GRPCError(Status.UNIMPLEMENTED, "ApplyConfiguration is not served by the test server")


class _Protocol(H2Protocol):
    """Like Go's HTTP/2 server (buffered writer, flushed when idle), send what one loop turn produced in one
    TLS record and one send(): a message per DATA frame still, as apid sends them."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.Transport):
            transport = api._CoalescingTransport(transport)  # type: ignore[assignment]
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
    firmwareVersion: 0x800008c5
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
