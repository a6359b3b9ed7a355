"""Bond health: a parsed `/proc/net/bonding/<bond>` (plus the node's LinkStatus and, when known, the config
the bond was made from) -> the findings of the health rules (`talosbond/health/`, codes `TB1xx`).

A bond is healthy when no finding of level `error` is found; warnings (a past link failure, traffic on
the backup while the primary is up) are reported but do not make it unhealthy.

Pure functions: no I/O here. The CLI and `apply` fetch the texts and pass them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talosbond.health import Expected, HealthContext, run_health
from talosbond.health._util import as_int
from talosbond.model import BondStatus, Link, Node, NodeError, Problem
from talosbond.rules import Settings


@dataclass(frozen=True)
class BondHealth:
    """The verdict on one bond of one node."""

    node: str
    name: str
    status: BondStatus
    problems: tuple[Problem, ...]
    expected: Expected | None = None
    link: Link | None = None

    @property
    def healthy(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


def verify_bond(
    node: str,
    status: BondStatus,
    link: Link | None = None,
    member_links: Sequence[Link] = (),
    expected: Expected | None = None,
    previous: BondStatus | None = None,
    settings: Settings | None = None,
) -> BondHealth:
    """Run every enabled health rule on one bond. `previous` is an earlier read of the same file (rising
    counters)."""
    ctx = HealthContext(node, status, link, tuple(member_links), expected, previous)
    return BondHealth(node, status.name, status, tuple(run_health(ctx, settings)), expected, link)


def bond_links(node: Node) -> list[Link]:
    """The node's bond links (kind `bond`), in the order Talos lists them."""
    return [link for link in node.links if link.kind == "bond"]


def member_links_of(node: Node, bond: Link | None) -> tuple[Link, ...]:
    """Links Talos reports as enslaved to `bond` (slaveKind bond, masterIndex = the bond's index)."""
    if bond is None or not bond.index:
        return ()
    return tuple(x for x in node.links if x.slave_kind == "bond" and x.master_index == bond.index)


def expected_from_config(
    text: str, filename: str, source: str, bond: str, node: Node, version: tuple[int, int]
) -> Expected | None:
    """What a config (full machine config or patch, legacy or multi-doc) says about `bond` on `node`.

    Members come from Talos's own matching run on the node's links as they are now (physical cards only);
    None when the config does not define the bond. Raises `ParseError` for a config that does not parse.
    """
    from talosbond.config import read_config
    from talosbond.simulate import physical_members, resolve_legacy, resolve_multidoc

    view = read_config(text, filename)
    for legacy in view.legacy_bonds:
        if legacy.name != bond:
            continue
        result = resolve_legacy(legacy, node.links, "now")
        settings = _settings({"mode": legacy.bond.get("mode"), "xmit_hash_policy": legacy.bond.get("xmitHashPolicy"),
                              "lacp_rate": legacy.bond.get("lacpRate"), "miimon": legacy.bond.get("miimon")})
        return Expected(source, physical_members(result.members, node), settings, tuple(result.errors))
    for mbond in view.bonds:
        if mbond.name != bond:
            continue
        result = resolve_multidoc(mbond, view.aliases, node.links, version, "now")
        doc = mbond.doc
        settings = _settings({"mode": doc.get("bondMode"), "xmit_hash_policy": doc.get("xmitHashPolicy"),
                              "lacp_rate": doc.get("lacpRate"), "miimon": doc.get("miimon")})
        return Expected(source, physical_members(result.members, node), settings, tuple(result.errors))
    return None


def _settings(raw: dict[str, Any]) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for key, value in raw.items():
        if value is None or value == "":
            continue
        out[key] = as_int(value) if key == "miimon" else str(value)
    return out


@dataclass(frozen=True)
class ConfigText:
    """A config to compare against: its text, a file name for errors, and how to name it in messages."""

    text: str
    filename: str
    source: str  # e.g. "--against bond.yaml", "the node's machine config"


@dataclass(frozen=True)
class NodeVerdict:
    """Every bond verified on one node, the bonds that could not be read, and notes for the reader."""

    node: str
    bonds: tuple[BondHealth, ...]
    errors: tuple[NodeError, ...] = ()
    notes: tuple[str, ...] = ()


def verify_node(
    node: Node,
    bonds: Sequence[str] = (),
    config: ConfigText | None = None,
    origins: dict[str, str] | None = None,
    previous: dict[str, BondStatus] | None = None,
    missing_hint: str = "",
    settings: Settings | None = None,
) -> NodeVerdict:
    """Parse and verify the bonds of one node (`bonds`, or every bond link it has).

    A bond whose /proc/net/bonding text is absent or does not parse becomes a `NodeError` (could not
    read); the node's other bonds are still verified.
    """
    from talosbond.errors import ParseError
    from talosbond.parsing.bonding import parse_bonding
    from talosbond.parsing.version import version_tuple

    origins = origins or {}
    errors: list[NodeError] = []
    notes: list[str] = []
    if bonds:
        names = list(dict.fromkeys(bonds))
    else:
        candidates = [x.name for x in bond_links(node)]
        candidates += [name for name in node.bonding if name not in candidates]
        defined = _config_bonds(config)
        names = [name for name in candidates if name in defined or _in_use(node, name)]
        for name in candidates:
            if name not in names:
                notes.append(f"{node.name}: {name} has no members and is down (the bonding driver's default "
                             f"bond?); not verified (pass --bond {name} to check it)")
    if not names:
        errors.append(NodeError(node.name, "no bond in use on this node", "pass --bond NAME to check one anyway"))
        return NodeVerdict(node.name, (), tuple(errors), tuple(notes))
    try:
        version = version_tuple(node.talos_version) if node.talos_version else (1, 14)
    except ValueError:
        version = (1, 14)
    results: list[BondHealth] = []
    for name in names:
        text = node.bonding.get(name)
        origin = origins.get(f"bonding/{name}", f"/proc/net/bonding/{name}")
        if text is None:
            link = node.link(name)
            what = f"no /proc/net/bonding/{name} was read" + ("" if link is None or link.kind == "bond" else
                                                                f" ({name} is a {link.kind or link.type} link)")
            errors.append(NodeError(node.name, what, missing_hint))
            continue
        try:
            status = parse_bonding(text, name, origin)
        except ParseError as exc:
            errors.append(NodeError(node.name, exc.message, exc.hint))
            continue
        link = node.link(name)
        expected: Expected | None = None
        if config is not None:
            try:
                expected = expected_from_config(config.text, config.filename, config.source, name, node, version)
            except ParseError as exc:
                errors.append(NodeError(node.name, exc.message, exc.hint))
                continue
            if expected is None:
                notes.append(f"{node.name}: {config.source} does not define {name}; members and settings are not "
                             "compared with a config")
            else:
                notes.extend(f"{node.name}: {config.source}: {note}" for note in expected.notes)
        results.append(verify_bond(node.name, status, link, member_links_of(node, link), expected,
                                   (previous or {}).get(name), settings))
    return NodeVerdict(node.name, tuple(results), tuple(errors), tuple(notes))


def _config_bonds(config: ConfigText | None) -> set[str]:
    """Bond names a config defines (none when it does not parse: verify_node reports that)."""
    from talosbond.config import read_config
    from talosbond.errors import ParseError

    if config is None:
        return set()
    try:
        view = read_config(config.text, config.filename)
    except ParseError:
        return set()
    return {b.name for b in view.legacy_bonds} | {b.name for b in view.bonds}


def _in_use(node: Node, name: str) -> bool:
    """A bond with members (per Talos or the kernel) or carrier; the kernel's idle default `bond0` is not."""
    from talosbond.errors import ParseError
    from talosbond.parsing.bonding import parse_bonding

    link = node.link(name)
    if link is not None and (member_links_of(node, link) or link.operational_state == "up" or link.link_state):
        return True
    text = node.bonding.get(name)
    if text is None:
        return False
    try:
        status = parse_bonding(text, name)
    except ParseError:
        return True  # let verify report the bad file
    return bool(status.members) or status.mii_status == "up"
