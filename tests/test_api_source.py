"""The `api` source against a real gRPC server on loopback (TLS with Ed25519 certificates made here, HTTP/2):
the same nodes as the captures it serves, and a clear per-node error for every way a node can fail."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, scenarios
from talos_test_server import NodeData, Pki, TalosTestServer, load_fleet, write_talosconfig

from talosbond.discovery import discover
from talosbond.errors import UsageError
from talosbond.model import NodeError, RawNode
from talosbond.sources import Connection, api
from talosbond.sources.capture import write_capture

FLEET = FIXTURES / "fleet-3-identical"


@pytest.fixture(scope="module")
def server(fleet: dict[str, NodeData], pki_dir: Path) -> Iterator[TalosTestServer]:
    with TalosTestServer(fleet, pki_dir, latency=0.002) as running:
        yield running


def _conn(tmp_path: Path, pki: Pki, endpoints: list[str], nodes: tuple[str, ...], *, org: str = "os:admin",
          expired: bool = False, ca: bytes | None = None, timeout: float = 5.0, **kwargs: object) -> Connection:
    client = pki.issue(server=False, org=org, expired=expired)
    config = write_talosconfig(tmp_path / "talosconfig", ca=ca or pki.ca, client=client, endpoints=endpoints)
    return Connection(nodes=nodes, talosconfig=str(config), source="api", timeout=timeout, **kwargs)  # type: ignore[arg-type]


def _errors(results: list[RawNode | NodeError]) -> dict[str, str]:
    return {r.node: r.message for r in results if isinstance(r, NodeError)}


def test_fleet_equals_capture(tmp_path: Path, pki: Pki, server: TalosTestServer, fleet_dir: Path,
                              fleet: dict[str, NodeData]) -> None:
    names = tuple(fleet)
    seen: list[str] = []
    found = discover(_conn(tmp_path, pki, [server.endpoint], names), seen.append)
    expected = discover(Connection(from_dir=str(fleet_dir)))
    assert found.errors == ()
    assert found.source == "api" and expected.source == "capture"
    assert found.nodes == expected.nodes
    for got, want in zip(found.nodes, expected.nodes, strict=True):
        assert got.counters == want.counters and got.version == want.version
        assert got.version is not None and str(got.version) == str(want.version)
    assert sorted(seen) == sorted(names)  # progress: once per node


def test_nodes_default_to_the_context(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                      fleet: dict[str, NodeData]) -> None:
    client = pki.issue(server=False, org="os:admin")
    config = write_talosconfig(tmp_path / "tc", ca=pki.ca, client=client, endpoints=[server.endpoint],
                               nodes=list(fleet)[:2])
    results = api.fetch_api(Connection(talosconfig=str(config), source="api"))
    assert [r.node for r in results] == list(fleet)[:2]
    empty = write_talosconfig(tmp_path / "tc2", ca=pki.ca, client=client, endpoints=[server.endpoint])
    with pytest.raises(UsageError, match="no nodes given"):
        api.fetch_api(Connection(talosconfig=str(empty), source="api"))


SINGLE_NODES = [p for p in scenarios() if p.parent == FIXTURES and (p / "netdev.txt").is_file()]


@pytest.mark.parametrize("folder", SINGLE_NODES, ids=lambda p: p.name)
def test_single_nodes_equal_capture(tmp_path: Path, pki: Pki, pki_dir: Path, folder: Path) -> None:
    node = NodeData.from_dir(folder)
    with TalosTestServer({node.name: node}, pki_dir) as srv:
        found = discover(_conn(tmp_path, pki, [srv.endpoint], (node.name,), want_bonding=True))
    expected = discover(Connection(from_dir=str(folder), want_bonding=True))
    assert found.errors == ()
    want = expected.nodes[0]
    assert found.nodes[0] == want
    assert found.nodes[0].bonds == want.bonds
    assert found.raws[0].resources["links"] and found.raws[0].links == ""  # decoded, not rendered as text


def test_yaml_fallback_when_the_server_sends_no_protobuf(tmp_path: Path, pki: Pki, pki_dir: Path,
                                                         fleet_dir: Path) -> None:
    nodes = load_fleet(fleet_dir, with_proto=False)
    with TalosTestServer(nodes, pki_dir) as srv:
        found = discover(_conn(tmp_path, pki, [srv.endpoint], tuple(nodes)))
    assert found.errors == ()
    assert found.nodes == discover(Connection(from_dir=str(fleet_dir))).nodes


def test_save_renders_what_the_api_sent(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                        fleet: dict[str, NodeData]) -> None:
    name = next(iter(fleet))
    found = discover(_conn(tmp_path, pki, [server.endpoint], (name,)))
    (raw,) = found.raws
    assert raw.links == "" and raw.resources["links"]  # a plain read renders no text
    write_capture(str(tmp_path / "saved"), list(found.raws))
    assert (tmp_path / "saved" / "links.yaml").read_text().startswith("node: ")
    assert discover(Connection(from_dir=str(tmp_path / "saved"))).nodes == found.nodes


def test_unknown_stalled_and_healthy_nodes(tmp_path: Path, pki: Pki, pki_dir: Path,
                                           fleet: dict[str, NodeData]) -> None:
    healthy, stalled = list(fleet)[:2]
    arrived: list[tuple[RawNode, float]] = []
    with TalosTestServer(fleet, pki_dir, failures={stalled: "stall"}) as srv:
        started = time.monotonic()
        results = api.fetch_api(_conn(tmp_path, pki, [srv.endpoint], (healthy, "10.99.0.1", stalled), timeout=0.5),
                                arrived=lambda raw: arrived.append((raw, time.monotonic())))
        elapsed = time.monotonic() - started
    assert [r.node for r in results] == [healthy, "10.99.0.1", stalled]  # the order asked for
    assert isinstance(results[0], RawNode)
    # the node that was read is handed over at once (discover parses it then), not after the stalled one
    assert [raw for raw, _ in arrived] == [results[0]] and arrived[0][1] - started < 0.5
    errors = _errors(results)
    assert "no such host" in errors["10.99.0.1"] and "unavailable" in errors["10.99.0.1"]
    assert isinstance(results[1], NodeError) and "check the node's name" in results[1].hint
    assert "no answer to" in errors[stalled] and "within 0.5s" in errors[stalled]
    assert elapsed < 3  # the deadline holds; a stalled call is not retried


@pytest.mark.parametrize("mode", ["flaky", "refused"])
def test_retry_on_unavailable_or_refused(tmp_path: Path, pki: Pki, pki_dir: Path, fleet: dict[str, NodeData],
                                         mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every first call fails with UNAVAILABLE, or is reset with REFUSED_STREAM; the retry works."""
    monkeypatch.setattr(api, "RETRY_BACKOFF", 0.001)
    name = next(iter(fleet))
    with TalosTestServer(fleet, pki_dir, failures={name: mode}) as srv:
        results = api.fetch_api(_conn(tmp_path, pki, [srv.endpoint], (name,)))
        assert srv.behaviour.calls == 5 + 3  # five calls, and again the first of each method (List, Read, Version)
    assert isinstance(results[0], RawNode)


def test_wrong_ca(tmp_path: Path, pki: Pki, server: TalosTestServer, fleet: dict[str, NodeData]) -> None:
    other = Pki("another-cluster")
    results = api.fetch_api(_conn(tmp_path, pki, [server.endpoint], tuple(fleet), ca=other.ca))
    errors = _errors(results)
    assert set(errors) == set(fleet)
    assert all("not verified by the talosconfig CA" in e for e in errors.values())


def test_expired_client_certificate(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                    fleet: dict[str, NodeData]) -> None:
    results = api.fetch_api(_conn(tmp_path, pki, [server.endpoint], tuple(fleet), expired=True))
    errors = _errors(results)
    assert set(errors) == set(fleet)
    assert all("closed the connection" in e and "client certificate expired on" in e for e in errors.values())
    assert all("talosconfig" in r.hint for r in results if isinstance(r, NodeError))


def test_client_certificate_from_another_ca(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                            fleet: dict[str, NodeData]) -> None:
    other = Pki("another-cluster")
    client = other.issue(server=False, org="os:admin")
    config = write_talosconfig(tmp_path / "tc", ca=pki.ca, client=client, endpoints=[server.endpoint])
    results = api.fetch_api(Connection(nodes=tuple(fleet)[:1], talosconfig=str(config), source="api"))
    assert "is it from this cluster's CA" in _errors(results)[next(iter(fleet))]


def test_reader_role_still_discovers_without_traffic(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                                     fleet: dict[str, NodeData]) -> None:
    """An os:reader certificate may list resources but not Read files: the links come, the counters not."""
    results = api.fetch_api(_conn(tmp_path, pki, [server.endpoint], tuple(fleet), org="os:reader"))
    assert _errors(results) == {}
    from talosbond.discovery import parse_raws

    nodes, errors, _ = parse_raws(results)
    assert errors == [] and len(nodes) == len(fleet)
    assert all(node.physical_links and not node.counters for node in nodes)


def test_missing_client_certificate_beside_a_maintenance_node(tmp_path: Path, pki: Pki, pki_dir: Path,
                                                              fleet_dir: Path, fleet: dict[str, NodeData],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """--insecure sends no client certificate: a node in maintenance mode answers, a configured one refuses."""
    name = next(iter(fleet))
    with TalosTestServer({name: fleet[name]}, pki_dir, maintenance=True) as maint, \
            TalosTestServer(fleet, pki_dir) as configured:
        results = api.fetch_api(Connection(nodes=(maint.endpoint, configured.endpoint), insecure=True,
                                           source="api", timeout=5))
    assert isinstance(results[0], RawNode) and results[0].netdev is None  # Read needs os:admin
    assert results[0].resources["links"]
    error = _errors(results)[configured.endpoint]
    assert "closed the connection" in error and "drop --insecure" in error
    assert "WITHOUT verifying the server" in capsys.readouterr().err


def test_endpoint_failover_and_refused(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                       fleet: dict[str, NodeData]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"
    results = api.fetch_api(_conn(tmp_path, pki, [dead, server.endpoint], tuple(fleet)))
    assert _errors(results) == {}  # every node was reached through the endpoint that answers
    results = api.fetch_api(_conn(tmp_path, pki, [dead], tuple(fleet)[:1]))
    assert "cannot connect to endpoint" in _errors(results)[next(iter(fleet))]


def test_bounded_concurrency(tmp_path: Path, pki: Pki, pki_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = {f"n{i}": node for i, node in enumerate(load_fleet(FLEET).values())}
    many = {f"n{i}": next(iter(fleet.values())) for i in range(12)}
    monkeypatch.setattr(api, "MAX_STREAMS", 3)
    with TalosTestServer(many, pki_dir, latency=0.01) as srv:
        results = api.fetch_api(_conn(tmp_path, pki, [srv.endpoint], tuple(many)))
        assert srv.behaviour.max_in_flight <= 3
        assert srv.behaviour.calls == 12 * 5
    assert _errors(results) == {}


def test_a_reply_is_split_into_its_messages() -> None:
    """gRPC frames each message with a compressed flag and a length; a reply cut short or compressed (which
    this client never asks for) is an error naming the call."""
    messages = [b"one", b"", b"three" * 1000]
    wire = b"".join(b"\0" + len(m).to_bytes(4, "big") + m for m in messages)
    assert api._split(wire, bytes, "listing links") == messages
    with pytest.raises(api._Failure, match="listing links: the reply is cut short"):
        api._split(wire[:-1], bytes, "listing links")
    with pytest.raises(api._Failure, match="compressed"):
        api._split(b"\1" + wire[1:], bytes, "listing links")


def test_a_server_that_breaks_http2_is_named(tmp_path: Path, pki: Pki, pki_dir: Path) -> None:
    """An endpoint that answers TLS but not as an HTTP/2 server should (here: DATA on a stream before its
    HEADERS) gets a per-node error naming what it did, not a hang or a traceback."""
    import contextlib
    import ssl
    import threading

    from talos_test_server import server_ssl

    from talosbond.sources import grpcwire

    listener = socket.create_server(("127.0.0.1", 0))
    context = server_ssl(pki_dir)

    def serve() -> None:
        raw, _ = listener.accept()
        with context.wrap_socket(raw, server_side=True) as conn:
            conn.recv(65536)  # the preface, SETTINGS and the first requests
            conn.sendall(grpcwire.frame(grpcwire.SETTINGS, 0, 0) + grpcwire.frame(grpcwire.DATA, 0, 1, b"x"))
            with contextlib.suppress(OSError, ssl.SSLError):
                while conn.recv(65536):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    endpoint = f"127.0.0.1:{listener.getsockname()[1]}"
    try:
        results = api.fetch_api(_conn(tmp_path, pki, [endpoint], ("10.0.0.2",), timeout=5))
    finally:
        listener.close()
    thread.join(5)
    (error,) = results
    assert isinstance(error, NodeError)
    assert error.message == f"endpoint {endpoint} broke the HTTP/2 protocol (DATA before HEADERS on stream 1)"
    assert "50000" in error.hint


def test_the_fetch_leaves_the_collector_as_it_found_it(tmp_path: Path, pki: Pki, server: TalosTestServer,
                                                       fleet: dict[str, NodeData],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The fetch freezes what it has read every few nodes (so collections do not rescan a growing fleet)
    and unfreezes it at the end; when the caller has frozen objects of its own, the fetch leaves the
    collector alone."""
    import gc

    monkeypatch.setattr(api, "FREEZE_EVERY", 1)
    calls: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda real=gc.freeze: (real(), calls.append("freeze")))
    monkeypatch.setattr(gc, "unfreeze", lambda real=gc.unfreeze: (real(), calls.append("unfreeze")))
    thresholds = gc.get_threshold()
    results = api.fetch_api(_conn(tmp_path, pki, [server.endpoint], tuple(fleet)))
    assert _errors(results) == {}
    assert calls == ["freeze"] * len(fleet) + ["unfreeze"]
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == thresholds

    gc.freeze()  # the caller's own
    calls.clear()
    try:
        api.fetch_api(_conn(tmp_path, pki, [server.endpoint], tuple(fleet)))
        assert calls == [] and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
