"""talosbond's own schemas per version, and `schema pull` against a local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli import run

from talosbond.validate import SchemaError, validate_documents

LEGACY = {"machine": {"network": {"interfaces": [{"interface": "bond0", "bond": {
    "deviceSelectors": [{"permanentAddr": "10:e7:c6:16:*", "driver": "e1000e", "physical": True}],
    "mode": "active-backup", "miimon": 100}}]}}}


def test_permanent_addr_is_refused_before_1_9() -> None:
    validate_documents([LEGACY], (1, 9), "p")
    with pytest.raises(SchemaError, match="permanentAddr"):
        validate_documents([LEGACY], (1, 8), "p")


def test_unknown_keys_and_bad_enums_are_refused() -> None:
    bad = json.loads(json.dumps(LEGACY))
    bad["machine"]["network"]["interfaces"][0]["bond"]["mode"] = "lacp"
    with pytest.raises(SchemaError, match="mode"):
        validate_documents([bad], (1, 11), "p")
    bond = {"apiVersion": "v1alpha1", "kind": "BondConfig", "name": "bond0", "links": ["a"], "bondMode": "802.3ad",
            "mode": "802.3ad"}
    with pytest.raises(SchemaError, match="mode"):
        validate_documents([bond], (1, 12), "p")


def test_multidoc_kinds_need_1_12() -> None:
    vlan = {"apiVersion": "v1alpha1", "kind": "VLANConfig", "name": "bond0.87", "vlanID": 87, "parent": "bond0"}
    validate_documents([vlan], (1, 12), "p")
    with pytest.raises(SchemaError, match=r"1\.12"):
        validate_documents([vlan], (1, 11), "p")
    with pytest.raises(SchemaError, match="vlanID"):
        validate_documents([{**vlan, "vlanID": 5000}], (1, 12), "p")


OFFICIAL = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "definitions": {
        "network.VLANConfigV1Alpha1": {
            "type": "object",
            "properties": {"kind": {"enum": ["VLANConfig"]}, "vlanID": {"type": "integer", "maximum": 100}},
        },
    },
}


@pytest.fixture
def schema_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/v1.12.0/config.schema.json":
                body = json.dumps(OFFICIAL).encode()
                self.send_response(200)
            else:
                body = b"not found"
                self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("TALOSBOND_SCHEMA_URL", base + "/v{major}.{minor}.0/config.schema.json")
    yield base
    server.shutdown()


def test_pull_caches_the_schema_and_validation_uses_it(schema_server: str, tmp_path: Path) -> None:
    result = run("schema", "pull", "--talos-version", "1.12")
    assert result.code == 0, result.err
    cached = tmp_path / "cache" / "talosbond" / "talos-config-schema-v1.12.json"
    assert json.loads(cached.read_text()) == OFFICIAL
    vlan = {"apiVersion": "v1alpha1", "kind": "VLANConfig", "name": "bond0.87", "vlanID": 87, "parent": "bond0"}
    validate_documents([vlan], (1, 12), "p")
    with pytest.raises(SchemaError, match="Talos's schema"):
        validate_documents([{**vlan, "vlanID": 200}], (1, 12), "p")  # the fake official schema caps it at 100


def test_pull_of_a_missing_release_is_exit_2(schema_server: str) -> None:
    result = run("schema", "pull", "--talos-version", "1.99")
    assert result.code == 2 and "HTTP 404" in result.err
