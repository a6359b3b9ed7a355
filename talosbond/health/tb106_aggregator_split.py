"""802.3ad members that are up but not all in the active aggregator: different `Aggregator ID`s, `N/A`, or fewer
ports in the active aggregator than members up. Only the active aggregator's ports carry traffic; the switch
sees the others as a different LAG or none.

Failing: 802.3ad members up with `Aggregator ID: 1` and `Aggregator ID: 2`.
Passing: every member up in the active aggregator.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import LACP_SWITCH, ports
from talosbond.model import Problem

CODE = "TB106"
NAME = "aggregator-split"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
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
    partners = {m.partner.system_mac for m in up if m.partner is not None and m.partner.system_mac
                and m.partner.system_mac != "00:00:00:00:00:00"}
    if details and len(partners) > 1:  # a real 6.1 bond split over two switches that are not an MLAG pair
        details.append("the members face different LACP partners (" + ", ".join(
            f"{m.name}: {m.partner.system_mac}" for m in up if m.partner is not None and m.partner.system_mac)
            + "), i.e. two switches that do not act as one")
    if details:
        yield ctx.problem(
            f"{ctx.bond} is split: {'; '.join(details)}: only the active aggregator's ports carry traffic",
            LACP_SWITCH.format(ports=ports(ctx)) + ", with the same speed and LACP key on both ports",
        )
