"""A member's link is not up (`down`, or `going down`/`going back` while updelay/downdelay run). The bond sends
nothing over it: 802.3ad runs on fewer ports, active-backup has no failover left.

Failing: a member block with `MII Status: down`.
Passing: every `Slave Interface` block with `MII Status: up`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import PRIMARY_MODES
from talosbond.model import Problem

CODE = "TB102"
NAME = "member-down"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
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
        yield ctx.problem(
            f"member {member.name} is {member.mii_status} (MII): {effect}",
            f"the cable or transceiver of {member.name} and its switch port (admin up, not err-disabled, "
            "same speed)", member.name,
        )
