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


# Parsing is pure CPU: from this many nodes on, the nodes are parsed in one process per core. A 1000-node
# capture is ~30 MB of YAML; below a few hundred nodes the processes' start-up and the pickling of the
# parsed nodes cost more than they save. Nodes read through the API carry protobuf resources instead of
# YAML: decoding them here is several times cheaper than pickling them to a worker and the records back.
PARALLEL_MIN_NODES = 200


def _parse_one(raw: RawNode) -> Node | NodeError:
    try:
        return build_node(raw)
    except ParseError as exc:
        return NodeError(raw.node, exc.message, exc.hint)


# The nodes being parsed by forked workers: they inherit this list with the parent's memory and are sent
# only indexes into it, so the texts (30 MB for 1000 nodes) are never pickled through a pipe.
_HANDED: list[RawNode] = []


def _parse_handed(index: int) -> Node | NodeError:
    return _parse_one(_HANDED[index])


def _parse_all(raws: list[RawNode], done: dict[int, Node | NodeError]) -> list[Node | NodeError]:
    """Each node parsed: taken from `done` (by `id()` of the raw node) where it was parsed on arrival."""
    import os

    global _HANDED
    cores = os.cpu_count() or 1
    if len(raws) < PARALLEL_MIN_NODES or cores < 2 or any(raw.resources for raw in raws):
        return [done.get(id(raw)) or _parse_one(raw) for raw in raws]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        context = multiprocessing.get_context("fork")  # the parent's imports and data are inherited
    except ValueError:
        return [_parse_one(raw) for raw in raws]
    _HANDED = raws
    try:
        with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
            return list(pool.map(_parse_handed, range(len(raws)), chunksize=max(1, len(raws) // (cores * 4))))
    finally:
        _HANDED = []


def parse_raws(raws: list[RawNode | NodeError], done: dict[int, Node | NodeError] | None = None,
               ) -> tuple[list[Node], list[NodeError], list[RawNode]]:
    """Parse each fetched node; a node whose text does not parse becomes a `NodeError`. `done` holds the
    nodes already parsed, by `id()` of their raw node."""
    nodes: list[Node] = []
    errors: list[NodeError] = []
    good: list[RawNode] = []
    fetched = [raw for raw in raws if not isinstance(raw, NodeError)]
    errors.extend(raw for raw in raws if isinstance(raw, NodeError))
    for raw, parsed in zip(fetched, _parse_all(fetched, done or {}), strict=True):
        if isinstance(parsed, NodeError):
            errors.append(parsed)
        else:
            nodes.append(parsed)
            good.append(raw)
    return nodes, errors, good


def discover(conn: Connection, progress: Callable[[str], None] | None = None) -> Discovery:
    """Fetch and parse every requested node; `progress` is called with each node's name when it is done."""
    source = resolve_source(conn)
    done: dict[int, Node | NodeError] = {}

    def arrived(raw: RawNode) -> None:
        # A node read through the API is decoded from its protobuf resources while the fetch waits on the
        # others' replies: the endpoint, not this process, is what holds a fleet's fetch back.
        if raw.resources:
            done[id(raw)] = _parse_one(raw)

    raws = fetch_nodes(conn, progress, arrived)
    nodes, errors, good = parse_raws(raws, done)
    return Discovery(tuple(nodes), tuple(errors), source, tuple(good))
