"""Lint rules for bond configs: one module per rule (`tbNNN_name.py`), each with a code, a level, a
docstring showing a failing and a passing example, and a `check(ctx)` that yields problems.

Rules that need the node's links (`NEEDS_LINKS = True`) run only when links are given (`-n` or `--from`);
they use the simulation of Talos's matching before and after the bond forms.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from talosbond.config import ConfigView, read_config
from talosbond.model import Node, Problem
from talosbond.simulate import NodeProof, prove


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    level: str
    needs_links: bool
    doc: str
    check: Callable[[LintContext], Iterable[Problem]]


@dataclass
class LintContext:
    """What a rule may look at. `version` is None when neither --talos-version nor the nodes tell it."""

    view: ConfigView
    nodes: Sequence[Node] = ()
    version: tuple[int, int] | None = None
    _proofs: dict[str, list[NodeProof]] = field(default_factory=dict)

    @property
    def effective_version(self) -> tuple[int, int]:
        """The release simulations run for: the known one, else explicitly the newest (rules that must not
        guess, like TB010, read `version`)."""
        from talosbond.features import NEWEST

        return self.version or NEWEST

    def proofs(self, node: Node) -> list[NodeProof]:
        """Every bond of the file resolved on `node`, before and after it forms (computed once)."""
        if node.name not in self._proofs:
            self._proofs[node.name] = prove(self.view, node, self.effective_version)
        return self._proofs[node.name]

    def problem(self, rule: str, level: str, message: str, path: str = "", node: str = "") -> Problem:
        return Problem(code=rule, level=level, message=message, file=self.view.filename, path=path, node=node)


def _rule_from(module: ModuleType) -> Rule:
    return Rule(
        code=module.CODE, name=module.NAME, level=module.LEVEL, needs_links=getattr(module, "NEEDS_LINKS", False),
        doc=(module.__doc__ or "").strip(), check=module.check,
    )


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, in code order."""
    rules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("tb"):
            rules.append(_rule_from(importlib.import_module(f"{__name__}.{info.name}")))
    return tuple(sorted(rules, key=lambda r: r.code))


def find_rule(code: str) -> Rule | None:
    wanted = code.upper()
    return next((r for r in all_rules() if r.code == wanted or r.name == code.lower()), None)


def lint_view(view: ConfigView, nodes: Sequence[Node] = (), version: tuple[int, int] | None = None) -> list[Problem]:
    """Run every applicable rule; problems sorted errors first, then by code."""
    ctx = LintContext(view, nodes, version)
    problems: list[Problem] = []
    for rule in all_rules():
        if rule.needs_links and not nodes:
            continue
        problems.extend(rule.check(ctx))
    order = {"error": 0, "warning": 1, "info": 2}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (order.get(p.level, 3), p.code, p.node, p.path))


def lint_text(
    text: str, filename: str, nodes: Sequence[Node] = (), talos_version: tuple[int, int] | None = None
) -> list[Problem]:
    """Lint a config or patch given as text (raises `ParseError` on bad YAML)."""
    return lint_view(read_config(text, filename), nodes, talos_version)


def problems_json(problems: Iterable[Problem]) -> dict[str, Any]:
    """`lint -o json`: DESIGN.md's contract, plus the node a problem was found on."""
    return {"problems": [
        {"code": p.code, "level": p.level, "message": p.message, "file": p.file, "path": p.path, "node": p.node}
        for p in problems
    ]}
