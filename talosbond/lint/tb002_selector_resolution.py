"""Bond members that resolve to no link, to virtual links, twice, differently once the bond forms, or to
other cards than the node's existing bond of that name has enslaved.

talosbond simulates Talos's matching on the node's links as discovered and as they will be after the
bond forms (members carry the bond's MAC, the bond and its VLANs exist). A bond whose selectors match
nothing is dropped by Talos with its VLANs and addresses; one whose member set changes after forming
loses or gains members on the next reconcile.

Failing (on a node whose cards are 3c:fd:fe:...):
    bond:
      deviceSelectors:
        - permanentAddr: "aa:bb:*"
          driver: ixgbe
Passing:
    bond:
      deviceSelectors:
        - permanentAddr: "3c:fd:fe:9e:4a:*"
          driver: ixgbe
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Node, Problem

CODE = "TB002"
NAME = "selector-resolution"
LEVEL = "error"
NEEDS_LINKS = True


def check(ctx: LintContext) -> Iterator[Problem]:
    for node in ctx.nodes:
        for proof in ctx.proofs(node):
            path = next((b.path for b in ctx.view.legacy_bonds if b.name == proof.bond),
                        next((b.path for b in ctx.view.bonds if b.name == proof.bond), ""))
            for message in proof.problems():
                yield ctx.problem(f"bond {proof.bond}: {message}", path=path, node=node.name)
            before, after = set(proof.before.members), set(proof.after.members)
            if before and after and before != after and not proof.problems():
                yield ctx.problem(
                    f"bond {proof.bond}: members change once the bond forms ({', '.join(sorted(before))} -> "
                    f"{', '.join(sorted(after))})", path=path, node=node.name,
                )
            current = _current_members(node, proof.bond)
            physical = {m for m in before if (link := node.link(m)) is not None and link.physical}
            if current and physical and physical != current:
                yield ctx.problem(
                    f"bond {proof.bond}: the selectors pick {', '.join(sorted(physical))}, but the node's "
                    f"{proof.bond} has {', '.join(sorted(current))} enslaved now", path=path, node=node.name,
                )


def _current_members(node: Node, bond: str) -> set[str]:
    """The cards enslaved to the node's existing bond of that name (empty when it has none)."""
    link = node.link(bond)
    if link is None or link.kind != "bond" or not link.index:
        return set()
    return {x.name for x in node.links if x.master_index == link.index and x.physical}
