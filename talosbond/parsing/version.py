"""Talos version strings: `talosctl version` output and tags like `v1.11.3`."""

from __future__ import annotations

import re

from talosbond.errors import ParseError

_TAG = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$")


def parse_version_output(text: str, source: str = "talosctl version") -> str:
    """The server's Tag from `talosctl version` (the `Server:` section), e.g. `v1.11.3`."""
    in_server = False
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped == "Server:":
            in_server = True
        elif in_server and stripped.startswith("Tag:"):
            tag = stripped.partition(":")[2].strip()
            if _TAG.match(tag) is None:
                raise ParseError(source, lineno, f"expected a Talos tag like v1.11.3, got {tag!r}")
            return tag
    raise ParseError(source, None, "expected a `Server:` section with a `Tag:` line")


def version_tuple(tag: str) -> tuple[int, int]:
    """`v1.11.3` / `1.11` -> (1, 11); raises `ValueError` for anything else."""
    match = _TAG.match(tag.strip())
    if match is None:
        raise ValueError(f"not a Talos version: {tag!r}")
    return int(match.group(1)), int(match.group(2))


def version_patch(tag: str) -> int | None:
    """`v1.13.4` -> 4; `1.13` -> None (the patch release is not known)."""
    match = _TAG.match(tag.strip())
    return int(match.group(3)) if match is not None and match.group(3) is not None else None
