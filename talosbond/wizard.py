"""`talosbond wizard`: the same pipeline as `discover` + `patch` (+ `nad`), asked as questions.

Every answer is checked as it is given, by the code `patch` runs on the same option (`answers.py`); a
refused answer stays on screen with the reason and is asked again alone. Answers survive a retry. The
file written is exactly what `talosbond patch` writes with the same options. Ctrl-C leaves with exit code
130 and nothing written; an existing file is only replaced when the user says so.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import questionary

from talosbond import answers as check
from talosbond.answers import Answers, validator
from talosbond.discovery import discover
from talosbond.errors import TalosbondError, UsageError
from talosbond.features import release_text
from talosbond.model import Node, speed_text
from talosbond.output import human_bytes, print_discovery, print_notes, print_problems, print_warnings
from talosbond.plan import HASH_MODES, HASH_POLICIES, LACP_RATES, MODES, PRIMARY_MODES, nodes_version
from talosbond.ranking import Ranking, rank_node
from talosbond.sources import Connection

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

EXIT_INTERRUPTED = 130

MODE_HELP = {
    "active-backup": "one card carries traffic, the other takes over; works with any switch",
    "802.3ad": "LACP: all cards carry traffic; the switch ports must form one LACP port-channel",
    "balance-xor": "static aggregation by hash; the switch ports must form a static port-channel",
    "balance-rr": "round-robin per packet; needs a static port-channel, reorders packets",
    "balance-tlb": "adaptive transmit load balancing; no switch support needed",
    "balance-alb": "tlb plus receive balancing through ARP; no switch support needed",
    "broadcast": "every packet on every card; for special redundancy setups only",
}
FORMATS = {
    "auto": "Talos patch, in the format of the target version",
    "v1alpha1": "Talos patch, legacy machine.network.interfaces",
    "multidoc": "Talos patch, multi-document (1.12+)",
    "nncp": "kubernetes-nmstate NodeNetworkConfigurationPolicy",
    "talhelper": "talhelper networkInterfaces for talconfig.yaml",
}
DEFAULT_FILES = {"nncp": "bond-nncp.yaml", "talhelper": "bond-talhelper.yaml"}


def _ask(question: Any) -> Any:
    """Ctrl-C raises KeyboardInterrupt (handled once, in `run_wizard`)."""
    return question.unsafe_ask()


def _text(message: str, default: str, check_answer: Any = None) -> str:
    validate = validator(check_answer) if check_answer else None
    answer: str = _ask(questionary.text(message, default=default, validate=validate))
    return answer.strip()


def _select(message: str, choices: Sequence[tuple[str, str]], default: str | None) -> str:
    options = [questionary.Choice(title, value=value) for value, title in choices]
    values = [value for value, _ in choices]
    answer: str = _ask(questionary.select(message, choices=options, default=default if default in values else None))
    return answer


def _connection(conn: Connection) -> Connection:
    if conn.nodes or conn.from_dir:
        return conn
    where = _text("Node address, or a capture directory to read:", "fixtures/links/")
    if os.path.isdir(where):
        return Connection(from_dir=where)
    return Connection(nodes=tuple(x.strip() for x in where.split(",") if x.strip()), talosconfig=conn.talosconfig,
                      context=conn.context, endpoints=conn.endpoints, insecure=conn.insecure)


def _card_label(ranking: Ranking, name: str) -> str:
    ranked = ranking.ranked(name)
    assert ranked is not None
    link = ranked.link
    carrier = "up" if link.link_state else "no carrier"
    role = f", {ranked.role}" if ranked.role in ("management", "bonded") else ""
    return (f"{link.name:<14} {link.driver:<10} {speed_text(link.speed_mbit):>5} {carrier:<10} "
            f"{human_bytes(ranked.traffic) if ranked.rx_bytes is not None else '-':>10}{role}")


def _cards(rankings: Sequence[Ranking], given: Answers) -> list[str]:
    first = rankings[0]
    proposal = next((g for g in first.groups if not set(g) & set(first.management)),
                    first.groups[0] if first.groups else ())
    suggested = tuple(given.ports) or tuple(proposal)
    choices = [questionary.Choice(_card_label(first, r.link.name), value=r.link.name,
                                  checked=r.link.name in suggested) for r in first.physical]
    note = f" (the same names on all {len(rankings)} nodes)" if len(rankings) > 1 else ""

    def validate(picked: list[str]) -> bool | str:
        return True if picked else "pick at least one card (space toggles)"

    picked: list[str] = _ask(questionary.checkbox(f"Cards to bond{note}:", choices=choices, validate=validate))
    return picked


def _mode_options(given: Answers) -> None:
    """The options that mean something in the chosen mode, each checked as it is answered."""
    mode = given.mode
    given.lacp_rate = _select("LACP rate:", [(r, r) for r in LACP_RATES], given.lacp_rate or "fast") \
        if mode == "802.3ad" else None
    if mode in HASH_MODES:
        default = given.xmit_hash_policy or ("layer3+4" if mode == "802.3ad" else "layer2")
        given.xmit_hash_policy = _select("Transmit hash policy:", [(p, p) for p in HASH_POLICIES], default)
    else:
        given.xmit_hash_policy = None
    if mode in PRIMARY_MODES:
        choice = _select("Primary card:", [("", "none"), *((p, p) for p in given.ports)], given.primary or "")
        given.primary = choice or None
    else:
        given.primary = None
    given.miimon = _text("MII link monitoring interval, ms (0 = off):", given.miimon,
                         lambda t: check.optional_int(t, "miimon", 0, 2**31))
    miimon = check.optional_int(given.miimon, "miimon", 0, 2**31)
    lacp = mode == "802.3ad" and bool(miimon)
    for name in ("updelay", "downdelay"):
        previous = getattr(given, name)
        default = previous if previous is not None else ("200" if lacp else "")
        setattr(given, name, _text(f"{name}, ms (a multiple of miimon; empty for none):", default,
                                   lambda t, n=name: check.delay(t, n, miimon)))
    given.mtu = _text("MTU of the bond (empty keeps 1500):", given.mtu,
                      lambda t: check.optional_int(t, "MTU", 68, 65535))


def _addressing(given: Answers, rankings: Sequence[Ranking]) -> None:
    current = check.current_address(rankings[0].node, given.ports) if len(rankings) == 1 else None
    choices: list[tuple[str, str]] = []
    if current:
        via = f" via {current[1]}" if current[1] else ""
        choices.append(("carry", f"keep the node's address {current[0]}{via} (its card joins the bond)"))
    choices += [("dhcp", "DHCP"), ("static", "static address"), ("none", "none (only its VLANs carry addresses)")]
    enslaves_management = any(set(given.ports) & set(r.management) for r in rankings)
    default = given.addressing or ("carry" if current else "dhcp" if enslaves_management else "none")
    given.addressing = _select("Address of the bond itself:", choices, default)
    if given.addressing == "carry" and current:
        given.addresses, given.gateway = current[0], current[1] or ""
    elif given.addressing == "static":
        given.addresses = _text("Static address(es), CIDR, comma-separated:", given.addresses,
                                lambda t: check.cidrs(t, "address"))
        given.gateway = _text("Default gateway through the bond (empty for none):", given.gateway, check.gateway)


def _vlans(given: Answers) -> None:
    given.vlan_ids = _text("VLAN ids on the bond (comma-separated, empty for none):", given.vlan_ids,
                           lambda t: check.vlan_ids(t, given.bond))
    for vid in check.vlan_ids(given.vlan_ids, given.bond):
        given.vlan_addresses[vid] = _text(f"Address of VLAN {vid} (CIDR, dhcp, or empty for none):",
                                          given.vlan_addresses.get(vid, ""), lambda t, v=vid: check.vlan_spec(v, t))


def _questions(rankings: Sequence[Ranking], nodes: Sequence[Node], given: Answers) -> None:
    given.ports = _cards(rankings, given)
    given.bond = _text("Bond name:", given.bond, check.bond_name)
    given.mode = _select("Bond mode:", [(m, f"{m:<14} {MODE_HELP[m]}") for m in MODES], given.mode)
    _mode_options(given)
    _addressing(given, rankings)
    _vlans(given)
    detected = nodes_version(nodes)
    known = release_text(detected) if detected else ""
    given.version = _text("Target Talos version (what the node runs):", given.version or known, check.version)
    given.fmt = _select("Write it as:", list(FORMATS.items()), given.fmt)


def _save_path(default: str) -> str:
    """A path to write; an existing file only with the user's yes."""
    path = default
    while True:
        path = _text("Save to:", path, check.file_name)
        if not os.path.exists(path) or _ask(questionary.confirm(f"{path} exists. Overwrite it?", default=False)):
            return path


def _offer_nads(talos_text: str, vlan_count: int, version: tuple[int, int], written: list[str]) -> None:
    from talosbond.config import read_config
    from talosbond.nad import IPAMS, TYPES, NadOptions, nad_documents, vlan_links
    from talosbond.sources.capture import write_text_atomic
    from talosbond.yamlout import dump_yaml

    if not vlan_count or not _ask(questionary.confirm("Write Multus NetworkAttachmentDefinitions for the VLANs?",
                                                      default=False)):
        return
    links, _ = vlan_links(read_config(talos_text, "<patch>"), version)
    cni_type = _select("Pod interface type:", [(t, t) for t in TYPES], "macvlan")
    ipam = _select("Pod address management (IPAM):", [(i, i) for i in IPAMS], "whereabouts")

    def build(text: str, namespace: str = "") -> tuple[list[dict[str, Any]], list[str], list[str]]:
        options = NadOptions(cni_type=cni_type, ipam=ipam, range=text.strip() or None, namespace=namespace or None)
        return nad_documents(links, options, "<patch>")

    needs_range = ipam in ("whereabouts", "host-local")
    cidr = _text("Pod address range, CIDR (empty: each VLAN's network):", "", build) if needs_range else ""
    namespace = _text("Namespace (empty for the default):", "", lambda t: build(cidr, t.strip()))
    documents, notes, warnings = build(cidr, namespace)
    print_notes(notes)
    print_warnings(warnings)
    path = _save_path("nad.yaml")
    write_text_atomic(path, dump_yaml(documents))
    written.append(path)
    questionary.print(f"Saved {path}: kubectl apply -f {path}", style="bold")


def _attempt(rankings: Sequence[Ranking], nodes: Sequence[Node], given: Answers) -> Any:
    """One round of questions and the patch they give; None when the user wants to answer again."""
    from talosbond.patchjob import request_from, run_patch

    _questions(rankings, nodes, given)
    try:
        result = run_patch(request_from(**given.patch_options()), rankings, nodes)
    except TalosbondError as exc:  # e.g. no selector picks exactly these cards on every node
        questionary.print(f"  {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), style="fg:red")
        return None if _ask(questionary.confirm("Change the answers?", default=True)) else False
    print_notes(result.notes)
    print_problems(result.problems)
    questionary.print(result.text)
    if result.errors:
        return None if _ask(questionary.confirm("The patch has lint errors. Change the answers?",
                                                default=True)) else False
    return result


def _run(conn: Connection, written: list[str]) -> int:
    from talosbond.sources.capture import write_text_atomic

    found = discover(_connection(conn))
    if found.errors or not found.nodes:
        print_discovery([], found.errors)
        raise UsageError("no node could be read" if not found.nodes else "some nodes could not be read")
    rankings = [rank_node(node) for node in found.nodes]
    print_discovery(rankings, ())
    given = Answers()
    while (result := _attempt(rankings, found.nodes, given)) is None:
        questionary.print("Again; Enter keeps an answer.", style="bold")
    if result is False:
        return 1
    path = _save_path(given.path or DEFAULT_FILES.get(given.fmt, "bond.yaml"))
    write_text_atomic(path, result.text)
    written.append(path)
    questionary.print(f"Saved {path}.", style="bold")
    if given.fmt not in DEFAULT_FILES:
        node = found.nodes[0].name
        questionary.print("Apply it in try mode first:", style="bold")
        questionary.print(f"  talosctl -n {node} patch mc --patch @{path} --mode try --timeout 2m")
    _offer_nads(result.talos_text, len(result.plan.vlans), result.plan.version, written)
    return 0


def run_wizard(conn: Connection, terminal: tuple[Input, Output] | None = None) -> int:
    """Ask, show, write. Returns the exit code (130 after Ctrl-C, with nothing written). `terminal` is a
    keyboard and screen to ask on instead of the process's own terminal: tests type into it in-process."""
    if terminal is None and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("the wizard needs a terminal", "in scripts use `talosbond patch` with options")
    session: AbstractContextManager[object] = nullcontext()
    if terminal is not None:
        from prompt_toolkit.application import create_app_session

        session = create_app_session(input=terminal[0], output=terminal[1])
    written: list[str] = []
    try:
        with session:
            return _run(conn, written)
    except KeyboardInterrupt:
        done = f"only {', '.join(written)} written" if written else "nothing written"
        sys.stderr.write(f"\nwizard cancelled, {done}\n")
        return EXIT_INTERRUPTED
