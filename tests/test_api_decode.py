"""talosbond's own protos match Talos's wire format, and protobuf-decoded records equal the YAML-parsed ones."""

from __future__ import annotations

import pytest
from conftest import scenarios
from talos_test_server import NodeData, address_spec_proto, link_spec_proto, route_spec_proto

from talosbond.parsing import parse_addresses, parse_links, parse_routes
from talosbond.parsing import protobuf as api
from talosbond.proto import common_pb2, machine_pb2, network_pb2, resource_pb2
from talosbond.proto.machine_grpc import MachineServiceStub
from talosbond.proto.resource_grpc import StateStub
from talosbond.sources.capture import read_node_dir


def _fields(message: type) -> dict[str, int]:
    return {f.name: f.number for f in message.DESCRIPTOR.fields}  # type: ignore[attr-defined]


def test_cosi_and_machine_messages() -> None:
    # api-facts.md sections 4.3-4.7
    assert _fields(resource_pb2.Metadata) == {
        "namespace": 1, "type": 2, "id": 3, "version": 4, "owner": 5, "phase": 6, "created": 7, "updated": 8,
        "finalizers": 9, "labels": 10, "annotations": 11,
    }
    assert _fields(resource_pb2.Spec) == {"proto_spec": 1, "yaml_spec": 2}
    assert _fields(resource_pb2.Resource) == {"metadata": 1, "spec": 2}
    assert _fields(resource_pb2.ListRequest) == {"namespace": 1, "type": 2, "options": 3}
    assert _fields(resource_pb2.ListOptions) == {"id_query": 2}
    assert _fields(resource_pb2.GetRequest) == {"namespace": 1, "type": 2, "id": 3, "options": 4}
    assert _fields(resource_pb2.ListResponse) == _fields(resource_pb2.GetResponse) == {"resource": 1}
    assert _fields(common_pb2.Metadata) == {"hostname": 1, "error": 2}
    assert _fields(common_pb2.Data) == {"metadata": 1, "bytes": 2}
    assert _fields(machine_pb2.ReadRequest) == {"path": 1}
    assert _fields(machine_pb2.VersionInfo) == {"tag": 1, "sha": 2, "built": 3, "go_version": 4, "os": 5, "arch": 6}
    assert _fields(machine_pb2.Version) == {"metadata": 1, "version": 2, "platform": 3, "features": 4}
    assert _fields(machine_pb2.ApplyConfigurationRequest) == {"data": 1, "mode": 4, "dry_run": 5,
                                                              "try_mode_timeout": 6}
    assert dict(machine_pb2.ApplyConfigurationRequest.Mode.items()) == {
        "REBOOT": 0, "AUTO": 1, "NO_REBOOT": 2, "STAGED": 3, "TRY": 4}
    assert _fields(machine_pb2.NetDev)["tx_compressed"] == 17


def test_grpc_paths() -> None:
    state = StateStub(None)  # type: ignore[arg-type]
    machine = MachineServiceStub(None)  # type: ignore[arg-type]
    assert state.List.name == "/cosi.resource.State/List"
    assert state.Get.name == "/cosi.resource.State/Get"
    assert machine.Read.name == "/machine.MachineService/Read"
    assert machine.Version.name == "/machine.MachineService/Version"
    assert machine.NetworkDeviceStats.name == "/machine.MachineService/NetworkDeviceStats"
    assert machine.ApplyConfiguration.name == "/machine.MachineService/ApplyConfiguration"
    # what the API source calls, spelled out there without the stubs
    from talosbond.sources import api as source

    assert (state.List.name, machine.Read.name, machine.Version.name) == (source.LIST, source.READ, source.VERSION)


def test_a_link_built_from_its_fields_is_the_link_init_builds() -> None:
    """`Link.of` (the decoder's fast path) gives the record the dataclass's own constructor gives, hashes
    and compares alike, stays frozen, and refuses a missing or unknown field."""
    import dataclasses

    from talosbond.model import Link

    link = Link(name="eno1", index=2, type="ether", hardware_addr="3c:fd:fe:00:00:10", speed_mbit=10000,
                alt_names=("enp1s0f0",), bond_master={"mode": "802.3ad"})
    values = {f.name: getattr(link, f.name) for f in dataclasses.fields(Link)}
    built = Link.of(values)
    assert built == link and hash(built) == hash(link) and built.bond_master == link.bond_master
    assert built.physical and repr(built) == repr(link)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.name = "eno2"  # type: ignore[misc]
    with pytest.raises(TypeError, match=r"missing \['veth'\]"):
        Link.of({k: v for k, v in values.items() if k != "veth"})
    with pytest.raises(TypeError, match=r"unknown \['speed'\]"):
        Link.of({**values, "speed": 1})


def _resources(messages: list[bytes]) -> list[resource_pb2.Resource]:
    return [resource_pb2.ListResponse.FromString(m).resource for m in messages]


@pytest.mark.parametrize("folder", scenarios(), ids=lambda p: p.name)
def test_protobuf_records_equal_yaml_records(folder) -> None:  # type: ignore[no-untyped-def]
    raw = read_node_dir(folder)
    data = NodeData.from_raw(raw)
    expected = next(iter(parse_links(raw.links, "x").values()))
    decoded = api.decode_links(raw.node, _resources(data.links), "x")
    assert decoded is not None
    assert list(decoded) == expected
    assert [link.bond_master for link in decoded] == [link.bond_master for link in expected]
    assert [link.port for link in decoded] == [link.port for link in expected]  # Fibre: "" or "Fibre" by version
    if raw.addresses:
        assert list(api.decode_addresses(_resources(data.addresses)) or ()) == parse_addresses(raw.addresses)
    if raw.routes:
        assert list(api.decode_routes(_resources(data.routes)) or ()) == parse_routes(raw.routes)


@pytest.mark.parametrize("folder", scenarios()[:3], ids=lambda p: p.name)
def test_rewrapped_yaml_parses_to_the_same_links(folder) -> None:  # type: ignore[no-untyped-def]
    raw = read_node_dir(folder)
    resources = _resources(NodeData.from_raw(raw).links)
    text = api.yaml_stream(raw.node, resources)
    assert parse_links(text, "x") == parse_links(raw.links, "x")
    assert text.count("\n---\n") == len(resources) - 1


def test_missing_protobuf_spec_falls_back_to_yaml() -> None:
    folder = scenarios()[0]
    raw = read_node_dir(folder)
    resources = _resources(NodeData.from_raw(raw, with_proto=False).links)
    assert api.decode_links(raw.node, resources, "x") is None  # the caller parses yaml_stream() instead
    assert api.decode_addresses(resources) is None
    broken = resources[0]
    broken.spec.proto_spec = b"\xff\xff\xff"
    assert api.decode_links(raw.node, [broken], "x") is None


def test_encoders_round_trip() -> None:
    spec = {"address": "fe80::1%eth0/64", "linkName": "eth0", "family": "inet6"}
    decoded = network_pb2.AddressStatusSpec.FromString(address_spec_proto(spec))
    assert api._prefix(decoded.address) == "fe80::1%eth0/64"
    mapped = {"address": "::ffff:10.1.2.3/128", "linkName": "eth0"}
    assert api._prefix(network_pb2.AddressStatusSpec.FromString(address_spec_proto(mapped)).address) == \
        "::ffff:10.1.2.3/128"
    route = network_pb2.RouteStatusSpec.FromString(route_spec_proto(
        {"dst": "", "gateway": "10.0.0.1", "outLinkName": "eth0", "table": "main"}))
    assert route.table == api.MAIN_TABLE and api._prefix(route.destination) == "" and api._ip(route.gateway.ip) == "10.0.0.1"
    link = api.link_from_proto("bond0.87", link_spec_proto(
        {"type": "ether", "kind": "vlan", "flags": "UP,BROADCAST,LOWER_UP", "vlan": {"vlanID": 87, "vlanProtocol": "802.1ad"},
         "speedMbit": 4294967295, "hardwareAddr": "AA:BB:CC:DD:EE:FF", "port": "Other", "duplex": "Full"}))
    assert (link.vlan_id, link.vlan_protocol, link.flags, link.speed_mbit, link.hardware_addr) == (
        87, "802.1ad", "UP,BROADCAST,LOWER_UP", None, "aa:bb:cc:dd:ee:ff")
