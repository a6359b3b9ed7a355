"""A selector MAC in upper case (or a `pciID` in lower case): it never matches.

Talos compares `hardwareAddr` and `permanentAddr` globs with the MAC as the kernel prints it, lower case,
and `pciID` with the upper-case `VENDOR:DEVICE` form; the comparison is case-sensitive, so
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


def check(ctx: LintContext) -> Iterator[Problem]:
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
