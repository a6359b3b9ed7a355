"""Bond health: a parsed `/proc/net/bonding/<bond>` (plus the node's LinkStatus and, when known, the config
the bond was made from) -> the findings of the health rules (`talosbond/health/`, codes `TB1xx`).

A bond is healthy when no finding of level `error` is found; warnings (a past link failure, traffic on
the backup while the primary is up) are reported but do not make it unhealthy.

Pure functions: no I/O, no text. The CLI and `apply` pass in parsed `Node`s and configs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from talosbond.config import ConfigView, as_int
from talosbond.errors import ParseError
from talosbond.features import Release, release_or_newest
from talosbond.health import Expected, HealthContext, run_health, run_log_rules
from talosbond.model import BondStatus, Link, Node, NodeError, Problem
from talosbond.rules import Settings

if TYPE_CHECKING:
    from talosbond.logtrace import Trace
    from talosbond.parsing.talos_log import ControllerLog


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
    traces: tuple[Trace, ...] = (),
) -> BondHealth:
    """Run every enabled health rule on one bond. `previous` is an earlier read of the same file (rising
    counters); `traces` are Talos's own errors about this bond, from its controller-runtime log."""
    ctx = HealthContext(node, status, link, tuple(member_links), expected, previous, traces)
    return BondHealth(node, status.name, status, tuple(run_health(ctx, settings)), expected, link)


def bond_links(node: Node) -> list[Link]:
    """The node's bond links (kind `bond`), in the order Talos lists them."""
    return [link for link in node.links if link.kind == "bond"]


def member_links_of(node: Node, bond: Link | None) -> tuple[Link, ...]:
    """Links Talos reports as enslaved to `bond` (slaveKind bond, masterIndex = the bond's index)."""
    if bond is None or not bond.index:
        return ()
    return tuple(x for x in node.links if x.slave_kind == "bond" and x.master_index == bond.index)


def expected_from_config(view: ConfigView, source: str, bond: str, node: Node, version: Release) -> Expected | None:
    """What a config (full machine config or patch, legacy or multi-doc) says about `bond` on `node`.

    Members come from Talos's own matching run on the node's links as they are now (physical cards only);
    None when the config does not define the bond.
    """
    from talosbond.simulate import physical_members, resolve_legacy, resolve_multidoc

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
        out[key] = (as_int(value) or 0) if key == "miimon" else str(value)
    return out


@dataclass(frozen=True)
class ReferenceConfig:
    """A config to compare bonds against, read once, and how messages name it (`--against bond.yaml`, `the
    node's machine config`). `error` says why it could not be read; each bond then reports it."""

    view: ConfigView | None
    source: str
    error: ParseError | None = None


@dataclass(frozen=True)
class NodeVerdict:
    """Every bond verified on one node, the bonds that could not be read, and notes for the reader."""

    node: str
    bonds: tuple[BondHealth, ...]
    errors: tuple[NodeError, ...] = ()
    notes: tuple[str, ...] = ()
    # Findings from Talos's controller-runtime log that concern no verified bond (an alias, a bond Talos never
    # created); the ones about a verified bond are among that bond's problems.
    log_problems: tuple[Problem, ...] = ()

    @property
    def healthy(self) -> bool:
        return all(b.healthy for b in self.bonds) and not any(p.level == "error" for p in self.log_problems)


def verify_node(
    node: Node,
    bonds: Sequence[str] = (),
    config: ReferenceConfig | None = None,
    previous: dict[str, BondStatus] | None = None,
    missing_hint: str = "",
    settings: Settings | None = None,
) -> NodeVerdict:
    """Verify the bonds of one node (`bonds`, or every bond in use it has).

    A bond whose /proc/net/bonding file was not read or did not parse becomes a `NodeError` (could not
    read); the node's other bonds are still verified. A bond with a second read (`node.bonds_later`, a
    capture's `bonding/<bond>.later.txt`) is judged on it, with the first as the earlier read, as `verify
    --interval` does live. The node's controller-runtime log (`node.log`): Talos's own bond errors in it
    become findings of the bond they concern (or of the node).
    """
    errors: list[NodeError] = []
    notes: list[str] = []
    names = _names_to_verify(node, bonds, config, notes)
    # Only multi-document aliases depend on the release; a node that did not say is read as the newest.
    version = release_or_newest(node.version)
    traces: tuple[Trace, ...] = ()
    if isinstance(node.log, ParseError):
        errors.append(NodeError(node.name, node.log.message, node.log.hint))
    elif node.log is not None and not node.log.entries:
        notes.append(f"{node.name}: its controller-runtime log is empty; Talos's own bond errors are not traced")
    elif node.log is not None:
        traces = _log_traces(node, config, version, node.log)
    if not names:
        errors.append(NodeError(node.name, "no bond in use on this node", "pass --bond NAME to check one anyway"))
    results: list[BondHealth] = []
    for name in names:
        read = _read_status(node, name, missing_hint, errors)
        if read is None:
            continue
        status, earlier = read
        expected, ok = _expected(node, name, config, version, errors, notes)
        if ok:
            link = node.link(name)
            results.append(verify_bond(node.name, status, link, member_links_of(node, link), expected,
                                       earlier or (previous or {}).get(name), settings,
                                       tuple(t for t in traces if t.bond == name)))
    verified = {h.name for h in results}
    rest = run_log_rules(node.name, tuple(t for t in traces if t.bond not in verified), settings)
    return NodeVerdict(node.name, tuple(results), tuple(errors), tuple(notes), tuple(rest))


def _names_to_verify(node: Node, bonds: Sequence[str], config: ReferenceConfig | None, notes: list[str]) -> list[str]:
    if bonds:
        return list(dict.fromkeys(bonds))
    candidates = [x.name for x in bond_links(node)]
    candidates += [name for name in node.bonds if name not in candidates]
    defined = _config_bonds(config)
    names = [name for name in candidates if name in defined or _in_use(node, name)]
    for name in candidates:
        if name not in names:
            notes.append(f"{node.name}: {name} has no members and is down (the bonding driver's default "
                         f"bond?); not verified (pass --bond {name} to check it)")
    return names


def _read_status(
    node: Node, name: str, missing_hint: str, errors: list[NodeError]
) -> tuple[BondStatus, BondStatus | None] | None:
    """The bond's status (its later read when there is one) and the earlier read; None after adding to
    `errors` why it could not be read."""
    status = node.bonds.get(name)
    if status is None:
        link = node.link(name)
        what = f"no /proc/net/bonding/{name} was read" + ("" if link is None or link.kind == "bond" else
                                                            f" ({name} is a {link.kind or link.type} link)")
        errors.append(NodeError(node.name, what, missing_hint))
        return None
    later = node.bonds_later.get(name)
    for read in (status, later):
        if isinstance(read, ParseError):
            errors.append(NodeError(node.name, read.message, read.hint))
            return None
    assert not isinstance(status, ParseError) and not isinstance(later, ParseError)
    return (status, None) if later is None else (later, status)


def _expected(
    node: Node, name: str, config: ReferenceConfig | None, version: Release, errors: list[NodeError],
    notes: list[str],
) -> tuple[Expected | None, bool]:
    """What the config says of bond `name`, and False when the config does not parse (then in `errors`)."""
    if config is None:
        return None, True
    if config.view is None:
        error = config.error or ParseError(config.source, None, "no config to compare with")
        errors.append(NodeError(node.name, error.message, error.hint))
        return None, False
    expected = expected_from_config(config.view, config.source, name, node, version)
    if expected is None:
        notes.append(f"{node.name}: {config.source} does not define {name}; members and settings are not "
                     "compared with a config")
    else:
        notes.extend(f"{node.name}: {config.source}: {note}" for note in expected.notes)
    return expected, True


def _log_traces(node: Node, config: ReferenceConfig | None, version: Release, log: ControllerLog) -> tuple[Trace, ...]:
    """Each bond error Talos logged, traced back (to the config, when it was read)."""
    from talosbond.logtrace import TraceContext, trace_log

    view = config.view if config is not None else None
    ctx = TraceContext(node, view, version, config.source if config is not None else "the machine config")
    return tuple(trace_log(log, ctx))


def _config_bonds(config: ReferenceConfig | None) -> set[str]:
    """Bond names a config defines (none when it did not parse: verify_node reports that)."""
    if config is None or config.view is None:
        return set()
    return {b.name for b in config.view.legacy_bonds} | {b.name for b in config.view.bonds}


def _in_use(node: Node, name: str) -> bool:
    """A bond with members (per Talos or the kernel) or carrier; the kernel's idle default `bond0` is not."""
    link = node.link(name)
    if link is not None and (member_links_of(node, link) or link.operational_state == "up" or link.link_state):
        return True
    status = node.bonds.get(name)
    if status is None:
        return False
    if isinstance(status, ParseError):
        return True  # let verify report the bad file
    return bool(status.members) or status.mii_status == "up"
