"""Reading YAML streams as Talos prints them, fast, with ruamel.yaml behind it for everything else.

`talosctl get ... -o yaml` output is a narrow dialect (Go yaml encoders: block style, 4-space indent,
`key: value` lines, quoted strings only where needed), and so are most machine configs and patches. A
1000-node fleet prints ~15,000 such documents, which ruamel.yaml's pure-Python loader reads slowly; this
module reads block-style documents line by line (`load_stream` for captures, `load_all` for configs) and
hands any document using more of YAML (flow collections, anchors, tags, block scalars, comments after
values, keys ruamel would type, odd indentation, or a plain syntax error) to ruamel.yaml, whose error then
names the line. Both paths give the same data, types included (tests/test_load_all.py,
tests/test_parse_links.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from talosbond.errors import ParseError


@dataclass(frozen=True)
class Document:
    """One YAML document of a stream: its first line number (1-based) and its content."""

    line: int
    data: Any


class _Unsupported(Exception):
    """The fast reader met YAML it does not handle; ruamel.yaml takes the document."""


_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r",
    "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
}
_HEX_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def _unescape_double(body: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = m.group(1)
        if len(code) > 1:
            return chr(int(code[1:], 16))
        if code in _ESCAPES:
            return _ESCAPES[code]
        raise _Unsupported
    return _HEX_ESCAPE.sub(repl, body)


def _scalar(value: str) -> Any:
    first = value[0]
    if first == '"':
        if len(value) < 2 or not value.endswith('"') or (value.endswith('\\"') and not value.endswith('\\\\"')):
            raise _Unsupported
        body = value[1:-1]
        if '"' in body.replace('\\"', ""):
            raise _Unsupported
        return _unescape_double(body) if "\\" in body else body
    if first == "'":
        body = value[1:-1]
        if len(value) < 2 or not value.endswith("'") or "'" in body.replace("''", ""):
            raise _Unsupported
        return body.replace("''", "'")
    if value == "{}":
        return {}
    if value == "[]":
        return []
    if first in "{[&*!|>%@`#" or " #" in value or value.endswith(":") or value == "-" or value.startswith("- "):
        raise _Unsupported
    return _plain(value)


# A plain scalar is typed as ruamel.yaml's YAML 1.2 resolver types it (the slow path), so both paths give the
# same data. Talos prints decimal ints, true/false and UTC timestamps; other typed spellings (floats, hex,
# octal, underscores, other dates) are left to ruamel, by handing it the whole document.
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_TIMESTAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?Z")
_OTHER_TYPED = re.compile(r"""(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)
    |[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*
    |<<|=)""", re.X)
_UTC = dt.timezone(dt.timedelta(0), "Z")  # as ruamel names it
_MAX_FRACTION = 999999


def _plain(value: str) -> Any:
    first = value[0]
    if first not in "-+.0123456789<=":
        if value in _BOOLS:
            return _BOOLS[value]
        return None if value in _NULLS else value
    if value.isdigit():
        return int(value)
    if first.isdigit() and len(value) > 19 and value[4] == "-":
        stamp = _TIMESTAMP.fullmatch(value)
        if stamp is not None:
            return _timestamp(stamp)
    if _DECIMAL.fullmatch(value):
        return int(value)
    if _OTHER_TYPED.fullmatch(value):
        raise _Unsupported
    return value


def _timestamp(match: re.Match[str]) -> dt.datetime:
    """ruamel.yaml's reading of `2024-11-16T08:58:33.123456789Z`: microseconds, the seventh digit rounding."""
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = match.group(7) or ""
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    if len(fraction) > 6 and int(fraction[6]) > 4:
        micro += 1
    if micro > _MAX_FRACTION:
        raise _Unsupported
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro, _UTC)
    except ValueError:
        raise _Unsupported from None


_Stack = list[tuple[int, dict[str, Any] | list[Any]]]

# Scalars already read, by their text: a capture repeats most values (types, states, flags, timestamps, the
# same MACs in every document of a node) and typing a scalar costs more than finding it here. Only immutable
# results are kept (`{}` and `[]` are new containers each time); the memo is emptied when it grows large.
_SEEN: dict[str, Any] = {}
_SEEN_MAX = 1 << 16
_MISS = object()


def _typed(value: str) -> Any:
    found = _SEEN.get(value, _MISS)
    if found is not _MISS:
        return found
    found = _scalar(value)
    if not isinstance(found, dict | list):
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        _SEEN[value] = found
    return found


# Keys already found good: plain text the reader may take as it is. ruamel types a key as it types a value
# (`1:` is the int 1, `true:` a bool), and quoted, anchored or tagged keys are its own: a document with such
# a key is left to ruamel. Keys repeat in every document, so each is checked once.
_GOOD_KEYS: set[str] = set()


def _good_key(key: str) -> bool:
    if not key or key[0] in "\"'{[&*!|>%@`#?-" or key[-1] in " \t" or key.strip() != key:
        return False
    typed = _plain(key)  # raises _Unsupported for spellings only ruamel may read
    if typed != key or not isinstance(typed, str):
        return False
    if len(_GOOD_KEYS) >= _SEEN_MAX:
        _GOOD_KEYS.clear()
    _GOOD_KEYS.add(key)
    return True


def _list_item(container: dict[str, Any] | list[Any], content: str, indent: int,
               stack: _Stack) -> tuple[int, dict[str, Any], str] | None:
    """A `- item` line: a scalar item, or a mapping item whose first key may wait for its block."""
    if not isinstance(container, list) or len(content) < 3:
        raise _Unsupported
    item = content[2:].lstrip(" ")
    item_indent = indent + len(content) - len(item)
    key, sep, rest = item.partition(": ")
    if not sep and not item.endswith(":"):
        container.append(_typed(item))
        return None
    if not sep:
        key, rest = item[:-1], ""
    if key not in _GOOD_KEYS and not _good_key(key):
        raise _Unsupported
    entry: dict[str, Any] = {}
    container.append(entry)
    stack.append((item_indent, entry))
    if rest.strip():
        entry[key] = _typed(rest.strip())
        return None
    return (item_indent, entry, key)


def _open_block(pending: tuple[int, dict[str, Any], str], content: str, indent: int, stack: _Stack) -> None:
    """The line after a bare `key:`: the key's block starts here (a deeper line, or a list at its indent),
    or the key had no value."""
    p_indent, p_parent, p_key = pending
    is_item = content == "-" or content.startswith("- ")
    if indent > p_indent or (indent == p_indent and is_item):
        new: dict[str, Any] | list[Any] = [] if is_item else {}
        p_parent[p_key] = new
        stack.append((indent, new))
    else:
        p_parent[p_key] = None


def _end_compact_list(stack: _Stack, indent: int) -> dict[str, Any]:
    """A list written at its key's indent (`files:` then `- a`) ends at the next key of that indent: the
    mapping that holds the key goes on."""
    if len(stack) < 2 or stack[-2][0] != indent:
        raise _Unsupported
    stack.pop()
    parent = stack[-1][1]
    if not isinstance(parent, dict):
        raise _Unsupported
    return parent


def _fast(lines: list[str]) -> Any:
    """The block-style subset of YAML that talosctl prints, line by line; `_Unsupported` for anything else.
    The hot loop of every capture read: a line at the indent of the line before costs a few string
    operations and one memo lookup."""
    root: dict[str, Any] = {}
    # Each entry: the indent of the container's lines, and the container; the top one is also kept in
    # c_indent/container.
    stack: _Stack = [(0, root)]
    c_indent, container = stack[-1]
    pending: tuple[int, dict[str, Any], str] | None = None  # a "key:" waiting for its block
    seen, miss, good_keys = _SEEN, _MISS, _GOOD_KEYS
    for raw in lines:
        content = raw.lstrip(" ")
        if not content:
            continue
        first = content[0]
        if first in "#\t":
            if first == "#":
                continue
            raise _Unsupported
        indent = len(raw) - len(content)
        if content[-1] <= " ":
            content = content.rstrip()
            if not content:  # only characters str.rstrip() counts as blanks (\x1c-\x1f): leave them to ruamel
                raise _Unsupported
        if pending is not None:
            _open_block(pending, content, indent, stack)
            pending = None
            c_indent, container = stack[-1]
        if indent != c_indent:
            while stack[-1][0] > indent:
                stack.pop()
            c_indent, container = stack[-1]
            if c_indent != indent:
                raise _Unsupported
        if first == "-" and (len(content) == 1 or content[1] == " "):
            pending = _list_item(container, content, indent, stack)
            c_indent, container = stack[-1]
            continue
        if not isinstance(container, dict):
            container = _end_compact_list(stack, indent)
        key, sep, rest = content.partition(": ")
        if not sep:
            if content[-1] != ":" or " " in content:
                raise _Unsupported
            key, rest = content[:-1], ""
        if key in container or (key not in good_keys and not _good_key(key)):
            raise _Unsupported
        if rest and rest[0] <= " ":
            rest = rest.strip()
        if rest:
            value = seen.get(rest, miss)
            container[key] = _typed(rest) if value is miss else value
        else:
            pending = (indent, container, key)
    if pending is not None:
        pending[1][pending[2]] = None
    return root


def _slow(lines: list[str], source: str, first_line: int) -> Any:
    return ruamel_load("\n".join(lines) + "\n", source, first_line)


def ruamel_load(text: str, source: str, first_line: int = 1, *, all_documents: bool = False) -> Any:
    """Load with ruamel.yaml (one document, or a list of all); its errors become a `ParseError` naming the
    line, counted from `first_line`.

    The pure-Python loader takes milliseconds per config, and one command reads the same text several times
    (a patch is rendered, validated, linted and merged): a text already loaded is answered from a small
    cache, as a fresh copy the caller may change."""
    try:
        return _copy(_ruamel_cached(text, all_documents))
    except _Invalid as exc:
        line = first_line + exc.offset if exc.offset is not None else first_line
        raise ParseError(source, line, f"invalid YAML ({exc.what})") from None


class _Invalid(Exception):
    """ruamel.yaml's error, reduced to the line (counted from the text's first) and what it says."""

    def __init__(self, offset: int | None, what: str) -> None:
        super().__init__(what)
        self.offset = offset
        self.what = what


def _copy(data: Any) -> Any:
    """A copy of loaded YAML that shares nothing mutable with `data` (scalars are immutable)."""
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_copy(value) for value in data]
    if isinstance(data, str | int | float | bool | bytes | dt.date) or data is None:
        return data
    import copy  # a set or an ordered map: rare in configs

    return copy.deepcopy(data)


@lru_cache(maxsize=128)
def _ruamel_cached(text: str, all_documents: bool) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="safe", pure=True)
    try:
        return list(yaml.load_all(text)) if all_documents else yaml.load(text)
    except MarkedYAMLError as exc:
        # "could not find expected ':'" is noticed a line late; the key it was scanning is the culprit.
        late = exc.context is not None and "simple key" in exc.context and exc.context_mark is not None
        mark = exc.context_mark if late else (exc.problem_mark or exc.context_mark)
        raise _Invalid(mark.line if mark is not None else None,
                       (exc.problem or exc.context or "invalid YAML").strip()) from None
    except YAMLError as exc:
        raise _Invalid(None, str(exc)) from None


# Lines that mark documents in ways the splitter in load_stream does not take apart (`--- {a: 1}`, `...`,
# a `%YAML` directive): a stream with one is left whole to ruamel.
_ODD_MARKERS = re.compile(r"^(?:---[ \t]*[^\s]|\.\.\.|%)", re.MULTILINE)


def load_all(text: str, source: str) -> list[Any]:
    """Every document of a YAML stream (a config, a patch), as ruamel.yaml loads them, empty ones left out:
    each block-style document through the line reader, the rest through ruamel. `ParseError` names the line."""
    if _ODD_MARKERS.search(text):
        return [doc for doc in ruamel_load(text, source, all_documents=True) if doc is not None]
    return [doc.data for doc in load_stream(text, source) if doc.data is not None]


def load_stream(text: str, source: str, skip: str | None = None) -> Iterator[Document]:
    """Split a YAML stream into documents and load each in turn; raises `ParseError` naming the line.

    Lazy, so that a problem in an early document is reported before one in a later document. A document
    with the line `skip` (exactly) is passed over unread: a caller that drops such documents anyway spares
    their parsing (a fleet's routes of the local table, two thirds of them).
    """
    lines = text.splitlines()
    bounds = [i for i, raw in enumerate(lines) if raw[:3] == "---" and raw.rstrip() == "---"]
    start = 0
    for end in [*bounds, len(lines)]:
        chunk = lines[start:end]
        if skip is None or skip not in chunk:
            doc = _load(chunk, start + 1, source)
            if doc is not None:
                yield doc
        start = end + 1


def _load(lines: list[str], start: int, source: str) -> Document | None:
    first = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")), None)
    if first is None:
        return None
    try:
        data = _fast(lines)
    except _Unsupported:
        data = _slow(lines, source, start)
    return Document(start + first, data)
