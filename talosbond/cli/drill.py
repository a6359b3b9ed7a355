"""`talosbond drill`: a failover drill through try mode, member by member (the run is in talosbond/drill.py)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from talosbond.cli.common import (
    REACH,
    DryRunOpt,
    FromOpt,
    ProbeAddressOpt,
    SourceKind,
    TextOrJson,
    TextOrJsonOpt,
    YesOpt,
    _option,
    app,
    command,
    fetch,
    split,
)
from talosbond.errors import UsageError

if TYPE_CHECKING:
    from talosbond.cli.common import Runtime
    from talosbond.drill import DrillTiming, NodeDrill
    from talosbond.sources import Connection
    from talosbond.sources.talosctl_apply import TalosctlOps


@app.command()
@command((*REACH, _option("from_dir", FromOpt)), want_bonding=True)
def drill(
    conn: Connection,
    runtime: Runtime,
    bond: Annotated[str, typer.Option("--bond", metavar="NAME", help="The bond to drill.")] = "bond0",
    member: Annotated[str | None, typer.Option("--member", metavar="NAME", help="Drill only this member "
                                               "(default: each in turn).")] = None,
    hold: Annotated[str, typer.Option("--hold", metavar="DURATION", help="How long each member stays out.")] = "30s",
    probe_address: ProbeAddressOpt = None,
    yes: YesOpt = False,
    dry_run: DryRunOpt = False,
    output: TextOrJsonOpt = TextOrJson.text,
) -> int:
    """Failover drill: take each bond member out in turn, the way a pulled cable would, with a try-mode
    config Talos reverts by itself; watch the bond fail over, probe the API and --probe-address, measure
    failover and recovery, and check the bond is as healthy afterwards. One node at a time.

    Exit codes: 0 every member passed; 1 a bond is unhealthy or refused, or a member failed; 2 usage or
    source error, or no terminal to confirm and no --yes; 130 interrupted (after the member came back).

    \b
    Examples:
      talosbond drill -n 10.13.17.19 --dry-run
      talosbond drill -n 10.13.17.19 --hold 20s --probe-address 10.13.17.1 --yes -o json
      talosbond drill --from fixtures/links/bond-8023ad-healthy --dry-run
    """
    from talosbond.drill import DrillTiming, prepare_node
    from talosbond.output import print_node_errors
    from talosbond.sources.talosctl_apply import TalosctlOps, check_probe_address

    capture = conn.from_dir is not None
    if capture and not dry_run:
        raise UsageError("--from reads a capture: a drill of it can only be a --dry-run", "add --dry-run")
    if not capture and not conn.nodes:
        raise UsageError("drill needs the node(s) to drill", "pass -n NODE, or --from DIR --dry-run")
    timing = DrillTiming.for_hold(_hold_seconds(hold))
    if not dry_run and not yes and not sys.stdin.isatty():
        raise UsageError("refusing to take bond members down without confirmation: no terminal to ask on",
                         "pass --yes (scripts), or --dry-run to only see the plan")
    probes = split(probe_address)
    for address in probes:
        check_probe_address(address)
    if not capture:
        from dataclasses import replace

        conn = replace(conn, source=SourceKind.talosctl.value)  # the drill itself runs talosctl
    found = fetch(conn)
    if found.errors:
        print_node_errors(found.errors)
        raise UsageError(f"{len(found.errors)} node(s) could not be read; nothing was changed")
    ops = None if capture else TalosctlOps(conn)
    try:
        captured = {raw.node: raw.machineconfig or "" for raw in found.raws} if capture else {}
        drills = [prepare_node(ops, node, bond, member, captured.get(node.name, "")) for node in found.nodes]
        return _plan_then_run(drills, ops, timing, probes, runtime, dry_run, yes, output)
    finally:
        if ops is not None:
            ops.close()


def _plan_then_run(drills: list[NodeDrill], ops: TalosctlOps | None, timing: DrillTiming, probes: tuple[str, ...],
                   runtime: Runtime, dry_run: bool, yes: bool, output: TextOrJson) -> int:
    from talosbond.drill import drill_document, exit_code, plan_commands, run_drills
    from talosbond.output import drill_step, print_drill_configs, print_drill_plan, print_drill_report, to_json

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
    results = run_drills(ops, drills, timing, probes, runtime.clock, drill_step)
    if output is TextOrJson.json:
        sys.stdout.write(to_json(drill_document(drills, results, timing, False)))
    else:
        print_drill_report(results)
    return exit_code(drills, results)


def _hold_seconds(text: str) -> float:
    from talosbond.apply import parse_duration

    try:
        seconds = parse_duration(text)
    except UsageError:
        raise UsageError(f"--hold {text!r} is not a duration", "write it like 30s, 1m or 1m30s") from None
    if seconds < 1:
        raise UsageError(f"--hold {text} is too short to see a failover", "give at least 1s; 30s is usual")
    return seconds
