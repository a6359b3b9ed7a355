"""What several health rules share: the LACP port-state bits, the switch advice, the running settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from talosbond.model import BondMember, BondStatus, LacpPdu
from talosbond.plan import PRIMARY_MODES as PRIMARY_MODES  # the rules import it from here

if TYPE_CHECKING:
    from talosbond.health import HealthContext

ZERO_MAC = "00:00:00:00:00:00"

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

LACP_SWITCH = ("on the switch, that the two ports facing {ports} are in ONE port-channel (LAG) with LACP mode "
               "active (or passive), not a static LAG (`mode on`) and not plain access/trunk ports; with two "
               "switches, that they are an MLAG/vPC pair")

SETTING_LABELS = {"mode": "mode", "xmit_hash_policy": "xmitHashPolicy", "lacp_rate": "lacpRate",
                  "miimon": "miimon"}


def decode_port_state(state: int) -> list[str]:
    """`63` -> `['active', 'short-timeout', 'aggregatable', 'in-sync', 'collecting', 'distributing']`."""
    return [name for bit, name, _ in PORT_STATE_BITS if state & bit]


def short_port_state(state: int | None) -> str:
    """`63` -> `63 act,fast,agg,sync,col,dist` (for tables); None -> `-`."""
    if state is None:
        return "-"
    names = [short for bit, _, short in PORT_STATE_BITS if state & bit]
    return f"{state} {','.join(names)}" if names else f"{state} (none)"


def missing_bits(state: int) -> list[str]:
    return [name for bit, name, _ in PORT_STATE_BITS if bit in _NEEDED and not state & bit]


def bad_bits(state: int) -> list[str]:
    return [name for bit, name, _ in PORT_STATE_BITS if bit in _BAD and state & bit]


def describe_state(label: str, pdu: LacpPdu) -> str:
    assert pdu.port_state is not None
    names = decode_port_state(pdu.port_state)
    missing = missing_bits(pdu.port_state)
    text = f"{label} {pdu.port_state} ({', '.join(names) or 'no bits set'}"
    return text + (f"; missing {', '.join(missing)})" if missing else ")")


def ports(ctx: HealthContext, members: Sequence[BondMember] | None = None) -> str:
    names = [m.name for m in (members if members is not None else ctx.status.members)]
    return ", ".join(names) or "the members"




def running_settings(status: BondStatus) -> dict[str, str | int]:
    running: dict[str, str | int] = {"mode": status.mode, "miimon": status.miimon}
    if status.xmit_hash_policy is not None:
        running["xmit_hash_policy"] = status.xmit_hash_policy
    if status.lacp_rate is not None:
        running["lacp_rate"] = status.lacp_rate
    return running


def arp_targets(ctx: HealthContext) -> str:
    return ", ".join(ctx.status.arp_targets) or "the ARP target"


def carrier_note(ctx: HealthContext, member: BondMember) -> str:
    """What Talos's LinkStatus says of a member's carrier, which the ARP monitor does not look at."""
    link = next((x for x in ctx.member_links if x.name == member.name), None)
    if link is None:
        return ""
    if link.link_state:
        return " (its carrier is up: the cable is fine, the ARP target does not answer)"
    return " (and its carrier is down)"
