"""A member's link is not up. `down`: the bond sends nothing over it (802.3ad runs on fewer ports, active-backup
has no failover left). `going down`: its carrier is gone but downdelay has not run out, so the bond still uses
it and what it sends there is lost; an active-backup bond's active member stays active, and the whole bond
loses traffic until the delay ends (seen on a 6.1 kernel: 100% ping loss). `going back`: carrier is back but
updelay has not run out, so it carries nothing yet. Under ARP monitoring `down` means no ARP reply came back
through it, which blames the ARP target as much as the cable (its carrier may be up).

Failing: a member block with `MII Status: down` (or `going down`, `going back`).
Passing: every `Slave Interface` block with `MII Status: up`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import PRIMARY_MODES, arp_targets, carrier_note
from talosbond.model import BondMember, Problem

CODE = "TB102"
NAME = "member-down"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    for member in ctx.status.members:
        if member.mii_status == "up":
            continue
        yield ctx.problem(f"member {member.name} is {member.mii_status} ({'ARP monitor' if ctx.arp else 'MII'}): "
                          f"{_effect(ctx, member)}", _check(ctx, member), member.name)


def _effect(ctx: HealthContext, member: BondMember) -> str:
    status = ctx.status
    others = [m.name for m in ctx.up_members]
    alone = (f"the bond runs on {', '.join(others)} alone, with nothing left to fail over to" if others
             else "there is no other link to fail over to")
    primary_mode = status.mode in PRIMARY_MODES
    if member.mii_status == "going down":
        delay = f"downdelay ({status.downdelay} ms)"
        if primary_mode and member.name == status.active_member:
            return (f"its carrier is gone but the {delay} has not run out, so it is still the active member: the "
                    "bond sends into a dead link and loses its traffic until the delay ends"
                    + (f" and {', '.join(others)} takes over" if others else ""))
        if primary_mode:
            return f"its carrier is gone and the {delay} is running; it carries no traffic, so {alone}"
        return (f"its carrier is gone but the {delay} has not run out, so the bond still sends its share over it "
                "and that traffic is lost until the delay ends")
    if member.mii_status == "going back":
        return (f"its carrier is back but the updelay ({status.updelay} ms) has not run out, so it carries nothing "
                "yet" + (f"; {alone}" if primary_mode else ""))
    if ctx.arp:
        return (f"no ARP reply from {arp_targets(ctx)} came back through it, so the bond does not use it"
                + carrier_note(ctx, member) + (f"; {alone}" if primary_mode else ""))
    if ctx.lacp:
        return "the aggregate runs on fewer ports (less bandwidth, no redundancy)"
    return alone if primary_mode else "the bond sends nothing over it"


def _check(ctx: HealthContext, member: BondMember) -> str:
    status = ctx.status
    if member.mii_status == "going down" and status.downdelay >= 10 * max(status.miimon, 1):
        return (f"the cable or switch port of {member.name}; and the downdelay: {status.downdelay} ms of lost "
                "traffic on every failure is long (a few times miimon, e.g. 200 ms, is usual)")
    if ctx.arp:
        return (f"that {arp_targets(ctx)} answers ARP on the bond's network (a gateway on that L2 segment), the "
                f"switch port of {member.name}, and arp_validate")
    return (f"the cable or transceiver of {member.name} and its switch port (admin up, not err-disabled, same "
            "speed)")
