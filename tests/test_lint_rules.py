"""Every lint rule's cases (tests/lint_cases/<CODE>.yaml), run as data by one parametrized test."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from nodes import mixed_node, seed_node, seed_with_config
from ruamel.yaml import YAML

from talosbond.discovery import parse_raws
from talosbond.lint import all_rules, find_rule, lint_text
from talosbond.model import Node
from talosbond.plan import parse_version
from talosbond.rules import Rule
from talosbond.sources.capture import read_capture

CASES = Path(__file__).parent / "lint_cases"
SYNTHETIC = {"synthetic-seed": seed_node, "synthetic-mixed": mixed_node, "synthetic-seed-configured": seed_with_config}


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in YAML(typ="safe").load(path.read_text()):
            out.append(pytest.param(path.stem, case, id=f"{path.stem}: {case['name']}"))
    return out


def _nodes(name: str | None) -> tuple[Node, ...]:
    if name is None:
        return ()
    if name in SYNTHETIC:
        return (SYNTHETIC[name](),)
    nodes, errors, _ = parse_raws(read_capture(str(FIXTURES / name)))
    assert not errors
    return tuple(nodes)


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_rule_case(rule: str, case: dict[str, Any]) -> None:
    version = parse_version(case["version"]) if case.get("version") else None
    problems = lint_text(case["config"], "case.yaml", _nodes(case.get("links")), version)
    codes = [p.code for p in problems]
    for code in case.get("expect", []):
        assert code in codes, f"expected {code}, got {[(p.code, p.message) for p in problems]}"
    for code in case.get("absent", []):
        assert code not in codes, [(p.code, p.message) for p in problems if p.code == code]
    if "count" in case:
        assert codes.count(case["expect"][0]) == case["count"], [p.message for p in problems]
    if "message" in case:
        assert any(case["message"] in p.message for p in problems if p.code == case["expect"][0])
    if "level" in case:
        assert all(p.level == case["level"] for p in problems if p.code == case["expect"][0])
    if "fix" in case:  # the edits of the first finding of the expected code, as `lint --fix` applies them
        (first,) = [p for p in problems if p.code == case["expect"][0]][:1]
        assert first.fix is not None, f"{first.code} has no fix: {first.message}"
        edits = [{"doc": e.doc, "path": list(e.path), "op": e.op, "value": e.value} for e in first.fix.edits]
        assert edits == [{"doc": 0, "value": None, **edit} for edit in case["fix"]]


def test_every_rule_has_a_failing_and_a_passing_case_and_a_documented_example() -> None:
    for rule in all_rules():
        path = CASES / f"{rule.code}.yaml"
        assert path.is_file(), f"{rule.code} has no cases"
        cases = YAML(typ="safe").load(path.read_text())
        assert any(rule.code in c.get("expect", []) for c in cases), f"{rule.code}: no failing case"
        assert any(rule.code in c.get("absent", []) for c in cases), f"{rule.code}: no passing case"
        assert "Failing" in rule.doc and "Passing" in rule.doc, f"{rule.code}: docstring lacks examples"


def test_rules_are_found_by_code_or_name() -> None:
    assert find_rule("tb001") is find_rule("selector-matches-virtual") is not None
    assert find_rule("TB999") is None


def _examples(doc: str) -> tuple[str, str, tuple[int, int]]:
    """A rule docstring's failing and passing configs (indented YAML after `Failing:` / `Passing:`, each
    optionally `(for Talos X.Y)`) and the version they are for (1.13 unless said)."""
    match = re.search(r"Failing(?: \(for Talos (\d+)\.(\d+)\))?:\n(.*?)\nPassing[^:\n]*:\n(.*)", doc, re.S)
    assert match, "no Failing:/Passing: examples"
    version = (int(match.group(1)), int(match.group(2))) if match.group(1) else (1, 13)
    return textwrap.dedent(match.group(3)), textwrap.dedent(match.group(4)), version


# Rules that judge a config against a node's links show the situation in prose instead of a config.
DOCUMENTED = [rule for rule in all_rules() if not rule.needs_links]


@pytest.mark.parametrize("rule", DOCUMENTED, ids=[r.code for r in DOCUMENTED])
def test_documented_examples_really_fail_and_pass(rule: Rule) -> None:
    failing, passing, version = _examples(rule.doc)
    assert rule.code in [p.code for p in lint_text(failing, "failing.yaml", (), version)], failing
    found = [p for p in lint_text(passing, "passing.yaml", (), version) if p.code == rule.code]
    assert found == [], [p.message for p in found]
