"""Pure parsers: what a source read -> typed model records. Every failure is a `ParseError`.

`build_node` is the parse stage: the one place a node's texts (or the API's protobuf resources) become a
`Node`, each read exactly once. Nothing downstream sees text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from talosbond.errors import ParseError
from talosbond.model import Address, BondStatus, Link, Node, RawNode, Route, TalosVersion
from talosbond.parsing.links import parse_links
from talosbond.parsing.netdev import parse_netdev
from talosbond.parsing.resources import parse_addresses, parse_routes
from talosbond.parsing.version import parse_version_text

if TYPE_CHECKING:  # parsed only when a node has them: `discover` reads neither (start-up, issue 9)
    from talosbond.config import ConfigView
    from talosbond.parsing.talos_log import ControllerLog

__all__ = ["build_node", "parse_addresses", "parse_links", "parse_netdev", "parse_routes"]


def _links(raw: RawNode) -> tuple[Link, ...]:
    if "links" in raw.resources:
        from talosbond.parsing.protobuf import links_from

        return links_from(raw.node, raw.resources["links"], raw.origin("links"))
    per_node = parse_links(raw.links, raw.origin("links"))
    if len(per_node) > 1:
        raise ParseError(
            raw.origin("links"), None, f"expected one node's links, found nodes {', '.join(sorted(per_node))}",
        )
    return tuple(next(iter(per_node.values())))


def _addresses(raw: RawNode) -> tuple[Address, ...]:
    if "addresses" in raw.resources:
        from talosbond.parsing.protobuf import addresses_from

        return addresses_from(raw.node, raw.resources["addresses"], raw.origin("addresses"))
    return tuple(parse_addresses(raw.addresses, raw.origin("addresses"))) if raw.addresses else ()


def _routes(raw: RawNode) -> tuple[Route, ...]:
    if "routes" in raw.resources:
        from talosbond.parsing.protobuf import routes_from

        return routes_from(raw.node, raw.resources["routes"], raw.origin("routes"))
    return tuple(parse_routes(raw.routes, raw.origin("routes"))) if raw.routes else ()


def _bonds(raw: RawNode, texts: dict[str, str], suffix: str = "") -> dict[str, BondStatus | ParseError]:
    """Each bond file parsed; one that does not parse is kept as its error, so the node's other bonds (and
    the node itself) are still reported."""
    out: dict[str, BondStatus | ParseError] = {}
    if texts:
        from talosbond.parsing.bonding import parse_bonding
    for bond, text in texts.items():
        try:
            out[bond] = parse_bonding(text, bond, raw.origin(f"bonding/{bond}{suffix}"))
        except ParseError as exc:
            out[bond] = exc
    return out


def _log(raw: RawNode) -> ControllerLog | ParseError | None:
    """The controller-runtime log; an empty one is a log without entries (verify says it traced nothing)."""
    origin = raw.origins.get("controller_log", "controller-runtime log")
    if raw.controller_log is None:
        return None
    from talosbond.parsing.talos_log import ControllerLog, parse_controller_log

    if not raw.controller_log.strip():
        return ControllerLog(origin, ())
    try:
        return parse_controller_log(raw.controller_log, origin)
    except ParseError as exc:
        return exc


def _config(raw: RawNode) -> tuple[ConfigView | None, ParseError | None]:
    if raw.machineconfig is None:
        return None, None
    from talosbond.config import read_config

    try:
        return read_config(raw.machineconfig, raw.origin("machineconfig")), None
    except ParseError as exc:
        return None, exc


def _version(raw: RawNode) -> TalosVersion | None:
    return parse_version_text(raw.version, raw.origin("version")) if raw.version.strip() else None


def build_node(raw: RawNode) -> Node:
    """Turn one node's raw texts into a `Node`; raises `ParseError` naming the failing file. A bond file or
    machine config that does not parse does not fail the node: the error is kept beside the others' data."""
    counters = parse_netdev(raw.netdev, raw.origin("netdev")) if raw.netdev is not None else {}
    config, config_error = _config(raw)
    return Node(
        name=raw.node,
        links=_links(raw),
        counters=counters,
        version=_version(raw),
        addresses=_addresses(raw),
        routes=_routes(raw),
        bonds=_bonds(raw, raw.bonding),
        config=config,
        config_error=config_error,
        bonds_later=_bonds(raw, raw.bonding_later, ".later"),
        log=_log(raw),
    )
