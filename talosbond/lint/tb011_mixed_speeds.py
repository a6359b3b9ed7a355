"""An 802.3ad bond whose members run at different speeds (or duplex).

LACP only aggregates ports with the same speed and duplex into one aggregator; a faster or slower port
lands in its own aggregator and stays idle (ad_select picks one). Bond cards of the same speed.

Failing (members at 25000 and 1000 Mbit/s):
    bond: {mode: 802.3ad, deviceSelectors: [{driver: "*", physical: true}]}
Passing:
    bond: {mode: 802.3ad, deviceSelectors: [{driver: mlx5_core, physical: true}]}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import bond_options, mode_of
from talosbond.model import Problem

CODE = "TB011"
NAME = "mixed-speeds"
LEVEL = "warning"
NEEDS_LINKS = True


def check(ctx: LintContext) -> Iterator[Problem]:
    modes = {name: mode_of(opts, style) for _, name, opts, style in bond_options(ctx.view)}
    for node in ctx.nodes:
        for proof in ctx.proofs(node):
            if modes.get(proof.bond) != "802.3ad":
                continue
            links = [node.link(m) for m in dict.fromkeys(proof.before.members)]
            speeds = {(x.name, x.speed_mbit, x.duplex) for x in links if x is not None and x.physical}
            if len({(s, d) for _, s, d in speeds}) > 1:
                shown = ", ".join(f"{n} {s or '?'}M {d}".strip() for n, s, d in sorted(speeds))
                yield ctx.problem(f"802.3ad bond {proof.bond} mixes speeds or duplex ({shown}): LACP "
                                  "puts them in different aggregators and only one carries traffic", node=node.name)
