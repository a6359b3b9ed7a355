"""The `talosctl` source: runs talosctl as a subprocess, one node at a time, several nodes in parallel."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from talosbond.errors import SourceError
from talosbond.model import NodeError, RawNode
from talosbond.sources import Connection

_BOND_ID = re.compile(r"^    id: (\S+)$")
MAX_PARALLEL = 8


def base_command(conn: Connection, node: str) -> list[str]:
    """`talosctl [--talosconfig F] [-e E] [--context C] -n NODE`, as DESIGN.md spells it."""
    cmd = [os.environ.get("TALOSBOND_TALOSCTL", "talosctl")]
    if conn.talosconfig:
        cmd += ["--talosconfig", conn.talosconfig]
    if conn.endpoints:
        cmd += ["-e", ",".join(conn.endpoints)]
    if conn.context:
        cmd += ["--context", conn.context]
    return [*cmd, "-n", node]


def run_talosctl(conn: Connection, node: str, args: list[str], *, insecure_ok: bool = True) -> str:
    """Run one talosctl command for one node; every failure becomes a `SourceError` naming the node."""
    cmd = base_command(conn, node) + args
    if conn.insecure and insecure_ok:
        cmd.append("--insecure")
    shown = " ".join(["talosctl", *cmd[cmd.index("-n"):]])
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=conn.timeout, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise SourceError(
            "talosctl not found on PATH", "install talosctl, or read a capture with --from DIR", node=node
        ) from None
    except subprocess.TimeoutExpired:
        raise SourceError(f"`{shown}` did not answer within {conn.timeout:g}s", node=node) from None
    except OSError as exc:
        raise SourceError(f"cannot run talosctl: {exc.strerror or exc}", node=node) from None
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {proc.returncode}"
        raise SourceError(f"`{shown}` failed: {detail}", node=node)
    return proc.stdout


def _optional(conn: Connection, node: str, args: list[str]) -> str | None:
    try:
        return run_talosctl(conn, node, args)
    except SourceError:
        return None


def fetch_node(conn: Connection, node: str) -> RawNode:
    """Everything talosbond reads from one node."""
    links = run_talosctl(conn, node, ["get", "links", "-o", "yaml"])
    origins = {"links": f"{node}: talosctl get links"}
    netdev = None
    if not conn.insecure:  # maintenance mode only grants os:reader, and Read needs os:admin
        try:
            netdev = run_talosctl(conn, node, ["read", "/proc/net/dev"], insecure_ok=False)
            origins["netdev"] = f"{node}: /proc/net/dev"
        except SourceError as exc:
            if "PermissionDenied" not in exc.message:
                raise
            # an os:reader certificate lists links but cannot Read: rank without traffic counters
    version = _optional(conn, node, ["version"]) or ""
    addresses = _optional(conn, node, ["get", "addresses", "-o", "yaml"])
    routes = _optional(conn, node, ["get", "routes", "-o", "yaml"])
    bonding: dict[str, str] = {}
    if conn.want_bonding and not conn.insecure:
        for bond in bond_names(links):
            bonding[bond] = run_talosctl(conn, node, ["read", f"/proc/net/bonding/{bond}"], insecure_ok=False)
            origins[f"bonding/{bond}"] = f"{node}: /proc/net/bonding/{bond}"
    origins.update({"addresses": f"{node}: talosctl get addresses", "routes": f"{node}: talosctl get routes",
                    "version": f"{node}: talosctl version"})
    log = None
    if conn.want_log and not conn.insecure:  # maintenance mode serves no logs
        log = _optional(conn, node, ["logs", "controller-runtime"])
        origins["controller_log"] = f"{node}: talosctl logs controller-runtime"
    return RawNode(
        node=node, links=links, netdev=netdev, version=version, addresses=addresses, routes=routes,
        bonding=bonding, origins=origins, via="talosctl", controller_log=log,
    )


def bond_names(links_yaml: str) -> list[str]:
    """Names of bond links in `get links -o yaml` text, without a full parse (for the reads that follow)."""
    names = []
    current = ""
    for line in links_yaml.splitlines():
        match = _BOND_ID.match(line)
        if match:
            current = match.group(1)
        elif line.strip() == "kind: bond" and current:
            names.append(current)
    return names


def fetch_talosctl(conn: Connection, progress: Callable[[str], None] | None = None) -> list[RawNode | NodeError]:
    """Fetch every node; a failing node becomes a `NodeError`, the others still come back. `progress` is
    called with each node's name when it is done."""
    def one(node: str) -> RawNode | NodeError:
        try:
            return fetch_node(conn, node)
        except SourceError as exc:
            if "not found on PATH" in exc.message:
                raise
            return NodeError(node, exc.message.removeprefix(f"{node}: "), exc.hint)
        finally:
            if progress is not None:
                progress(node)

    with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL, len(conn.nodes)))) as pool:
        return list(pool.map(one, conn.nodes))
