"""802.3ad reports `bond X has no active aggregator`: LACP selected no aggregator, so the bond sends nothing at
all.

Failing: 802.3ad printing `bond bond0 has no active aggregator`.
Passing: 802.3ad with an `Active Aggregator Info` block.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import LACP_SWITCH, ports
from talosbond.model import Problem

CODE = "TB107"
NAME = "no-active-aggregator"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    if ctx.lacp and ctx.status.no_active_aggregator:
        yield ctx.problem(
            f"{ctx.bond} has no active aggregator: LACP selected none, so the bond sends nothing",
            LACP_SWITCH.format(ports=ports(ctx)),
        )
