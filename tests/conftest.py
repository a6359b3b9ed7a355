"""Shared test helpers: where the fixtures and the shared samples are."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from talos_test_server import NodeData, Pki

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures" / "links"
SAMPLES = REPO.parent / "shared" / "samples"

# Tables take their width from $COLUMNS off a terminal, and tests assert what a table shows: every test runs
# as if in a pipe without it (pytest-xdist's workers get COLUMNS=80, a developer's shell may export it).
# Tests about the width pass their own.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def typed_tree(value: object) -> object:
    """Loaded YAML with each key's and leaf's type beside it, for comparing two loaders: 1 and True, "1" and 1
    must not compare equal."""
    if isinstance(value, dict):
        return [(typed_tree(k), typed_tree(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [typed_tree(v) for v in value]
    return (type(value).__name__, repr(value))


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
    for path in sorted(FIXTURES.iterdir()):
        if (path / "links.yaml").is_file():
            out.append(path)
        elif path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if (p / "links.yaml").is_file()))
    return out


# --- the loopback Talos API server's certificates and nodes, shared by the api tests -------------------


@pytest.fixture(scope="module")
def pki() -> Pki:
    """An Ed25519 CA with server and client certificates, made at test time."""
    from talos_test_server import Pki

    return Pki()


@pytest.fixture(scope="module")
def pki_dir(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    pki.save(folder)
    return folder


@pytest.fixture(scope="module")
def fleet_dir() -> Path:
    """The committed three-node fleet."""
    return FIXTURES / "fleet-3-identical"


@pytest.fixture(scope="module")
def fleet(fleet_dir: Path) -> dict[str, NodeData]:
    from talos_test_server import load_fleet

    return load_fleet(fleet_dir)
