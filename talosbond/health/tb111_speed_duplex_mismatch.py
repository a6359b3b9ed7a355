"""Members that are up run at different speeds or duplex (or half duplex under 802.3ad). 802.3ad aggregates only
ports with the same speed and full duplex, so they land in different aggregators; in other modes the bond's
throughput depends on which member a flow hashes to (a warning there).

Failing: 802.3ad members at `Speed: 10000 Mbps` and `Speed: 1000 Mbps`.
Passing: every member at the same speed, full duplex.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.model import Problem, speed_text

CODE = "TB111"
NAME = "speed-duplex-mismatch"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    known = [m for m in ctx.up_members if m.speed_mbit is not None or m.duplex not in ("", "unknown")]
    combos = {(m.speed_mbit, m.duplex) for m in known}
    if len(combos) > 1:
        listing = ", ".join(f"{m.name} {speed_text(m.speed_mbit)} {m.duplex or '?'}" for m in known)
        meaning = ("802.3ad aggregates only ports of the same speed and duplex, so they end up in different "
                   "aggregators" if ctx.lacp else "throughput depends on which member a flow lands on")
        yield ctx.problem(
            f"members differ in speed or duplex ({listing}): {meaning}",
            "the speed/duplex settings of both switch ports (auto-negotiation on both ends) and the "
            "transceivers or cables", level="" if ctx.lacp else "warning",
        )
    if ctx.lacp:
        half = [m.name for m in known if m.duplex == "half"]
        if half:
            yield ctx.problem(
                f"{', '.join(half)} run(s) at half duplex: LACP aggregates only full-duplex ports",
                "the switch port's duplex setting (auto-negotiation on both ends)",
            )
