"""A bond member without carrier.

A member whose cable is unplugged (or whose switch port is down) adds nothing; in active-backup it may
be chosen as the active port after a restart until MII monitoring notices. Check the cabling, or leave
the card out.

Failing (enp3s0f2 linkState false):
    bond: {deviceSelectors: [{busPath: "0000:03:00.*", driver: igb}]}
Passing:
    bond: {deviceSelectors: [{busPath: "0000:03:00.0", driver: igb}, {busPath: "0000:03:00.1", driver: igb}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB012"
NAME = "member-no-carrier"
LEVEL = "warning"
NEEDS_LINKS = True


def check(ctx: LintContext) -> Iterator[Problem]:
    for node in ctx.nodes:
        for proof in ctx.proofs(node):
            for name in dict.fromkeys(proof.before.members):
                link = node.link(name)
                if link is not None and link.physical and not link.link_state:
                    yield ctx.problem(f"bond {proof.bond}: member {name} has no carrier (cable or "
                                      "switch port down)", node=node.name)
