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
    from rich.table import Table

    from talosbond.shapes import Shape


# The version of every `-o json` document's shape (docs/json.md): raised when a key changes meaning or goes
# away; new keys may appear without it.
JSON_SCHEMA_VERSION = 1


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
    return {"schema_version": JSON_SCHEMA_VERSION, "source": source, "nodes": nodes}


def to_json(document: Any) -> str:
    return json.dumps(document, indent=2) + "\n"


def to_yaml(document: Any) -> str:
    """`-o yaml`: through the same writer as patches."""
    from talosbond.yamlout import dump_yaml

    return dump_yaml(document if isinstance(document, list) else [document])


NOT_A_TERMINAL_WIDTH = 120  # a pipe or a log without $COLUMNS: wide enough for every column that matters


def console_on(stream: TextIO) -> Console:
    """A console on `stream`: colour only on a terminal (and NO_COLOR unset); off a terminal as wide as
    $COLUMNS says, else NOT_A_TERMINAL_WIDTH."""
    import os

    from rich.console import Console

    width = None
    if not stream.isatty():
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else NOT_A_TERMINAL_WIDTH
    return Console(file=stream, highlight=False, soft_wrap=False, width=width)


@contextmanager
def trimmed(console: Console) -> Iterator[None]:
    """Print through `console` without the spaces rich pads every line with to the table's width (a pipe,
    a diff or a copy-paste should not get them)."""
    with console.capture() as captured:
        yield
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def stderr_console() -> Console:
    """Notes, errors and progress (stderr)."""
    return console_on(sys.stderr)


def stdout_console() -> Console:
    """The human result of a read-only command (stdout)."""
    return console_on(sys.stdout)


# Columns of the discover table beyond the core ones, most useful first; each goes into the table while it
# fits the console's width, else into the card's detail lines under the table.
_OPTIONAL_COLUMNS = ("permanent MAC", "bus path", "PCI ID")
_CARD_COLUMNS = ("#", "name", "driver", "permanent MAC", "bus path", "PCI ID", "speed", "link", "rx", "tx", "role")


def _card_fields(ranked: Any) -> dict[str, str]:
    """Every column of one card, as plain text."""
    link = ranked.link
    return {
        "#": str(ranked.rank) if ranked.rank is not None else "",
        "name": link.name,
        "driver": link.driver or "-",
        "speed": speed_text(link.speed_mbit),
        "link": "up" if link.link_state else "down",
        "rx": human_bytes(ranked.rx_bytes),
        "tx": human_bytes(ranked.tx_bytes),
        "role": ranked.role,
        "permanent MAC": link.permanent_addr or "-",
        "bus path": link.bus_path or "-",
        "PCI ID": link.pci_id or "-",
    }


def columns_that_fit(rows: Sequence[dict[str, str]], order: Sequence[str], optional: Sequence[str],
                     width: int) -> list[str]:
    """`order` without those of `optional` (most useful first) that do not fit in `width`, as drawn with
    two spaces between columns. What does not fit is the caller's to show under the table."""

    def wide(column: str) -> int:
        return max([len(column), *(len(row[column]) for row in rows)])

    shown = [c for c in order if c not in optional]
    used = sum(wide(c) for c in shown) + 2 * (len(shown) - 1)
    for column in (c for c in optional if c in order):
        if used + wide(column) + 2 <= width:
            shown.append(column)
            used += wide(column) + 2
    return [c for c in order if c in shown]


def plain_table(title: str, columns: Sequence[str], right: Sequence[str] = ()) -> Table:
    """A borderless table with a rule under the header: readable in a pipe, a log or a terminal."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  padding=(0, 1), collapse_padding=True)
    for column in columns:
        table.add_column(column, no_wrap=True, justify="right" if column in right else "left")
    return table


def indented(console: Console, text: str, indent: int = 2, markup: bool = False) -> None:
    """A line under a table, wrapped at the console's width with every line indented."""
    from rich.padding import Padding
    from rich.text import Text

    body = Text.from_markup(text) if markup else Text(text)
    console.print(Padding(body, (0, 0, 0, indent), expand=False))


def _card_details(ranked: Any, fields: dict[str, str], shown: list[str], selector: str | None) -> list[str]:
    """What the table had no room for, then vendor/product and the suggested selector."""
    link = ranked.link
    labels = {"permanent MAC": "MAC", "bus path": "bus", "PCI ID": "PCI"}
    facts = [f"{labels[c]} {fields[c]}" for c in _OPTIONAL_COLUMNS if c not in shown and fields[c] != "-"]
    if link.hardware_addr and link.permanent_addr and link.hardware_addr != link.permanent_addr:
        facts.append(f"current MAC {link.hardware_addr}")
    product = " / ".join(x for x in (link.vendor, link.product) if x)
    lines = ["  ".join(facts)] if facts else []
    if product:
        lines.append(product)
    if selector:
        lines.append(f"selector: {selector}")
    return lines


def _print_cards(ranking: Ranking, selectors: dict[tuple[str, str], str] | None, console: Console) -> None:
    from rich.markup import escape

    node = ranking.node
    rows = [_card_fields(ranked) for ranked in ranking.physical]
    columns = columns_that_fit(rows, _CARD_COLUMNS, _OPTIONAL_COLUMNS, console.width)
    version = f"  Talos {escape(str(node.version))}" if node.version is not None else ""
    table = plain_table(f"[bold]{escape(node.name)}[/bold]{version}", columns, right=("#", "rx", "tx"))
    styles = {"up": "[green]up[/green]", "down": "[red]down[/red]", "management": "[yellow]management[/yellow]"}
    for row in rows:
        table.add_row(*(styles.get(row[c], escape(row[c])) if c in ("link", "role") else escape(row[c])
                        for c in columns))
    console.print(table)
    for ranked, row in zip(ranking.physical, rows, strict=True):
        selector = selectors.get((node.name, ranked.link.name)) if selectors is not None else None
        details = _card_details(ranked, row, columns, selector)
        if details:
            indented(console, f"{row['#'] or '-'} {row['name']}: " + details[0])
            for line in details[1:]:
                indented(console, line, 4)


def print_discovery(
    rankings: Sequence[Ranking],
    errors: Sequence[NodeError],
    selectors: dict[tuple[str, str], str] | None = None,
    console: Console | None = None,
) -> None:
    """Per node: a table of its physical cards in rank order (as many columns as the width allows), each
    card's remaining details and suggested selector, the virtual links, management and bondable groups.
    The result of `discover`: stdout; failed nodes go to stderr."""

    console = console or stdout_console()
    with trimmed(console):
        _print_rankings(rankings, selectors, console)
    print_node_errors(errors)


def _print_rankings(
    rankings: Sequence[Ranking], selectors: dict[tuple[str, str], str] | None, console: Console
) -> None:
    for ranking in rankings:
        _print_cards(ranking, selectors, console)
        virtual = [r.link for r in ranking.links if r.rank is None]
        lines = []
        if virtual:
            lines.append("virtual: " + ", ".join(x.name + (f" ({x.kind})" if x.kind else "") for x in virtual))
        if ranking.management:
            lines.append(f"management: {', '.join(ranking.management)}: {ranking.management_reason}")
        lines += [f"can bond: {', '.join(group)}" for group in ranking.groups]
        for line in lines:
            indented(console, line)
        console.print()


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


def colour_on(stream: TextIO) -> bool:
    """Colour for a terminal, unless $NO_COLOR is set (no-color.org)."""
    import os

    return stream.isatty() and not os.environ.get("NO_COLOR")


def error_line(message: str, hint: str = "") -> None:
    """The one red line (and a hint) a failing command prints on stderr."""
    if colour_on(sys.stderr):
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
    tty = colour_on(stream)
    for problem in problems:
        level = problem.level
        tag = f"\x1b[{colours.get(level, '0')}m{level}\x1b[0m" if tty else level
        where = " ".join(x for x in (problem.node, problem.file, problem.path) if x)
        stream.write(f"{tag} {problem.code} {where}: {problem.message}\n" if where else
                     f"{tag} {problem.code}: {problem.message}\n")


def print_explain(proofs: Sequence[Any], console: Console | None = None) -> None:
    """Per node and bond: the link x selector matrix before and after the bond forms, then the verdict
    (the result of `explain`: stdout)."""
    from rich.markup import escape
    from rich.table import Table

    console = console or stdout_console()
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
        "schema_version": JSON_SCHEMA_VERSION,
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


_MEMBER_COLUMNS = ("member", "MII", "speed", "duplex", "failures", "permanent MAC", "agg", "actor state",
                   "partner state", "partner MAC", "churn actor/partner", "role")
# Beyond member, MII and speed, most useful first; what does not fit goes under the table.
_MEMBER_OPTIONAL = ("actor state", "partner state", "agg", "role", "failures", "duplex", "partner MAC",
                    "churn actor/partner", "permanent MAC")


def _member_fields(status: Any, member: Any) -> dict[str, str]:
    """One member's cells: the common ones, then LACP state (802.3ad) or its role (failover modes)."""
    from talosbond.health._util import short_port_state

    row = {"member": member.name, "MII": member.mii_status, "speed": speed_text(member.speed_mbit),
           "duplex": member.duplex or "-", "failures": str(member.link_failure_count),
           "permanent MAC": member.permanent_addr or "-"}
    if status.mode == "802.3ad":
        row |= {
            "agg": str(member.aggregator_id) if member.aggregator_id is not None else "N/A",
            "actor state": short_port_state(member.actor.port_state if member.actor else None),
            "partner state": short_port_state(member.partner.port_state if member.partner else None),
            "partner MAC": member.partner.system_mac if member.partner is not None else "-",
            "churn actor/partner": f"{member.actor_churn_state or '-'}/{member.partner_churn_state or '-'}",
        }
    elif status.mode in FAILOVER_MODES:
        roles = [role for role, name in (("active", status.active_member), ("primary", status.primary))
                 if member.name == name]
        row["role"] = ", ".join(roles) or "backup"
    return row


FAILOVER_MODES = ("active-backup", "balance-tlb", "balance-alb")
NO_BOND = "no bond in use on this node"  # verify_node's message for a node that has nothing to verify


def _print_members(health: Any, console: Console) -> None:
    """The members table, as many columns as fit; each member's other fields under it."""
    from rich.markup import escape

    rows = [_member_fields(health.status, member) for member in health.status.members]
    present = [c for c in _MEMBER_COLUMNS if rows and c in rows[0]]
    columns = columns_that_fit(rows, present, _MEMBER_OPTIONAL, console.width)
    table = plain_table(_bond_title(health), columns)
    for row in rows:
        table.add_row(*("[green]up[/green]" if c == "MII" and row[c] == "up" else
                        f"[red]{escape(row[c])}[/red]" if c == "MII" else escape(row[c]) for c in columns))
    console.print(table)
    for row in rows:
        rest = [f"{c} {row[c]}" for c in present if c not in columns]
        if rest:
            indented(console, f"{row['member']}: " + ", ".join(rest))


def _print_bond(health: Any, console: Console) -> None:
    """One bond: its members table, aggregator, expected members and problems."""

    status = health.status
    _print_members(health, console)
    aggregator = status.active_aggregator
    lacp = status.mode == "802.3ad"
    if lacp and aggregator is not None:
        indented(console, f"active aggregator {aggregator.aggregator_id}: {aggregator.ports} port(s), "
                 f"partner {aggregator.partner_mac}")
    elif lacp and status.no_active_aggregator:
        indented(console, "[red]no active aggregator[/red]", markup=True)
    if health.expected is not None and health.expected.members is not None:
        indented(console, f"expected members ({health.expected.source}): "
                 f"{', '.join(health.expected.members) or 'none'}")
    _print_problems(health.problems, console)
    console.print()


def _print_problems(problems: Sequence[Any], console: Console) -> None:
    from rich.markup import escape

    for problem in problems:
        colour = "red" if problem.level == "error" else "yellow"
        indented(console, f"[{colour}]{problem.level}[/{colour}] {problem.code} {escape(problem.message)}",
                 markup=True)
        if problem.check:
            indented(console, f"check: {problem.check}", 6)


def print_log_findings(where: str, problems: Sequence[Any], console: Console | None = None) -> None:
    """`explain --log`: the bond errors Talos logged, traced back (the result of `explain`: stdout)."""
    from rich.markup import escape

    console = console or stdout_console()
    with trimmed(console):
        console.print(f"[bold]{escape(where)}[/bold] Talos's controller-runtime log: "
                      f"{len(problems) or 'no'} bond error(s) traced", soft_wrap=True)
        _print_problems(problems, console)


def print_verify(verdicts: Sequence[Any], errors: Sequence[NodeError], notes: Sequence[str] = (),
                 console: Console | None = None) -> None:
    """Per bond: a line with its settings and verdict, a table of members with decoded LACP state, then
    each problem with what to check: the result of `verify`, on stdout. Notes and unread nodes: stderr."""
    from rich.markup import escape

    console = console or stdout_console()
    with trimmed(console):
        for verdict in verdicts:
            for health in verdict.bonds:
                _print_bond(health, console)
            if getattr(verdict, "log_problems", ()):
                console.print(f"[bold]{escape(verdict.node)}[/bold] Talos's controller-runtime log", soft_wrap=True)
                _print_problems(verdict.log_problems, console)
                console.print()
    notes_console = stderr_console()
    for note in notes:
        notes_console.print(f"[dim]note: {escape(note)}[/dim]", soft_wrap=True)
    print_node_errors(errors, notes_console)
    total = sum(len(v.bonds) for v in verdicts)
    unhealthy = sum(1 for v in verdicts for h in v.bonds if not h.healthy)
    without = sum(1 for e in errors if e.message == NO_BOND)
    summary = f"{total} bond(s) checked, {unhealthy} unhealthy"
    if without:
        summary += f", {without} node(s) without a bond"
    if len(errors) > without:
        summary += f", {len(errors) - without} could not be read"
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
        _plan_notes(out, plan.notes, plan.refusals)
    out.write("\n")


def _plan_notes(out: TextIO, notes: Iterable[str], refusals: Iterable[str]) -> None:
    """A node's notes and the reasons it is refused, under its plan (`apply` and `drill` dry runs)."""
    for note in notes:
        out.write(f"  note: {note}\n")
    for refusal in refusals:
        out.write(f"  refused: {refusal}\n")


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
    """A fleet as one table per hardware shape: its cards, how many nodes have it, the nodes that differ.
    The result of `discover` on a fleet: stdout; failed nodes go to stderr."""
    console = console or stdout_console()
    with trimmed(console):
        _print_shapes(shapes, console, selectors)
    print_node_errors(errors)


def _print_shapes(shapes: Sequence[Shape], console: Console, selectors: dict[tuple[int, str], str] | None) -> None:
    from rich.markup import escape
    from rich.table import Table

    total = sum(len(shape.nodes) for shape in shapes)
    for shape in shapes:
        facts = [f"{len(shape.nodes)} node(s)"]
        if shape.version is not None:
            facts.append(f"Talos {shape.version}")
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
        _plan_notes(out, drill.notes, drill.refusals)
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
