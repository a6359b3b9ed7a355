"""Where node data comes from. The only package that does subprocess, network or capture-file I/O.

Every source (`Source`) returns, per requested node, either a `RawNode` (what was read, to parse) or a
`NodeError`, so one failing node never hides the others.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from talosbond.errors import UsageError
from talosbond.model import NodeError, RawNode

Progress = Callable[[str], None]
# Called with each node as soon as it is read, by a source that reads nodes concurrently (the API), so that
# the caller can parse it while the others are still in flight.
Arrived = Callable[[RawNode], None]


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


class Source(Protocol):
    """One way to read nodes (napalm's driver, httpx's transport): `fetch` does the I/O and nothing else,
    returning per requested node what was read (`RawNode`, parsed by `parsing.build_node`) or why it could
    not be (`NodeError`), in the order asked. Errors that stop every node (bad options, no talosctl, an
    unreadable talosconfig) are raised."""

    kind: str

    def fetch(self, conn: Connection, progress: Progress | None = None,
              arrived: Arrived | None = None) -> list[RawNode | NodeError]: ...


def open_source(kind: str) -> Source:
    """The source named `kind` (`resolve_source`): the one place a name becomes an implementation."""
    if kind == "capture":
        from talosbond.sources.capture import CaptureSource

        return CaptureSource()
    if kind == "talosctl":
        from talosbond.sources.talosctl import TalosctlSource

        return TalosctlSource()
    if kind == "api":
        from talosbond.sources.api import ApiSource

        return ApiSource()
    raise UsageError(f"unknown source {kind!r}", "choose one of: auto, talosctl, api, capture")


def fetch_nodes(conn: Connection, progress: Progress | None = None,
                arrived: Arrived | None = None) -> list[RawNode | NodeError]:
    """Fetch every requested node from the source the options choose.

    `progress`, if given, is called with each node's name once that node is done (for a progress bar);
    `arrived` (see `Arrived`) with each node read, where the source reads them concurrently."""
    return open_source(resolve_source(conn)).fetch(conn, progress, arrived)
