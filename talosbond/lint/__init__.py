"""Lint rules for bond configs: one module per rule (`tbNNN_name.py`), each with a code, a level, a
docstring showing a failing and a passing example, and a `check(ctx)` that yields problems (the framework
is `talosbond.rules`, shared with the health rules).

Rules that need the node's links (`NEEDS_LINKS = True`) run only when links are given (`-n` or `--from`);
they use the simulation of Talos's matching before and after the bond forms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from talosbond.config import ConfigView, read_config
from talosbond.model import Fix, Node, Problem
from talosbond.rules import Rule, Settings, by_level, load_rules, run_rules
from talosbond.simulate import NodeProof, prove


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
        from talosbond.features import release_or_newest

        return release_or_newest(self.version)

    def proofs(self, node: Node) -> list[NodeProof]:
        """Every bond of the file resolved on `node`, before and after it forms (computed once)."""
        if node.name not in self._proofs:
            self._proofs[node.name] = prove(self.view, node, self.effective_version)
        return self._proofs[node.name]

    def problem(self, message: str, path: str = "", node: str = "", fix: Fix | None = None,
                level: str = "") -> Problem:
        """A finding; the framework fills in the rule's code and its level (`level` only where it depends on
        what was found)."""
        return Problem(code="", level=level, message=message, file=self.view.filename, path=path, node=node,
                       fix=fix)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every lint rule, in code order."""
    return load_rules(__name__, __path__, "lint")


def find_rule(code: str) -> Rule | None:
    from talosbond.rules import find_rule as find

    return find(code, all_rules())


def lint_view(view: ConfigView, nodes: Sequence[Node] = (), version: tuple[int, int] | None = None,
              settings: Settings | None = None) -> list[Problem]:
    """Run every enabled rule that applies; problems sorted errors first, then by code."""
    ctx = LintContext(view, nodes, version)
    found = run_rules(all_rules(), ctx, settings or Settings(), lambda rule: rule.needs_links and not nodes)
    return by_level(found)


def lint_text(
    text: str, filename: str, nodes: Sequence[Node] = (), talos_version: tuple[int, int] | None = None,
    settings: Settings | None = None, view: ConfigView | None = None,
) -> list[Problem]:
    """Lint a config or patch given as text (raises `ParseError` on bad YAML); inline
    `# talosbond: disable=...` comments are honoured. `view` is the text already read, when the caller has it."""
    from talosbond.suppression import apply_suppressions

    problems = lint_view(view or read_config(text, filename), nodes, talos_version, settings)
    return list(apply_suppressions(problems, text, {r.code: r.name for r in all_rules()}))


def fix_json(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {"description": fix.description, "edits": [
        {"doc": e.doc, "path": list(e.path), "op": e.op, "value": e.value} for e in fix.edits]}


def problems_json(problems: Iterable[Problem]) -> dict[str, Any]:
    """`lint -o json`: DESIGN.md's contract, plus the node a problem was found on and its fix."""
    return {"problems": [
        {"code": p.code, "level": p.level, "message": p.message, "file": p.file, "path": p.path, "node": p.node,
         "fix": fix_json(p.fix)}
        for p in problems
    ]}
