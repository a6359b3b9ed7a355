"""A stand-in `talosctl` for the apply tests: a real executable the test puts first on PATH.

It keeps fake nodes in `$FAKE_TALOS_DIR/<node>/`:
  persisted.yaml   the config saved on disk        active.yaml   the config running now
  try.json         {"deadline": epoch} while a try-mode apply is pending (rolled back lazily, on the
                   first call after the deadline, as if Talos's timer had fired)
  mode             healthy | api-down | lacp-down | member-missing: how the node breaks once it runs a
                   config with bond0 (api-down: the API stops answering until the rollback)
  links-before.yaml, links-after.yaml, bonding-<mode>.txt, netdev.txt, version.txt,
                   controller-runtime.log (optional: what `logs controller-runtime` prints)
and appends every call it gets to `$FAKE_TALOS_DIR/calls.log` as `<node> <args...>`.
`call()` runs it in-process (the tests' usual way: no process per call); run as a script it is the
executable. Time is `$FAKE_TALOS_DIR/clock` (seconds, written by the test's fake clock) when that file exists, so that
try-mode deadlines pass when the test's clock says so, without anyone sleeping.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

GLOBAL_FLAGS = ("--talosconfig", "-e", "--endpoints", "--context", "-n", "--nodes")


class Failed(Exception):
    """talosctl's error line and exit code 1."""


def fail(message: str) -> None:
    raise Failed(message)


def root() -> Path:
    return Path(os.environ["FAKE_TALOS_DIR"])


def log(node: str, args: list[str]) -> None:
    with open(root() / "calls.log", "a", encoding="utf-8") as handle:
        handle.write(f"{node or '-'} {' '.join(args)}\n")


def merge(base: Any, patch: Any) -> Any:
    """Enough of Talos's strategic merge for the tests: maps merge, `interfaces` merge by name, lists append."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list):
        out_list = list(base)
        for item in patch:
            if isinstance(item, dict) and "interface" in item:
                for index, existing in enumerate(out_list):
                    if isinstance(existing, dict) and existing.get("interface") == item["interface"]:
                        out_list[index] = merge(existing, item)
                        break
                else:
                    out_list.append(item)
            else:
                out_list.append(item)
        return out_list
    return patch


def machineconfig_patch(args: list[str]) -> None:
    from ruamel.yaml import YAML

    current = Path(args[0])
    patches = [args[i + 1] for i, a in enumerate(args) if a in ("--patch", "-p")]
    output = args[args.index("-o") + 1]
    yaml = YAML(typ="safe", pure=True)
    config = yaml.load(current.read_text())
    for patch in patches:
        for doc in yaml.load_all(Path(patch.removeprefix("@")).read_text()):
            config = merge(config, doc)
    yaml.default_flow_style = False
    with open(output, "w", encoding="utf-8") as handle:
        yaml.dump(config, handle)


def now() -> float:
    clock = root() / "clock"
    return float(clock.read_text()) if clock.exists() else time.time()


def rollback_if_due(state: Path) -> None:
    pending = state / "try.json"
    if pending.exists() and now() >= json.loads(pending.read_text())["deadline"]:
        (state / "active.yaml").write_text((state / "persisted.yaml").read_text())
        pending.unlink()
        log(state.name, ["(rollback)"])


def seconds(duration: str) -> float:
    return float(duration.removesuffix("s"))


def call(argv: list[str]) -> tuple[int, str, str]:
    """One talosctl call: (exit code, stdout, stderr)."""
    printed: list[str] = []
    try:
        main(argv, printed.append)
    except Failed as exc:
        return 1, "".join(printed), f"error: {exc}\n"
    return 0, "".join(printed), ""


def main(argv: list[str], out: Any) -> None:
    node = ""
    args: list[str] = []
    index = 0
    while index < len(argv):
        if argv[index] in GLOBAL_FLAGS:
            if argv[index] in ("-n", "--nodes"):
                node = argv[index + 1]
            index += 2
            continue
        args.append(argv[index])
        index += 1
    log(node, args)
    if args[:2] == ["machineconfig", "patch"]:
        machineconfig_patch(args[2:])
        return
    state = root() / node
    if not node or not state.is_dir():
        fail(f"rpc error: code = Unavailable desc = connection error: dial tcp {node}:50000: no route to host")
    rollback_if_due(state)
    mode = (state / "mode").read_text().strip()
    trying = (state / "try.json").exists()
    active = (state / "active.yaml").read_text()
    if mode == "api-down" and trying:
        fail(f"rpc error: code = Unavailable desc = connection error: dial tcp {node}:50000: connection refused")
    bonded = "bond0" in active
    if args == ["version"]:
        out(f"Client:\n\tTag:         v1.11.3\nServer:\n\tNODE:        {node}\n\tTag:         "
            f"{(state / 'version.txt').read_text().strip()}\n")
    elif args == ["get", "links", "-o", "yaml"]:
        links = (state / ("links-after.yaml" if bonded else "links-before.yaml")).read_text()
        out(links.replace("node: 10.20.30.41", f"node: {node}"))
    elif args == ["read", "/proc/net/dev"]:
        out((state / "netdev.txt").read_text())
    elif args == ["read", "/proc/net/bonding/bond0"]:
        if not bonded:
            fail("rpc error: code = NotFound desc = stat /proc/net/bonding/bond0: no such file or directory")
        out((state / f"bonding-{mode}.txt").read_text())
    elif args == ["logs", "controller-runtime"]:
        if not (state / "controller-runtime.log").is_file():
            fail("rpc error: code = NotFound desc = log not found")
        out((state / "controller-runtime.log").read_text())
    elif args == ["get", "machineconfig", "v1alpha1", "-o", "jsonpath={.spec}"]:
        out(active + "\n")
    elif args == ["read", "/system/state/config.yaml"]:
        out((state / "persisted.yaml").read_text())
    elif args[:1] == ["apply-config"]:
        text = Path(args[args.index("--file") + 1]).read_text()
        if "version: v1alpha1" not in text:
            fail("rpc error: code = InvalidArgument desc = the applied machine configuration doesn't contain v1alpha1")
        how = args[args.index("--mode") + 1]
        if how == "try":
            (state / "active.yaml").write_text(text)
            deadline = now() + seconds(args[args.index("--timeout") + 1])
            (state / "try.json").write_text(json.dumps({"deadline": deadline}))
            if mode == "api-down":  # the network changes under the call
                fail("rpc error: code = Unavailable desc = error reading from server: connection reset by peer")
        elif how == "no-reboot":
            (state / "active.yaml").write_text(text)
            (state / "persisted.yaml").write_text(text)
            (state / "try.json").unlink(missing_ok=True)
        else:
            fail(f"unexpected mode {how}")
        out("Applied configuration without a reboot\n")
    else:
        fail(f"the stand-in does not know `{' '.join(args)}`")


if __name__ == "__main__":
    code, stdout, stderr = call(sys.argv[1:])
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    sys.exit(code)
