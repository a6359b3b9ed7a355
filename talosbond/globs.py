"""Talos's glob: github.com/ryanuber/go-glob semantics, which are not fnmatch's.

Only `*` is special (any run of characters, `:` included, possibly none); there is no `?`, no `[...]`
and no escaping; a pattern without `*` must equal the subject; comparison is case-sensitive.
"""

from __future__ import annotations


def go_glob(pattern: str, subject: str) -> bool:
    """True when `subject` matches `pattern` the way Talos's selectors match it."""
    if pattern == "*":
        return True
    parts = pattern.split("*")
    if len(parts) == 1:
        return subject == pattern
    rest = subject
    last = len(parts) - 1
    for i, part in enumerate(parts[:last]):
        idx = rest.find(part)
        if i == 0 and not pattern.startswith("*") and idx != 0:
            return False
        if idx < 0:
            return False
        rest = rest[idx + len(part):]
    return pattern.endswith("*") or rest.endswith(parts[last])


def common_prefix(values: list[str]) -> str:
    """The longest common leading text of all values."""
    if not values:
        return ""
    first, last = min(values), max(values)
    size = 0
    while size < len(first) and size < len(last) and first[size] == last[size]:
        size += 1
    return first[:size]
