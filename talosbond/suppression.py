"""Inline suppression in a config file, as yamllint does it.

`# talosbond: disable=TB014` at the end of a line silences those rules for findings on that line's node
(and everything under it, when the line opens a mapping or list); alone on a line it applies to the next
line. `# talosbond: disable-file=TB014` anywhere silences them for the whole file. Codes are separated by
commas; a rule name works too, and `disable` without `=` silences every rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from talosbond.model import Problem

_DIRECTIVE = re.compile(r"#\s*talosbond:\s*(disable-file|disable)\b(?:\s*=\s*([\w,\s.-]+))?")
_DOC_PATH = re.compile(r"^document\[(\d+)\] ?")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
ALL = "*"


@dataclass(frozen=True)
class Suppressions:
    """What a file's comments silence: for the whole file, and per line (1-based)."""

    file: frozenset[str] = frozenset()
    lines: tuple[tuple[int, frozenset[str]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.file or self.lines)


def _codes(raw: str | None) -> frozenset[str]:
    if raw is None:
        return frozenset({ALL})
    return frozenset(c.strip().upper() for c in raw.split(",") if c.strip())


def find_suppressions(text: str) -> Suppressions:
    """Read the directives of a config file's comments."""
    whole: set[str] = set()
    lines: list[tuple[int, frozenset[str]]] = []
    pending: frozenset[str] = frozenset()
    for number, line in enumerate(text.splitlines(), 1):
        match = _DIRECTIVE.search(line)
        stripped = line.strip()
        if match and match.group(1) == "disable-file":
            whole |= _codes(match.group(2))
            continue
        if match and stripped.startswith("#"):
            pending |= _codes(match.group(2))  # a comment line of its own speaks for the next line
            continue
        if not stripped or stripped.startswith("#"):
            continue
        codes = pending | (_codes(match.group(2)) if match else frozenset())
        if codes:
            lines.append((number, codes))
        pending = frozenset()
    return Suppressions(frozenset(whole), tuple(lines))


def _label(node: Any) -> str:
    """`Kind/name` as config.read_config labels a typed document (a name may hold dots: `bond0.87`)."""
    values = {k.value: getattr(v, "value", None) for k, v in node.value}
    kind, name = values.get("kind"), values.get("name")
    return f"{kind}/{name}" if name else str(kind)


def _steps(path: str, documents: list[Any]) -> tuple[int | None, list[str | int]]:
    """`document[2] BondConfig/bond0.links[1]` -> (2, ["links", 1]); a legacy path has no document."""
    doc: int | None = None
    match = _DOC_PATH.match(path)
    if match:
        doc = int(match.group(1))
        path = path[match.end():]
        label = _label(documents[doc]) if doc < len(documents) else ""
        if label and path.startswith(label):
            path = path[len(label):]
    steps: list[str | int] = []
    for key, index in _STEP.findall(path):
        steps.append(int(index) if index else key)
    return doc, steps


def _documents(text: str) -> list[Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.nodes import MappingNode

    try:
        return [n for n in YAML(typ="safe", pure=True).compose_all(text) if isinstance(n, MappingNode)]
    except YAMLError:  # lint reads the file first; a directive must never turn into a crash
        return []


def _child(node: Any, step: str | int) -> tuple[Any, int] | None:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, MappingNode) and isinstance(step, str):
        for key, value in node.value:
            if key.value == step:
                return value, key.start_mark.line + 1
    if isinstance(node, SequenceNode) and isinstance(step, int) and step < len(node.value):
        item = node.value[step]
        return item, item.start_mark.line + 1
    return None


def _lines_of(documents: list[Any], path: str) -> set[int]:
    """The lines of the node a path names and of every node above it."""
    doc, steps = _steps(path, documents)
    if doc is None:
        doc = next((i for i, d in enumerate(documents) if any(k.value == "machine" for k, _ in d.value)), 0)
    if doc >= len(documents):
        return set()
    node = documents[doc]
    # a typed document is named by its first line and its `kind` and `name` lines
    lines = {node.start_mark.line + 1} | {k.start_mark.line + 1 for k, _ in node.value if k.value in ("kind", "name")}
    for step in steps:
        found = _child(node, step)
        if found is None:
            break
        node, line = found
        lines.add(line)
    return lines


def _silenced(problem: Problem, codes: frozenset[str], names: dict[str, str]) -> bool:
    return bool(codes & {ALL, problem.code, names.get(problem.code, "").upper()})


def apply_suppressions(problems: Iterable[Problem], text: str, names: dict[str, str]) -> Iterator[Problem]:
    """The findings a file's comments do not silence (`names` maps codes to rule names)."""
    found = find_suppressions(text)
    if not found:
        yield from problems
        return
    documents = _documents(text) if found.lines else []
    for problem in problems:
        if _silenced(problem, found.file, names):
            continue
        lines = _lines_of(documents, problem.path) if found.lines else set()
        if any(line in lines and _silenced(problem, codes, names) for line, codes in found.lines):
            continue
        yield problem
