"""`talosctl get links` output: real samples, fixtures, every field, and malformed pastes."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from conftest import sample, sample_text, scenarios, typed_tree

from talosbond.errors import ParseError
from talosbond.parsing.links import parse_links
from talosbond.parsing.yamlish import _fast, _slow, _Unsupported, load_stream

BOND_MEMBER = """\
node: 10.0.0.5
metadata:
    namespace: network
    type: LinkStatuses.net.talos.dev
    id: enp1s0f0
    version: 7
    owner: network.LinkStatusController
    phase: running
    created: 2026-10-02T08:14:51Z
    updated: 2026-10-02T08:15:03Z
spec:
    alias: uplink0
    altNames:
        - enx3cfdfe9e4a10
    index: 4
    type: ether
    linkIndex: 0
    flags: UP,BROADCAST,RUNNING,SLAVE,MULTICAST,LOWER_UP
    hardwareAddr: 3c:fd:fe:9e:4a:12
    permanentAddr: 3c:fd:fe:9e:4a:10
    broadcastAddr: ff:ff:ff:ff:ff:ff
    mtu: 9000
    queueDisc: mq
    masterIndex: 9
    operationalState: up
    kind: ""
    slaveKind: bond
    busPath: "0000:01:00.0"
    pciID: 8086:10FB
    driver: ixgbe
    driverVersion: "1.0.0\\00-talos"
    firmwareVersion: 0x800008c5
    productID: "0x10fb"
    vendorID: "0x8086"
    product: 82599ES 10-Gigabit SFI/SFP+ Network Connection
    vendor: Intel Corporation
    linkState: true
    speedMbit: 10000
    port: ""
    duplex: Full
    someFieldFromTalos2: {}
"""

VLAN = """\
node: 10.0.0.5
metadata:
    namespace: network
    type: LinkStatuses.net.talos.dev
    id: bond0.87
    version: 1
    owner: network.LinkStatusController
    phase: running
    created: 2026-10-02T08:14:51Z
    updated: 2026-10-02T08:14:51Z
spec:
    index: 11
    type: ether
    linkIndex: 9
    flags: UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP
    hardwareAddr: 3c:fd:fe:9e:4a:12
    permanentAddr: ""
    broadcastAddr: ff:ff:ff:ff:ff:ff
    mtu: 1500
    queueDisc: noqueue
    operationalState: up
    kind: vlan
    slaveKind: ""
    driver: 802.1Q VLAN Support
    linkState: true
    speedMbit: 4294967295
    port: Other
    duplex: Unknown
    vlan:
        vlanID: 87
        vlanProtocol: 802.1q
"""


def test_every_field_of_a_bond_member() -> None:
    (node, links), = parse_links(BOND_MEMBER, "member.yaml").items()
    link, = links
    assert node == "10.0.0.5"
    assert link.name == "enp1s0f0" and link.alias == "uplink0" and link.alt_names == ("enx3cfdfe9e4a10",)
    assert (link.index, link.master_index, link.mtu) == (4, 9, 9000)
    assert link.hardware_addr == "3c:fd:fe:9e:4a:12" and link.permanent_addr == "3c:fd:fe:9e:4a:10"
    assert link.identity_mac == "3c:fd:fe:9e:4a:10"
    assert link.is_bond_member and link.physical
    assert link.bus_path == "0000:01:00.0" and link.pci_id == "8086:10FB" and link.driver == "ixgbe"
    assert link.driver_version == "1.0.0\x000-talos"  # Go's yaml writes an embedded NUL as \0
    assert link.product_id == "0x10fb" and link.vendor == "Intel Corporation"
    assert link.speed_mbit == 10000 and link.link_state is True
    assert link.port == ""  # Talos >= 1.8 prints Fibre as "" (an enum rendering quirk)


def test_vlan_link_and_unknown_speed() -> None:
    link, = parse_links(VLAN)["10.0.0.5"]
    assert link.kind == "vlan" and not link.physical
    assert link.vlan_id == 87 and link.vlan_protocol == "802.1q" and link.link_index == 9
    assert link.speed_mbit is None
    assert link.permanent_addr == ""


def test_multi_node_stream_keeps_nodes_apart() -> None:
    other = BOND_MEMBER.replace("node: 10.0.0.5", "node: 10.0.0.6")
    nodes = parse_links(BOND_MEMBER + "---\n" + VLAN + "---\n" + other)
    assert list(nodes) == ["10.0.0.5", "10.0.0.6"]
    assert [x.name for x in nodes["10.0.0.5"]] == ["enp1s0f0", "bond0.87"]


def test_json_output_is_concatenated_objects() -> None:
    docs = [d.data for d in load_stream(BOND_MEMBER + "---\n" + VLAN, "x")]
    def stamp(value: object) -> str:  # talosctl -o json writes timestamps as RFC 3339 text
        assert isinstance(value, datetime.datetime)
        return value.isoformat().replace("+00:00", "Z")

    text = "".join(json.dumps(d, indent=4, sort_keys=True, default=stamp) + "\n" for d in docs)
    from_json = parse_links(text, "links.json")["10.0.0.5"]
    from_yaml = parse_links(BOND_MEMBER + "---\n" + VLAN)["10.0.0.5"]
    assert from_json == from_yaml


def test_invalid_json_names_the_line() -> None:
    with pytest.raises(ParseError) as err:
        parse_links('{"node": "a",\n "metadata": }', "links.json")
    assert err.value.line == 2 and "links.json:2" in str(err.value)


@pytest.mark.parametrize("path", scenarios(), ids=lambda p: p.relative_to(p.parent.parent).as_posix())
def test_fast_reader_agrees_with_ruamel_on_fixtures(path: Path) -> None:
    """The line reader must give what a real YAML loader gives, types included, for every fixture document."""
    for name in ("links.yaml", "addresses.yaml", "routes.yaml"):
        if not (path / name).is_file():
            continue
        for chunk in (path / name).read_text().split("\n---\n"):
            lines = chunk.splitlines()
            fast = _fast(lines)
            slow = _slow(lines, "x", 1)
            assert fast == slow
            assert typed_tree(fast) == typed_tree(slow)


@pytest.mark.parametrize("lines", [
    ["a:", "- 1", "- 2", "b: 3"],  # a list at its key's indent, then the next key
    ["a:", "  - x", "b:", "- y", "c:"],
    ["top:", "  l:", "  - 1", "  k: v", "z: 1"],
    ["- name: x", "  files:", "  - a", "  kind: y"],  # a top-level list: left to ruamel
    ["top:", "  l:", "  - 1", " k: v"],  # a key at no open indent: left to ruamel, which refuses it
], ids=lambda lines: "|".join(lines))
def test_fast_reader_reads_compact_lists_as_ruamel_does(lines: list[str]) -> None:
    try:
        fast = _fast(lines)
    except _Unsupported:
        return
    assert fast == _slow(lines, "x", 1)


def test_the_scalar_memo_never_shares_a_container() -> None:
    """Scalars are remembered by their text; an empty `{}` or `[]` must still be a new object each time, or
    a caller adding to one would change every document that has one."""
    first = _fast(["a: {}", "b: []", "c: x"])
    second = _fast(["a: {}", "b: []", "c: x"])
    assert first["a"] is not second["a"] and first["b"] is not second["b"]
    first["a"]["added"] = 1
    assert second == {"a": {}, "b": [], "c": "x"}


def test_a_skipped_document_leaves_the_others_and_their_lines() -> None:
    text = "a: 1\n---\nspec:\n    table: local\n---\n# note\nb: 2\n"
    docs = list(load_stream(text, "routes.yaml", skip="    table: local"))
    assert [(d.line, d.data) for d in docs] == [(1, {"a": 1}), (7, {"b": 2})]
    assert len(list(load_stream(text, "routes.yaml"))) == 3


@pytest.mark.parametrize("value", [
    "1500", "-3", "+12", "017", "0", "true", "False", "TRUE", "null", "~", "ixgbe", "10:e7:c6:16:2a:01",
    "0000:00:1f.6", "8086:15E3", "1.0.0", "5.15.0-talos", "2024-11-16T08:58:33Z", "2024-11-16T08:58:33.123456789Z",
    "2024-11-16T08:58:33.9999996Z", "0x10fb", "0o17", "0b101", "1_000", "1.5", "1e3", ".inf", ".NaN", "2024-11-16",
    "2024-11-16 08:58:33", "yes", "on", "-", "+", ".", "1:20", "uplink0",
])
def test_fast_reader_types_scalars_as_ruamel_does(value: str) -> None:
    lines = [f"key: {value}"]
    try:
        fast = _fast(lines)
    except _Unsupported:
        return  # ruamel reads this document, so the two agree by construction
    slow = _slow(lines, "x", 1)
    assert typed_tree(fast) == typed_tree(slow)
    assert fast == slow or (slow["key"] != slow["key"])  # NaN is unequal to itself


# --- the real samples people pasted ---------------------------------------------------------------

def test_talos_docs_sample_parses() -> None:
    link, = parse_links(sample_text("links/talos-docs-v1.8-networking-resources-links.yaml"))["172.20.0.2"]
    assert link.name == "eth0" and link.driver == "virtio_net" and link.physical
    assert link.speed_mbit is None and link.bus_path == "" and link.permanent_addr == ""


def test_redacted_paste_is_rejected_at_the_broken_line() -> None:
    text = sample("links/talos-issue-9853-links.yaml").read_text()
    with pytest.raises(ParseError) as err:
        parse_links(text, "9853.yaml")
    broken = next(i for i, line in enumerate(text.splitlines(), 1) if 'permanentAddr:"' in line)
    assert err.value.line == broken
    assert "9853.yaml" in str(err.value)


def test_spec_fragments_are_rejected_as_excerpts() -> None:
    with pytest.raises(ParseError) as err:
        parse_links(sample("links/talos-pr-5600-5607-links-spec-fragments.yaml").read_text(), "frag.yaml")
    assert "LinkStatus" in err.value.expected


@pytest.mark.parametrize("name", [
    "links/aviator-coding-home-ops-links-table-bond.txt",
    "links/cozystack-talos-bootstrap-pr-9-links-table.txt",
])
def test_table_output_is_rejected_with_a_hint(name: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_links(sample_text(name), name)
    assert "-o yaml" in err.value.hint


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty_input_is_rejected(text: str) -> None:
    with pytest.raises(ParseError):
        parse_links(text, "empty.yaml")


def test_wrong_resource_type_is_named() -> None:
    text = BOND_MEMBER.replace("LinkStatuses.net.talos.dev", "AddressStatuses.net.talos.dev")
    with pytest.raises(ParseError, match="AddressStatuses"):
        parse_links(text, "a.yaml")


def test_bad_field_type_names_document_and_field() -> None:
    with pytest.raises(ParseError, match=r"spec\.mtu: expected an integer"):
        parse_links(BOND_MEMBER.replace("mtu: 9000", "mtu: big"), "a.yaml")
