"""The CLI on the `api` source, end to end against the loopback Talos stand-in: the same JSON and the same
patch as from the captures, `--source auto`, per-node errors with exit code 2, no secrets in --debug, and
a clean stop on Ctrl-C."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli import run
from conftest import REPO
from talos_test_server import NodeData, Pki, TalosTestServer, write_talosconfig


@pytest.fixture(scope="module")
def server(fleet: dict[str, NodeData], pki_dir: Path) -> Iterator[TalosTestServer]:
    with TalosTestServer(fleet, pki_dir, failures={"stalled.example": "stall"}) as running:
        yield running


@pytest.fixture()
def talosconfig(tmp_path: Path, pki: Pki, server: TalosTestServer) -> Path:
    return write_talosconfig(tmp_path / "talosconfig", ca=pki.ca, client=pki.issue(server=False, org="os:admin"),
                             endpoints=[server.endpoint])


def _json(text: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(text)
    return document


def test_discover_json_same_as_capture(talosconfig: Path, fleet_dir: Path, fleet: dict[str, NodeData]) -> None:
    live = run("discover", "--source", "api", "--talosconfig", str(talosconfig), "-n", ",".join(fleet), "-o", "json")
    assert live.code == 0, live.err
    offline = run("discover", "--from", str(fleet_dir), "-o", "json")
    assert offline.code == 0, offline.err
    got, want = _json(live.out), _json(offline.out)
    assert (got.pop("source"), want.pop("source")) == ("api", "capture")
    assert got == want


def test_patch_same_as_capture(talosconfig: Path, fleet_dir: Path, fleet: dict[str, NodeData]) -> None:
    live = run("patch", "--source", "api", "--talosconfig", str(talosconfig), "-n", ",".join(fleet),
               "--mode", "802.3ad")
    offline = run("patch", "--from", str(fleet_dir), "--mode", "802.3ad")
    assert live.code == offline.code == 0, live.err + offline.err
    assert live.out == offline.out and "kind:" in live.out


def test_failed_nodes_reported_after_the_others(talosconfig: Path, fleet: dict[str, NodeData],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    healthy = next(iter(fleet))
    result = run("discover", "--source", "api", "--talosconfig", str(talosconfig),
                 "-n", f"{healthy},nowhere.example", "-o", "json")
    assert result.code == 2
    nodes = {n["node"]: n for n in _json(result.out)["nodes"]}  # type: ignore[attr-defined]
    assert nodes[healthy]["errors"] == [] and nodes[healthy]["links"]
    assert "no such host" in nodes["nowhere.example"]["errors"][0]
    assert "error: nowhere.example:" in result.err


def test_source_auto_without_talosctl(talosconfig: Path, fleet: dict[str, NodeData], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no talosctl here
    monkeypatch.setenv("TALOSCONFIG", str(talosconfig))
    name = next(iter(fleet))
    result = run("--debug", "discover", "-n", name, "-o", "json")
    assert result.code == 0, result.err
    assert _json(result.out)["source"] == "api"
    assert "debug: source api" in result.err


def test_omni_context_refused(tmp_path: Path) -> None:
    config = tmp_path / "omni"
    config.write_text("context: omni\ncontexts:\n    omni:\n        endpoints: [https://x.omni.siderolabs.io]\n"
                      "        nodes: [w1]\n        auth:\n            siderov1:\n                identity: a@b.c\n")
    result = run("discover", "--source", "api", "--talosconfig", str(config), "-o", "json")
    assert result.code == 2
    assert "Omni (auth.siderov1)" in result.err and "--source talosctl" in result.err
    assert result.out == ""


def test_keys_never_printed_even_with_debug(tmp_path: Path, pki: Pki) -> None:
    client = pki.issue(server=False, org="os:admin")
    wrong_key = pki.issue(server=False, org="os:admin").key  # does not match the certificate
    config = tmp_path / "tc"
    config.write_text(
        "context: c\ncontexts:\n    c:\n        endpoints: [127.0.0.1]\n        nodes: [n1]\n"
        f"        ca: {base64.b64encode(pki.ca).decode()}\n        crt: {base64.b64encode(client.crt).decode()}\n"
        f"        key: {base64.b64encode(wrong_key).decode()}\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "talosbond", "--debug", "discover", "--source", "api",
                           "--talosconfig", str(config)], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert proc.returncode != 0
    shown = proc.stdout + proc.stderr
    assert "cannot load the client certificate" in shown
    secret_lines = [line for line in wrong_key.decode().splitlines() if "-----" not in line]
    for secret in [*secret_lines, base64.b64encode(wrong_key).decode()[:60]]:
        assert secret not in shown


def test_insecure_is_said_loudly(pki_dir: Path, fleet: dict[str, NodeData]) -> None:
    name = next(iter(fleet))
    with TalosTestServer({name: fleet[name]}, pki_dir, maintenance=True) as maint:
        result = run("discover", "--source", "api", "--insecure", "-n", maint.endpoint, "-o", "json")
    assert result.code == 0, result.err
    assert "WITHOUT verifying the server" in result.err
    node, = _json(result.out)["nodes"]  # type: ignore[misc]
    assert node["links"]


def test_ctrl_c_stops_cleanly(talosconfig: Path, server: TalosTestServer) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    before = server.behaviour.calls
    proc = subprocess.Popen([sys.executable, "-m", "talosbond", "discover", "--source", "api", "--talosconfig",
                             str(talosconfig), "-n", "stalled.example", "-o", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            # A shell's background job ignores SIGINT, and a child inherits that: give
                            # talosbond the default, as a terminal would.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 20
    while server.behaviour.calls == before and time.monotonic() < deadline:  # until the calls hang on the node
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert out == ""
