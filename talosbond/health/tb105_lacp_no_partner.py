"""802.3ad with no LACP partner: the partner MAC is 00:00:00:00:00:00, so no LACPDU has come from the switch. The
kernel then runs each port as its own aggregator and sends on one port only (the switch may even drop it as an
unbundled port).

Failing: 802.3ad with `Partner Mac Address: 00:00:00:00:00:00`.
Passing: 802.3ad with the switch's MAC as partner.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import LACP_SWITCH, ZERO_MAC, ports
from talosbond.model import BondMember, Problem

CODE = "TB105"
NAME = "lacp-no-partner"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    if not ctx.lacp:
        return
    zero: list[BondMember] = []
    active = ctx.status.active_aggregator
    if active is not None and active.partner_mac == ZERO_MAC:
        zero = ctx.up_members or list(ctx.status.members)
    else:
        zero = [m for m in ctx.up_members if m.partner is not None and m.partner.system_mac == ZERO_MAC]
    if zero:
        yield ctx.problem(
            f"no LACP partner on {ports(ctx, zero)}: the partner MAC is {ZERO_MAC}, no LACPDU came from the "
            "switch, so the ports are not aggregated and the bond sends on one port only",
            LACP_SWITCH.format(ports=ports(ctx)),
        )
