"""Where node data comes from. The only package that does subprocess, network or capture-file I/O.

Every source returns, per requested node, either a `RawNode` (texts to parse) or a `NodeError`, so one
failing node never hides the others.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace

from talosbond.errors import UsageError
from talosbond.model import NodeError, RawNode


@dataclass(frozen=True)
class Connection:
    """How to reach nodes: the global options of every node-facing command."""

    nodes: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    talosconfig: str | None = None
    context: str | None = None
    insecure: bool = False
    source: str = "auto"  # auto | talosctl | api | capture
    from_dir: str | None = None
    timeout: float = 30.0
    want_bonding: bool = False  # also read /proc/net/bonding/<bond> for each bond link
    want_config: bool = True  # also read the node's machine config where the source has it (a capture)
    want_log: bool = False  # also read the controller-runtime log (talosctl, capture; verify traces its errors)


def resolve_source(conn: Connection) -> str:
    """Which source `auto` means here: capture with --from, talosctl when on PATH, else the API."""
    if conn.from_dir is not None:
        if conn.source not in ("auto", "capture"):
            raise UsageError(f"--from reads a capture directory; it cannot be combined with --source {conn.source}")
        return "capture"
    if conn.source == "capture":
        raise UsageError("--source capture needs --from DIR")
    if conn.source != "auto":
        return conn.source
    return "talosctl" if shutil.which("talosctl") else "api"


def _context_nodes(conn: Connection) -> tuple[str, ...]:
    """The talosconfig context's nodes (what talosctl uses without -n); () when there are none to read."""
    from talosbond.errors import TalosbondError
    from talosbond.sources.talosconfig import load_context

    try:
        return load_context(conn.talosconfig, conn.context).nodes
    except TalosbondError:
        return ()


def fetch_nodes(conn: Connection, progress: Callable[[str], None] | None = None) -> list[RawNode | NodeError]:
    """Fetch raw texts for every requested node from the chosen source.

    `progress`, if given, is called with each node's name once that node is done (for a progress bar)."""
    kind = resolve_source(conn)
    if kind == "capture":
        from talosbond.sources.capture import read_capture

        assert conn.from_dir is not None
        return read_capture(conn.from_dir, conn.nodes, conn.want_config, conn.want_log)
    if not conn.nodes and kind == "talosctl":
        conn = replace(conn, nodes=_context_nodes(conn))
        if not conn.nodes:
            raise UsageError("no nodes given", "pass -n NODE (or --from DIR for a capture)")
    if kind == "talosctl":
        from talosbond.sources.talosctl import fetch_talosctl

        return fetch_talosctl(conn, progress)
    if kind == "api":
        try:
            from talosbond.sources.api import fetch_api
        except ImportError:
            raise UsageError(
                "the Talos API source is not available in this build",
                "install talosctl and use --source talosctl, or read a capture with --from DIR",
            ) from None
        result: list[RawNode | NodeError] = fetch_api(conn, progress)
        return result
    raise UsageError(f"unknown source {kind!r}", "choose one of: auto, talosctl, api, capture")
