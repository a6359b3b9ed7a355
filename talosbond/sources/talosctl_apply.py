"""The talosctl calls behind `talosbond apply` (and the machine-config read `verify` uses).

Every call goes through talosctl itself so that talosbond never re-implements Talos's strategic merge
or its apply semantics (`cmd/talosctl/cmd/talos/apply-config.go`, `cmd/talosctl/cmd/mgmt/machineconfig/
patch.go`, `cmd/talosctl/cmd/talos/patch.go` in the Talos source):

- current config: `talosctl -n NODE get machineconfig v1alpha1 -o jsonpath={.spec}` prints the ACTIVE
  config (what `talosctl patch mc` itself patches; in try mode it is the config under trial); the
  fallback `talosctl -n NODE read /system/state/config.yaml` is the config saved on disk.
- merge: `talosctl machineconfig patch CURRENT --patch @FILE -o MERGED` runs locally, no node involved.
- apply: `talosctl -n NODE apply-config --file MERGED --mode try --timeout T`; any later non-try apply
  cancels the rollback timer on the node, so the commit is the same file with `--mode no-reboot`.

Machine configs hold the cluster's secrets: they are kept in a private temporary folder (mode 0700,
files 0600) that `close()` removes, and are never printed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from talosbond.errors import SourceError, UsageError
from talosbond.model import Node, RawNode
from talosbond.parsing import build_node
from talosbond.sources import Connection
from talosbond.sources.talosctl import Runner, run_command, run_talosctl, subprocess_runner, talosctl_binary

ACTIVE_CONFIG_ARGS = ("get", "machineconfig", "v1alpha1", "-o", "jsonpath={.spec}")
PERSISTED_CONFIG = "/system/state/config.yaml"
PROBE_TIMEOUT = 10.0  # one probe call; the try-mode timer keeps running meanwhile


def go_duration(seconds: float) -> str:
    """Seconds -> a Go duration talosctl parses (`120s`, `1.5s`)."""
    return f"{seconds:g}s"


def read_machineconfig(conn: Connection, node: str, runner: Runner = subprocess_runner) -> tuple[str, str]:
    """The node's machine config and where it came from: `active` (get machineconfig) or `persisted`
    (the file on disk, when the resource cannot be read)."""
    try:
        text = run_talosctl(conn, node, list(ACTIVE_CONFIG_ARGS), insecure_ok=False, runner=runner)
        how = "active"
    except SourceError as first:
        try:
            text = run_talosctl(conn, node, ["read", PERSISTED_CONFIG], insecure_ok=False, runner=runner)
            how = "persisted"
        except SourceError:
            raise first from None
    if not text.strip():
        raise SourceError("the machine config read back empty", node=node)
    return text, how


def config_to_compare(conn: Connection, node: str, via: str) -> tuple[str, str] | str:
    """The live config `verify` compares a node's bonds with when no --against is given and the source
    did not bring one: (text, where from) from the node (talosctl source), or a note saying why there is
    none."""
    if via != "talosctl" or conn.insecure:
        return f"{node}: no machine config to compare with (pass --against FILE)"
    try:
        text, _ = read_machineconfig(conn, node)
    except SourceError as exc:
        return (f"{node}: its machine config could not be read ({exc.message}); members and settings are not "
                "compared with a config")
    return text, f"{node} machine config"


def check_probe_address(address: str) -> None:
    """Refuse, before anything changes, a probe this machine cannot run."""
    host, port = split_probe_address(address)
    if port is None and shutil.which("ping") is None:
        raise UsageError(f"--probe-address {address}: `ping` is not installed here",
                         "give HOST:PORT to probe a TCP port instead")
    if not host:
        raise UsageError(f"--probe-address {address!r}: no host", "give an IP, a host name, or HOST:PORT")


def split_probe_address(address: str) -> tuple[str, int | None]:
    """`10.0.0.9` -> ping; `10.0.0.9:6443` or `[fd00::9]:6443` -> TCP connect."""
    text = address.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        return text, None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--probe-address {address}: {port!r} is not a port number")
    return host, int(port)


class TalosctlOps:
    """`apply`'s seam to the outside world: one object per run, owning the private temporary folder."""

    def __init__(self, conn: Connection, runner: Runner = subprocess_runner) -> None:
        self.conn = conn
        self.runner = runner
        self.quick = replace(conn, timeout=min(conn.timeout, PROBE_TIMEOUT))
        self._dir = Path(tempfile.mkdtemp(prefix="talosbond-apply-"))
        os.chmod(self._dir, 0o700)

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)

    def folder(self, node: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in node) or "node"
        path = self._dir / safe
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def save(self, node: str, name: str, text: str) -> Path:
        """Write a config into the node's private folder (mode 0600) and return its path."""
        path = self.folder(node) / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def read_config(self, node: str) -> tuple[str, str]:
        return read_machineconfig(self.conn, node, self.runner)

    def saved_config(self, node: str) -> str:
        """The config saved on the node's disk: what a reboot (or the end of a try-mode apply) brings back."""
        return run_talosctl(self.conn, node, ["read", PERSISTED_CONFIG], insecure_ok=False)

    def merge(self, node: str, current: str, patch: Path) -> tuple[str, Path]:
        """Talos's own merge of the patch into the node's current config; returns the text and its file."""
        current_path = self.save(node, "current.yaml", current)
        merged_path = self.folder(node) / "merged.yaml"
        cmd = [talosctl_binary(), "machineconfig", "patch", str(current_path), "--patch", f"@{patch.resolve()}",
               "-o", str(merged_path)]
        run_command(cmd, f"talosctl machineconfig patch CURRENT --patch @{patch}", self.conn.timeout,
                    missing_hint="talosbond apply runs talosctl; install it", runner=self.runner)
        try:
            os.chmod(merged_path, 0o600)
            return merged_path.read_text(encoding="utf-8"), merged_path
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"talosctl machineconfig patch wrote no readable config: {exc}", node=node) from None

    def apply(self, node: str, path: Path, mode: str, try_timeout: float | None = None) -> str:
        args = ["apply-config", "--file", str(path), "--mode", mode]
        if try_timeout is not None:
            args += ["--timeout", go_duration(try_timeout)]
        return run_talosctl(self.conn, node, args, insecure_ok=False, runner=self.runner)

    def api_error(self, node: str) -> str | None:
        """None when the node's Talos API answers `version`, else why not."""
        try:
            run_talosctl(self.quick, node, ["version"], insecure_ok=False, runner=self.runner)
        except SourceError as exc:
            return exc.reason
        return None

    def active_config(self, node: str) -> str:
        return run_talosctl(self.quick, node, list(ACTIVE_CONFIG_ARGS), insecure_ok=False, runner=self.runner)

    def read_state(self, node: str, bonds: Sequence[str]) -> tuple[Node, dict[str, str]]:
        """The node's links and /proc/net/bonding/<bond> for each bond, parsed; per-bond read errors apart.
        Raises `SourceError` when the links cannot be read, `ParseError` when they do not parse."""
        links = run_talosctl(self.quick, node, ["get", "links", "-o", "yaml"], runner=self.runner)
        texts: dict[str, str] = {}
        origins = {"links": f"{node}: talosctl get links"}
        errors: dict[str, str] = {}
        for bond in bonds:
            try:
                texts[bond] = run_talosctl(self.quick, node, ["read", f"/proc/net/bonding/{bond}"], insecure_ok=False,
                                           runner=self.runner)
                origins[f"bonding/{bond}"] = f"{node}: /proc/net/bonding/{bond}"
            except SourceError as exc:
                errors[bond] = exc.reason
        return build_node(RawNode(node, links, bonding=texts, origins=origins, via="talosctl")), errors

    def probe(self, address: str, timeout: float = 3.0) -> str | None:
        """None when the address answers (ping, or a TCP connect for HOST:PORT), else why not."""
        host, port = split_probe_address(address)
        if port is not None:
            try:
                with socket.create_connection((host, port), timeout=timeout):
                    return None
            except OSError as exc:
                return f"TCP {host}:{port}: {exc.strerror or exc}"
        ping = shutil.which("ping")
        if ping is None:
            return "ping is not installed"
        try:
            proc = subprocess.run([ping, "-c", "1", "-W", str(max(1, int(timeout))), host], capture_output=True,
                                  text=True, timeout=timeout + 2, check=False, stdin=subprocess.DEVNULL)
        except (subprocess.TimeoutExpired, OSError) as exc:
            return f"ping {host}: {exc}"
        return None if proc.returncode == 0 else f"ping {host}: no answer"
