"""`talosbond discover` on every fixture, through a stand-in talosctl, and the capture round trip."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from cli import run
from conftest import FIXTURES, scenarios
from ruamel.yaml import YAML

EXPECTED: dict[str, Any] = YAML(typ="safe").load((FIXTURES / "expected.yaml").read_text())["scenarios"]


def _expected_key(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


@pytest.mark.parametrize("path", scenarios(), ids=_expected_key)
def test_discover_json_ranks_like_expected(path: Path) -> None:
    expected = EXPECTED[_expected_key(path)]
    result = run("discover", "--from", str(path), "-o", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["source"] == "capture"
    node, = document["nodes"]
    assert node["errors"] == []
    assert node["node"] == (expected.get("node") or path.name)
    assert node["talos_version"] == expected.get("talos_version")
    physical = sorted((x for x in node["links"] if x["physical"]), key=lambda x: x["rank"])
    # Cards that tie on traffic, carrier and speed may come in either order (talosbond breaks ties by MAC).
    tied = {name: frozenset(group) for group in expected.get("ties", []) for name in group}
    assert [tied.get(x["name"], x["name"]) for x in physical] == [tied.get(n, n) for n in expected["physical_rank"]]
    assert [x["rank"] for x in physical] == list(range(1, len(physical) + 1))
    assert all(x["rank"] is None for x in node["links"] if not x["physical"])
    for link in physical:
        if "traffic" in expected:
            assert link["rx_bytes"] + link["tx_bytes"] == expected["traffic"][link["name"]]
    management = expected["management"]
    by_name = {x["name"]: x for x in node["links"]}
    if not by_name[management]["physical"]:  # a bond holds the address: its members carry the traffic
        management_links = sorted(x["name"] for x in node["links"] if x["physical"] and x["role"] == "management")
        assert management_links and all(by_name[m]["physical"] for m in management_links)
    else:
        assert node["management"] == [management]


def test_discover_json_contract_keys() -> None:
    path = scenarios()[0]
    document = json.loads(run("discover", "--from", str(path), "-o", "json").out)
    link = document["nodes"][0]["links"][0]
    for key in ("name", "driver", "hardware_addr", "permanent_addr", "bus_path", "pci_id", "kind", "physical",
                "speed_mbit", "link_state", "rx_bytes", "tx_bytes", "rank"):
        assert key in link


def test_fleet_discovery_reports_every_node() -> None:
    fleet = FIXTURES / "fleet-3-identical"
    document = json.loads(run("discover", "--from", str(fleet), "-o", "json").out)
    assert [n["node"] for n in document["nodes"]] == ["10.20.0.11", "10.20.0.12", "10.20.0.13"]
    picked = json.loads(run("discover", "--from", str(fleet), "-n", "w02", "-o", "json").out)
    assert [n["node"] for n in picked["nodes"]] == ["10.20.0.12"]


def test_table_is_the_result_on_stdout_and_names_the_cards() -> None:
    result = run("discover", "--from", str(FIXTURES / "igb-4port-two-cabled"))
    assert result.code == 0 and result.err == ""
    assert "enp3s0f0" in result.out and "management" in result.out and "can bond" in result.out


def _physical(path: Path) -> list[dict[str, Any]]:
    document = json.loads(run("discover", "--from", str(path), "-o", "json").out)
    return [link for node in document["nodes"] for link in node["links"] if link["physical"]]


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("path", scenarios(), ids=_expected_key)
def test_table_reads_well_at_the_width(path: Path, width: int) -> None:
    """Off a terminal the table takes $COLUMNS; every line fits, nothing is cut with an ellipsis, and each
    card's name, driver, permanent MAC, bus path and suggested selector are there whole."""
    result = run("discover", "--from", str(path), env={"COLUMNS": str(width)})
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in result.out
    words = result.out.split()
    flowing = " ".join(words)  # a long selector may wrap onto the next line
    for link in _physical(path):
        for field in ("name", "driver", "permanent_addr", "bus_path"):
            if link[field]:
                assert link[field] in words, (field, link[field])
        if link["selector"]:
            assert " ".join(link["selector"].split()) in flowing


def test_the_table_grows_columns_with_the_width() -> None:
    path = str(FIXTURES / "e1000e-onboard-plus-addin")
    narrow = run("discover", "--from", path, env={"COLUMNS": "80"}).out
    wide = run("discover", "--from", path, env={"COLUMNS": "120"}).out
    assert "permanent MAC" not in narrow and "MAC 10:e7:c6:16:5a:3c" in narrow  # under the table instead
    assert "permanent MAC" in wide.splitlines()[1]


def test_yaml_output_parses() -> None:
    result = run("discover", "--from", str(FIXTURES / "virtio-vm"), "-o", "yaml")
    document = YAML(typ="safe").load(result.out)
    assert document["nodes"][0]["links"]


def test_save_round_trip(tmp_path: Path) -> None:
    source = FIXTURES / "fleet-3-identical"
    first = run("discover", "--from", str(source), "-o", "json", "--save", str(tmp_path / "copy"))
    second = run("discover", "--from", str(tmp_path / "copy"), "-o", "json")
    assert json.loads(first.out)["nodes"] == json.loads(second.out)["nodes"]


@pytest.mark.parametrize(("content", "message"), [
    ("node: x\nmetadata:\n    id: eth0\nspec:\n    mtu: big\n", "spec.mtu: expected an integer"),
    ("NODE         NAMESPACE   TYPE         ID      VERSION   TYPE    KIND   HW ADDR   OPER STATE   LINK STATE\n"
     "10.10.3.11   network     LinkStatus   bond0   5         ether   bond   58:47:ca:78:c8:9a   up   true\n",
     "table output"),
])
def test_broken_capture_is_one_line_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "links.yaml").write_text(content)
    result = run("discover", "--from", str(tmp_path))
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


def test_missing_capture_directory(tmp_path: Path) -> None:
    result = run("discover", "--from", str(tmp_path / "nope"))
    assert result.code == 2 and "no such capture directory" in result.err


# --- a stand-in talosctl: a real executable on PATH that serves fixture folders as nodes ---------------

STAND_IN = """\
#!{python}
import os, sys
args = sys.argv[1:]
log = os.environ.get("FAKE_TALOSCTL_LOG")
if log:
    with open(log, "a") as handle:
        handle.write(" ".join(args) + "\\n")
node = args[args.index("-n") + 1]
if node in os.environ.get("FAKE_TALOSCTL_STALL", "").split(","):
    import time
    time.sleep(20)
if node in os.environ.get("FAKE_TALOSCTL_FAIL", "").split(","):
    sys.stderr.write(f"error: rpc error: code = Unavailable desc = connection error: dial tcp {{node}}:50000: connect: no route to host\\n")
    sys.exit(1)
root = os.path.join(os.environ["FAKE_TALOSCTL_ROOT"], node)
rest = args[args.index("-n") + 2:]
files = {{("get", "links"): "links.yaml", ("get", "addresses"): "addresses.yaml", ("get", "routes"): "routes.yaml"}}
if rest[:1] == ["version"]:
    tag = open(os.path.join(root, "version.txt")).read().strip()
    print("Client:\\n\\tTag:         v1.11.3\\nServer:\\n\\tNODE:        " + node + "\\n\\tTag:         " + tag)
    sys.exit(0)
if rest[:1] == ["read"] and os.environ.get("FAKE_TALOSCTL_READER"):
    sys.stderr.write("error: rpc error: code = PermissionDenied desc = not authorized\\n")
    sys.exit(1)
if rest[:2] == ["read", "/proc/net/dev"]:
    name = "netdev.txt"
elif tuple(rest[:2]) in files:
    name = files[tuple(rest[:2])]
else:
    sys.stderr.write("unknown command " + " ".join(rest) + "\\n")
    sys.exit(1)
path = os.path.join(root, name)
if not os.path.exists(path):
    sys.stderr.write("error: NotFound\\n")
    sys.exit(1)
sys.stdout.write(open(path).read())
"""


@pytest.fixture
def talosctl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "talosctl"
    script.write_text(STAND_IN.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    root = tmp_path / "nodes"
    root.mkdir()
    for folder in (FIXTURES / "fleet-3-identical").iterdir():
        node = YAML(typ="safe").load((folder / "version.txt").read_text()) and folder.name
        os.symlink(folder, root / {"w01": "10.20.0.11", "w02": "10.20.0.12", "w03": "10.20.0.13"}[node])
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TALOSCTL_ROOT", str(root))
    monkeypatch.setenv("FAKE_TALOSCTL_LOG", str(tmp_path / "calls.log"))
    return tmp_path


def test_talosctl_source_matches_the_capture(talosctl: Path) -> None:
    live = run("discover", "-n", "10.20.0.11,10.20.0.12", "--talosconfig", "/tmp/tc", "-e", "10.20.0.1", "-o", "json")
    assert live.code == 0, live.err
    document = json.loads(live.out)
    assert document["source"] == "talosctl"
    captured = json.loads(run("discover", "--from", str(FIXTURES / "fleet-3-identical"), "-o", "json").out)
    assert document["nodes"] == captured["nodes"][:2]
    calls = (talosctl / "calls.log").read_text().splitlines()
    assert "--talosconfig /tmp/tc -e 10.20.0.1 -n 10.20.0.11 get links -o yaml" in calls
    assert "--talosconfig /tmp/tc -e 10.20.0.1 -n 10.20.0.12 read /proc/net/dev" in calls


def test_one_failing_node_does_not_hide_the_others(talosctl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_TALOSCTL_FAIL", "10.20.0.12")
    result = run("discover", "-n", "10.20.0.11", "-n", "10.20.0.12", "-o", "json")
    assert result.code == 2
    nodes = {n["node"]: n for n in json.loads(result.out)["nodes"]}
    assert nodes["10.20.0.11"]["links"] and nodes["10.20.0.11"]["errors"] == []
    assert nodes["10.20.0.12"]["links"] == [] and "no route to host" in nodes["10.20.0.12"]["errors"][0]
    assert "10.20.0.12" in result.err


def test_a_node_that_does_not_answer_is_given_up_on(talosctl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_TALOSCTL_STALL", "10.20.0.13")
    result = run("--call-timeout", "1", "discover", "-n", "10.20.0.11,10.20.0.13", "-o", "json")
    assert result.code == 2
    nodes = {n["node"]: n for n in json.loads(result.out)["nodes"]}
    assert nodes["10.20.0.11"]["links"]
    assert "did not answer within 1s" in nodes["10.20.0.13"]["errors"][0]


def test_a_read_only_certificate_still_ranks(talosctl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """os:reader may list resources but not Read files: the cards come back, without traffic counters."""
    monkeypatch.setenv("FAKE_TALOSCTL_READER", "1")
    result = run("discover", "-n", "10.20.0.11", "-o", "json")
    assert result.code == 0, result.err
    (node,) = json.loads(result.out)["nodes"]
    physical = [link for link in node["links"] if link["physical"]]
    assert physical and all(link["rx_bytes"] is None for link in physical)
    assert sorted(link["rank"] for link in physical) == list(range(1, len(physical) + 1))


def test_missing_talosctl_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("discover", "-n", "10.0.0.1", "--source", "talosctl")
    assert result.code == 2 and "talosctl not found" in result.err


def test_maintenance_mode_skips_read_and_passes_insecure(talosctl: Path) -> None:
    result = run("discover", "-n", "10.20.0.13", "--insecure", "-o", "json")
    assert result.code == 0, result.err
    calls = (talosctl / "calls.log").read_text()
    assert "-n 10.20.0.13 get links -o yaml --insecure" in calls
    assert "read /proc/net/dev" not in calls
