"""The `talosbond` command line (typer). Turns options into pipeline calls and errors into exit codes.

Exit codes: 0 done and clean; 1 problems found; 2 usage, input or source error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from talosbond import __version__
from talosbond.errors import TalosbondError, UsageError

if TYPE_CHECKING:  # the pipeline is imported inside the commands, to keep start-up light
    from talosbond.api import Discovery
    from talosbond.model import Node, NodeError, Problem
    from talosbond.ranking import Ranking
    from talosbond.sources import Connection

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
    typer.Option(
        "-n", "--nodes", metavar="NODE", help="Node(s) to query; repeat or give a comma list.", show_default=False
    ),
]
EndpointsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "-e", "--endpoints", metavar="ENDPOINT", help="Talos API endpoint(s) to go through.", show_default=False
    ),
]
TalosconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--talosconfig",
        envvar="TALOSCONFIG",
        metavar="FILE",
        help="talosconfig file (default $TALOSCONFIG, then ~/.talos/config).",
    ),
]
ContextOpt = Annotated[str | None, typer.Option("--context", metavar="NAME", help="talosconfig context to use.")]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", "-i", help="Maintenance mode: no client certificate, server not verified.")
]
SourceOpt = Annotated[
    SourceKind,
    typer.Option("--source", help="Where node data comes from: talosctl, the Talos API, or a capture directory."),
]
FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="DIR",
        help="Read a capture directory (one node, or a folder of node folders) instead of nodes.",
    ),
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
) -> Connection:
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
    save: Annotated[
        str | None, typer.Option("--save", metavar="DIR", help="Also write what was read as a capture directory.")
    ] = None,
) -> None:
    """Show the network cards of one node or a fleet, busiest first, with the card carrying management
    traffic and the groups that can bond.

    \b
    Examples:
      talosbond discover -n 10.13.17.19
      talosbond discover --from fixtures/links/igb-4port-two-cabled -o json
    """

    def body() -> int:
        from talosbond.api import discover as run_discover
        from talosbond.ranking import rank_node

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
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


def _suggested_selectors(nodes: tuple[Node, ...]) -> dict[tuple[str, str], str]:
    """Per physical card, the selector that picks it alone on its node's Talos version."""
    from talosbond.selectors import suggest_for_cards

    return suggest_for_cards(nodes)


def _discover_or_fail(conn: Connection) -> tuple[Discovery, list[Ranking]]:
    """Discover; print failed nodes; refuse to go on without every node (a patch must hold for all)."""
    from talosbond.api import discover as run_discover
    from talosbond.output import print_node_errors
    from talosbond.ranking import rank_node

    found = run_discover(conn)
    if found.errors:
        print_node_errors(found.errors)
        raise UsageError(
            f"{len(found.errors)} of {len(found.errors) + len(found.nodes)} node(s) could not be read",
            "a patch must be proven on every target node; fix or leave out the failing ones",
        )
    if not found.nodes:
        raise UsageError("no nodes to work on", "pass -n NODE or --from DIR")
    return found, [rank_node(node) for node in found.nodes]


@app.command()
def patch(
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    insecure: InsecureOpt = False,
    source: SourceOpt = SourceKind.auto,
    from_dir: FromOpt = None,
    ports: Annotated[
        str | None,
        typer.Option(
            "--ports",
            metavar="A,B",
            help="Members: link names or MACs, comma-separated. Default: the best group of cards that can bond.",
        ),
    ] = None,
    bond: Annotated[str, typer.Option("--bond", metavar="NAME", help="Bond link name.")] = "bond0",
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            metavar="MODE",
            help="balance-rr, active-backup, balance-xor, broadcast, 802.3ad, balance-tlb or balance-alb.",
        ),
    ] = "active-backup",
    miimon: Annotated[
        int | None, typer.Option("--miimon", metavar="MS", help="MII link polling, ms (default 100).")
    ] = None,
    updelay: Annotated[int | None, typer.Option("--updelay", metavar="MS", help="ms, a multiple of miimon.")] = None,
    downdelay: Annotated[
        int | None, typer.Option("--downdelay", metavar="MS", help="ms, a multiple of miimon.")
    ] = None,
    lacp_rate: Annotated[str | None, typer.Option("--lacp-rate", metavar="RATE", help="802.3ad: slow or fast.")] = None,
    xmit_hash_policy: Annotated[
        str | None, typer.Option("--xmit-hash-policy", metavar="POLICY", help="layer2, layer3+4, ...")
    ] = None,
    primary: Annotated[
        str | None, typer.Option("--primary", metavar="LINK", help="Preferred member (active-backup, tlb, alb).")
    ] = None,
    vlan: Annotated[
        list[str] | None, typer.Option("--vlan", metavar="ID[:CIDR]", help="ID[:CIDR] or ID:dhcp; repeatable.")
    ] = None,
    address: Annotated[
        list[str] | None, typer.Option("--address", metavar="CIDR", help="Static CIDR on the bond; repeatable.")
    ] = None,
    dhcp: Annotated[bool, typer.Option("--dhcp", help="Run DHCP on the bond.")] = False,
    gateway: Annotated[
        str | None, typer.Option("--gateway", metavar="IP", help="Default gateway via the bond.")
    ] = None,
    mtu: Annotated[int | None, typer.Option("--mtu", metavar="BYTES", help="MTU of the bond (and its VLANs).")] = None,
    talos_version: Annotated[
        str | None,
        typer.Option("--talos-version", metavar="X.Y", help="Target Talos, e.g. 1.11 (default: the node's)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="auto, v1alpha1 or multidoc.")] = "auto",
    out: Annotated[
        str | None, typer.Option("-o", "--output", metavar="FILE", help="Write the patch to FILE (atomically).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Print the patch even if lint finds errors.")] = False,
) -> None:
    """Write a bond patch for `talosctl patch mc`, with selectors proven on every node before and after the
    bond forms.

    \b
    Examples:
      talosbond patch -n 10.13.17.19 --mode active-backup --vlan 87:10.13.87.19/24 --dhcp > bond.yaml
      talosbond patch --from fixtures/links/mlx5-25g-beside-tg3 --mode 802.3ad --dhcp
    """

    def body() -> int:
        from talosbond.output import print_notes, print_problems
        from talosbond.plan import make_plan
        from talosbond.render import render_patch

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        found, rankings = _discover_or_fail(conn)
        plan = make_plan(
            rankings,
            ports=_split([ports] if ports else None),
            bond=bond,
            mode=mode,
            miimon=miimon,
            updelay=updelay,
            downdelay=downdelay,
            lacp_rate=lacp_rate,
            xmit_hash_policy=xmit_hash_policy,
            primary=primary,
            vlans=vlan or [],
            addresses=address or [],
            dhcp=dhcp,
            gateway=gateway,
            mtu=mtu,
            talos_version=talos_version,
            fmt=fmt,
        )
        nodes_found = found.nodes
        rendered = render_patch(plan, nodes_found)
        print_notes(
            [
                *plan.notes,
                f"selectors: {rendered.strategy}, proven on {len(nodes_found)} node(s), "
                "before and after the bond forms",
            ]
        )
        problems = _lint_patch(rendered.text, nodes_found, plan.version)
        print_problems(problems)
        errors = [p for p in problems if p.level == "error"]
        if errors and not force:
            from talosbond.output import error_line

            error_line(f"patch refused: {len(errors)} lint error(s)", "fix them, or pass --force to print it anyway")
            return 1
        if out:
            from talosbond.sources.capture import write_text_atomic

            write_text_atomic(out, rendered.text)
            print_notes([f"wrote {out}"])
        else:
            sys.stdout.write(rendered.text)
        return 0

    raise typer.Exit(guarded(body))


def _lint_patch(text: str, nodes: tuple[Node, ...], version: tuple[int, int]) -> list[Problem]:
    from talosbond.lint import lint_text

    return lint_text(text, "<patch>", nodes, version)


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None


def _optional_nodes(conn: Connection) -> tuple[tuple[Node, ...], tuple[NodeError, ...]]:
    """Nodes for commands where links are optional: (nodes, errors); nothing when no -n/--from was given."""
    from talosbond.api import discover as run_discover

    if not conn.nodes and conn.from_dir is None:
        return (), ()
    found = run_discover(conn)
    return found.nodes, found.errors


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


@app.command()
def lint(
    files: Annotated[list[str], typer.Argument(help="Machine configs or patches (legacy or multi-document).")],
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    insecure: InsecureOpt = False,
    source: SourceOpt = SourceKind.auto,
    from_dir: FromOpt = None,
    talos_version: Annotated[
        str | None, typer.Option("--talos-version", metavar="X.Y", help="Target Talos, e.g. 1.11.")
    ] = None,
    output: Annotated[TextOrJson, typer.Option("-o", "--output", help="text or json (stdout).")] = TextOrJson.text,
) -> None:
    """Find the pitfalls in bond configs: selectors that catch the bond's own VLAN, aliases that match
    several cards, options Talos refuses, and more (see `talosbond rules`). With -n or --from the selectors
    are simulated on the node's links, before and after the bond forms.

    Exit code 1 when an error-level problem is found.
    """

    def body() -> int:
        from talosbond.lint import lint_text, problems_json
        from talosbond.output import print_node_errors, print_problems_to, to_json
        from talosbond.plan import parse_version

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        found, failed = _optional_nodes(conn)
        version = parse_version(talos_version) if talos_version else None
        if version is None and found:
            from talosbond.plan import target_version

            version, _ = target_version(None, found)
        texts = [(path, _read_file(path)) for path in files]
        problems = []
        for path, text in texts:
            problems.extend(lint_text(text, path, found, version))
        if output is TextOrJson.json:
            sys.stdout.write(to_json(problems_json(problems)))
        else:
            print_problems_to(sys.stdout, problems)
            if not problems:
                sys.stderr.write(f"no problems in {len(files)} file(s)\n")
        print_node_errors(failed)
        if failed:
            return 2
        return 1 if any(p.level == "error" for p in problems) else 0

    raise typer.Exit(guarded(body))


@app.command()
def explain(
    file: Annotated[str, typer.Argument(help="A machine config or patch with a bond.")],
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    insecure: InsecureOpt = False,
    source: SourceOpt = SourceKind.auto,
    from_dir: FromOpt = None,
    talos_version: Annotated[
        str | None, typer.Option("--talos-version", metavar="X.Y", help="Target Talos, e.g. 1.11.")
    ] = None,
) -> None:
    """Show which link each selector (or alias) matches, before and after the bond forms, on each node.

    Exit code 1 when a bond would not get exactly physical members in both states.
    """

    def body() -> int:
        from talosbond.config import read_config
        from talosbond.output import print_explain, print_node_errors
        from talosbond.plan import parse_version, target_version
        from talosbond.simulate import prove

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        found, failed = _optional_nodes(conn)
        if not found and not failed:
            raise UsageError("explain needs links to match against", "pass -n NODE or --from DIR")
        view = read_config(_read_file(file), file)
        if not view.legacy_bonds and not view.bonds:
            raise UsageError(f"{file}: no bond in it (no machine.network.interfaces[].bond, no BondConfig)")
        version = parse_version(talos_version) if talos_version else target_version(None, found)[0]
        proofs = [p for node in found for p in prove(view, node, version)]
        print_explain(proofs)
        print_node_errors(failed)
        if failed:
            return 2
        return 1 if any(p.problems() for p in proofs) else 0

    raise typer.Exit(guarded(body))


@app.command()
def rules(code: Annotated[str | None, typer.Argument(help="A rule code (TB001) or name.")] = None) -> None:
    """List the lint rules, or show one with its failing and passing examples."""

    def body() -> int:
        from talosbond.lint import all_rules, find_rule

        if code is None:
            for rule in all_rules():
                summary = rule.doc.splitlines()[0] if rule.doc else ""
                sys.stdout.write(f"{rule.code}  {rule.level:<7}  {rule.name:<26} {summary}\n")
            return 0
        found = find_rule(code)
        if found is None:
            raise UsageError(f"no rule {code!r}", "`talosbond rules` lists them")
        needs = " (needs links: -n or --from)" if found.needs_links else ""
        sys.stdout.write(f"{found.code} {found.name} [{found.level}]{needs}\n\n{found.doc}\n")
        return 0

    raise typer.Exit(guarded(body))


@app.command()
def wizard(
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    insecure: InsecureOpt = False,
    source: SourceOpt = SourceKind.auto,
    from_dir: FromOpt = None,
) -> None:
    """Answer a few questions (cards, mode, VLANs, addressing) and get a proven patch saved to a file."""

    def body() -> int:
        from talosbond.wizard import run_wizard

        return run_wizard(connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir))

    raise typer.Exit(guarded(body))


schema_app = typer.Typer(help="Talos's own config schema, used beside talosbond's when cached.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("pull")
def schema_pull(
    talos_version: Annotated[str, typer.Option("--talos-version", metavar="X.Y", help="Talos release, e.g. 1.12.")],
) -> None:
    """Fetch Talos's config JSON schema for a release into the user cache; `patch` then validates
    multi-document output against it as well."""

    def body() -> int:
        from talosbond.plan import parse_version
        from talosbond.sources.schema import pull_schema
        from talosbond.validate import official_schema_path

        version = parse_version(talos_version)
        path = official_schema_path(version)
        size = pull_schema(version, str(path))
        sys.stderr.write(f"saved Talos {version[0]}.{version[1]} schema ({size} bytes) to {path}\n")
        return 0

    raise typer.Exit(guarded(body))


def main() -> None:
    """Console-script entry point."""
    app()
