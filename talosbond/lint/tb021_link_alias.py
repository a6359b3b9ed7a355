"""A `LinkAliasConfig` Talos's validation refuses: no name, a pattern name other than `<prefix>%d`
(Talos 1.13+), no selector, or a `selector.match` CEL expression that does not compile in Talos's
environment.

Talos compiles the expression with one variable, `link` (a `LinkStatusSpec`: snake_case fields, MACs
as bytes) and two functions, `glob(pattern, string)` and `mac(bytes)`; it must give a boolean. A syntax
error, a field that does not exist (`link.kernel_driver`), a result of another type (`link.driver`) or
operands of the wrong type (`link.mtu > 1500` compares a uint with an int: write `1500u`) makes Talos
refuse the whole config ("link selector is invalid"), so no alias, bond or VLAN in it is applied.

Failing:
    apiVersion: v1alpha1
    kind: LinkAliasConfig
    name: bond0-m0
    selector:
      match: link.driver
Passing:
    apiVersion: v1alpha1
    kind: LinkAliasConfig
    name: bond0-m0
    selector:
      match: link.driver == "mlx5_core" && mac(link.permanent_addr) == "0c:42:a1:5e:00:10"
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond import features
from talosbond.lint import LintContext
from talosbond.model import Link, Problem

CODE = "TB021"
NAME = "link-alias-config"
LEVEL = "error"

_REFUSED = "Talos refuses the whole config"
# Talos type-checks with `link` typed as the LinkStatusSpec message (`cel.type_error`); for the fields
# talosbond's .proto lacks, evaluating on a sample link still shows a result that is not a boolean.
_SAMPLE = Link(name="eth0", type="ether", driver="e1000e", hardware_addr="00:00:00:00:00:01",
               permanent_addr="00:00:00:00:00:01", bus_path="0000:00:1f.6", pci_id="8086:15BB")


def _cel_problem(expression: str) -> str:
    from talosbond.cel import CelError, compile_selector, type_error

    try:
        compiled = compile_selector(expression)
    except CelError as exc:
        return exc.message + (f" ({exc.hint})" if exc.hint else "")
    why = type_error(expression)
    if why:
        return f"selector {expression!r}: {why}"
    try:
        result: Any = compiled.program.eval(data={"link": _link_map()}).value()
    except RuntimeError as exc:
        return f"selector {expression!r} does not type-check: {str(exc).splitlines()[0]}"
    if not isinstance(result, bool):
        kind = {"str": "string", "bytes": "bytes", "int": "int", "float": "double"}.get(type(result).__name__, "value")
        return f"selector {expression!r}: expression output type is {kind}, expected bool"
    return ""


def _link_map() -> dict[str, Any]:
    from talosbond.cel import link_activation

    return link_activation(_SAMPLE)


def _name_problem(name: str, version: tuple[int, int]) -> str:
    if not name:
        return "name must be set"
    if "%" in name and features.has(features.ALIAS_PATTERNS, version):
        prefix, _, verb = name.partition("%")
        if verb != "d" or not prefix:
            return f"name {name!r} has an invalid format verb: a pattern alias is <prefix>%d, e.g. bond0-m%d"
    return ""


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, doc in ctx.view.of_kind("LinkAliasConfig"):
        name = str(doc.get("name") or "")
        label = f"LinkAliasConfig {name}".rstrip()
        why = _name_problem(name, ctx.effective_version)
        if why:
            yield ctx.problem(f"{label}: {why}; {_REFUSED}", path=path)
        selector = doc.get("selector")
        match = selector.get("match") if isinstance(selector, dict) else None
        if not isinstance(match, str) or not match.strip():
            if isinstance(selector, dict):  # no selector at all is TB017's (a required field)
                yield ctx.problem(f"{label}: selector.match is required (a CEL expression picking the link); "
                                  f"{_REFUSED}", path=f"{path}.selector")
            continue
        why = _cel_problem(match)
        if why:
            yield ctx.problem(f"{label}: link selector is invalid: {why}; {_REFUSED}", path=f"{path}.selector.match")
