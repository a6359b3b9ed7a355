"""sources/grpcwire.py at the frame level: a scripted server feeds it HTTP/2 frames the way a Go server
(apid) may frame them (split anywhere, padded, continued, reset, told to go away), and what the client
writes is read back frame by frame. The API tests run it against a real gRPC server over TLS."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hpack import Decoder, Encoder

from talosbond.sources import grpcwire as wire
from talosbond.sources.grpcwire import ConnectionLost, GrpcError, Status

Frame = tuple[int, int, int, bytes]  # type, flags, stream id, payload
OK_HEADERS = [(":status", "200"), ("content-type", "application/grpc")]


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True


def parse(data: bytes) -> list[Frame]:
    out = []
    while data:
        size = int.from_bytes(data[:3], "big")
        out.append((data[3], data[4], int.from_bytes(data[5:9], "big"), data[9:9 + size]))
        data = data[9 + size:]
    return out


class Server:
    """The far end: what the client sent, and frames to send it."""

    def __init__(self) -> None:
        self.conn = wire.Connection("10.0.0.1:50000", "talosbond/test")
        self.transport = Transport()
        self.conn.connection_made(self.transport)
        self.encoder = Encoder()
        self.decoder = Decoder()
        assert self.transport.written.startswith(wire.PREFACE)
        self.transport.written = self.transport.written[len(wire.PREFACE):]
        self.initial = self.sent()  # our SETTINGS and the connection's WINDOW_UPDATE

    def sent(self) -> list[Frame]:
        frames = parse(self.transport.written)
        self.transport.written = b""
        return frames

    def feed(self, *frames: bytes, chunk: int = 0) -> None:
        data = b"".join(frames)
        step = chunk or len(data)
        for pos in range(0, len(data), step):
            self.conn.data_received(data[pos:pos + step])

    def headers(self, stream: int, fields: list[tuple[str, str]], *, end: bool = False) -> bytes:
        flags = wire.END_HEADERS | (wire.END_STREAM if end else 0)
        return wire.frame(wire.HEADERS, flags, stream, self.encoder.encode(fields))

    def reply(self, stream: int, *messages: bytes, status: int = 0, message: str = "") -> bytes:
        trailers = [("grpc-status", str(status))] + ([("grpc-message", message)] if message else [])
        return (self.headers(stream, OK_HEADERS)
                + b"".join(wire.frame(wire.DATA, 0, stream, _message(m)) for m in messages)
                + self.headers(stream, trailers, end=True))


def _message(body: bytes) -> bytes:
    return b"\0" + len(body).to_bytes(4, "big") + body


def run(scenario: Callable[[Server], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        return await scenario(Server())
    return asyncio.run(main())


async def _start(server: Server, path: str = "/cosi.resource.State/List", timeout: float = 5.0,
                 metadata: tuple[tuple[str, str], ...] = (("node", "10.0.0.2"),)) -> asyncio.Task[bytes]:
    task = asyncio.ensure_future(server.conn.call(path, b"request", metadata, timeout))
    await asyncio.sleep(0)
    return task


def test_request_headers_and_message() -> None:
    """Pseudo-headers first, then what gRPC asks for and the node to proxy to; the request as one message
    ending the stream; our SETTINGS turn push off and open the windows wide."""
    async def scenario(server: Server) -> None:
        settings, window = server.initial
        assert settings[:3] == (wire.SETTINGS, 0, 0)
        values = dict(struct.iter_unpack(">HL", settings[3]))
        assert values[wire.ENABLE_PUSH] == 0 and values[wire.INITIAL_WINDOW_SIZE] == wire.STREAM_WINDOW
        assert window[0] == wire.WINDOW_UPDATE and int.from_bytes(window[3], "big") > 0
        task = await _start(server, timeout=7.5)
        headers, data = server.sent()
        assert headers[:3] == (wire.HEADERS, wire.END_HEADERS, 1)
        assert server.decoder.decode(headers[3]) == [
            (":method", "POST"), (":scheme", "https"), (":authority", "10.0.0.1:50000"),
            (":path", "/cosi.resource.State/List"), ("te", "trailers"), ("content-type", "application/grpc"),
            ("user-agent", "talosbond/test"), ("grpc-timeout", "7500m"), ("node", "10.0.0.2")]
        assert data == (wire.DATA, wire.END_STREAM, 1, _message(b"request"))
        task.cancel()

    run(scenario)


@pytest.mark.parametrize("chunk", [0, 1, 7, 100])
def test_reply_in_any_pieces(chunk: int) -> None:
    """A reply's frames arrive in TLS records cut anywhere; the server's SETTINGS and PINGs are answered."""
    async def scenario(server: Server) -> bytes:
        task = await _start(server)
        server.sent()
        server.feed(wire.frame(wire.SETTINGS, 0, 0, struct.pack(">HL", wire.MAX_FRAME_SIZE, 1 << 20)),
                    wire.frame(wire.PING, 0, 0, b"12345678"),
                    server.reply(1, b"one", b"", b"three" * 1000), chunk=chunk)
        assert [f[:2] for f in server.sent() if f[0] != wire.WINDOW_UPDATE] == [
            (wire.SETTINGS, wire.ACK), (wire.PING, wire.ACK)]
        return await task

    assert run(scenario) == _message(b"one") + _message(b"") + _message(b"three" * 1000)


def test_padding_priority_and_continuation() -> None:
    async def scenario(server: Server) -> bytes:
        task = await _start(server)
        block = server.encoder.encode(OK_HEADERS)
        padded = bytes([3]) + struct.pack(">LB", 0, 16) + block[:2] + b"\0\0\0"
        trailers = server.encoder.encode([("grpc-status", "0")])
        server.feed(wire.frame(wire.HEADERS, wire.PADDED | wire.PRIORITY_FLAG, 1, padded),
                    wire.frame(wire.CONTINUATION, wire.END_HEADERS, 1, block[2:]),
                    wire.frame(wire.DATA, wire.PADDED, 1, b"\x02" + _message(b"x") + b"\0\0"),
                    wire.frame(wire.HEADERS, wire.END_HEADERS | wire.END_STREAM, 1, trailers))
        return await task

    assert run(scenario) == _message(b"x")


def test_grpc_errors() -> None:
    """A status in the trailers, in a trailers-only reply, or an HTTP error from something in between."""
    async def scenario(server: Server) -> list[tuple[Status, str]]:
        out = []
        for frames in (
            lambda s: server.reply(s, status=5, message="open /proc/net/bonding/bond0: no such file or directory"),
            lambda s: server.headers(s, [*OK_HEADERS, ("grpc-status", "7"), ("grpc-message", "not%20authorized")],
                                     end=True),
            lambda s: server.headers(s, [(":status", "503")], end=True),
            lambda s: server.headers(s, OK_HEADERS) + wire.frame(wire.DATA, wire.END_STREAM, s, b""),
        ):
            task = await _start(server)
            stream = server.sent()[0][2]
            server.feed(frames(stream))
            with pytest.raises(GrpcError) as caught:
                await task
            out.append((caught.value.status, caught.value.message))
        return out

    assert run(scenario) == [
        (Status.NOT_FOUND, "open /proc/net/bonding/bond0: no such file or directory"),
        (Status.PERMISSION_DENIED, "not authorized"),
        (Status.UNAVAILABLE, "HTTP status 503"),
        (Status.UNKNOWN, "the reply ended without a grpc-status")]


def test_reset_and_goaway() -> None:
    """RST_STREAM fails that call; GOAWAY fails the calls the server did not take and refuses new ones,
    while the ones it took still finish."""
    async def scenario(server: Server) -> None:
        first, second, third = [await _start(server) for _ in range(3)]
        server.sent()
        server.feed(wire.frame(wire.RST_STREAM, 0, 1, (7).to_bytes(4, "big")))
        with pytest.raises(ConnectionLost, match="REFUSED_STREAM"):
            await first
        server.feed(wire.frame(wire.GOAWAY, 0, 0, struct.pack(">LL", 3, 0) + b"server shutting down"))
        with pytest.raises(ConnectionLost, match="server shutting down"):
            await third
        assert server.conn.goaway and not server.conn.closed
        with pytest.raises(ConnectionLost):
            await server.conn.call("/x", b"", (), 1)
        server.feed(server.reply(3, b"late"))
        assert await second == _message(b"late")

    run(scenario)


def test_connection_lost_fails_every_call() -> None:
    async def scenario(server: Server) -> None:
        calls = [await _start(server) for _ in range(2)]
        server.conn.connection_lost(ConnectionResetError("reset by peer"))
        for call in calls:
            with pytest.raises(ConnectionLost, match="reset by peer"):
                await call
        assert server.conn.closed and isinstance(server.conn.lost_reason, ConnectionResetError)

    run(scenario)


@pytest.mark.parametrize(("frames", "why"), [
    (wire.frame(wire.CONTINUATION, wire.END_HEADERS, 1, b""), "CONTINUATION without a header block"),
    (wire.frame(wire.HEADERS, wire.END_HEADERS, 1, b"\x00\x01a\x01\xff"), "undecodable header block"),
    (wire.frame(wire.HEADERS, wire.END_HEADERS, 1, b"\xff\xff\x7f"), "undecodable header block"),
    (wire.frame(wire.DATA, 0, 1, b"x"), "DATA before HEADERS"),
    (wire.frame(wire.HEADERS, 0, 1, b"\x88") + wire.frame(wire.DATA, 0, 1, b"x"), "header block was interrupted"),
    (wire.frame(wire.HEADERS, 0, 1, b"\x88") + wire.frame(wire.PING, 0, 0, b"12345678"),
     "header block was interrupted"),
    (wire.frame(wire.GOAWAY, 0, 0, b"\0\0"), "malformed GOAWAY"),
    (wire.frame(wire.RST_STREAM, 0, 1, b"\0"), "malformed RST_STREAM"),
    (wire.frame(wire.SETTINGS, 0, 0, b"\0\4"), "malformed SETTINGS"),
])
def test_a_protocol_error_ends_the_connection(frames: bytes, why: str) -> None:
    """What no server may send fails every call on the connection and closes it with GOAWAY."""
    async def scenario(server: Server) -> None:
        task = await _start(server)
        server.sent()
        server.feed(frames)
        with pytest.raises(ConnectionLost, match=why):
            await task
        (goaway,) = server.sent()
        assert goaway[0] == wire.GOAWAY and server.transport.closing and server.conn.closed

    run(scenario)


def test_timeout_cancels_the_stream() -> None:
    """Past its deadline a call raises TimeoutError and tells the server with RST_STREAM(CANCEL); what the
    server sends for it afterwards still keeps the header table in step."""
    async def scenario(server: Server) -> bytes:
        with pytest.raises(TimeoutError):
            await server.conn.call("/x", b"", (), 0.01)
        *_, reset = server.sent()
        assert reset == (wire.RST_STREAM, 0, 1, wire.CANCEL.to_bytes(4, "big"))
        server.feed(server.reply(1, b"too late"))  # indexes its headers in the server's table
        task = await _start(server)
        server.feed(server.reply(3, b"on time"))  # refers to them by index
        return await task

    assert run(scenario) == _message(b"on time")


def test_flow_control_both_ways() -> None:
    """A request waits for the server's window; what we read is acknowledged once half our window is used."""
    async def scenario(server: Server) -> None:
        server.feed(wire.frame(wire.SETTINGS, 0, 0, struct.pack(">HL", wire.INITIAL_WINDOW_SIZE, 3)))
        server.sent()
        task = await _start(server)
        _, first = server.sent()
        assert first == (wire.DATA, 0, 1, _message(b"request")[:3])
        server.feed(wire.frame(wire.WINDOW_UPDATE, 0, 1, (100).to_bytes(4, "big")))
        (rest,) = server.sent()
        assert rest == (wire.DATA, wire.END_STREAM, 1, _message(b"request")[3:])

        big = b"x" * (wire.STREAM_WINDOW // 2)
        server.feed(server.headers(1, OK_HEADERS),
                    *(wire.frame(wire.DATA, 0, 1, big[i:i + 16384]) for i in range(0, len(big), 16384)))
        updates = [f for f in server.sent() if f[0] == wire.WINDOW_UPDATE]
        assert [(f[2], int.from_bytes(f[3], "big")) for f in updates] == [(1, len(big))]
        server.feed(server.headers(1, [("grpc-status", "0")], end=True))
        assert await task == big

    run(scenario)


def test_the_servers_stream_limit_is_kept() -> None:
    async def scenario(server: Server) -> None:
        server.feed(wire.frame(wire.SETTINGS, 0, 0, struct.pack(">HL", wire.MAX_CONCURRENT_STREAMS, 1)))
        first, second = await _start(server), await _start(server)
        assert {f[2] for f in server.sent() if f[0] == wire.HEADERS} == {1}
        server.feed(server.reply(1, b"a"))
        assert await first == _message(b"a")
        await asyncio.sleep(0)
        assert {f[2] for f in server.sent() if f[0] == wire.HEADERS} == {3}
        server.feed(server.reply(3, b"b"))
        assert await second == _message(b"b")

    run(scenario)


@pytest.mark.parametrize(("seconds", "header"), [(0.0001, "1m"), (5, "5000m"), (10**6, "1000000S")])
def test_grpc_timeout_header(seconds: float, header: str) -> None:
    assert wire.encode_timeout(seconds) == header


@pytest.mark.parametrize("value", [0, 14, 15, 127, 128, 300, 16384])
def test_hpack_integers_and_literals_decode(value: int) -> None:
    """The request encoder's integers (RFC 7541 5.1) and literals, read back by hpack's decoder."""
    name = "n" * value
    assert Decoder().decode(wire.literal(name, "v")) == [(name, "v")]
    assert Decoder().decode(wire.literal(4, "/" * value)) == [(":path", "/" * value)]


def test_repeated_fields_are_sent_by_index() -> None:
    """The server's decoder (one per connection, as in apid) reads every request of a connection right,
    the repeated fields sent as one-byte indexes after their first time, the node as a literal; when the
    server shrinks its table, the next block empties ours and starts again."""
    async def scenario(server: Server) -> list[bytes]:
        blocks = []
        paths = ["/cosi.resource.State/List", "/machine.MachineService/Read", "/cosi.resource.State/List"]
        for number, path in enumerate(paths):
            task = await _start(server, path, metadata=(("node", f"10.0.0.{number}"),))
            (headers,) = [f for f in server.sent() if f[0] == wire.HEADERS]
            decoded = dict(server.decoder.decode(headers[3]))
            assert decoded[":path"] == path and decoded["node"] == f"10.0.0.{number}"
            assert decoded[":authority"] == "10.0.0.1:50000" and decoded["grpc-timeout"] == "5000m"
            blocks.append(headers[3])
            task.cancel()
        server.feed(wire.frame(wire.SETTINGS, 0, 0, struct.pack(">HL", wire.HEADER_TABLE_SIZE, 100)))
        server.decoder.max_allowed_table_size = 100  # what the server's SETTINGS told its own decoder
        for path in paths[:2]:
            task = await _start(server, path)
            (headers,) = [f for f in server.sent() if f[0] == wire.HEADERS]
            assert dict(server.decoder.decode(headers[3]))[":path"] == path
            blocks.append(headers[3])
            task.cancel()
        assert server.decoder.header_table_size <= 100
        return blocks

    blocks = run(scenario)
    assert len(blocks[2]) < len(blocks[1]) < len(blocks[0])  # List's path, then Read's, were indexed
    assert blocks[2].endswith(wire.literal("node", "10.0.0.2"))
    assert blocks[3].startswith(b"\x20\x3f\x45")  # table size 0, then 100 (5-bit prefix: 31 + 69)


def test_a_repeated_header_block_means_what_the_table_says_now() -> None:
    """The same one-byte block can mean another field once the server's table has changed: here index 62
    is `grpc-status: 0` for two calls, then `grpc-status: 5` after the server added that field."""
    async def scenario(server: Server) -> tuple[list[object], list[bytes]]:
        out: list[object] = []
        blocks = []
        for status in ("0", "0", "5", "5"):
            task = await _start(server)
            stream = next(f for f in server.sent() if f[0] == wire.HEADERS)[2]
            headers = server.headers(stream, OK_HEADERS)  # encoded in the order they are sent
            trailers = server.headers(stream, [("grpc-status", status)], end=True)
            server.feed(headers, trailers)
            try:
                out.append(await task)
            except GrpcError as exc:
                out.append(exc.status)
            blocks.append(trailers[9:])
        return out, blocks

    results, blocks = run(scenario)
    assert results == [b"", b"", Status.NOT_FOUND, Status.NOT_FOUND]
    assert blocks[1] == blocks[3] == b"\xbe"  # the same bytes, told apart


def test_headers_too_big_for_a_frame_are_refused_before_sending() -> None:
    async def scenario(server: Server) -> None:
        with pytest.raises(GrpcError, match="does not fit in one frame"):
            await server.conn.call("/x", b"", (("node", "n" * 20000),), 1)
        assert server.sent() == []
        task = await _start(server)  # the connection is still good, its header table in step
        headers, _ = server.sent()
        assert dict(server.decoder.decode(headers[3]))[":path"] == "/cosi.resource.State/List"
        server.feed(server.reply(headers[2], b"ok"))
        assert await task == _message(b"ok")

    run(scenario)
