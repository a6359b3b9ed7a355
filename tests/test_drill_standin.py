"""`talosbond drill` end to end against the stand-in talosctl: a bond whose links and /proc/net/bonding the
stand-in renders from the config it runs, try-mode timers and the drill on one fake clock (no sleeping).

Proves the passing drills (active-backup through a LinkConfig `up: false` on Talos 1.12, 802.3ad through
narrowed selectors on 1.11), a failover that cuts the node off and is rolled back by Talos's own timer, a
member that does not come back, an early revert when a probe address stops answering, Ctrl-C, and the
refusals (unhealthy bond, no --yes, --from without --dry-run).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import standin_talosctl
from cli import Result, run
from standin import DRILL_BONDS, FakeCluster, make_cluster

from talosbond.cli import Runtime
from talosbond.sources.talosctl_apply import TalosctlOps

HOLD = "3s"  # try timeout 8s; a poll every 0.5s of fake time


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    made = make_cluster(tmp_path, monkeypatch)

    def probe(self: TalosctlOps, address: str, timeout: float = 3.0) -> str | None:
        # the probe address is on the fake node's network: it answers while the stand-in node is reachable
        for node in made.root.iterdir():
            if (node / "drill.json").is_file() and not standin_talosctl.probe_answers(node, address):
                return "no answer"
        return None

    monkeypatch.setattr(TalosctlOps, "probe", probe)
    return made


def _drill(cluster: FakeCluster, *args: str) -> Result:
    """`talosbond drill` on the cluster's fake clock."""
    return run("drill", "--hold", HOLD, "--yes", *args, runtime=Runtime(clock=cluster.clock))


def _json(result: Result) -> dict[str, object]:
    document = json.loads(result.out)
    assert isinstance(document, dict)
    return document


def _members(result: Result) -> list[dict[str, object]]:
    (node,) = _json(result)["nodes"]  # type: ignore[misc]
    return node["drills"]  # type: ignore[no-any-return]


def _as_before(cluster: FakeCluster, node: str, original: list[object]) -> None:
    """After the drill the node runs and keeps its own config, with nothing pending."""
    assert cluster.active(node) == original == cluster.persisted(node)
    assert not (cluster.root / node / "try.json").exists()


@pytest.mark.parametrize(("bond", "version", "method"), [
    ("active-backup", "v1.12.4", "link-down"),
    ("802.3ad", "v1.11.3", "narrowed"),
])
def test_a_two_member_bond_passes_a_drill_of_both_members(
    cluster: FakeCluster, bond: str, version: str, method: str
) -> None:
    cluster.add_drill("n1", bond, version, settle=1.0)
    original = cluster.persisted("n1")
    result = _drill(cluster, "-n", "n1", "-o", "json")
    assert result.code == 0, result.err
    members = _members(result)
    assert [m["member"] for m in members] == [m["name"] for m in DRILL_BONDS[bond]["members"]]
    for entry in members:
        assert entry["verdict"] == "passed", entry
        assert entry["method"] == method
        assert entry["probe_losses"] == {}
        assert entry["reverted_by"] == "talos"  # the try timeout brought it back, not talosbond
        # the stand-in's kernel shows a change 1s after it: measured to within the 0.5s poll
        assert 0.5 <= entry["failover_seconds"] <= 2.0  # type: ignore[operator]
        assert 0.0 <= entry["recovery_seconds"] <= 2.0  # type: ignore[operator]
    tries = [line for line in cluster.applies("n1") if "--mode try" in line]
    assert len(tries) == 2 and all("--timeout 8s" in line for line in tries)
    assert not any("no-reboot" in line for line in cluster.applies("n1"))
    assert cluster.calls("n1").count("n1 (rollback)") == 2
    _as_before(cluster, "n1", original)




def test_a_failover_that_cuts_the_node_off_is_reported_and_rolled_back_by_talos(
    cluster: FakeCluster,
) -> None:
    # the other member loses its carrier as soon as the drill starts: nothing carries the traffic
    cluster.add_drill("n1", "active-backup", "v1.12.4", settle=1.0, carrier_lost_during_try=["enp2s0"])
    original = cluster.persisted("n1")
    result = _drill(cluster, "-n", "n1", "--member", "enp1s0", "-o", "json")
    assert result.code == 1
    (entry,) = _members(result)
    assert entry["verdict"] == "failed"
    assert entry["probe_losses"]["api"] >= 3  # type: ignore[index]
    assert entry["failover_seconds"] is None
    # talosbond tried to revert early, but the node could not be reached: Talos's own timer brought it back
    assert any("no-reboot" in line for line in cluster.applies("n1"))
    assert entry["reverted_by"] == "talos"
    assert "n1 (rollback)" in cluster.calls("n1")
    assert entry["recovery_seconds"] is not None
    problems = " ".join(entry["problems"])  # type: ignore[arg-type]
    assert "probe(s) lost" in problems and "the Talos API failed 3 probes in a row" in problems
    _as_before(cluster, "n1", original)


def test_a_member_that_does_not_come_back_fails_naming_it(cluster: FakeCluster) -> None:
    cluster.add_drill("n1", "802.3ad", "v1.11.3", settle=1.0, stuck=["ens1f1np1"])
    result = _drill(cluster, "-n", "n1")
    assert result.code == 1
    report = result.out
    assert "ens1f0np0" in report and "passed" in report
    assert "ens1f1np1" in report and "failed" in report
    assert "ens1f1np1 did not come back within 60s of the revert" in report
    assert cluster.calls("n1").count("n1 (rollback)") == 2


def test_a_probe_address_that_stops_answering_reverts_at_once(cluster: FakeCluster) -> None:
    cluster.add_drill("n1", "active-backup", "v1.12.4", settle=1.0,
                      probe_down_during_try=["127.0.0.1:6443"])
    original = cluster.persisted("n1")
    result = _drill(cluster, "-n", "n1", "--member", "enp2s0", "--probe-address", "127.0.0.1:6443", "-o", "json")
    assert result.code == 1
    (entry,) = _members(result)
    assert entry["reverted_by"] == "talosbond"
    assert entry["probe_losses"] == {"127.0.0.1:6443": 3}
    assert "127.0.0.1:6443 failed 3 probes in a row" in " ".join(entry["problems"])  # type: ignore[arg-type]
    assert "n1 (rollback)" not in cluster.calls("n1")  # the early revert cancelled Talos's timer
    assert cluster.clock.slept < 8  # well before the 8s try timeout
    _as_before(cluster, "n1", original)


@pytest.mark.parametrize("at", [1.5, 5.0])  # while probing; while waiting for Talos's timer (3s hold, 8s timeout)
def test_ctrl_c_during_the_hold_reverts_and_waits_for_the_member(cluster: FakeCluster, at: float) -> None:
    cluster.clock.interrupt_at = at
    cluster.add_drill("n1", "802.3ad", "v1.13.6", settle=1.0)
    original = cluster.persisted("n1")
    result = _drill(cluster, "-n", "n1", "-o", "json")
    assert result.code == 130
    first, second = _members(result)
    assert first["verdict"] == "interrupted" and first["reverted_by"] == "talosbond"
    assert first["recovery_seconds"] is not None  # it waited for the member before exiting
    assert second["verdict"] == "not-drilled"
    assert [line.split("--mode ")[1].split()[0] for line in cluster.applies("n1")] == ["try", "no-reboot"]
    _as_before(cluster, "n1", original)


def test_an_unhealthy_bond_is_not_drilled(cluster: FakeCluster) -> None:
    cluster.add_drill("n1", "active-backup", "v1.12.4", no_carrier=["enp2s0"])
    result = _drill(cluster, "-n", "n1")
    assert result.code == 1
    assert "TB102" in result.err and "bond0 is not healthy" in result.err
    assert cluster.applies("n1") == []


def test_no_terminal_and_no_yes_is_refused(cluster: FakeCluster) -> None:
    cluster.add_drill("n1", "active-backup", "v1.12.4")
    result = run("drill", "-n", "n1")
    assert result.code == 2
    assert "--yes" in result.err
    assert cluster.calls() == []


def test_a_capture_is_only_a_dry_run() -> None:
    result = run("drill", "--from", "fixtures/links/bond-8023ad-healthy", "--yes")
    assert result.code == 2
    assert "--dry-run" in result.err


def test_nodes_are_drilled_one_at_a_time_and_a_failure_stops_the_rest(cluster: FakeCluster) -> None:
    cluster.add_drill("n1", "active-backup", "v1.12.4", settle=1.0)
    cluster.add_drill("n2", "802.3ad", "v1.11.3", settle=1.0, stuck=["ens1f0np0"])
    cluster.add_drill("n3", "802.3ad", "v1.11.3", settle=1.0)
    result = _drill(cluster, "-n", "n1,n2,n3", "-o", "json")
    assert result.code == 1
    order = [line.split()[0] for line in cluster.calls() if " apply-config " in f" {line} " and "--mode try" in line]
    assert order == ["n1", "n1", "n2"]  # n2's first member never came back: nothing more is drilled
    verdicts = [(n["node"], d["member"], d["verdict"]) for n in _json(result)["nodes"] for d in n["drills"]]  # type: ignore[attr-defined]
    assert verdicts == [("n1", "enp1s0", "passed"), ("n1", "enp2s0", "passed"), ("n2", "ens1f0np0", "failed"),
                        ("n2", "ens1f1np1", "not-drilled"), ("n3", "ens1f0np0", "not-drilled"),
                        ("n3", "ens1f1np1", "not-drilled")]
    assert cluster.applies("n3") == []
