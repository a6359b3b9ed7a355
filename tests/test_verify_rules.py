"""Health rules (TB1xx) run on data: `verify_cases/cases.yaml`, one parametrized test, plus the rules'
own documentation and the LACP port-state decoding."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from ruamel.yaml import YAML

from talosbond.config import read_config
from talosbond.health import all_rules, is_log_rule
from talosbond.health._util import decode_port_state, short_port_state
from talosbond.model import Node
from talosbond.parsing import build_node
from talosbond.parsing.bonding import parse_bonding
from talosbond.sources.capture import read_node_dir
from talosbond.verify import ReferenceConfig, verify_node

CASES: list[dict[str, Any]] = YAML(typ="safe").load((Path(__file__).parent / "verify_cases" / "cases.yaml").read_text())


def _edit(text: str, edits: list[list[Any]]) -> str:
    for edit in edits:
        old, new = edit[0], edit[1]
        assert old in text, f"edit target not in the text: {old!r}"
        if len(edit) == 2:
            text = text.replace(old, new)
            continue
        nth = int(edit[2])
        parts = text.split(old)
        assert len(parts) > nth, f"no occurrence {nth} of {old!r}"
        text = old.join(parts[:nth]) + new + old.join(parts[nth:])
    return text


def _node(case: dict[str, Any]) -> tuple[Node, str]:
    raw = read_node_dir(FIXTURES / case["base"])
    return build_node(raw), raw.bonding["bond0"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_health_case(case: dict[str, Any]) -> None:
    node, base = _node(case)
    text = _edit(base, case.get("edit", []))
    if "drop_after" in case:
        text = text[: text.index(case["drop_after"])] + "\n"
    config = None
    if case.get("config") == "fixture":
        config = ReferenceConfig(node.config, "the node's machine config")
    elif case.get("config"):
        config = ReferenceConfig(read_config(case["config"], "case.yaml"), "the test config")
    previous = None
    if "previous" in case:
        previous = {"bond0": parse_bonding(_edit(base, case["previous"]), "bond0")}
    verdict = verify_node(replace(node, bonds={"bond0": parse_bonding(text, "bond0")}, log=None), ["bond0"], config,
                          previous=previous)
    assert verdict.errors == ()
    (health,) = verdict.bonds
    got = [f"{p.code}:{p.level}" for p in health.problems]
    assert got == case["problems"], "\n".join(p.message for p in health.problems)
    assert health.healthy is case["healthy"]
    messages = "\n".join(p.message for p in health.problems)
    for phrase in case.get("says", []):
        assert phrase in messages
    for problem in health.problems:  # every problem says what to look at
        assert problem.check


def test_every_rule_has_a_case_and_documentation() -> None:
    covered = {p.split(":")[0] for case in CASES for p in case["problems"]}
    codes = [r.code for r in all_rules()]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert all(c.startswith("TB1") for c in codes)
    from_bonding = {r.code for r in all_rules() if not is_log_rule(r)}  # log rules: tests/log_cases
    assert from_bonding <= covered, f"rules without a case: {sorted(from_bonding - covered)}"
    for rule in all_rules():
        assert len(rule.doc) > 80, rule.code
        assert rule.level in ("error", "warning")
        assert "Failing:" in rule.doc and "Passing:" in rule.doc, rule.code


@pytest.mark.parametrize("state, names", [
    (63, ["active", "short-timeout", "aggregatable", "in-sync", "collecting", "distributing"]),
    (61, ["active", "aggregatable", "in-sync", "collecting", "distributing"]),
    (77, ["active", "aggregatable", "in-sync", "defaulted"]),
    (69, ["active", "aggregatable", "defaulted"]),
    (1, ["active"]),
    (0, []),
    (255, ["active", "short-timeout", "aggregatable", "in-sync", "collecting", "distributing", "defaulted",
           "expired"]),
])
def test_port_state_bits(state: int, names: list[str]) -> None:
    assert decode_port_state(state) == names


def test_short_port_state() -> None:
    assert short_port_state(63) == "63 act,fast,agg,sync,col,dist"
    assert short_port_state(71) == "71 act,fast,agg,DEF"
    assert short_port_state(None) == "-"
