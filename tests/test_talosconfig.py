"""talosconfig handling: lookup order, contexts, base64 PEM, the Ed25519 key header, endpoints, and secrets
that must never show up in messages."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import pytest
from talos_test_server import Pki, write_talosconfig

from talosbond.errors import SourceError, UsageError
from talosbond.sources.talosconfig import (
    DEFAULT_PORT,
    candidate_paths,
    certificate_info,
    client_ssl_context,
    find_config,
    load_context,
    openssl_key,
    parse_talosconfig,
    require_client_certificate,
    split_endpoint,
)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def _config(tmp_path: Path, pki: Pki, **kwargs: object) -> Path:
    client = pki.issue(server=False, org="os:admin")
    return write_talosconfig(tmp_path / "talosconfig", ca=pki.ca, client=client, **kwargs)  # type: ignore[arg-type]


def test_lookup_order(tmp_path: Path) -> None:
    home = str(tmp_path / "th")
    paths = candidate_paths({"TALOSCONFIG": "/x/tc", "TALOS_HOME": home})
    assert paths == ["/x/tc", f"{home}/config", "/var/run/secrets/talos.dev/config"]
    # a relative TALOS_HOME is ignored, as talosctl does
    assert candidate_paths({"TALOS_HOME": "rel"})[0].endswith("/.talos/config")


def test_find_config_prefers_talosconfig_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "a"
    first.write_text("context: x\n")
    monkeypatch.setenv("TALOSCONFIG", str(first))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert find_config(None) == str(first)
    with pytest.raises(SourceError, match="no such file"):
        find_config(str(tmp_path / "missing"))


def test_home_config_when_no_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TALOSCONFIG", raising=False)
    monkeypatch.delenv("TALOS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(SourceError, match="no talosconfig found") as info:
        find_config(None)
    assert "--talosconfig" in info.value.hint
    (tmp_path / ".talos").mkdir()
    (tmp_path / ".talos" / "config").write_text("context: x\n")
    assert find_config(None) == str(tmp_path / ".talos" / "config")


def test_contexts_endpoints_nodes_and_pem(tmp_path: Path, pki: Pki) -> None:
    path = _config(tmp_path, pki, endpoints=["10.5.0.2", "10.5.0.3:50001"], nodes=["10.5.0.2", "w1"],
                   extra="    other:\n        endpoints: []\n        target: 10.9.9.9\n")
    ctx = load_context(str(path))
    assert ctx.name == "test"
    assert ctx.endpoints == ("10.5.0.2", "10.5.0.3:50001")
    assert ctx.nodes == ("10.5.0.2", "w1")
    assert ctx.ca.startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"ED25519 PRIVATE KEY" in ctx.key  # as Talos writes it
    other = load_context(str(path), "other")
    assert other.endpoints == ("10.9.9.9",)  # the deprecated `target` folds into endpoints
    with pytest.raises(UsageError, match="no context 'nope'") as info:
        load_context(str(path), "nope")
    assert "other" in info.value.hint and "test" in info.value.hint


def test_ed25519_key_header_rewritten_for_openssl(tmp_path: Path, pki: Pki) -> None:
    ctx = load_context(str(_config(tmp_path, pki, endpoints=["e"])))
    assert b"-----BEGIN PRIVATE KEY-----" in openssl_key(ctx.key)
    assert b"ED25519" not in openssl_key(ctx.key)
    context = client_ssl_context(ctx)  # loads: OpenSSL accepted the rewritten key
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_insecure_needs_no_certificate() -> None:
    context = client_ssl_context(None, insecure=True)
    assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname


def test_omni_context_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "omni"
    path.write_text(
        "context: omni-prod\ncontexts:\n    omni-prod:\n        endpoints:\n            - https://acme.omni.siderolabs.io\n"
        "        auth:\n            siderov1:\n                identity: ops@acme.example\n        cluster: prod\n"
    )
    ctx = load_context(str(path))
    assert ctx.auth == "siderov1"
    with pytest.raises(SourceError, match="Omni") as info:
        require_client_certificate(ctx)
    assert "--source talosctl" in info.value.hint
    with pytest.raises(SourceError, match="Omni"):
        client_ssl_context(ctx)


def test_context_without_client_certificate(tmp_path: Path, pki: Pki) -> None:
    path = write_talosconfig(tmp_path / "tc", ca=pki.ca, client=None, endpoints=["e"])
    with pytest.raises(SourceError, match="no client certificate") as info:
        client_ssl_context(load_context(str(path)))
    assert "--insecure" in info.value.hint


def test_secrets_never_in_messages(tmp_path: Path, pki: Pki) -> None:
    client = pki.issue(server=False, org="os:admin")
    secret = base64.b64encode(client.key).decode()
    broken = secret[:-8] + "!!!!!!!!"
    path = tmp_path / "tc"
    path.write_text(f"context: c\ncontexts:\n    c:\n        endpoints: [e]\n        ca: {base64.b64encode(pki.ca).decode()}\n"
                    f"        crt: {base64.b64encode(client.crt).decode()}\n        key: {broken}\n")
    with pytest.raises(SourceError) as info:
        load_context(str(path))
    assert "`key` is not valid base64" in info.value.message
    assert broken[20:60] not in str(info.value) + info.value.hint
    # a key that does not belong to the certificate: OpenSSL's complaint, never the key
    other = pki.issue(server=False, org="os:admin")
    path = write_talosconfig(tmp_path / "tc2", ca=pki.ca, client=type(client)(client.crt, other.key), endpoints=["e"])
    ctx = load_context(str(path))
    assert "key=" not in repr(ctx) and "crt=" not in repr(ctx)  # repr leaves the PEM fields out
    assert base64.b64encode(other.key).decode()[:40] not in repr(ctx)
    with pytest.raises(SourceError, match="cannot load the client certificate") as info:
        client_ssl_context(ctx)
    body = other.key.decode().splitlines()[1]
    assert body not in info.value.message + info.value.hint


@pytest.mark.parametrize(("endpoint", "expected"), [
    ("10.5.0.2", ("10.5.0.2", DEFAULT_PORT)),
    ("10.5.0.2:6443", ("10.5.0.2", 6443)),
    ("cp.example.com", ("cp.example.com", DEFAULT_PORT)),
    ("https://cp.example.com:443/", ("cp.example.com", 443)),
    ("[fd00::1]:50001", ("fd00::1", 50001)),
    ("[fd00::1]", ("fd00::1", DEFAULT_PORT)),
    ("fd00::1", ("fd00::1", DEFAULT_PORT)),
])
def test_split_endpoint(endpoint: str, expected: tuple[str, int]) -> None:
    assert split_endpoint(endpoint) == expected


@pytest.mark.parametrize("endpoint", ["10.0.0.1:http", "10.0.0.1:70000", "[fd00::1", ""])
def test_split_endpoint_rejects(endpoint: str) -> None:
    with pytest.raises(UsageError):
        split_endpoint(endpoint)


def test_certificate_info(pki: Pki) -> None:
    info = certificate_info(pki.issue(server=False, org="os:reader").crt)
    assert info is not None and info.organizations == ("os:reader",) and not info.expired()
    expired = certificate_info(pki.issue(server=False, org="os:admin", expired=True).crt)
    assert expired is not None and expired.expired()
    assert certificate_info(b"not a certificate") is None


def test_malformed_file(tmp_path: Path) -> None:
    path = tmp_path / "tc"
    path.write_text("contexts: [1, 2\n")
    with pytest.raises(SourceError, match="talosconfig"):
        parse_talosconfig(path.read_text(), str(path))
    with pytest.raises(SourceError, match="no contexts"):
        parse_talosconfig("context: a\n", "f")


def test_talosctl_source_defaults_to_the_context_nodes(tmp_path: Path, pki: Pki) -> None:
    from collections.abc import Sequence

    from talosbond.sources import Connection
    from talosbond.sources.talosctl import Completed, TalosctlSource

    seen: list[str] = []

    def runner(cmd: Sequence[str], timeout: float) -> Completed:
        seen.append(cmd[list(cmd).index("-n") + 1])
        return Completed(1, "", "error: not a node")

    path = _config(tmp_path, pki, endpoints=["e"], nodes=["10.5.0.2", "10.5.0.3"])
    results = TalosctlSource(runner).fetch(Connection(talosconfig=str(path), source="talosctl"))
    assert [r.node for r in results] == ["10.5.0.2", "10.5.0.3"]
    assert sorted(set(seen)) == ["10.5.0.2", "10.5.0.3"]
    empty = _config(tmp_path, pki, endpoints=["e"])
    with pytest.raises(UsageError, match="no nodes given"):
        TalosctlSource(runner).fetch(Connection(talosconfig=str(empty), source="talosctl"))
