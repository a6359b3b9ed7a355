"""Repairing the bond a node already runs: `patch` replaces what the node's config has, `apply` commits it.

The node is the homelab mini PC after the seed config (`post-bond-vlan-pitfall`): bond0 with a
`hardwareAddr`-only selector (the EBUSY loop), VLAN 87, the node's address and default route on bond0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli import run
from conftest import FIXTURES
from standin import FakeCluster, make_cluster

from talosbond.config import read_config
from talosbond.merge import patch_text
from talosbond.parsing import build_node
from talosbond.simulate import prove
from talosbond.sources.capture import read_node_dir
from talosbond.yamlout import dump_yaml

PITFALL = FIXTURES / "post-bond-vlan-pitfall"
CURRENT = (PITFALL / "machineconfig.yaml").read_text()
NEW_SELECTOR = [{"permanentAddr": "10:e7:c6:16:*", "driver": "e1000e", "physical": True}]


def _bond0(docs: list[Any]) -> dict[str, Any]:
    items = docs[0]["machine"]["network"]["interfaces"]
    bonds = [i for i in items if i.get("interface") == "bond0"]
    assert len(bonds) == 1, bonds
    return bonds[0]  # type: ignore[no-any-return]


def _patch(*args: str) -> str:
    result = run("patch", "--from", str(PITFALL), *args)
    assert result.code == 0, result.err
    return result.out


def test_the_patch_merged_onto_the_node_leaves_exactly_the_new_bond() -> None:
    text = _patch()
    merged = patch_text(CURRENT, [text], (1, 11))
    bond = _bond0(merged)
    assert bond["bond"]["deviceSelectors"] == NEW_SELECTOR  # the EBUSY selector is gone, the new one is there once
    assert bond["vlans"] == [{"vlanId": 87, "addresses": ["10.13.87.19/24"]}]  # VLAN 87 once, its address once
    assert bond["addresses"] == ["10.13.17.19/24"]  # the node keeps its address and default route
    assert bond["routes"] == [{"network": "0.0.0.0/0", "gateway": "10.13.17.1"}]
    node = build_node(read_node_dir(PITFALL))
    (proof,) = prove(read_config(dump_yaml(merged), "merged"), node, (1, 11), {"bond0": ("enp0s31f6", "enp1s0")})
    assert proof.ok, proof.problems()


def test_a_plain_patch_would_double_what_the_replacing_one_does_not() -> None:
    text = _patch()
    plain = text.replace("            - interface: bond0\n              $patch: delete\n", "")
    assert plain != text
    doubled = _bond0(patch_text(CURRENT, [plain], (1, 11)))
    assert len(doubled["bond"]["deviceSelectors"]) == 2
    assert doubled["vlans"][0]["addresses"] == ["10.13.87.19/24", "10.13.87.19/24"]


def test_tb014_is_quiet_for_the_replacing_patch_and_warns_for_a_plain_one(tmp_path: Path) -> None:
    text = _patch()
    replacing = tmp_path / "replacing.yaml"
    replacing.write_text(text)
    plain = tmp_path / "plain.yaml"
    plain.write_text(text.replace("            - interface: bond0\n              $patch: delete\n", ""))
    quiet = run("lint", str(replacing), "--from", str(PITFALL))
    assert quiet.code == 0 and "TB014" not in quiet.out + quiet.err
    assert "TB014" in run("lint", str(plain), "--from", str(PITFALL)).out


def test_the_patch_is_refused_on_a_config_without_the_bond() -> None:
    fresh = "version: v1alpha1\nmachine:\n    type: worker\n    network:\n        hostname: x\n"
    from talosbond.merge import MergeError

    with pytest.raises(MergeError, match="lookup failed"):
        patch_text(fresh, [_patch()], (1, 11))


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    cluster = make_cluster(tmp_path, monkeypatch)
    cluster.add_capture("hp-mini", PITFALL)
    return cluster


@pytest.mark.parametrize("replacing", [True, False], ids=["talosbond-patch", "plain-patch"])
def test_apply_commits_the_repair_on_the_node(cluster: FakeCluster, tmp_path: Path, replacing: bool) -> None:
    text = _patch()
    if not replacing:  # apply rewrites a patch that would append to the node's bond0
        text = text.replace("            - interface: bond0\n              $patch: delete\n", "")
    patch = tmp_path / "bond.yaml"
    patch.write_text(text)
    result = run("apply", str(patch), "-n", "hp-mini", "--timeout", "20s", "--yes")
    assert result.code == 0, result.err
    assert "hp-mini: committed" in result.err
    saved = cluster.persisted("hp-mini")
    assert saved == cluster.active("hp-mini")
    bond = _bond0(saved)
    assert bond["bond"]["deviceSelectors"] == NEW_SELECTOR
    assert [v["vlanId"] for v in bond["vlans"]] == [87]
    assert bond["vlans"][0]["addresses"] == ["10.13.87.19/24"]
    assert bond["addresses"] == ["10.13.17.19/24"]


def test_a_live_node_s_config_is_read_and_replaced(cluster: FakeCluster) -> None:
    result = run("patch", "-n", "hp-mini", "--source", "talosctl")
    assert result.code == 0, result.err
    assert "$patch: delete" in result.out
    assert any("get machineconfig" in call for call in cluster.calls("hp-mini"))
    bond = _bond0(patch_text(CURRENT, [result.out], (1, 11)))
    assert bond["bond"]["deviceSelectors"] == NEW_SELECTOR
