"""A member's actor or partner churn machine is `churned` (or its churned count rose between two reads): that
side could not reach LACP synchronisation. Actor churned = this node could not agree with the switch; partner
churned = the switch's port never synchronised.

Failing: a member with `Actor Churn State: churned`.
Passing: `Actor Churn State: none` and `Partner Churn State: none`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.model import Problem

CODE = "TB108"
NAME = "lacp-churn"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
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
            yield ctx.problem(
                f"{member.name}: {' and '.join(sides)}: LACP could not synchronise this port, so it does not "
                "carry traffic in the aggregate",
                f"the LACP mode (active/passive) and rate of the switch port facing {member.name}, and that it "
                "is in the same port-channel as the other member(s)", member.name,
            )
