"""talosbond's `.proto` messages against Talos's: the three status specs and everything they nest carry every
field Talos declares, with the same package, message names, numbers and types (tests/data holds the table,
derived from Talos's api/resource/definitions/network/network.proto)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from talosbond.proto import meta_pb2, network_pb2, resource_pb2

TABLE = Path(__file__).parent / "data" / "talos_status_fields.tsv"
PACKAGE = "talos.resource.definitions.network"
_SCALARS = {
    FieldDescriptor.TYPE_UINT32: "uint32", FieldDescriptor.TYPE_INT32: "int32", FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64", FieldDescriptor.TYPE_BOOL: "bool", FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
}


def _talos() -> dict[str, dict[str, tuple[int, str, str]]]:
    table: dict[str, dict[str, tuple[int, str, str]]] = {}
    for line in TABLE.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        message, name, number, type_name, label = line.split("\t")
        table.setdefault(message, {})[name] = (int(number), type_name, label)
    return table


def _type(field: FieldDescriptor) -> str:
    if field.message_type is not None:
        return field.message_type.full_name
    if field.enum_type is not None:
        return field.enum_type.full_name
    return _SCALARS[field.type]


def _ours(descriptor: Descriptor) -> dict[str, tuple[int, str, str]]:
    return {
        f.name: (f.number, _type(f), "repeated" if f.is_repeated else "singular")
        for f in descriptor.fields
    }


TALOS = _talos()


def test_the_table_covers_the_three_status_specs() -> None:
    # a truncated table would make the comparison below pass on nothing
    assert {"LinkStatusSpec", "AddressStatusSpec", "RouteStatusSpec", "BondMasterSpec", "VLANSpec"} <= set(TALOS)
    assert len(TALOS["LinkStatusSpec"]) == 34 and max(n for n, _, _ in TALOS["LinkStatusSpec"].values()) == 34
    assert len(TALOS["BondMasterSpec"]) == 29
    assert len(TALOS["AddressStatusSpec"]) == 11 and len(TALOS["RouteStatusSpec"]) == 14


@pytest.mark.parametrize("message", sorted(TALOS))
def test_message_matches_talos(message: str) -> None:
    descriptor = network_pb2.DESCRIPTOR.message_types_by_name.get(message)
    assert descriptor is not None, f"{PACKAGE}.{message} is not declared in talosbond/proto/network.proto"
    assert descriptor.full_name == f"{PACKAGE}.{message}"
    ours, theirs = _ours(descriptor), TALOS[message]
    missing = sorted(set(theirs) - set(ours))
    extra = sorted(set(ours) - set(theirs))
    assert not missing, f"{message}: fields Talos declares and talosbond does not: {missing}"
    assert not extra, f"{message}: fields talosbond declares and Talos does not: {extra}"
    for name, want in theirs.items():
        assert ours[name] == want, f"{message}.{name}: talosbond {ours[name]}, Talos {want}"


def test_cosi_messages_the_server_needs() -> None:
    # cosi-project/runtime api/v1alpha1: what talosctl's Watch and resource-definition lookups decode
    spec = meta_pb2.ResourceDefinitionSpec.DESCRIPTOR
    assert spec.full_name == "cosi.resource.meta.ResourceDefinitionSpec"
    assert {f.name: f.number for f in spec.fields} == {
        "resource_type": 1, "display_type": 2, "default_namespace": 3, "aliases": 4, "all_aliases": 5,
        "print_columns": 6, "sensitivity": 7}
    watch = resource_pb2.WatchRequest.DESCRIPTOR
    assert {f.name: f.number for f in watch.fields} == {
        "namespace": 1, "type": 2, "id": 3, "options": 4, "api_version": 5}
    assert watch.fields_by_name["id"].has_presence  # a kind watch is told apart by the id being absent
    assert {f.name: f.number for f in resource_pb2.Event.DESCRIPTOR.fields} == {
        "resource": 1, "event_type": 2, "old": 3, "error": 4, "bookmark": 5}
    assert dict(resource_pb2.EventType.items()) == {
        "CREATED": 0, "UPDATED": 1, "DESTROYED": 2, "BOOTSTRAPPED": 3, "ERRORED": 4, "NOOP": 5}
