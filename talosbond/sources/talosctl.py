"""The `talosctl` source: runs talosctl, one node at a time, several nodes in parallel.

Every talosctl call goes through a `Runner` (`run_command` by default), the one place a program is started
and its failures are worded; tests pass a runner that answers from fixture folders instead.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from talosbond.errors import SourceError, ToolMissing, UsageError
from talosbond.model import NodeError, RawNode
from talosbond.parsing.links import bond_names
from talosbond.sources import Arrived, Connection, Progress

_NOT_FOUND = re.compile(r"\bNotFound\b")  # the gRPC status talosctl prints for a file the node does not have
MAX_PARALLEL = 8
_NODE_HINT = "check the node's name or address, and that it answers: `talosctl -n {node} version`"


@dataclass(frozen=True)
class Completed:
    """What a finished program left: its exit code and output."""

    returncode: int
    stdout: str
    stderr: str


# (command, timeout in seconds) -> the finished program; raises FileNotFoundError, TimeoutError or OSError.
Runner = Callable[[Sequence[str], float], Completed]


def subprocess_runner(cmd: Sequence[str], timeout: float) -> Completed:
    """Run a program without a terminal or input."""
    try:
        proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise TimeoutError from None
    return Completed(proc.returncode, proc.stdout, proc.stderr)


def run_command(cmd: Sequence[str], shown: str, timeout: float, *, node: str = "", missing_hint: str = "",
                runner: Runner = subprocess_runner) -> str:
    """Run talosctl (`cmd`) and return its output; each failure is a `SourceError` naming `shown` (and the
    node), a missing talosctl a `ToolMissing`."""
    try:
        proc = runner(cmd, timeout)
    except FileNotFoundError:
        raise ToolMissing("talosctl not found on PATH",
                          missing_hint or "install talosctl, or read a capture with --from DIR", node=node) from None
    except TimeoutError:
        raise SourceError(f"`{shown}` did not answer within {timeout:g}s", node=node) from None
    except OSError as exc:
        raise SourceError(f"cannot run talosctl: {exc.strerror or exc}", node=node) from None
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        error = NotFound if _NOT_FOUND.search(proc.stderr) else SourceError
        raise error(f"`{shown}` failed: {lines[-1] if lines else f'exit code {proc.returncode}'}", node=node)
    return proc.stdout


class NotFound(SourceError):
    """The node answered that it has no such file or resource."""


def talosctl_binary() -> str:
    return os.environ.get("TALOSBOND_TALOSCTL", "talosctl")


def base_command(conn: Connection, node: str) -> list[str]:
    """`talosctl [--talosconfig F] [-e E] [--context C] -n NODE`, as DESIGN.md spells it."""
    cmd = [talosctl_binary()]
    if conn.talosconfig:
        cmd += ["--talosconfig", conn.talosconfig]
    if conn.endpoints:
        cmd += ["-e", ",".join(conn.endpoints)]
    if conn.context:
        cmd += ["--context", conn.context]
    return [*cmd, "-n", node]


def run_talosctl(conn: Connection, node: str, args: list[str], *, insecure_ok: bool = True,
                 runner: Runner = subprocess_runner) -> str:
    """Run one talosctl command for one node; every failure becomes a `SourceError` naming the node."""
    cmd = base_command(conn, node) + args
    if conn.insecure and insecure_ok:
        cmd.append("--insecure")
    shown = " ".join(["talosctl", *cmd[cmd.index("-n"):]])
    return run_command(cmd, shown, conn.timeout, node=node, runner=runner)


def _optional(conn: Connection, node: str, args: list[str], runner: Runner) -> str | None:
    try:
        return run_talosctl(conn, node, args, runner=runner)
    except ToolMissing:
        raise
    except SourceError:
        return None


def fetch_node(conn: Connection, node: str, runner: Runner = subprocess_runner) -> RawNode:
    """Everything talosbond reads from one node."""
    links = run_talosctl(conn, node, ["get", "links", "-o", "yaml"], runner=runner)
    origins = {"links": f"{node}: talosctl get links"}
    netdev = None
    if not conn.insecure:  # maintenance mode only grants os:reader, and Read needs os:admin
        try:
            netdev = run_talosctl(conn, node, ["read", "/proc/net/dev"], insecure_ok=False, runner=runner)
            origins["netdev"] = f"{node}: /proc/net/dev"
        except SourceError as exc:
            if "PermissionDenied" not in exc.message:
                raise
            # an os:reader certificate lists links but cannot Read: rank without traffic counters
    version = _optional(conn, node, ["version"], runner) or ""
    addresses = _optional(conn, node, ["get", "addresses", "-o", "yaml"], runner)
    routes = _optional(conn, node, ["get", "routes", "-o", "yaml"], runner)
    bonding: dict[str, str] = {}
    if conn.want_bonding and not conn.insecure:
        for bond in bond_names(links):
            try:
                bonding[bond] = run_talosctl(conn, node, ["read", f"/proc/net/bonding/{bond}"], insecure_ok=False,
                                             runner=runner)
            except NotFound:
                continue  # as the API and capture sources: a bond without its file is reported by verify
            origins[f"bonding/{bond}"] = f"{node}: /proc/net/bonding/{bond}"
    origins.update({"addresses": f"{node}: talosctl get addresses", "routes": f"{node}: talosctl get routes",
                    "version": f"{node}: talosctl version"})
    log = None
    if conn.want_log and not conn.insecure:  # maintenance mode serves no logs
        log = _optional(conn, node, ["logs", "controller-runtime"], runner)
        origins["controller_log"] = f"{node}: talosctl logs controller-runtime"
    return RawNode(
        node=node, links=links, netdev=netdev, version=version, addresses=addresses, routes=routes,
        bonding=bonding, origins=origins, via="talosctl", controller_log=log,
    )


class TalosctlSource:
    """Nodes read by running talosctl (`runner` starts it; tests pass one that answers from fixtures)."""

    kind = "talosctl"

    def __init__(self, runner: Runner = subprocess_runner) -> None:
        self.runner = runner

    def fetch(self, conn: Connection, progress: Progress | None = None,
              arrived: Arrived | None = None) -> list[RawNode | NodeError]:
        """Every node (the talosconfig context's without -n); a failing node becomes a `NodeError`, the
        others still come back. A missing talosctl stops the whole read (`ToolMissing`)."""
        if not conn.nodes:
            conn = replace(conn, nodes=_context_nodes(conn))
            if not conn.nodes:
                raise UsageError("no nodes given", "pass -n NODE (or --from DIR for a capture)")

        def one(node: str) -> RawNode | NodeError:
            try:
                return fetch_node(conn, node, self.runner)
            except ToolMissing:
                raise
            except SourceError as exc:
                return NodeError(node, exc.reason, exc.hint or _NODE_HINT.format(node=node))
            finally:
                if progress is not None:
                    progress(node)

        with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL, len(conn.nodes)))) as pool:
            return list(pool.map(one, conn.nodes))


def _context_nodes(conn: Connection) -> tuple[str, ...]:
    """The talosconfig context's nodes (what talosctl uses without -n); () when there are none to read."""
    from talosbond.errors import TalosbondError
    from talosbond.sources.talosconfig import load_context

    try:
        return load_context(conn.talosconfig, conn.context).nodes
    except TalosbondError:
        return ()
