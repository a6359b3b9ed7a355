"""active-backup (or tlb/alb) with `Currently Active Slave: None`: no member transmits, so the bond sends
nothing.

Failing: active-backup with `Currently Active Slave: None`.
Passing: active-backup with `Currently Active Slave: eno1`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import PRIMARY_MODES, arp_targets, ports
from talosbond.model import Problem

CODE = "TB112"
NAME = "no-active-member"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    if ctx.status.mode in PRIMARY_MODES and ctx.status.active_member is None and ctx.status.members:
        yield ctx.problem(
            f"{ctx.bond} ({ctx.status.mode}) has no active member: no port transmits, so the bond sends nothing",
            (f"that {arp_targets(ctx)} answers ARP from the bond's network (ARP monitoring takes every member down "
             f"when it does not), then the cables and switch ports of {ports(ctx)}" if ctx.arp else
             f"the cables and switch ports of {ports(ctx)}"),
        )
