"""Pure parsers: raw text from a source -> typed model records. Every failure is a `ParseError`."""

from __future__ import annotations

from talosbond.errors import ParseError
from talosbond.model import Node, RawNode
from talosbond.parsing.links import parse_links
from talosbond.parsing.netdev import parse_netdev
from talosbond.parsing.resources import parse_addresses, parse_routes

__all__ = ["build_node", "parse_addresses", "parse_links", "parse_netdev", "parse_routes"]


def build_node(raw: RawNode) -> Node:
    """Turn one node's raw texts into a `Node`; raises `ParseError` naming the failing file."""
    if raw.parsed_links is not None:
        links = list(raw.parsed_links)
    else:
        per_node = parse_links(raw.links, raw.origin("links"))
        if len(per_node) > 1:
            raise ParseError(
                raw.origin("links"), None,
                f"expected one node's links, found nodes {', '.join(sorted(per_node))}",
            )
        links = next(iter(per_node.values()))
    counters = parse_netdev(raw.netdev, raw.origin("netdev")) if raw.netdev is not None else {}
    if raw.parsed_addresses is not None:
        addresses = list(raw.parsed_addresses)
    else:
        addresses = parse_addresses(raw.addresses, raw.origin("addresses")) if raw.addresses else []
    if raw.parsed_routes is not None:
        routes = list(raw.parsed_routes)
    else:
        routes = parse_routes(raw.routes, raw.origin("routes")) if raw.routes else []
    return Node(
        name=raw.node,
        links=tuple(links),
        counters=counters,
        talos_version=raw.version,
        addresses=tuple(addresses),
        routes=tuple(routes),
        bonding=dict(raw.bonding),
        machineconfig=raw.machineconfig or "",
    )
