"""An 802.3ad bond without miimon, updelay and downdelay.

Talos itself warns about this (since 1.12.3): without MII monitoring and delays a port that flaps is not
taken out and put back cleanly, and the bond may never recover (siderolabs/talos#10752).

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: 802.3ad}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: 802.3ad, miimon: 100, updelay: 200, downdelay: 200}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_int, bond_options, mode_of
from talosbond.model import Problem

CODE = "TB015"
NAME = "lacp-without-delays"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, name, options, style in bond_options(ctx.view):
        if mode_of(options, style) != "802.3ad":
            continue
        missing = [k for k in ("miimon", "updelay", "downdelay") if not as_int(options.get(k))]
        if missing:
            yield ctx.problem(f"802.3ad bond {name} lacks {', '.join(missing)}: a flapping port may "
                              "never rejoin; e.g. miimon: 100, updelay: 200, downdelay: 200", path=path)
