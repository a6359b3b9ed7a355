"""`talosbond wizard`: the same pipeline as `discover` + `patch`, asked as questions.

Every answer goes through the validation `patch` uses; a refused answer is explained and asked again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import questionary

from talosbond.api import discover
from talosbond.errors import TalosbondError, UsageError
from talosbond.model import Node
from talosbond.output import human_bytes, human_speed, print_discovery, print_notes, print_problems
from talosbond.plan import MODES, BondPlan, make_plan, node_version
from talosbond.ranking import Ranking, rank_node
from talosbond.sources import Connection

T = TypeVar("T")

MODE_HELP = {
    "active-backup": "one card carries traffic, the other takes over; works with any switch",
    "802.3ad": "LACP: all cards carry traffic; the switch ports must form one LACP port-channel",
    "balance-xor": "static aggregation by hash; the switch ports must form a static port-channel",
    "balance-rr": "round-robin per packet; needs a static port-channel, reorders packets",
    "balance-tlb": "adaptive transmit load balancing; no switch support needed",
    "balance-alb": "tlb plus receive balancing through ARP; no switch support needed",
    "broadcast": "every packet on every card; for special redundancy setups only",
}


class Cancelled(TalosbondError):
    """The user pressed Ctrl-C or Escape."""


def _ask(question: Any) -> Any:
    answer = question.ask()
    if answer is None:
        raise Cancelled("wizard cancelled, nothing written")
    return answer


def _retry(step: Callable[[], T]) -> T:
    """Ask again after an answer the pipeline refuses, saying why."""
    while True:
        try:
            return step()
        except UsageError as exc:
            questionary.print(f"  {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), style="fg:red")


def _connection(conn: Connection) -> Connection:
    if conn.nodes or conn.from_dir:
        return conn
    where = _ask(questionary.text("Node address, or a capture directory to read:", default="fixtures/links/"))
    from pathlib import Path

    if Path(where).is_dir():
        return Connection(from_dir=where)
    return Connection(nodes=tuple(x.strip() for x in where.split(",") if x.strip()), talosconfig=conn.talosconfig,
                      context=conn.context, endpoints=conn.endpoints, insecure=conn.insecure)


def _card_label(ranking: Ranking, name: str) -> str:
    ranked = ranking.ranked(name)
    assert ranked is not None
    link = ranked.link
    carrier = "up" if link.link_state else "no carrier"
    role = f", {ranked.role}" if ranked.role in ("management", "bonded") else ""
    return (f"{link.name:<14} {link.driver:<10} {human_speed(link.speed_mbit):>5} {carrier:<10} "
            f"{human_bytes(ranked.traffic) if ranked.rx_bytes is not None else '-':>10}{role}")


def _members(rankings: Sequence[Ranking]) -> list[str]:
    first = rankings[0]
    suggested = next((g for g in first.groups if not set(g) & set(first.management)),
                     first.groups[0] if first.groups else ())
    choices = [questionary.Choice(_card_label(first, r.link.name), value=r.link.name,
                                  checked=r.link.name in suggested) for r in first.physical]
    note = f" (the same names on all {len(rankings)} nodes)" if len(rankings) > 1 else ""

    def validate(picked: list[str]) -> bool | str:
        return True if picked else "pick at least one card (space toggles)"

    picked: list[str] = _ask(questionary.checkbox(f"Cards to bond{note}:", choices=choices, validate=validate))
    return picked


def _vlans() -> list[str]:
    text = _ask(questionary.text("VLANs on the bond (ID or ID:CIDR, comma-separated, empty for none):"))
    return [part.strip() for part in text.split(",") if part.strip()]


def _plan(rankings: Sequence[Ranking], nodes: Sequence[Node]) -> BondPlan:
    ports = _members(rankings)
    mode = _ask(questionary.select(
        "Bond mode:", choices=[questionary.Choice(f"{m:<14} {MODE_HELP[m]}", value=m) for m in MODES],
        default="active-backup",
    ))
    vlans = _vlans()
    enslaves_management = any(set(ports) & set(r.management) for r in rankings)
    addressing = _ask(questionary.select(
        "Address of the bond itself:",
        choices=[questionary.Choice("DHCP", value="dhcp"), questionary.Choice("static address", value="static"),
                 questionary.Choice("none (only its VLANs carry addresses)", value="none")],
        default="dhcp" if enslaves_management else "none",
    ))
    addresses: list[str] = []
    if addressing == "static":
        addresses = [a.strip() for a in _ask(questionary.text("Static address(es), CIDR:")).split(",") if a.strip()]
    version = node_version(nodes)
    known = f"{version[0]}.{version[1]}" if version else ""
    talos_version = _ask(questionary.text("Target Talos version (what the node runs):", default=known))
    return make_plan(rankings, ports=ports, mode=mode, vlans=vlans, addresses=addresses,
                     dhcp=addressing == "dhcp", talos_version=talos_version)


def run_wizard(conn: Connection) -> int:
    """Ask, show, write. Returns the exit code."""
    from talosbond.lint import lint_text
    from talosbond.render import render_patch
    from talosbond.sources.capture import write_text_atomic

    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise UsageError("the wizard needs a terminal", "in scripts use `talosbond patch` with options")
    found = discover(_connection(conn))
    if found.errors or not found.nodes:
        print_discovery([], found.errors)
        raise UsageError("no node could be read" if not found.nodes else "some nodes could not be read")
    rankings = [rank_node(node) for node in found.nodes]
    print_discovery(rankings, ())
    while True:
        plan = _retry(lambda: _plan(rankings, found.nodes))
        try:
            patch = render_patch(plan, found.nodes)
        except UsageError as exc:
            questionary.print(f"  {exc.message}", style="fg:red")
            continue
        print_notes(plan.notes)
        problems = lint_text(patch.text, "<patch>", found.nodes, plan.version)
        print_problems(problems)
        questionary.print(patch.text)
        if any(p.level == "error" for p in problems):
            if not _ask(questionary.confirm("The patch has lint errors. Change the answers?", default=True)):
                return 1
            continue
        break
    path = _ask(questionary.text("Save the patch to:", default="bond.yaml"))
    write_text_atomic(path, patch.text)
    questionary.print(f"Saved {path}. Apply it in try mode first:", style="bold")
    node = found.nodes[0].name
    questionary.print(f"  talosctl -n {node} patch mc --patch @{path} --mode try --timeout 2m")
    return 0
