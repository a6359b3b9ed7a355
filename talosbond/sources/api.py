"""The `api` source: the Talos machine API over gRPC, without talosctl.

Talos signs its API certificates with Ed25519, which grpcio's TLS stack cannot negotiate, so this client
speaks gRPC itself (`grpcwire`: HTTP/2 over Python's OpenSSL `ssl`, on asyncio). One TLS connection per
endpoint carries every request; each request names its target with the `node` metadata header (apid
proxies it), and many are in flight at once, bounded per connection. Every call has its own deadline; only
reads are retried, and only on errors that say "try again".

Per node: `/cosi.resource.State/List` for links, addresses and routes (decoded by `parsing.protobuf`);
`/machine.MachineService/Read` for /proc/net/dev (and /proc/net/bonding/<bond>);
`/machine.MachineService/Version` for the Talos tag.

protobuf is imported here only (and in `parsing.protobuf`), so that nothing else pays for it at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import ssl
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from talosbond import __version__
from talosbond.errors import SourceError, UsageError
from talosbond.model import NodeError, RawNode
from talosbond.parsing.protobuf import ADDRESS_TYPE, LINK_TYPE, ROUTE_TYPE, bond_names
from talosbond.proto import common_pb2, machine_pb2, resource_pb2
from talosbond.sources import Arrived, Connection, Progress
from talosbond.sources.grpcwire import Connection as Wire
from talosbond.sources.grpcwire import ConnectionLost, GrpcError, Status, authority, connect
from talosbond.sources.talosconfig import (
    TalosContext,
    certificate_info,
    client_ssl_context,
    load_context,
    split_endpoint,
)

NAMESPACE = "network"
LIST = "/cosi.resource.State/List"
READ = "/machine.MachineService/Read"
VERSION = "/machine.MachineService/Version"

# In-flight calls per endpoint connection. Go's gRPC server (apid) sets no stream limit; this bound keeps
# memory and the endpoint's proxy load flat for any fleet size, and is wide enough that a 20 ms call
# latency costs ~0.2 ms per call overall.
MAX_STREAMS = 100
# Nodes being worked on at once (each runs its calls concurrently).
MAX_NODES = 64
FREEZE_EVERY = 100  # nodes between two gc.freeze() during a fetch (see fetch_api)
RETRIES = 2  # extra attempts for a read that failed with UNAVAILABLE
RETRY_BACKOFF = 0.25

T = TypeVar("T")


# --- connections -------------------------------------------------------------------------------------------


class _Failure(Exception):
    """A per-node problem, already worded for the user."""

    def __init__(self, message: str, hint: str = "", *, retry: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.retry = retry


def _tls_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or "certificate verify failed"
    if isinstance(exc, ssl.SSLError):
        text = str(exc.reason or exc).lower().replace("_", " ")
        return text
    return str(exc) or exc.__class__.__name__


_CLIENT_CERT_HINT = (
    "the endpoint does not accept the talosconfig's client certificate (expired, missing, or from another "
    "cluster): get a fresh talosconfig (talosctl config new, or from the cluster's secrets)"
)


_INSECURE_REFUSED_HINT = (
    "--insecure is for nodes in maintenance mode; a configured node needs the talosconfig's client certificate"
)


USER_AGENT = f"talosbond/{__version__}"


class _Endpoint:
    """One endpoint: one TLS connection, a bound on the calls in flight, and its connection failure."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, refusal: str = "",
                 refusal_hint: str = _CLIENT_CERT_HINT) -> None:
        self.host = host
        self.port = port
        self.name = authority(host, port)
        self.refusal = refusal  # what we know about why a server may refuse our certificate
        self.refusal_hint = refusal_hint
        self.context = context
        self.conn: Wire | None = None  # the connection new calls go on
        self._opened: list[Wire] = []  # and those before it (a server that said GOAWAY finishes their calls)
        self.slots = asyncio.Semaphore(MAX_STREAMS)
        self.failure: _Failure | None = None
        self._lock = asyncio.Lock()

    def _usable(self) -> Wire | None:
        """The connection new calls can go on: None before the first, and once the server closed it or
        said it takes no more calls."""
        conn = self.conn
        return conn if conn is not None and not conn.closed and not conn.goaway else None

    async def connect(self, timeout: float) -> Wire:
        """The open connection; opened once, every node behind this endpoint sharing the result, and again
        after the server closed it or said it takes no more calls."""
        if (conn := self._usable()) is not None:
            return conn
        if self.failure is not None:
            raise self.failure
        async with self._lock:
            if (conn := self._usable()) is not None:
                return conn
            if self.failure is not None:
                raise self.failure
            try:
                self.conn = await asyncio.wait_for(connect(self.host, self.port, self.context, USER_AGENT), timeout)
                self._opened.append(self.conn)
            except ssl.SSLCertVerificationError as exc:
                self.failure = _Failure(
                    f"TLS: endpoint {self.name} is not verified by the talosconfig CA ({_tls_reason(exc)})",
                    "check --context/--talosconfig belong to this cluster; a node in maintenance mode needs --insecure",
                )
            except ssl.SSLError as exc:
                self.failure = _Failure(f"TLS handshake with endpoint {self.name} failed ({_tls_reason(exc)})",
                                        _CLIENT_CERT_HINT)
            except TimeoutError:
                self.failure = _Failure(f"endpoint {self.name} did not accept a connection within {timeout:g}s",
                                        "check the endpoint address and that port is reachable")
            except OSError as exc:
                reason = (exc.strerror or str(exc) or exc.__class__.__name__).lower()
                self.failure = _Failure(f"cannot connect to endpoint {self.name}: {reason}",
                                        "check -e/--endpoints (or the talosconfig's endpoints) and the port (50000)")
            else:
                return self.conn
            raise self.failure

    def lost(self, conn: Wire, why: str) -> _Failure:
        """A call on `conn` ended without a reply (`why`, as the connection put it): say why if TLS or the
        socket told us.

        With TLS 1.3 the server checks the client certificate after the client thinks the handshake is
        done, so a refused certificate shows up as the first calls' connection closing: a Go server (apid)
        sends an alert saying why; other servers just close."""
        if conn.protocol_error:  # not retried: a server that broke HTTP/2 once is likely to again
            return _Failure(f"endpoint {self.name} broke the HTTP/2 protocol ({conn.protocol_error})",
                            "is the endpoint a Talos API (apid) port? It is 50000 unless configured otherwise")
        if not conn.closed:  # the server reset this call, or took no more calls on this connection
            return _Failure(f"endpoint {self.name}: {why}", retry=True)
        reason, answered = conn.lost_reason, conn.answered
        if isinstance(reason, ssl.SSLError):
            detail = f"; {self.refusal}" if self.refusal else ""
            self.failure = _Failure(
                f"TLS: endpoint {self.name} refused the connection ({_tls_reason(reason)}){detail}", self.refusal_hint)
            return self.failure
        if not answered:
            detail = self.refusal or "most likely it did not accept the client certificate"
            self.failure = _Failure(f"TLS: endpoint {self.name} closed the connection before answering ({detail})",
                                    self.refusal_hint)
            return self.failure
        cause = reason or conn.goaway
        detail = f" ({cause})" if cause else ""
        return _Failure(f"connection to endpoint {self.name} lost{detail}", retry=True)

    def close(self) -> None:
        for conn in self._opened:
            conn.close()


# --- replies ----------------------------------------------------------------------------------------------


def _split(data: bytes, decode: Callable[[bytes], T], what: str) -> list[T]:
    """gRPC's length-prefixed messages -> decoded messages."""
    out = []
    pos, end = 0, len(data)
    while pos < end:
        size = int.from_bytes(data[pos + 1:pos + 5], "big")
        if data[pos] or pos + 5 + size > end:
            how = "compressed, which this client did not ask for" if data[pos] else "cut short"
            raise _Failure(f"{what}: the reply is {how}")
        out.append(decode(data[pos + 5:pos + 5 + size]))
        pos += 5 + size
    return out


# --- the fetch ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiTargets:
    """What to ask, where: decided before any connection is opened (config errors stop the command)."""

    nodes: tuple[str, ...]
    endpoints: tuple[tuple[str, int], ...]  # empty: every node is its own endpoint (maintenance mode)
    ssl: ssl.SSLContext
    insecure: bool
    timeout: float
    want_bonding: bool
    context: TalosContext | None = None
    role: str = ""  # the client certificate's Subject O, e.g. os:admin
    refusal: str = ""  # why a server may refuse the client certificate, as far as we can tell


def targets(conn: Connection) -> ApiTargets:
    """talosconfig + options -> nodes, endpoints and TLS. Raises `SourceError`/`UsageError` for the command."""
    ctx: TalosContext | None = None
    if conn.insecure:
        with contextlib.suppress(SourceError, UsageError):
            ctx = load_context(conn.talosconfig, conn.context)
        if conn.talosconfig and ctx is None:
            ctx = load_context(conn.talosconfig, conn.context)  # a named file must load: show its error
    else:
        ctx = load_context(conn.talosconfig, conn.context)
    nodes = conn.nodes or (ctx.nodes if ctx else ())
    if not nodes:
        where = f" and {ctx.where} names none" if ctx else ""
        raise UsageError(f"no nodes given{where}", "pass -n NODE[,NODE...] (or set the context's nodes)")
    context = client_ssl_context(ctx, insecure=conn.insecure)
    role = refusal = ""
    if conn.insecure:
        refusal = "it probably wants a client certificate, i.e. the node is not in maintenance mode: drop --insecure"
    elif ctx is not None:
        info = certificate_info(ctx.crt)
        if info is not None:
            role = ", ".join(info.organizations)
            if info.expired():
                when = info.not_after if dt.datetime.now(dt.UTC) > info.not_after else info.not_before
                verb = "expired on" if when == info.not_after else "is not valid before"
                refusal = f"the client certificate {verb} {when:%Y-%m-%d %H:%M} UTC"
            else:
                refusal = "the client certificate is valid but was refused: is it from this cluster's CA?"
    if conn.insecure:
        endpoints: tuple[tuple[str, int], ...] = ()
    else:
        assert ctx is not None
        names = conn.endpoints or ctx.endpoints
        if not names:
            raise UsageError(f"no endpoints: {ctx.where} has none and -e was not given",
                             "pass -e ENDPOINT (a control-plane address), or `talosctl config endpoint ...`")
        endpoints = tuple(dict.fromkeys(split_endpoint(e) for e in names))
    return ApiTargets(nodes=tuple(nodes), endpoints=endpoints, ssl=context, insecure=conn.insecure,
                   timeout=conn.timeout, want_bonding=conn.want_bonding, context=ctx,
                   role=role, refusal=refusal)


def _resource(message: bytes) -> resource_pb2.Resource:
    return resource_pb2.ListResponse.FromString(message).resource


class _Fetcher:
    def __init__(self, targets: ApiTargets, progress: Progress | None, arrived: Arrived | None = None,
                 freeze: bool = False) -> None:
        self.targets = targets
        self.progress = progress
        self.arrived = arrived
        self.freeze = freeze
        self.endpoints: dict[tuple[str, int], _Endpoint] = {}

    def _endpoint(self, address: tuple[str, int]) -> _Endpoint:
        endpoint = self.endpoints.get(address)
        if endpoint is None:
            hint = _INSECURE_REFUSED_HINT if self.targets.insecure else _CLIENT_CERT_HINT
            endpoint = _Endpoint(address[0], address[1], self.targets.ssl, self.targets.refusal, hint)
            self.endpoints[address] = endpoint
        return endpoint

    def _routes(self, index: int, node: str) -> list[tuple[_Endpoint, tuple[tuple[str, str], ...]]]:
        """Where to send a node's calls, in order of preference, with the metadata to send."""
        if not self.targets.endpoints:  # maintenance mode: talk to the node itself, no proxying
            return [(self._endpoint(split_endpoint(node)), ())]
        count = len(self.targets.endpoints)
        order = [self.targets.endpoints[(index + i) % count] for i in range(count)]
        return [(self._endpoint(address), (("node", node),)) for address in order]

    async def _call(self, routes: list[tuple[_Endpoint, tuple[tuple[str, str], ...]]], what: str,
                    call: Callable[[Wire, tuple[tuple[str, str], ...], float], Awaitable[T]]) -> T:
        """One read with a deadline, on the first endpoint that connects; retried only where safe."""
        timeout = self.targets.timeout
        attempt = 0
        failure: _Failure | None = None
        for endpoint, metadata in routes:
            try:
                conn = await endpoint.connect(timeout)
            except _Failure as exc:
                failure = exc
                continue  # nothing was sent: the next endpoint may do
            while True:
                try:
                    async with endpoint.slots:
                        result = await call(conn, metadata, timeout)
                    conn.answered = True
                    return result
                except GrpcError as exc:
                    conn.answered = True
                    failure = self._grpc_failure(exc, what)
                except TimeoutError:
                    failure = _Failure(
                        f"no answer to {what} within {timeout:g}s (through {endpoint.name})",
                        "the node or the endpoint is stalled or overloaded; check `talosctl -n NODE version`",
                    )
                except ConnectionLost as exc:
                    failure = endpoint.lost(exc.connection, str(exc))
                    if not failure.retry:
                        break  # the next endpoint may accept us
                if not failure.retry or attempt >= RETRIES:
                    raise failure
                attempt += 1
                await asyncio.sleep(RETRY_BACKOFF * attempt)
                try:
                    conn = await endpoint.connect(timeout)
                except _Failure as exc:
                    failure = exc
                    break
        assert failure is not None
        raise failure

    def _grpc_failure(self, exc: GrpcError, what: str) -> _Failure:
        message = exc.message or exc.status.name
        if exc.status is Status.PERMISSION_DENIED:
            if what.startswith("reading"):
                role = f"; this certificate's role is {self.targets.role}" if self.targets.role else ""
                return _Failure(
                    f"permission denied {what}: MachineService/Read needs the os:admin role{role} ({message})",
                    "use a talosconfig context whose certificate has the os:admin role",
                )
            return _Failure(f"permission denied {what} ({message})",
                            "the client certificate's role does not allow this call")
        if exc.status is Status.UNAVAILABLE:
            unknown = "no such host" in message or "no route to host" in message or "Error while dialing" in message
            hint = ("the endpoint could not reach this node: check the node's name or address"
                    if unknown else "the node may be rebooting; try again")
            return _Failure(f"node unavailable while {what}: {message}", hint, retry=not unknown)
        if exc.status is Status.DEADLINE_EXCEEDED:
            return _Failure(f"no answer to {what} within {self.targets.timeout:g}s ({message})",
                            "the node or the endpoint is stalled or overloaded; check `talosctl -n NODE version`")
        if exc.status is Status.UNAUTHENTICATED:
            return _Failure(f"not authenticated {what} ({message})", _CLIENT_CERT_HINT)
        return _Failure(f"{what} failed: {exc.status.name} ({message})")

    async def _list(self, routes: Any, node: str, rtype: str) -> list[resource_pb2.Resource]:
        request = resource_pb2.ListRequest(namespace=NAMESPACE, type=rtype).SerializeToString()

        what = "listing " + rtype.split(".", 1)[0].removesuffix("Statuses").lower() + "s"

        async def call(conn: Wire, metadata: Any, timeout: float) -> list[resource_pb2.Resource]:
            return _split(await conn.call(LIST, request, metadata, timeout), _resource, what)

        return await self._call(routes, what, call)

    @overload
    async def _read(self, routes: Any, path: str) -> str: ...

    @overload
    async def _read(self, routes: Any, path: str, *, missing_ok: bool) -> str | None: ...

    async def _read(self, routes: Any, path: str, *, missing_ok: bool = False) -> str | None:
        """A file's text; with `missing_ok`, None when the node has no such file (a bond without its
        /proc/net/bonding entry, which the capture source treats the same way)."""
        request = machine_pb2.ReadRequest(path=path).SerializeToString()

        what = f"reading {path}"

        async def call(conn: Wire, metadata: Any, timeout: float) -> list[common_pb2.Data] | None:
            try:
                return _split(await conn.call(READ, request, metadata, timeout), common_pb2.Data.FromString, what)
            except GrpcError as exc:
                if missing_ok and exc.status is Status.NOT_FOUND:
                    return None
                raise

        chunks = await self._call(routes, what, call)
        if chunks is None:
            return None
        for chunk in chunks:
            if chunk.metadata.error:
                raise _Failure(f"reading {path} failed: {chunk.metadata.error}")
        return b"".join(chunk.bytes for chunk in chunks).decode("utf-8", "replace")

    async def _version(self, routes: Any) -> str:
        what = "asking the Talos version"

        async def call(conn: Wire, metadata: Any, timeout: float) -> list[machine_pb2.VersionResponse]:
            # the request is google.protobuf.Empty, which serialises to no bytes
            return _split(await conn.call(VERSION, b"", metadata, timeout), machine_pb2.VersionResponse.FromString,
                          what)

        replies = await self._call(routes, what, call)
        return replies[0].messages[0].version.tag if replies and replies[0].messages else ""

    async def node(self, index: int, node: str) -> RawNode | NodeError:
        routes = self._routes(index, node)
        links_job = asyncio.ensure_future(self._list(routes, node, LINK_TYPE))
        jobs: dict[str, asyncio.Future[Any]] = {
            "version": asyncio.ensure_future(self._version(routes)),
            "addresses": asyncio.ensure_future(self._list(routes, node, ADDRESS_TYPE)),
            "routes": asyncio.ensure_future(self._list(routes, node, ROUTE_TYPE)),
        }
        if not self.targets.insecure:  # maintenance mode grants os:reader only, and Read needs os:admin
            jobs["netdev"] = asyncio.ensure_future(self._read(routes, "/proc/net/dev"))
        try:
            try:
                resources = await links_job
            except _Failure as exc:
                return NodeError(node, exc.message, exc.hint)
            try:
                netdev = await jobs["netdev"] if "netdev" in jobs else None
            except _Failure as exc:
                if not exc.message.startswith("permission denied"):
                    return NodeError(node, exc.message, exc.hint)
                netdev = None  # an os:reader certificate lists links but cannot Read: rank without traffic
            optional: dict[str, Any] = {}
            for key in ("version", "addresses", "routes"):
                try:
                    optional[key] = await jobs[key]
                except _Failure:
                    optional[key] = None
            return await self._assemble(node, routes, resources, netdev, optional)
        finally:
            for job in (links_job, *jobs.values()):
                if not job.done():
                    job.cancel()
            # Collect what a cancelled or failed job raised, so asyncio does not warn about it.
            await asyncio.gather(links_job, *jobs.values(), return_exceptions=True)
            if self.progress is not None:
                self.progress(node)

    async def _assemble(self, node: str, routes: Any, resources: list[resource_pb2.Resource], netdev: str | None,
                        optional: dict[str, Any]) -> RawNode | NodeError:
        """What came back, as read: the resources go to `parsing.protobuf`, talosctl-style text is rendered
        only for `--save`. Bond files need the bond names, which only the link resources' `kind` tells."""
        origins = {"links": f"{node}: API List {LINK_TYPE}", "netdev": f"{node}: /proc/net/dev",
                   "addresses": f"{node}: API List {ADDRESS_TYPE}", "routes": f"{node}: API List {ROUTE_TYPE}"}
        bonding: dict[str, str] = {}
        if self.targets.want_bonding and not self.targets.insecure:
            try:
                for bond in bond_names(resources):
                    text = await self._read(routes, f"/proc/net/bonding/{bond}", missing_ok=True)
                    if text is not None:
                        bonding[bond] = text
                        origins[f"bonding/{bond}"] = f"{node}: /proc/net/bonding/{bond}"
            except _Failure as exc:
                return NodeError(node, exc.message, exc.hint)
        found = {"links": tuple(resources)}
        for key in ("addresses", "routes"):
            if optional[key]:
                found[key] = tuple(optional[key])
        return RawNode(node=node, links="", netdev=netdev, version=optional["version"] or "", bonding=bonding,
                       origins=origins, via="api", resources=found)

    async def run(self) -> list[RawNode | NodeError]:
        nodes = self.targets.nodes
        results: list[RawNode | NodeError | None] = [None] * len(nodes)
        queue = iter(enumerate(nodes))

        done = 0

        async def worker() -> None:
            nonlocal done
            for index, node in queue:
                result = results[index] = await self.node(index, node)
                if self.arrived is not None and isinstance(result, RawNode):
                    self.arrived(result)
                done += 1
                if self.freeze and done % FREEZE_EVERY == 0:
                    gc.freeze()  # see fetch_api

        try:
            await asyncio.gather(*(worker() for _ in range(min(MAX_NODES, len(nodes)))))
        finally:
            for endpoint in self.endpoints.values():
                endpoint.close()
        return [r for r in results if r is not None]


class ApiSource:
    """Nodes read through the Talos machine API."""

    kind = "api"

    def fetch(self, conn: Connection, progress: Progress | None = None,
              arrived: Arrived | None = None) -> list[RawNode | NodeError]:
        return fetch_api(conn, progress, arrived)


def fetch_api(conn: Connection, progress: Progress | None = None,
              arrived: Arrived | None = None) -> list[RawNode | NodeError]:
    """Fetch every node through the Talos API; a failing node becomes a `NodeError`, the others come back."""
    chosen = targets(conn)
    if conn.insecure:
        sys.stderr.write(
            "warning: --insecure: talking TLS without a client certificate and WITHOUT verifying the server "
            "(maintenance mode); anyone on the path could impersonate the node\n"
        )
    # A fleet's replies (and, with `arrived`, its decoded records) arrive as many small objects that all live
    # on: collecting the young generation every 700 allocations promotes and rescans them again and again,
    # and full collections scan the whole fleet so far, more of it the bigger the fleet (measured: 6% of a
    # 1000-node discovery's CPU, 10% of a 5000-node one; with a higher threshold, 2% and 3%). So the
    # threshold is raised, and every FREEZE_EVERY nodes what is there is moved out of the collector's way
    # (gc.freeze) until the fetch ends: GC then costs the same per node at any fleet size. A caller that
    # froze objects of its own is left alone.
    thresholds = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    try:
        return asyncio.run(_Fetcher(chosen, progress, arrived, freeze).run())
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()
