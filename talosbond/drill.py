"""`talosbond drill`: take one bond member out the way a pulled cable would, through Talos's try mode,
watch the bond fail over, probe, let Talos bring the member back, and measure all of it.

How a member is taken out, per Talos version (read from the Talos source, `network-facts.md`):
- 1.12+: a `LinkConfig` with `up: false` for the member. `LinkConfigController` overlays multi-doc link
  configs on the legacy devices and on BondConfig members alike (`processLinkConfigs` sets `Up` on the
  member's spec, which keeps its bond-slave settings), and `LinkSpecController` syncs the UP flag of every
  link, enslaved or not. The member stays enslaved with its link down: MII down, as with a pulled cable.
  Caveat: the first multi-doc link document switches off Talos's default DHCP on every unconfigured
  physical link (`Container.RunDefaultDHCPOperators`); on a legacy-only config where such a link is in use,
  the selectors are narrowed instead.
- before 1.12 (no `up` anywhere in v1alpha1): the bond's `deviceSelectors` (or `interfaces`) narrowed so
  that they no longer pick the member. Talos then leaves it unconfigured and un-enslaves it.

Every drill config is proven by the simulation before it is used: the bond still resolves to the other
members (now, and once the member is out), only that member goes down, and the addressing is untouched.

The run is a state machine over an injected node-operations object (`sources.talosctl_apply.TalosctlOps` is the
real one) and an injected clock: no I/O and no sleeping here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from talosbond.apply import config_diff, same_config
from talosbond.clock import Clock
from talosbond.config import NETWORK_KINDS, ConfigView, read_config, selector_from
from talosbond.errors import ParseError, SourceError
from talosbond.features import (
    LINK_CONFIG_UP,
    PERMANENT_ADDR_SELECTOR,
    PHYSICAL_SELECTOR,
    Release,
    has,
    release_or_newest,
)
from talosbond.health import Expected
from talosbond.model import BondStatus, Link, Node, Selector
from talosbond.simulate import (
    legacy_selector_matches,
    physical_members,
    resolve_aliases,
    resolve_legacy,
    resolve_multidoc,
)
from talosbond.verify import BondHealth, expected_from_config, member_links_of, verify_bond

BAD_ROUNDS = 3  # one target failing this many probes in a row: the failover failed, revert early
ZERO_MAC = "00:00:00:00:00:00"
LINK_DOWN = "link-down"
NARROWED = "narrowed"


class DrillOps(Protocol):
    """The node as the drill sees it (implemented by `sources.talosctl_apply.TalosctlOps`)."""

    def read_config(self, node: str) -> tuple[str, str]: ...
    def saved_config(self, node: str) -> str: ...
    def save(self, node: str, name: str, text: str) -> Any: ...
    def apply(self, node: str, path: Any, mode: str, try_timeout: float | None = None) -> str: ...
    def api_error(self, node: str) -> str | None: ...
    def active_config(self, node: str) -> str: ...
    def read_state(self, node: str, bonds: Sequence[str]) -> tuple[Node, dict[str, str]]: ...
    def probe(self, address: str, timeout: float = 3.0) -> str | None: ...


Say = Callable[[str], None]


@dataclass(frozen=True)
class DrillTiming:
    """The hold, the try-mode timeout a little longer than it, how often to look, how long to wait."""

    hold: float
    try_timeout: float
    poll: float
    recovery: float  # after the revert, how long the member gets to come back

    @classmethod
    def for_hold(cls, hold: float) -> DrillTiming:
        slack = float(min(30, max(5, round(hold / 4))))
        return cls(hold=hold, try_timeout=hold + slack, poll=min(1.0, max(0.5, hold / 30)),
                   recovery=max(60.0, 2 * hold))


# --- the drill config for one member ---------------------------------------------------------------

@dataclass(frozen=True)
class MemberPlan:
    """How one member is taken out: the whole config to try, what changed, and the proof."""

    member: str
    method: str  # link-down | narrowed
    how: str
    config: str = ""
    diff: str = ""
    excerpt: str = ""  # the changed document or bond entry, as YAML
    proof: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    refusal: str = ""


@dataclass(frozen=True)
class NodeDrill:
    """One node's bond and the drill planned for each member, decided before anything changes."""

    node: Node
    bond: str
    mode: str = ""
    members: tuple[str, ...] = ()
    current: str = ""
    health: BondHealth | None = None
    status: BondStatus | None = None
    expected: Expected | None = None
    members_plans: tuple[MemberPlan, ...] = ()
    refusals: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.node.name


def _load_rt(text: str, filename: str) -> list[Any]:
    """The config's documents, round-trip (comments, order and quoting kept), so the diff shows only the drill."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML()
    yaml.preserve_quotes = True  # a string Talos reads as a string stays quoted
    try:
        docs = [doc for doc in yaml.load_all(text) if doc is not None]
    except YAMLError as exc:
        raise ParseError(filename, None, f"not YAML: {str(exc).splitlines()[0]}") from None
    if not docs or not all(isinstance(doc, dict) for doc in docs):
        raise ParseError(filename, None, "expected a machine config (YAML documents)")
    return docs


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _excerpt(value: Any) -> str:
    from talosbond.yamlout import dump_yaml

    return dump_yaml([_plain(value)])


def _legacy_entry(docs: list[Any], bond: str) -> dict[str, Any] | None:
    for doc in docs:
        if doc.get("kind") is not None:
            continue
        interfaces = ((doc.get("machine") or {}).get("network") or {}).get("interfaces") or []
        for device in interfaces:
            if isinstance(device, dict) and device.get("interface") == bond and isinstance(device.get("bond"), dict):
                return device
    return None


def _names_for(member: Link, node: Node, view: ConfigView, version: Release) -> set[str]:
    """Every name a config may use for the member: its own, its alt names, its alias."""
    aliases, _, _ = resolve_aliases(view.aliases, node.links, version)
    names = {member.name, *member.alt_names}
    if member.name in aliases:
        names.add(aliases[member.name])
    return names


def link_down_config(docs: list[Any], member: Link, names: set[str]) -> tuple[list[Any], Any]:
    """The config with the member's link down: its LinkConfig gets `up: false`, or one is added."""
    out = copy.deepcopy(docs)
    for doc in out:
        if doc.get("kind") == "LinkConfig" and doc.get("name") in names:
            doc["up"] = False
            return out, doc
    from ruamel.yaml.comments import CommentedMap

    added = CommentedMap([("apiVersion", "v1alpha1"), ("kind", "LinkConfig"), ("name", member.name),
                          ("up", False)])
    out.append(added)
    return out, added


def member_selector(link: Link, version: Release) -> dict[str, Any]:
    """A selector for one remaining member that cannot match a bond or VLAN (it names the NIC driver), using
    fields that do not change when the member leaves the bond (permanent MAC, else bus path)."""
    physical = True if has(PHYSICAL_SELECTOR, version) else None
    if has(PERMANENT_ADDR_SELECTOR, version) and link.permanent_addr:
        return Selector(permanent_addr=link.permanent_addr, driver=link.driver, physical=physical).as_yaml_dict()
    if link.bus_path:
        return Selector(bus_path=link.bus_path, driver=link.driver, physical=physical).as_yaml_dict()
    return Selector(hardware_addr=link.identity_mac, driver=link.driver, physical=physical).as_yaml_dict()


def narrowed_config(
    docs: list[Any], bond: str, member: Link, others: Sequence[Link], version: Release
) -> tuple[list[Any], Any]:
    """The config with the bond's selectors (or interfaces) no longer picking the member."""
    out = copy.deepcopy(docs)
    device = _legacy_entry(out, bond)
    if device is None:
        raise ParseError("the node's machine config", None, f"no legacy bond entry for {bond} to narrow")
    spec = device["bond"]
    raw = spec.get("deviceSelectors")
    if isinstance(raw, list) and raw:
        kept = [s for s in raw if not legacy_selector_matches(selector_from(s), member)]
        covered = {o.name for o in others if any(legacy_selector_matches(selector_from(s), o) for s in kept)}
        kept += [member_selector(o, version) for o in others if o.name not in covered]
        spec["deviceSelectors"] = kept
    else:
        names = {member.name, *member.alt_names}
        spec["interfaces"] = [n for n in spec.get("interfaces") or [] if n not in names]
    return out, device


def _without(docs: list[Any], bond: str, method: str, member_names: set[str]) -> Any:
    """The documents with what the drill may change masked, to prove nothing else changed."""
    plain = _plain(docs)
    if method == LINK_DOWN:
        for doc in plain:
            if doc.get("kind") == "LinkConfig" and doc.get("name") in member_names:
                doc.pop("up", None)
        plain = [d for d in plain if not (d.get("kind") == "LinkConfig" and set(d) == {"apiVersion", "kind", "name"}
                                          and d.get("name") in member_names)]
    else:
        device = _legacy_entry(plain, bond)
        if device is not None:
            device["bond"].pop("deviceSelectors", None)
            device["bond"].pop("interfaces", None)
    return plain


def _resolved(view: ConfigView, bond: str, links: Sequence[Link], node: Node, version: Release) -> set[str]:
    """The physical members Talos would give `bond` under `view` on `links`."""
    probe = replace(node, links=tuple(links))
    for legacy in view.legacy_bonds:
        if legacy.name == bond:
            return set(physical_members(resolve_legacy(legacy, links, "drill").members, probe))
    for mbond in view.bonds:
        if mbond.name == bond:
            return set(physical_members(resolve_multidoc(mbond, view.aliases, links, version, "drill").members, probe))
    return set()


def links_without(node: Node, member: str) -> tuple[Link, ...]:
    """The node's links once `member` has left the bond: its own MAC back, no master (the bond keeps its MAC)."""
    out = []
    for link in node.links:
        if link.name == member:
            flags = ",".join(f for f in link.flags.split(",") if f and f != "SLAVE")
            link = replace(link, hardware_addr=link.permanent_addr or link.hardware_addr, slave_kind="",
                           master_index=0, flags=flags)
        out.append(link)
    return tuple(out)


def _downed_links(view: ConfigView, node: Node, version: Release) -> set[str]:
    """The links the config's LinkConfig documents set down (names and aliases resolved as Talos does)."""
    aliases, _, _ = resolve_aliases(view.aliases, node.links, version)
    by_alias = {alias: name for name, alias in aliases.items()}
    names = {link.name for link in node.links}
    out: set[str] = set()
    for _, doc in view.of_kind("LinkConfig"):
        if doc.get("up") is False:
            name = str(doc.get("name"))
            out.add(name if name in names else by_alias.get(name, name))
    return out


def _addresses_on(node: Node, names: set[str]) -> list[str]:
    """Routable addresses on these links (link-local and loopback are not the node's address)."""
    return [a.address for a in node.addresses if a.link in names
            and not a.address.startswith(("fe80:", "127.", "::1/"))]


def prove_member(
    current: ConfigView, drill: ConfigView, node: Node, bond: str, member: str, members: Sequence[str],
    method: str, version: Release,
) -> tuple[list[str], list[str]]:
    """The simulation's proof that the drill config takes out only `member`: (proof lines, problems)."""
    others = [m for m in members if m != member]
    proof: list[str] = []
    problems: list[str] = []
    now = _resolved(drill, bond, node.links, node, version)
    if method == LINK_DOWN:
        if now != set(members):
            problems.append(f"{bond} would resolve to {', '.join(sorted(now)) or 'nothing'}, not "
                            f"{', '.join(members)}")
        else:
            proof.append(f"{bond} keeps its members {', '.join(members)}; {member} stays enslaved with its link down")
        downed = _downed_links(drill, node, version) - _downed_links(current, node, version)
        if downed != {member}:
            problems.append(f"the config sets down {', '.join(sorted(downed)) or 'nothing'}, not just {member}")
        else:
            proof.append(f"only {member} is set down (LinkConfig up: false); {', '.join(others)} stay up")
    else:
        out = _resolved(drill, bond, links_without(node, member), node, version)
        for state, got in (("now", now), (f"once {member} has left", out)):
            if got != set(others):
                problems.append(f"{state}, {bond} would resolve to {', '.join(sorted(got)) or 'nothing'}, not "
                                f"{', '.join(others)}")
        if not problems:
            proof.append(f"{bond} resolves to {', '.join(others)} now and once {member} has left (the selectors "
                         f"no longer pick {member})")
    held = _addresses_on(node, {member})
    if held:
        problems.append(f"{member} itself holds {', '.join(held)}: taking it out takes that address with it")
    kept = _addresses_on(node, {bond} | {x.name for x in node.links if x.link_index and _on_bond(node, x, bond)})
    if kept:
        proof.append(f"the node keeps {', '.join(kept)} (on {bond} or its VLANs, whose addressing is unchanged)")
    return proof, problems


def _on_bond(node: Node, link: Link, bond: str) -> bool:
    parent = node.link(bond)
    return parent is not None and link.link_index == parent.index and link.kind == "vlan"


def _default_dhcp_users(view: ConfigView, node: Node, members: Sequence[str]) -> list[str]:
    """Physical links Talos's default DHCP may be serving that a first multi-doc link document would cut off:
    not configured by the legacy config, not in the bond, with carrier or an address."""
    if any(doc.get("kind") in NETWORK_KINDS for _, doc in view.kinds):
        return []  # default DHCP is already off
    named = {str(d.get("interface")) for _, d in view.legacy_devices if d.get("interface")}
    raws = [d["deviceSelector"] for _, d in view.legacy_devices if isinstance(d.get("deviceSelector"), dict)]
    selected = {x.name for raw in raws for x in node.physical_links if legacy_selector_matches(selector_from(raw), x)}
    out = []
    for link in node.physical_links:
        if link.name in members or link.name in named or link.name in selected:
            continue
        if link.link_state or _addresses_on(node, {link.name}):
            out.append(link.name)
    return out


def choose_method(view: ConfigView, node: Node, bond: str, members: Sequence[str],
                  version: Release) -> tuple[str, list[str]]:
    """LinkConfig `up: false` where Talos has it and it changes nothing else; else narrowed selectors."""
    legacy = any(b.name == bond for b in view.legacy_bonds)
    if not has(LINK_CONFIG_UP, version):
        return NARROWED, [f"Talos {version[0]}.{version[1]} has no LinkConfig `up` (1.12+): the bond's selectors "
                          "are narrowed instead; while out, the member is an unconfigured link, so Talos may run "
                          "DHCP on it until the revert"]
    users = _default_dhcp_users(view, node, members) if legacy else []
    if users:
        return NARROWED, [f"a LinkConfig would switch off Talos's default DHCP on {', '.join(users)} (in use): the "
                          "bond's selectors are narrowed instead"]
    return LINK_DOWN, []


def _schema_problems(changed: Any, method: str, version: Release) -> list[str]:
    """The changed document against talosbond's schemas for the node's Talos version."""
    from talosbond.validate import SchemaError, validate_documents

    fragment = _plain(changed) if method == LINK_DOWN else {"machine": {"network": {"interfaces": [_plain(changed)]}}}
    try:
        validate_documents([fragment], version, "the drill config")
    except SchemaError as exc:
        return [exc.message]
    return []


def plan_member(
    node: Node, bond: str, member: str, members: Sequence[str], current: str, version: Release
) -> MemberPlan:
    """The config that takes `member` out, proven; or why it cannot be drilled."""
    view = read_config(current, "the node's machine config")
    link = node.link(member)
    if link is None:
        return MemberPlan(member, "", "", refusal=f"{member} is not in the node's links")
    method, notes = choose_method(view, node, bond, members, version)
    docs = _load_rt(current, "the node's machine config")
    names = _names_for(link, node, view, version)
    others = [x for x in (node.link(m) for m in members if m != member) if x is not None]
    if method == LINK_DOWN:
        new_docs, changed = link_down_config(docs, link, names)
        how = f"a LinkConfig with up: false for {member}: Talos sets its link down, as if its cable were pulled"
    else:
        try:
            new_docs, changed = narrowed_config(docs, bond, link, others, version)
        except ParseError as exc:
            return MemberPlan(member, method, "", refusal=exc.message)
        how = f"{bond}'s selectors narrowed so that they no longer pick {member}: Talos takes it out of the bond"
    from talosbond.yamlout import dump_yaml

    text = dump_yaml(new_docs)
    drill_view = read_config(text, f"drill config for {member}")
    proof, problems = prove_member(view, drill_view, node, bond, member, members, method, version)
    if _without(_load_rt(text, "drill"), bond, method, names) != _without(docs, bond, method, names):
        problems.append("the drill config changes more than the member's link")
    problems += _schema_problems(changed, method, version)
    # Both sides written by the same writer: the diff shows the drill's change, not re-indentation.
    diff = config_diff(dump_yaml(docs), text, node.name, f"drill {member}")
    refusal = "; ".join(problems)
    return MemberPlan(member, method, how, text, diff, _excerpt(changed), tuple(proof), tuple(notes), refusal)


def plan_node(
    node: Node, bond: str, current: str, version: Release, only: str | None = None, refusals: Sequence[str] = (),
) -> NodeDrill:
    """Verify the bond, then plan a drill of each member (or only `only`). Nothing changes on the node."""
    base = NodeDrill(node, bond, current=current, refusals=tuple(refusals))
    status = node.bonds.get(bond)
    if status is None:
        return replace(base, refusals=(*refusals, f"no /proc/net/bonding/{bond} on {node.name}: is {bond} a bond?"))
    try:
        if isinstance(status, ParseError):
            raise status
        view = read_config(current, "the node's machine config")
        expected = expected_from_config(view, "the node's machine config", bond, node, version)
    except ParseError as exc:
        return replace(base, refusals=(*refusals, exc.message))
    link = node.link(bond)
    health = verify_bond(node.name, status, link, member_links_of(node, link), expected)
    members = tuple(m.name for m in status.members)
    base = replace(base, mode=status.mode, members=members, health=health, status=status, expected=expected)
    out = list(refusals)
    if not health.healthy:
        out.append(f"{bond} is not healthy: a drill would only add to the outage (see the findings)")
    if len(members) < 2:
        out.append(f"{bond} has {len(members)} member(s) ({', '.join(members) or 'none'}): nothing to fail over to")
    if only is not None and only not in members:
        out.append(f"{only} is not a member of {bond} (members: {', '.join(members) or 'none'})")
    if out:
        return replace(base, refusals=tuple(out))
    chosen = [only] if only is not None else list(members)
    plans = tuple(plan_member(node, bond, m, members, current, version) for m in chosen)
    notes = tuple(dict.fromkeys(n for p in plans for n in p.notes))
    refused = tuple(f"{p.member}: {p.refusal}" for p in plans if p.refusal)
    return replace(base, members_plans=plans, refusals=refused, notes=notes)


def prepare_node(ops: DrillOps | None, node: Node, bond: str, member: str | None, captured: str = "") -> NodeDrill:
    """Read what the node runs (`ops`; None for a capture, whose machine config `captured` stands in) and plan.
    A live node must run exactly the config saved on its disk: the early revert applies that config for good,
    so it must be what the node would come back to anyway."""
    version = release_or_newest(node.version)
    if ops is None:
        if not captured:
            return NodeDrill(node, bond, refusals=(f"the capture of {node.name} has no machineconfig.yaml: the drill "
                                                   "config is built from the node's config",))
        return plan_node(node, bond, captured, version, member)
    try:
        current, how = ops.read_config(node.name)
        saved = ops.saved_config(node.name)
    except SourceError as exc:
        return NodeDrill(node, bond, refusals=(f"its machine config cannot be read: {exc.message}",))
    refusals = []
    if how != "active":
        refusals.append("its active config cannot be read (get machineconfig), so a revert cannot be confirmed")
    elif not same_config(current, saved):
        refusals.append("it runs a config that is not the one saved on its disk (a try-mode apply pending?): "
                        "drill it once that is settled")
    return plan_node(node, bond, current, version, member, refusals)


def plan_commands(node: str, member: MemberPlan, timing: DrillTiming) -> list[str]:
    """What the drill runs for one member (shown by the plan and --dry-run)."""
    from talosbond.sources.talosctl_apply import go_duration

    return [
        f"talosctl -n {node} apply-config --file drill-{member.member}.yaml --mode try --timeout "
        f"{go_duration(timing.try_timeout)}",
        f"# hold {timing.hold:g}s: watch /proc/net/bonding, probe; then Talos reverts at the try timeout",
        f"talosctl -n {node} apply-config --file saved.yaml --mode no-reboot   # only to revert early",
    ]


# --- running ---------------------------------------------------------------------------------------

@dataclass
class MemberResult:
    """How the drill of one member went."""

    node: str
    bond: str
    member: str
    method: str = ""
    verdict: str = "not-drilled"  # passed | failed | interrupted | not-drilled
    failover_seconds: float | None = None
    recovery_seconds: float | None = None
    probe_rounds: int = 0
    probe_losses: dict[str, int] = field(default_factory=dict)
    reverted_by: str = ""  # talos (try timeout) | talosbond (early revert) | ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == "passed"


@dataclass(frozen=True)
class Observation:
    """One look at the bond: the parsed /proc/net/bonding and links, or why they could not be read
    (`answered` False: the node did not answer at all)."""

    status: BondStatus | None
    links: tuple[Link, ...] = ()
    error: str = ""
    answered: bool = True


def observe(ops: DrillOps, node: str, bond: str) -> Observation:
    try:
        now, errors = ops.read_state(node, [bond])
    except SourceError as exc:
        return Observation(None, (), exc.message.removeprefix(f"{node}: "), answered=False)
    except ParseError as exc:
        return Observation(None, (), exc.message)
    status = now.bonds.get(bond)
    if status is None:
        return Observation(None, now.links, f"{bond} cannot be read ({errors.get(bond, 'no answer')})")
    if isinstance(status, ParseError):
        return Observation(None, now.links, status.message)
    return Observation(status, now.links)


def _up_others(status: BondStatus, member: str) -> list[str]:
    return [m.name for m in status.members if m.name != member and m.mii_status == "up"]


def failed_over(status: BondStatus, member: str, baseline: BondStatus) -> bool:
    """The member is gone or down, and the bond carries on without it: another member active
    (active-backup, tlb, alb), or the active aggregator lost only that port (802.3ad)."""
    gone = status.member(member)
    if gone is not None and gone.mii_status == "up":
        return False
    others = _up_others(status, member)
    if not others or status.mii_status != "up":
        return False
    if status.mode in ("active-backup", "balance-tlb", "balance-alb"):
        return status.active_member in others
    if status.mode == "802.3ad":
        agg, before = status.active_aggregator, baseline.active_aggregator
        if agg is None or before is None or agg.partner_mac in ("", ZERO_MAC):
            return False
        in_agg = [m for m in status.members if m.name in others and m.aggregator_id == agg.aggregator_id]
        return len(in_agg) == len(others) and agg.ports == before.ports - 1
    return True


def member_back(obs: Observation, member: str, baseline: BondStatus, bond_index: int) -> bool:
    """Back as before: enslaved (per the kernel and Talos), MII up, and for 802.3ad in the same aggregator as
    the others with a partner, the aggregator as large as before."""
    status = obs.status
    if status is None:
        return False
    back = status.member(member)
    link = next((x for x in obs.links if x.name == member), None)
    if back is None or back.mii_status != "up" or link is None or link.slave_kind != "bond":
        return False
    if bond_index and link.master_index != bond_index:
        return False
    if status.mode in ("active-backup", "balance-tlb", "balance-alb") and status.active_member is None:
        return False
    if status.mode == "802.3ad":
        agg, before = status.active_aggregator, baseline.active_aggregator
        if agg is None or before is None or agg.partner_mac in ("", ZERO_MAC):
            return False
        partner = back.partner
        if back.aggregator_id != agg.aggregator_id or agg.ports < before.ports:
            return False
        if partner is not None and partner.system_mac in ("", ZERO_MAC):
            return False
    return True


@dataclass
class _Run:
    """The mutable state of one member's drill."""

    ops: DrillOps
    drill: NodeDrill
    plan: MemberPlan
    timing: DrillTiming
    probes: tuple[str, ...]
    clock: Clock
    say: Say
    result: MemberResult
    saved_path: Any = None
    applied_at: float = 0.0
    reverted_at: float | None = None
    interrupted: bool = False

    @property
    def node(self) -> str:
        return self.drill.name

    def lost(self, target: str) -> None:
        self.result.probe_losses[target] = self.result.probe_losses.get(target, 0) + 1


def _probe_round(run: _Run, looked: Observation | None) -> list[str]:
    """One round of probes (the Talos API, then each address): the targets that did not answer. A look at
    the bond in this round already tells whether the API answers."""
    run.result.probe_rounds += 1
    failed: list[str] = []
    error = (looked.error or "no answer") if looked is not None and not looked.answered else None
    if looked is None:
        error = run.ops.api_error(run.node)
    if error:
        failed.append("api")
        run.say(f"{run.node}: probe {run.result.probe_rounds}: the Talos API does not answer ({error})")
    for address in run.probes:
        problem = run.ops.probe(address)
        if problem:
            failed.append(address)
            run.say(f"{run.node}: probe {run.result.probe_rounds}: {address} does not answer ({problem})")
    for target in failed:
        run.lost(target)
    return failed


def _hold(run: _Run, baseline: BondStatus) -> None:
    """Watch and probe until the hold ends, or until one target failed BAD_ROUNDS rounds in a row: then the
    failover did not carry the traffic, and the member goes back at once."""
    end = run.applied_at + run.timing.hold
    streak: dict[str, int] = {}
    member = run.plan.member
    while run.clock.now() < end:
        looked = observe(run.ops, run.node, run.drill.bond) if run.result.failover_seconds is None else None
        failed = _probe_round(run, looked)
        streak = {target: streak.get(target, 0) + 1 for target in failed}
        if looked is not None and looked.status is not None and failed_over(looked.status, member, baseline):
            run.result.failover_seconds = max(0.0, run.clock.now() - run.applied_at)
            active = f"; {looked.status.active_member} is active" if looked.status.active_member else ""
            run.say(f"{run.node}: {member} is out after {run.result.failover_seconds:.1f}s{active}")
        bad = sorted(t for t, n in streak.items() if n >= BAD_ROUNDS)
        if bad:
            names = ", ".join("the Talos API" if t == "api" else t for t in bad)
            run.result.problems.append(f"{names} failed {BAD_ROUNDS} probes in a row with {member} out: "
                                       "the bond did not carry the traffic")
            run.say(f"{run.node}: {names} failed {BAD_ROUNDS} probes in a row; reverting now")
            _revert_early(run)
            return
        run.clock.sleep(min(run.timing.poll, max(0.0, end - run.clock.now())))


def _revert_early(run: _Run) -> None:
    """Apply the saved config (a non-try apply also cancels Talos's rollback timer). A node that cannot be
    reached cannot take it: then Talos's own timer reverts it."""
    if run.saved_path is None:  # interrupted before anything was applied
        run.reverted_at = run.clock.now()
        return
    try:
        run.ops.apply(run.node, run.saved_path, "no-reboot")
    except SourceError as exc:
        run.say(f"{run.node}: the early revert did not reach the node ({exc.message}); Talos reverts at the try "
                "timeout")
        return
    run.reverted_at = run.clock.now()
    run.result.reverted_by = "talosbond"
    run.say(f"{run.node}: reverted to the saved config")


def _await_talos_revert(run: _Run) -> None:
    deadline = run.applied_at + run.timing.try_timeout
    wait = deadline - run.clock.now()
    if wait > 0:
        run.say(f"{run.node}: letting Talos revert at the try timeout ({wait:.0f}s)")
        run.clock.sleep(wait)
    run.reverted_at = deadline
    run.result.reverted_by = "talos"


def _errors(health: BondHealth) -> list[str]:
    return [f"{p.code} {p.message}" for p in health.problems if p.level == "error"]


def _health_of(drill: NodeDrill, obs: Observation) -> BondHealth | None:
    if obs.status is None:
        return None
    now = Node(drill.name, obs.links, version=drill.node.version)
    link = now.link(drill.bond)
    return verify_bond(drill.name, obs.status, link, member_links_of(now, link), drill.expected)


def _config_is_back(run: _Run) -> bool:
    try:
        return same_config(run.ops.active_config(run.node), run.drill.current)
    except SourceError:
        return False


def _recover(run: _Run, baseline: BondStatus) -> Observation | None:
    """Wait until the node runs the saved config again and the member is back as before."""
    assert run.reverted_at is not None
    member = run.plan.member
    end = run.reverted_at + run.timing.recovery
    bond_link = run.drill.node.link(run.drill.bond)
    index = bond_link.index if bond_link is not None else 0
    config_back = False
    obs = Observation(None, (), "not read")
    while True:
        config_back = config_back or _config_is_back(run)  # False too while the node does not answer
        if config_back:
            obs = observe(run.ops, run.node, run.drill.bond)
            if member_back(obs, member, baseline, index):
                run.result.recovery_seconds = max(0.0, run.clock.now() - run.reverted_at)
                run.say(f"{run.node}: {member} is back after {run.result.recovery_seconds:.1f}s")
                return obs
        if run.clock.now() >= end:
            break
        # Most members are back within seconds; a slow one is looked at less often (to within 50%).
        run.clock.sleep(min(max(run.timing.poll, (run.clock.now() - run.reverted_at) / 2), 5.0))
    waited = f"{run.timing.recovery:g}s"
    if not config_back:
        run.result.problems.append(
            f"{member} did not come back: the node did not run its saved config again within {waited} of the "
            f"revert; check `talosctl -n {run.node} get machineconfig` and the node's console")
    else:
        seen = obs.status.member(member) if obs.status is not None else None
        state = obs.error or (f"MII {seen.mii_status}" if seen is not None else f"not enslaved in {run.drill.bond}")
        run.result.problems.append(
            f"{member} did not come back within {waited} of the revert ({state}): check its cable, transceiver "
            "and switch port, and `talosctl -n NODE logs controller-runtime`")
    return None


def _after(run: _Run, obs: Observation) -> None:
    """The bond must be as healthy as before; the drill's own link failure on the member is expected."""
    health = _health_of(run.drill, obs)
    if health is None:
        return
    run.result.problems += [f"after the drill: {e}" for e in _errors(health)]
    before = {(p.code, p.member) for p in run.drill.health.problems} if run.drill.health else set()
    for problem in health.problems:
        if problem.level == "error" or (problem.code, problem.member) in before:
            continue
        if problem.code == "TB110" and problem.member == run.plan.member:
            continue  # the drill itself took the link down once
        run.result.notes.append(f"after the drill: {problem.code} {problem.message}")


def _precheck(run: _Run) -> BondStatus | None:
    obs = observe(run.ops, run.node, run.drill.bond)
    health = _health_of(run.drill, obs)
    if obs.status is None or health is None:
        run.result.problems.append(f"before the drill: {obs.error or 'the bond could not be read'}")
        return None
    down = [m.name for m in obs.status.members if m.mii_status != "up"]
    missing = [m for m in run.drill.members if obs.status.member(m) is None]
    issues = _errors(health) + [f"{m} is not up" for m in down] + [f"{m} is not enslaved" for m in missing]
    if issues:
        run.result.problems += [f"before the drill: {i}" for i in dict.fromkeys(issues)]
        return None
    return obs.status


def _start(run: _Run) -> bool:
    """Apply the drill config in try mode; False when it was not applied."""
    path = run.ops.save(run.node, f"drill-{run.plan.member}.yaml", run.plan.config)
    run.saved_path = run.ops.save(run.node, "saved.yaml", run.drill.current)
    run.say(f"{run.node}: taking {run.plan.member} out ({run.plan.method}); Talos reverts it in "
            f"{run.timing.try_timeout:g}s")
    try:
        run.ops.apply(run.node, path, "try", run.timing.try_timeout)
    except SourceError as exc:
        if not run.ops.api_error(run.node) and _config_is_back(run):
            run.result.problems.append(f"the try-mode apply failed and nothing changed: {exc.message}")
            return False
        run.say(f"{run.node}: the apply call failed ({exc.message}) but the node changed; watching")
    run.applied_at = run.clock.now()
    return True


def drill_member(
    ops: DrillOps, drill: NodeDrill, plan: MemberPlan, timing: DrillTiming, probes: Sequence[str], clock: Clock,
    say: Say,
) -> MemberResult:
    """Take one member out in try mode, hold, let it come back, measure. Never raises for what the node does;
    Ctrl-C during the hold reverts at once and still waits for the member (verdict `interrupted`)."""
    result = MemberResult(drill.name, drill.bond, plan.member, plan.method)
    run = _Run(ops, drill, plan, timing, tuple(probes), clock, say, result)
    baseline = _precheck(run)
    if baseline is None:
        result.verdict = "failed"
        return result
    try:
        if not _start(run):
            result.verdict = "failed"
            return result
        _hold(run, baseline)
        if run.reverted_at is None:
            _await_talos_revert(run)
    except KeyboardInterrupt:
        # Also during the try-mode apply itself: applying the saved config is harmless if it never arrived.
        run.interrupted = True
        run.applied_at = run.applied_at or clock.now()
        say(f"{run.node}: interrupted: reverting now, then waiting for {plan.member} to come back")
        _revert_early(run)
    if run.reverted_at is None:
        _await_talos_revert(run)
    obs = _recover(run, baseline)
    if obs is not None:
        _after(run, obs)
    if result.failover_seconds is None and not run.interrupted:
        result.problems.insert(0, f"no failover seen within the {timing.hold:g}s hold: the bond never showed "
                                  f"{plan.member} out with another member carrying the traffic")
    lost = sum(result.probe_losses.values())
    if lost:
        detail = ", ".join(f"{k} {v}" for k, v in result.probe_losses.items())
        result.problems.insert(0, f"{lost} probe(s) lost in {result.probe_rounds} rounds ({detail})")
    result.verdict = "interrupted" if run.interrupted else ("failed" if result.problems else "passed")
    return result


def run_drills(
    ops: DrillOps, drills: Sequence[NodeDrill], timing: DrillTiming, probes: Sequence[str], clock: Clock, say: Say,
) -> list[MemberResult]:
    """Node by node, member by member; stops at the first member that does not pass."""
    results: list[MemberResult] = []
    stopped = False
    for drill in drills:
        for plan in drill.members_plans:
            if stopped:
                results.append(MemberResult(drill.name, drill.bond, plan.member, plan.method))
                continue
            result = drill_member(ops, drill, plan, timing, probes, clock, say)
            results.append(result)
            stopped = not result.ok
    return results


def exit_code(drills: Sequence[NodeDrill], results: Sequence[MemberResult]) -> int:
    if any(r.verdict == "interrupted" for r in results):
        return 130
    if any(d.refusals for d in drills) or any(not r.ok for r in results):
        return 1
    return 0


def drill_document(drills: Sequence[NodeDrill], results: Sequence[MemberResult], timing: DrillTiming,
                   dry_run: bool) -> dict[str, Any]:
    """The whole run for scripts (`-o json`)."""
    by_key = {(r.node, r.member): r for r in results}
    nodes = []
    for drill in drills:
        members = []
        for plan in drill.members_plans:
            entry: dict[str, Any] = {"member": plan.member, "method": plan.method, "proof": list(plan.proof),
                                     "refusal": plan.refusal or None}
            if dry_run:
                entry["config_change"] = plan.excerpt
                entry["diff"] = plan.diff
            found = by_key.get((drill.name, plan.member))
            if found is not None:
                entry.update(verdict=found.verdict, failover_seconds=found.failover_seconds,
                             recovery_seconds=found.recovery_seconds, probe_rounds=found.probe_rounds,
                             probe_losses=found.probe_losses, reverted_by=found.reverted_by or None,
                             problems=found.problems, notes=found.notes)
            members.append(entry)
        findings = [{"code": p.code, "level": p.level, "message": p.message}
                    for p in (drill.health.problems if drill.health else ())]
        nodes.append({"node": drill.name, "bond": drill.bond, "mode": drill.mode, "members": list(drill.members),
                      "talos_version": str(drill.node.version or ""), "refusals": list(drill.refusals),
                      "findings": findings, "notes": list(drill.notes), "drills": members})
    return {"dry_run": dry_run, "hold_seconds": timing.hold, "try_timeout_seconds": timing.try_timeout,
            "nodes": nodes}
