"""Two definitions of the same link: two link documents with one name (a `LinkConfig` or `VLANConfig`
named like a `BondConfig`, two `BondConfig`s), or a legacy `machine.network.interfaces` bond and a
`BondConfig` of the same name.

Talos refuses conflicting documents when it loads the config ("conflicting documents"). A legacy bond
and a BondConfig of one name it accepts, but both configure the same link from two sources: the
members, mode and addresses that win depend on how Talos merges the two layers, and a later edit to
one of them seems to do nothing. Keep one.

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
    ---
    apiVersion: v1alpha1
    kind: LinkConfig
    name: bond0
    mtu: 9000
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
    mtu: 9000
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import LINK_KINDS
from talosbond.model import Problem

CODE = "TB023"
NAME = "conflicting-links"
LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for path, doc in ctx.view.kinds:
        if doc.get("kind") not in LINK_KINDS or not doc.get("name"):
            continue
        name = str(doc["name"])
        if name in seen:
            yield ctx.problem(f"{doc['kind']} {name} conflicts with {seen[name]} of the same name: Talos refuses "
                              "the config (conflicting documents); one link is configured in one document",
                              path=path)
        else:
            seen[name] = str(doc["kind"])
    for bond in ctx.view.legacy_bonds:
        for mbond in ctx.view.bonds:
            if bond.name and bond.name == mbond.name:
                yield ctx.problem(f"bond {bond.name} is defined twice, in machine.network.interfaces and as a "
                                  "BondConfig: Talos accepts it, but the two configure one link and which "
                                  "settings win is not what either says; keep one", path=mbond.path)
