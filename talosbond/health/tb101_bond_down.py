"""The bond itself has no carrier (`MII Status: down`): no member is up, or fewer than `min_links` (802.3ad) are.
Nothing is sent or received on the bond, its VLANs or its addresses.

Failing: `MII Status: down` on the bond (no member up).
Passing: `MII Status: up` with at least one member up.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import arp_targets, ports
from talosbond.model import Problem

CODE = "TB101"
NAME = "bond-down"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    if ctx.status.mii_status != "up":
        up, wanted = len(ctx.up_members), ctx.status.min_links or 0
        why = (f": only {up} member(s) up, fewer than min_links {wanted}, so the kernel drops the bond's carrier "
               "although a member is up" if ctx.lacp and 0 < up < wanted else "")
        yield ctx.problem(
            f"{ctx.bond} is down (MII Status: {ctx.status.mii_status}){why}: it has no carrier, so nothing is sent "
            "or received on it, its VLANs or its addresses",
            (f"that {arp_targets(ctx)} answers ARP from the bond's network (under ARP monitoring a silent target "
             "takes the bond down with every cable fine), then " if ctx.arp else "")
            + f"the cables and switch ports of {ports(ctx)}"
            + ("; for 802.3ad also that the port-channel is up on the switch (min links)" if ctx.lacp else ""),
        )
