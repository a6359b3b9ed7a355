"""`talosbond apply` against a stand-in `talosctl` (a real executable first on PATH, run as a subprocess)
that keeps fake nodes' configs and bonding state in a temp folder and can be told to break.

Proves the commit path, the rollback path for each way a node can break, and that a fleet run never
touches the next node after a failure. Time is the cluster's fake clock: try-mode deadlines pass when
`apply` sleeps on it, and nothing really waits.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli import Result
from cli import run as run_cli
from standin import DATA, FakeCluster, make_cluster

from talosbond.cli import Runtime
from talosbond.config import load_documents

PATCH = str(DATA / "bond.yaml")
# Realistic try-mode timeouts: the fake clock makes waiting for a rollback free.
COMMIT_TIMEOUT = "20s"
ROLLBACK_TIMEOUT = "2m"


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    return make_cluster(tmp_path, monkeypatch)


def run(cluster: FakeCluster, *args: str) -> Result:
    """`talosbond ARGS` on the cluster's fake clock."""
    return run_cli(*args, runtime=Runtime(clock=cluster.clock))


def _original() -> list[object]:
    return load_documents((DATA / "config.yaml").read_text(), "original")


def _bond_of(docs: list[object]) -> dict[str, object]:
    config = docs[0]
    assert isinstance(config, dict)
    interfaces = config["machine"]["network"]["interfaces"]
    (bond,) = [i for i in interfaces if i["interface"] == "bond0"]
    return bond  # type: ignore[no-any-return]


def test_commits_on_a_healthy_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = make_cluster(tmp_path, monkeypatch, in_process=False)  # the stand-in as a real executable
    cluster.add("n1")
    result = run(cluster, "apply", PATCH, "-n", "n1", "--timeout", COMMIT_TIMEOUT, "--yes")
    assert result.code == 0, result.err
    tries, commits = cluster.applies("n1")
    assert "--mode try --timeout 20s" in tries
    assert "--mode no-reboot" in commits
    # the commit re-applies the very file that was tried: no second merge appending the lists again
    assert tries.split("--file ")[1].split()[0] == commits.split("--file ")[1].split()[0]
    assert len([c for c in cluster.calls() if "machineconfig patch" in c]) == 1
    saved = cluster.persisted("n1")
    assert saved == cluster.active("n1")
    bond = _bond_of(saved)
    assert len(bond["bond"]["deviceSelectors"]) == 2  # type: ignore[index]
    assert "n1: committed" in result.err


@pytest.mark.parametrize(("mode", "why"), [
    ("lacp-down", "TB105"),  # the switch never answers LACP: no partner
    ("member-missing", "TB103"),  # one card never joins the bond
    ("api-down", "does not answer"),  # the node drops off the network during the apply
])
def test_a_broken_node_is_not_committed_and_rolls_back(cluster: FakeCluster, mode: str, why: str) -> None:
    cluster.add("n1", mode)
    result = run(cluster, "apply", PATCH, "-n", "n1", "--timeout", ROLLBACK_TIMEOUT, "--yes")
    assert result.code == 1
    applies = cluster.applies("n1")
    assert len(applies) == 1 and "--mode try" in applies[0]
    assert not any("no-reboot" in line for line in cluster.calls())
    assert "n1 (rollback)" in cluster.calls()
    assert cluster.persisted("n1") == _original()
    assert cluster.active("n1") == _original()
    assert "n1: rolled-back" in result.err
    assert why in result.err
    assert cluster.clock.slept >= 120  # it waited out the try-mode timeout before judging the rollback


def test_a_fleet_stops_at_the_first_failure(cluster: FakeCluster) -> None:
    cluster.add("n1", "lacp-down")
    cluster.add("n2")
    result = run(cluster, "apply", PATCH, "-n", "n1,n2", "--timeout", ROLLBACK_TIMEOUT, "--yes")
    assert result.code == 1
    assert cluster.applies("n2") == []
    assert cluster.persisted("n2") == _original()
    assert "n2: not touched" in result.err


def test_a_fleet_goes_node_by_node(cluster: FakeCluster) -> None:
    cluster.add("n1")
    cluster.add("n2")
    result = run(cluster, "apply", PATCH, "-n", "n1,n2", "--timeout", COMMIT_TIMEOUT, "--yes")
    assert result.code == 0, result.err
    order = [(line.split()[0], line.split("--mode ")[1].split()[0]) for line in cluster.calls() if "apply-config" in line]
    assert order == [("n1", "try"), ("n1", "no-reboot"), ("n2", "try"), ("n2", "no-reboot")]


def test_applying_again_changes_nothing(cluster: FakeCluster) -> None:
    cluster.add("n1")
    assert run(cluster, "apply", PATCH, "-n", "n1", "--timeout", COMMIT_TIMEOUT, "--yes").code == 0
    first = cluster.persisted("n1")
    result = run(cluster, "apply", PATCH, "-n", "n1", "--timeout", COMMIT_TIMEOUT, "--yes")
    assert result.code == 0, result.err
    assert len(cluster.applies("n1")) == 2  # only the first run's try and commit
    assert cluster.persisted("n1") == first
    assert "n1: unchanged" in result.err


def test_dry_run_shows_commands_and_diff_and_changes_nothing(cluster: FakeCluster) -> None:
    cluster.add("n1")
    result = run(cluster, "apply", PATCH, "-n", "n1", "--dry-run")
    assert result.code == 0, result.err
    assert cluster.applies("n1") == []
    assert "apply-config --file" in result.err and "--mode try --timeout 120s" in result.err
    assert "+" in result.out and "interface: bond0" in result.out
    assert "bond0: members ens1f0np0, ens1f1np1" in result.err
    # secrets in the diff's context lines are never shown
    assert "wkr7f2" not in result.out + result.err
    assert "<redacted>" in result.out


def test_no_terminal_and_no_yes_is_refused(cluster: FakeCluster) -> None:
    cluster.add("n1")
    result = run(cluster, "apply", PATCH, "-n", "n1")
    assert result.code == 2
    assert "--yes" in result.err
    assert cluster.calls() == []


def test_apply_probes_one_address(cluster: FakeCluster) -> None:
    # `--probe-address` is declared once for apply and drill; drill takes several, apply says it takes one
    cluster.add("n1")
    result = run(cluster, "apply", PATCH, "-n", "n1", "--yes", "--probe-address", "127.0.0.1:1",
                 "--probe-address", "127.0.0.1:2")
    assert result.code == 2
    assert "apply probes one --probe-address" in result.err
    assert cluster.calls() == []


def test_a_patch_with_lint_errors_is_refused(cluster: FakeCluster, tmp_path: Path) -> None:
    cluster.add("n1")
    bad = tmp_path / "bad.yaml"
    # a MAC-only glob also matches the VLAN on the bond once it exists: the pitfall talosbond forbids
    bad.write_text((DATA / "bond.yaml").read_text().replace(
        "                    - permanentAddr: 0c:42:a1:5e:72:b4\n                      driver: mlx5_core\n"
        "                      physical: true\n                    - permanentAddr: 0c:42:a1:5e:72:b5\n"
        "                      driver: mlx5_core\n                      physical: true\n",
        "                    - hardwareAddr: 0c:42:a1:5e:72:*\n",
    ) + "              vlans:\n                - vlanId: 87\n                  dhcp: true\n")
    result = run(cluster, "apply", str(bad), "-n", "n1", "--yes")
    assert result.code == 1
    assert "refused" in result.err
    assert cluster.applies("n1") == []


def test_an_unreachable_node_stops_before_anything_changes(cluster: FakeCluster) -> None:
    cluster.add("n1")
    result = run(cluster, "apply", PATCH, "-n", "n1,ghost", "--yes")
    assert result.code == 2
    assert "ghost" in result.err
    assert cluster.applies("n1") == []


def test_probe_address_must_answer_before_committing(cluster: FakeCluster) -> None:
    import socket

    cluster.add("n1")
    cluster.add("n2")
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        ok = run(cluster, "apply", PATCH, "-n", "n1", "--timeout", COMMIT_TIMEOUT, "--yes", "--probe-address",
                 f"127.0.0.1:{port}")
    assert ok.code == 0, ok.err
    assert f"127.0.0.1:{port} answers" in ok.err  # in the plan
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead = closed.getsockname()[1]
    failed = run(cluster, "apply", PATCH, "-n", "n2", "--timeout", ROLLBACK_TIMEOUT, "--yes", "--probe-address",
                 f"127.0.0.1:{dead}")
    assert failed.code == 1
    assert f"127.0.0.1:{dead} does not answer" in failed.err
    assert cluster.persisted("n2") == _original()
