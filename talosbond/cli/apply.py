"""`talosbond apply`: try, probe, commit or roll back, node by node (the run itself is in talosbond/apply.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from talosbond.cli.common import (
    REACH,
    DryRunOpt,
    ProbeAddressOpt,
    SourceKind,
    YesOpt,
    app,
    command,
    fetch,
    read_file,
    split,
)

if TYPE_CHECKING:
    from talosbond.apply import NodeChange, Outcome
    from talosbond.cli.common import Runtime
    from talosbond.sources import Connection


class TerminalUI:
    """`apply`'s plan, progress and questions on the terminal (talosbond.apply.ApplyUI)."""

    def plan(self, plans: Sequence[NodeChange], commands: dict[str, list[str]], timeout: float,
             probe_address: str | None) -> None:
        from talosbond.output import print_apply_plan

        print_apply_plan(plans, commands, timeout, probe_address)

    def problems(self, problems: Sequence[Any]) -> None:
        from talosbond.output import print_problems

        print_problems(problems)

    def diffs(self, plans: Sequence[NodeChange]) -> None:
        from talosbond.output import print_apply_diffs

        print_apply_diffs(plans)

    def error(self, message: str, hint: str = "") -> None:
        from talosbond.output import error_line

        error_line(message, hint)

    def confirm(self, question: str) -> bool:
        return typer.confirm(question, default=False, err=True)

    def step(self, line: str) -> None:
        from talosbond.output import apply_step

        apply_step(line)

    def summary(self, outcomes: Sequence[Outcome], untouched: Sequence[str]) -> None:
        from talosbond.output import print_apply_summary

        print_apply_summary(outcomes, untouched)


@app.command()
@command(REACH, source=SourceKind.talosctl)
def apply(
    conn: Connection,
    runtime: Runtime,
    file: Annotated[str, typer.Argument(metavar="FILE", help="The patch to apply (e.g. `talosbond patch` output).")],
    timeout: Annotated[str, typer.Option("--timeout", metavar="DURATION", help="Try-mode timeout: Talos rolls back "
                                         "after it unless every probe passed and the config was committed.")] = "2m",
    probe_address: ProbeAddressOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
) -> int:
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
    from talosbond.apply import ApplyRequest, Timing, apply_patch, parse_duration
    from talosbond.config import read_config
    from talosbond.errors import UsageError
    from talosbond.output import print_node_errors
    from talosbond.sources.talosctl_apply import TalosctlOps, check_probe_address

    if not conn.nodes:
        raise UsageError("apply needs the node(s) to change", "pass -n NODE (several: -n a,b,c)")
    seconds = parse_duration(timeout)
    if seconds < 1:
        raise UsageError(f"--timeout {timeout} is too short to probe anything", "give at least 1s; 2m is usual")
    if not dry_run and not yes and not sys.stdin.isatty():
        raise UsageError("refusing to change nodes without confirmation: no terminal to ask on",
                         "pass --yes (scripts), or --dry-run to only see the plan")
    addresses = split(probe_address)
    if len(addresses) > 1:
        raise UsageError("apply probes one --probe-address", "give the one address that must answer")
    for address in addresses:
        check_probe_address(address)
    patch_text = read_file(file)
    request = ApplyRequest(file, patch_text, read_config(patch_text, file), Timing.for_timeout(seconds),
                           next(iter(addresses), None), dry_run, yes)
    found = fetch(conn)
    if found.errors:
        print_node_errors(found.errors)
        raise UsageError(f"{len(found.errors)} node(s) could not be read; nothing was changed",
                         "fix or leave out the failing nodes")
    ops = TalosctlOps(conn)
    try:
        return apply_patch(request, found.nodes, ops, runtime.clock, TerminalUI())
    finally:
        ops.close()
