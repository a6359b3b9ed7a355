"""The stand-in `talosctl` set up for a test: fake nodes in a temp folder, the script first on PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from talosbond.config import load_documents

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "standin_talosctl.py"
DATA = HERE / "data" / "apply_node"
HEALTHY = FIXTURES / "bond-8023ad-healthy"
NOT_NEGOTIATED = FIXTURES / "bond-8023ad-lacp-not-negotiated"
ACTIVE_BACKUP = FIXTURES / "bond-active-backup-failed-over"

# The two bonds `talosbond drill` is tried on: the fixtures' cards, switch and configs.
DRILL_BONDS: dict[str, dict[str, Any]] = {
    "802.3ad": {
        "fixture": HEALTHY, "bond": "bond0", "mode": "802.3ad", "partner": "28:99:3a:4e:11:80",
        "members": [
            {"name": "ens1f0np0", "perm": "0c:42:a1:5e:72:b4", "driver": "mlx5_core", "bus": "0000:3b:00.0",
             "speed": 25000},
            {"name": "ens1f1np1", "perm": "0c:42:a1:5e:72:b5", "driver": "mlx5_core", "bus": "0000:3b:00.1",
             "speed": 25000},
        ],
    },
    "active-backup": {
        "fixture": ACTIVE_BACKUP, "bond": "bond0", "mode": "active-backup", "primary": "enp1s0",
        "members": [
            {"name": "enp1s0", "perm": "7c:83:34:b9:20:1e", "driver": "igc", "bus": "0000:01:00.0", "speed": 2500},
            {"name": "enp2s0", "perm": "7c:83:34:b9:20:1f", "driver": "igc", "bus": "0000:02:00.0", "speed": 2500},
        ],
    },
}


def _one_member(text: str) -> str:
    """The healthy bonding file with the second member gone (it was never enslaved)."""
    head, first, _second = text.split("\nSlave Interface:")
    return (head.replace("Number of ports: 2", "Number of ports: 1") + "\nSlave Interface:" + first)


class FakeClock:
    """`talosbond.clock.Clock` that only moves when slept on, shared with the stand-in through a file.
    `interrupt_at` (seconds slept) raises KeyboardInterrupt once, from the sleep that reaches it: a Ctrl-C."""

    def __init__(self, root: Path) -> None:
        self.file = root / "clock"
        self.time = 1_000_000.0
        self.slept = 0.0
        self.interrupt_at: float | None = None
        self.file.write_text(repr(self.time))

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.time += seconds
            self.slept += seconds
            self.file.write_text(repr(self.time))
        if self.interrupt_at is not None and self.slept >= self.interrupt_at:
            self.interrupt_at = None
            raise KeyboardInterrupt


class FakeCluster:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = FakeClock(root)

    def add(self, node: str, mode: str = "healthy") -> None:
        state = self.root / node
        state.mkdir()
        healthy = (HEALTHY / "bonding" / "bond0.txt").read_text()
        lacp_down = (NOT_NEGOTIATED / "bonding" / "bond0.txt").read_text()
        lacp_down = lacp_down.replace("0c:42:a1:5e:80:1a", "0c:42:a1:5e:72:b4").replace(
            "0c:42:a1:5e:80:1b", "0c:42:a1:5e:72:b5")
        files = {
            "mode": mode,
            "persisted.yaml": (DATA / "config.yaml").read_text(),
            "active.yaml": (DATA / "config.yaml").read_text(),
            "links-before.yaml": (DATA / "links-before.yaml").read_text(),
            "links-after.yaml": (HEALTHY / "links.yaml").read_text(),
            "netdev.txt": (HEALTHY / "netdev.txt").read_text(),
            "version.txt": (HEALTHY / "version.txt").read_text(),
            "bonding-healthy.txt": healthy,
            "bonding-api-down.txt": healthy,
            "bonding-lacp-down.txt": lacp_down,
            "bonding-member-missing.txt": _one_member(healthy),
        }
        for name, text in files.items():
            (state / name).write_text(text)

    def add_drill(self, node: str, bond: str, version: str, **scenario: Any) -> None:
        """A node whose bond the stand-in renders from the config it runs (see standin_talosctl.drill_main).
        `scenario`: settle (seconds the kernel takes to show a change), no_carrier, carrier_lost_during_try,
        stuck (members that never come back), probe_down_during_try (probe addresses)."""
        model = {k: v for k, v in DRILL_BONDS[bond].items() if k != "fixture"}
        model.update(scenario)
        fixture: Path = DRILL_BONDS[bond]["fixture"]
        state = self.root / node
        state.mkdir()
        config = (fixture / "machineconfig.yaml").read_text()
        files = {
            "mode": "healthy", "drill.json": json.dumps(model), "version.txt": version + "\n",
            "persisted.yaml": config, "active.yaml": config, "links.yaml": (fixture / "links.yaml").read_text(),
            "netdev.txt": (fixture / "netdev.txt").read_text(), "addresses.yaml": (fixture / "addresses.yaml").read_text(),
            "routes.yaml": (fixture / "routes.yaml").read_text(),
        }
        for name, text in files.items():
            (state / name).write_text(text)

    def calls(self, node: str | None = None) -> list[str]:
        log = self.root / "calls.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return [line for line in lines if node is None or line.split(" ", 1)[0] == node]

    def applies(self, node: str) -> list[str]:
        return [line for line in self.calls(node) if " apply-config " in f" {line} "]

    def persisted(self, node: str) -> list[object]:
        return load_documents((self.root / node / "persisted.yaml").read_text(), "persisted")

    def active(self, node: str) -> list[object]:
        return load_documents((self.root / node / "active.yaml").read_text(), "active")


def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer talosbond's `talosctl` subprocess calls with the stand-in run in this process: the same
    arguments in and text out, without a Python start-up per call (a probe loop makes dozens)."""
    import standin_talosctl

    real_run = subprocess.run

    def run(cmd: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(cmd, list) and Path(cmd[0]).name == "talosctl":
            code, out, err = standin_talosctl.call([str(x) for x in cmd[1:]])
            return subprocess.CompletedProcess(cmd, code, out, err)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)


def make_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: bool = True) -> FakeCluster:
    """Put the stand-in first on PATH and return an empty fake cluster. Unless `in_process` is False, the
    calls reach the stand-in without starting it as a process."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    talosctl = bin_dir / "talosctl"
    talosctl.write_text(f"#!{sys.executable}\n" + STANDIN.read_text())
    talosctl.chmod(0o755)
    root = tmp_path / "nodes"
    root.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("FAKE_TALOS_DIR", str(root))
    monkeypatch.delenv("TALOSBOND_TALOSCTL", raising=False)
    monkeypatch.delenv("TALOSCONFIG", raising=False)
    if in_process:
        _in_process(monkeypatch)
    return FakeCluster(root)


def run_config(cluster: FakeCluster, node: str, text: str) -> None:
    """Make a fake node run (and have saved) `text`, as if it had been applied long ago."""
    (cluster.root / node / "active.yaml").write_text(text)
    (cluster.root / node / "persisted.yaml").write_text(text)

