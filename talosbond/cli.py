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

_state: dict[str, float | bool] = {"debug": bool(os.environ.get("TALOSBOND_DEBUG")), "call_timeout": 30.0}

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
TalosVersionOpt = Annotated[
    str | None, typer.Option("--talos-version", metavar="X.Y", help="Target Talos, e.g. 1.11 (default: the node's).")
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
        timeout=float(_state["call_timeout"]),
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
    call_timeout: Annotated[
        float,
        typer.Option(
            "--call-timeout",
            metavar="SECONDS",
            envvar="TALOSBOND_CALL_TIMEOUT",
            help="How long to wait for each talosctl call or Talos API request before giving up on a node.",
        ),
    ] = 30.0,
) -> None:
    """talosbond: NIC bonds for Talos Linux, with selectors that cannot go wrong."""
    if debug:
        _state["debug"] = True
    if call_timeout <= 0:
        fail("--call-timeout must be more than 0 seconds")
    _state["call_timeout"] = call_timeout


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
        from talosbond.ranking import rank_node

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        if _state["debug"]:
            from talosbond.sources import resolve_source

            sys.stderr.write(f"debug: source {resolve_source(conn)}\n")
        found = _fetch(conn, raw_text=save is not None)  # --save writes the texts talosctl would print
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


def _fetch(conn: Connection, raw_text: bool = False) -> Discovery:
    """Discover with a progress bar on stderr for fleets read through talosctl or the API (on a terminal).

    Unless `raw_text`, the API source need not re-render what it decoded as talosctl-style text.
    """
    from dataclasses import replace

    from talosbond.api import discover as run_discover
    from talosbond.output import fleet_progress

    with fleet_progress(None if conn.from_dir else len(conn.nodes)) as progress:
        return run_discover(replace(conn, raw_text=raw_text), progress)


def _discover_or_fail(conn: Connection) -> tuple[Discovery, list[Ranking]]:
    """Discover; print failed nodes; refuse to go on without every node (a patch must hold for all)."""
    from talosbond.output import print_node_errors
    from talosbond.ranking import rank_node

    found = _fetch(conn)
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
    if not conn.nodes and conn.from_dir is None:
        return (), ()
    found = _fetch(conn)
    return found.nodes, found.errors


def _target_version(explicit: str | None, found: tuple[Node, ...]) -> tuple[int, int] | None:
    """--talos-version, else the nodes' own version; None when neither is known (static lint only)."""
    from talosbond.plan import parse_version, target_version

    if explicit:
        return parse_version(explicit)
    return target_version(None, found)[0] if found else None


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
    talos_version: TalosVersionOpt = None,
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

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        found, failed = _optional_nodes(conn)
        version = _target_version(talos_version, found)
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
    talos_version: TalosVersionOpt = None,
) -> None:
    """Show which link each selector (or alias) matches, before and after the bond forms, on each node.

    Exit code 1 when a bond would not get exactly physical members in both states.
    """

    def body() -> int:
        from talosbond.config import read_config
        from talosbond.output import print_explain, print_node_errors
        from talosbond.plan import NEWEST
        from talosbond.simulate import prove

        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir)
        found, failed = _optional_nodes(conn)
        if not found and not failed:
            raise UsageError("explain needs links to match against", "pass -n NODE or --from DIR")
        view = read_config(_read_file(file), file)
        if not view.legacy_bonds and not view.bonds:
            raise UsageError(f"{file}: no bond in it (no machine.network.interfaces[].bond, no BondConfig)")
        version = _target_version(talos_version, found) or NEWEST
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
        from talosbond.verify import RULES as HEALTH_RULES
        from talosbond.verify import find_health_rule

        if code is None:
            sys.stdout.write("lint rules (talosbond lint, patch):\n")
            for rule in all_rules():
                summary = rule.doc.splitlines()[0] if rule.doc else ""
                sys.stdout.write(f"  {rule.code}  {rule.level:<7}  {rule.name:<26} {summary}\n")
            sys.stdout.write("\nbond health rules (talosbond verify, apply):\n")
            for health in sorted(HEALTH_RULES, key=lambda r: r.code):
                summary = health.doc.split(". ")[0].rstrip(".") + "." if health.doc else ""
                sys.stdout.write(f"  {health.code}  {health.level:<7}  {health.name:<26} {summary}\n")
            return 0
        found = find_rule(code)
        if found is not None:
            needs = " (needs links: -n or --from)" if found.needs_links else ""
            sys.stdout.write(f"{found.code} {found.name} [{found.level}]{needs}\n\n{found.doc}\n")
            return 0
        health_rule = find_health_rule(code)
        if health_rule is None:
            raise UsageError(f"no rule {code!r}", "`talosbond rules` lists them")
        sys.stdout.write(f"{health_rule.code} {health_rule.name} [{health_rule.level}]\n\n{health_rule.doc}\n")
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


# --- verify and apply (issue 5) ---

if TYPE_CHECKING:
    from talosbond.model import BondStatus
    from talosbond.verify import ConfigText


def _node_config(conn: Connection, node: Node, via: str, notes: list[str]) -> ConfigText | None:
    """The config `verify` compares a node's bonds with when no --against is given: the capture's
    machineconfig.yaml, or the live node's active machine config (talosctl source)."""
    from talosbond.errors import SourceError
    from talosbond.verify import ConfigText

    if node.machineconfig:
        return ConfigText(node.machineconfig, f"{node.name} machineconfig.yaml", "the node's machine config")
    if via == "talosctl" and not conn.insecure:
        from talosbond.sources.apply import read_machineconfig

        try:
            text, _ = read_machineconfig(conn, node.name)
        except SourceError as exc:
            notes.append(f"{node.name}: its machine config could not be read ({exc.message}); members and settings "
                         "are not compared with a config")
            return None
        return ConfigText(text, f"{node.name} machine config", "the node's machine config")
    notes.append(f"{node.name}: no machine config to compare with (pass --against FILE)")
    return None


def _statuses(found: Discovery | None, node: str) -> dict[str, BondStatus] | None:
    """The bonding files of an earlier read of `node`, parsed (the ones that parse)."""
    from talosbond.errors import ParseError
    from talosbond.parsing.bonding import parse_bonding

    if found is None:
        return None
    out: dict[str, BondStatus] = {}
    for earlier in found.nodes:
        if earlier.name != node:
            continue
        for bond, text in earlier.bonding.items():
            try:
                out[bond] = parse_bonding(text, bond)
            except ParseError:
                continue
    return out


@app.command()
def verify(
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    insecure: InsecureOpt = False,
    source: SourceOpt = SourceKind.auto,
    from_dir: FromOpt = None,
    bond: Annotated[
        list[str] | None, typer.Option("--bond", metavar="NAME", help="Bond(s) to check (default: every bond link).")
    ] = None,
    against: Annotated[str | None, typer.Option("--against", metavar="FILE", help="Config or patch the bond should "
                                                "match (default: the node's machine config).")] = None,
    output: Annotated[
        TextOrJson, typer.Option("-o", "--output", help="text (stderr) or json (stdout).")
    ] = TextOrJson.text,
    interval: Annotated[float, typer.Option("--interval", metavar="SECONDS", help="Live nodes: read twice, SECONDS "
                                            "apart, to catch link-failure and churn counts rising.")] = 0.0,
) -> None:
    """Check the health of bonds from /proc/net/bonding: members up, LACP partner and aggregator, port
    state bits, churn, link failures, speeds, failover, and the running settings against the config and
    Talos's LinkStatus. Each problem says what it means on the wire and what to check on the switch.

    Exit codes: 0 every bond healthy; 1 a bond is unhealthy; 2 a node or bond could not be read.

    \b
    Examples:
      talosbond verify -n 10.13.17.19
      talosbond verify --from fixtures/links/bond-8023ad-lacp-not-negotiated -o json
    """

    def body() -> int:
        import time

        from talosbond.output import print_verify, to_json, verify_document
        from talosbond.verify import ConfigText, NodeVerdict, verify_node

        if interval < 0:
            raise UsageError("--interval must be 0 or more seconds")
        if interval and from_dir is not None:
            raise UsageError("--interval reads live nodes twice; a capture holds one read", "drop --interval")
        conn = connection(nodes, endpoints, talosconfig, context, insecure, source, from_dir, want_bonding=True)
        config = ConfigText(_read_file(against), against, f"--against {against}") if against else None
        found = _fetch(conn, raw_text=True)
        earlier: Discovery | None = None
        if interval:
            earlier = found
            sys.stderr.write(f"reading again in {interval:g}s to see the counters move\n")
            time.sleep(interval)
            found = _fetch(conn, raw_text=True)
        if not found.nodes and not found.errors:
            raise UsageError("no nodes to verify", "pass -n NODE or --from DIR")
        raws = {raw.node: raw for raw in found.raws}
        verdicts: list[NodeVerdict] = []
        errors = list(found.errors)
        notes: list[str] = []
        for node in found.nodes:
            raw = raws.get(node.name)
            via = raw.via if raw is not None else found.source
            node_config = config or _node_config(conn, node, via, notes)
            if via == "capture":
                hint = ("the capture has no bonding/<bond>.txt: save `talosctl -n NODE read "
                        "/proc/net/bonding/<bond>` there")
            elif conn.insecure:
                hint = "maintenance mode (--insecure) cannot read files; verify needs the node's talosconfig"
            else:
                hint = ""
            previous = _statuses(earlier, node.name)
            verdict = verify_node(node, _split(bond), node_config, raw.origins if raw else None, previous, hint)
            verdicts.append(verdict)
            errors.extend(verdict.errors)
            notes.extend(verdict.notes)
        if output is TextOrJson.json:
            sys.stdout.write(to_json(verify_document(verdicts, errors, notes)))
        else:
            print_verify(verdicts, errors, notes)
        if errors:
            return 2
        return 1 if any(not h.healthy for v in verdicts for h in v.bonds) else 0

    raise typer.Exit(guarded(body))


@app.command()
def apply(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The patch to apply (e.g. `talosbond patch` output).")],
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    timeout: Annotated[str, typer.Option("--timeout", metavar="DURATION", help="Try-mode timeout: Talos rolls back "
                                         "after it unless every probe passed and the config was committed.")] = "2m",
    probe_address: Annotated[str | None, typer.Option("--probe-address", metavar="IP|HOST:PORT", help="Must answer "
                                                      "(ping, or TCP connect) before committing.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan, the commands and the config diff; "
                                          "change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")] = False,
) -> None:
    """Apply a patch safely, one node at a time: merge it into the node's config with talosctl, apply in
    try mode, probe (API, bond members and health, --probe-address), then commit with a no-reboot apply
    of the same file, or let Talos roll back and report why. Stops at the first node that fails.

    Exit codes: 0 every node committed (or already had the patch); 1 refused or a node failed (rolled
    back); 2 usage or source error, or no terminal to confirm and no --yes.

    \b
    Examples:
      talosbond apply bond.yaml -n 10.13.17.19 --dry-run
      talosbond apply bond.yaml -n w01,w02,w03 --timeout 3m --probe-address 10.13.87.1 --yes
    """

    def body() -> int:
        from pathlib import Path

        from talosbond.apply import RealClock, Timing, parse_duration, plan_commands, prepare, run_node
        from talosbond.output import (
            apply_step,
            error_line,
            print_apply_diffs,
            print_apply_plan,
            print_apply_summary,
            print_node_errors,
            print_problems,
        )
        from talosbond.parsing.version import version_tuple
        from talosbond.plan import NEWEST
        from talosbond.sources.apply import TalosctlOps, check_probe_address

        if not _split(nodes):
            raise UsageError("apply needs the node(s) to change", "pass -n NODE (several: -n a,b,c)")
        seconds = parse_duration(timeout)
        if seconds < 1:
            raise UsageError(f"--timeout {timeout} is too short to probe anything", "give at least 1s; 2m is usual")
        if not dry_run and not yes and not sys.stdin.isatty():
            raise UsageError("refusing to change nodes without confirmation: no terminal to ask on",
                             "pass --yes (scripts), or --dry-run to only see the plan")
        if probe_address:
            check_probe_address(probe_address)
        patch_text = _read_file(file)
        conn = connection(nodes, endpoints, talosconfig, context, False, SourceKind.talosctl, None)
        found = _fetch(conn, raw_text=True)
        if found.errors:
            print_node_errors(found.errors)
            raise UsageError(f"{len(found.errors)} node(s) could not be read; nothing was changed",
                             "fix or leave out the failing nodes")
        timing = Timing.for_timeout(seconds)
        ops = TalosctlOps(conn)
        try:
            plans = []
            for node in found.nodes:
                try:
                    version = version_tuple(node.talos_version) if node.talos_version else NEWEST
                except ValueError:
                    version = NEWEST
                plans.append(prepare(ops, node, Path(file), patch_text, version))
            versions = {p.node.talos_version for p in plans if p.node.talos_version}
            lint_version = version_tuple(versions.pop()) if len(versions) == 1 else None
            try:
                from talosbond.lint import lint_text
            except ImportError:
                lint_text = None  # type: ignore[assignment]
                apply_step("note: lint is not available in this build; the patch is not linted")
            problems = []
            if lint_text is not None:
                from dataclasses import replace

                with_configs = [replace(p.node, machineconfig=p.current) for p in plans]
                problems = lint_text(patch_text, file, with_configs, lint_version)
            commands = {p.name: plan_commands(p, file, timing) for p in plans}
            print_apply_plan(plans, commands, timing.timeout, probe_address)
            print_problems(problems)
            lint_errors = [p for p in problems if p.level == "error"]
            if lint_errors:
                error_line(f"patch refused: {len(lint_errors)} lint error(s)", "fix the patch (`talosbond lint`)")
                return 1
            refused = [p for p in plans if p.refusals]
            if refused:
                error_line(f"patch refused on {', '.join(p.name for p in refused)}", "see `refused:` above")
                return 1
            if dry_run:
                print_apply_diffs(plans)
                return 0
            if not yes and not typer.confirm(f"apply to {len(plans)} node(s), one at a time?", default=False,
                                             err=True):
                error_line("not applied")
                return 1
            outcomes = []
            for plan in plans:
                try:
                    outcome = run_node(ops, plan, timing, probe_address, RealClock(), apply_step)
                except KeyboardInterrupt:
                    apply_step(f"interrupted on {plan.name}: nothing more is committed; if it was in try mode, "
                               f"Talos rolls it back by itself within {timing.timeout:g}s")
                    raise
                outcomes.append(outcome)
                if not outcome.ok:
                    break
            untouched = [p.name for p in plans[len(outcomes):]]
            print_apply_summary(outcomes, untouched)
            return 0 if all(o.ok for o in outcomes) and not untouched else 1
        finally:
            ops.close()

    raise typer.Exit(guarded(body))


@app.command()
def drill(
    nodes: NodesOpt = None,
    endpoints: EndpointsOpt = None,
    talosconfig: TalosconfigOpt = None,
    context: ContextOpt = None,
    from_dir: FromOpt = None,
    bond: Annotated[str, typer.Option("--bond", metavar="NAME", help="The bond to drill.")] = "bond0",
    member: Annotated[str | None, typer.Option("--member", metavar="NAME", help="Drill only this member "
                                               "(default: each in turn).")] = None,
    hold: Annotated[str, typer.Option("--hold", metavar="DURATION", help="How long each member stays out.")] = "30s",
    probe_address: Annotated[list[str] | None, typer.Option(
        "--probe-address", metavar="IP|HOST:PORT", help="Must keep answering (ping, or TCP connect); repeatable.",
    )] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (scripts).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan and each member's try-mode config; "
                                          "change nothing.")] = False,
    output: Annotated[TextOrJson, typer.Option("-o", "--output", help="text or json (stdout).")] = TextOrJson.text,
) -> None:
    """Failover drill: take each bond member out in turn, the way a pulled cable would, with a try-mode
    config Talos reverts by itself; watch the bond fail over, probe the API and --probe-address, measure
    failover and recovery, and check the bond is as healthy afterwards. One node at a time.

    Exit codes: 0 every member passed; 1 a bond is unhealthy or refused, or a member failed; 2 usage or
    source error, or no terminal to confirm and no --yes; 130 interrupted (after the member came back).

    \b
    Examples:
      talosbond drill -n 10.13.17.19 --dry-run
      talosbond drill -n 10.13.17.19 --hold 20s --probe-address 10.13.17.1 --yes -o json
    """

    def body() -> int:
        from talosbond.drill import (
            DrillTiming,
            default_clock,
            drill_document,
            exit_code,
            plan_commands,
            prepare_node,
            run_drills,
        )
        from talosbond.output import (
            drill_step,
            print_drill_configs,
            print_drill_plan,
            print_drill_report,
            print_node_errors,
            to_json,
        )
        from talosbond.sources.apply import TalosctlOps, check_probe_address

        if from_dir is not None and not dry_run:
            raise UsageError("--from reads a capture: a drill of it can only be a --dry-run", "add --dry-run")
        if from_dir is None and not _split(nodes):
            raise UsageError("drill needs the node(s) to drill", "pass -n NODE, or --from DIR --dry-run")
        timing = DrillTiming.for_hold(_hold_seconds(hold))
        if not dry_run and not yes and not sys.stdin.isatty():
            raise UsageError("refusing to take bond members down without confirmation: no terminal to ask on",
                             "pass --yes (scripts), or --dry-run to only see the plan")
        probes = _split(probe_address)
        for address in probes:
            check_probe_address(address)
        kind = SourceKind.auto if from_dir is not None else SourceKind.talosctl
        conn = connection(nodes, endpoints, talosconfig, context, False, kind, from_dir, want_bonding=True)
        found = _fetch(conn, raw_text=True)
        if found.errors:
            print_node_errors(found.errors)
            raise UsageError(f"{len(found.errors)} node(s) could not be read; nothing was changed")
        ops = None if from_dir is not None else TalosctlOps(conn)
        try:
            drills = [prepare_node(ops, node, bond, member) for node in found.nodes]
            commands = {(d.name, p.member): plan_commands(d.name, p, timing) for d in drills for p in d.members_plans}
            print_drill_plan(drills, commands, timing.hold, probes)
            refused = any(d.refusals for d in drills)
            if dry_run or refused or ops is None:
                if output is TextOrJson.json:
                    sys.stdout.write(to_json(drill_document(drills, [], timing, dry_run)))
                elif dry_run:
                    print_drill_configs(drills)
                return 1 if refused else 0
            if not yes and not typer.confirm("drill now (members go down, one at a time)?", default=False, err=True):
                return 1
            results = run_drills(ops, drills, timing, probes, default_clock(), drill_step)
            if output is TextOrJson.json:
                sys.stdout.write(to_json(drill_document(drills, results, timing, False)))
            else:
                print_drill_report(results)
            return exit_code(drills, results)
        finally:
            if ops is not None:
                ops.close()

    raise typer.Exit(guarded(body))


def _hold_seconds(text: str) -> float:
    from talosbond.apply import parse_duration

    try:
        seconds = parse_duration(text)
    except UsageError:
        raise UsageError(f"--hold {text!r} is not a duration", "write it like 30s, 1m or 1m30s") from None
    if seconds < 1:
        raise UsageError(f"--hold {text} is too short to see a failover", "give at least 1s; 30s is usual")
    return seconds


def main() -> None:
    """Console-script entry point."""
    app()
