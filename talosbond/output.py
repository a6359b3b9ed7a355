"""Everything talosbond shows: rich tables for people (stderr), JSON and YAML for scripts (stdout).

rich is imported inside the functions that draw, so that `-o json` never pays for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from talosbond.model import NodeError, speed_text
from talosbond.ranking import Ranking

if TYPE_CHECKING:
    from rich.console import Console

    from talosbond.shapes import Shape


def human_bytes(value: int | None) -> str:
    """1536 -> `1.5 KiB`; None -> `-`."""
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")




def discover_document(
    rankings: Sequence[Ranking],
    errors: Iterable[NodeError],
    source: str,
    selectors: dict[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """The `discover -o json|yaml` document (DESIGN.md's contract, plus a few extra keys)."""
    nodes: list[dict[str, Any]] = []
    for ranking in rankings:
        links = []
        for ranked in ranking.links:
            link = ranked.link
            entry: dict[str, Any] = {
                "name": link.name,
                "driver": link.driver,
                "hardware_addr": link.hardware_addr,
                "permanent_addr": link.permanent_addr,
                "bus_path": link.bus_path,
                "pci_id": link.pci_id,
                "kind": link.kind,
                "physical": link.physical,
                "speed_mbit": link.speed_mbit,
                "link_state": link.link_state,
                "rx_bytes": ranked.rx_bytes,
                "tx_bytes": ranked.tx_bytes,
                "rank": ranked.rank,
                "role": ranked.role,
                "vendor": link.vendor,
                "product": link.product,
            }
            if selectors is not None and link.physical:
                entry["selector"] = selectors.get((ranking.node.name, link.name))
            links.append(entry)
        nodes.append({
            "node": ranking.node.name,
            "talos_version": str(ranking.node.version) if ranking.node.version is not None else None,
            "links": links,
            "management": list(ranking.management),
            "bondable_groups": [list(g) for g in ranking.groups],
            "errors": [],
        })
    for error in errors:
        message = error.message + (f" ({error.hint})" if error.hint else "")
        nodes.append({"node": error.node, "talos_version": None, "links": [], "errors": [message]})
    return {"source": source, "nodes": nodes}


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2) + "\n"


def to_yaml(document: Any) -> str:
    """`-o yaml`: through the same writer as patches."""
    from talosbond.yamlout import dump_yaml

    return dump_yaml(document if isinstance(document, list) else [document])


def stderr_console() -> Console:
    """A console on stderr: colour only when stderr is a terminal (and NO_COLOR is unset)."""
    from rich.console import Console

    # Off a terminal (a log, a pipe) nothing wraps lines, so tables may be as wide as they need.
    width = None if sys.stderr.isatty() else 240
    return Console(stderr=True, highlight=False, soft_wrap=False, width=width)


def print_discovery(
    rankings: Sequence[Ranking],
    errors: Sequence[NodeError],
    selectors: dict[tuple[str, str], str] | None = None,
    console: Console | None = None,
) -> None:
    """One table per node with its physical cards in rank order, then a line naming the virtual links."""
    from rich.markup import escape
    from rich.table import Table

    console = console or stderr_console()
    for ranking in rankings:
        node = ranking.node
        title = f"[bold]{node.name}[/bold]" + (f"  Talos {node.version}" if node.version is not None else "")
        table = Table(title=title, title_justify="left", show_lines=False, pad_edge=False)
        for column in ("#", "name", "driver", "permanent MAC", "current MAC", "bus path", "PCI ID",
                       "vendor / product", "speed", "carrier", "rx", "tx", "role"):
            table.add_column(column, no_wrap=column not in ("vendor / product",))
        if selectors is not None:
            table.add_column("suggested selector")
        for ranked in ranking.physical:
            link = ranked.link
            role = ranked.role
            if role == "management":
                role = "[yellow]management[/yellow]"
            mac = link.hardware_addr if link.hardware_addr != link.permanent_addr else "="
            product = " / ".join(x for x in (link.vendor, link.product) if x)
            row = [
                str(ranked.rank) if ranked.rank is not None else "",
                escape(link.name),
                escape(link.driver), link.permanent_addr or "-", mac, escape(link.bus_path), escape(link.pci_id),
                escape(product),
                speed_text(link.speed_mbit),
                "[green]up[/green]" if link.link_state else "[red]down[/red]",
                human_bytes(ranked.rx_bytes), human_bytes(ranked.tx_bytes), role,
            ]
            if selectors is not None:
                row.append(escape(selectors.get((node.name, link.name), "")))
            table.add_row(*row)
        console.print(table)
        virtual = [r.link for r in ranking.links if r.rank is None]
        if virtual:
            names = ", ".join(escape(x.name) + (f" ({x.kind})" if x.kind else "") for x in virtual)
            console.print(f"  [dim]virtual: {names}[/dim]", soft_wrap=True)
        if ranking.management:
            console.print(f"  management: {', '.join(ranking.management)} ({ranking.management_reason})")
        for group in ranking.groups:
            console.print(f"  can bond: {', '.join(group)}")
        console.print()
    print_node_errors(errors, console)


def print_node_errors(errors: Sequence[NodeError], console: Console | None = None) -> None:
    """Failed nodes, after the results of the others."""
    if not errors:
        return
    console = console or stderr_console()
    for error in errors:
        from rich.markup import escape

        line = f"[red]error:[/red] {escape(error.node)}: {escape(error.message)}"
        console.print(line, highlight=False, soft_wrap=True)
        if error.hint:
            console.print(f"  hint: {escape(error.hint)}", soft_wrap=True)


def error_line(message: str, hint: str = "") -> None:
    """The one red line (and a hint) a failing command prints on stderr."""
    if sys.stderr.isatty():
        sys.stderr.write(f"\x1b[31merror:\x1b[0m {message}\n")
    else:
        sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


PROGRESS_MIN_NODES = 5  # fewer nodes come back before a bar would be worth drawing


@contextmanager
def fleet_progress(total: int | None) -> Iterator[Callable[[str], None] | None]:
    """A progress bar on stderr while nodes are read; yields the callback a source calls per finished node.

    Drawn only on a terminal, and only for more than a few nodes (`total` 0: not known yet, e.g. the
    talosconfig's nodes; None: no bar, e.g. a capture, read at once). Transient: it is gone when the
    results print, and an interrupt (Ctrl-C) takes it down cleanly."""
    if total is None or not sys.stderr.isatty() or 0 < total <= PROGRESS_MIN_NODES:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("reading nodes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("[dim]{task.fields[last]}"))
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task("nodes", total=total or None, last="")

        def advance(node: str) -> None:
            bar.update(task, advance=1, last=node)

        yield advance


def print_notes(notes: Iterable[str]) -> None:
    """Informational lines for people, on stderr."""
    for note in notes:
        sys.stderr.write(f"note: {note}\n")


def print_warnings(warnings: Iterable[str]) -> None:
    """Warnings for people, on stderr, in yellow on a terminal."""
    from rich.text import Text

    console = stderr_console()
    for warning in warnings:
        console.print(Text.assemble(("warning: ", "yellow"), warning), soft_wrap=True)


def print_problems(problems: Iterable[Any]) -> None:
    """Lint problems on stderr (beside a patch on stdout)."""
    print_problems_to(sys.stderr, problems)


def print_problems_to(stream: TextIO, problems: Iterable[Any]) -> None:
    """Lint problems, one per line: level, code, where, message; colour only on a terminal."""
    colours = {"error": "31", "warning": "33", "info": "36"}
    tty = stream.isatty()
    for problem in problems:
        level = problem.level
        tag = f"\x1b[{colours.get(level, '0')}m{level}\x1b[0m" if tty else level
        where = " ".join(x for x in (problem.node, problem.file, problem.path) if x)
        stream.write(f"{tag} {problem.code} {where}: {problem.message}\n" if where else
                     f"{tag} {problem.code}: {problem.message}\n")


def print_explain(proofs: Sequence[Any], console: Console | None = None) -> None:
    """Per node and bond: the link x selector matrix before and after the bond forms, then the verdict."""
    from rich.markup import escape
    from rich.table import Table

    console = console or stderr_console()
    for proof in proofs:
        for state in (proof.before, proof.after):
            title = f"[bold]{escape(proof.node)}[/bold] {escape(proof.bond)}: {state.state} the bond forms"
            table = Table(title=title, title_justify="left", pad_edge=False)
            table.add_column("link")
            table.add_column("kind")
            table.add_column("MAC")
            for number in range(1, len(state.columns) + 1):
                table.add_column(f"#{number}", justify="center")
            matched = {name for column in state.columns for name in column.matched}
            for link in state.links:
                if link.type in ("loopback", "void", "ipip", "sit", "tunnel6") and link.name not in matched:
                    continue
                cells = ["[green]x[/green]" if link.name in column.matched else "" for column in state.columns]
                kind = link.kind or ("physical" if link.physical else link.type)
                alias = state.aliases.get(link.name)
                name = escape(link.name) + (f" ({escape(alias)})" if alias else "")
                style = "" if link.physical else "dim"
                if not link.physical and link.name in matched:
                    style = "bold red"
                table.add_row(name, kind, link.hardware_addr, *cells, style=style)
            console.print(table)
            for number, column in enumerate(state.columns, 1):
                note = f"  [yellow]{escape(column.note)}[/yellow]" if column.note else ""
                console.print(f"  #{number} {escape(column.label)}{note}", soft_wrap=True)
            members = ", ".join(state.members) or "nothing"
            console.print(f"  resolves to: {escape(members)}", soft_wrap=True)
        problems = proof.problems()
        if problems:
            for problem in problems:
                console.print(f"  [red]problem:[/red] {escape(problem)}", soft_wrap=True)
        else:
            console.print("  [green]ok:[/green] the same physical members in both states", soft_wrap=True)
        console.print()


# --- verify and apply ---

def _member_entry(member: Any) -> dict[str, Any]:
    from talosbond.health._util import decode_port_state

    actor = member.actor.port_state if member.actor is not None else None
    partner = member.partner.port_state if member.partner is not None else None
    return {
        "name": member.name,
        "mii_status": member.mii_status,
        "speed_mbit": member.speed_mbit,
        "duplex": member.duplex or None,
        "link_failure_count": member.link_failure_count,
        "permanent_addr": member.permanent_addr or None,
        "aggregator_id": member.aggregator_id,
        "actor_churn_state": member.actor_churn_state or None,
        "partner_churn_state": member.partner_churn_state or None,
        "actor_port_state": actor,
        "actor_port_state_bits": decode_port_state(actor) if actor is not None else None,
        "partner_port_state": partner,
        "partner_port_state_bits": decode_port_state(partner) if partner is not None else None,
        "partner_mac": member.partner.system_mac if member.partner is not None else None,
    }


def verify_document(verdicts: Sequence[Any], errors: Sequence[NodeError], notes: Sequence[str] = ()) -> dict[str, Any]:
    """`verify -o json`: DESIGN.md's `{"bonds": [{"name", "healthy", "problems": [{"code", "message"}]}]}`,
    plus the node, the running settings, the members with decoded LACP state, and unread nodes."""
    bonds: list[dict[str, Any]] = []
    for verdict in verdicts:
        for health in verdict.bonds:
            status = health.status
            aggregator = status.active_aggregator
            bonds.append({
                "node": health.node,
                "name": health.name,
                "healthy": health.healthy,
                "mode": status.mode,
                "mii_status": status.mii_status,
                "xmit_hash_policy": status.xmit_hash_policy,
                "lacp_rate": status.lacp_rate,
                "miimon": status.miimon,
                "primary": status.primary,
                "active_member": status.active_member,
                "active_aggregator": None if aggregator is None else {
                    "id": aggregator.aggregator_id, "ports": aggregator.ports, "partner_mac": aggregator.partner_mac},
                "expected": None if health.expected is None else {
                    "source": health.expected.source,
                    "members": list(health.expected.members) if health.expected.members is not None else None},
                "members": [_member_entry(m) for m in status.members],
                "problems": [{"code": p.code, "level": p.level, "message": p.message, "check": p.check,
                              "member": p.member or None} for p in health.problems],
            })
    return {
        "bonds": bonds,
        # Talos's own errors (from its controller-runtime log) that concern no bond verified here
        "node_problems": [{"node": v.node, "code": p.code, "level": p.level, "message": p.message, "check": p.check}
                          for v in verdicts for p in getattr(v, "log_problems", ())],
        "errors": [{"node": e.node, "message": e.message, "hint": e.hint} for e in errors],
        "notes": list(notes),
    }


def _bond_title(health: Any) -> str:
    from rich.markup import escape

    status = health.status
    verdict_text = "[green]healthy[/green]" if health.healthy else "[bold red]UNHEALTHY[/bold red]"
    settings = [status.mode]
    if status.xmit_hash_policy:
        settings.append(f"hash {status.xmit_hash_policy}")
    if status.lacp_rate:
        settings.append(f"lacp {status.lacp_rate}")
    settings.append(f"miimon {status.miimon}")
    if status.arp_interval:
        settings.append(f"arp {status.arp_interval}ms {','.join(status.arp_targets)}")
    return (f"[bold]{escape(health.node)}[/bold] {escape(health.name)}  {escape(', '.join(settings))}  "
            f"MII {status.mii_status}  {verdict_text}")


def _member_row(status: Any, member: Any) -> list[str]:
    """One member's cells: the common ones, then LACP state (802.3ad) or its role (failover modes)."""
    from rich.markup import escape

    from talosbond.health._util import short_port_state

    mii = "[green]up[/green]" if member.mii_status == "up" else f"[red]{escape(member.mii_status)}[/red]"
    row = [escape(member.name), mii, speed_text(member.speed_mbit), member.duplex or "-",
           str(member.link_failure_count), member.permanent_addr or "-"]
    if status.mode == "802.3ad":
        row += [
            str(member.aggregator_id) if member.aggregator_id is not None else "N/A",
            short_port_state(member.actor.port_state if member.actor else None),
            short_port_state(member.partner.port_state if member.partner else None),
            member.partner.system_mac if member.partner is not None else "-",
            f"{member.actor_churn_state or '-'}/{member.partner_churn_state or '-'}",
        ]
    elif status.mode in FAILOVER_MODES:
        roles = [role for role, name in (("active", status.active_member), ("primary", status.primary))
                 if member.name == name]
        row.append(", ".join(roles) or "backup")
    return row


FAILOVER_MODES = ("active-backup", "balance-tlb", "balance-alb")


def _print_bond(health: Any, console: Console) -> None:
    """One bond: its members table, aggregator, expected members and problems."""
    from rich.markup import escape
    from rich.table import Table

    status = health.status
    table = Table(title=_bond_title(health), title_justify="left", pad_edge=False)
    lacp = status.mode == "802.3ad"
    columns = ["member", "MII", "speed", "duplex", "failures", "permanent MAC"]
    if lacp:
        columns += ["agg", "actor state", "partner state", "partner MAC", "churn actor/partner"]
    elif status.mode in FAILOVER_MODES:
        columns += ["role"]
    for column in columns:
        table.add_column(column, no_wrap=True)
    for member in status.members:
        table.add_row(*_member_row(status, member))
    console.print(table)
    aggregator = status.active_aggregator
    if lacp and aggregator is not None:
        console.print(f"  active aggregator {aggregator.aggregator_id}: {aggregator.ports} port(s), "
                      f"partner {aggregator.partner_mac}", soft_wrap=True)
    elif lacp and status.no_active_aggregator:
        console.print("  [red]no active aggregator[/red]", soft_wrap=True)
    if health.expected is not None and health.expected.members is not None:
        console.print(f"  expected members ({escape(health.expected.source)}): "
                      f"{escape(', '.join(health.expected.members) or 'none')}", soft_wrap=True)
    _print_problems(health.problems, console)
    console.print()


def _print_problems(problems: Sequence[Any], console: Console) -> None:
    from rich.markup import escape

    for problem in problems:
        colour = "red" if problem.level == "error" else "yellow"
        console.print(f"  [{colour}]{problem.level}[/{colour}] {problem.code} {escape(problem.message)}",
                      soft_wrap=True)
        if problem.check:
            console.print(f"      check: {escape(problem.check)}", soft_wrap=True)


def print_log_findings(where: str, problems: Sequence[Any], console: Console | None = None) -> None:
    """`explain --log`: the bond errors Talos logged, traced back (stderr, like every report)."""
    from rich.markup import escape

    console = console or stderr_console()
    console.print(f"[bold]{escape(where)}[/bold] Talos's controller-runtime log: "
                  f"{len(problems) or 'no'} bond error(s) traced", soft_wrap=True)
    _print_problems(problems, console)


def print_verify(verdicts: Sequence[Any], errors: Sequence[NodeError], notes: Sequence[str] = (),
                 console: Console | None = None) -> None:
    """Per bond: a line with its settings and verdict, a table of members with decoded LACP state, then
    each problem with what to check. On stderr, like every table."""
    from rich.markup import escape

    console = console or stderr_console()
    for verdict in verdicts:
        for health in verdict.bonds:
            _print_bond(health, console)
        if getattr(verdict, "log_problems", ()):
            console.print(f"[bold]{escape(verdict.node)}[/bold] Talos's controller-runtime log", soft_wrap=True)
            _print_problems(verdict.log_problems, console)
            console.print()
    for note in notes:
        console.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)
    print_node_errors(errors, console)
    total = sum(len(v.bonds) for v in verdicts)
    unhealthy = sum(1 for v in verdicts for h in v.bonds if not h.healthy)
    summary = f"{total} bond(s) checked, {unhealthy} unhealthy"
    if errors:
        summary += f", {len(errors)} could not be read"
    console.print(summary, soft_wrap=True)


def print_apply_plan(plans: Sequence[Any], commands: dict[str, list[str]], timeout: float,
                     probe_address: str | None) -> None:
    """What `apply` will do, node by node, before anything changes (stderr)."""
    out = sys.stderr
    out.write(f"plan: {len(plans)} node(s), one at a time, stopping at the first failure\n")
    for plan in plans:
        out.write(f"\n{plan.name}:\n")
        if plan.unchanged:
            out.write("  the patch is already in its config: nothing to apply, the bond is only verified\n")
        for bond, expected in plan.expected.items():
            settings = ", ".join(f"{k} {v}" for k, v in expected.settings.items())
            out.write(f"  {bond}: members {', '.join(expected.members or ()) or 'none'}"
                      + (f" ({settings})" if settings else "") + "\n")
        changed = sum(1 for line in plan.diff.splitlines()
                      if line[:1] in "+-" and not line.startswith(("+++", "---")))
        out.write(f"  config: {changed} line(s) change\n")
        if not plan.unchanged:
            for command in commands.get(plan.name, []):
                out.write(f"  $ {command}\n")
            probes = ["the Talos API answers"]
            probes += [f"{b} exists with {', '.join(e.members or ())} and verifies healthy"
                       for b, e in plan.expected.items()]
            if probe_address:
                probes.append(f"{probe_address} answers")
            out.write(f"  probes (twice in a row, within {timeout:g}s): {'; '.join(probes)}\n")
        for note in plan.notes:
            out.write(f"  note: {note}\n")
        for refusal in plan.refusals:
            out.write(f"  refused: {refusal}\n")
    out.write("\n")


def print_apply_diffs(plans: Sequence[Any]) -> None:
    """`apply --dry-run`: the config change per node (secrets redacted), on stdout."""
    for plan in plans:
        sys.stdout.write((plan.diff or f"# {plan.name}: no change") + "\n")


def apply_step(line: str) -> None:
    """One progress line of `apply` (stderr)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def print_apply_summary(outcomes: Sequence[Any], untouched: Sequence[str]) -> None:
    """The result per node, failures first in detail, and the nodes never touched."""
    out = sys.stderr
    out.write("\nresult:\n")
    for outcome in outcomes:
        out.write(f"  {outcome.node}: {outcome.status}\n")
        for failure in outcome.failures:
            out.write(f"    - {failure}\n")
        for health in outcome.health:
            for problem in health.problems:
                if problem.level == "error" and not outcome.ok:
                    out.write(f"    {problem.code} {problem.message}\n")
                    if problem.check:
                        out.write(f"      check: {problem.check}\n")
    for node in untouched:
        out.write(f"  {node}: not touched (an earlier node failed)\n")


def print_shapes(
    shapes: Sequence[Shape],
    errors: Sequence[NodeError],
    selectors: dict[tuple[int, str], str] | None = None,
    console: Console | None = None,
) -> None:
    """A fleet as one table per hardware shape: its cards, how many nodes have it, the nodes that differ."""
    from rich.markup import escape
    from rich.table import Table

    console = console or stderr_console()
    total = sum(len(shape.nodes) for shape in shapes)
    for shape in shapes:
        facts = [f"{len(shape.nodes)} node(s)"]
        if shape.talos_version:
            facts.append(f"Talos {shape.talos_version}")
        if shape.busiest:
            facts.append(f"busiest card {shape.busiest}")
        console.print(f"[bold]shape {shape.number}[/bold]: {', '.join(facts)}", soft_wrap=True)
        console.print(f"  nodes: {escape(shape.node_list)}", soft_wrap=True)
        table = Table(show_lines=False, pad_edge=False, box=None, padding=(0, 2, 0, 0))
        for column in ("card", "driver", "bus path", "PCI ID", "speed", "carrier", "vendor / product"):
            table.add_column(column, no_wrap=column != "vendor / product", overflow="fold")
        for card in shape.cards:
            product = " / ".join(x for x in (card.vendor, card.product) if x)
            table.add_row(escape(card.name), escape(card.driver or "-"), escape(card.bus_path or "-"),
                          escape(card.pci_id or "-"), speed_text(card.speed_mbit),
                          "[green]up[/green]" if card.carrier else "[red]down[/red]", escape(product))
        console.print(table)
        if selectors:
            console.print("  selectors (driver + bus path, the same on every node of the shape):")
            for card in shape.cards:
                chosen = selectors.get((shape.number, card.name))
                if chosen:
                    console.print(f"    {escape(card.name)}: {escape(chosen)}", soft_wrap=True)
        for group in shape.bondable:
            console.print(f"  can bond: {escape(', '.join(group))} (same driver and speed, carrier up)")
        if shape.deviations:
            console.print(f"  [yellow]{len(shape.deviations)} node(s) differ from this shape:[/yellow]")
            for deviation in shape.deviations:
                console.print(f"    {escape(deviation.node)}: {escape('; '.join(deviation.differences))}",
                              soft_wrap=True)
        console.print()
    console.print(f"{len(shapes)} shape(s) across {total} node(s); --per-node shows every card of every node",
                  soft_wrap=True)
    print_node_errors(errors, console)

def print_rules(rules: Iterable[Any]) -> None:
    """`talosbond rules`: both families, one line per rule with its default level and summary."""
    families = (("lint", "lint rules (talosbond lint, patch):"),
                ("health", "bond health rules (talosbond verify, apply):"))
    for index, (family, title) in enumerate(families):
        sys.stdout.write(("\n" if index else "") + title + "\n")
        for rule in rules:
            if rule.family == family:
                fix = " [fix]" if rule.fixable else ""
                sys.stdout.write(f"  {rule.code}  {rule.level:<7}  {rule.name:<26} {rule.summary}{fix}\n")


def print_rule(rule: Any) -> None:
    """`talosbond rules CODE`: the rule's full documentation."""
    notes = [rule.family, f"default level {rule.level}"]
    if rule.needs_links:
        notes.append("needs links: -n or --from")
    if rule.fixable:
        notes.append("lint --fix can fix it")
    sys.stdout.write(f"{rule.code} {rule.name} ({', '.join(notes)})\n\n{rule.doc}\n")


# --- drill (issue 14) ---


def drill_step(line: str) -> None:
    """One progress line of `drill` (stderr)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def print_drill_plan(drills: Sequence[Any], commands: dict[tuple[str, str], list[str]], hold: float,
                     probes: Sequence[str]) -> None:
    """What `drill` will do, node by node and member by member, before anything changes (stderr)."""
    out = sys.stderr
    targets = ", ".join(["the Talos API", *probes])
    out.write(f"plan: {len(drills)} node(s), one member at a time; each held out {hold:g}s while probing {targets}\n")
    for drill in drills:
        version = f", Talos {drill.node.version}" if drill.node.version else ""
        out.write(f"\n{drill.name}: {drill.bond} ({drill.mode or 'unknown mode'}), members "
                  f"{', '.join(drill.members) or 'unknown'}{version}\n")
        if drill.health is not None and not drill.health.healthy:
            for problem in drill.health.problems:
                out.write(f"  {problem.level} {problem.code}: {problem.message}\n")
        for plan in drill.members_plans:
            out.write(f"  {plan.member}: {plan.how or plan.method}\n")
            for line in plan.proof:
                out.write(f"    proof: {line}\n")
            for command in commands.get((drill.name, plan.member), []):
                out.write(f"    {command}\n" if command.startswith("#") else f"    $ {command}\n")
        for note in drill.notes:
            out.write(f"  note: {note}\n")
        for refusal in drill.refusals:
            out.write(f"  refused: {refusal}\n")
    out.write("\n")


def print_drill_configs(drills: Sequence[Any]) -> None:
    """`drill --dry-run`: per member, the document the try-mode config changes, then the diff (stdout)."""
    for drill in drills:
        for plan in drill.members_plans:
            if not plan.config:
                continue
            sys.stdout.write(f"# {drill.name} {drill.bond}: take {plan.member} out ({plan.method})\n")
            sys.stdout.write(plan.excerpt + "\n" + plan.diff + "\n\n")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def print_drill_report(results: Sequence[Any]) -> None:
    """Per node and member: verdict, failover time, probe losses, recovery time, and what went wrong (stdout)."""
    out = sys.stdout
    out.write(f"{'NODE':<16} {'MEMBER':<14} {'VERDICT':<12} {'FAILOVER':>9} {'LOST':>9} {'RECOVERY':>9}\n")
    for r in results:
        lost = f"{sum(r.probe_losses.values())}/{r.probe_rounds}" if r.probe_rounds else "-"
        out.write(f"{r.node:<16} {r.member:<14} {r.verdict:<12} {_seconds(r.failover_seconds):>9} {lost:>9} "
                  f"{_seconds(r.recovery_seconds):>9}\n")
        for problem in r.problems:
            out.write(f"  - {problem}\n")
        for note in r.notes:
            out.write(f"  note: {note}\n")
