"""`talosbond drill --dry-run` on captures: the exact try-mode config for each member on Talos 1.11 (the
bond's selectors narrowed) and 1.13 (a LinkConfig `up: false`), each proven by the simulation, and the
refusals decided before anything changes. A capture is never touched, so these run no talosctl at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli import Result, run
from conftest import FIXTURES

from talosbond.config import read_config
from talosbond.drill import links_without, plan_node
from talosbond.model import BondStatus
from talosbond.parsing import build_node
from talosbond.simulate import resolve_legacy
from talosbond.sources.capture import read_capture

V111 = FIXTURES / "bond-8023ad-healthy"
V113 = FIXTURES / "bond-8023ad-multidoc-v1.13"

NARROWED_WITHOUT_B4 = """\
interface: bond0
addresses:
    - 10.20.30.41/24
routes:
    - network: 0.0.0.0/0
      gateway: 10.20.30.1
bond:
    deviceSelectors:
        - permanentAddr: 0c:42:a1:5e:72:b5
          driver: mlx5_core
          physical: true
    mode: 802.3ad
    miimon: 100
    updelay: 200
    downdelay: 200
    lacpRate: fast
    xmitHashPolicy: layer3+4
"""


def _dry(capture: Path, *args: str) -> Result:
    return run("drill", "--from", str(capture), "--dry-run", *args)


def _drills(result: Result) -> list[dict[str, object]]:
    (node,) = json.loads(result.out)["nodes"]
    return node["drills"]  # type: ignore[no-any-return]


def test_talos_1_11_narrows_the_selectors_for_each_member() -> None:
    result = _dry(V111, "-o", "json")
    assert result.code == 0, result.err
    first, second = _drills(result)
    assert (first["member"], first["method"], first["refusal"]) == ("ens1f0np0", "narrowed", None)
    assert first["config_change"] == NARROWED_WITHOUT_B4
    assert second["config_change"] == NARROWED_WITHOUT_B4.replace("72:b5", "72:b4")
    for entry, other in ((first, "ens1f1np1"), (second, "ens1f0np0")):
        proof = " ".join(entry["proof"])  # type: ignore[arg-type]
        assert f"bond0 resolves to {other} now and once {entry['member']} has left" in proof
        assert "the node keeps 10.20.30.41/24" in proof
    # the diff changes nothing but the member's selector
    changed = [x for x in str(first["diff"]).splitlines() if x[:1] in "+-" and not x.startswith(("+++", "---"))]
    assert changed == ["-                      - permanentAddr: 0c:42:a1:5e:72:b4", "-                        driver: "
                       "mlx5_core", "-                        physical: true"]


def test_talos_1_13_sets_the_member_down_with_a_link_config() -> None:
    result = _dry(V113, "-o", "json")
    assert result.code == 0, result.err
    for entry in _drills(result):
        assert entry["method"] == "link-down" and entry["refusal"] is None
        assert entry["config_change"] == (f"apiVersion: v1alpha1\nkind: LinkConfig\nname: {entry['member']}\n"
                                          "up: false\n")
        proof = " ".join(entry["proof"])  # type: ignore[arg-type]
        assert f"bond0 keeps its members enp101s0f0np0, enp101s0f1np1; {entry['member']} stays enslaved" in proof
        assert f"only {entry['member']} is set down" in proof


def test_dry_run_text_prints_each_config_on_stdout_and_the_plan_on_stderr() -> None:
    result = _dry(V113)
    assert result.code == 0
    assert result.out.count("kind: LinkConfig") == 4  # each member: the document, and the diff adding it
    assert "# 10.70.0.52 bond0: take enp101s0f1np1 out (link-down)" in result.out
    assert "--mode try --timeout 38s" in result.err  # 30s hold + 8s for Talos to revert by itself
    assert "proof:" in result.err


def test_the_narrowed_config_really_leaves_the_member_out() -> None:
    """Read the planned config back and resolve it on the links, independently of the proof lines."""
    node = build_node(read_capture(str(V111), ())[0])
    drill = plan_node(node, "bond0", (V111 / "machineconfig.yaml").read_text(), (1, 11))
    for plan in drill.members_plans:
        (bond,) = read_config(plan.config, "drill").legacy_bonds
        others = {m for m in drill.members if m != plan.member}
        assert set(resolve_legacy(bond, node.links, "now").members) == others
        assert set(resolve_legacy(bond, links_without(node, plan.member), "out").members) == others


def _copy(tmp_path: Path, source: Path = V111) -> Path:
    target = tmp_path / "capture"
    shutil.copytree(source, target)
    return target


def test_a_one_member_bond_is_refused(tmp_path: Path) -> None:
    capture = _copy(tmp_path)
    bonding = capture / "bonding" / "bond0.txt"
    head, first, _second = bonding.read_text().split("\nSlave Interface:")
    bonding.write_text(head.replace("Number of ports: 2", "Number of ports: 1") + "\nSlave Interface:" + first)
    result = _dry(capture)
    assert result.code == 1
    assert "bond0 has 1 member(s) (ens1f0np0): nothing to fail over to" in result.err


def test_a_member_holding_the_address_is_refused(tmp_path: Path) -> None:
    capture = _copy(tmp_path)
    addresses = capture / "addresses.yaml"
    first = addresses.read_text().split("\n---\n")[0]
    extra = first.replace("bond0/10.20.30.41/24", "ens1f0np0/10.20.30.99/24").replace(
        "address: 10.20.30.41/24", "address: 10.20.30.99/24").replace("linkName: bond0", "linkName: ens1f0np0")
    addresses.write_text(addresses.read_text() + "\n---\n" + extra)
    result = _dry(capture, "--member", "ens1f0np0")
    assert result.code == 1
    assert "ens1f0np0 itself holds 10.20.30.99/24" in result.err


def test_a_member_that_is_not_in_the_bond_is_refused() -> None:
    result = _dry(V111, "--member", "eno1")
    assert result.code == 1
    assert "eno1 is not a member of bond0" in result.err


def test_a_legacy_config_on_1_12_keeps_default_dhcp_on_a_nic_in_use(tmp_path: Path) -> None:
    capture = _copy(tmp_path)
    (capture / "version.txt").write_text("v1.12.4\n")
    links = capture / "links.yaml"
    docs = links.read_text().split("\n---\n")
    docs = [d.replace("    linkState: false", "    linkState: true") if "    id: eno1\n" in d else d for d in docs]
    links.write_text("\n---\n".join(docs))
    result = _dry(capture, "-o", "json")
    assert result.code == 0, result.err
    assert {d["method"] for d in _drills(result)} == {"narrowed"}
    assert "default DHCP on eno1" in result.out


# --- when the drill calls a failover done, and a member back ---------------------------------------------

def _status(text: str) -> BondStatus:
    from talosbond.parsing.bonding import parse_bonding

    return parse_bonding(text, "bond0")


HEALTHY_TEXT = (V111 / "bonding" / "bond0.txt").read_text()
SECOND = HEALTHY_TEXT.index("Slave Interface: ens1f1np1")


def _member_down(text: str, ports: int) -> str:
    """ens1f1np1 down and in an aggregator of its own; the active aggregator counting `ports` ports."""
    tail = text[SECOND:].replace("MII Status: up", "MII Status: down", 1).replace("Aggregator ID: 1", "Aggregator ID: 2")
    return text[:SECOND].replace("Number of ports: 2", f"Number of ports: {ports}") + tail


def test_802_3ad_has_failed_over_once_the_aggregator_lost_that_port() -> None:
    from talosbond.drill import failed_over

    baseline = _status(HEALTHY_TEXT)
    assert failed_over(_status(_member_down(HEALTHY_TEXT, 1)), "ens1f1np1", baseline)
    # the member's MII is down but LACP still counts two ports: not yet
    assert not failed_over(_status(_member_down(HEALTHY_TEXT, 2)), "ens1f1np1", baseline)
    assert not failed_over(baseline, "ens1f1np1", baseline)


def test_a_member_is_back_only_in_the_same_aggregator_with_a_partner() -> None:
    from talosbond.drill import Observation, member_back

    node = build_node(read_capture(str(V111), ())[0])
    baseline = _status(HEALTHY_TEXT)
    assert member_back(Observation(baseline, node.links), "ens1f1np1", baseline, 2)
    up_elsewhere = _member_down(HEALTHY_TEXT, 1).replace("MII Status: down", "MII Status: up")
    assert not member_back(Observation(_status(up_elsewhere), node.links), "ens1f1np1", baseline, 2)
    no_partner = HEALTHY_TEXT.replace("Partner Mac Address: 28:99:3a:4e:11:80", "Partner Mac Address: 00:00:00:00:00:00")
    assert not member_back(Observation(_status(no_partner), node.links), "ens1f1np1", baseline, 2)
    # enslaved per the kernel, but Talos's links do not show it in the bond yet
    gone = tuple(link for link in node.links if link.name != "ens1f1np1")
    assert not member_back(Observation(baseline, gone), "ens1f1np1", baseline, 2)


def test_a_member_that_already_has_a_link_config_gets_up_false_there(tmp_path: Path) -> None:
    """Two LinkConfig documents for one link would be a duplicate (or, by alias, a conflict): the drill sets
    `up: false` on the one the config has, found by the member's alias."""
    capture = _copy(tmp_path, V113)
    config = capture / "machineconfig.yaml"
    config.write_text(config.read_text() + "---\napiVersion: v1alpha1\nkind: LinkConfig\nname: uplink1\n"
                      "multicast: true\n")
    result = _dry(capture, "--member", "enp101s0f1np1", "-o", "json")
    assert result.code == 0, result.err
    (entry,) = _drills(result)
    assert entry["config_change"] == "apiVersion: v1alpha1\nkind: LinkConfig\nname: uplink1\nmulticast: true\nup: false\n"
    assert str(entry["diff"]).count("kind: LinkConfig") == 1  # context only: no second document
