"""A selector MAC in upper case (or a `pciID` in lower case): it never matches.

Talos compares `hardwareAddr` and `permanentAddr` globs with the MAC as the kernel prints it, lower case,
and `pciID` with the upper-case `VENDOR:DEVICE` form (a LinkAliasConfig's `mac(...)` gives lower case too);
the comparison is case-sensitive, so
`0C:42:A1:*` matches no card, the bond gets no members and the node loses the network it was meant to
carry. Talos's validation does not check it.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors:
                - driver: mlx5_core
                  permanentAddr: "0C:42:A1:5E:00:*"
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors:
                - driver: mlx5_core
                  permanentAddr: "0c:42:a1:5e:00:*"
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from talosbond.lint import LintContext
from talosbond.lint._util import legacy_doc, path_steps
from talosbond.model import Edit, Fix, Problem

CODE = "TB024"
NAME = "mac-glob-case"
LEVEL = "error"
FIXABLE = True

_CASES = {"hardwareAddr": str.lower, "permanentAddr": str.lower, "pciID": str.upper}


def _selectors(ctx: LintContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, selector) for every legacy selector: bond members and interface selectors."""
    for path, device in ctx.view.legacy_devices:
        selector = device.get("deviceSelector")
        if isinstance(selector, dict):
            yield f"{path}.deviceSelector", selector
        bond = device.get("bond")
        for i, member in enumerate(bond.get("deviceSelectors") or [] if isinstance(bond, dict) else []):
            if isinstance(member, dict):
                yield f"{path}.bond.deviceSelectors[{i}]", member


# A MAC literal compared with mac(...) (which gives lower case), directly or through glob().
_CEL_MAC = re.compile(r'mac\(link\.\w+\)\s*==\s*"([^"]*)"|"([^"]*)"\s*==\s*mac\(|glob\(\s*"([^"]*)"\s*,\s*mac\(')


def _aliases(ctx: LintContext) -> Iterator[Problem]:
    for path, doc in ctx.view.of_kind("LinkAliasConfig"):
        selector = doc.get("selector")
        match = selector.get("match") if isinstance(selector, dict) else None
        if not isinstance(match, str):
            continue
        upper = [lit for m in _CEL_MAC.finditer(match) for lit in m.groups() if lit and lit != lit.lower()]
        if not upper:
            continue
        fixed = _CEL_MAC.sub(lambda m: m.group(0).lower(), match)
        index = int(path.split("]", 1)[0].removeprefix("document["))
        yield ctx.problem(
            f"LinkAliasConfig {doc.get('name')}: {', '.join(repr(u) for u in upper)} never equals mac(...), which "
            "gives lower case, so the alias matches no link; write it in lower case", path=f"{path}.selector.match",
            fix=Fix("MAC literals in lower case", (Edit(("selector", "match"), "set", fixed, index),)))


def check(ctx: LintContext) -> Iterator[Problem]:
    yield from _aliases(ctx)
    doc = legacy_doc(ctx.view)
    for path, selector in _selectors(ctx):
        steps = path_steps(path)
        for key, fold in _CASES.items():
            value = selector.get(key)
            if isinstance(value, str) and fold(value) != value:
                fixed = fold(value)
                yield ctx.problem(
                    f"{key} {value!r} never matches: Talos compares it case-sensitively with the "
                    f"{'lower' if fold is str.lower else 'upper'}-case form the kernel reports, so the selector "
                    f"picks no card; write {fixed!r}", path=path,
                    fix=Fix(f"{key}: {fixed}", (Edit((*steps, key), "set", fixed, doc),)))
