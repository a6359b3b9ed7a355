"""`talosbond patch`: a bond patch proven on every node."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from talosbond.cli.common import TalosVersionOpt, app, command, discover_all, emit, read_file
from talosbond.errors import TalosbondError, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from talosbond.model import Node
    from talosbond.nncp import PolicyBond
    from talosbond.patchjob import PatchRequest, PatchResult
    from talosbond.ranking import Ranking
    from talosbond.sources import Connection



PortsOpt = Annotated[str | None, typer.Option(
    "--ports", metavar="A,B",
    help="Members: link names or MACs, comma-separated. Default: the best group of cards that can bond.")]
BondOpt = Annotated[str | None, typer.Option("--bond", metavar="NAME", help="Bond link name (default bond0).")]
ModeOpt = Annotated[str | None, typer.Option(
    "--mode", metavar="MODE", help="balance-rr, active-backup (default), balance-xor, broadcast, 802.3ad, "
    "balance-tlb or balance-alb.")]
FormatOpt = Annotated[str, typer.Option(
    "--format", metavar="FORMAT", help="auto, v1alpha1 or multidoc (a Talos patch); nncp (an nmstate policy) or "
    "talhelper (networkInterfaces for talconfig.yaml).")]
FromNncpOpt = Annotated[str | None, typer.Option(
    "--from-nncp", metavar="POLICY.yaml",
    help="Start from a NodeNetworkConfigurationPolicy's bond; options given here override it.")]
PrimaryOpt = Annotated[str | None, typer.Option(metavar="LINK", help="Preferred member (active-backup, tlb, alb).")]
VlanOpt = Annotated[list[str] | None, typer.Option(metavar="ID[:CIDR]", help="ID[:CIDR] or ID:dhcp; repeatable.")]
AddressOpt = Annotated[list[str] | None, typer.Option(metavar="CIDR", help="Static CIDR on the bond; repeatable.")]
OutFileOpt = Annotated[
    str | None, typer.Option("-o", "--output", metavar="FILE", help="Write the patch to FILE (atomically).")
]


@app.command()
@command()
def patch(
    conn: Connection,
    ports: PortsOpt = None,
    bond: BondOpt = None,
    mode: ModeOpt = None,
    miimon: Annotated[int | None, typer.Option(metavar="MS", help="MII link polling, ms (default 100).")] = None,
    updelay: Annotated[int | None, typer.Option(metavar="MS", help="ms, a multiple of miimon.")] = None,
    downdelay: Annotated[int | None, typer.Option(metavar="MS", help="ms, a multiple of miimon.")] = None,
    lacp_rate: Annotated[str | None, typer.Option(metavar="RATE", help="802.3ad: slow or fast.")] = None,
    xmit_hash_policy: Annotated[str | None, typer.Option(metavar="POLICY", help="layer2, layer3+4, ...")] = None,
    primary: PrimaryOpt = None,
    vlan: VlanOpt = None,
    address: AddressOpt = None,
    dhcp: Annotated[bool, typer.Option("--dhcp", help="Run DHCP on the bond.")] = False,
    gateway: Annotated[str | None, typer.Option(metavar="IP", help="Default gateway via the bond.")] = None,
    mtu: Annotated[int | None, typer.Option(metavar="BYTES", help="MTU of the bond (and its VLANs).")] = None,
    talos_version: TalosVersionOpt = None,
    fmt: FormatOpt = "auto",
    out: OutFileOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Print the patch even if lint finds errors.")] = False,
    from_nncp: FromNncpOpt = None,
    shape: Annotated[str | None, typer.Option(
        "--shape", metavar="N[,M]", help="A fleet: only the nodes of these hardware shapes (see discover).")] = None,
) -> int:
    """Write a bond patch for `talosctl patch mc`, with selectors proven on every node before and after the
    bond forms.

    \b
    Examples:
      talosbond patch -n 10.13.17.19 --mode active-backup --vlan 87:10.13.87.19/24 --dhcp -o bond.yaml
      talosbond patch --from fixtures/links/mlx5-25g-beside-tg3 --mode 802.3ad --dhcp
    """
    from talosbond.addressing import AddressingRefused
    from talosbond.output import error_line, print_problems
    from talosbond.patchjob import TALOS_FORMATS, PatchRequest

    if out is not None:
        _check_output_name(out)
    policy = None
    if from_nncp:
        from talosbond.nncp import read_policy

        policy = read_policy(read_file(from_nncp), from_nncp, bond)
    request = PatchRequest(
        ports=_ports(ports), bond=bond, mode=mode, miimon=miimon, updelay=updelay,
        downdelay=downdelay, lacp_rate=lacp_rate, xmit_hash_policy=xmit_hash_policy, primary=primary,
        vlans=tuple(vlan or ()), addresses=tuple(address or ()), dhcp=dhcp, gateway=gateway, mtu=mtu,
        talos_version=talos_version, fmt=fmt,
    )
    try:
        result, rankings = _proven(conn, request, policy, shape)
    except AddressingRefused as exc:
        print_problems(list(exc.problems))
        error_line("patch refused: the bond would take the node's address away", exc.hint)
        return 1
    return _finish(result, rankings, from_nncp, out, force=force, talos_format=fmt in TALOS_FORMATS)


def _finish(result: PatchResult, rankings: Sequence[Ranking], from_nncp: str | None, out: str | None, *,
            force: bool, talos_format: bool) -> int:
    """Say what the patch assumes and what lint found; write it unless refused; name the next step."""
    from talosbond.output import error_line, print_notes, print_problems, print_warnings

    print_notes(result.notes)
    print_notes(f"{from_nncp}: not carried over: {line}" for line in result.unsupported)
    print_warnings(result.plan.warnings)
    print_problems(result.problems)
    if result.errors and not force:
        error_line(f"patch refused: {len(result.errors)} lint error(s)", _refusal_hint())
        return 1
    emit(result.text, out)
    if talos_format:
        print_notes([_next_step([r.node.name for r in rankings], out or "FILE")])
    return 0


def _proven(conn: Connection, request: PatchRequest, policy: PolicyBond | None,
            shape: str | None) -> tuple[PatchResult, list[Ranking]]:
    """The patch for every node (or --shape's); when no one patch holds, which shapes need their own."""
    from dataclasses import replace

    from talosbond.addressing import AddressingRefused
    from talosbond.patchjob import run_patch
    from talosbond.shapes import refusal, restrict

    found, everyone = discover_all(conn)
    configured = _with_configs(conn, found.nodes, found.source)
    everyone = [replace(r, node=n) for r, n in zip(everyone, configured, strict=True)]

    def build(chosen: Sequence[Ranking]) -> PatchResult:
        return run_patch(request, chosen, tuple(r.node for r in chosen), policy)

    rankings = restrict(everyone, shape)
    try:
        return build(rankings), rankings
    except AddressingRefused:
        raise
    except TalosbondError as exc:
        raise refusal(rankings, build, exc) from None


def _next_step(names: Sequence[str], out: str) -> str:
    nodes = ",".join(names) if len(names) <= 3 else "NODES"
    return (f"next: talosctl -n {nodes} patch mc --patch @{out} --mode try --timeout 2m, then talosbond verify "
            f"-n {nodes} (or both at once: talosbond apply {out} -n {nodes})")


FORMAT_WORDS = ("json", "yaml", "yml", "text", "table")


def _check_output_name(out: str) -> None:
    """`-o` is a FILE here (as in `talosctl machineconfig patch -o`), a format elsewhere: refuse the mix-up."""
    if out.lower() in FORMAT_WORDS:
        raise UsageError(f"-o {out}: patch writes its YAML to a FILE, and {out!r} looks like a format",
                         "patch always writes YAML: -o bond.yaml (or no -o for stdout); ./json if you mean a file")


def _ports(ports: str | None) -> tuple[str, ...]:
    """--ports A,B as given: a card named twice is the plan's to refuse, not to drop silently."""
    return tuple(part.strip() for part in (ports or "").split(",") if part.strip())


def _refusal_hint() -> str:
    """Fix or force; and when stdout goes to a file, that the shell has already emptied it."""
    import os
    import stat

    hint = "fix them, or pass --force to print it anyway"
    try:
        redirected = stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        redirected = False
    if redirected:
        hint += "; stdout goes to a file, which the shell has already emptied: use -o FILE, written only for a " \
                "patch that passes"
    return hint


def _with_configs(conn: Connection, nodes: Sequence[Node], via: str) -> list[Node]:
    """The nodes with their current machine config (a live node's is read now): the patch replaces what it
    has rather than being appended to it."""
    from dataclasses import replace

    from talosbond.config import read_config
    from talosbond.errors import ParseError
    from talosbond.output import print_notes
    from talosbond.sources.talosctl_apply import config_to_compare

    out = []
    for node in nodes:
        if node.config is None and node.config_error is None and via == "talosctl" and not conn.insecure:
            got = config_to_compare(conn, node.name, via)
            try:
                if isinstance(got, tuple):
                    node = replace(node, config=read_config(*got))
            except ParseError as exc:
                node = replace(node, config_error=exc)
            if node.config is None:
                print_notes([f"{node.name}: its machine config could not be read, so the patch cannot replace what "
                             "it has: `talosctl patch mc` would append to a bond it already has (use talosbond apply)"])
        out.append(node)
    return out
