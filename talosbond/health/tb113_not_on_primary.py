"""active-backup (or tlb/alb) with a primary that is not the active member: the bond has failed over to the
backup (the primary is down, or came back and `primary_reselect` keeps the current one).

Failing: `Primary Slave: eno1` with `Currently Active Slave: eno2`.
Passing: `Primary Slave: eno1` with `Currently Active Slave: eno1`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import PRIMARY_MODES
from talosbond.model import Problem

CODE = "TB113"
NAME = "not-on-primary"
LEVEL = "warning"


def check(ctx: HealthContext) -> Iterator[Problem]:
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
    yield ctx.problem(
        f"{ctx.bond} has failed over: traffic runs on {status.active_member}, not on the primary {status.primary} "
        f"({why})",
        f"the link of {status.primary} (cable, switch port); the switch now learns the bond's MAC on the port "
        f"facing {status.active_member}",
        status.primary,
    )
