"""`talosbond nad`: Multus NetworkAttachmentDefinitions for the VLANs of a patch or a machine config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.config import load_documents

SEED = FIXTURES / "e1000e-onboard-plus-addin"
HOMELAB = ("--from", str(SEED), "--ports", "enp0s31f6,enp1s0", "--mode", "active-backup", "--dhcp",
           "--vlan", "87:10.13.87.19/24")
LONG_PARENT = """\
machine:
    network:
        interfaces:
            - interface: bond-uplink-a
              mtu: 9000
              bond:
                  deviceSelectors:
                      - driver: e1000e
                        permanentAddr: 10:e7:c6:16:*
                  mode: active-backup
              vlans:
                  - vlanId: 87
                    mtu: 9000
                    addresses:
                        - 10.13.87.19/24
                  - vlanId: 88
"""
NAMED_VLAN = """\
apiVersion: v1alpha1
kind: BondConfig
name: bond0
links: [bond0-m0]
bondMode: active-backup
mtu: 9000
---
apiVersion: v1alpha1
kind: VLANConfig
name: media
vlanID: 87
parent: bond0
mtu: 1500
"""


def _patch(tmp_path: Path, *extra: str) -> Path:
    target = tmp_path / "bond.yaml"
    result = run("patch", *HOMELAB, *extra, "-o", str(target))
    assert result.code == 0, result.err
    return target


def _nads(*args: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    result = run("nad", *args)
    assert result.code == 0, result.err
    documents = load_documents(result.out, "out")
    configs = [json.loads(doc["spec"]["config"]) for doc in documents]
    for doc in documents:
        assert (doc["apiVersion"], doc["kind"]) == ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
    return documents, configs, result.err


@pytest.mark.parametrize("version", ["1.11", "1.12"])
def test_homelab_patch_gives_bond0_87(tmp_path: Path, version: str) -> None:
    patch = _patch(tmp_path, "--talos-version", version)
    assert ("VLANConfig" in patch.read_text()) == (version == "1.12")
    documents, (config,), err = _nads(str(patch))
    assert documents[0]["metadata"] == {"name": "vlan87"}
    assert config["master"] == "bond0.87" and config["type"] == "macvlan" and config["mode"] == "bridge"
    assert config["name"] == "vlan87" and config["cniVersion"]
    assert config["ipam"] == {"type": "whereabouts", "range": "10.13.87.0/24", "exclude": ["10.13.87.19/32"]}
    assert "warning:" in err and "cannot reach each other" in err  # the homelab note's doubt


def test_a_long_parent_gets_talos_shortened_name(tmp_path: Path) -> None:
    config_file = tmp_path / "worker.yaml"
    config_file.write_text(LONG_PARENT)
    # nethelpers.VLANLinkName: first 4 bytes of the parent + 3 bytes of its SHA-256 in hex + ".<vid>".
    _, configs, err = _nads(str(config_file), "--range", "10.13.88.0/24")
    assert [c["master"] for c in configs] == ["bond11991a.87", "bond11991a.88"]
    assert "bond11991a.87" in err  # said, since it is not what people expect
    _, old, _ = _nads(str(config_file), "--vlan", "87", "--talos-version", "1.5")
    assert old[0]["master"] == "bond-uplink-a.87"


def test_multidoc_vlan_names_are_used_verbatim_and_mtu_is_capped(tmp_path: Path) -> None:
    config_file = tmp_path / "bond.yaml"
    config_file.write_text(NAMED_VLAN)
    _, (config,), _ = _nads(str(config_file), "--range", "10.13.87.0/24")
    assert config["master"] == "media" and config["mtu"] == 1500
    too_big = run("nad", str(config_file), "--range", "10.13.87.0/24", "--mtu", "9000")
    assert too_big.code == 2 and "larger than VLAN 87's MTU (1500)" in too_big.err and too_big.out == ""


def test_mtu_up_to_the_vlans_is_accepted(tmp_path: Path) -> None:
    config_file = tmp_path / "worker.yaml"
    config_file.write_text(LONG_PARENT)
    _, (config,), _ = _nads(str(config_file), "--vlan", "87", "--mtu", "8950")
    assert config["mtu"] == 8950
    # VLAN 88 has no MTU of its own: it is bounded by its parent's 9000.
    assert run("nad", str(config_file), "--vlan", "88", "--range", "10.1.0.0/24", "--mtu", "9001").code == 2


@pytest.mark.parametrize(("args", "expected"), [
    (("--type", "ipvlan"), {"type": "ipvlan", "master": "bond0.87", "mode": "l2"}),
    (("--type", "host-device", "--ipam", "dhcp"), {"type": "host-device", "device": "bond0.87",
                                                    "ipam": {"type": "dhcp"}}),
    (("--ipam", "host-local", "--range", "10.13.87.128/25"),
     {"ipam": {"type": "host-local", "ranges": [[{"subnet": "10.13.87.128/25"}]]}}),
    (("--ipam", "static", "--range", "10.13.87.50/24"),
     {"ipam": {"type": "static", "addresses": [{"address": "10.13.87.50/24"}]}}),
    (("--ipam", "static",), {"ipam": {"type": "static"}, "capabilities": {"ips": True}}),
    (("--ipam", "whereabouts", "--range", "10.13.87.128/25"),
     {"ipam": {"type": "whereabouts", "range": "10.13.87.128/25"}}),
])
def test_types_and_ipams(tmp_path: Path, args: tuple[str, ...], expected: dict[str, Any]) -> None:
    _, (config,), err = _nads(str(_patch(tmp_path)), *args)
    assert {key: config.get(key) for key in expected} == expected
    if "host-device" in args:
        assert "moves bond0.87 into the pod" in err


def test_choose_vlans_name_namespace_and_output_file(tmp_path: Path) -> None:
    config_file = tmp_path / "worker.yaml"
    config_file.write_text(LONG_PARENT)
    target = tmp_path / "nads.yaml"
    result = run("nad", str(config_file), "--range", "10.13.0.0/16", "--name", "media", "--namespace", "apps",
                 "-o", str(target))
    assert result.code == 0 and result.out == ""
    documents = load_documents(target.read_text(), "nads.yaml")
    assert [d["metadata"] for d in documents] == [{"name": "media-87", "namespace": "apps"},
                                                  {"name": "media-88", "namespace": "apps"}]
    _, only, _ = _nads(str(config_file), "--vlan", "88", "--range", "10.13.88.0/24")
    assert [c["master"] for c in only] == ["bond11991a.88"]


@pytest.mark.parametrize(("args", "message"), [
    (("--vlan", "99"), "has no VLAN 99"),
    (("--type", "bridge"), "unknown --type 'bridge'"),
    (("--ipam", "calico"), "unknown --ipam 'calico'"),
    (("--name", "Media_87"), "not a Kubernetes name"),
    (("--range", "banana"), "not a CIDR"),
    (("--ipam", "dhcp", "--range", "10.0.0.0/24"), "no use with --ipam dhcp"),
])
def test_bad_options_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run("nad", str(_patch(tmp_path)), *args)
    assert result.code == 2 and result.out == "" and message in result.err and "Traceback" not in result.err


def test_files_without_vlans_or_range(tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("machine:\n    network:\n        interfaces:\n            - interface: eth0\n              dhcp: true\n")
    assert "has no VLANs" in run("nad", str(plain)).err
    config_file = tmp_path / "worker.yaml"
    config_file.write_text(LONG_PARENT)
    no_range = run("nad", str(config_file), "--vlan", "88")
    assert no_range.code == 2 and "no address to take a pod range from" in no_range.err
    assert run("nad", str(tmp_path / "absent.yaml")).code == 2
