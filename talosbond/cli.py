"""The `talosbond` command line (typer). Turns options into pipeline calls and errors into exit codes.

Exit codes: 0 done and clean; 1 problems found; 2 usage, input or source error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, NoReturn, TypeVar

import typer

from talosbond import __version__
from talosbond.errors import TalosbondError, UsageError

app = typer.Typer(
    name="talosbond",
    help=(
        "Find the network cards of Talos Linux nodes, pick the ones to bond, and write a machine-config "
        "patch whose selectors match exactly those cards, before and after the bond forms."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

_state = {"debug": bool(os.environ.get("TALOSBOND_DEBUG"))}

T = TypeVar("T")


class SourceKind(StrEnum):
    auto = "auto"
    talosctl = "talosctl"
    api = "api"
    capture = "capture"


class OutputFormat(StrEnum):
    table = "table"
    yaml = "yaml"
    json = "json"


# The global options every node-facing command takes (DESIGN.md "CLI contract").
NodesOpt = Annotated[
    list[str] | None,
    typer.Option("-n", "--nodes", help="Node(s) to query; repeat or give a comma list.", show_default=False),
]
EndpointsOpt = Annotated[
    list[str] | None,
    typer.Option("-e", "--endpoints", help="Talos API endpoint(s) to go through.", show_default=False),
]
TalosconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--talosconfig", envvar="TALOSCONFIG", help="talosconfig file (default $TALOSCONFIG, then ~/.talos/config)."
    ),
]
ContextOpt = Annotated[str | None, typer.Option("--context", help="talosconfig context to use.")]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", "-i", help="Maintenance mode: no client certificate, server not verified.")
]
SourceOpt = Annotated[
    SourceKind,
    typer.Option("--source", help="Where node data comes from: talosctl, the Talos API, or a capture directory."),
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="Read a capture directory (one node, or a folder of node folders) instead of nodes."),
]


def _split(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(dict.fromkeys(out))


def connection(
    nodes: list[str] | None,
    endpoints: list[str] | None,
    talosconfig: str | None,
    context: str | None,
    insecure: bool,
    source: SourceKind,
    from_dir: str | None,
    *,
    want_bonding: bool = False,
) -> object:
    """Global options -> a `sources.Connection`."""
    from talosbond.sources import Connection

    return Connection(
        nodes=_split(nodes),
        endpoints=_split(endpoints),
        talosconfig=talosconfig,
        context=context,
        insecure=insecure,
        source=source.value,
        from_dir=from_dir,
        want_bonding=want_bonding,
    )


def fail(message: str, hint: str = "", code: int = 2) -> NoReturn:
    from talosbond.output import error_line

    error_line(message, hint)
    raise typer.Exit(code)


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body: talosbond errors become one red line and exit 2; --debug shows tracebacks."""
    try:
        return fn()
    except TalosbondError as exc:
        if _state["debug"]:
            raise
        fail(exc.message, exc.hint)
    except KeyboardInterrupt:
        fail("interrupted", code=130)


def _version_callback(value: bool) -> None:
    if value:
        sys.stdout.write(f"talosbond {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and which source is used.")] = False,
) -> None:
    """talosbond: NIC bonds for Talos Linux, with selectors that cannot go wrong."""
    if debug:
        _state["debug"] = True


@app.command()
def discover(
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    insecure: InsecureOpt = False,
    source: SourceOpt = SourceKind.auto,
    from_dir: FromOpt = None,
    output: Annotated[
        OutputFormat, typer.Option("-o", "--output", help="table (stderr), yaml or json (stdout).")
    ] = OutputFormat.table,
    save: Annotated[str | None, typer.Option("--save", help="Also write what was read as a capture directory.")] = None,
) -> None:
    """Show the network cards of one node or a fleet, busiest first, with the card carrying management
    traffic and the groups that can bond.

    Examples:
      talosbond discover -n 10.13.17.19
      talosbond discover --from fixtures/links/igb-4port-two-cabled -o json
    """

    def body() -> int:
        from talosbond.api import discover as run_discover
        from talosbond.ranking import rank_node
        from talosbond.sources import Connection

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        assert isinstance(conn, Connection)
        if _state["debug"]:
            from talosbond.sources import resolve_source

            sys.stderr.write(f"debug: source {resolve_source(conn)}\n")
        found = run_discover(conn)
        if save is not None:
            from talosbond.sources.capture import write_capture

            write_capture(save, list(found.raws))
        rankings = [rank_node(node) for node in found.nodes]
        selectors = _suggested_selectors(found.nodes)
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

    code = guarded(body)
    raise typer.Exit(code)


def _suggested_selectors(nodes: object) -> dict[tuple[str, str], str] | None:
    """Per physical card, the selector talosbond would write for it alone (filled in by `selectors`)."""
    return None


def main() -> None:
    """Console-script entry point."""
    app()
