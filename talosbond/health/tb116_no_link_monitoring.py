"""The bond watches no link: miimon is 0 and there is no ARP monitoring. A member whose cable is pulled or whose
switch port dies keeps getting its share of the traffic, which is lost (siderolabs/talos#10752: a bond that
never recovers after a link flap).

Failing: `MII Polling Interval (ms): 0` and no ARP monitoring.
Passing: `MII Polling Interval (ms): 100`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.model import Problem

CODE = "TB116"
NAME = "no-link-monitoring"
LEVEL = "warning"


def check(ctx: HealthContext) -> Iterator[Problem]:
    if ctx.status.miimon == 0 and not ctx.status.arp_interval:
        yield ctx.problem(
            f"{ctx.bond} does not monitor its links (miimon 0, no ARP monitoring): traffic keeps going to a "
            "member whose link died",
            "set miimon (e.g. 100) in the bond's config",
        )
