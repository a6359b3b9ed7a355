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
from talosbond.model import Edit, Fix, Node, Problem

CODE = "TB002"
NAME = "selector-resolution"
LEVEL = "error"
NEEDS_LINKS = True


FIXABLE = True


def _fix(ctx: LintContext, bond_name: str) -> Fix | None:
    """Selectors derived afresh for the cards the bond means, proven on every node given (legacy bonds with
    selectors only): the cards it has enslaved now, else the physical cards its selectors pick."""
    from talosbond.errors import UsageError
    from talosbond.lint._util import legacy_doc, path_steps
    from talosbond.plan import BondPlan, VlanPlan
    from talosbond.selectors import derive_legacy

    bond = next((b for b in ctx.view.legacy_bonds if b.name == bond_name and b.raw_selectors), None)
    if bond is None or not ctx.nodes:
        return None
    members: dict[str, tuple[str, ...]] = {}
    for node in ctx.nodes:
        proof = next(p for p in ctx.proofs(node) if p.bond == bond_name)
        picked = [m for m in dict.fromkeys(proof.before.members) if (link := node.link(m)) and link.physical]
        current = _current_members(node, bond_name)
        members[node.name] = tuple(sorted(current)) if current else tuple(picked)
        if not members[node.name]:
            return None
    vlans = tuple(VlanPlan(v["vlanId"]) for v in bond.device.get("vlans") or []
                  if isinstance(v, dict) and isinstance(v.get("vlanId"), int))
    plan = BondPlan(bond_name, bond.mode or "balance-rr", members, ctx.effective_version, "v1alpha1", vlans=vlans)
    try:
        choice = derive_legacy(plan, ctx.nodes)
    except UsageError:
        return None
    selectors = [s.as_yaml_dict() for s in choice.selectors]
    path = (*path_steps(bond.path), "bond", "deviceSelectors")
    return Fix(f"deviceSelectors for {', '.join(sorted({m for ms in members.values() for m in ms}))} "
               f"({choice.strategy})", (Edit(path, "set", selectors, legacy_doc(ctx.view)),))


def check(ctx: LintContext) -> Iterator[Problem]:
    fixes: dict[str, Fix | None] = {}
    for node in ctx.nodes:
        for proof in ctx.proofs(node):
            path = next((b.path for b in ctx.view.legacy_bonds if b.name == proof.bond),
                        next((b.path for b in ctx.view.bonds if b.name == proof.bond), ""))
            for message in proof.problems():
                if proof.bond not in fixes:
                    fixes[proof.bond] = _fix(ctx, proof.bond)
                yield ctx.problem(f"bond {proof.bond}: {message}", path=path, node=node.name,
                                  fix=fixes[proof.bond])
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
