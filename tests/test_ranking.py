"""Which card carries the node's management traffic: the one holding the address the node is named by,
however that address is spelled, else the default route's."""

from __future__ import annotations

import pytest

from talosbond.model import Address, Link, Node, Route
from talosbond.ranking import find_management

CARDS = (Link("eno1", index=2, type="ether", link_state=True), Link("eno2", index=3, type="ether", link_state=True))


def _node(name: str, *addresses: tuple[str, str]) -> Node:
    return Node(name=name, links=CARDS, addresses=tuple(Address(link, cidr) for link, cidr in addresses),
                routes=(Route(link="eno1", destination="", gateway="10.0.0.1"),))


@pytest.mark.parametrize(("name", "cidr"), [
    ("10.0.0.12", "10.0.0.12/24"),
    ("fd00::12", "fd00::12/64"),
    ("fd00:0:0::0012", "fd00::12/64"),  # another spelling of the same IPv6 address
    ("fd00::12", "fd00:0000::12/64"),
])
def test_the_card_holding_the_node_address(name: str, cidr: str) -> None:
    management, reason = find_management(_node(name, ("eno1", "10.0.0.99/24"), ("eno2", cidr)), {})
    assert management == ("eno2",) and reason == f"holds the node address {cidr}"


@pytest.mark.parametrize("name", ["10.0.0.120", "10.0.0.1", "fd00::1200", "node-a"])
def test_another_address_is_not_the_node_address(name: str) -> None:
    management, reason = find_management(_node(name, ("eno2", "10.0.0.12/24"), ("eno2", "fd00::12/64")), {})
    assert management == ("eno1",) and reason.startswith("carries the default route")
