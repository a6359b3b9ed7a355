"""A legacy bond selector that can also match the bond or a VLAN on it.

After enslaving, every member, the bond and each VLAN on it report the first member's MAC. Talos
matches legacy `deviceSelectors` against every link and leaves out only the bond itself, so a selector
on `hardwareAddr` alone also picks `bond0.87`, and Talos tries to enslave the VLAN into its own parent:
`error enslaving/unslaving link "bond0.87" under "bond0": netlink receive: device or resource busy`,
retried forever. Naming the NIC `driver` (1.4+), `physical: true` (1.7+) or `permanentAddr` (1.9+)
makes the selector unable to match a virtual link.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors:
                - hardwareAddr: "10:e7:c6:16:*"
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors:
                - hardwareAddr: "10:e7:c6:16:*"
                  driver: e1000e
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond import features
from talosbond.lint import LintContext
from talosbond.lint._util import legacy_doc, path_steps, selector_is_physical_only
from talosbond.model import Edit, Fix, Problem

CODE = "TB001"
NAME = "selector-matches-virtual"
LEVEL = "error"
FIXABLE = True


def _fixed(ctx: LintContext, index: int, bond_name: str, raw: dict[str, object]) -> dict[str, object] | None:
    """The selector with the NIC driver (or `physical: true`) added and, from 1.9, its MAC glob moved to
    the permanent address; None when no driver is known and the version has no `physical`."""
    drivers = set()
    for node in ctx.nodes:
        for proof in ctx.proofs(node):
            if proof.bond == bond_name and index < len(proof.before.columns):
                for name in proof.before.columns[index].matched:
                    link = node.link(name)
                    if link is not None and link.physical and link.driver:
                        drivers.add(link.driver)
    fixed = dict(raw)
    version = ctx.effective_version
    if len(drivers) == 1:
        fixed["driver"] = drivers.pop()
    elif features.has(features.PHYSICAL_SELECTOR, version):
        fixed["physical"] = True
    else:
        return None
    if features.has(features.PERMANENT_ADDR_SELECTOR, version) and "hardwareAddr" in fixed \
            and "permanentAddr" not in fixed:
        fixed = {("permanentAddr" if k == "hardwareAddr" else k): v for k, v in fixed.items()}
    return fixed


def _fix(ctx: LintContext, path: str, raw: dict[str, object], fixed: dict[str, object]) -> Fix:
    steps = path_steps(path)
    doc = legacy_doc(ctx.view)
    edits = [Edit((*steps, k), "set", v, doc) for k, v in fixed.items() if raw.get(k) != v]
    edits += [Edit((*steps, k), "delete", None, doc) for k in raw if k not in fixed]
    return Fix("selector " + _text(fixed), tuple(edits))


def _text(selector: dict[str, object]) -> str:
    return "{" + ", ".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in selector.items()) + "}"


def check(ctx: LintContext) -> Iterator[Problem]:
    for bond in ctx.view.legacy_bonds:
        for index, (selector, raw) in enumerate(zip(bond.selectors, bond.raw_selectors, strict=True)):
            if selector_is_physical_only(selector):
                continue
            caught = sorted({
                name for node in ctx.nodes for proof in ctx.proofs(node) if proof.bond == bond.name
                for state in (proof.before, proof.after) if index < len(state.columns)
                for name in state.columns[index].matched
                if any(link.name == name and not link.physical for link in state.links)
            })
            seen = f" It matches {', '.join(caught)} once the bond forms." if caught else ""
            path = f"{bond.path}.bond.deviceSelectors[{index}]"
            fixed = _fixed(ctx, index, bond.name, raw)
            yield ctx.problem(
                f"selector can match virtual links (the bond's VLANs carry the members' MAC), so Talos would "
                f"enslave e.g. {bond.name}.<vid> into {bond.name}: 'device or resource busy'.{seen} "
                f"Fixed selector: {_text(fixed) if fixed else '{driver: <the NIC driver>, ...}'}",
                path=path, fix=_fix(ctx, path, raw, fixed) if fixed else None,
            )
