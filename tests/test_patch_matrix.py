"""For every fixture and target version: the patch validates, and the simulation proves the members
on every node, before and after the bond forms."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES

from talosbond.config import read_config
from talosbond.discovery import parse_raws
from talosbond.model import Node
from talosbond.plan import make_plan
from talosbond.ranking import rank_node
from talosbond.render import render_patch
from talosbond.simulate import prove
from talosbond.sources.capture import read_capture
from talosbond.validate import validate_documents

VERSIONS = ["1.6", "1.9", "1.11", "1.12", "1.14"]


def _captures() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("maintenance")
                  and not p.name.startswith("v1.0"))


def _nodes(path: Path) -> list[Node]:
    nodes, errors, _ = parse_raws(read_capture(str(path)))
    assert not errors
    return nodes


def _ports(nodes: list[Node]) -> list[str]:
    """Two or more cards of the most common driver on the first node (every fixture has such a pair)."""
    physical = [x for x in nodes[0].physical_links if x.driver]
    driver, count = Counter(x.driver for x in physical).most_common(1)[0]
    assert count >= 2, "every fixture the matrix runs on has two cards with one driver"
    return [x.name for x in physical if x.driver == driver][:2]


def test_the_matrix_covers_the_fixtures() -> None:
    assert len(_captures()) >= 12  # a fixture folder that went missing fails here instead of shrinking the matrix


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("capture", _captures(), ids=lambda p: p.name)
def test_patch_proves_and_validates(capture: Path, version: str) -> None:
    nodes = _nodes(capture)
    ports = _ports(nodes)
    plan = make_plan([rank_node(n) for n in nodes], ports=ports, vlans=["87:10.13.87.19/24"], dhcp=True,
                     talos_version=version)
    patch = render_patch(plan, nodes)
    validate_documents(list(patch.documents), plan.version, capture.name)
    view = read_config(patch.text, "patch")
    for node in nodes:
        proof, = prove(view, node, plan.version, {"bond0": plan.members[node.name]})
        assert proof.ok, proof.problems()
        assert set(proof.before.members) == set(proof.after.members) == set(plan.members[node.name])
    if plan.version < (1, 12):
        for selector in view.legacy_bonds[0].selectors:
            assert selector.driver  # never a selector that can match a bond or VLAN
            assert selector.physical is (True if plan.version >= (1, 7) else None)
    else:
        assert all("permanent_addr" in a.expression or "bus_path" in a.expression or "pciid" in a.expression
                   or "driver" in a.expression for a in view.aliases)
