"""`talosbond discover`: the cards of one node or a fleet, ranked."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from talosbond.cli.common import app, command, fetch
from talosbond.errors import UsageError

if TYPE_CHECKING:
    from talosbond.cli.common import Runtime
    from talosbond.sources import Connection


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
        str | None, typer.Option("--save", metavar="DIR", help="Also write what was read as a capture directory.")
    ] = None,
) -> int:
    """Show the network cards of one node or a fleet, busiest first, with the card carrying management
    traffic and the groups that can bond.

    \b
    Examples:
      talosbond discover -n 10.13.17.19
      talosbond discover --from fixtures/links/igb-4port-two-cabled -o json
    """
    from talosbond.ranking import rank_node
    from talosbond.selectors import suggest_for_cards

    if runtime.debug:
        from talosbond.sources import resolve_source

        sys.stderr.write(f"debug: source {resolve_source(conn)}\n")
    found = fetch(conn, raw_text=save is not None)  # --save writes the texts talosctl would print
    if save is not None:
        from talosbond.sources.capture import write_capture

        write_capture(save, list(found.raws))
    rankings = [rank_node(node) for node in found.nodes]
    selectors = suggest_for_cards(found.nodes)
    if output is OutputFormat.table:
        from talosbond.output import print_discovery

        print_discovery(rankings, found.errors, selectors)
    else:
        from talosbond.output import discover_document, print_node_errors, to_json, to_yaml

        document = discover_document(rankings, found.errors, found.source, selectors)
        sys.stdout.write(to_json(document) if output is OutputFormat.json else to_yaml(document))
        print_node_errors(found.errors)
    if not found.nodes and not found.errors:
        raise UsageError("no nodes found")
    return 2 if found.errors else 0
