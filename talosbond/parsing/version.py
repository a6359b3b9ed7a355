"""Talos version text -> `TalosVersion`: the one place a tag is read, whatever carried it.

A capture's version.txt, the API's Version reply and `--talos-version` give a tag (`v1.11.3`, `1.12`);
talosctl gives its whole `talosctl version` output, whose `Server:` section holds the node's tag.
"""

from __future__ import annotations

import re

from talosbond.errors import ParseError
from talosbond.model import TalosVersion

_TAG = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$")


def parse_tag(tag: str, source: str = "Talos version") -> TalosVersion:
    """`v1.11.3`, `1.12`, `v1.14.0-rc.1` -> `TalosVersion`; anything else is a `ParseError`."""
    text = tag.strip()
    match = _TAG.match(text)
    if match is None:
        raise ParseError(source, None, f"expected a Talos tag like v1.11.3, got {text!r}")
    patch = match.group(3)
    return TalosVersion(int(match.group(1)), int(match.group(2)), int(patch) if patch is not None else None, text)


def parse_version_text(text: str, source: str = "Talos version") -> TalosVersion:
    """A bare tag, or `talosctl version` output (the tag of its `Server:` section)."""
    if "Server:" not in text and "Tag:" not in text:
        return parse_tag(text, source)
    in_server = False
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped == "Server:":
            in_server = True
        elif in_server and stripped.startswith("Tag:"):
            tag = stripped.partition(":")[2].strip()
            try:
                return parse_tag(tag, source)
            except ParseError:
                raise ParseError(source, lineno, f"expected a Talos tag like v1.11.3, got {tag!r}") from None
    raise ParseError(source, None, "expected a `Server:` section with a `Tag:` line")
