"""Capture directories: the offline source (DESIGN.md "Capture directory") and `discover --save`."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from talosbond.errors import SourceError, UsageError
from talosbond.model import NodeError, RawNode
from talosbond.sources import Arrived, Connection, Progress

LINKS = "links.yaml"
_OPTIONAL = {
    "netdev": "netdev.txt",
    "addresses": "addresses.yaml",
    "routes": "routes.yaml",
    "machineconfig": "machineconfig.yaml",
    "controller_log": "logs/controller-runtime.log",
}
LATER = ".later"  # bonding/bond0.later.txt: the second read of bonding/bond0.txt
_NODE_LINE = re.compile(r'^node:[ \t]*"?([^"\s]*)"?[ \t]*$', re.MULTILINE)
_JSON_NODE = re.compile(r'"node":\s*"([^"]*)"')


def _read(path: Path) -> str:
    try:
        # utf-8-sig: an editor's byte-order mark is not part of the first key (it made `node:` unreadable)
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None


def _node_name(links_text: str, folder: Path) -> str:
    match = _NODE_LINE.search(links_text) or _JSON_NODE.search(links_text)
    return match.group(1) if match and match.group(1) else folder.name


def read_node_dir(folder: Path, want_config: bool = True, want_log: bool = True) -> RawNode:
    """One node's capture folder -> `RawNode`; raises `SourceError` for unreadable files. Without
    `want_config` (`want_log`) the machine config (the controller-runtime log) is left unread: `discover`
    needs neither."""
    links_path = folder / LINKS
    links = _read(links_path)
    texts: dict[str, str | None] = {}
    origins = {"links": str(links_path)}
    for key, filename in _OPTIONAL.items():
        path = folder / filename
        wanted = (want_config or key != "machineconfig") and (want_log or key != "controller_log")
        texts[key] = _read(path) if wanted and path.is_file() else None
        origins[key] = str(path)
    version_path = folder / "version.txt"
    version = _read(version_path).strip() if version_path.is_file() else ""
    origins["version"] = str(version_path)
    bonding: dict[str, str] = {}
    later: dict[str, str] = {}
    bond_dir = folder / "bonding"
    if bond_dir.is_dir():
        for path in sorted(bond_dir.glob("*.txt")):
            origins[f"bonding/{path.stem}"] = str(path)
            if path.stem.endswith(LATER):
                later[path.stem.removesuffix(LATER)] = _read(path)
            else:
                bonding[path.stem] = _read(path)
    return RawNode(
        node=_node_name(links, folder),
        links=links,
        netdev=texts["netdev"],
        version=version,
        addresses=texts["addresses"],
        routes=texts["routes"],
        bonding=bonding,
        machineconfig=texts["machineconfig"],
        origins=origins,
        via="capture",
        bonding_later=later,
        controller_log=texts["controller_log"],
    )


def read_capture(
    directory: str, nodes: tuple[str, ...] = (), want_config: bool = True, want_log: bool = True
) -> list[RawNode | NodeError]:
    """Read a one-node capture or a fleet of node folders; `nodes` picks some by node or folder name."""
    root = Path(directory)
    if root.is_file():
        raise SourceError(f"{directory}: a file; --from takes the capture folder that holds it",
                          f"--from {root.parent}")
    if not root.is_dir():
        raise SourceError(
            f"{directory}: no such capture directory", "--from takes a folder written by `discover --save`"
        )
    if (root / LINKS).is_file():
        folders = [root]
    else:
        folders = sorted(p for p in root.iterdir() if (p / LINKS).is_file())
        if not folders:
            raise SourceError(
                f"{directory}: not a capture: no {LINKS} in it or in its subfolders",
                "a capture holds links.yaml (talosctl get links -o yaml) and netdev.txt per node",
            )
    results: list[RawNode | NodeError] = []
    by_name: dict[str, RawNode | NodeError] = {}
    claimed: dict[str, str] = {}  # node name -> the folder that holds it
    for folder in folders:
        result: RawNode | NodeError
        try:
            result = read_node_dir(folder, want_config, want_log)
        except SourceError as exc:
            result = NodeError(folder.name, exc.reason, exc.hint)
        if isinstance(result, RawNode) and result.node in claimed:
            result = NodeError(folder.name, f"holds node {result.node}, as {claimed[result.node]} does",
                               "one folder per node: remove or rename the stale copy")
        elif isinstance(result, RawNode):
            claimed[result.node] = folder.name
        results.append(result)
        by_name.setdefault(result.node, result)
        by_name.setdefault(folder.name, result)
    if not nodes:
        return results
    # In the order asked, as the live sources answer; each node once, however it was named.
    picked: list[RawNode | NodeError] = []
    for node in nodes:
        found = by_name.get(node) or NodeError(node, f"not in capture {directory}",
                                               "check the node name or folder name")
        if not any(found is seen for seen in picked):
            picked.append(found)
    return picked


class CaptureSource:
    """Nodes read from a capture directory (`--from DIR`)."""

    kind = "capture"

    def fetch(self, conn: Connection, progress: Progress | None = None,
              arrived: Arrived | None = None) -> list[RawNode | NodeError]:
        if conn.from_dir is None:
            raise UsageError("--source capture needs --from DIR")
        return read_capture(conn.from_dir, conn.nodes, conn.want_config, conn.want_log)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, text: str, private: bool = False, make_parents: bool = True) -> None:
    """Replace `path` in one step. The file gets the mode any new file would (umask), unless `private`
    (0600: it may hold a machine config's secrets)."""
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if not private:
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str, text: str, make_folder: bool = False) -> None:
    """Write a file so that readers see the old content or the new one, never half of it. Its folder must
    exist unless `make_folder` (a folder talosbond owns): a typo in a user's path should not create a tree."""
    if make_folder:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"cannot create {Path(path).parent}: {exc.strerror or exc}") from None
    if not Path(path).parent.is_dir():
        raise SourceError(f"cannot write {path}: no folder {Path(path).parent}", "create it first, or fix the path")
    try:
        _atomic_write(Path(path), text, make_parents=False)
    except OSError as exc:
        raise SourceError(f"cannot write {path}: {exc.strerror or exc}") from None


def _safe_folder(node: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", node) or "node"


def _as_text(raw: RawNode) -> RawNode:
    """The API's resources rendered as talosctl prints them: a capture holds only text."""
    if not raw.resources:
        return raw
    from talosbond.parsing.protobuf import yaml_stream

    texts = {key: yaml_stream(raw.node, resources) for key, resources in raw.resources.items()}
    return replace(raw, links=texts.get("links", raw.links), addresses=texts.get("addresses", raw.addresses),
                   routes=texts.get("routes", raw.routes), resources={})


def write_capture(directory: str, raws: list[RawNode]) -> list[Path]:
    """Write a capture: the node's files in DIR for one node, DIR/<node>/ per node for several."""
    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise SourceError(f"--save {directory}: already exists and is not an empty folder; nothing was written",
                          "save to a new folder (--save never overwrites a capture)")
    written: list[Path] = []
    for raw in map(_as_text, raws):
        folder = root if len(raws) == 1 else root / _safe_folder(raw.node)
        files: dict[str, str | None] = {LINKS: raw.links, "version.txt": raw.version + "\n" if raw.version else None}
        for key, name in _OPTIONAL.items():
            files[name] = getattr(raw, key)
        for bond, text in raw.bonding.items():
            files[f"bonding/{bond}.txt"] = text
        for bond, text in raw.bonding_later.items():
            files[f"bonding/{bond}{LATER}.txt"] = text
        try:
            for name, content in files.items():
                if content is not None:
                    _atomic_write(folder / name, content, private=name == "machineconfig.yaml")
                    written.append(folder / name)
        except OSError as exc:
            raise SourceError(f"cannot write capture {folder}: {exc.strerror or exc}") from None
    return written
