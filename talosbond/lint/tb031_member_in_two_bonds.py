"""One card claimed by two bonds: a name listed in two legacy bonds (or a bond and a bridge), one link in
two BondConfigs, or legacy selectors of two bonds that can pick the same card.

Without the node's links, two selectors overlap unless a field both set can never match the same value;
with them (`-n`/`--from`), the cards both bonds really select are named. A link has one master. Talos
refuses two legacy bonds naming the same interface ("is declared as part of
two separate links"); it accepts the multi-document and selector forms, and then enslaves the card into
whichever bond its controller handles first: the other bond runs without it, and which one wins can
change at the next reboot.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
          - interface: bond1
            bond: {mode: active-backup, miimon: 100, interfaces: [eno2, eno3]}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
          - interface: bond1
            bond: {mode: active-backup, miimon: 100, interfaces: [eno3, eno4]}
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

from talosbond.config import LegacyBond
from talosbond.globs import go_glob
from talosbond.lint import LintContext
from talosbond.lint._util import as_list
from talosbond.model import Problem, Selector

CODE = "TB031"
NAME = "member-in-two-bonds"
LEVEL = "error"

_FIELDS = ("bus_path", "hardware_addr", "permanent_addr", "pci_id", "driver")


def _compatible(a: str, b: str) -> bool:
    """Whether two go-globs can match one string (checked on each other's literal parts: close enough for
    the prefix globs selectors use)."""
    return a == b or go_glob(a, b.replace("*", "")) or go_glob(b, a.replace("*", ""))


def _overlap(a: Selector, b: Selector) -> bool:
    if a.physical is not None and b.physical is not None and a.physical != b.physical:
        return False
    pairs = [(getattr(a, f), getattr(b, f)) for f in _FIELDS]
    return any(x or y for x, y in pairs) and all(_compatible(x, y) for x, y in pairs if x and y)


def _named(ctx: LintContext) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for path, device in ctx.view.legacy_devices:
        name = str(device.get("interface") or "")
        for section in ("bond", "bridge"):
            block = device.get(section)
            for member in as_list(block.get("interfaces") if isinstance(block, dict) else None):
                other = owner.setdefault(str(member), name)
                if other != name:
                    yield ctx.problem(f"{member} is declared as part of two links, {other} and {name}: Talos "
                                      "refuses the config; a card has one master", path=f"{path}.{section}")


def _selected(ctx: LintContext, first: LegacyBond, second: LegacyBond) -> Iterator[Problem]:
    for i, a in enumerate(first.selectors):
        for j, b in enumerate(second.selectors):
            if _overlap(a, b):
                yield ctx.problem(
                    f"selector {j} of {second.name} can pick the same card as selector {i} of {first.name} "
                    f"({a.as_yaml_dict()} / {b.as_yaml_dict()}): the card lands in one of them and the other "
                    "bond runs without it", path=f"{second.path}.bond.deviceSelectors[{j}]")


def _proven(ctx: LintContext, first: LegacyBond, second: LegacyBond) -> Iterator[Problem]:
    """With the node's links, the cards both bonds' selectors really match (before the bonds form)."""
    for node in ctx.nodes:
        members = {p.bond: set(p.before.members) for p in ctx.proofs(node)}
        shared = sorted(members.get(first.name, set()) & members.get(second.name, set()))
        if shared:
            yield ctx.problem(f"{', '.join(shared)} is selected by both {first.name} and {second.name}: it lands in "
                              "one of them and the other bond runs without it", path=f"{second.path}.bond",
                              node=node.name)


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from _named(ctx)
    for first, second in combinations(ctx.view.legacy_bonds, 2):
        yield from (_proven if ctx.nodes else _selected)(ctx, first, second)
    owner: dict[str, str] = {}
    for mbond in ctx.view.bonds:
        for i, link in enumerate(dict.fromkeys(mbond.links)):
            other = owner.setdefault(link, mbond.name)
            if other != mbond.name:
                yield ctx.problem(f"BondConfig {mbond.name}: link {link} is also a member of {other}: the card "
                                  "lands in one of them and the other bond runs without it",
                                  path=f"{mbond.path}.links[{i}]")
