"""A member's `Link Failure Count` is not zero: its carrier dropped since it was enslaved. A warning for a past
failure; an error when the count rose between two reads (the link flaps now).

Failing: a member with `Link Failure Count: 3`.
Passing: `Link Failure Count: 0` on every member.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.model import Problem

CODE = "TB110"
NAME = "link-failures"
LEVEL = "warning"


def check(ctx: HealthContext) -> Iterator[Problem]:
    for member in ctx.status.members:
        count = member.link_failure_count
        prior = ctx.before(member.name)
        if prior is not None and count > prior.link_failure_count:
            yield ctx.problem(
                f"{member.name}: link failure count rose from {prior.link_failure_count} to {count} between "
                "reads: the link is flapping now, and each flap drops traffic and (802.3ad) restarts LACP on it",
                f"the cable/optics of {member.name}, the switch port's error counters and speed/duplex "
                "negotiation", member.name, level="error",
            )
        elif count > 0:
            yield ctx.problem(
                f"{member.name}: link failure count {count}: its carrier dropped {count} time(s) since it was "
                "enslaved; if it keeps rising the link flaps",
                f"the cable/optics of {member.name} and the switch port's error counters", member.name,
            )
