"""`lint --fix` and `lint --diff`: the user's file repaired in place, only where lint can prove the fix.

The seed config (the homelab note: `hardwareAddr: "10:e7:c6:16:*"` plus VLAN 87, the EBUSY loop) is fixed
against the capture of the node it runs on, with a comment of the user's kept.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.config import read_config
from talosbond.fix import apply_edit, apply_fixes
from talosbond.model import Edit, Fix
from talosbond.parsing import build_node
from talosbond.simulate import prove
from talosbond.sources.capture import read_node_dir

PITFALL = FIXTURES / "post-bond-vlan-pitfall"
COMMENT = "        # the homelab bond, from the blog post\n"
SELECTOR = ("machine", "network", "interfaces", 0, "bond", "deviceSelectors", 0)


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    path = tmp_path / "worker.yaml"
    text = (PITFALL / "machineconfig.yaml").read_text().replace("        interfaces:\n", COMMENT + "        interfaces:\n")
    path.write_text(text)
    return path


def test_fix_repairs_the_seed_keeps_the_comment_and_proves_the_members(seed: Path) -> None:
    before = seed.read_text()
    result = run("lint", str(seed), "--from", str(PITFALL), "--fix")
    assert result.code == 0, result.out + result.err
    after = seed.read_text()
    assert COMMENT in after
    assert 'hardwareAddr: "10:e7:c6:16:*"' not in after
    assert 'permanentAddr: "10:e7:c6:16:*"' in after and "driver: e1000e" in after  # the user's quoting style
    # only the selector's lines changed; everything else is byte for byte what the user wrote
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ['                    - permanentAddr: "10:e7:c6:16:*"', "                      driver: e1000e"]
    node = build_node(read_node_dir(PITFALL))
    (proof,) = prove(read_config(after, "fixed"), node, (1, 11), {"bond0": ("enp0s31f6", "enp1s0")})
    assert proof.ok, proof.problems()
    assert set(proof.before.members) == set(proof.after.members) == {"enp0s31f6", "enp1s0"}
    again = run("lint", str(seed), "--from", str(PITFALL))
    assert again.code == 0, again.out


def test_diff_prints_the_fix_and_writes_nothing(seed: Path) -> None:
    before = seed.read_text()
    result = run("lint", str(seed), "--from", str(PITFALL), "--diff")
    assert result.code == 0  # as --fix would exit: no error left once fixed
    assert seed.read_text() == before
    assert result.out.startswith(f"--- {seed}\n+++ {seed}\n")
    assert '-                    - hardwareAddr: "10:e7:c6:16:*"' in result.out
    assert "+                      driver: e1000e" in result.out


def test_json_findings_carry_their_fix(seed: Path) -> None:
    result = run("lint", str(seed), "--from", str(PITFALL), "-o", "json")
    assert result.code == 1
    problems = json.loads(result.out)["problems"]
    tb001 = next(p for p in problems if p["code"] == "TB001")
    assert tb001["fix"]["description"].startswith("selector {permanentAddr: 10:e7:c6:16:*, driver: e1000e")


def test_without_the_fix_lint_still_fails(seed: Path) -> None:
    assert run("lint", str(seed), "--from", str(PITFALL)).code == 1


def test_bad_yaml_is_exit_2_and_the_file_is_untouched(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("machine:\n  network: [\n")
    result = run("lint", str(bad), "--fix")
    assert result.code == 2
    assert bad.read_text() == "machine:\n  network: [\n"


def _fixed_by(tmp_path: Path, code: str, text: str) -> str:
    """The file after `lint --fix --select CODE` (which must leave no error)."""
    config = tmp_path / "config.yaml"
    config.write_text(text)
    result = run("lint", str(config), "--fix", "--select", code)
    assert result.code == 0, result.out + result.err
    return config.read_text()


def test_member_addressing_moves_to_the_bond(tmp_path: Path) -> None:
    fixed = _fixed_by(tmp_path, "TB004", "machine:\n    network:\n        interfaces:\n"
                      "            - interface: bond0\n              bond:\n                interfaces: [eth0, eth1]\n"
                      "                mode: active-backup\n            - interface: eth0  # the old management card\n"
                      "              dhcp: true\n")
    assert "            - interface: eth0  # the old management card\n" in fixed
    docs = read_config(fixed, "fixed").legacy_devices
    assert docs[0][1]["dhcp"] is True and "dhcp" not in docs[1][1]


def test_an_alias_on_the_current_mac_moves_to_the_permanent_one(tmp_path: Path) -> None:
    fixed = _fixed_by(tmp_path, "TB016", "apiVersion: v1alpha1\nkind: LinkAliasConfig\nname: net0\nselector:\n"
                      "    match: mac(link.hardware_addr) == \"10:e7:c6:16:5a:3c\"   # the onboard card\n")
    assert fixed.endswith("    match: mac(link.permanent_addr) == \"10:e7:c6:16:5a:3c\"   # the onboard card\n")


# --- the applier on its own -------------------------------------------------------------------------------

TEXT = """# a user's file
machine:
    network:
        interfaces:
            - interface: bond0   # keep me
              bond:
                mode: 'active-backup'
                deviceSelectors:
                    - hardwareAddr: "0c:42:a1:*"
                      driver: mlx5_core
---
apiVersion: v1alpha1
kind: DHCPv4Config
name: eth0
"""


def test_a_scalar_is_replaced_in_place_keeping_the_comment() -> None:
    out = apply_edit(TEXT, Edit(("machine", "network", "interfaces", 0, "interface"), "set", "bond1"))
    assert "            - interface: bond1   # keep me\n" in out
    assert out.replace("bond1", "bond0") == TEXT


def test_deleting_the_first_key_of_a_list_item_keeps_the_dash() -> None:
    out = apply_edit(TEXT, Edit((*SELECTOR, "hardwareAddr"), "delete"))
    assert "                    - driver: mlx5_core\n" in out
    assert "hardwareAddr" not in out


def test_new_keys_lists_and_documents() -> None:
    out = apply_edit(TEXT, Edit((*SELECTOR, "physical"), "set", True))
    assert "                      driver: mlx5_core\n                      physical: true\n" in out
    out = apply_edit(out, Edit(("machine", "network", "interfaces", 0, "addresses"), "set", ["10.0.0.2/24"]))
    assert "              addresses:\n                  - 10.0.0.2/24\n" in out
    out = apply_edit(out, Edit((), "delete", None, 1))
    assert "DHCPv4Config" not in out and out.startswith("# a user's file\n")
    assert "mode: 'active-backup'" in out  # quoting the user chose is kept


def test_fixes_that_touch_the_same_place_are_applied_once() -> None:
    one = Fix("a", (Edit((*SELECTOR, "driver"), "set", "ice"),))
    two = Fix("b", (Edit((*SELECTOR,), "set", {"driver": "igb"}),))
    out, applied = apply_fixes(TEXT, [one, two])
    assert applied == [one]
    assert "driver: ice" in out and "igb" not in out
    _, none = apply_fixes(TEXT, [Fix("c", (Edit(("machine", "nothing", "here"), "set", 1),))])
    assert none == []


def test_with_a_fleet_a_fix_that_does_not_hold_on_every_node_is_not_written(tmp_path: Path) -> None:
    config = tmp_path / "worker.yaml"
    # w01's own MACs: the selectors pick its cards and nothing on w02 and w03
    config.write_text("machine:\n    network:\n        interfaces:\n            - interface: bond0\n"
                      "              bond:\n                mode: 802.3ad\n                deviceSelectors:\n"
                      "                    - hardwareAddr: b8:59:9f:3a:c2:10\n"
                      "                    - hardwareAddr: b8:59:9f:3a:c2:11\n")
    before = config.read_text()
    fleet = FIXTURES / "fleet-3-identical"
    result = run("lint", str(config), "--from", str(fleet), "--fix")
    assert result.code == 1
    assert config.read_text() == before
    assert "not fixed: the fixed config does not prove" in result.err
    single = run("lint", str(config), "--from", str(fleet / "w01"), "--fix")  # on w01 alone it holds
    assert single.code == 0, single.out + single.err
    assert "driver: mlx5_core" in config.read_text()
