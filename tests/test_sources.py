"""One behaviour suite for every `Source`: capture, talosctl (through a runner that answers from the capture's
files, as talosctl would print them) and the API (a real gRPC server on loopback serving the same nodes).
Each must give the same `Node` records, in the order asked, and the same per-node failure: a `NodeError`
naming the node once, beside the other nodes' results."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from talos_test_server import NodeData, Pki, TalosTestServer, write_talosconfig

from talosbond.discovery import parse_raws
from talosbond.errors import ToolMissing
from talosbond.model import Node, NodeError, RawNode
from talosbond.sources import Connection, Source, open_source
from talosbond.sources.capture import read_capture
from talosbond.sources.talosctl import Completed, TalosctlSource

UNKNOWN = "10.99.0.1"
FILES = {("get", "links"): "links.yaml", ("get", "addresses"): "addresses.yaml", ("get", "routes"): "routes.yaml",
         ("read", "/proc/net/dev"): "netdev.txt"}


class FixtureTalosctl:
    """A talosctl runner answering from capture folders, by node name; an unknown node is unreachable."""

    def __init__(self, fleet_dir: Path) -> None:
        self.folders = {raw.node: Path(raw.origins["links"]).parent
                        for raw in read_capture(str(fleet_dir)) if isinstance(raw, RawNode)}
        self.calls: list[list[str]] = []

    def __call__(self, cmd: Sequence[str], timeout: float) -> Completed:
        args = list(cmd)
        self.calls.append(args)
        node = args[args.index("-n") + 1]
        rest = args[args.index("-n") + 2:]
        folder = self.folders.get(node)
        if folder is None:
            return Completed(1, "", f"error: rpc error: code = Unavailable desc = dial tcp {node}:50000: "
                                    "connect: no route to host\n")
        if rest[:1] == ["version"]:
            tag = (folder / "version.txt").read_text().strip()
            return Completed(0, f"Client:\n\tTag:         v1.12.0\nServer:\n\tNODE:        {node}\n\tTag:         "
                                f"{tag}\n", "")
        name = FILES.get((rest[0], rest[1])) if len(rest) > 1 else None
        if rest[:1] == ["read"] and rest[1].startswith("/proc/net/bonding/"):
            name = f"bonding/{rest[1].rsplit('/', 1)[1]}.txt"
        if name is None or not (folder / name).is_file():
            return Completed(1, "", "error: NotFound\n")
        return Completed(0, (folder / name).read_text(), "")


@pytest.fixture(scope="module")
def server(fleet: dict[str, NodeData], pki_dir: Path) -> Iterator[TalosTestServer]:
    with TalosTestServer(fleet, pki_dir) as running:
        yield running


@pytest.fixture(params=["capture", "talosctl", "api"])
def source_and_conn(request: pytest.FixtureRequest, fleet_dir: Path, tmp_path: Path,
                    pki: Pki) -> tuple[Source, Connection]:
    kind = request.param
    if kind == "capture":
        return open_source("capture"), Connection(from_dir=str(fleet_dir), source="capture", want_bonding=True)
    if kind == "talosctl":
        return TalosctlSource(FixtureTalosctl(fleet_dir)), Connection(source="talosctl", want_bonding=True)
    srv: TalosTestServer = request.getfixturevalue("server")
    config = write_talosconfig(tmp_path / "talosconfig", ca=pki.ca, client=pki.issue(server=False, org="os:admin"),
                               endpoints=[srv.endpoint])
    return open_source("api"), Connection(talosconfig=str(config), source="api", timeout=5, want_bonding=True)


def _expected(fleet_dir: Path) -> list[Node]:
    nodes, errors, _ = parse_raws(read_capture(str(fleet_dir)))
    assert not errors and len(nodes) == 3
    return nodes


def test_every_source_gives_the_same_nodes(source_and_conn: tuple[Source, Connection], fleet_dir: Path) -> None:
    source, conn = source_and_conn
    want = _expected(fleet_dir)
    names = tuple(reversed([n.name for n in want]))  # not the capture's folder order
    seen: list[str] = []
    results = source.fetch(Connection(**{**conn.__dict__, "nodes": names}), seen.append)
    assert [r.node for r in results] == list(names)
    nodes, errors, raws = parse_raws(results)
    assert errors == []
    by_name = {n.name: n for n in want}
    for node in nodes:
        expected = by_name[node.name]
        assert node == expected
        assert node.counters == expected.counters
        assert node.version == expected.version and node.version is not None
        assert node.bonds == expected.bonds
    assert {raw.via for raw in raws} == {source.kind}
    if source.kind != "capture":  # a capture is read in one go
        assert sorted(seen) == sorted(names)


def test_every_source_reports_a_missing_node_beside_the_others(source_and_conn: tuple[Source, Connection],
                                                               fleet_dir: Path) -> None:
    source, conn = source_and_conn
    good = _expected(fleet_dir)[0]
    results = source.fetch(Connection(**{**conn.__dict__, "nodes": (UNKNOWN, good.name)}))
    assert [r.node for r in results] == [UNKNOWN, good.name]
    error, found = results
    assert isinstance(error, NodeError) and error.message and error.hint
    assert not error.message.startswith(UNKNOWN)  # the node is a field, not glued into the text
    nodes, errors, _ = parse_raws([found])
    assert errors == [] and nodes == [good]


def test_one_place_chooses_the_source() -> None:
    assert {open_source(kind).kind for kind in ("capture", "talosctl", "api")} == {"capture", "talosctl", "api"}
    from talosbond.errors import UsageError

    with pytest.raises(UsageError, match="unknown source"):
        open_source("ssh")


def test_a_missing_talosctl_stops_the_read_by_its_type(fleet_dir: Path) -> None:
    def absent(cmd: Sequence[str], timeout: float) -> Completed:
        raise FileNotFoundError(cmd[0])

    with pytest.raises(ToolMissing, match="talosctl not found") as caught:
        TalosctlSource(absent).fetch(Connection(nodes=("10.20.0.11", "10.20.0.12"), source="talosctl"))
    assert "install talosctl" in caught.value.hint


def test_a_talosctl_that_hangs_is_one_node_error() -> None:
    def stalls(cmd: Sequence[str], timeout: float) -> Completed:
        raise TimeoutError

    (result,) = TalosctlSource(stalls).fetch(Connection(nodes=("10.20.0.11",), source="talosctl", timeout=3))
    assert isinstance(result, NodeError)
    assert result.message == "`talosctl -n 10.20.0.11 get links -o yaml` did not answer within 3s"


def test_apply_reads_a_node_through_the_same_runner() -> None:
    from conftest import FIXTURES

    from talosbond.model import BondStatus
    from talosbond.sources.talosctl_apply import TalosctlOps

    runner = FixtureTalosctl(FIXTURES / "bond-8023ad-healthy")
    (name,) = runner.folders
    ops = TalosctlOps(Connection(nodes=(name,), source="talosctl"), runner)
    try:
        node, errors = ops.read_state(name, ["bond0", "bond9"])
    finally:
        ops.close()
    status = node.bonds["bond0"]
    assert isinstance(status, BondStatus) and status.mode == "802.3ad" and len(status.members) == 2
    assert list(errors) == ["bond9"] and errors["bond9"].startswith("`talosctl -n")  # no node name glued in front
    assert any(call[-2:] == ["read", "/proc/net/bonding/bond0"] for call in runner.calls)


def test_a_version_file_that_is_not_a_tag_fails_that_node_naming_the_file(tmp_path: Path, fleet_dir: Path) -> None:
    import shutil

    copy = tmp_path / "fleet"
    shutil.copytree(fleet_dir, copy)
    first = sorted(p for p in copy.iterdir() if p.is_dir())[0]
    (first / "version.txt").write_text("latest\n")
    nodes, errors, _ = parse_raws(read_capture(str(copy)))
    assert len(nodes) == 2
    (error,) = errors
    assert str(first / "version.txt") in error.message and "expected a Talos tag" in error.message
