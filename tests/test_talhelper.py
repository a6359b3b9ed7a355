"""`patch --format talhelper`: the `networkInterfaces` list of one node in talhelper's talconfig.yaml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run
from conftest import FIXTURES
from jsonschema import Draft202012Validator

from talosbond.config import load_documents

SCHEMA = json.loads((Path(__file__).parent / "data" / "talhelper-network-interfaces.schema.json").read_text())
SEED = FIXTURES / "e1000e-onboard-plus-addin"
VM = FIXTURES / "vmxnet3-vmware-vm"


def _talhelper(*args: str) -> dict:  # type: ignore[type-arg]
    result = run("patch", "--format", "talhelper", *args)
    assert result.code == 0, result.err
    document, = load_documents(result.out, "out")
    errors = [e.message for e in Draft202012Validator(SCHEMA).iter_errors(document)]
    assert errors == []
    return document  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", ["1.11", "1.12", "1.13"])
def test_one_selector_per_card_so_talhelper_aliases_match_one_each(version: str) -> None:
    # For 1.12+ talhelper turns bond selector i into the fixed alias <bond>-m<i>, which Talos skips when it
    # matches more than one card: the e1000e pair shares a MAC prefix a glob would otherwise cover.
    document = _talhelper("--from", str(SEED), "--ports", "enp0s31f6,enp1s0", "--dhcp", "--vlan",
                          "87:10.13.87.19/24", "--talos-version", version)
    device, = document["networkInterfaces"]
    assert device["interface"] == "bond0" and device["dhcp"] is True
    selectors = device["bond"]["deviceSelectors"]
    assert [s["permanentAddr"] for s in selectors] == ["10:e7:c6:16:5a:3c", "10:e7:c6:16:d2:81"]
    assert all(s["driver"] == "e1000e" and s["physical"] is True for s in selectors)
    assert device["vlans"] == [{"vlanId": 87, "addresses": ["10.13.87.19/24"]}]


def test_the_nncp_recipe_as_talhelper_keeps_primary_and_options() -> None:
    document = _talhelper("--from", str(VM), "--from-nncp", str(FIXTURES.parent / "nncp" /
                                                                  "bond-active-backup-primary.yaml"))
    device, = document["networkInterfaces"]
    assert device["bond"]["primary"] == "ens224" and device["bond"]["mode"] == "active-backup"
    assert device["addresses"] == ["10.10.0.10/24"]


def test_shape_matches_talhelpers_own_example() -> None:
    # budimanjojo/talhelper example/talconfig.yaml: interface, bond.mode, bond.deviceSelectors, addresses,
    # mtu, routes (network + gateway) on one entry.
    document = _talhelper("--from", str(VM), "--ports", "ens224,ens256", "--mode", "802.3ad", "--address",
                          "192.168.200.11/24", "--gateway", "192.168.200.1", "--mtu", "1500")
    device, = document["networkInterfaces"]
    assert list(device)[:1] == ["interface"]
    assert device["routes"] == [{"network": "0.0.0.0/0", "gateway": "192.168.200.1"}]
    assert device["mtu"] == 1500 and device["bond"]["mode"] == "802.3ad"
