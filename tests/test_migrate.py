"""A legacy bond migrated to the multi-document format, on the exact Talos release it is meant for.

Talos 1.12.x and 1.13.0-1.13.4 set no link alias on a card that is already a bond member
(siderolabs/talos#13519): on a node whose legacy bond is running, aliases written for its cards resolve
to nothing and the BondConfig is left without links. talosbond simulates that, and on those releases
names the members by their link names; from 1.13.5 on it uses aliases.
"""

from __future__ import annotations

from typing import Any

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.config import read_config
from talosbond.merge import patch_text
from talosbond.parsing import build_node
from talosbond.simulate import aliases_miss_enslaved, prove
from talosbond.sources.capture import read_node_dir
from talosbond.yamlout import dump_yaml

BONDED = FIXTURES / "igb-bonded-v1.9"  # legacy bond0 over enp3s0f0 + enp3s0f1, running
CURRENT = (BONDED / "machineconfig.yaml").read_text()
MEMBERS = ("enp3s0f0", "enp3s0f1")


def _patch(version: str) -> str:
    result = run("patch", "--from", str(BONDED), "--talos-version", version)
    assert result.code == 0, result.err
    return result.out


def _merged(text: str, version: tuple[int, int]) -> list[Any]:
    return patch_text(CURRENT, [text], version)


def _proof(docs: list[Any], version: tuple[int, int], patch: int | None) -> Any:
    node = build_node(read_node_dir(BONDED))
    (proof,) = [p for p in prove(read_config(dump_yaml(docs), "merged"), node, version, {"bond0": MEMBERS}, patch)
                if p.bond == "bond0"]
    return proof


@pytest.mark.parametrize(("given", "version", "patch"), [("1.12", (1, 12), None), ("1.12.4", (1, 12), 4),
                                                          ("1.13", (1, 13), None), ("1.13.4", (1, 13), 4)])
def test_on_the_affected_releases_the_members_are_named_not_aliased(
    given: str, version: tuple[int, int], patch: int | None
) -> None:
    text = _patch(given)
    assert "LinkAliasConfig" not in text
    docs = _merged(text, version)
    (bond,) = [d for d in docs if d.get("kind") == "BondConfig"]
    assert tuple(bond["links"]) == MEMBERS
    assert bond["addresses"] == [{"address": "10.40.2.21/24"}]  # the address the legacy bond had
    items = docs[0]["machine"]["network"]["interfaces"]
    assert [i["interface"] for i in items] == ["eno1"]  # no legacy bond0 left beside the BondConfig
    proof = _proof(docs, version, patch)
    assert proof.ok, proof.problems()


@pytest.mark.parametrize(("given", "version", "patch"), [("1.13.5", (1, 13), 5), ("1.14", (1, 14), None)])
def test_from_1_13_5_on_aliases_are_used(given: str, version: tuple[int, int], patch: int | None) -> None:
    text = _patch(given)
    assert text.count("kind: LinkAliasConfig") == 2
    docs = _merged(text, version)
    (bond,) = [d for d in docs if d.get("kind") == "BondConfig"]
    assert bond["links"] == ["bond0-m0", "bond0-m1"]
    proof = _proof(docs, version, patch)
    assert proof.ok, proof.problems()
    assert set(proof.before.members) == set(MEMBERS)


def test_the_alias_patch_would_leave_the_bond_empty_on_1_13_4() -> None:
    docs = _merged(_patch("1.13.5"), (1, 13))
    proof = _proof(docs, (1, 13), 4)
    assert not proof.ok
    assert any("#13519" in problem for problem in proof.problems())
    assert not proof.before.members


def test_which_releases_are_affected() -> None:
    assert aliases_miss_enslaved((1, 12), 7)
    assert aliases_miss_enslaved((1, 13), 4) and aliases_miss_enslaved((1, 13), None)
    assert not aliases_miss_enslaved((1, 13), 5) and not aliases_miss_enslaved((1, 14), 0)
    assert not aliases_miss_enslaved((1, 11), None)


def test_lint_of_an_alias_patch_for_an_affected_release_names_the_issue(tmp_path: Any) -> None:
    patch = tmp_path / "aliases.yaml"
    patch.write_text(_patch("1.13.5"))
    result = run("lint", str(patch), "--from", str(BONDED), "--talos-version", "1.13.2")
    assert result.code == 1
    assert "#13519" in result.out


def test_the_running_bonds_mode_and_options_are_kept(tmp_path: Any) -> None:
    import shutil

    capture = tmp_path / "node"
    shutil.copytree(FIXTURES / "igb-bonded-v1.9", capture)
    config = capture / "machineconfig.yaml"
    config.write_text(config.read_text().replace(
        "                mode: active-backup\n", "                mode: balance-xor\n                xmitHashPolicy: layer3+4\n"))
    kept = run("patch", "--from", str(capture), "--talos-version", "1.13.5", "--format", "multidoc")
    assert kept.code == 0, kept.err
    assert "bondMode: balance-xor" in kept.out and "xmitHashPolicy: layer3+4" in kept.out
    assert "kept the running bond0's settings" in kept.err
    flag = run("patch", "--from", str(capture), "--talos-version", "1.13.5", "--format", "multidoc",
               "--mode", "active-backup")
    assert flag.code == 0, flag.err
    assert "bondMode: active-backup" in flag.out and "xmitHashPolicy" not in flag.out
