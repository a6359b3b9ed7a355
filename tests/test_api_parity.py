"""`--source api` and `--from` give equal node records, field by field, for every capture under
fixtures/links: the test server encodes each capture as Talos's protobuf, the API source decodes it, and
the result must equal what the capture parser makes of the same YAML, down to the bond settings and the
fields a dataclass leaves out of `==`."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from conftest import scenarios
from talos_test_server import DEFAULT_VERSION, NodeData, Pki, TalosTestServer, write_talosconfig

from talosbond.discovery import discover
from talosbond.model import Node
from talosbond.sources import Connection

# What the API source cannot know and the capture can: the node's machine config is read separately
# (`talosctl get machineconfig` is not part of discovery).
NOT_FROM_THE_API = {"machineconfig", "config"}
VERSION_FIELDS = {"talos_version", "version"}


def _every_field(record: Any) -> dict[str, Any]:
    """All fields of a dataclass record, those left out of `==` included, nested records opened."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: _every_field(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, (tuple, list)):
        return {"items": [_every_field(r) for r in record]}
    if isinstance(record, dict):
        return {k: _every_field(v) for k, v in record.items()}
    return record


def _api_and_capture(folder: Path, tmp_path: Path, pki: Pki, pki_dir: Path) -> tuple[Node, Node]:
    """The node through the API source and through the capture parser. A capture without
    /proc/net/dev is a node in maintenance mode: asked with --insecure, as the node itself (no client
    certificate, no `Read`), so its record is named by its address."""
    node = NodeData.from_dir(folder)
    maintenance = not (folder / "netdev.txt").is_file()
    with TalosTestServer({node.name: node}, pki_dir, maintenance=maintenance) as srv:
        if maintenance:
            conn = Connection(nodes=(srv.endpoint,), insecure=True, source="api")
        else:
            config = write_talosconfig(tmp_path / "talosconfig", ca=pki.ca, endpoints=[srv.endpoint],
                                       client=pki.issue(server=False, org="os:admin"))
            conn = Connection(nodes=(node.name,), talosconfig=str(config), source="api", want_bonding=True)
        found = discover(conn)
    expected = discover(Connection(from_dir=str(folder), want_bonding=True))
    assert found.errors == () and expected.errors == ()
    got = found.nodes[0]
    return (dataclasses.replace(got, name=expected.nodes[0].name) if maintenance else got), expected.nodes[0]


@pytest.mark.parametrize("folder", scenarios(), ids=lambda p: p.parent.name + "/" + p.name
                         if p.parent.name != "links" else p.name)
def test_api_node_equals_capture_node(folder: Path, tmp_path: Path, pki: Pki, pki_dir: Path) -> None:
    got, want = _api_and_capture(folder, tmp_path, pki, pki_dir)
    has_version = (folder / "version.txt").is_file()
    for field in dataclasses.fields(Node):
        ours, theirs = _every_field(getattr(got, field.name)), _every_field(getattr(want, field.name))
        if field.name in NOT_FROM_THE_API:
            continue
        if field.name in VERSION_FIELDS and not has_version:
            assert str(getattr(got, field.name)) in (DEFAULT_VERSION, DEFAULT_VERSION.lstrip("v"))
            continue
        assert ours == theirs, f"{folder.name}: Node.{field.name} differs between --source api and --from"


def test_the_fixtures_exercise_bonds_vlans_addresses_and_routes(tmp_path: Path, pki: Pki, pki_dir: Path) -> None:
    """The parity above is only worth something if the captures hold what the decoder maps."""
    seen: set[str] = set()
    for folder in scenarios():
        node = _api_and_capture(folder, tmp_path, pki, pki_dir)[0]
        for link in node.links:
            if link.bond_master is not None:
                seen.add("bond settings")
                if link.bond_master["primaryIndex"]:
                    seen.add("bond primary")
            if link.vlan_id is not None:
                seen.add("vlan")
        if any(a.scope and a.flags for a in node.addresses):
            seen.add("address scope and flags")
        if any(r.protocol and r.type and r.scope for r in node.routes):
            seen.add("route protocol, type and scope")
        if node.bonds:
            seen.add("/proc/net/bonding")
    assert seen == {"bond settings", "bond primary", "vlan", "address scope and flags",
                    "route protocol, type and scope", "/proc/net/bonding"}
