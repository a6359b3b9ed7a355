"""`talosbond verify`: the health of running bonds."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from talosbond.cli.common import IntervalOpt, TextOrJson, TextOrJsonOpt, app, command, fetch, read_file, split
from talosbond.errors import UsageError

if TYPE_CHECKING:
    from talosbond.cli.common import Runtime
    from talosbond.discovery import Discovery
    from talosbond.model import BondStatus, Node, NodeError
    from talosbond.rules import Settings
    from talosbond.sources import Connection
    from talosbond.verify import NodeVerdict, ReferenceConfig


@app.command()
@command(want_bonding=True)
def verify(
    conn: Connection,
    runtime: Runtime,
    settings: Settings,
    bond: Annotated[
        list[str] | None, typer.Option("--bond", metavar="NAME", help="Bond(s) to check (default: every bond link).")
    ] = None,
    against: Annotated[str | None, typer.Option("--against", metavar="FILE", help="Config or patch the bond should "
                                                "match (default: the node's machine config).")] = None,
    output: TextOrJsonOpt = TextOrJson.text,
    interval: IntervalOpt = 0.0,
) -> int:
    """Check the health of bonds from /proc/net/bonding: members up, LACP partner and aggregator, port
    state bits, churn, link failures, speeds, failover, and the running settings against the config and
    Talos's LinkStatus. Each problem says what it means on the wire and what to check on the switch.

    It also reads the node's controller-runtime log (a capture's logs/controller-runtime.log) and traces
    Talos's own bond errors back to the selector or document that causes them (TB117-TB129). A capture
    with bonding/<bond>.later.txt (`discover --save DIR --interval N`) is judged on both reads.

    Exit codes: 0 every bond healthy; 1 a bond is unhealthy or Talos logs a bond error; 2 a node or bond
    could not be read.

    \b
    Examples:
      talosbond verify -n 10.13.17.19
      talosbond verify --from fixtures/links/bond-8023ad-lacp-not-negotiated -o json
    """
    from talosbond.output import print_verify, to_json, verify_document

    if interval < 0:
        raise UsageError("--interval must be 0 or more seconds")
    if interval and conn.from_dir is not None:
        raise UsageError("--interval reads live nodes twice; a capture's second read is its bonding/<bond>.later.txt",
                         "drop --interval (`discover --save DIR --interval N` writes such a capture)")
    conn = replace(conn, want_log=True)  # Talos's own errors about the bonds, traced back
    config = _read_reference(read_file(against), against, f"--against {against}") if against else None
    found = fetch(conn)
    earlier: Discovery | None = None
    if interval:
        earlier = found
        sys.stderr.write(f"reading again in {interval:g}s to see the counters move\n")
        runtime.clock.sleep(interval)
        found = fetch(conn)
    if not found.nodes and not found.errors:
        raise UsageError("no nodes to verify", "pass -n NODE or --from DIR")
    verdicts, errors, notes = _verdicts(conn, found, earlier, config, split(bond), settings)
    if output is TextOrJson.json:
        sys.stdout.write(to_json(verify_document(verdicts, errors, notes)))
    else:
        print_verify(verdicts, errors, notes)
    if errors:
        return 2
    return 1 if any(not v.healthy for v in verdicts) else 0


def _verdicts(
    conn: Connection, found: Discovery, earlier: Discovery | None, config: ReferenceConfig | None,
    bonds: tuple[str, ...],
    settings: Settings,
) -> tuple[list[NodeVerdict], list[NodeError], list[str]]:
    """Verify every node read; a node's config is `config` (--against) or the one it runs."""
    from talosbond.verify import verify_node

    raws = {raw.node: raw for raw in found.raws}
    verdicts: list[NodeVerdict] = []
    errors = list(found.errors)
    notes: list[str] = []
    for node in found.nodes:
        raw = raws.get(node.name)
        via = raw.via if raw is not None else found.source
        node_config = config or _running_config(conn, node, via, notes)
        if via == "capture":
            hint = "the capture has no bonding/<bond>.txt: save `talosctl -n NODE read /proc/net/bonding/<bond>` there"
        elif conn.insecure:
            hint = "maintenance mode (--insecure) cannot read files; verify needs the node's talosconfig"
        else:
            hint = ""
        if node.log is None and via != "capture":
            notes.append(f"{node.name}: its controller-runtime log was not read"
                         + (" (the API source does not read logs: --source talosctl does)" if via == "api" else "")
                         + "; Talos's own bond errors are not traced")
        verdict = verify_node(node, bonds, node_config, _statuses(earlier, node.name), hint, settings)
        verdicts.append(verdict)
        errors.extend(verdict.errors)
        notes.extend(verdict.notes)
    return verdicts, errors, notes


def _read_reference(text: str, filename: str, source: str) -> ReferenceConfig:
    """A config read once; one that does not parse is reported for each bond compared with it."""
    from talosbond.config import read_config
    from talosbond.errors import ParseError
    from talosbond.verify import ReferenceConfig

    try:
        return ReferenceConfig(read_config(text, filename), source)
    except ParseError as exc:
        return ReferenceConfig(None, source, exc)


def _running_config(conn: Connection, node: Node, via: str, notes: list[str]) -> ReferenceConfig | None:
    """The node's own config: read with the node (a capture's machineconfig.yaml), else from the live node."""
    from talosbond.sources.talosctl_apply import config_to_compare
    from talosbond.verify import ReferenceConfig

    source = "the node's machine config"
    if node.config is not None or node.config_error is not None:
        return ReferenceConfig(node.config, source, node.config_error)
    compared = config_to_compare(conn, node.name, via)
    if isinstance(compared, str):
        notes.append(compared)
        return None
    return _read_reference(*compared, source)


def _statuses(found: Discovery | None, node: str) -> dict[str, BondStatus] | None:
    """The bond files of an earlier read of `node` (the ones that parsed)."""
    from talosbond.model import BondStatus

    if found is None:
        return None
    return {bond: status for earlier in found.nodes if earlier.name == node
            for bond, status in earlier.bonds.items() if isinstance(status, BondStatus)}
