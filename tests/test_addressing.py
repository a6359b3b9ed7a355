"""A bond over the card that holds the node's address takes that address over (or is refused, TB013)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.merge import patch_text

STATIC = FIXTURES / "e1000e-static-address"  # the address and default route in the config, on enp0s31f6
SEED = FIXTURES / "e1000e-onboard-plus-addin"  # the same, known only from addresses.yaml / routes.yaml


def _patch(capture: Path, *args: str) -> str:
    result = run("patch", "--from", str(capture), *args)
    assert result.code == 0, result.err
    return result.out


def _interfaces(docs: list[Any]) -> dict[str, dict[str, Any]]:
    return {i["interface"]: i for i in docs[0]["machine"]["network"]["interfaces"]}


def test_the_bond_takes_the_cards_static_address_and_default_route_without_flags() -> None:
    merged = patch_text((STATIC / "machineconfig.yaml").read_text(), [_patch(STATIC)], (1, 11))
    items = _interfaces(merged)
    assert "enp0s31f6" not in items  # a member keeps no address: its entry is deleted
    assert items["bond0"]["addresses"] == ["10.13.17.19/24"]
    assert items["bond0"]["routes"] == [{"network": "0.0.0.0/0", "gateway": "10.13.17.1"}]


def test_from_addresses_and_routes_alone_a_static_address_is_kept_too() -> None:
    text = _patch(SEED)
    assert "- 10.13.17.19/24" in text and "gateway: 10.13.17.1" in text


def test_an_address_without_a_gateway_keeps_the_default_route() -> None:
    merged = patch_text((STATIC / "machineconfig.yaml").read_text(),
                        [_patch(STATIC, "--address", "10.13.17.19/24")], (1, 11))
    bond = _interfaces(merged)["bond0"]
    assert bond["addresses"] == ["10.13.17.19/24"]
    assert bond["routes"] == [{"network": "0.0.0.0/0", "gateway": "10.13.17.1"}]
    assert "gateway: 10.13.17.1" in _patch(SEED, "--address", "10.13.17.19/24")


def test_multi_document_targets_take_the_address_and_leave_no_legacy_entry() -> None:
    text = _patch(STATIC, "--talos-version", "1.12")
    docs = patch_text((STATIC / "machineconfig.yaml").read_text(), [text], (1, 12))
    assert "interfaces" not in docs[0]["machine"]["network"] or not docs[0]["machine"]["network"]["interfaces"]
    (bond,) = [d for d in docs if d.get("kind") == "BondConfig"]
    assert bond["addresses"] == [{"address": "10.13.17.19/24"}]
    assert bond["routes"] == [{"gateway": "10.13.17.1"}]


def test_dhcp_stays_dhcp(tmp_path: Path) -> None:
    capture = tmp_path / "dhcp"
    shutil.copytree(SEED, capture)
    routes = capture / "routes.yaml"
    routes.write_text(routes.read_text().replace("    protocol: static", "    protocol: boot"))
    text = _patch(capture)
    assert "dhcp: true" in text and "10.13.17.19/24" not in text
    assert "kind: DHCPv4Config\nname: bond0" in _patch(capture, "--talos-version", "1.12")


@pytest.mark.parametrize("version", ["1.11", "1.12"])
def test_when_it_cannot_tell_it_refuses_with_tb013_naming_the_flags(tmp_path: Path, version: str) -> None:
    capture = tmp_path / "no-routes"
    shutil.copytree(SEED, capture)
    (capture / "routes.yaml").unlink()
    result = run("patch", "--from", str(capture), "--talos-version", version)
    assert result.code == 1
    assert "TB013" in result.out + result.err
    assert "--dhcp" in result.err and "--address" in result.err
    assert result.out == "" or "TB013" in result.out  # no patch is printed


def test_tb013_runs_on_a_multi_document_patch(tmp_path: Path) -> None:
    text = _patch(SEED, "--talos-version", "1.12")
    stripped = tmp_path / "no-address.yaml"  # the same bond, without the address talosbond carried over
    stripped.write_text(text.split("addresses:")[0])
    result = run("lint", str(stripped), "--from", str(SEED), "--talos-version", "1.12")
    assert result.code == 1 and "TB013" in result.out
    kept = tmp_path / "kept.yaml"
    kept.write_text(text)
    assert run("lint", str(kept), "--from", str(SEED), "--talos-version", "1.12").code == 0
