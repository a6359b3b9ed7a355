"""A bond with neither MII (`miimon`) nor ARP (`arpInterval`) monitoring.

Without link monitoring the bond never notices a dead port: active-backup does not fail over and the
other modes keep sending into a cable that is unplugged. Set `miimon: 100` (talosbond's default).

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: active-backup}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_int, bond_options
from talosbond.model import Problem

CODE = "TB006"
NAME = "no-link-monitoring"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, name, options, _style in bond_options(ctx.view):
        if not as_int(options.get("miimon")) and not as_int(options.get("arpInterval")):
            yield ctx.problem(f"bond {name} has no link monitoring (no miimon, no arpInterval): a dead "
                              "port is never noticed; add miimon: 100", path=path)
