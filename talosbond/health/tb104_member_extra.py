"""The bond has a member the config does not put there: a selector matches more cards than meant. That card's own
traffic (and any address it had) now goes through the bond.

Failing: the config selects eno1 and eno2, the bond also enslaves eno3.
Passing: the bond enslaves exactly what the config selects.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.model import Problem

CODE = "TB104"
NAME = "member-extra"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    expected = ctx.expected
    if expected is None or expected.members is None:
        return
    for member in ctx.status.members:
        if member.name not in expected.members:
            yield ctx.problem(
                f"{member.name} is enslaved in {ctx.bond} but {expected.source} does not put it there: "
                "its traffic now goes through the bond",
                "the selectors (`talosbond explain FILE -n NODE`): narrow them to the intended cards", member.name,
            )
