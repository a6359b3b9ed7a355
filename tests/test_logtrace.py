"""Talos's controller-runtime log: the parser (`parsing.talos_log`) and the tracing back to the config
(`logtrace`, TB117-TB129), on fixture logs in Talos's real format (`log_cases/cases.yaml`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES
from ruamel.yaml import YAML

from talosbond.config import read_config
from talosbond.errors import ParseError
from talosbond.health import all_rules, is_log_rule
from talosbond.logtrace import TraceContext, trace_log
from talosbond.model import RawNode
from talosbond.parsing import build_node
from talosbond.parsing.talos_log import parse_controller_log, split_errors
from talosbond.rules import find_rule
from talosbond.sources.capture import read_node_dir

ROOT = FIXTURES.parent
CASES: list[dict[str, Any]] = YAML(typ="safe").load((Path(__file__).parent / "log_cases" / "cases.yaml").read_text())
EBUSY = ('10.13.17.19: 2026-10-03T06:40:24.611Z \x1b[31mERROR\x1b[0m controller failed {"component": '
         '"controller-runtime", "controller": "network.LinkSpecController", "error": "1 error occurred:\\n\\t* error '
         'enslaving/unslaving link \\"bond0.87\\" under \\"bond0\\": netlink receive: device or resource busy\\n\\n"}')


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_log_case(case: dict[str, Any]) -> None:
    log = parse_controller_log((ROOT / case["log"]).read_text(), case["log"])
    node = None
    if "base" in case:
        raw = read_node_dir(FIXTURES / case["base"])
        assert isinstance(raw, RawNode)
        node = build_node(raw)
    view = None
    if case.get("config") == "fixture":
        assert node is not None
        view = node.config
    elif case.get("config"):
        view = read_config(case["config"], "case.yaml")
    major, minor = (int(x) for x in str(case.get("version", "1.14")).split("."))
    traces = trace_log(log, TraceContext(node, view, (major, minor), "the test config"))
    levels = {r.code: r.level for r in all_rules()}
    got = [f"{t.code}:{t.level or levels[t.code]}:{t.bond}:{t.count}" for t in traces]
    text = "\n".join(f"{t.message}\n{t.check}" for t in traces)
    assert got == case["traces"], text
    for phrase in case.get("says", []):
        assert phrase in text
    assert all(t.check for t in traces)


def test_every_log_rule_has_a_case_and_documentation() -> None:
    covered = {t.split(":")[0] for case in CASES for t in case["traces"]}
    log_rules = [r for r in all_rules() if is_log_rule(r)]
    codes = [r.code for r in log_rules]
    assert codes and all("TB117" <= c <= "TB139" for c in codes)
    assert set(codes) - covered <= {"TB122", "TB127"}, "only the rare ones may lack a fixture log"
    for rule in log_rules:
        assert len(rule.doc) > 80 and "Failing" in rule.doc and "Passing" in rule.doc, rule.code
    assert find_rule("tb117") is log_rules[0]
    found = find_rule("alias-matches-several")
    assert found is not None and found.family == "health"


def test_talosctl_line_with_colours_and_node_prefix() -> None:
    (entry,) = parse_controller_log(EBUSY).entries
    assert (entry.node, entry.time, entry.level, entry.message) == (
        "10.13.17.19", "2026-10-03T06:40:24.611Z", "error", "controller failed")
    assert entry.controller == "network.LinkSpecController"
    assert entry.errors == ('error enslaving/unslaving link "bond0.87" under "bond0": netlink receive: device or '
                            "resource busy",)


@pytest.mark.parametrize("line, node, message", [
    # talosctl without the node prefix (a file saved on the node side), an IPv6 node name
    ('2026-10-03T06:40:22.418Z INFO created new link {"link": "bond0", "kind": "bond"}', "", "created new link"),
    ('fd00::19: 2026-10-03T06:40:22.418Z INFO created new link {"link": "bond0"}', "fd00::19", "created new link"),
    # console and `talosctl dmesg` forms, old and new
    ('[    4.24] [talos] controller failed {"controller": "network.LinkSpecController", "error": "x"}', "",
     "controller failed"),
    ('node1: user: warning: [2026-04-24T02:31:03.35Z]: [talos] enslaved/unslaved link {"link": "enp1s0"}', "node1",
     "enslaved/unslaved link"),
    ('[talos] 2023/02/22 02:35:21 controller failed {"component": "controller-runtime", "error": "x"}', "",
     "controller failed"),
])
def test_other_log_shapes(line: str, node: str, message: str) -> None:
    (entry,) = parse_controller_log(line).entries
    assert (entry.node, entry.message) == (node, message)


def test_unknown_lines_are_skipped_and_cut_lines_kept() -> None:
    text = "user@host:~$ talosctl logs controller-runtime\n" + EBUSY[:-20] + "\nsome wrapped continuation\n"
    log = parse_controller_log(text)
    assert log.skipped == 2
    (entry,) = log.entries
    assert entry.fields == {} and entry.controller == "network.LinkSpecController"
    assert entry.errors == ('error enslaving/unslaving link "bond0.87" under "bond0": netlink receive: device or',)


@pytest.mark.parametrize("text, expected", [
    ("", "empty log"),
    ("\n  \n", "empty log"),
    ("Ethernet Channel Bonding Driver: v6.1\n\nBonding Mode: fault-tolerance", "expected a Talos log line"),
    ("links:\n  - bond0\n", "expected a Talos log line"),
    ("\x00\x01binary", "binary data"),
])
def test_garbage_is_a_parse_error(text: str, expected: str) -> None:
    with pytest.raises(ParseError, match=expected) as info:
        parse_controller_log(text, "logs/controller-runtime.log")
    assert "talosctl -n NODE logs controller-runtime" in info.value.hint


def test_split_errors() -> None:
    assert split_errors("2 errors occurred:\n\t* a\n\t* b\n\n") == ("a", "b")
    assert split_errors("a\nb") == ("a", "b")
    assert split_errors("just one") == ("just one",)


def test_a_log_without_bond_errors_gives_nothing() -> None:
    log = parse_controller_log('2026-10-03T06:40:22.418Z INFO created new link {"link": "bond0", "kind": "bond"}\n'
                               '2026-10-03T06:40:23.000Z ERROR controller failed {"controller": '
                               '"k8s.NodeIPController", "error": "no suitable node IP"}')
    assert trace_log(log, TraceContext()) == []


def test_a_failure_that_stopped_long_before_the_log_ends_is_only_a_warning() -> None:
    later = ('10.13.17.19: 2026-10-03T07:20:00.000Z \x1b[34mINFO\x1b[0m assigned address {"component": '
             '"controller-runtime", "controller": "network.AddressSpecController", "address": "10.13.17.19/24", '
             '"link": "bond0"}')
    (stopped,) = trace_log(parse_controller_log(EBUSY + "\n" + later), TraceContext())
    assert stopped.level == "warning" and "it stopped 39 min before the log ends" in stopped.text
    (ongoing,) = trace_log(parse_controller_log(EBUSY + "\n" + later.replace("07:20", "06:45")), TraceContext())
    assert ongoing.level == "" and "stopped" not in ongoing.text
