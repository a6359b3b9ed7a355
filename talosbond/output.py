"""Everything talosbond shows: rich tables for people (stderr), JSON and YAML for scripts (stdout).

rich is imported inside the functions that draw, so that `-o json` never pays for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from talosbond.model import NodeError
from talosbond.ranking import Ranking

if TYPE_CHECKING:
    from rich.console import Console


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


def human_speed(mbit: int | None) -> str:
    if mbit is None:
        return "?"
    return f"{mbit // 1000}G" if mbit >= 1000 and mbit % 1000 == 0 else f"{mbit}M"


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
            "talos_version": ranking.node.talos_version or None,
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
        title = f"[bold]{node.name}[/bold]" + (f"  Talos {node.talos_version}" if node.talos_version else "")
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
                human_speed(link.speed_mbit),
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


def print_notes(notes: Iterable[str]) -> None:
    """Informational lines for people, on stderr."""
    for note in notes:
        sys.stderr.write(f"note: {note}\n")


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
