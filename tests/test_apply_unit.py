"""The apply state machine on a scripted node and a fake clock: the edge paths the stand-in cannot
easily reach (the apply call failing halfway, a failed commit, a node that never comes back, probes
that pass too late), plus durations, secret redaction and the merge checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import FIXTURES
from standin import DATA

from talosbond.apply import (
    REQUIRED_PASSES,
    NodeChange,
    Outcome,
    Timing,
    parse_duration,
    patch_contained,
    prepare,
    redact_line,
    run_node,
)
from talosbond.config import read_config
from talosbond.errors import SourceError, UsageError
from talosbond.health import Expected
from talosbond.model import Node, RawNode
from talosbond.parsing import build_node
from talosbond.sources.capture import read_node_dir

CURRENT = (DATA / "config.yaml").read_text()
MERGED = CURRENT.replace("        hostname: w41\n", "        hostname: w41\n        interfaces:\n"
                         "            - interface: bond0\n              bond:\n                mode: 802.3ad\n")
HEALTHY_TEXT = (FIXTURES / "bond-8023ad-healthy" / "bonding" / "bond0.txt").read_text()
LINKS_AFTER = (FIXTURES / "bond-8023ad-healthy" / "links.yaml").read_text()
DOWN_TEXT = (FIXTURES / "bond-8023ad-lacp-not-negotiated" / "bonding" / "bond0.txt").read_text()


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(seconds, 0.0)


@dataclass
class ScriptedNode:
    """A node whose behaviour the test scripts; it rolls back by itself when the try timer runs out."""

    clock: FakeClock
    bonding: str = HEALTHY_TEXT
    apply_raises_after_applying: bool = False
    apply_raises_before_applying: bool = False
    commit_raises: bool = False
    healthy_after: float = 0.0  # seconds after the try apply before the bond verifies healthy
    gone_for_good: bool = False  # never answers again after the try apply
    running: str = CURRENT
    deadline: float | None = None
    calls: list[str] = field(default_factory=list)

    def _tick(self) -> None:
        if self.deadline is not None and self.clock.now() >= self.deadline:
            self.running, self.deadline = CURRENT, None
            self.calls.append("rollback")

    def read_config(self, node: str) -> tuple[str, str]:
        return self.running, "active"

    def merge(self, node: str, current: str, patch: Path) -> tuple[str, Path]:
        return MERGED, Path("/nonexistent/merged.yaml")

    def apply(self, node: str, path: Path, mode: str, try_timeout: float | None = None) -> str:
        self._tick()
        self.calls.append(mode)
        if mode == "try":
            if self.apply_raises_before_applying:
                raise SourceError("connection refused", node=node)
            assert try_timeout is not None
            self.running, self.deadline, self.applied_at = MERGED, self.clock.now() + try_timeout, self.clock.now()
            if self.apply_raises_after_applying:
                raise SourceError("connection reset by peer", node=node)
        else:
            if self.commit_raises:
                raise SourceError("deadline exceeded", node=node)
            self.deadline = None
        return ""

    def api_error(self, node: str) -> str | None:
        self._tick()
        if self.gone_for_good and "try" in self.calls:
            return "no route to host"
        return None

    def active_config(self, node: str) -> str:
        return self.running

    def read_state(self, node: str, bonds: Sequence[str]) -> tuple[Node, dict[str, str]]:
        if self.running != MERGED:
            return build_node(RawNode(node, LINKS_AFTER)), {b: "not found" for b in bonds}
        ready = self.clock.now() - self.applied_at >= self.healthy_after
        texts = {b: self.bonding if ready else DOWN_TEXT for b in bonds}
        return build_node(RawNode(node, LINKS_AFTER, bonding=texts)), {}

    def probe(self, address: str, timeout: float = 3.0) -> str | None:
        return None


def _plan() -> NodeChange:
    node = build_node(read_node_dir(FIXTURES / "bond-8023ad-healthy"))
    expected = Expected("the patch", ("ens1f0np0", "ens1f1np1"), {"mode": "802.3ad"})
    return NodeChange(node, CURRENT, "active", MERGED, Path("/nonexistent/merged.yaml"), "", {"bond0": expected})


def _run(node: ScriptedNode, timeout: float = 60.0) -> Outcome:
    lines: list[str] = []
    return run_node(node, _plan(), Timing.for_timeout(timeout), None, node.clock, lines.append)


def test_healthy_node_commits_after_two_passing_probes() -> None:
    node = ScriptedNode(FakeClock())
    outcome = _run(node)
    assert (outcome.status, outcome.ok) == ("committed", True)
    assert node.calls == ["try", "no-reboot"]
    assert REQUIRED_PASSES == 2


def test_a_bond_that_settles_late_but_in_time_is_committed() -> None:
    node = ScriptedNode(FakeClock(), healthy_after=20.0)
    outcome = _run(node, timeout=60.0)
    assert outcome.status == "committed"


def test_probes_that_pass_only_after_the_commit_deadline_roll_back() -> None:
    node = ScriptedNode(FakeClock(), healthy_after=50.0)  # the commit deadline is 60 - 15 = 45s
    outcome = _run(node, timeout=60.0)
    assert outcome.status == "rolled-back" and not outcome.ok
    assert "no-reboot" not in node.calls and "rollback" in node.calls


def test_apply_call_fails_but_the_node_runs_the_new_config() -> None:
    node = ScriptedNode(FakeClock(), apply_raises_after_applying=True)
    outcome = _run(node)
    assert outcome.status == "committed"


def test_apply_call_fails_and_nothing_changed() -> None:
    clock = FakeClock()
    node = ScriptedNode(clock, apply_raises_before_applying=True)
    outcome = _run(node)
    assert (outcome.status, outcome.ok) == ("not-applied", False)
    assert "nothing changed" in outcome.failures[0]
    assert clock.t == 1000.0  # no waiting for a rollback that cannot come


def test_a_failed_commit_waits_for_the_rollback() -> None:
    node = ScriptedNode(FakeClock(), commit_raises=True)
    outcome = _run(node)
    assert outcome.status == "rolled-back"
    assert outcome.failures[0].startswith("the commit failed")
    assert node.calls == ["try", "no-reboot", "rollback"]


def test_a_node_that_never_comes_back_is_reported() -> None:
    node = ScriptedNode(FakeClock(), gone_for_good=True)
    outcome = _run(node, timeout=10.0)
    assert outcome.status == "not-back" and not outcome.ok
    assert "check its console" in outcome.failures[-1]


def test_unhealthy_bond_rolls_back_with_its_problems() -> None:
    node = ScriptedNode(FakeClock(), bonding=DOWN_TEXT)
    outcome = _run(node)
    assert outcome.status == "rolled-back"
    assert "TB105" in outcome.failures[0]
    assert any(p.code == "TB105" for h in outcome.health for p in h.problems)


@pytest.mark.parametrize("text, seconds", [
    ("2m", 120.0), ("90s", 90.0), ("1m30s", 90.0), ("500ms", 0.5), ("1h", 3600.0), ("45", 45.0), ("1.5m", 90.0),
])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2 minutes", "m2", "2x", "-1s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_timing_leaves_room_before_the_rollback() -> None:
    timing = Timing.for_timeout(120.0)
    assert (timing.margin, timing.poll) == (15.0, 5.0)
    assert timing.margin < timing.timeout


@pytest.mark.parametrize("line, shown", [
    ("     token: wkr7f2.q9x3mzp81nc04hdt", "     token: <redacted>"),
    ("-        key: LS0tLS1CRUdJTi", "-        key: <redacted>"),
    ("+    secretboxEncryptionSecret: abc=", "+    secretboxEncryptionSecret: <redacted>"),
    ("           - crt: LS0tLS1", "           - crt: <redacted>"),
    ("+                adUserPortKey: 3", "+                adUserPortKey: 3"),
    ("+                mode: 802.3ad", "+                mode: 802.3ad"),
])
def test_diff_redaction(line: str, shown: str) -> None:
    assert redact_line(line) == shown


def test_patch_contained() -> None:
    patch = (DATA / "bond.yaml").read_text()
    documents = list(read_config(patch, "bond.yaml").documents)
    assert not patch_contained(CURRENT, documents)
    applied = CURRENT.replace("        hostname: w41\n", "        hostname: w41\n" + "".join(
        line + "\n" for line in patch.splitlines()[2:]))
    assert patch_contained(applied, documents)


class _MergeOnly(ScriptedNode):
    def __init__(self, merged: str) -> None:
        super().__init__(FakeClock())
        self.merged = merged

    def merge(self, node: str, current: str, patch: Path) -> tuple[str, Path]:
        return self.merged, Path("/nonexistent/merged.yaml")


def test_prepare_refuses_a_merge_that_doubles_the_selectors() -> None:
    patch = (DATA / "bond.yaml").read_text()
    selectors = patch.split("                deviceSelectors:\n")[1].split("                mode:")[0]
    doubled = patch.replace(selectors, selectors + selectors)
    merged = CURRENT.replace("        hostname: w41\n", "        hostname: w41\n" + "".join(
        line + "\n" for line in doubled.splitlines()[2:]))
    node = build_node(read_node_dir(FIXTURES / "bond-8023ad-healthy"))
    plan = prepare(_MergeOnly(merged), node, DATA / "bond.yaml", read_config(patch, "bond.yaml"), (1, 11))
    assert any("a deviceSelector appears twice" in r for r in plan.refusals)
