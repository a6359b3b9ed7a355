"""talosbond's model of `talosctl machineconfig patch` against talosctl's own answers.

Every case under ../shared/talos/oracle/merge/ (bases, patches and what talosctl 1.11, 1.12 and 1.13
wrote or refused) runs through one test; the cases skip where ../shared is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from talosbond.merge import MergeError, patch_text
from talosbond.parsing.version import parse_tag

ORACLE = Path(__file__).resolve().parent.parent.parent / "shared" / "talos" / "oracle" / "merge"
CASES = sorted(p.name for p in ORACLE.iterdir() if p.is_dir()) if ORACLE.is_dir() else []
# The phrase of talosctl's error that says why; a refusal must name the same reason.
PHRASES = ("lookup failed", "cannot delete an inner key", "searching for complex paths in slices",
           "not supported for multi-document", "conflicting documents", "test failed", "doc is missing path", "panic")


def normalise(value: Any) -> Any:
    """Drop null, "", [] and {} (Talos's re-encoding adds them); keep false and 0."""
    if isinstance(value, dict):
        out = {k: normalise(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def _version(case: Path) -> tuple[int, int]:
    return parse_tag((case / "talos.txt").read_text().split()[1]).minor_tuple


@pytest.mark.parametrize("name", CASES or [pytest.param("none", marks=pytest.mark.skip("../shared not available"))])
def test_merge_matches_talosctl(name: str) -> None:
    from talosbond.merge import load_docs

    case = ORACLE / name
    patches = [p.read_text() for p in sorted(case.glob("patch-*.yaml"), key=lambda p: int(p.stem.split("-")[1]))]
    base = (case / "base.yaml").read_text()
    error = case / "error.txt"
    if error.is_file():
        said = error.read_text()
        phrase = next(p for p in PHRASES if p in said)
        with pytest.raises(MergeError) as caught:
            patch_text(base, patches, _version(case))
        message = caught.value.message
        assert phrase in message or (phrase == "panic" and "crashes" in message), message
        return
    got = patch_text(base, patches, _version(case))
    want = load_docs((case / "expected.yaml").read_text(), "expected")
    assert [normalise(d) for d in got] == [normalise(d) for d in want]
