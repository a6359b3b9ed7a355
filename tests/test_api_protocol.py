"""The loopback test server answers the gRPC requests `talosctl` itself sends, in the order it sends them,
so that a real talosctl works against it (checked by hand; CI has no talosctl). The sequences are read from
Talos's client: `cmd/talosctl/cmd/talos/{version,get,read}.go`, `helpers.ClientVersionCheck`,
`pkg/machinery/client` (`ResolveResourceKind`, `WithNode`, `WithNodes`) and cosi runtime's protobuf client.

- version:        Version(Empty)
- get TYPE [ID]:  Version(Empty) (the client version check); List(meta, ResourceDefinitions.meta.cosi.dev)
                  to resolve TYPE; then List(namespace, type) or Get(namespace, type, ID)
- get -w TYPE:    the same, then Watch(namespace, type, bootstrap_contents)
- read PATH:      Read(path)
talosctl from v1.10 routes each call with `node: N`; older ones (and `talosctl version` with several
nodes) send `nodes: N[,M]`, which apid merges for MachineService and refuses for COSI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import FIXTURES
from google.protobuf.empty_pb2 import Empty
from grpclib import GRPCError
from grpclib.client import Channel
from grpclib.const import Status
from talos_test_server import DEFAULT_VERSION, RD_TYPE, NodeData, Pki, TalosTestServer, write_talosconfig

from talosbond.parsing import parse_addresses, parse_links, parse_routes
from talosbond.parsing import protobuf as api
from talosbond.proto import machine_pb2, meta_pb2, resource_pb2
from talosbond.proto.machine_grpc import MachineServiceStub
from talosbond.proto.resource_grpc import StateStub
from talosbond.sources.capture import read_node_dir
from talosbond.sources.talosconfig import client_ssl_context, load_context

T = TypeVar("T")
BONDED = FIXTURES / "bond-8023ad-healthy"
NO_VERSION = FIXTURES / "maintenance-no-driver"


@pytest.fixture(scope="module")
def nodes() -> dict[str, NodeData]:
    out = {}
    for folder in (BONDED, NO_VERSION):
        node = NodeData.from_dir(folder)
        out[node.name] = node
    return out


@pytest.fixture(scope="module")
def server(nodes: dict[str, NodeData], pki_dir: Path) -> Iterator[TalosTestServer]:
    with TalosTestServer(nodes, pki_dir) as running:
        yield running


Talk = Callable[[Callable[[StateStub, MachineServiceStub], Awaitable[T]]], T]


@pytest.fixture()
def talk(tmp_path: Path, pki: Pki, server: TalosTestServer) -> Talk[Any]:
    """Run a coroutine against the server over one mTLS connection, as talosctl's client holds one."""
    config = write_talosconfig(tmp_path / "talosconfig", ca=pki.ca, client=pki.issue(server=False, org="os:admin"),
                               endpoints=[server.endpoint])
    context = client_ssl_context(load_context(str(config)))

    def run(body: Callable[[StateStub, MachineServiceStub], Awaitable[T]]) -> T:
        async def main() -> T:
            channel = Channel("127.0.0.1", server.port, ssl=context)
            try:
                return await body(StateStub(channel), MachineServiceStub(channel))
            finally:
                channel.close()
        return asyncio.run(main())

    return run


def _node(name: str) -> tuple[tuple[str, str], ...]:
    return (("node", name),)


def _nodes(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple(("nodes", n) for n in names)


async def _resolve(state: StateStub, metadata: Any, wanted: str) -> meta_pb2.ResourceDefinitionSpec:
    """client.ResolveResourceKind: list the definitions, match the id or any alias, case-insensitively."""
    replies = await state.List(resource_pb2.ListRequest(namespace="meta", type=RD_TYPE), metadata=metadata)
    matched = []
    for reply in replies:
        spec = meta_pb2.ResourceDefinitionSpec.FromString(reply.resource.spec.proto_spec)
        if reply.resource.metadata.id.lower() == wanted.lower() or wanted.lower() in [
                a.lower() for a in spec.all_aliases]:
            matched.append(spec)
    assert len(matched) == 1, f"{wanted!r} resolves to {[m.resource_type for m in matched]}"
    return matched[0]


def _check_resource(resource: resource_pb2.Resource) -> None:
    """What cosi's protobuf.Unmarshal needs from every resource: a numeric version, a known phase."""
    assert resource.metadata.version.isdigit()
    assert resource.metadata.phase in ("running", "tearingDown")
    assert resource.spec.yaml_spec  # talosctl prints this, not the protobuf


async def _version(machine: MachineServiceStub, metadata: Any) -> machine_pb2.VersionResponse:
    return await machine.Version(Empty(), metadata=metadata)


@pytest.mark.parametrize("route", [_node, _nodes], ids=["node", "nodes"])
def test_version(talk: Talk[Any], route: Callable[..., Any]) -> None:
    bonded = read_node_dir(BONDED).node
    reply = talk(lambda _, machine: _version(machine, route(bonded)))
    assert len(reply.messages) == 1
    message = reply.messages[0]
    assert message.version.tag == read_node_dir(BONDED).version  # from the capture's version.txt
    assert message.metadata.hostname == bonded  # talosctl's version check names the node from this
    assert message.platform.name and message.features.rbac


def test_version_of_a_capture_without_one(talk: Talk[Any]) -> None:
    name = read_node_dir(NO_VERSION).node
    reply = talk(lambda _, machine: _version(machine, _node(name)))
    assert reply.messages[0].version.tag == DEFAULT_VERSION  # talosctl parses it as a version: never empty


def test_version_over_several_nodes_merges_replies(talk: Talk[Any]) -> None:
    good, other = read_node_dir(BONDED).node, read_node_dir(NO_VERSION).node
    reply = talk(lambda _, machine: _version(machine, _nodes(good, "10.9.9.9", other)))
    by_host = {m.metadata.hostname: m for m in reply.messages}
    assert list(by_host) == [good, "10.9.9.9", other]
    assert by_host[good].version.tag and not by_host[good].metadata.error
    assert "no such host" in by_host["10.9.9.9"].metadata.error and not by_host["10.9.9.9"].version.tag


@pytest.mark.parametrize(("alias", "rtype", "parse"), [
    ("links", api.LINK_TYPE, parse_links), ("addresses", api.ADDRESS_TYPE, parse_addresses),
    ("routes", api.ROUTE_TYPE, parse_routes)])
def test_get_lists_a_type_by_its_alias(talk: Talk[Any], alias: str, rtype: str, parse: Any) -> None:
    raw = read_node_dir(BONDED)
    route = _node(raw.node)

    async def get(state: StateStub, machine: MachineServiceStub) -> list[resource_pb2.Resource]:
        await _version(machine, route)  # helpers.ClientVersionCheck
        definition = await _resolve(state, route, alias)
        assert definition.resource_type == rtype and definition.default_namespace == "network"
        replies = await state.List(resource_pb2.ListRequest(
            namespace=definition.default_namespace, type=definition.resource_type,
            options=resource_pb2.ListOptions()), metadata=route)
        return [r.resource for r in replies]

    resources = talk(get)
    for resource in resources:
        _check_resource(resource)
    text = {"links": raw.links, "addresses": raw.addresses, "routes": raw.routes}[alias]
    assert parse(api.yaml_stream(raw.node, resources), "x") == parse(text, "x")  # what talosctl prints


def test_get_one_link_by_name(talk: Talk[Any]) -> None:
    raw = read_node_dir(BONDED)
    route = _node(raw.node)

    async def get(state: StateStub, machine: MachineServiceStub, name: str) -> resource_pb2.Resource:
        await _version(machine, route)
        definition = await _resolve(state, route, "link")
        reply = await state.Get(resource_pb2.GetRequest(
            namespace=definition.default_namespace, type=definition.resource_type, id=name), metadata=route)
        return reply.resource

    resource = talk(lambda s, m: get(s, m, "bond0"))
    _check_resource(resource)
    assert resource.metadata.id == "bond0"
    link = api.link_from_proto("bond0", resource.spec.proto_spec)
    assert link.kind == "bond"
    with pytest.raises(GRPCError) as missing:
        talk(lambda s, m: get(s, m, "eth9"))
    assert missing.value.status is Status.NOT_FOUND


def test_get_watch_sends_the_snapshot_then_bootstrapped(talk: Talk[Any]) -> None:
    raw = read_node_dir(BONDED)
    route = _node(raw.node)

    async def watch(state: StateStub, _: MachineServiceStub) -> list[resource_pb2.WatchResponse]:
        request = resource_pb2.WatchRequest(namespace="network", type=api.LINK_TYPE, api_version=1,
                                            options=resource_pb2.WatchOptions(bootstrap_contents=True))
        replies = []
        async with state.Watch.open(metadata=route) as stream:
            await stream.send_message(request, end=True)
            async for reply in stream:
                replies.append(reply)
                if reply.event and reply.event[0].event_type == resource_pb2.BOOTSTRAPPED:
                    break
            await stream.cancel()
        return replies

    replies = talk(watch)
    assert not replies[0].event  # the watch is set up
    events = [r.event[0] for r in replies[1:]]
    assert [e.event_type for e in events[:-1]] == [resource_pb2.CREATED] * (len(events) - 1)
    assert [e.resource.metadata.id for e in events[:-1]] == [link.name for link in parse_links(raw.links, "x")[raw.node]]
    assert events[-1].event_type == resource_pb2.BOOTSTRAPPED


@pytest.mark.parametrize("route", [_node, _nodes], ids=["node", "nodes"])
def test_read_proc_net_dev(talk: Talk[Any], route: Callable[..., Any]) -> None:
    raw = read_node_dir(BONDED)

    async def read(_: StateStub, machine: MachineServiceStub) -> list[Any]:
        return await machine.Read(machine_pb2.ReadRequest(path="/proc/net/dev"), metadata=route(raw.node))

    chunks = talk(read)
    assert b"".join(c.bytes for c in chunks).decode() == raw.netdev
    assert {c.metadata.hostname for c in chunks} == {raw.node} and not any(c.metadata.error for c in chunks)


def test_cosi_refuses_several_nodes_and_routes_one(talk: Talk[Any]) -> None:
    good, other = read_node_dir(BONDED).node, read_node_dir(NO_VERSION).node

    async def count(state: StateStub, _: MachineServiceStub, metadata: Any) -> int:
        return len(await state.List(resource_pb2.ListRequest(namespace="network", type=api.LINK_TYPE),
                                    metadata=metadata))

    with pytest.raises(GRPCError) as refused:
        talk(lambda s, m: count(s, m, _nodes(good, other)))
    assert refused.value.status is Status.INVALID_ARGUMENT and "one-2-many" in str(refused.value.message)
    assert talk(lambda s, m: count(s, m, _nodes(other))) == talk(lambda s, m: count(s, m, _node(other))) > 0
    with pytest.raises(GRPCError) as doubled:
        talk(lambda s, m: count(s, m, (("node", good), ("node", other))))
    assert doubled.value.status is Status.INVALID_ARGUMENT


def test_unknown_type_is_not_found(talk: Talk[Any]) -> None:
    async def bad(state: StateStub, _: MachineServiceStub) -> Any:
        return await state.List(resource_pb2.ListRequest(namespace="network", type="Nope.net.talos.dev"))

    with pytest.raises(GRPCError) as missing:
        talk(bad)
    assert missing.value.status is Status.NOT_FOUND
