"""Talos's `controller-runtime` log -> `LogEntry` records.

machined writes this log with zap's console encoder (`pkg/logging/zap.go`: development encoder config,
one space between parts, coloured level names): an ISO 8601 time, the level (wrapped in ANSI colour codes),
the message, then the logger's fields as one JSON object. `talosctl logs controller-runtime` prints each
line prefixed with `<node>: `. People also paste the console variant (`[talos] message {...}`, from the
serial console or `talosctl dmesg`, without time or level), so that is read too.

Lines that are not log entries (a shell prompt, a wrapped continuation) are skipped, not fatal; a line cut
off inside its JSON keeps its message and the raw rest. What is fatal (`ParseError`): text with no log
entry at all, or binary data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from talosbond.errors import ParseError

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR", "DPANIC", "PANIC", "FATAL")
# `10.13.17.19: 2026-11-30T21:04:11.512Z ERROR controller failed {...}`; the node prefix is optional and
# may be an IPv6 address (colons), hence the non-greedy node and the anchored time.
_TALOSCTL = re.compile(
    r"^(?:(?P<node>\S+?):\s+)?(?P<time>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s+"
    r"(?P<level>" + "|".join(_LEVELS) + r")\s+(?P<rest>.*)$"
)
# Console and `talosctl dmesg`: `[   4.24] [talos] msg {...}`, `node: user: warning: [2026-..Z]: [talos] msg {...}`,
# old releases `[talos] 2023/02/22 02:35:21 msg {...}`.
_CONSOLE = re.compile(
    r"^(?:(?P<node>\S+?):\s+)?(?:\w+:\s+\w+:\s+)?(?:\[\s*(?P<time>[^\]]*)\]:?\s+)?\[talos\]\s+"
    r"(?:(?P<oldtime>\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})\s+)?(?P<rest>.*)$"
)
_MULTI_HEAD = re.compile(r"^\d+ errors? occurred:$")


@dataclass(frozen=True)
class LogEntry:
    """One log line: `fields` is the decoded JSON object (empty when the line was cut off, then `raw_fields`
    holds what was there). `errors` splits the `error` field into single errors (Talos joins several)."""

    line: int
    message: str
    level: str = ""  # debug | info | warn | error | ... ; "" on console lines, which carry none
    time: str = ""
    node: str = ""
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    raw_fields: str = ""
    errors: tuple[str, ...] = ()

    @property
    def controller(self) -> str:
        value = self.fields.get("controller", "")
        if not value and self.raw_fields:
            match = re.search(r'"controller":\s*"([^"]*)"', self.raw_fields)
            value = match.group(1) if match else ""
        return str(value)

    def text(self, key: str) -> str:
        """A field as text ("" when absent); list fields are joined with `, `."""
        value = self.fields.get(key)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class ControllerLog:
    """A parsed log: its entries in order, and how many lines were not log entries."""

    source: str
    entries: tuple[LogEntry, ...]
    skipped: int = 0


def split_errors(text: str) -> tuple[str, ...]:
    """`1 error occurred:\\n\\t* A\\n\\n` (hashicorp multierror) or `A\\nB` (errors.Join) -> (A, B)."""
    out: list[str] = []
    for line in text.splitlines():
        item = line.strip()
        if not item or _MULTI_HEAD.match(item):
            continue
        out.append(item.removeprefix("* ").strip())
    return tuple(out)


def _fields(rest: str) -> tuple[str, dict[str, Any], str]:
    """Split `message {json}` into the message, the decoded fields and (when they do not decode) the raw
    fields text. The message may itself contain ` {` (rare), so each candidate brace is tried in turn."""
    starts = [m.start() for m in re.finditer(r'\s\{"', rest)]
    for start in starts:
        candidate = rest[start:].strip()
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return rest[:start].strip(), value, ""
    if starts:
        return rest[: starts[0]].strip(), {}, rest[starts[0]:].strip()
    return rest.strip(), {}, ""


def _raw_errors(raw: str) -> tuple[str, ...]:
    """The `error` value of a cut-off JSON object, unescaped as far as it goes."""
    match = re.search(r'"error":\s*"((?:[^"\\]|\\.)*)', raw)
    if match is None:
        return ()
    text = match.group(1)
    for escaped, plain in (("\\n", "\n"), ("\\t", "\t"), ('\\"', '"'), ("\\\\", "\\")):
        text = text.replace(escaped, plain)
    return split_errors(text)


def _entry(lineno: int, line: str) -> LogEntry | None:
    match = _TALOSCTL.match(line)
    level = ""
    if match is not None:
        level = match.group("level").lower()
        time = match.group("time")
    else:
        match = _CONSOLE.match(line)
        if match is None:
            return None
        time = match.group("time") or match.group("oldtime") or ""
    message, fields, raw = _fields(match.group("rest"))
    if not message:
        return None
    error = fields.get("error")
    errors = split_errors(error) if isinstance(error, str) else _raw_errors(raw)
    return LogEntry(lineno, message, level, time.strip(), match.group("node") or "", fields, raw, errors)


def parse_controller_log(text: str, source: str = "controller-runtime log") -> ControllerLog:
    """Parse `talosctl logs controller-runtime` output (or a pasted console log).

    Raises `ParseError` when the text holds no log entry at all, or binary data.
    """
    if "\x00" in text:
        raise ParseError(source, None, "binary data, not a log",
                         hint="save the output of `talosctl -n NODE logs controller-runtime`")
    entries: list[LogEntry] = []
    skipped = 0
    first_other: tuple[int, str] | None = None
    for lineno, raw_line in enumerate(text.splitlines(), 1):
        line = _ANSI.sub("", raw_line).strip()
        if not line:
            continue
        entry = _entry(lineno, line)
        if entry is None:
            skipped += 1
            first_other = first_other or (lineno, line)
            continue
        entries.append(entry)
    if not entries:
        where, what = first_other if first_other is not None else (None, "")
        expected = ("empty log" if first_other is None else
                    f"expected a Talos log line like `NODE: 2026-01-01T00:00:00.000Z ERROR controller failed "
                    f"{{...}}`, got {what[:60]!r}")
        raise ParseError(source, where, expected,
                         hint="save the output of `talosctl -n NODE logs controller-runtime`")
    return ControllerLog(source, tuple(entries), skipped)
