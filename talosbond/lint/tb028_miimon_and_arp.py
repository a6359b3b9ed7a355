"""A bond with both MII monitoring (`miimon`) and ARP monitoring (`arpInterval`).

The kernel runs one link monitor: with both set it uses MII and ignores ARP (it logs "ARP monitoring
set, but MII monitoring is enabled; disabling ARP monitoring"), so the ARP targets that were meant to
catch a dead upstream path are never probed. Talos accepts the config. Choose one.

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
    arpInterval: 1000
    arpIpTargets: [10.13.17.1]
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_int, bond_options
from talosbond.model import Problem

CODE = "TB028"
NAME = "miimon-and-arp"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, name, options, _ in bond_options(ctx.view):
        if (as_int(options.get("miimon")) or 0) > 0 and (as_int(options.get("arpInterval")) or 0) > 0:
            yield ctx.problem(f"bond {name} sets both miimon and arpInterval: the kernel uses MII monitoring and "
                              "disables ARP monitoring, so the ARP targets are never probed; keep one",
                              path=path)
