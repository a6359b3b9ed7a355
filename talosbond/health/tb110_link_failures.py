"""A member's `Link Failure Count` is not zero: the bond declared it down since it was enslaved. Under MII
monitoring that is a carrier drop; under ARP monitoring it is an ARP reply that did not come back (the target,
not the cable, unless the carrier dropped too: a 6.1 kernel counts both members up by hundreds with carrier up
when the ARP target does not answer). A warning for a past failure; an error when the count rose between two
reads (it fails now).

Failing: a member with `Link Failure Count: 3`.
Passing: `Link Failure Count: 0` on every member.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import arp_targets, carrier_note
from talosbond.model import BondMember, Problem

CODE = "TB110"
NAME = "link-failures"
LEVEL = "warning"


def check(ctx: HealthContext) -> Iterator[Problem]:
    for member in ctx.status.members:
        count = member.link_failure_count
        prior = ctx.before(member.name)
        what = (f"the ARP monitor declared it down (no reply from {arp_targets(ctx)})" if ctx.arp
                else "its carrier dropped")
        if prior is not None and count > prior.link_failure_count:
            yield ctx.problem(
                f"{member.name}: link failure count rose from {prior.link_failure_count} to {count} between "
                f"reads: {what} again and again, and each time the bond stops sending over it"
                + (carrier_note(ctx, member) if ctx.arp else
                   ": the link is flapping now" + (" and LACP restarts on it" if ctx.lacp else "")),
                _check(ctx, member), member.name, level="error",
            )
        elif count > 0:
            yield ctx.problem(
                f"{member.name}: link failure count {count}: {what} {count} time(s) since it was enslaved; if it "
                "keeps rising the link flaps", _check(ctx, member), member.name,
            )


def _check(ctx: HealthContext, member: BondMember) -> str:
    if ctx.arp:
        return (f"that {arp_targets(ctx)} answers ARP reliably from the bond's network (ARP monitoring needs a "
                f"target that always replies), then the cable of {member.name}")
    return f"the cable/optics of {member.name}, the switch port's error counters and speed/duplex negotiation"
