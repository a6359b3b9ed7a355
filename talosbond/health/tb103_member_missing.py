"""A card the config puts in the bond is not enslaved (Talos did not select it, or could not enslave it), or the
bond has no member at all. Traffic never uses that port.

Failing: the config selects eno1 and eno2, the bond lists only eno1.
Passing: the bond lists every member the config selects.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.model import Problem

CODE = "TB103"
NAME = "member-missing"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    present = {m.name for m in ctx.status.members}
    if not present:
        yield ctx.problem(
            f"{ctx.bond} has no members: it carries no traffic",
            "the bond's selectors (`talosbond explain FILE -n NODE`) and `talosctl -n NODE logs controller-runtime`",
        )
        return
    expected = ctx.expected
    if expected is None or expected.members is None:
        return
    for name in expected.members:
        if name not in present:
            yield ctx.problem(
                f"{name} should be a member of {ctx.bond} ({expected.source}) but is not enslaved: traffic never "
                "uses that port",
                f"`talosctl -n NODE get links {name}`, the selectors (`talosbond explain`), and "
                "`talosctl -n NODE logs controller-runtime` for enslave errors", name,
            )
