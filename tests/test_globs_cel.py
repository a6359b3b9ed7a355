"""Talos's glob and CEL semantics, which differ from what a Python user would assume."""

from __future__ import annotations

import pytest
from nodes import nic

from talosbond.cel import CelError, compile_selector
from talosbond.globs import common_prefix, go_glob


@pytest.mark.parametrize(("pattern", "subject", "expected"), [
    ("10:e7:c6:16:*", "10:e7:c6:16:2a:01", True),
    ("10:e7:c6:16:*", "10:E7:C6:16:2A:01", False),  # case-sensitive
    ("10:e7:c6:16:2a:01", "10:e7:c6:16:2a:01", True),  # no star: equality
    ("10:e7:c6:16:2a:0?", "10:e7:c6:16:2a:01", False),  # `?` is literal
    ("0000:0[1-3]:00.0", "0000:02:00.0", False),  # so are brackets
    ("*", "", True),  # a lone star matches the empty permanent address of a virtual link
    ("", "", True),
    ("*:00.*", "0000:03:00.1", True),
    ("0000:*:00.1", "0000:03:00.1", True),
    ("0000:*:00.1", "0000:03:00.0", False),
    ("*e1000e", "e1000e", True),
    ("a*b*c", "axxbyyc", True),
    ("a*b*c", "acb", False),
])
def test_go_glob(pattern: str, subject: str, expected: bool) -> None:
    assert go_glob(pattern, subject) is expected


def test_common_prefix() -> None:
    assert common_prefix(["10:e7:c6:16:2a:01", "10:e7:c6:16:8f:33"]) == "10:e7:c6:16:"
    assert common_prefix([]) == ""


def test_cel_selector_on_permanent_mac() -> None:
    card = nic("enp1s0", "10:e7:c6:16:8f:33")
    expr = compile_selector('link.driver == "e1000e" && mac(link.permanent_addr) == "10:e7:c6:16:8f:33"')
    assert expr.matches(card)
    assert not expr.matches(nic("enp2s0", "10:e7:c6:16:8f:34"))


def test_cel_selector_on_a_mac_with_a_zero_byte() -> None:
    # Broadcom's OUI starts with 00: the whole MAC must reach CEL, not the bytes before the first zero
    card = nic("enp101s0f0np0", "00:0a:f7:c4:1e:50")
    assert compile_selector('mac(link.permanent_addr) == "00:0a:f7:c4:1e:50"').matches(card)
    assert compile_selector("size(link.permanent_addr) == 6").matches(card)
    assert not compile_selector('mac(link.permanent_addr) == "00:0a:f7:c4:1e:51"').matches(card)


def test_cel_glob_and_type() -> None:
    expr = compile_selector('glob("0000:0*", link.bus_path) && link.type == 1')
    assert expr.matches(nic("enp1s0", "10:e7:c6:16:8f:33", bus="0000:01:00.0"))


@pytest.mark.parametrize(("expression", "message"), [
    ('link.pci_id == "8086:15E3"', "no field 'pci_id'"),
    ('link.driver == ', "does not compile"),
    ("", "empty"),
])
def test_cel_refusals(expression: str, message: str) -> None:
    with pytest.raises(CelError, match=message):
        compile_selector(expression)


def test_cel_misspelt_field_gets_a_hint() -> None:
    with pytest.raises(CelError) as err:
        compile_selector('link.busPath == "x"')
    assert "link.bus_path" in err.value.hint
