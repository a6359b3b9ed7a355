"""talosbond as a library: the pipeline stages glued together, for the CLI, the wizard and scripts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from talosbond.errors import ParseError
from talosbond.model import Node, NodeError, RawNode
from talosbond.parsing import build_node
from talosbond.sources import Connection, fetch_nodes, resolve_source


@dataclass(frozen=True)
class Discovery:
    """The nodes that could be read, the ones that could not, and which source was used."""

    nodes: tuple[Node, ...]
    errors: tuple[NodeError, ...]
    source: str
    raws: tuple[RawNode, ...] = ()

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes) + tuple(e.node for e in self.errors)


def parse_raws(raws: list[RawNode | NodeError]) -> tuple[list[Node], list[NodeError], list[RawNode]]:
    """Parse each fetched node; a node whose text does not parse becomes a `NodeError`."""
    nodes: list[Node] = []
    errors: list[NodeError] = []
    good: list[RawNode] = []
    for raw in raws:
        if isinstance(raw, NodeError):
            errors.append(raw)
            continue
        try:
            nodes.append(build_node(raw))
            good.append(raw)
        except ParseError as exc:
            errors.append(NodeError(raw.node, exc.message, exc.hint))
    return nodes, errors, good


def discover(conn: Connection, progress: Callable[[str], None] | None = None) -> Discovery:
    """Fetch and parse every requested node; `progress` is called with each node's name when it is done."""
    source = resolve_source(conn)
    raws = fetch_nodes(conn, progress)
    nodes, errors, good = parse_raws(raws)
    return Discovery(tuple(nodes), tuple(errors), source, tuple(good))
