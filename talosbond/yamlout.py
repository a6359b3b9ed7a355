"""The one YAML writer: Talos's machine-config style (4-space indent, block style, key order kept)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any


def dump_yaml(documents: Sequence[Any]) -> str:
    """Documents as a YAML stream, `---` between them, in the indentation talosctl itself writes."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.default_flow_style = False
    yaml.indent(mapping=4, sequence=6, offset=4)
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump_all(list(documents), buf)
    return buf.getvalue()
