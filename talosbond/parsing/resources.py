"""Other COSI resources talosbond reads: `get addresses` and `get routes` (to find the management link)."""

from __future__ import annotations

from typing import Any

from talosbond.errors import ParseError
from talosbond.model import Address, Route
from talosbond.parsing.yamlish import load_stream


def _word(value: Any) -> str:
    """A text field; absent and empty are the same (Talos leaves out or prints `""`)."""
    return "" if value is None else str(value)


def _count(value: Any) -> int:
    """A number field (the fast YAML reader gives text); absent means 0, as Talos leaves zeros out."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else 0


def _resources(text: str, source: str, rtype: str, skip: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for doc in load_stream(text, source, skip):
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
        out.append(Address(
            link=link, address=address, link_index=_count(spec.get("linkIndex")), family=_word(spec.get("family")),
            scope=_word(spec.get("scope")), flags=_word(spec.get("flags")), priority=_count(spec.get("priority")),
            local=_word(spec.get("local")), broadcast=_word(spec.get("broadcast")),
            anycast=_word(spec.get("anycast")), multicast=_word(spec.get("multicast")),
        ))
    return out


def parse_routes(text: str, source: str = "routes.yaml") -> list[Route]:
    """`talosctl get routes -o yaml` -> routes of the main table with their outgoing link."""
    out = []
    # talosctl prints a route's table as `    table: local` (spec level): those are never read, so not parsed
    for line, spec in _resources(text, source, "RouteStatuses.net.talos.dev", skip="    table: local"):
        link = spec.get("outLinkName") or ""
        if not isinstance(link, str):
            raise ParseError(source, line, "expected `outLinkName: <link>`")
        if spec.get("table", "main") != "main":
            continue
        hops = tuple((_word(h.get("gateway")), _word(h.get("outLinkName")), _count(h.get("weight")))
                     for h in spec.get("nextHops") or [] if isinstance(h, dict))
        out.append(Route(
            link=link, destination=_word(spec.get("dst")), gateway=_word(spec.get("gateway")),
            family=_word(spec.get("family")), source=_word(spec.get("src")),
            out_link_index=_count(spec.get("outLinkIndex")), table="main", priority=_count(spec.get("priority")),
            scope=_word(spec.get("scope")), type=_word(spec.get("type")), flags=_word(spec.get("flags")),
            protocol=_word(spec.get("protocol")), mtu=_count(spec.get("mtu")), next_hops=hops,
        ))
    return out
