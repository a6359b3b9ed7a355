"""`talosbond verify` as a user runs it: captures with bonding/, every shared sample, fleets, JSON,
errors, and live nodes through the stand-in talosctl."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cli import run
from conftest import FIXTURES, sample_text
from standin import FakeCluster, make_cluster, run_config

# A node with just a bond link (no bondMaster, no members): the shared samples come without links.
BOND_ONLY_LINKS = """\
node: 10.0.0.7
metadata:
    namespace: network
    type: LinkStatuses.net.talos.dev
    id: bond0
    version: 3
    owner: network.LinkStatusController
    phase: running
    created: 2026-10-05T08:00:00Z
    updated: 2026-10-05T08:00:09Z
spec:
    index: 2
    type: ether
    linkIndex: 0
    flags: UP,BROADCAST,RUNNING,MASTER,MULTICAST,LOWER_UP
    hardwareAddr: 08:00:27:99:a3:6b
    permanentAddr: ""
    broadcastAddr: ff:ff:ff:ff:ff:ff
    mtu: 1500
    queueDisc: noqueue
    operationalState: up
    kind: bond
    slaveKind: ""
    driver: bonding
    linkState: true
    port: Other
    duplex: Full
---
node: 10.0.0.7
metadata:
    namespace: network
    type: LinkStatuses.net.talos.dev
    id: lo
    version: 2
    owner: network.LinkStatusController
    phase: running
    created: 2026-10-05T08:00:00Z
    updated: 2026-10-05T08:00:02Z
spec:
    index: 1
    type: loopback
    linkIndex: 0
    flags: UP,LOOPBACK,RUNNING,LOWER_UP
    hardwareAddr: "00:00:00:00:00:00"
    permanentAddr: ""
    broadcastAddr: "00:00:00:00:00:00"
    mtu: 65536
    queueDisc: noqueue
    operationalState: unknown
    kind: ""
    slaveKind: ""
    linkState: true
    port: Other
    duplex: Unknown
"""


def _capture(tmp_path: Path, bonding: str, name: str = "node") -> Path:
    folder = tmp_path / name
    (folder / "bonding").mkdir(parents=True)
    (folder / "links.yaml").write_text(BOND_ONLY_LINKS)
    (folder / "bonding" / "bond0.txt").write_text(bonding)
    return folder


def _codes(document: dict[str, Any]) -> list[str]:
    (bond,) = document["bonds"]
    return [p["code"] for p in bond["problems"]]


@pytest.mark.parametrize("name, code, problems", [
    ("insights-core-test-bond-8023ad-not-negotiated.txt", 1, ["TB102", "TB105", "TB108", "TB109"]),
    ("insights-core-test-bond-active-backup-arp.txt", 0, ["TB110", "TB110"]),
    ("insights-core-test-bond-active-backup.txt", 0, []),
    ("vyos-1x-pr-3410-bond0-active-backup-kernel66.txt", 0, []),
])
def test_every_shared_sample(tmp_path: Path, name: str, code: int, problems: list[str]) -> None:
    capture = _capture(tmp_path, sample_text(f"bonding/{name}"))
    result = run("verify", "--from", str(capture), "-o", "json")
    assert result.code == code, result.err
    document = json.loads(result.out)
    assert _codes(document) == problems
    assert document["bonds"][0]["healthy"] is (code == 0)


@pytest.mark.parametrize("scenario, code, problems", [
    ("bond-8023ad-healthy", 0, []),
    ("bond-active-backup-failed-over", 1, ["TB102", "TB110", "TB113"]),
    ("bond-8023ad-lacp-not-negotiated", 1, ["TB105", "TB106", "TB108", "TB108", "TB109", "TB109"]),
    ("post-bond-vlan-pitfall", 1, ["TB117"]),  # its logs/controller-runtime.log: the EBUSY loop
])
def test_fixtures_verdicts_and_json_contract(scenario: str, code: int, problems: list[str]) -> None:
    result = run("verify", "--from", str(FIXTURES / scenario), "-o", "json")
    assert result.code == code, result.err
    document = json.loads(result.out)
    assert set(document) >= {"bonds"}
    (bond,) = document["bonds"]
    assert {"name", "healthy", "problems"} <= set(bond)
    assert bond["name"] == "bond0" and isinstance(bond["healthy"], bool)
    assert all({"code", "message"} <= set(p) for p in bond["problems"])
    assert [p["code"] for p in bond["problems"]] == problems
    assert bond["expected"]["source"] == "the node's machine config"


def test_lacp_table_decodes_the_port_state(tmp_path: Path) -> None:
    result = run("verify", "--from", str(FIXTURES / "bond-8023ad-lacp-not-negotiated"))
    assert result.code == 1
    assert "79 act,fast,agg,sync,DEF" in result.out  # the result of a read-only command: stdout
    assert "UNHEALTHY" in result.out
    assert "port-channel" in result.out  # what to check on the switch
    document = json.loads(run("verify", "--from", str(FIXTURES / "bond-8023ad-lacp-not-negotiated"),
                              "-o", "json").out)
    member = document["bonds"][0]["members"][1]
    assert member["actor_port_state_bits"] == ["active", "short-timeout", "aggregatable", "defaulted"]
    assert member["partner_mac"] == "00:00:00:00:00:00"


def test_a_fleet_reports_every_node_and_one_bad_file_does_not_hide_the_others(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    for scenario in ("bond-8023ad-healthy", "bond-active-backup-failed-over"):
        shutil.copytree(FIXTURES / scenario, fleet / scenario)
    broken = _capture(fleet, "Ethernet Channel Bonding Driver: v6.12\n\nBonding Mode: IEEE 802.3ad Dynamic",
                      "truncated")
    assert broken.is_dir()
    result = run("verify", "--from", str(fleet), "-o", "json")
    assert result.code == 2  # one bond could not be read
    document = json.loads(result.out)
    assert [(b["node"], b["healthy"]) for b in document["bonds"]] == [("10.20.30.41", True), ("10.13.17.22", False)]
    (error,) = document["errors"]
    assert error["node"] == "10.0.0.7" and "bond0.txt" in error["message"]
    text = run("verify", "--from", str(fleet))
    assert "10.20.30.41" in text.out and "10.13.17.22" in text.out and "could not be read" in text.out
    assert "10.0.0.7" in text.err  # the node that could not be read, beside the results


def test_truncated_file_is_one_red_line_not_a_traceback(tmp_path: Path) -> None:
    whole = (FIXTURES / "bond-8023ad-healthy" / "bonding" / "bond0.txt").read_text()
    folder = tmp_path / "cut"
    shutil.copytree(FIXTURES / "bond-8023ad-healthy", folder)
    (folder / "bonding" / "bond0.txt").write_text(whole[: whole.index("details partner lacp pdu:") + 40])
    result = run("verify", "--from", str(folder))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "is the file cut off" in result.err


def test_against_a_patch_that_selects_one_card(tmp_path: Path) -> None:
    patch = tmp_path / "one.yaml"
    patch.write_text("machine:\n  network:\n    interfaces:\n      - interface: bond0\n        bond:\n"
                     "          mode: 802.3ad\n          deviceSelectors:\n"
                     "            - {permanentAddr: '0c:42:a1:5e:72:b4', driver: mlx5_core}\n")
    result = run("verify", "--from", str(FIXTURES / "bond-8023ad-healthy"), "--against", str(patch), "-o", "json")
    assert result.code == 1
    document = json.loads(result.out)
    assert _codes(document) == ["TB104"]
    assert document["bonds"][0]["expected"] == {"source": f"--against {patch}", "members": ["ens1f0np0"]}


def test_bond_option_and_missing_bond() -> None:
    ok = run("verify", "--from", str(FIXTURES / "bond-8023ad-healthy"), "--bond", "bond0")
    assert ok.code == 0
    missing = run("verify", "--from", str(FIXTURES / "bond-8023ad-healthy"), "--bond", "bond1", "-o", "json")
    assert missing.code == 2
    assert json.loads(missing.out)["errors"][0]["message"].startswith("no /proc/net/bonding/bond1")


def test_a_node_without_bonds_cannot_be_verified() -> None:
    result = run("verify", "--from", str(FIXTURES / "virtio-vm"))
    assert result.code == 2
    assert "no bond in use on this node" in result.err


def test_interval_needs_live_nodes() -> None:
    result = run("verify", "--from", str(FIXTURES / "bond-8023ad-healthy"), "--interval", "5")
    assert result.code == 2
    assert "--interval" in result.err and "bonding/<bond>.later.txt" in result.err


def test_the_ebusy_loop_in_the_log_is_traced_to_the_selector() -> None:
    result = run("verify", "--from", str(FIXTURES / "post-bond-vlan-pitfall"))
    assert result.code == 1, result.err
    shown = " ".join(result.out.split())  # the result, on stdout; long lines wrap at the width
    assert "error TB117 Talos keeps trying to enslave bond0.87 into bond0" in shown
    assert 'selector {hardwareAddr: "10:e7:c6:16:*"} (machine.network.interfaces[0].bond.deviceSelectors[0])' in shown
    assert "logged 13 times" in shown


def test_a_two_read_capture_of_a_flapping_bond_is_unhealthy(tmp_path: Path) -> None:
    flapping = FIXTURES.parent / "bondlab" / "active-backup-flapping"
    result = run("verify", "--from", str(flapping), "-o", "json")
    assert result.code == 1, result.err
    (bond,) = json.loads(result.out)["bonds"]
    assert [(p["code"], p["level"]) for p in bond["problems"]] == [("TB110", "error")]
    one_read = tmp_path / "one-read"
    shutil.copytree(flapping, one_read)
    (one_read / "bonding" / "bond0.later.txt").unlink()
    assert run("verify", "--from", str(one_read)).code == 0  # one read cannot tell 2 failures in 5 s from a year


def test_log_findings_without_a_verified_bond_are_the_nodes(tmp_path: Path) -> None:
    capture = tmp_path / "node"
    shutil.copytree(FIXTURES / "r8169-mini-pc", capture)
    (capture / "logs").mkdir()
    shutil.copy(FIXTURES.parent / "logs" / "alias-matched-multiple.log", capture / "logs" / "controller-runtime.log")
    result = run("verify", "--from", str(capture), "-o", "json")
    assert result.code == 2  # no bond on this node: Talos never made one, and the log says why
    document = json.loads(result.out)
    assert [(p["node"], p["code"], p["level"]) for p in document["node_problems"]] == [
        ("192.168.1.50", "TB119", "error")]
    assert "uplink0" in document["node_problems"][0]["message"]


@pytest.mark.parametrize("text, expected", [
    ("this is not a log\n", "controller-runtime.log:1: expected a Talos log line"),
    ("\x00\x01", "controller-runtime.log: binary data"),
])
def test_a_capture_log_that_is_not_one_is_bad_input(tmp_path: Path, text: str, expected: str) -> None:
    capture = tmp_path / "node"
    shutil.copytree(FIXTURES / "bond-8023ad-healthy", capture)
    (capture / "logs").mkdir()
    (capture / "logs" / "controller-runtime.log").write_text(text)
    result = run("verify", "--from", str(capture))
    assert result.code == 2
    assert expected in result.err
    assert "Traceback" not in result.err


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    return make_cluster(tmp_path, monkeypatch)


@pytest.mark.parametrize("mode, code", [("healthy", 0), ("lacp-down", 1), ("member-missing", 1)])
def test_live_nodes_read_bonding_and_machine_config(cluster: FakeCluster, mode: str, code: int) -> None:
    cluster.add("n1", mode)
    run_config(cluster, "n1", (FIXTURES / "bond-8023ad-healthy" / "machineconfig.yaml").read_text())
    result = run("verify", "-n", "n1", "-o", "json")
    assert result.code == code, result.err
    (bond,) = json.loads(result.out)["bonds"]
    assert bond["node"] == "n1"
    assert bond["expected"] == {"source": "the node's machine config", "members": ["ens1f0np0", "ens1f1np1"]}
    assert any("read /proc/net/bonding/bond0" in call for call in cluster.calls("n1"))


def test_live_node_log_is_read_and_traced(cluster: FakeCluster) -> None:
    cluster.add("n1")
    run_config(cluster, "n1", (FIXTURES / "bond-8023ad-healthy" / "machineconfig.yaml").read_text())
    log = (FIXTURES / "post-bond-vlan-pitfall" / "logs" / "controller-runtime.log").read_text()
    (cluster.root / "n1" / "controller-runtime.log").write_text(log)
    result = run("verify", "-n", "n1", "-o", "json")
    assert result.code == 1, result.err
    (bond,) = json.loads(result.out)["bonds"]
    assert [p["code"] for p in bond["problems"]] == ["TB117"]
    assert any(call.endswith("logs controller-runtime") for call in cluster.calls("n1"))


def test_live_node_that_does_not_answer_is_reported_beside_the_others(cluster: FakeCluster) -> None:
    cluster.add("n1")
    run_config(cluster, "n1", (FIXTURES / "bond-8023ad-healthy" / "machineconfig.yaml").read_text())
    result = run("verify", "-n", "n1,ghost", "-o", "json")
    assert result.code == 2
    document = json.loads(result.out)
    assert [b["node"] for b in document["bonds"]] == ["n1"]
    assert [e["node"] for e in document["errors"]] == ["ghost"]


class _FlapWhileSleeping:
    """A fake clock that, while `discover --interval` sleeps, makes the node's member flap (its failure count
    goes from 0 to 3), as a real link would between the two reads."""

    def __init__(self, cluster: FakeCluster, node: str) -> None:
        self.cluster, self.node = cluster, node

    def now(self) -> float:
        return self.cluster.clock.now()

    def sleep(self, seconds: float) -> None:
        state = self.cluster.root / self.node / "bonding-healthy.txt"
        state.write_text(state.read_text().replace("Link Failure Count: 0", "Link Failure Count: 3", 1))
        self.cluster.clock.sleep(seconds)


def test_discover_save_interval_writes_a_later_read_that_verify_judges(cluster: FakeCluster, tmp_path: Path) -> None:
    from talosbond.cli import Runtime

    cluster.add("n1")
    run_config(cluster, "n1", (FIXTURES / "bond-8023ad-healthy" / "machineconfig.yaml").read_text())
    saved = tmp_path / "saved"
    result = run("discover", "-n", "n1", "--save", str(saved), "--interval", "10",
                 runtime=Runtime(clock=_FlapWhileSleeping(cluster, "n1")))
    assert result.code == 0, result.err
    assert cluster.clock.slept == 10
    first = (saved / "bonding" / "bond0.txt").read_text()
    later = (saved / "bonding" / "bond0.later.txt").read_text()
    assert "Link Failure Count: 3" not in first and "Link Failure Count: 3" in later
    verified = run("verify", "--from", str(saved), "-o", "json")
    assert verified.code == 1, verified.err
    (bond,) = json.loads(verified.out)["bonds"]
    assert ("TB110", "error") in [(p["code"], p["level"]) for p in bond["problems"]]


@pytest.mark.parametrize("args", [("--interval", "5"), ("--save", "x", "--interval", "-1")])
def test_discover_interval_goes_with_save(args: tuple[str, ...]) -> None:
    result = run("discover", "--from", str(FIXTURES / "bond-8023ad-healthy"), *args)
    assert result.code == 2 and "--interval" in result.err


def test_explain_log_traces_a_pasted_log_to_the_file() -> None:
    pitfall = FIXTURES / "post-bond-vlan-pitfall"
    log = str(pitfall / "logs" / "controller-runtime.log")
    for extra in ((), ("--from", str(pitfall))):
        result = run("explain", str(pitfall / "machineconfig.yaml"), *extra, "--log", log)
        assert result.code == 1, result.err
        shown = " ".join(result.out.split())  # the result, on stdout; long lines wrap at the width
        assert "TB117 Talos keeps trying to enslave bond0.87 into bond0" in shown
        assert "machine.network.interfaces[0].bond.deviceSelectors[0]" in shown


def test_explain_log_that_is_not_a_log(tmp_path: Path) -> None:
    bad = tmp_path / "paste.txt"
    bad.write_text("hello\n")
    result = run("explain", str(FIXTURES / "post-bond-vlan-pitfall" / "machineconfig.yaml"), "--log", str(bad))
    assert result.code == 2
    assert "paste.txt:1: expected a Talos log line" in result.err
