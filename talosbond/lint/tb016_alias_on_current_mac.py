"""A LinkAliasConfig selecting on `link.hardware_addr`, the current MAC.

Bonding rewrites members' current MAC to the bond's, so an alias on `hardware_addr` matches both members
(and is skipped) or none once the bond forms. Select on `mac(link.permanent_addr)`.

Failing:
    apiVersion: v1alpha1
    kind: LinkAliasConfig
    name: bond0-m0
    selector:
      match: mac(link.hardware_addr) == "10:e7:c6:16:2a:01"
Passing:
    apiVersion: v1alpha1
    kind: LinkAliasConfig
    name: bond0-m0
    selector:
      match: mac(link.permanent_addr) == "10:e7:c6:16:2a:01"
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB016"
NAME = "alias-on-current-mac"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for alias in ctx.view.aliases:
        if "hardware_addr" in alias.expression:
            yield ctx.problem(f"alias {alias.name} selects on link.hardware_addr, which bonding changes "
                              "to the bond's MAC; use mac(link.permanent_addr)", path=alias.path)
