"""The same entry twice in a list: a selector, a bond member, an address, a route.

`talosctl patch mc` merges lists by appending, so re-applying a patch doubles them (the oracle's
`*-twice` cases), and Talos's validation accepts the result: a BondConfig lists each member twice, a
legacy bond carries each selector twice, a VLAN each address twice. Nothing breaks at once, but the
next edit to one copy leaves the other in force, and removing the bond needs every copy removed. Apply
bond patches once (`talosbond apply` merges them into the current config), or remove the old entry first.

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1, bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from talosbond.lint import LintContext
from talosbond.lint._util import LINK_KINDS, as_list, legacy_links
from talosbond.model import Problem

CODE = "TB026"
NAME = "duplicate-entries"
LEVEL = "warning"

_LEGACY_LISTS = ("addresses", "routes")
_MULTIDOC_LISTS = ("links", "addresses", "routes", "arpIpTargets", "nsIp6Targets")


def _repeated(items: Any) -> list[int]:
    """Indexes of entries equal to an earlier one."""
    seen: set[str] = set()
    out = []
    for i, item in enumerate(as_list(items)):
        key = json.dumps(item, sort_keys=True, default=str)
        if key in seen:
            out.append(i)
        seen.add(key)
    return out


def _lists(ctx: LintContext, label: str, owner: dict[str, Any], keys: tuple[str, ...], path: str,
           ) -> Iterator[Problem]:
    for key in keys:
        repeated = _repeated(owner.get(key))
        if repeated:
            values = ", ".join(json.dumps(owner[key][i], default=str) for i in repeated)
            yield ctx.problem(f"{label}: {key} lists {values} more than once (a patch applied twice appends "
                              "its lists again)", path=f"{path}.{key}[{repeated[0]}]")


def check(ctx: LintContext) -> Iterator[Problem]:
    for label, item, path, _ in legacy_links(ctx.view):
        yield from _lists(ctx, label, item, _LEGACY_LISTS, path)
    for bond in ctx.view.legacy_bonds:
        yield from _lists(ctx, f"bond {bond.name}", bond.bond, ("deviceSelectors", "interfaces"), f"{bond.path}.bond")
    for path, doc in ctx.view.kinds:
        if doc.get("kind") in LINK_KINDS:
            yield from _lists(ctx, f"{doc['kind']} {doc.get('name')}", doc, _MULTIDOC_LISTS, path)
