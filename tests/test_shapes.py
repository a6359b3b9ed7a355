"""Fleets grouped by hardware shape: `discover` on many nodes, its JSON, the compact node lists."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.errors import ParseError
from talosbond.shapes import compact_names

MAC = re.compile(r"\b([0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}:[0-9a-f]{2})\b")
STATE_KEYS = ("flags", "operationalState", "linkState", "speedMbit", "duplex")


def _renumber_macs(text: str, index: int) -> str:
    """Give each node of the fleet its own MACs (4th octet), keeping the cards' OUIs."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) in ("ff:ff:ff", "00:00:00"):
            return match.group(0)
        return f"{match.group(1)}:{index:02x}:{match.group(3)}"

    return MAC.sub(one, text)


def _spec_block(text: str, link: str) -> tuple[int, int]:
    start = text.index(f"    id: {link}\n")
    end = text.find("\n---\n", start)
    return start, len(text) if end < 0 else end


def _swap_cabling(links: str, netdev: str, a: str, b: str) -> tuple[str, str]:
    """The node has card `b` cabled where its shape has `a` (and the other way round): their carrier,
    speed and counters trade places, everything that names the card stays."""
    blocks = {name: _spec_block(links, name) for name in (a, b)}
    values: dict[str, dict[str, str]] = {}
    for name, (start, end) in blocks.items():
        values[name] = {key: re.search(rf"^    {key}: .*$", links[start:end], re.M).group(0)  # type: ignore[union-attr]
                        for key in STATE_KEYS}
    out = links
    for name, other in ((a, b), (b, a)):
        start, end = _spec_block(out, name)
        block = out[start:end]
        for key in STATE_KEYS:
            block = block.replace(values[name][key], values[other][key])
        out = out[:start] + block + out[end:]
    rows = {name: re.search(rf"^ *{name}:.*$", netdev, re.M).group(0) for name in (a, b)}  # type: ignore[union-attr]
    swapped = netdev.replace(rows[a], "\0").replace(rows[b], rows[a].replace(f"{a}:", f"{b}:")).replace(
        "\0", rows[b].replace(f"{b}:", f"{a}:"))
    return out, swapped


def _add_node(fleet: Path, source: str, name: str, index: int, swap: tuple[str, str] | None = None) -> None:
    folder = fleet / name
    shutil.copytree(FIXTURES / source, folder)
    original = (FIXTURES / source / "links.yaml").read_text().split("\n", 1)[0].removeprefix("node: ")
    for path in folder.glob("*.yaml"):
        path.write_text(_renumber_macs(path.read_text().replace(f"node: {original}\n", f"node: {name}\n"), index))
    if swap is not None:
        links, netdev = _swap_cabling((folder / "links.yaml").read_text(), (folder / "netdev.txt").read_text(), *swap)
        (folder / "links.yaml").write_text(links)
        (folder / "netdev.txt").write_text(netdev)


ODD = {"10.0.0.15", "10.0.0.22"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 nodes: 30 with four igb ports (two of them cabled to other ports), 8 with ixgbe X520s, 2 with mlx5."""
    root = tmp_path_factory.mktemp("fleet")
    for i in range(30):
        name = f"10.0.0.{10 + i}"
        _add_node(root, "igb-4port-two-cabled", name, i, ("enp3s0f1", "enp3s0f3") if name in ODD else None)
    for i in range(8):
        _add_node(root, "ixgbe-x520-10g", f"10.0.1.{10 + i}", 40 + i)
    for i, name in enumerate(("10.0.2.5", "10.0.2.9")):
        _add_node(root, "mlx5-25g-beside-tg3", name, 60 + i)
    return root


def test_compact_names_folds_runs() -> None:
    assert compact_names(["10.0.0.12", "10.0.0.10", "10.0.0.11", "10.0.1.5", "10.0.0.99"]) == (
        "10.0.0.10-10.0.0.12, 10.0.0.99, 10.0.1.5")
    assert compact_names(["w03", "w01", "w02", "w10", "db", "w011"]) == "w01-w03, w10, w011, db"
    assert compact_names(["10.0.0.255", "10.0.1.0"]) == "10.0.0.255-10.0.1.0"
    assert compact_names([]) == ""


def test_fleet_json_groups_three_shapes(fleet: Path) -> None:
    result = run("discover", "--from", str(fleet), "-o", "json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert len(document["nodes"]) == 40
    shapes = document["shapes"]
    assert [s["node_count"] for s in shapes] == [30, 8, 2]
    assert [s["node_list"] for s in shapes] == [
        "10.0.0.10-10.0.0.39", "10.0.1.10-10.0.1.17", "10.0.2.5, 10.0.2.9"]
    first = shapes[0]
    assert [c["name"] for c in first["cards"]] == ["eno1", "enp3s0f0", "enp3s0f1", "enp3s0f2", "enp3s0f3"]
    carrier = {c["name"]: c["link_state"] for c in first["cards"]}
    assert carrier == {"eno1": True, "enp3s0f0": True, "enp3s0f1": True, "enp3s0f2": False, "enp3s0f3": False}
    assert {c["driver"] for c in first["cards"] if c["name"].startswith("enp3s0")} == {"igb"}
    # Every card gets a selector that does not name a MAC: it must hold on all 30 nodes.
    for card in first["cards"]:
        assert card["bus_path"] in card["selector"]
        assert not MAC.search(card["selector"])
    deviations = {d["node"]: d["differences"] for d in first["deviations"]}
    assert set(deviations) == ODD
    for differences in deviations.values():
        assert "enp3s0f1 has no carrier" in differences
        assert "enp3s0f3 has carrier" in differences
    assert first["bondable_groups"] == [["enp3s0f0", "enp3s0f1"]]
    assert shapes[1]["deviations"] == [] and shapes[2]["deviations"] == []


def test_fleet_table_is_one_table_per_shape(fleet: Path) -> None:
    result = run("discover", "--from", str(fleet))
    assert result.code == 0, result.err
    shown = result.out + result.err
    assert "shape 1: 30 node(s)" in shown and "shape 2: 8 node(s)" in shown and "shape 3: 2 node(s)" in shown
    assert "nodes: 10.0.0.10-10.0.0.39" in shown
    assert "can bond: enp3s0f0, enp3s0f1" in shown
    assert "2 node(s) differ from this shape" in shown
    assert "10.0.0.15: " in shown and "enp3s0f1 has no carrier" in shown
    assert "3 shape(s) across 40 node(s)" in shown
    assert "permanent MAC" not in shown  # no per-node card table


def test_per_node_keeps_the_full_table(fleet: Path) -> None:
    result = run("discover", "--from", str(fleet), "--per-node")
    assert result.code == 0, result.err
    shown = result.out + result.err
    assert "shape 1" not in shown
    assert shown.count("permanent MAC") == 40


def test_a_node_missing_a_card_is_folded_into_its_shape(tmp_path: Path) -> None:
    for i in range(6):
        _add_node(tmp_path, "igb-4port-two-cabled", f"w{i + 1:02d}", i)
    links = tmp_path / "w06" / "links.yaml"
    documents = links.read_text().split("---\n")
    links.write_text("---\n".join(d for d in documents if "    id: enp3s0f3\n" not in d))
    result = run("discover", "--from", str(tmp_path), "-o", "json")
    assert result.code == 0, result.err
    (shape,) = json.loads(result.out)["shapes"]
    assert shape["node_list"] == "w01-w06"
    assert shape["deviations"] == [{"node": "w06", "differences": ["no card enp3s0f3"]}]


def test_patch_on_a_fleet_of_three_shapes_names_them(fleet: Path) -> None:
    result = run("patch", "--from", str(fleet), "--dhcp", "--talos-version", "1.11")
    assert result.code == 2
    assert "3 hardware shapes" in result.err
    assert "shape 1 (30 node(s): 10.0.0.10-10.0.0.39; e1000e, igb x4)" in result.err
    assert "shape 2 needs its own" in result.err and "shape 3 needs its own" in result.err
    assert "--shape" in result.err
    assert result.out == ""


def test_patch_one_shape(fleet: Path) -> None:
    result = run("patch", "--from", str(fleet), "--dhcp", "--talos-version", "1.11", "--shape", "2")
    assert result.code == 0, result.err
    assert "proven on 8 node(s)" in result.err
    assert "driver: ixgbe" in result.out
    odd = run("patch", "--from", str(fleet), "--dhcp", "--talos-version", "1.11", "--shape", "1")
    assert odd.code == 2
    assert "2 node(s) differ from the others (10.0.0.15: enp3s0f1 has no carrier" in odd.err
    named = run("patch", "--from", str(fleet), "--dhcp", "--talos-version", "1.11", "--shape", "1",
                "--ports", "enp3s0f0,enp3s0f1")
    assert named.code == 0, named.err
    assert "busPath: 0000:03:00.0" in named.out and "busPath: 0000:03:00.1" in named.out
    assert "proven on 30 node(s)" in named.err
    missing = run("patch", "--from", str(fleet), "--dhcp", "--shape", "4")
    assert missing.code == 2 and "the fleet has 3 hardware shape(s)" in missing.err


def test_shapes_that_can_share_a_patch_are_grouped(tmp_path: Path) -> None:
    for i in range(6):
        _add_node(tmp_path, "igb-4port-two-cabled", f"a{i + 1:02d}", i)
    for i in range(3):
        _add_node(tmp_path, "igb-4port-two-cabled", f"b{i + 1:02d}", 10 + i)
        links = tmp_path / f"b{i + 1:02d}" / "links.yaml"
        links.write_text("---\n".join(d for d in links.read_text().split("---\n") if "    id: eno1\n" not in d))
    for i in range(3):
        _add_node(tmp_path, "ixgbe-x520-10g", f"c{i + 1:02d}", 20 + i)
    both = run("patch", "--from", str(tmp_path), "--dhcp", "--talos-version", "1.11", "--ports",
               "enp3s0f0,enp3s0f1")
    assert both.code == 2
    assert "shapes 1 + 2 can share one; shape 3 needs its own" in both.err
    shared = run("patch", "--from", str(tmp_path), "--dhcp", "--talos-version", "1.11", "--ports",
                 "enp3s0f0,enp3s0f1", "--shape", "1,2")
    assert shared.code == 0, shared.err
    assert "proven on 9 node(s)" in shared.err


def test_a_large_capture_parses_the_same_in_parallel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Big captures are parsed one process per core; the nodes must come back exactly as parsed in-process,
    a node's broken bond file and its machine config included."""
    import talosbond.discovery as discovery
    from talosbond.sources import Connection

    for i, source in enumerate(("post-bond-vlan-pitfall", "bond-8023ad-healthy", "igb-4port-two-cabled") * 2):
        _add_node(tmp_path, source, f"n{i + 1:02d}", i)
    bonding = tmp_path / "n02" / "bonding" / "bond0.txt"
    bonding.write_text(bonding.read_text()[:200])
    monkeypatch.setattr(discovery, "PARALLEL_MIN_NODES", 10**9)
    serial = discovery.discover(Connection(from_dir=str(tmp_path)))
    monkeypatch.setattr(discovery, "PARALLEL_MIN_NODES", 2)
    parallel = discovery.discover(Connection(from_dir=str(tmp_path)))
    assert [n.name for n in parallel.nodes] == [f"n{i:02d}" for i in range(1, 7)]
    assert parallel.nodes == serial.nodes and parallel.errors == serial.errors
    for ours, theirs in zip(parallel.nodes, serial.nodes, strict=True):
        assert {k: str(v) for k, v in ours.bonds.items()} == {k: str(v) for k, v in theirs.bonds.items()}
        assert (ours.config is None) == (theirs.config is None)
    assert isinstance(parallel.nodes[1].bonds["bond0"], ParseError)
    assert parallel.nodes[0].config is not None
