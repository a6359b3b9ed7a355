"""Shared test helpers: where the fixtures and the shared samples are."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "links"
SAMPLES = REPO.parent / "shared" / "samples"


def sample(relative: str) -> Path:
    """A file under ../shared/samples; the test is skipped where the folder is absent (a user's clone)."""
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"shared sample {relative} not available")
    return path


def sample_text(relative: str) -> str:
    """The sample without its leading `# source:` / `# note:` lines."""
    lines = sample(relative).read_text().splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def scenarios() -> list[Path]:
    """Every capture folder under fixtures/links (fleet members included)."""
    out = []
    for path in sorted(FIXTURES.iterdir()) if FIXTURES.is_dir() else []:
        if (path / "links.yaml").is_file():
            out.append(path)
        elif path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if (p / "links.yaml").is_file()))
    return out
