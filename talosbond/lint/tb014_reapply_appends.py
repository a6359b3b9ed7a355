"""A patch whose lists would be appended to a bond the node already has.

Strategic merge appends lists (selectors, `links`, addresses, routes) instead of replacing them, so
applying a patch to a node that already carries the same bond doubles them: selectors match twice,
addresses are added again. talosbond resolves it: `talosbond patch` reads the node's config and
writes a patch that deletes the old entry and adds the new one in one go (`$patch: delete`), and
`talosbond apply` rewrites such a patch the same way before it merges it.

Failing: a bond0 patch without `$patch: delete`, for a node whose config already has bond0.
Passing: the patch `talosbond patch` writes for that node (it deletes bond0, then adds it).
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB014"
NAME = "reapply-appends"
LEVEL = "warning"
NEEDS_LINKS = True


_RESOLVED = " (`talosbond apply` replaces it; `talosbond patch` writes a patch that does)"


def _deleted(ctx: LintContext) -> set[str]:
    """Names the patch deletes before it adds them again (legacy items, documents)."""
    out = {str(d.get("interface")) for _, d in ctx.view.legacy_devices if d.get("$patch") == "delete"}
    out |= {str(d.get("name")) for d in ctx.view.documents if isinstance(d, dict) and d.get("$patch") == "delete"}
    return out


def check(ctx: LintContext) -> Iterator[Problem]:
    if any("version" in doc and "machine" in doc for doc in ctx.view.documents):
        return  # a whole machine config replaces the node's; only a patch is merged into it
    replaced = _deleted(ctx)
    for node in ctx.nodes:
        current = node.config
        if current is None:
            continue
        existing = {b.name for b in current.legacy_bonds} | {b.name for b in current.bonds}
        for bond in ctx.view.legacy_bonds:
            if bond.name in existing and bond.name not in replaced and (bond.raw_selectors or bond.interfaces):
                yield ctx.problem(f"{node.name} already has {bond.name}: `patch mc` would append these "
                                  f"selectors to its existing ones{_RESOLVED}", path=bond.path, node=node.name)
        for mbond in ctx.view.bonds:
            if mbond.name in existing and mbond.name not in replaced:
                yield ctx.problem(f"{node.name} already has BondConfig {mbond.name}: `patch mc` would "
                                  f"append these links to its existing ones{_RESOLVED}", path=mbond.path,
                                  node=node.name)
