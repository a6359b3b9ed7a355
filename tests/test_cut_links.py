"""A cut-off links.yaml (a partial copy, a full disk) is never read as complete: every fixture's links.yaml,
cut at every line and at many byte offsets, parses to exactly the first links of the whole file (a cut
between two documents cannot be seen) or fails with a ParseError naming the line. Never a link with
invented fields (a `linkState` that went missing read as "no carrier"). The one cut that cannot be seen
inside a document is at the end of a bond's settings, among the keys Talos prints only when they are set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from talosbond.errors import ParseError
from talosbond.model import Link
from talosbond.parsing.bondmaster import from_yaml
from talosbond.parsing.links import parse_links

FILES = sorted(FIXTURES.rglob("links.yaml"))
_UNSET = from_yaml({})  # a bond's settings when Talos printed none of them
BYTE_STEP = 149  # prime, so that the cuts fall at every column over the file


def _cuts(text: str) -> list[int]:
    at_lines = [i + 1 for i, char in enumerate(text) if char == "\n"]
    return sorted({*at_lines, *(i - 1 for i in at_lines if i > 1), *range(1, len(text), BYTE_STEP)})


def _check(prefix: str, whole: list[Link], source: str) -> None:
    try:
        parsed = parse_links(prefix, source)
    except ParseError as exc:
        assert exc.line is not None or prefix.strip() in ("", "---"), exc.message
        return
    (links,) = parsed.values()
    expected = whole[: len(links)]
    assert links == expected, f"a cut at byte {len(prefix)} invented a link"
    for got, want in zip(links, expected, strict=True):
        # A bond's section ends with keys Talos prints only when set: a cut just before them cannot be seen, so
        # the settings may stop early, but what is there is what the file says.
        assert (got.bond_master is None) == (want.bond_master is None), "a bond lost its settings"
        # Settings come filled in (parsing/bondmaster.py): a key cut off reads as the value Talos leaves out.
        if got.bond_master is not None and want.bond_master is not None:
            for key, value in got.bond_master.items():
                assert value in (want.bond_master.get(key), _UNSET.get(key)), f"bondMaster.{key} invented"


def test_every_fixture_is_there() -> None:
    assert len(FILES) >= 17


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(FIXTURES).parent.as_posix())
def test_a_cut_off_capture_is_refused_or_read_up_to_the_cut(path: Path) -> None:
    text = path.read_text()
    (whole,) = parse_links(text, str(path)).values()
    for cut in _cuts(text):
        _check(text[:cut], whole, str(path))


def test_the_error_names_the_cut() -> None:
    text = (FIXTURES / "e1000e-onboard-plus-addin" / "links.yaml").read_text()
    cut = text[:3000]
    with pytest.raises(ParseError) as caught:
        parse_links(cut, "links.yaml")
    assert caught.value.line == cut.count("\n") + 1
    assert "cut off" in caught.value.hint
    lines = text.splitlines(keepends=True)
    at_line = "".join(lines[: lines.index("    linkState: true\n")])  # a whole line gone: no carrier?
    with pytest.raises(ParseError, match=r"stops before .*spec\.linkState"):
        parse_links(at_line, "links.yaml")
