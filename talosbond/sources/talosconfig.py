"""talosconfig files: contexts, endpoints, nodes and the client certificate, as talosctl reads them.

Layout (Talos `pkg/machinery/client/config`): `context: <name>` and `contexts: {<name>: {endpoints, nodes,
ca, crt, key, auth}}`; `ca`/`crt`/`key` are base64 of PEM. Talos signs with Ed25519 and writes the key's
PEM block as `ED25519 PRIVATE KEY`, which OpenSSL refuses; the body is plain PKCS#8, so the header is
rewritten to `PRIVATE KEY` before loading.

Secrets (the key above all) never appear in an error, a repr or a log line: messages name the context
and the field, never its content.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from talosbond.errors import SourceError, UsageError

DEFAULT_PORT = 50000  # apid (constants.ApidPort)
IN_POD_PATH = "/var/run/secrets/talos.dev/config"

_NO_CONFIG_HINT = "pass --talosconfig FILE (or set $TALOSCONFIG); for a node in maintenance mode use --insecure"


@dataclass(frozen=True)
class TalosContext:
    """One talosconfig context, decoded. The PEM fields are kept out of `repr`."""

    name: str
    path: str
    endpoints: tuple[str, ...] = ()
    nodes: tuple[str, ...] = ()
    ca: bytes = field(default=b"", repr=False)
    crt: bytes = field(default=b"", repr=False)
    key: bytes = field(default=b"", repr=False)
    auth: str = ""  # "siderov1" (Omni), "basic", or "" for certificate auth

    @property
    def where(self) -> str:
        return f"talosconfig {self.path}, context {self.name!r}"


def candidate_paths(env: dict[str, str] | None = None) -> list[str]:
    """Where talosctl looks when no file is named: $TALOSCONFIG, $TALOS_HOME/config or ~/.talos/config,
    then the in-pod service-account path."""
    env = dict(os.environ) if env is None else env
    paths = []
    if env.get("TALOSCONFIG"):
        paths.append(env["TALOSCONFIG"])
    home = env.get("TALOS_HOME", "")
    talos_dir = home if home and os.path.isabs(home) else os.path.join(os.path.expanduser("~"), ".talos")
    paths.append(os.path.join(talos_dir, "config"))
    paths.append(IN_POD_PATH)
    return paths


def find_config(explicit: str | None) -> str:
    """The talosconfig to read: the one named, else the first that exists among `candidate_paths()`."""
    if explicit:
        if not os.path.isfile(explicit):
            raise SourceError(f"talosconfig {explicit}: no such file", _NO_CONFIG_HINT)
        return explicit
    for path in candidate_paths():
        if os.path.isfile(path):
            return path
    raise SourceError("no talosconfig found ($TALOSCONFIG, ~/.talos/config)", _NO_CONFIG_HINT)


def load_context(explicit: str | None, context: str | None = None) -> TalosContext:
    """Read the talosconfig and return the chosen context (`--context`, else the file's `context:`)."""
    path = find_config(explicit)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise SourceError(f"talosconfig {path}: {reason}") from None
    return parse_talosconfig(text, path, context)


def _strings(value: Any, what: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return tuple(str(v) for v in value if str(v))
    raise SourceError(f"{where}: `{what}` must be a list of strings")


def _pem(value: Any, what: str, where: str, marker: str) -> bytes:
    if value is None or value == "":
        return b""
    if not isinstance(value, str):
        raise SourceError(f"{where}: `{what}` must be a base64 string")
    try:
        decoded = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SourceError(f"{where}: `{what}` is not valid base64") from None
    if b"-----BEGIN " not in decoded or marker.encode() not in decoded:
        raise SourceError(f"{where}: `{what}` does not hold a PEM {marker.lower()}")
    return decoded


def parse_talosconfig(text: str, path: str, context: str | None = None) -> TalosContext:
    """Parse talosconfig text and pick one context; raises `SourceError` naming the file and field."""
    from talosbond.errors import ParseError
    from talosbond.parsing.yamlish import load_stream

    try:
        docs = [doc.data for doc in load_stream(text, path)]
    except ParseError as exc:
        raise SourceError(f"talosconfig {exc.message}") from None
    data = docs[0] if docs else None
    if not isinstance(data, dict):
        raise SourceError(f"talosconfig {path}: expected `context:` and `contexts:`")
    contexts = data.get("contexts")
    if not isinstance(contexts, dict) or not contexts:
        raise SourceError(f"talosconfig {path}: no contexts in it", _NO_CONFIG_HINT)
    name = context or data.get("context")
    if not name:
        raise UsageError(
            f"talosconfig {path}: no current context", f"pass --context, one of: {', '.join(sorted(contexts))}"
        )
    name = str(name)
    entry = contexts.get(name)
    if entry is None:
        raise UsageError(
            f"talosconfig {path}: no context {name!r}", f"contexts in this file: {', '.join(sorted(contexts))}"
        )
    if not isinstance(entry, dict):
        raise SourceError(f"talosconfig {path}: context {name!r} is not a mapping")
    where = f"talosconfig {path}, context {name!r}"
    endpoints = _strings(entry.get("endpoints"), "endpoints", where)
    if entry.get("target"):  # deprecated single endpoint, folded in as talosctl does
        endpoints += _strings(entry.get("target"), "target", where)
    auth_entry = entry.get("auth")
    auth = ""
    if isinstance(auth_entry, dict):
        auth = next((k for k in ("siderov1", "basic") if auth_entry.get(k)), "")
    return TalosContext(
        name=name,
        path=path,
        endpoints=endpoints,
        nodes=_strings(entry.get("nodes"), "nodes", where),
        ca=_pem(entry.get("ca"), "ca", where, "CERTIFICATE"),
        crt=_pem(entry.get("crt"), "crt", where, "CERTIFICATE"),
        key=_pem(entry.get("key"), "key", where, "PRIVATE KEY"),
        auth=auth,
    )


@dataclass(frozen=True)
class CertInfo:
    """What talosbond reads from the client certificate: its validity and its roles (Subject O)."""

    not_before: dt.datetime
    not_after: dt.datetime
    organizations: tuple[str, ...]

    def expired(self, now: dt.datetime | None = None) -> bool:
        now = now or dt.datetime.now(dt.UTC)
        return not self.not_before <= now <= self.not_after


def _der(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of content) of the DER element at `pos`."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise ValueError("truncated DER")
    return tag, pos, pos + length


def _der_children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end:
        element = _der(data, start)
        out.append(element)
        start = element[2]
    return out


def _der_time(tag: int, text: str) -> dt.datetime:
    if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ, years 1950-2049
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    return dt.datetime.strptime(text.rstrip("Z"), "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)


_ORGANIZATION_OID = bytes.fromhex("55040a")  # 2.5.4.10


def certificate_info(pem: bytes) -> CertInfo | None:
    """Validity and Subject O of the first certificate in `pem`; None if it cannot be read.

    A few lines of DER reading spare a dependency on a crypto library at run time."""
    try:
        body = pem.split(b"-----BEGIN CERTIFICATE-----", 1)[1].split(b"-----END CERTIFICATE-----", 1)[0]
        der = base64.b64decode(b"".join(body.split()))
        _, cert_start, cert_end = _der(der, 0)
        _, tbs_start, tbs_end = _der_children(der, cert_start, cert_end)[0]
        fields = _der_children(der, tbs_start, tbs_end)
        if fields[0][0] == 0xA0:  # explicit version
            fields = fields[1:]
        # serialNumber, signature, issuer, validity, subject, ...
        validity, subject = fields[3], fields[4]
        times = [_der_time(tag, der[a:b].decode("ascii")) for tag, a, b in _der_children(der, validity[1], validity[2])]
        organizations = []
        for _, set_start, set_end in _der_children(der, subject[1], subject[2]):
            for _, seq_start, seq_end in _der_children(der, set_start, set_end):
                (_, oid_start, oid_end), (_, value_start, value_end) = _der_children(der, seq_start, seq_end)[:2]
                if der[oid_start:oid_end] == _ORGANIZATION_OID:
                    organizations.append(der[value_start:value_end].decode("utf-8", "replace"))
        return CertInfo(times[0], times[1], tuple(organizations))
    except (IndexError, ValueError, binascii.Error):
        return None


def require_client_certificate(ctx: TalosContext) -> None:
    """Refuse contexts talosbond cannot authenticate with, saying why."""
    if ctx.auth == "siderov1" and not (ctx.crt and ctx.key):
        raise SourceError(
            f"{ctx.where} authenticates through Omni (auth.siderov1), which talosbond cannot do",
            "use --source talosctl (talosctl signs Omni requests), or a talosconfig with a client certificate",
        )
    if not (ctx.crt and ctx.key):
        raise SourceError(
            f"{ctx.where} has no client certificate (`crt` and `key`)",
            "use a talosconfig made by `talosctl gen config`, or --insecure for a node in maintenance mode",
        )
    if not ctx.ca:
        raise SourceError(
            f"{ctx.where} has no `ca` to verify the nodes with",
            "use a talosconfig made by `talosctl gen config`, or --insecure for a node in maintenance mode",
        )


def openssl_key(pem: bytes) -> bytes:
    """Talos's `ED25519 PRIVATE KEY` PEM header -> `PRIVATE KEY` (same PKCS#8 body), which OpenSSL reads."""
    return pem.replace(b"-----BEGIN ED25519 PRIVATE KEY-----", b"-----BEGIN PRIVATE KEY-----").replace(
        b"-----END ED25519 PRIVATE KEY-----", b"-----END PRIVATE KEY-----"
    )


def _load_chain(context: ssl.SSLContext, crt: bytes, key: bytes) -> None:
    """`load_cert_chain` only reads files: hand it an anonymous in-memory file where Linux has one, else a
    private temporary file removed at once."""
    blob = crt.rstrip(b"\n") + b"\n" + openssl_key(key)
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None:
        fd = memfd_create("talosbond-client", getattr(os, "MFD_CLOEXEC", 0))
        try:
            os.write(fd, blob)
            context.load_cert_chain(f"/proc/self/fd/{fd}")
        finally:
            os.close(fd)
        return
    folder = tempfile.mkdtemp(prefix="talosbond-")
    path = os.path.join(folder, "client.pem")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        context.load_cert_chain(path)
    finally:
        if os.path.exists(path):
            os.unlink(path)
        os.rmdir(folder)


def client_ssl_context(ctx: TalosContext | None, *, insecure: bool = False) -> ssl.SSLContext:
    """TLS for the Talos API: mTLS against the context's CA, or (maintenance mode) no client certificate
    and no verification of the server."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if ctx is None:
        raise SourceError("no talosconfig context to take the certificates from", _NO_CONFIG_HINT)
    require_client_certificate(ctx)
    try:
        context.load_verify_locations(cadata=ctx.ca.decode("ascii", "replace"))
    except (ssl.SSLError, ValueError):
        raise SourceError(f"{ctx.where}: `ca` is not a usable PEM certificate") from None
    try:
        _load_chain(context, ctx.crt, ctx.key)
    except ssl.SSLError as exc:
        reason = exc.reason or exc.__class__.__name__
        raise SourceError(
            f"{ctx.where}: OpenSSL cannot load the client certificate and key ({reason})",
            "the `crt` and `key` must be a matching PEM pair, as `talosctl gen config` writes them",
        ) from None
    except OSError as exc:
        raise SourceError(f"{ctx.where}: cannot load the client certificate ({exc.strerror or 'OS error'})") from None
    return context


def split_endpoint(endpoint: str) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]:port`, bare IPv6 or `https://host[:port]` -> (host, port); port 50000 when
    none is given (talosctl's `EnsureEndpointsHavePorts`)."""
    value = endpoint.strip()
    for scheme in ("https://", "tcp://", "grpc://"):
        if value.startswith(scheme):
            value = value[len(scheme):]
    value = value.rstrip("/")
    if not value:
        raise UsageError(f"empty endpoint {endpoint!r}")
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep:
            raise UsageError(f"endpoint {endpoint!r}: unclosed '['")
        port_text = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            raise UsageError(f"endpoint {endpoint!r}: expected ':' after ']'")
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    else:  # a bare name, IPv4, or an IPv6 address without brackets
        host, port_text = value, ""
    if not port_text:
        return host, DEFAULT_PORT
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"endpoint {endpoint!r}: {port_text!r} is not a port number")
    return host, int(port_text)
