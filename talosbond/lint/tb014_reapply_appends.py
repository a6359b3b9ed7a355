"""A patch whose lists would be appended to a bond the node already has.

Strategic merge appends lists (selectors, `links`, addresses, routes) instead of replacing them, so
applying a patch to a node that already carries the same bond doubles them: selectors match twice,
addresses are added again. Remove the old entry first (`$patch: delete`, Talos 1.8+), or use
`talosbond apply`, which merges the patch into the current config once.

Failing: applying a bond0 patch twice with `talosctl patch mc`.
Passing: applying it once, or through `talosbond apply`.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB014"
NAME = "reapply-appends"
LEVEL = "warning"
NEEDS_LINKS = True


def check(ctx: LintContext) -> Iterator[Problem]:
    if any("version" in doc and "machine" in doc for doc in ctx.view.documents):
        return  # a whole machine config replaces the node's; only a patch is merged into it
    for node in ctx.nodes:
        current = node.config
        if current is None:
            continue
        existing = {b.name for b in current.legacy_bonds} | {b.name for b in current.bonds}
        for bond in ctx.view.legacy_bonds:
            if bond.name in existing and (bond.raw_selectors or bond.interfaces):
                yield ctx.problem(f"{node.name} already has {bond.name}: `patch mc` would append these "
                                  "selectors to its existing ones", path=bond.path, node=node.name)
        for mbond in ctx.view.bonds:
            if mbond.name in existing:
                yield ctx.problem(f"{node.name} already has BondConfig {mbond.name}: `patch mc` would "
                                  "append these links to its existing ones", path=mbond.path, node=node.name)
