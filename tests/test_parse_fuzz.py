"""Random and mutated input: the parsers raise `ParseError` or succeed, never anything else."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_parse_links import BOND_MEMBER, VLAN
from test_parse_netdev import HEADER

from talosbond.errors import ParseError
from talosbond.parsing.links import parse_links
from talosbond.parsing.netdev import parse_netdev
from talosbond.parsing.resources import parse_addresses, parse_routes
from talosbond.parsing.version import parse_version_text

LINKS = BOND_MEMBER + "---\n" + VLAN
NETDEV = HEADER + "  eth0: 1030969582 1053389    0    0    0     0          0         0 736679433  866925    0    0    0     0       0          0\n"
CHARS = list(" :-\n\t\"'{}[]#&*!|>0123456789abcdef.,\\\x00")
PIECES = st.lists(st.sampled_from([*CHARS, "---\n", "    ", "spec:", "- ", "vlan:\n"]), max_size=60).map("".join)


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for pos, cut, insert in edits:
        pos %= len(text) + 1
        text = text[:pos] + insert + text[pos + cut:]
    return text


EDITS = st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 40), PIECES), max_size=6)


def _only_parse_errors(fn, text: str) -> None:  # type: ignore[no-untyped-def]
    with contextlib.suppress(ParseError):
        fn(text, "fuzz")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(EDITS)
def test_mutated_links(edits: list[tuple[int, int, str]]) -> None:
    _only_parse_errors(parse_links, _mutate(LINKS, edits))


@settings(max_examples=200, deadline=None)
@given(EDITS)
def test_mutated_netdev(edits: list[tuple[int, int, str]]) -> None:
    _only_parse_errors(parse_netdev, _mutate(NETDEV, edits))


# Every ASCII character, control characters included, and the non-ASCII ones that text handling trips on
# (NEL and the Unicode line separators split lines, a BOM, a no-break space, letters). Drawn from a list:
# hypothesis's full-Unicode strategy spends seconds building its character tables in a fresh checkout.
ALPHABET = [chr(code) for code in range(0x80)] + list("\x85\xa0\u2028\u2029\ufeffé日")


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=300))
@example("\x1f\r0")  # a line str.rstrip() empties: once an IndexError in the fast YAML reader
def test_random_text_everywhere(text: str) -> None:
    for fn in (parse_links, parse_netdev, parse_addresses, parse_routes, parse_version_text):
        _only_parse_errors(fn, text)


@settings(max_examples=100, deadline=None)
@given(PIECES)
def test_yaml_shaped_noise(text: str) -> None:
    for fn in (parse_links, parse_addresses, parse_routes):
        _only_parse_errors(fn, text)
