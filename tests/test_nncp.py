"""NNCP import (`patch --from-nncp`) and export (`patch --format nncp`) on the VMware capture."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.config import read_config
from talosbond.discovery import parse_raws
from talosbond.nncp import read_policy
from talosbond.patchjob import PatchRequest, run_patch
from talosbond.ranking import rank_node
from talosbond.simulate import prove
from talosbond.sources.capture import read_capture
from talosbond.validate import validate_documents

VM = FIXTURES / "vmxnet3-vmware-vm"
POLICIES = FIXTURES.parent / "nncp"
LACP = POLICIES / "bond-8023ad-static.yaml"
BACKUP = POLICIES / "bond-active-backup-primary.yaml"
RR = POLICIES / "bond-balance-rr-dhcp.yaml"
# How an alias expression may name each card: its bus path, or its permanent MAC.
CARDS = {"ens224": ("0000:13:00.0", "00:50:56:a5:9c:27"), "ens256": ("0000:1b:00.0", "00:50:56:a5:0d:4b")}


def _node() -> Any:
    nodes, _, _ = parse_raws(read_capture(str(VM)))
    return nodes[0]


def _convert(policy: Path, version: str, *extra: str) -> tuple[Any, str]:
    result = run("patch", "--from", str(VM), "--from-nncp", str(policy), "--talos-version", version, *extra)
    assert result.code == 0, result.err
    return read_config(result.out, "out"), result.err


def _proven(view: Any, members: tuple[str, ...], version: tuple[int, int]) -> None:
    proofs = prove(view, _node(), version, {"bond0": members})
    assert proofs and all(p.ok for p in proofs), [p.problems() for p in proofs]


def _bond_doc(view: Any) -> dict[str, Any]:
    (_, doc), = view.of_kind("BondConfig")
    return doc


@pytest.mark.parametrize("version", ["1.11", "1.12"])
def test_lacp_policy_converts_with_options_and_address(version: str) -> None:
    view, err = _convert(LACP, version)
    validate_documents(list(view.documents), (1, int(version[2:])), "out")
    _proven(view, ("ens224", "ens256"), (1, int(version[2:])))
    if version == "1.11":
        bond, = view.legacy_bonds
        assert bond.bond["mode"] == "802.3ad" and bond.bond["lacpRate"] == "fast"
        assert bond.bond["xmitHashPolicy"] == "layer3+4" and bond.bond["miimon"] == 100
        assert bond.device["addresses"] == ["192.168.100.10/24"] and bond.device["mtu"] == 1500
        assert all(s.driver == "vmxnet3" and s.permanent_addr for s in bond.selectors)
    else:
        doc = _bond_doc(view)
        assert (doc["bondMode"], doc["lacpRate"], doc["xmitHashPolicy"]) == ("802.3ad", "fast", "layer3+4")
        assert doc["addresses"] == [{"address": "192.168.100.10/24"}]
    assert "interfaces[0].description" in err  # the one field Talos cannot express
    assert "needs nothing in Talos" in err  # the ports' ipv4/ipv6 enabled: false


@pytest.mark.parametrize("version", ["1.11", "1.12"])
def test_active_backup_primary_is_named_or_goes_first(version: str) -> None:
    view, err = _convert(BACKUP, version)
    validate_documents(list(view.documents), (1, int(version[2:])), "out")
    if version == "1.11":
        bond, = view.legacy_bonds
        assert bond.bond["primary"] == "ens224" and bond.device["addresses"] == ["10.10.0.10/24"]
        _proven(view, ("ens256", "ens224"), (1, 11))
        return
    doc = _bond_doc(view)
    assert "primary" not in doc and doc["addresses"] == [{"address": "10.10.0.10/24"}]
    first = next(a for a in view.aliases if a.name == doc["links"][0])
    assert any(key in first.expression for key in CARDS["ens224"])  # the primary card is enslaved first
    assert "ens224 goes first in `links`" in err
    _proven(view, ("ens224", "ens256"), (1, 12))


@pytest.mark.parametrize("version", ["1.11", "1.12"])
def test_balance_rr_dhcp_policy(version: str) -> None:
    view, _ = _convert(RR, version)
    validate_documents(list(view.documents), (1, int(version[2:])), "out")
    _proven(view, ("ens224", "ens256"), (1, int(version[2:])))
    if version == "1.11":
        bond, = view.legacy_bonds
        assert bond.device["dhcp"] is True and bond.bond["mode"] == "balance-rr" and bond.bond["miimon"] == 140
    else:
        assert _bond_doc(view)["bondMode"] == "balance-rr"
        assert {d["name"] for _, d in view.of_kind("DHCPv4Config")} == {"bond0", "ens192"}


def test_command_line_overrides_the_policy() -> None:
    view, _ = _convert(RR, "1.11", "--miimon", "200", "--vlan", "87:10.13.87.5/24", "--mtu", "9000")
    bond, = view.legacy_bonds
    assert bond.bond["miimon"] == 200 and bond.device["mtu"] == 9000
    assert bond.device["vlans"] == [{"vlanId": 87, "addresses": ["10.13.87.5/24"], "mtu": 9000}]
    assert bond.device["dhcp"] is True  # what the command line did not say stays as the policy has it


EVERYTHING = """\
apiVersion: nmstate.io/v1beta1
kind: NodeNetworkConfigurationPolicy
metadata:
  name: everything
spec:
  maxUnavailable: 3
  desiredState:
    dns-resolver:
      config:
        server: [10.0.0.53]
    interfaces:
      - name: bond0
        type: bond
        state: up
        mac-address: 00:50:56:00:00:01
        ipv4:
          enabled: true
          dhcp: true
          auto-dns: false
        link-aggregation:
          mode: 4
          options:
            miimon: 100
            updelay: 200
            downdelay: 200
            lacp_rate: 1
            ad_select: bandwidth
            ad_actor_sys_prio: 100
            ad_actor_system: 02:00:00:00:00:01
            lacp_active: "on"
            min_links: 1
            resend_igmp: 2
            all_slaves_active: delivered
            arp_missed_max: 3
          ports-config:
            - name: ens224
              queue-id: 1
            - name: ens256
      - name: bond0.87
        type: vlan
        state: up
        vlan:
          base-iface: bond0
          id: 87
          protocol: 802.1ad
        ipv4:
          enabled: true
          address:
            - ip: 10.13.87.5
              prefix-length: 24
      - name: ens192
        type: ethernet
        state: up
    routes:
      config:
        - destination: 10.99.0.0/16
          next-hop-address: 10.13.87.1
          next-hop-interface: bond0.87
        - destination: 0.0.0.0/0
          next-hop-address: 10.0.0.1
          next-hop-interface: ens192
        - destination: 10.98.0.0/16
          next-hop-interface: bond0
          table-id: 100
    route-rules:
      config: []
"""


def test_what_talos_cannot_express_is_listed_and_the_rest_converts(tmp_path: Path) -> None:
    policy = tmp_path / "everything.yaml"
    policy.write_text(EVERYTHING)
    view, err = _convert(policy, "1.12")
    listed = [line.split("not carried over: ", 1)[1] for line in err.splitlines() if "not carried over: " in line]
    for expected in ("spec.maxUnavailable", "interfaces[0].mac-address", "interfaces[0].ipv4.auto-dns",
                     "options.ad_actor_system", "ports-config[ens224].queue-id", "interfaces[1].vlan.protocol",
                     "interfaces[2] (ens192, ethernet)", "routes.config[1]: goes through ens192",
                     "routes.config[2]: table-id", "dns-resolver", "route-rules"):
        assert sum(expected in line for line in listed) == 1, (expected, listed)
    doc = _bond_doc(view)
    assert doc["bondMode"] == "802.3ad" and doc["lacpRate"] == "fast"
    assert (doc["adSelect"], doc["adActorSysPrio"], doc["adLACPActive"], doc["minLinks"], doc["resendIGMP"],
            doc["allSlavesActive"], doc["missedMax"]) == ("bandwidth", 100, "on", 1, 2, 1, 3)
    (_, vlan), = view.of_kind("VLANConfig")
    assert vlan["routes"] == [{"destination": "10.99.0.0/16", "gateway": "10.13.87.1"}]
    _proven(view, ("ens224", "ens256"), (1, 12))
    legacy, legacy_err = _convert(policy, "1.11")
    bond, = legacy.legacy_bonds
    assert bond.bond["resendIgmp"] == 2 and "adLACPActive" not in bond.bond
    assert "adLACPActive cannot be written in the v1alpha1 bond" in legacy_err


@pytest.mark.parametrize(("text", "message"), [
    ("kind: NodeNetworkConfigurationPolicy\napiVersion: nmstate.io/v2\nspec: {}\n", "nmstate.io/v2"),
    ("interfaces:\n  - name: eth0\n    type: ethernet\n", "has 0 bonds"),
    ("interfaces:\n  - {name: bond0, type: bond, link-aggregation: {port: [ens224]}}\n", "no link-aggregation.mode"),
    ("interfaces:\n  - {name: bond0, type: bond, link-aggregation: {mode: lacp, port: [ens224, ens256]}}\n",
     "unknown bond mode 'lacp'"),
    ("interfaces:\n  - {name: bond0, type: bond, link-aggregation: {mode: 802.3ad, port: [ens9]}}\n",
     "no card named 'ens9'"),
    ("interfaces:\n  - {name: bond0, type: bond, link-aggregation: {mode: 802.3ad, options: {miimon: x},"
     " port: [ens224]}}\n", "expected a number"),
    ("interfaces: [unclosed\n", "policy.yaml"),
    ("interfaces:\n  - {name: bond0, type: bond, link-aggregation: {mode: 1, port: [ens224]}}\n"
     "  - {name: bond1, type: bond, link-aggregation: {mode: 1, port: [ens256]}}\n", "choose one with --bond"),
])
def test_bad_policies_are_one_line_and_exit_2(tmp_path: Path, text: str, message: str) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(text)
    result = run("patch", "--from", str(VM), "--from-nncp", str(policy))
    assert result.code == 2 and result.out == ""
    assert message in result.err and "Traceback" not in result.err


def test_a_vlan_mtu_above_the_bonds_is_refused(tmp_path: Path) -> None:
    policy = tmp_path / "jumbo.yaml"
    policy.write_text("interfaces:\n  - {name: bond0, type: bond, link-aggregation: {mode: active-backup, "
                      "port: [ens224, ens256]}}\n  - {name: bond0.87, type: vlan, mtu: 9000, "
                      "vlan: {base-iface: bond0, id: 87}}\n")
    refused = run("patch", "--from", str(VM), "--from-nncp", str(policy))
    assert refused.code == 2 and "VLAN 87 MTU 9000 is larger than the bond's 1500" in refused.err
    view, _ = _convert(policy, "1.11", "--mtu", "9000")
    assert view.legacy_bonds[0].device["vlans"] == [{"vlanId": 87, "mtu": 9000}]


def test_bare_desired_state_and_slaves_are_read(tmp_path: Path) -> None:
    policy = tmp_path / "state.yaml"
    policy.write_text("interfaces:\n  - name: bond1\n    type: bond\n    link-aggregation:\n      mode: active-backup\n"
                      "      slaves: [ens256, ens224]\n")
    view, _ = _convert(policy, "1.11")
    bond, = view.legacy_bonds
    assert bond.name == "bond1" and bond.bond["mode"] == "active-backup"


def _plan_of(text: str, fmt: str = "nncp") -> Any:
    node = _node()
    policy = read_policy(text, "policy.yaml")
    return run_patch(PatchRequest(fmt=fmt), [rank_node(node)], [node], policy)


@pytest.mark.parametrize("policy", [LACP, BACKUP, RR], ids=lambda p: p.stem)
def test_export_then_import_gives_the_same_plan(policy: Path) -> None:
    first = _plan_of(policy.read_text())
    second = _plan_of(first.text)
    assert replace(second.plan, notes=()) == replace(first.plan, notes=())
    assert second.text == first.text


def test_export_round_trips_vlans_routes_and_options(tmp_path: Path) -> None:
    first = _plan_of(EVERYTHING)
    assert first.plan.vlans and first.plan.routes and first.plan.options
    second = _plan_of(first.text)
    assert replace(second.plan, notes=()) == replace(first.plan, notes=())


def test_export_names_ports_and_quiets_them() -> None:
    result = run("patch", "--from", str(VM), "--from-nncp", str(BACKUP), "--format", "nncp")
    assert result.code == 0, result.err
    document = read_config(result.out, "out").documents[0]
    assert (document["apiVersion"], document["kind"]) == ("nmstate.io/v1", "NodeNetworkConfigurationPolicy")
    interfaces = {i["name"]: i for i in document["spec"]["desiredState"]["interfaces"]}
    bond = interfaces["bond0"]
    assert bond["link-aggregation"] == {"mode": "active-backup", "options": {"miimon": 100, "primary": "ens224"},
                                        "port": ["ens256", "ens224"]}
    assert bond["ipv4"] == {"enabled": True, "address": [{"ip": "10.10.0.10", "prefix-length": 24}]}
    for port in ("ens224", "ens256"):
        assert interfaces[port]["ipv4"] == {"enabled": False} and interfaces[port]["ipv6"] == {"enabled": False}


def test_export_from_plain_options() -> None:
    result = run("patch", "--from", str(VM), "--ports", "ens224,ens256", "--mode", "802.3ad", "--vlan",
                 "87:10.13.87.5/24", "--address", "192.168.100.10/24", "--gateway", "192.168.100.1", "--format", "nncp")
    assert result.code == 0, result.err
    state = read_config(result.out, "out").documents[0]["spec"]["desiredState"]
    vlan = next(i for i in state["interfaces"] if i["type"] == "vlan")
    assert vlan["vlan"] == {"base-iface": "bond0", "id": 87}
    assert state["routes"]["config"] == [{"destination": "0.0.0.0/0", "next-hop-address": "192.168.100.1",
                                          "next-hop-interface": "bond0"}]
