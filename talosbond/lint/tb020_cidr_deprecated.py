"""The deprecated `cidr` key on an interface or VLAN.

Talos reads it as one address but warns "machine.network.interface.cidr is deprecated, please use
machine.network.interface.addresses", and `talosctl validate --strict` (what CI pipelines run) refuses
the config. `addresses` takes the same value as a list.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            cidr: 10.13.17.19/24
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            addresses: [10.13.17.19/24]
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond.lint import LintContext
from talosbond.lint._util import as_list, legacy_doc, legacy_links, path_steps
from talosbond.model import Edit, Fix, Problem

CODE = "TB020"
NAME = "cidr-deprecated"
LEVEL = "error"
FIXABLE = True


def _finding(ctx: LintContext, label: str, item: dict[str, Any], path: str) -> Problem:
    fix = None
    if not as_list(item.get("addresses")):
        doc, steps = legacy_doc(ctx.view), path_steps(path)
        fix = Fix(f"move cidr {item['cidr']} to addresses", (
            Edit((*steps, "addresses"), "set", [item["cidr"]], doc), Edit((*steps, "cidr"), "delete", None, doc)))
    return ctx.problem(f"{label}: cidr is deprecated (Talos warns; `validate --strict` refuses the config); use "
                       f"addresses: [{item['cidr']}]", path=path, fix=fix)


def check(ctx: LintContext) -> Iterator[Problem]:
    for label, item, path, _ in legacy_links(ctx.view):
        if item.get("cidr"):
            yield _finding(ctx, label, item, path)
