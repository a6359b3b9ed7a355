"""Applying lint fixes (`Edit`s) to a config file's text, changing only the lines they touch.

A fix must leave the user's file as they wrote it: comments, key order, quoting and indentation. A YAML
writer re-renders everything with one indentation style (Talos's own files mix two: a list of mappings
sits four spaces in, a list of scalars two), so edits are made on the text: ruamel.yaml's round-trip
loader says where each key, value and list item starts, and each edit replaces, inserts or removes
just those lines (or, for a scalar, just the value on its line, keeping a comment after it). The file
is parsed again after every edit, so positions are always current. No I/O here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from talosbond.errors import ParseError, TalosbondError
from talosbond.model import Edit, Fix

_DOC_MARK = re.compile(r"^(---|\.\.\.)(\s|$)")
_SCALAR = re.compile(r"""^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^#]*?)(\s+#.*)?$""")


class FixError(TalosbondError):
    """An edit does not fit the file (the path is not there): the fix is not applied."""


@dataclass(frozen=True)
class _Doc:
    data: Any
    start: int  # first line of the document's content (0-based)
    end: int  # one past its last line


def _load(text: str) -> list[_Doc]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if _DOC_MARK.match(line)]
    try:
        loaded = list(YAML(typ="rt").load_all(text))
    except YAMLError as exc:
        raise ParseError("<fix>", None, f"invalid YAML after a fix ({exc})") from None
    bounds = [-1, *marks, len(lines)]
    spans = [(bounds[i] + 1, bounds[i + 1]) for i in range(len(bounds) - 1)]
    spans = [s for s in spans if any(lines[j].strip() and not lines[j].lstrip().startswith("#")
                                     for j in range(s[0], s[1]))]
    docs = [d for d in loaded if d is not None]
    return [_Doc(d, *span) for d, span in zip(docs, spans, strict=False)]


def scalar_text(value: Any) -> str:
    """A scalar as YAML writes it plainly when that reads back the same, else double-quoted."""
    from ruamel.yaml import YAML

    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    try:
        back = YAML(typ="safe", pure=True).load(f"k: {text}\n")
    except Exception:  # anything ruamel cannot read back plainly gets quoted
        back = None
    plain = isinstance(back, dict) and back.get("k") == text and "\n" not in text and not text.startswith(("'", '"'))
    return text if plain and text == text.strip() else json.dumps(text)


def _block(key: str | None, value: Any, indent: int) -> list[str]:
    """Lines for `key: value` (or a list item's value when `key` is None) in Talos's block style."""
    pad = " " * indent
    head = f"{pad}{key}:" if key is not None else ""
    if isinstance(value, dict) and value:
        lines = [head] if key is not None else []
        for k, v in value.items():
            lines += _block(str(k), v, indent + (4 if key is not None else 0))
        return lines
    if isinstance(value, list) and value:
        lines = [head]
        for item in value:
            lines += _item(item, indent + 4)
        return lines
    empty = "{}" if isinstance(value, dict) else "[]" if isinstance(value, list) else scalar_text(value)
    return [f"{head} {empty}"]


def _item(value: Any, indent: int) -> list[str]:
    """One list item: `- ` at `indent`, a mapping's keys under its first."""
    if isinstance(value, dict) and value:
        inner = _block(None, value, indent + 2)
        return [" " * indent + "- " + inner[0].lstrip(), *inner[1:]]
    return [" " * indent + "- " + _block("x", value, 0)[0][3:]]


def _node(doc: _Doc, path: Sequence[str | int]) -> Any:
    node = doc.data
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            raise FixError(f"{'.'.join(map(str, path))}: not in the file") from None
    return node


def _start(container: Any, step: str | int) -> tuple[int, int]:
    """(line, column) where a key of a mapping, or an item of a list, starts."""
    line, col = container.lc.key(step) if isinstance(step, str) else container.lc.item(step)
    return int(line), int(col)


def _end(doc: _Doc, path: Sequence[str | int], lines: Sequence[str]) -> int:
    """One past the last line of the entry at `path` (its key line and everything under it)."""
    if not path:
        return doc.end
    parent = _node(doc, path[:-1])
    keys = list(parent.keys()) if isinstance(parent, dict) else list(range(len(parent)))
    index = keys.index(path[-1])
    if index + 1 < len(keys):
        return _start(parent, keys[index + 1])[0]
    end = _end(doc, path[:-1], lines)
    while end > 0 and end - 1 > _start(parent, path[-1])[0] and not lines[end - 1].strip():
        end -= 1  # keep blank lines that separate what follows
    return end


def _set(lines: list[str], doc: _Doc, path: Sequence[str | int], value: Any) -> None:
    parent = _node(doc, path[:-1])
    step = path[-1]
    if isinstance(parent, dict) and step not in parent:
        indent = _start(parent, next(iter(parent)))[1] if parent else 0
        at = _end(doc, path[:-1], lines) if path[:-1] else doc.end
        block = _block(str(step), value, indent)
        if isinstance(value, str) and any(c in value for c in ":*") and _quotes_strings(parent, lines) \
                and not block[0].rstrip().endswith('"'):
            block = [f"{' ' * indent}{step}: {json.dumps(value)}"]  # as the user quotes its neighbours
        lines[at:at] = block
        return
    if isinstance(parent, list) and not (isinstance(step, int) and 0 <= step < len(parent)):
        raise FixError(f"{'.'.join(map(str, path))}: no such list item")
    old = parent[step]
    found: Any = parent
    line, col = found.lc.value(step) if isinstance(parent, dict) else found.lc.item(step)
    if not isinstance(old, (dict, list)) and not isinstance(value, (dict, list)) and line < len(lines):
        match = _SCALAR.match(lines[line][col:])
        if match is not None:
            lines[line] = lines[line][:col] + scalar_text(value) + (match.group(2) or "")
            return
    start, col = _start(parent, step)
    end = _end(doc, path, lines)
    if isinstance(parent, dict):
        lines[start:end] = _block(str(step), value, col)
    else:
        lines[start:end] = _item(value, max(col - 2, 0))


def _quotes_strings(mapping: Any, lines: Sequence[str]) -> bool:
    """Whether the file double-quotes the string values of this mapping."""
    for key, value in mapping.items():
        if isinstance(value, str) and ":" in value:
            line, col = mapping.lc.value(key)
            return bool(line < len(lines) and lines[line][col:].startswith('"'))
    return False


def _delete(lines: list[str], doc: _Doc, path: Sequence[str | int]) -> None:
    if not path:
        lines[max(doc.start - 1, 0):doc.end] = []  # the document and its `---`
        return
    parent = _node(doc, path[:-1])
    if path[-1] not in (parent if isinstance(parent, dict) else range(len(parent))):
        return  # already gone
    start, col = _start(parent, path[-1])
    dashed = isinstance(parent, dict) and col >= 2 and lines[start][:col].rstrip().endswith("-")
    head = lines[start][:col]
    del lines[start:_end(doc, path, lines)]
    if dashed:  # the key shared its line with the list item's `- `: the next key takes it over
        if len(parent) > 1 and start < len(lines):
            lines[start] = head + lines[start][col:]
        else:
            lines.insert(start, head + "{}")


def _append(lines: list[str], doc: _Doc, path: Sequence[str | int], value: Any) -> None:
    target = _node(doc, path)
    if not isinstance(target, list) or not target:
        _set(lines, doc, path, [*(target or []), value])
        return
    col = _start(target, 0)[1]
    at = _end(doc, path, lines)
    lines[at:at] = _item(value, max(col - 2, 0))


def apply_edit(text: str, edit: Edit) -> str:
    """`text` with one edit made; raises `FixError` when its path is not in the file."""
    docs = _load(text)
    if not 0 <= edit.doc < len(docs):
        raise FixError(f"document {edit.doc} is not in the file")
    doc = docs[edit.doc]
    lines = text.splitlines()
    if edit.op == "set":
        _set(lines, doc, edit.path, edit.value)
    elif edit.op == "delete":
        _delete(lines, doc, edit.path)
    elif edit.op == "append":
        _append(lines, doc, edit.path, edit.value)
    else:
        raise FixError(f"unknown edit {edit.op!r}")
    return "\n".join(lines) + ("\n" if text.endswith("\n") or not text else "")


def _overlaps(a: Sequence[str | int], b: Sequence[str | int]) -> bool:
    n = min(len(a), len(b))
    return tuple(a[:n]) == tuple(b[:n])


def apply_fixes(text: str, fixes: Sequence[Fix]) -> tuple[str, list[Fix]]:
    """Apply every fix whose edits do not touch what an earlier fix changed; (new text, fixes applied).

    Edits of one fix are made in order; a fix that does not fit is left out whole."""
    applied: list[Fix] = []
    touched: list[tuple[int, tuple[str | int, ...]]] = []
    for fix in fixes:
        if any(d == e.doc and _overlaps(p, e.path) for e in fix.edits for d, p in touched):
            continue
        attempt = text
        try:
            # Deleting list items or documents shifts what follows: make those last, from the end.
            ordered = sorted(fix.edits, key=lambda e: (e.op == "delete", tuple(-x if isinstance(x, int) else 0
                                                                                for x in e.path)))
            for edit in ordered:
                attempt = apply_edit(attempt, edit)
        except (FixError, ParseError):
            continue
        text = attempt
        applied.append(fix)
        touched += [(e.doc, tuple(e.path)) for e in fix.edits]
    return text, applied


@dataclass
class FixResult:
    """A file after every fix lint could prove: its text, what was applied, what is left."""

    text: str
    applied: list[Fix]
    problems: list[Any]
    refused: list[str]


def fix_text(
    text: str, lint: Callable[[str], list[Any]], prove: Callable[[str], list[str]], rounds: int = 5
) -> FixResult:
    """Fix, lint again, repeat (a fix can make another unnecessary), keeping a round only when the fixed
    config parses, proves on the given links (`prove` returns what fails) and has no more errors."""
    problems = lint(text)
    applied: list[Fix] = []
    refused: list[str] = []
    for _ in range(rounds):
        fixes = [p.fix for p in problems if p.fix is not None]
        if not fixes:
            break
        candidate, done = apply_fixes(text, fixes)
        if not done or candidate == text:
            break
        try:
            after = lint(candidate)
        except ParseError as exc:
            refused.append(f"the fixed file would not parse ({exc.message})")
            break
        failures = prove(candidate)
        if failures:
            refused.append(f"the fixed config does not prove on the links: {failures[0]}")
            break
        if _errors(after) > _errors(problems):
            refused.append("the fixes would leave more errors than they remove")
            break
        text, problems = candidate, after
        applied += done
    return FixResult(text, applied, problems, refused)


def _errors(problems: Sequence[Any]) -> int:
    return sum(1 for p in problems if p.level == "error")
