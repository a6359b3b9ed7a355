"""Other COSI resources talosbond reads: `get addresses` and `get routes` (to find the management link)."""

from __future__ import annotations

from typing import Any

from talosbond.errors import ParseError
from talosbond.model import Address, Route
from talosbond.parsing.yamlish import load_stream


def _resources(text: str, source: str, rtype: str) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for doc in load_stream(text, source):
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("spec"), dict):
            raise ParseError(source, doc.line, f"expected a {rtype} resource with a `spec:` mapping")
        meta = data.get("metadata")
        if isinstance(meta, dict) and meta.get("type") not in (None, rtype):
            raise ParseError(source, doc.line, f"expected a {rtype} resource, got {meta.get('type')!r}")
        out.append((doc.line, data["spec"]))
    return out


def parse_addresses(text: str, source: str = "addresses.yaml") -> list[Address]:
    """`talosctl get addresses -o yaml` -> addresses with the link that holds them."""
    out = []
    for line, spec in _resources(text, source, "AddressStatuses.net.talos.dev"):
        link, address = spec.get("linkName"), spec.get("address")
        if not isinstance(link, str) or not isinstance(address, str) or "/" not in address:
            raise ParseError(source, line, "expected `address: <CIDR>` and `linkName: <link>`")
        out.append(Address(link=link, address=address))
    return out


def parse_routes(text: str, source: str = "routes.yaml") -> list[Route]:
    """`talosctl get routes -o yaml` -> routes of the main table with their outgoing link."""
    out = []
    for line, spec in _resources(text, source, "RouteStatuses.net.talos.dev"):
        link = spec.get("outLinkName") or ""
        if not isinstance(link, str):
            raise ParseError(source, line, "expected `outLinkName: <link>`")
        if spec.get("table", "main") != "main":
            continue
        out.append(Route(link=link, destination=str(spec.get("dst") or ""), gateway=str(spec.get("gateway") or ""),
                         protocol=str(spec.get("protocol") or "")))
    return out
