"""`load_all` reads configs and patches through the line reader where it can: it must give what ruamel.yaml
gives for every YAML file the project and Talos's oracle hold, types and key order included, and refuse
the same broken files on the same line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, typed_tree

from talosbond.errors import ParseError
from talosbond.parsing.yamlish import load_all, ruamel_load

ORACLE = REPO.parent / "shared" / "talos" / "oracle"
# Captures (links, addresses, routes) are compared document by document in test_parse_links.py.
CAPTURES = {"links.yaml", "addresses.yaml", "routes.yaml"}
OWN = sorted(p for folder in ("fixtures", "tests") for p in (REPO / folder).rglob("*.yaml") if p.name not in CAPTURES)


def _same_as_ruamel(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    try:
        expected = [d for d in ruamel_load(text, str(path), all_documents=True) if d is not None]
    except ParseError as exc:
        with pytest.raises(ParseError) as caught:
            load_all(text, str(path))
        assert caught.value.line == exc.line
        return
    assert typed_tree(load_all(text, str(path))) == typed_tree(expected)


def test_the_project_has_yaml_to_compare() -> None:
    assert len(OWN) >= 40


@pytest.mark.parametrize("path", OWN, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_yaml_file_of_the_project_reads_as_ruamel_reads_it(path: Path) -> None:
    _same_as_ruamel(path)


def _oracle_groups() -> list[str]:
    """The oracle's case folders by kind and Talos release (`merge/v1.11`, ...): one test each, so that the
    test workers share them."""
    if not ORACLE.is_dir():
        return []
    return sorted({f"{p.parent.parent.name}/{p.parent.name.split('-', 1)[0]}" for p in ORACLE.glob("*/v*/*.yaml")})


@pytest.mark.parametrize("group", _oracle_groups() or [pytest.param("", marks=pytest.mark.skip(
    reason="../shared/talos/oracle not available"))])
def test_every_config_of_the_oracle_reads_as_ruamel_reads_it(group: str) -> None:
    """Configs Talos generated (comments, examples) and the patches of the oracle's cases; each distinct
    text once (cases share their base config)."""
    kind, release = group.split("/")
    texts = {path.read_text(): path for path in sorted(ORACLE.glob(f"{kind}/{release}-*/*.yaml"))}
    assert texts
    for path in texts.values():
        _same_as_ruamel(path)


@pytest.mark.parametrize("text", [
    "a: 1\n--- {b: 2}\n",  # a document on its separator's line
    "a: 1\n...\n---\nb: 2\n",  # an explicit document end
    "%YAML 1.2\n---\na: 1\n",
    "1: a\ntrue: b\n",  # keys ruamel types
    "a: 1\n---\n---\nb: [1, 2]\n",  # an empty document, a flow list
    "machine:\n  network:\n    interfaces:\n    - interface: bond0\n      dhcp: true\n",
])
def test_streams_the_line_reader_hands_to_ruamel_read_the_same(text: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    _same_as_ruamel(path)
