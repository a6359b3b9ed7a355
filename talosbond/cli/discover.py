"""`talosbond discover`: the cards of one node or a fleet, ranked."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from talosbond.cli.common import IntervalOpt, app, command, fetch
from talosbond.errors import UsageError

if TYPE_CHECKING:
    from talosbond.cli.common import Runtime
    from talosbond.discovery import Discovery
    from talosbond.model import RawNode
    from talosbond.ranking import Ranking
    from talosbond.sources import Connection


SHAPES_MIN_NODES = 5  # up to this many nodes, one table each still reads well


class OutputFormat(StrEnum):
    table = "table"
    yaml = "yaml"
    json = "json"


@app.command()
@command()
def discover(
    conn: Connection,
    runtime: Runtime,
    output: Annotated[
        OutputFormat, typer.Option("-o", "--output", help="table (stderr), yaml or json (stdout).")
    ] = OutputFormat.table,
    save: Annotated[
        str | None, typer.Option("--save", metavar="DIR", help="Also write what was read as a capture directory "
                                 "(with each bond's /proc/net/bonding and the controller-runtime log).")
    ] = None,
    interval: IntervalOpt = 0.0,
    per_node: Annotated[
        bool, typer.Option("--per-node", help="A fleet: every card of every node, not one table per hardware shape.")
    ] = False,
) -> int:
    """Show the network cards of one node or a fleet, busiest first, with the card carrying management
    traffic and the groups that can bond.

    \b
    Examples:
      talosbond discover -n 10.13.17.19
      talosbond discover --from fixtures/links/igb-4port-two-cabled -o json
    """
    from talosbond.ranking import rank_node

    if runtime.debug:
        from talosbond.sources import resolve_source

        sys.stderr.write(f"debug: source {resolve_source(conn)}\n")
    if interval < 0 or (interval and save is None):
        raise UsageError("--interval takes a number of seconds and goes with --save DIR",
                         "talosbond discover -n NODE --save DIR --interval 10")
    # discover itself needs neither the bond files, the machine config nor the log; a capture that verify can
    # read later keeps them all
    found = fetch(replace(conn, want_bonding=save is not None, want_config=save is not None,
                          want_log=save is not None))
    if save is not None:
        _save(conn, runtime, found, save, interval)
    _show(found, [rank_node(node) for node in found.nodes], output, per_node)
    if not found.nodes and not found.errors:
        raise UsageError("no nodes found")
    return 2 if found.errors else 0


def _save(conn: Connection, runtime: Runtime, found: Discovery, folder: str, interval: float) -> None:
    """--save DIR: what was read, as a capture; with --interval, the bonds read once more some seconds later."""
    from talosbond.sources.capture import write_capture

    raws = list(found.raws)
    if interval:
        sys.stderr.write(f"reading the bonds again in {interval:g}s\n")
        runtime.clock.sleep(interval)
        again = fetch(replace(conn, want_bonding=True, want_log=False, want_config=False))
        raws = with_later_reads(raws, again.raws)
    write_capture(folder, raws)


def _show(found: Discovery, rankings: list[Ranking], output: OutputFormat, per_node: bool) -> None:
    """A fleet as one table per hardware shape, a few nodes as a table each, or the JSON/YAML document."""
    from talosbond.features import NEWEST
    from talosbond.selectors import suggest_for_cards

    if output is OutputFormat.table and not per_node and len(rankings) > SHAPES_MIN_NODES:
        from talosbond.output import print_shapes
        from talosbond.shapes import group_shapes, shape_selectors

        shapes = group_shapes(rankings)
        print_shapes(shapes, found.errors, shape_selectors(shapes))
        return
    selectors = suggest_for_cards(found.nodes, None, unknown=NEWEST)
    if output is OutputFormat.table:
        from talosbond.output import print_discovery

        print_discovery(rankings, found.errors, selectors)
        return
    from talosbond.output import discover_document, print_node_errors, to_json, to_yaml
    from talosbond.shapes import group_shapes, shape_selectors, shapes_document

    document = discover_document(rankings, found.errors, found.source, selectors)
    shapes = group_shapes(rankings)
    document["shapes"] = shapes_document(shapes, shape_selectors(shapes))
    sys.stdout.write(to_json(document) if output is OutputFormat.json else to_yaml(document))
    print_node_errors(found.errors)


def with_later_reads(first: Sequence[RawNode], later: Sequence[RawNode]) -> list[RawNode]:
    """Each node of the first read with the bonding files of the later read as `bonding_later`."""
    again = {raw.node: raw.bonding for raw in later}
    return [replace(raw, bonding_later=dict(again.get(raw.node, {}))) for raw in first]
