"""Bond health: a parsed `/proc/net/bonding/<bond>` (plus the node's LinkStatus and, when known, the config
the bond was made from) -> problems with codes `TB1xx`.

Each rule is a function registered with `@rule`; its docstring says what the problem means, the way lint
rules do. Every problem says what it means on the wire and what to check on the switch or the node.
A bond is healthy when no problem of level `error` is found; warnings (a past link failure, traffic on
the backup while the primary is up) are reported but do not make it unhealthy.

Pure functions: no I/O, no text. The CLI and `apply` pass in parsed `Node`s and configs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbond.config import ConfigView
from talosbond.errors import ParseError
from talosbond.features import NEWEST, Release
from talosbond.model import BondMember, BondStatus, LacpPdu, Link, Node, NodeError

ZERO_MAC = "00:00:00:00:00:00"
PRIMARY_MODES = ("active-backup", "balance-tlb", "balance-alb")

# IEEE 802.1AX port state bits, as the kernel prints them in `port state: N`.
PORT_STATE_BITS: tuple[tuple[int, str, str], ...] = (
    (0x01, "active", "act"),  # LACP activity: 1 active, 0 passive
    (0x02, "short-timeout", "fast"),  # the side wants LACPDUs every second (lacp_rate fast)
    (0x04, "aggregatable", "agg"),
    (0x08, "in-sync", "sync"),
    (0x10, "collecting", "col"),
    (0x20, "distributing", "dist"),
    (0x40, "defaulted", "DEF"),  # no LACPDU received: running on default partner values
    (0x80, "expired", "EXP"),  # LACPDUs stopped arriving
)
_NEEDED = (0x04, 0x08, 0x10, 0x20)  # aggregatable, in sync, collecting, distributing
_BAD = (0x40, 0x80)


def decode_port_state(state: int) -> list[str]:
    """`63` -> `['active', 'short-timeout', 'aggregatable', 'in-sync', 'collecting', 'distributing']`."""
    return [name for bit, name, _ in PORT_STATE_BITS if state & bit]


def short_port_state(state: int | None) -> str:
    """`63` -> `63 act,fast,agg,sync,col,dist` (for tables); None -> `-`."""
    if state is None:
        return "-"
    names = [short for bit, _, short in PORT_STATE_BITS if state & bit]
    return f"{state} {','.join(names)}" if names else f"{state} (none)"


def _missing_bits(state: int) -> list[str]:
    return [name for bit, name, _ in PORT_STATE_BITS if bit in _NEEDED and not state & bit]


def _bad_bits(state: int) -> list[str]:
    return [name for bit, name, _ in PORT_STATE_BITS if bit in _BAD and state & bit]


@dataclass(frozen=True)
class HealthProblem:
    """One finding: `message` says what is wrong and what it means on the wire, `check` what to look at."""

    code: str
    level: str  # error | warning
    message: str
    check: str = ""
    member: str = ""


@dataclass(frozen=True)
class Expected:
    """What the bond should look like, from a config (`--against FILE`, the node's machine config, a patch).

    `members` is None when the config says nothing usable about them; `settings` holds only what the
    config sets explicitly (keys `mode`, `xmit_hash_policy`, `lacp_rate`, `miimon`).
    """

    source: str
    members: tuple[str, ...] | None = None
    settings: dict[str, str | int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BondHealth:
    """The verdict on one bond of one node."""

    node: str
    name: str
    status: BondStatus
    problems: tuple[HealthProblem, ...]
    expected: Expected | None = None
    link: Link | None = None

    @property
    def healthy(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


@dataclass(frozen=True)
class _Ctx:
    node: str
    status: BondStatus
    link: Link | None
    member_links: tuple[Link, ...]
    expected: Expected | None
    previous: BondStatus | None

    @property
    def bond(self) -> str:
        return self.status.name or "the bond"

    @property
    def lacp(self) -> bool:
        return self.status.mode == "802.3ad"

    @property
    def up_members(self) -> list[BondMember]:
        return [m for m in self.status.members if m.mii_status == "up"]

    def before(self, member: str) -> BondMember | None:
        return self.previous.member(member) if self.previous is not None else None


@dataclass(frozen=True)
class HealthRule:
    """A registered rule: its code, short name, default level and documentation."""

    code: str
    name: str
    level: str
    doc: str
    check: Callable[[_Ctx], Iterator[HealthProblem]]


RULES: list[HealthRule] = []

_Check = Callable[[_Ctx], Iterator[HealthProblem]]


def rule(code: str, name: str, level: str) -> Callable[[_Check], _Check]:
    """Register a health rule; its docstring is its documentation (`talosbond rules TB1xx`)."""

    def register(fn: _Check) -> _Check:
        RULES.append(HealthRule(code, name, level, " ".join((fn.__doc__ or "").split()), fn))
        return fn

    return register


def find_health_rule(code: str) -> HealthRule | None:
    wanted = code.upper()
    return next((r for r in RULES if r.code == wanted or r.name == code.lower()), None)


_LACP_SWITCH = ("on the switch, that the two ports facing {ports} are in ONE port-channel (LAG) with LACP mode "
                "active (or passive), not a static LAG (`mode on`) and not plain access/trunk ports; with two "
                "switches, that they are an MLAG/vPC pair")


def _ports(ctx: _Ctx, members: Sequence[BondMember] | None = None) -> str:
    names = [m.name for m in (members if members is not None else ctx.status.members)]
    return ", ".join(names) or "the members"


@rule("TB101", "bond-down", "error")
def _bond_down(ctx: _Ctx) -> Iterator[HealthProblem]:
    """The bond itself has no carrier (`MII Status: down`): no member is up, or fewer than `min_links`
    (802.3ad) are. Nothing is sent or received on the bond, its VLANs or its addresses."""
    if ctx.status.mii_status != "up":
        yield HealthProblem(
            "TB101", "error",
            f"{ctx.bond} is down (MII Status: {ctx.status.mii_status}): it has no carrier, so nothing is sent or "
            "received on it, its VLANs or its addresses",
            f"the cables and switch ports of {_ports(ctx)}"
            + ("; for 802.3ad also that the port-channel is up on the switch (min links)" if ctx.lacp else ""),
        )


@rule("TB102", "member-down", "error")
def _member_down(ctx: _Ctx) -> Iterator[HealthProblem]:
    """A member's link is not up (`down`, or `going down`/`going back` while updelay/downdelay run). The
    bond sends nothing over it: 802.3ad runs on fewer ports, active-backup has no failover left."""
    for member in ctx.status.members:
        if member.mii_status == "up":
            continue
        if ctx.lacp:
            effect = "the aggregate runs on fewer ports (less bandwidth, no redundancy)"
        elif ctx.status.mode in PRIMARY_MODES:
            others = [m.name for m in ctx.up_members]
            effect = (f"the bond runs on {', '.join(others)} alone, with nothing left to fail over to" if others
                      else "there is no other link to fail over to")
        else:
            effect = "the bond sends nothing over it"
        yield HealthProblem(
            "TB102", "error", f"member {member.name} is {member.mii_status} (MII): {effect}",
            f"the cable or transceiver of {member.name} and its switch port (admin up, not err-disabled, "
            "same speed)", member.name,
        )


@rule("TB103", "member-missing", "error")
def _member_missing(ctx: _Ctx) -> Iterator[HealthProblem]:
    """A card the config puts in the bond is not enslaved (Talos did not select it, or could not enslave
    it), or the bond has no member at all. Traffic never uses that port."""
    present = {m.name for m in ctx.status.members}
    if not present:
        yield HealthProblem(
            "TB103", "error", f"{ctx.bond} has no members: it carries no traffic",
            "the bond's selectors (`talosbond explain FILE -n NODE`) and `talosctl -n NODE logs controller-runtime`",
        )
        return
    expected = ctx.expected
    if expected is None or expected.members is None:
        return
    for name in expected.members:
        if name not in present:
            yield HealthProblem(
                "TB103", "error",
                f"{name} should be a member of {ctx.bond} ({expected.source}) but is not enslaved: traffic never "
                "uses that port",
                f"`talosctl -n NODE get links {name}`, the selectors (`talosbond explain`), and "
                "`talosctl -n NODE logs controller-runtime` for enslave errors", name,
            )


@rule("TB104", "member-extra", "error")
def _member_extra(ctx: _Ctx) -> Iterator[HealthProblem]:
    """The bond has a member the config does not put there: a selector matches more cards than meant.
    That card's own traffic (and any address it had) now goes through the bond."""
    expected = ctx.expected
    if expected is None or expected.members is None:
        return
    for member in ctx.status.members:
        if member.name not in expected.members:
            yield HealthProblem(
                "TB104", "error",
                f"{member.name} is enslaved in {ctx.bond} but {expected.source} does not put it there: "
                "its traffic now goes through the bond",
                "the selectors (`talosbond explain FILE -n NODE`): narrow them to the intended cards", member.name,
            )


@rule("TB105", "lacp-no-partner", "error")
def _lacp_no_partner(ctx: _Ctx) -> Iterator[HealthProblem]:
    """802.3ad with no LACP partner: the partner MAC is 00:00:00:00:00:00, so no LACPDU has come from the
    switch. The kernel then runs each port as its own aggregator and sends on one port only (the switch
    may even drop it as an unbundled port)."""
    if not ctx.lacp:
        return
    zero: list[BondMember] = []
    active = ctx.status.active_aggregator
    if active is not None and active.partner_mac == ZERO_MAC:
        zero = ctx.up_members or list(ctx.status.members)
    else:
        zero = [m for m in ctx.up_members if m.partner is not None and m.partner.system_mac == ZERO_MAC]
    if zero:
        yield HealthProblem(
            "TB105", "error",
            f"no LACP partner on {_ports(ctx, zero)}: the partner MAC is {ZERO_MAC}, no LACPDU came from the "
            "switch, so the ports are not aggregated and the bond sends on one port only",
            _LACP_SWITCH.format(ports=_ports(ctx)),
        )


@rule("TB106", "aggregator-split", "error")
def _aggregator_split(ctx: _Ctx) -> Iterator[HealthProblem]:
    """802.3ad members that are up but not all in the active aggregator: different `Aggregator ID`s,
    `N/A`, or fewer ports in the active aggregator than members up. Only the active aggregator's ports
    carry traffic; the switch sees the others as a different LAG or none."""
    if not ctx.lacp:
        return
    up = ctx.up_members
    if not up:
        return
    details: list[str] = []
    unassigned = [m.name for m in up if m.aggregator_id is None]
    if unassigned:
        details.append(f"{', '.join(unassigned)} in no aggregator (N/A)")
    ids = {m.aggregator_id for m in up if m.aggregator_id is not None}
    if len(ids) > 1:
        details.append("members in different aggregators (" + ", ".join(
            f"{m.name}: {m.aggregator_id}" for m in up if m.aggregator_id is not None) + ")")
    active = ctx.status.active_aggregator
    if active is not None:
        outside = [m.name for m in up if m.aggregator_id is not None and m.aggregator_id != active.aggregator_id]
        if outside and len(ids) <= 1:
            details.append(f"{', '.join(outside)} outside the active aggregator {active.aggregator_id}")
        if active.ports < len(up):
            details.append(f"the active aggregator {active.aggregator_id} has {active.ports} port(s) but "
                           f"{len(up)} members are up")
    if details:
        yield HealthProblem(
            "TB106", "error",
            f"{ctx.bond} is split: {'; '.join(details)}: only the active aggregator's ports carry traffic",
            _LACP_SWITCH.format(ports=_ports(ctx)) + ", with the same speed and LACP key on both ports",
        )


@rule("TB107", "no-active-aggregator", "error")
def _no_active_aggregator(ctx: _Ctx) -> Iterator[HealthProblem]:
    """802.3ad reports `bond X has no active aggregator`: LACP selected no aggregator, so the bond sends
    nothing at all."""
    if ctx.lacp and ctx.status.no_active_aggregator:
        yield HealthProblem(
            "TB107", "error", f"{ctx.bond} has no active aggregator: LACP selected none, so the bond sends nothing",
            _LACP_SWITCH.format(ports=_ports(ctx)),
        )


@rule("TB108", "lacp-churn", "error")
def _lacp_churn(ctx: _Ctx) -> Iterator[HealthProblem]:
    """A member's actor or partner churn machine is `churned` (or its churned count rose between two
    reads): that side could not reach LACP synchronisation. Actor churned = this node could not agree
    with the switch; partner churned = the switch's port never synchronised."""
    if not ctx.lacp:
        return
    for member in ctx.up_members:
        sides: list[str] = []
        for side, state, count in (
            ("actor (this node)", member.actor_churn_state, member.actor_churned_count),
            ("partner (the switch)", member.partner_churn_state, member.partner_churned_count),
        ):
            prior = ctx.before(member.name)
            previous = None
            if prior is not None:
                previous = prior.actor_churned_count if side.startswith("actor") else prior.partner_churned_count
            rising = count is not None and previous is not None and count > previous
            if state == "churned" or rising:
                text = f"{side} churned"
                if count:
                    text += f" ({count} time(s)" + (f", up from {previous})" if rising else ")")
                sides.append(text)
        if sides:
            yield HealthProblem(
                "TB108", "error",
                f"{member.name}: {' and '.join(sides)}: LACP could not synchronise this port, so it does not "
                "carry traffic in the aggregate",
                f"the LACP mode (active/passive) and rate of the switch port facing {member.name}, and that it "
                "is in the same port-channel as the other member(s)", member.name,
            )


def _describe_state(label: str, pdu: LacpPdu) -> str:
    assert pdu.port_state is not None
    names = decode_port_state(pdu.port_state)
    missing = _missing_bits(pdu.port_state)
    text = f"{label} {pdu.port_state} ({', '.join(names) or 'no bits set'}"
    return text + (f"; missing {', '.join(missing)})" if missing else ")")


@rule("TB109", "lacp-port-state", "error")
def _lacp_port_state(ctx: _Ctx) -> Iterator[HealthProblem]:
    """A member's LACP port state (actor or partner) lacks aggregatable, in-sync, collecting or
    distributing, or has defaulted/expired set. Healthy is 63 (fast) or 61 (slow) on both sides; a
    defaulted actor means no LACPDU from the switch, expired means they stopped. The port does not carry
    traffic in the aggregate. Both sides passive (activity bit clear) means nobody starts LACP."""
    if not ctx.lacp:
        return
    for member in ctx.up_members:
        actor, partner = member.actor, member.partner
        if actor is None or partner is None or actor.port_state is None or partner.port_state is None:
            continue  # read without CAP_NET_ADMIN: the kernel did not print the details
        bad = _missing_bits(actor.port_state) or _missing_bits(partner.port_state) or _bad_bits(actor.port_state)
        both_passive = not actor.port_state & 0x01 and not partner.port_state & 0x01
        if not bad and not both_passive:
            continue
        meaning: list[str] = []
        if actor.port_state & 0x40:
            meaning.append("defaulted: no LACPDU has come from the switch, the port runs on default partner values")
        if actor.port_state & 0x80:
            meaning.append("expired: the switch's LACPDUs stopped arriving")
        if not meaning and not actor.port_state & partner.port_state & 0x08:
            meaning.append("out of sync: the two ends disagree on the aggregate (another port-channel, key or "
                           "system)")
        if not meaning and _missing_bits(actor.port_state) + _missing_bits(partner.port_state):
            meaning.append("agreed on but not enabled for traffic (still negotiating, or held down by the switch)")
        if both_passive:
            meaning.append("both sides are LACP passive, so neither starts LACP (Talos 1.12 betas defaulted "
                           "adLACPActive to off: siderolabs/talos#12315)")
        yield HealthProblem(
            "TB109", "error",
            f"{member.name}: LACP port state {_describe_state('actor', actor)}, "
            f"{_describe_state('partner', partner)}: {'; '.join(meaning)}; the port carries no traffic in the "
            "aggregate",
            f"the switch port facing {member.name}: LACP enabled (mode active), in the port-channel with the "
            "other member(s), same LACP rate", member.name,
        )


@rule("TB110", "link-failures", "warning")
def _link_failures(ctx: _Ctx) -> Iterator[HealthProblem]:
    """A member's `Link Failure Count` is not zero: its carrier dropped since it was enslaved. A warning
    for a past failure; an error when the count rose between two reads (the link flaps now)."""
    for member in ctx.status.members:
        count = member.link_failure_count
        prior = ctx.before(member.name)
        if prior is not None and count > prior.link_failure_count:
            yield HealthProblem(
                "TB110", "error",
                f"{member.name}: link failure count rose from {prior.link_failure_count} to {count} between reads: "
                "the link is flapping now, and each flap drops traffic and (802.3ad) restarts LACP on it",
                f"the cable/optics of {member.name}, the switch port's error counters and speed/duplex "
                "negotiation", member.name,
            )
        elif count > 0:
            yield HealthProblem(
                "TB110", "warning",
                f"{member.name}: link failure count {count}: its carrier dropped {count} time(s) since it was "
                "enslaved; if it keeps rising the link flaps",
                f"the cable/optics of {member.name} and the switch port's error counters", member.name,
            )


@rule("TB111", "speed-duplex-mismatch", "error")
def _speed_duplex(ctx: _Ctx) -> Iterator[HealthProblem]:
    """Members that are up run at different speeds or duplex (or half duplex under 802.3ad). 802.3ad
    aggregates only ports with the same speed and full duplex, so they land in different aggregators; in
    other modes the bond's throughput depends on which member a flow hashes to (a warning there)."""
    known = [m for m in ctx.up_members if m.speed_mbit is not None or m.duplex not in ("", "unknown")]
    combos = {(m.speed_mbit, m.duplex) for m in known}
    level = "error" if ctx.lacp else "warning"
    if len(combos) > 1:
        listing = ", ".join(f"{m.name} {_speed(m.speed_mbit)} {m.duplex or '?'}" for m in known)
        meaning = ("802.3ad aggregates only ports of the same speed and duplex, so they end up in different "
                   "aggregators" if ctx.lacp else "throughput depends on which member a flow lands on")
        yield HealthProblem(
            "TB111", level, f"members differ in speed or duplex ({listing}): {meaning}",
            "the speed/duplex settings of both switch ports (auto-negotiation on both ends) and the "
            "transceivers or cables",
        )
    if ctx.lacp:
        half = [m.name for m in known if m.duplex == "half"]
        if half:
            yield HealthProblem(
                "TB111", "error",
                f"{', '.join(half)} run(s) at half duplex: LACP aggregates only full-duplex ports",
                "the switch port's duplex setting (auto-negotiation on both ends)",
            )


def _speed(mbit: int | None) -> str:
    if mbit is None:
        return "?"
    return f"{mbit // 1000}G" if mbit >= 1000 and mbit % 1000 == 0 else f"{mbit}M"


@rule("TB112", "no-active-member", "error")
def _no_active_member(ctx: _Ctx) -> Iterator[HealthProblem]:
    """active-backup (or tlb/alb) with `Currently Active Slave: None`: no member transmits, so the bond
    sends nothing."""
    if ctx.status.mode in PRIMARY_MODES and ctx.status.active_member is None and ctx.status.members:
        yield HealthProblem(
            "TB112", "error",
            f"{ctx.bond} ({ctx.status.mode}) has no active member: no port transmits, so the bond sends nothing",
            f"the cables and switch ports of {_ports(ctx)}",
        )


@rule("TB113", "not-on-primary", "warning")
def _not_on_primary(ctx: _Ctx) -> Iterator[HealthProblem]:
    """active-backup (or tlb/alb) with a primary that is not the active member: the bond has failed over
    to the backup (the primary is down, or came back and `primary_reselect` keeps the current one)."""
    status = ctx.status
    if status.mode not in PRIMARY_MODES or not status.primary or not status.active_member:
        return
    if status.primary == status.active_member:
        return
    primary = status.member(status.primary)
    if primary is None:
        why = "the primary is not a member"
    elif primary.mii_status != "up":
        why = f"the primary is {primary.mii_status}"
    else:
        reselect = status.primary_reselect or "always"
        why = f"the primary is up again but primary_reselect {reselect} keeps the current member"
    yield HealthProblem(
        "TB113", "warning",
        f"{ctx.bond} has failed over: traffic runs on {status.active_member}, not on the primary {status.primary} "
        f"({why})",
        f"the link of {status.primary} (cable, switch port); the switch now learns the bond's MAC on the port "
        f"facing {status.active_member}",
        status.primary,
    )


_SETTING_LABELS = {"mode": "mode", "xmit_hash_policy": "xmitHashPolicy", "lacp_rate": "lacpRate",
                   "miimon": "miimon"}


def _running_settings(status: BondStatus) -> dict[str, str | int]:
    running: dict[str, str | int] = {"mode": status.mode, "miimon": status.miimon}
    if status.xmit_hash_policy is not None:
        running["xmit_hash_policy"] = status.xmit_hash_policy
    if status.lacp_rate is not None:
        running["lacp_rate"] = status.lacp_rate
    return running


def _setting_meaning(key: str) -> str:
    return {
        "mode": "the bond does not run the mode the config asks for",
        "xmit_hash_policy": "flows are spread over the members differently than configured",
        "lacp_rate": "LACPDUs go out at another rate than configured (fast: every second, slow: every 30 s), so "
                     "failure detection takes longer or shorter",
        "miimon": "link failures are detected at another interval than configured (0 = not at all without ARP)",
    }[key]


@rule("TB114", "differs-from-config", "error")
def _differs_from_config(ctx: _Ctx) -> Iterator[HealthProblem]:
    """The running mode, transmit hash policy, LACP rate or miimon differs from the config (`--against
    FILE`, the node's machine config, or the patch being applied): the node does not run the config,
    because it was not applied yet or Talos could not change the bond in place."""
    expected = ctx.expected
    if expected is None:
        return
    running = _running_settings(ctx.status)
    for key, wanted in expected.settings.items():
        if key not in running:
            continue  # the kernel does not print it for this mode
        if str(running[key]).lower() != str(wanted).lower():
            yield HealthProblem(
                "TB114", "error",
                f"{_SETTING_LABELS[key]}: the bond runs {running[key]}, {expected.source} says {wanted}: "
                f"{_setting_meaning(key)}",
                "whether the config was applied (`talosctl -n NODE get machineconfig`), and "
                "`talosctl -n NODE logs controller-runtime`; a mode change may need the bond re-created (reboot)"
                + ("; the LACP rate configured on the switch port-channel" if key == "lacp_rate" else ""),
            )


@rule("TB115", "differs-from-linkstatus", "warning")
def _differs_from_linkstatus(ctx: _Ctx) -> Iterator[HealthProblem]:
    """/proc/net/bonding and Talos's LinkStatus (`bondMaster`, members' `masterIndex`) disagree on the mode,
    hash policy, LACP rate, miimon or the member set. Both come from the kernel, so the two reads were
    taken at different moments (the bond changed in between, or a capture mixes two times)."""
    link = ctx.link
    if link is None or link.bond_master is None:
        return
    spec: dict[str, Any] = link.bond_master
    running = _running_settings(ctx.status)
    reported: dict[str, str | int] = {"mode": str(spec.get("mode", "")), "miimon": _as_int(spec.get("miimon", 0))}
    if "xmit_hash_policy" in running and spec.get("xmitHashPolicy") is not None:
        reported["xmit_hash_policy"] = str(spec["xmitHashPolicy"])
    if "lacp_rate" in running and spec.get("lacpRate") is not None:
        reported["lacp_rate"] = str(spec["lacpRate"])
    for key, value in reported.items():
        if key in running and str(running[key]).lower() != str(value).lower():
            yield HealthProblem(
                "TB115", "warning",
                f"{_SETTING_LABELS[key]}: /proc/net/bonding says {running[key]}, LinkStatus bondMaster says "
                f"{value}: the two reads disagree, so the bond changed between them",
                f"read both again (`talosctl -n NODE get links {ctx.bond} -o yaml`)",
            )
    if ctx.member_links or ctx.status.members:
        enslaved = {x.name for x in ctx.member_links}
        in_proc = {m.name for m in ctx.status.members}
        if enslaved != in_proc:
            yield HealthProblem(
                "TB115", "warning",
                f"members: /proc/net/bonding lists {', '.join(sorted(in_proc)) or 'none'}, LinkStatus "
                f"(masterIndex {link.index}) lists {', '.join(sorted(enslaved)) or 'none'}: the two reads disagree",
                f"read both again (`talosctl -n NODE get links -o yaml`, `talosctl -n NODE read "
                f"/proc/net/bonding/{ctx.bond}`)",
            )


@rule("TB116", "no-link-monitoring", "warning")
def _no_link_monitoring(ctx: _Ctx) -> Iterator[HealthProblem]:
    """The bond watches no link: miimon is 0 and there is no ARP monitoring. A member whose cable is
    pulled or whose switch port dies keeps getting its share of the traffic, which is lost
    (siderolabs/talos#10752: a bond that never recovers after a link flap)."""
    if ctx.status.miimon == 0 and not ctx.status.arp_interval:
        yield HealthProblem(
            "TB116", "warning",
            f"{ctx.bond} does not monitor its links (miimon 0, no ARP monitoring): traffic keeps going to a "
            "member whose link died",
            "set miimon (e.g. 100) in the bond's config",
        )


def _as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def verify_bond(
    node: str,
    status: BondStatus,
    link: Link | None = None,
    member_links: Sequence[Link] = (),
    expected: Expected | None = None,
    previous: BondStatus | None = None,
) -> BondHealth:
    """Run every rule on one bond. `previous` is an earlier read of the same file (rising counters)."""
    ctx = _Ctx(node, status, link, tuple(member_links), expected, previous)
    problems: list[HealthProblem] = []
    for health_rule in RULES:
        problems.extend(health_rule.check(ctx))
    order = {"error": 0, "warning": 1}
    problems.sort(key=lambda p: (order.get(p.level, 2), p.code))
    return BondHealth(node, status.name, status, tuple(problems), expected, link)


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
        out[key] = _as_int(value) if key == "miimon" else str(value)
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


def verify_node(
    node: Node,
    bonds: Sequence[str] = (),
    config: ReferenceConfig | None = None,
    previous: dict[str, BondStatus] | None = None,
    missing_hint: str = "",
) -> NodeVerdict:
    """Verify the bonds of one node (`bonds`, or every bond in use it has).

    A bond whose /proc/net/bonding file was not read or did not parse becomes a `NodeError` (could not
    read); the node's other bonds are still verified.
    """
    errors: list[NodeError] = []
    notes: list[str] = []
    if bonds:
        names = list(dict.fromkeys(bonds))
    else:
        candidates = [x.name for x in bond_links(node)]
        candidates += [name for name in node.bonds if name not in candidates]
        defined = _config_bonds(config)
        names = [name for name in candidates if name in defined or _in_use(node, name)]
        for name in candidates:
            if name not in names:
                notes.append(f"{node.name}: {name} has no members and is down (the bonding driver's default "
                             f"bond?); not verified (pass --bond {name} to check it)")
    if not names:
        errors.append(NodeError(node.name, "no bond in use on this node", "pass --bond NAME to check one anyway"))
        return NodeVerdict(node.name, (), tuple(errors), tuple(notes))
    # Only multi-document aliases depend on the release; a node that did not say is read as the newest.
    version = node.version.minor_tuple if node.version is not None else NEWEST
    results: list[BondHealth] = []
    for name in names:
        status = node.bonds.get(name)
        if status is None:
            link = node.link(name)
            what = f"no /proc/net/bonding/{name} was read" + ("" if link is None or link.kind == "bond" else
                                                                f" ({name} is a {link.kind or link.type} link)")
            errors.append(NodeError(node.name, what, missing_hint))
            continue
        if isinstance(status, ParseError):
            errors.append(NodeError(node.name, status.message, status.hint))
            continue
        link = node.link(name)
        expected: Expected | None = None
        if config is not None:
            if config.view is None:
                error = config.error or ParseError(config.source, None, "no config to compare with")
                errors.append(NodeError(node.name, error.message, error.hint))
                continue
            expected = expected_from_config(config.view, config.source, name, node, version)
            if expected is None:
                notes.append(f"{node.name}: {config.source} does not define {name}; members and settings are not "
                             "compared with a config")
            else:
                notes.extend(f"{node.name}: {config.source}: {note}" for note in expected.notes)
        results.append(verify_bond(node.name, status, link, member_links_of(node, link), expected,
                                   (previous or {}).get(name)))
    return NodeVerdict(node.name, tuple(results), tuple(errors), tuple(notes))


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
