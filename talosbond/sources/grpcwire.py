"""gRPC over HTTP/2, the part of both the API source uses: a unary request, a reply stream read whole.

One `Connection` is one TLS connection to an endpoint, with many calls in flight. A call sends its HEADERS
and its one request message, and returns every reply message's bytes once the server has ended the stream
with its trailers; a gRPC status other than OK raises `GrpcError`, a lost connection or a reset stream
raises `ConnectionLost`.

Why this and not a gRPC library: grpcio's TLS stack cannot negotiate the Ed25519 certificates Talos signs
with, and grpclib (asyncio on Python's `ssl`, which can) took most of a fleet discovery's CPU in h2's
per-frame event objects and state machine, HPACK encoding and its own per-call dispatch: a node is five
calls and ~50 reply messages. Here a received frame is a slice of the read buffer appended to its stream,
and a request's header block is mostly one-byte indexes into the server's HPACK table.

What of HTTP/2 (RFC 9113) this speaks, as a client: the preface and SETTINGS both ways, flow control both
ways (windows are opened wide and topped up as replies are read), PING answered, GOAWAY (the streams the
server did not take fail as retryable, no new ones start), RST_STREAM, padded and prioritised HEADERS,
CONTINUATION, the server's stream limit. Server push is refused in our SETTINGS. Response headers are
decoded with `hpack` (the server may use Huffman coding and its dynamic table); request headers are
encoded here, the ones every call repeats added to the server's table once and then sent as an index.
"""

from __future__ import annotations

import asyncio
import enum
import ssl
import struct
from collections import deque
from collections.abc import Callable
from typing import cast
from urllib.parse import unquote

from hpack import Decoder
from hpack.exceptions import HPACKError

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
END_STREAM = ACK = 0x1
END_HEADERS, PADDED, PRIORITY_FLAG = 0x4, 0x8, 0x20
# SETTINGS identifiers
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE = 1, 2, 3, 4, 5
CANCEL = 0x8
MAX_STREAM_ID = 2**31 - 1

# Our receive windows: a reply is kept whole until its stream ends anyway, so the server is never made to wait
# for an acknowledgement while we still read; the windows are topped up when half is used.
STREAM_WINDOW = 1 << 24
CONNECTION_WINDOW = 1 << 26
DEFAULT_WINDOW = 65_535  # RFC 9113's initial window, until the server's SETTINGS say otherwise

_HEAD = struct.Struct(">HBBBL")  # length (24 bits as 16 + 8), type, flags, stream id


def frame(kind: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    size = len(payload)
    return _HEAD.pack(size >> 8, size & 0xFF, kind, flags, stream_id) + payload


class Status(enum.IntEnum):
    """gRPC status codes."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


# gRPC's mapping of an HTTP status that is not 200 (a proxy in the way, most likely)
_HTTP_STATUS = {400: Status.INTERNAL, 401: Status.UNAUTHENTICATED, 403: Status.PERMISSION_DENIED,
                404: Status.UNIMPLEMENTED, 429: Status.UNAVAILABLE, 502: Status.UNAVAILABLE,
                503: Status.UNAVAILABLE, 504: Status.UNAVAILABLE}
_RESET_NAMES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR",
                7: "REFUSED_STREAM", 8: "CANCEL", 11: "ENHANCE_YOUR_CALM", 12: "INADEQUATE_SECURITY"}


class GrpcError(Exception):
    """The server ended the call with a gRPC status other than OK."""

    def __init__(self, status: Status, message: str = "") -> None:
        super().__init__(f"{status.name}: {message}" if message else status.name)
        self.status = status
        self.message = message


class ConnectionLost(ConnectionError):
    """The call got no complete reply: the connection closed or failed, or the server reset the stream.
    `connection` is the one it was sent on (its `lost_reason` may say why)."""

    def __init__(self, message: str, connection: Connection) -> None:
        super().__init__(message)
        self.connection = connection


def _integer(value: int, prefix_bits: int, first: int = 0) -> bytes:
    """An HPACK integer (RFC 7541 5.1) in a prefix of `prefix_bits` bits, `first` holding the other bits."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _string(text: str) -> bytes:
    raw = text.encode()
    return _integer(len(raw), 7) + raw


def literal(name: str | int, value: str) -> bytes:
    """A header field as a literal without indexing: `name` as text, or as the index of a static-table entry
    that has that name."""
    if isinstance(name, int):
        return _integer(name, 4) + _string(value)
    return b"\x00" + _string(name) + _string(value)


class HeaderEncoder:
    """HPACK for our requests (RFC 7541). A field every call repeats (the authority, the method's path) is
    sent once as a literal with incremental indexing, then as its one-byte index; the rest (the node to
    proxy to) as literals without indexing. Fields are added only while the table has room, so none is
    ever evicted and an entry's index is fixed by how many were added after it."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit  # the server's SETTINGS_HEADER_TABLE_SIZE, at most the default
        self._entries: dict[tuple[str, str], int] = {}  # field -> the number of fields added before it
        self._added = 0
        self._size = 0
        self._resize: int | None = None

    def shrink(self, limit: int) -> None:
        """The server lowered its table size: the next block empties the table and says so."""
        if limit < self.limit:
            self.limit = self._resize = limit
            self._entries.clear()
            self._size = 0

    def start(self) -> bytes:
        """What a header block must begin with: a pending table size update, to 0 (which evicts every
        entry) and then to the new size."""
        if self._resize is None:
            return b""
        update = _integer(0, 5, 0x20) + _integer(self._resize, 5, 0x20)
        self._resize = None
        return update

    def indexed(self, name: str, value: str, static: int = 0) -> bytes:
        """A field the table keeps; `static` is the static table's index of `name`, when it has one."""
        added = self._entries.get((name, value))
        if added is not None:
            return _integer(62 + self._added - 1 - added, 7, 0x80)
        size = 32 + len(name.encode()) + len(value.encode())  # RFC 7541 4.1
        if self._size + size > self.limit:
            return literal(static or name, value)
        self._entries[(name, value)] = self._added
        self._added += 1
        self._size += size
        name_part = _integer(static, 6, 0x40) if static else b"\x40" + _string(name)
        return name_part + _string(value)


def encode_timeout(seconds: float) -> str:
    """grpc-timeout: at most 8 digits and a unit."""
    millis = max(1, round(seconds * 1000))
    return f"{millis}m" if millis < 10**8 else f"{min(10**8 - 1, round(seconds))}S"


class _Stream:
    __slots__ = ("data", "done", "headers", "id", "pending", "send_window", "trailers", "unacked")

    def __init__(self, stream_id: int, send_window: int, done: asyncio.Future[None]) -> None:
        self.id = stream_id
        self.data: list[bytes] = []
        self.headers: dict[str, str] | None = None
        self.trailers: dict[str, str] | None = None
        self.done = done
        self.send_window = send_window
        self.unacked = 0  # bytes received since our last WINDOW_UPDATE for this stream
        self.pending = b""  # DATA waiting for the server's flow-control window


class Connection(asyncio.Protocol):
    """One HTTP/2 connection (the asyncio protocol under a TLS transport)."""

    def __init__(self, authority: str, user_agent: str) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False  # the transport is gone: no call can use this connection again
        self.lost_reason: BaseException | None = None  # the TLS alert or socket error that closed it
        self.goaway = ""  # why the server said it takes no more streams (empty: it has not)
        self.protocol_error = ""  # what the server sent that HTTP/2 does not allow (we closed the connection)
        self.answered = False  # set by the caller once a call got its reply
        self._streams: dict[int, _Stream] = {}
        self._next_id = 1
        self._buffer = b""
        self._out: list[bytes] = []
        self._decoder = Decoder()
        self._decoded: dict[bytes, dict[str, str]] = {}  # index-only header blocks, decoded (see _decode)
        self._block: list[bytes] = []  # a header block's fragments until END_HEADERS
        self._block_stream = 0
        self._block_end = False
        self._recv_unacked = 0
        self._send_window = DEFAULT_WINDOW
        self._peer_stream_window = DEFAULT_WINDOW
        self._peer_max_frame = 16_384
        self._peer_max_streams = 2**31
        self._waiting_slots: deque[asyncio.Future[None]] = deque()
        self._blocked: deque[_Stream] = deque()
        self._authority = authority
        self._user_agent = user_agent
        self._encoder = HeaderEncoder()

    # --- asyncio protocol ---------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        settings = struct.pack(">HLHLHL", ENABLE_PUSH, 0, INITIAL_WINDOW_SIZE, STREAM_WINDOW,
                               MAX_FRAME_SIZE, 16_384)
        transport.write(PREFACE + frame(SETTINGS, 0, 0, settings)
                        + frame(WINDOW_UPDATE, 0, 0, struct.pack(">L", CONNECTION_WINDOW - DEFAULT_WINDOW)))

    def connection_lost(self, exc: BaseException | None) -> None:
        self.closed = True
        if exc is not None:
            self.lost_reason = exc
        detail = f" ({self.goaway})" if self.goaway else f" ({exc})" if exc else ""
        self._fail_streams(lambda s: True, f"connection lost{detail}")
        self._wake_slots()

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        buffer = self._buffer + data if self._buffer else data
        pos, end = 0, len(buffer)
        try:
            while end - pos >= 9:
                high, low, kind, flags, stream_id = _HEAD.unpack_from(buffer, pos)
                size = high << 8 | low
                if end - pos - 9 < size:
                    break
                start = pos + 9
                pos = start + size
                stream_id &= MAX_STREAM_ID
                if self._block and kind != CONTINUATION:
                    raise _ProtocolError("a header block was interrupted by another frame")
                if kind == DATA:
                    self._data(stream_id, flags, buffer[start:pos], size)
                elif kind in (HEADERS, CONTINUATION):
                    self._headers(kind, stream_id, flags, buffer[start:pos])
                else:
                    self._control(kind, flags, stream_id, buffer[start:pos])
        except _ProtocolError as exc:
            self._buffer = b""
            self._abort(str(exc))
            return
        self._buffer = buffer[pos:]
        self._flush()

    # --- received frames ----------------------------------------------------------------------------------

    def _data(self, stream_id: int, flags: int, payload: bytes, size: int) -> None:
        self._recv_unacked += size
        if self._recv_unacked >= CONNECTION_WINDOW // 2:
            self._out.append(frame(WINDOW_UPDATE, 0, 0, self._recv_unacked.to_bytes(4, "big")))
            self._recv_unacked = 0
        stream = self._streams.get(stream_id)
        if stream is None:
            return  # a stream we cancelled: its data still counted for the connection's window
        if flags & PADDED:
            payload = _unpad(payload)
        if stream.headers is None:
            raise _ProtocolError(f"DATA before HEADERS on stream {stream_id}")
        stream.data.append(payload)
        if flags & END_STREAM:
            self._finish(stream)
            return
        stream.unacked += size
        if stream.unacked >= STREAM_WINDOW // 2:
            self._out.append(frame(WINDOW_UPDATE, 0, stream_id, stream.unacked.to_bytes(4, "big")))
            stream.unacked = 0

    def _headers(self, kind: int, stream_id: int, flags: int, payload: bytes) -> None:
        if kind == HEADERS:
            if flags & PADDED:
                payload = _unpad(payload)
            if flags & PRIORITY_FLAG:
                payload = payload[5:]
            self._block_stream, self._block_end = stream_id, bool(flags & END_STREAM)
        elif not self._block or stream_id != self._block_stream:
            raise _ProtocolError("CONTINUATION without a header block to continue")
        self._block.append(payload)
        if not flags & END_HEADERS:
            return
        block = b"".join(self._block)
        self._block.clear()
        fields = self._decoded.get(block)
        if fields is None:
            fields = self._decode(block)
        stream = self._streams.get(self._block_stream)
        if stream is None:
            return
        if stream.headers is None:
            stream.headers = fields
        else:
            stream.trailers = fields
            if not self._block_end:
                raise _ProtocolError(f"trailers without END_STREAM on stream {stream.id}")
        if self._block_end:
            self._finish(stream)

    def _decode(self, block: bytes) -> dict[str, str]:
        """A header block's fields. Every block counts, a cancelled stream's too: the decoder's table must
        stay in step with the server's.

        A server sends the same few blocks over and over (`:status: 200` and the content type, then
        `grpc-status: 0`), and once their fields are in its table, as one-byte indexes. A block made only
        of indexes (every byte has its top bit set: a multi-byte index would end in a byte without it)
        leaves the table as it is, so its fields are kept for the next time it comes; any other block may
        change the table, and forgets what was kept."""
        try:
            fields = cast(dict[str, str], dict(self._decoder.decode(block)))  # raw=False: text, not bytes
        except (HPACKError, UnicodeDecodeError) as exc:
            raise _ProtocolError(f"undecodable header block ({exc})") from None
        if block and min(block) >= 0x80:
            self._decoded[block] = fields
        else:
            self._decoded.clear()
        return fields

    def _control(self, kind: int, flags: int, stream_id: int, payload: bytes) -> None:
        if kind == SETTINGS:
            if flags & ACK:
                return
            if len(payload) % 6:
                raise _ProtocolError("malformed SETTINGS")
            for pos in range(0, len(payload), 6):
                key, value = struct.unpack_from(">HL", payload, pos)
                if key == INITIAL_WINDOW_SIZE:
                    delta = value - self._peer_stream_window
                    self._peer_stream_window = value
                    for open_stream in self._streams.values():
                        open_stream.send_window += delta
                elif key == MAX_FRAME_SIZE:
                    self._peer_max_frame = value
                elif key == MAX_CONCURRENT_STREAMS:
                    self._peer_max_streams = value
                elif key == HEADER_TABLE_SIZE:
                    self._encoder.shrink(value)
            self._out.append(frame(SETTINGS, ACK, 0))
            self._unblock()
            self._wake_slots()
        elif kind == PING:
            if not flags & ACK:
                self._out.append(frame(PING, ACK, 0, payload))
        elif kind == WINDOW_UPDATE:
            if len(payload) != 4:
                raise _ProtocolError("malformed WINDOW_UPDATE")
            increment = int.from_bytes(payload, "big") & MAX_STREAM_ID
            if stream_id == 0:
                self._send_window += increment
            elif stream_id in self._streams:
                self._streams[stream_id].send_window += increment
            self._unblock()
        elif kind == RST_STREAM:
            if len(payload) != 4:
                raise _ProtocolError("malformed RST_STREAM")
            if stream_id in self._streams:
                code = int.from_bytes(payload[:4], "big")
                self._close_stream(self._streams[stream_id], ConnectionLost(
                    f"the server reset the call ({_RESET_NAMES.get(code, code)})", self))
        elif kind == GOAWAY:
            if len(payload) < 8:
                raise _ProtocolError("malformed GOAWAY")
            last, code = struct.unpack_from(">LL", payload)
            last &= MAX_STREAM_ID
            debug = payload[8:].decode("utf-8", "replace")
            self.goaway = f"GOAWAY {_RESET_NAMES.get(code, code)}" + (f": {debug}" if debug else "")
            self._fail_streams(lambda s: s.id > last, f"the server stopped taking calls ({self.goaway})")
            self._wake_slots()
        elif kind == PUSH_PROMISE:
            raise _ProtocolError("PUSH_PROMISE after we disabled push")
        # PRIORITY and unknown frame types are ignored, as RFC 9113 says

    # --- calls --------------------------------------------------------------------------------------------

    async def call(self, path: str, message: bytes, metadata: tuple[tuple[str, str], ...], timeout: float) -> bytes:
        """One call: `message` (serialised) to `path`; every reply message, still length-prefixed, joined.
        Raises `GrpcError`, `ConnectionLost` or (past `timeout` seconds) `TimeoutError`."""
        async with asyncio.timeout(timeout):
            while len(self._streams) >= self._peer_max_streams and not self.closed and not self.goaway:
                waiter = asyncio.get_running_loop().create_future()
                self._waiting_slots.append(waiter)
                await waiter
            if self.closed or self.goaway or self._next_id > MAX_STREAM_ID:
                raise ConnectionLost(f"connection closed ({self.goaway or self.lost_reason or 'by us'})", self)
            stream = self._open(path, message, metadata, timeout)
            try:
                await stream.done
            except BaseException:
                if self._streams.pop(stream.id, None) is not None and not self.closed:
                    self._out.append(frame(RST_STREAM, 0, stream.id, CANCEL.to_bytes(4, "big")))
                    self._flush()
                    self._wake_slots()
                raise
        return _result(stream)

    def _open(self, path: str, message: bytes, metadata: tuple[tuple[str, str], ...], timeout: float) -> _Stream:
        custom = b"".join(literal(key, value) for key, value in metadata)
        if len(custom) + 1024 > self._peer_max_frame:  # only a node name of kilobytes could do it
            # refused before the encoder adds anything to the server's table that the server would not see
            raise GrpcError(Status.INVALID_ARGUMENT, f"the request's metadata ({len(custom)} bytes) does not fit "
                                                     f"in one frame of the server's ({self._peer_max_frame})")
        stream_id = self._next_id
        self._next_id += 2
        field = self._encoder.indexed
        # pseudo-headers first (RFC 9113 8.3): :method POST and :scheme https are static-table entries 3, 7
        block = b"".join((self._encoder.start(), b"\x83\x87", field(":authority", self._authority, 1),
                          field(":path", path, 4),
                          field("te", "trailers"), field("content-type", "application/grpc", 31),
                          field("user-agent", self._user_agent, 58),
                          field("grpc-timeout", encode_timeout(timeout)), custom))
        stream = _Stream(stream_id, self._peer_stream_window, asyncio.get_running_loop().create_future())
        self._streams[stream_id] = stream
        self._out.append(frame(HEADERS, END_HEADERS, stream_id, block))
        stream.pending = len(message).to_bytes(5, "big") + message  # uncompressed flag 0, 4-byte length
        if not self._send_pending(stream):
            self._blocked.append(stream)
        self._flush()
        return stream

    def _send_pending(self, stream: _Stream) -> bool:
        """Send what flow control allows of a stream's request; True when all of it has gone."""
        while stream.pending:
            size = min(len(stream.pending), self._send_window, stream.send_window, self._peer_max_frame)
            if size <= 0:
                return False
            chunk, stream.pending = stream.pending[:size], stream.pending[size:]
            self._send_window -= size
            stream.send_window -= size
            self._out.append(frame(DATA, 0 if stream.pending else END_STREAM, stream.id, chunk))
        return True

    def _unblock(self) -> None:
        while self._blocked:
            stream = self._blocked[0]
            if stream.id in self._streams and not self._send_pending(stream):
                return
            self._blocked.popleft()

    def _finish(self, stream: _Stream) -> None:
        if self._streams.pop(stream.id, None) is not None:
            if not stream.done.done():
                stream.done.set_result(None)
            self._wake_slots()

    def _close_stream(self, stream: _Stream, error: BaseException) -> None:
        if self._streams.pop(stream.id, None) is not None:
            if not stream.done.done():
                stream.done.set_exception(error)
            self._wake_slots()

    def _fail_streams(self, which: Callable[[_Stream], bool], message: str) -> None:
        for stream in [s for s in self._streams.values() if which(s)]:
            self._close_stream(stream, ConnectionLost(message, self))

    def _wake_slots(self) -> None:
        while self._waiting_slots and (len(self._streams) < self._peer_max_streams or self.closed or self.goaway):
            waiter = self._waiting_slots.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _flush(self) -> None:
        if self._out and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(self._out))
        self._out.clear()

    def _abort(self, why: str) -> None:
        """A protocol error: tell the server (GOAWAY PROTOCOL_ERROR) and fail every call."""
        self.protocol_error = why
        self.goaway = f"protocol error: {why}"
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(GOAWAY, 0, 0, struct.pack(">LL", 0, 1) + why.encode()))
            self.transport.close()
        self._fail_streams(lambda s: True, self.goaway)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class _ProtocolError(Exception):
    pass


def _unpad(payload: bytes) -> bytes:
    if not payload or payload[0] >= len(payload):
        raise _ProtocolError("bad padding")
    return payload[1:len(payload) - payload[0]]


def _result(stream: _Stream) -> bytes:
    headers = stream.headers or {}
    trailers = stream.trailers if stream.trailers is not None else headers  # a trailers-only reply
    http_status = headers.get(":status", "")
    if http_status != "200":
        code = int(http_status) if http_status.isdigit() else 0
        raise GrpcError(_HTTP_STATUS.get(code, Status.UNKNOWN), f"HTTP status {http_status or 'missing'}")
    if not headers.get("content-type", "").startswith("application/grpc"):
        raise GrpcError(Status.UNKNOWN, f"not a gRPC reply (content-type {headers.get('content-type', '')!r})")
    raw = trailers.get("grpc-status")
    if raw is None:
        raise GrpcError(Status.UNKNOWN, "the reply ended without a grpc-status")
    try:
        status = Status(int(raw))
    except ValueError:
        status = Status.UNKNOWN
    if status is not Status.OK:
        raise GrpcError(status, unquote(trailers.get("grpc-message", "")))
    return b"".join(stream.data)


def authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


async def connect(host: str, port: int, context: ssl.SSLContext, user_agent: str) -> Connection:
    """A TLS connection to host:port speaking HTTP/2 (the context must offer ALPN "h2")."""
    loop = asyncio.get_running_loop()
    _, connection = await loop.create_connection(lambda: Connection(authority(host, port), user_agent),
                                                 host, port, ssl=context)
    return connection
