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
A node with a `drill.json` is a bond that `talosbond drill` can exercise (see `drill_main`): its links and
/proc/net/bonding are rendered from the config it runs, so a member taken out by a LinkConfig `up: false`
or by narrowed selectors really leaves, and comes back after the rollback.
`call()` runs it in-process (the tests' usual way: no process per call); run as a script it is the
executable. Time is `$FAKE_TALOS_DIR/clock` (seconds, written by the test's fake clock) when that file exists, so that
try-mode deadlines pass when the test's clock says so, without anyone sleeping.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
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
        deadline = json.loads(pending.read_text())["deadline"]
        (state / "active.yaml").write_text((state / "persisted.yaml").read_text())
        pending.unlink()
        log(state.name, ["(rollback)"])
        if (state / "drill.json").exists():
            drill_changed(state, deadline)


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
    if (state / "drill.json").exists() and drill_main(state, node, args, out):
        return
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
        if (state / "drill.json").exists():
            drill_changed(state, now())
        out("Applied configuration without a reboot\n")
    else:
        fail(f"the stand-in does not know `{' '.join(args)}`")


# --- a bond that `talosbond drill` can exercise -------------------------------------------------------

UNAVAILABLE = "rpc error: code = Unavailable desc = connection error: dial tcp {node}:50000: i/o timeout"


def _glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern) if "*" in pattern else pattern == value


def _picks(selector: dict[str, Any], member: dict[str, Any]) -> bool:
    fields = {"permanentAddr": member["perm"], "hardwareAddr": member["perm"], "driver": member["driver"],
              "busPath": member["bus"]}
    given = [key for key in fields if key in selector]
    return bool(given) and all(_glob(str(selector[key]), fields[key]) for key in given)


def members_out(config_text: str, model: dict[str, Any]) -> dict[str, str]:
    """Which members a config takes out, read the simple way: a LinkConfig `up: false` names a member
    (down), or the bond's selectors / interfaces / links no longer name it (gone)."""
    from ruamel.yaml import YAML

    docs = [d for d in YAML(typ="safe", pure=True).load_all(config_text) if isinstance(d, dict)]
    out: dict[str, str] = {}
    aliases = {}
    for doc in docs:
        if doc.get("kind") == "LinkAliasConfig":
            match = re.search(r'permanent_addr\) == "([0-9a-f:]+)"', str(doc["selector"]["match"]))
            if match:
                aliases[doc["name"]] = match.group(1)
    for doc in docs:
        if doc.get("kind") == "LinkConfig" and doc.get("up") is False:
            out[doc["name"]] = "down"
        if doc.get("kind") == "BondConfig" and doc.get("name") == model["bond"]:
            for member in model["members"]:
                named = member["name"] in doc["links"] or any(aliases.get(x) == member["perm"] for x in doc["links"])
                if not named:
                    out[member["name"]] = "gone"
        for device in ((doc.get("machine") or {}).get("network") or {}).get("interfaces") or []:
            if device.get("interface") != model["bond"]:
                continue
            selectors = device["bond"].get("deviceSelectors")
            for member in model["members"]:
                picked = (any(_picks(s, member) for s in selectors) if selectors
                          else member["name"] in device["bond"].get("interfaces", []))
                if not picked:
                    out[member["name"]] = "gone"
    return out


def runtime(state: Path) -> dict[str, Any]:
    path = state / "runtime.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    return {"changed_at": 0.0, "prev": {}, "target": {}, "failures": {}, "ever_out": []}


def settled_out(model: dict[str, Any], rt: dict[str, Any], at: float) -> dict[str, str]:
    """What the kernel shows: the previous state until `settle` seconds after a config change."""
    return dict(rt["prev"] if at < rt["changed_at"] + model.get("settle", 1.0) else rt["target"])


def drill_changed(state: Path, at: float) -> None:
    """The node runs another config (a try-mode apply, a commit, a rollback) from `at` on."""
    model = json.loads((state / "drill.json").read_text())
    rt = runtime(state)
    target = members_out((state / "active.yaml").read_text(), model)
    for name in rt["ever_out"]:
        if name in model.get("stuck", []):
            target[name] = "down"  # its link never comes up again
    prev = settled_out(model, rt, at)
    for name in target:
        if name not in prev:
            rt["failures"][name] = rt["failures"].get(name, 0) + 1
    rt.update(changed_at=at, prev=prev, target=target, ever_out=sorted(set(rt["ever_out"]) | set(target)))
    (state / "runtime.json").write_text(json.dumps(rt))


def member_states(state: Path, model: dict[str, Any]) -> dict[str, str]:
    """up | down (admin down) | nocarrier | gone (not enslaved), per member, now."""
    out = settled_out(model, runtime(state), now())
    trying = (state / "try.json").exists()
    states = {}
    for member in model["members"]:
        name = member["name"]
        lost = name in model.get("no_carrier", []) or (trying and name in model.get("carrier_lost_during_try", []))
        states[name] = out.get(name) or ("nocarrier" if lost else "up")
    return states


_LINK_LOOK = {
    "up": ("UP,BROADCAST,RUNNING,SLAVE,MULTICAST,LOWER_UP", "up", "true"),
    "down": ("BROADCAST,SLAVE,MULTICAST", "down", "false"),
    "nocarrier": ("UP,BROADCAST,SLAVE,MULTICAST", "down", "false"),
    "gone": ("UP,BROADCAST,RUNNING,MULTICAST,LOWER_UP", "up", "true"),
}


def render_links(state: Path, model: dict[str, Any], states: dict[str, str], node: str) -> str:
    text = re.sub(r"^node: .*$", f"node: {node}", (state / "links.yaml").read_text(), flags=re.M)
    docs = text.split("\n---\n")
    by_name = {m["name"]: m for m in model["members"]}
    for index, doc in enumerate(docs):
        name = re.search(r"^    id: (\S+)$", doc, re.M)
        if name is None or name.group(1) not in states:
            continue
        look = states[name.group(1)]
        flags, oper, carrier = _LINK_LOOK[look]
        doc = re.sub(r"^    flags: .*$", f"    flags: {flags}", doc, flags=re.M)
        doc = re.sub(r"^    operationalState: .*$", f"    operationalState: {oper}", doc, flags=re.M)
        doc = re.sub(r"^    linkState: .*$", f"    linkState: {carrier}", doc, flags=re.M)
        if look == "gone":
            doc = re.sub(r"^    masterIndex: \d+\n", "", doc, flags=re.M)
            doc = re.sub(r"^    slaveKind: bond$", '    slaveKind: ""', doc, flags=re.M)
            doc = re.sub(r"^    hardwareAddr: .*$", f"    hardwareAddr: {by_name[name.group(1)]['perm']}", doc,
                         flags=re.M)
        docs[index] = doc
    return "\n---\n".join(docs)


def _lacp_block(member: dict[str, Any], model: dict[str, Any], up: bool, port: int) -> str:
    partner = model["partner"] if up else "00:00:00:00:00:00"
    return (f"Aggregator ID: {1 if up else 2}\nActor Churn State: none\nPartner Churn State: none\n"
            "Actor Churned Count: 0\nPartner Churned Count: 0\ndetails actor lacp pdu:\n    system priority: 65535\n"
            f"    system mac address: {model['members'][0]['perm']}\n    port key: 21\n    port priority: 255\n"
            f"    port number: {port}\n    port state: {63 if up else 69}\ndetails partner lacp pdu:\n"
            f"    system priority: {32768 if up else 65535}\n    system mac address: {partner}\n"
            f"    oper key: {13 if up else 1}\n    port priority: {32768 if up else 255}\n"
            f"    port number: {16 + port if up else 1}\n    port state: {61 if up else 1}\n")


def render_bonding(model: dict[str, Any], states: dict[str, str], failures: dict[str, int]) -> str:
    lacp = model["mode"] == "802.3ad"
    enslaved = [m for m in model["members"] if states[m["name"]] != "gone"]
    up = [m["name"] for m in enslaved if states[m["name"]] == "up"]
    head = "Ethernet Channel Bonding Driver: v6.12.52-talos\n\n"
    if lacp:
        head += "Bonding Mode: IEEE 802.3ad Dynamic link aggregation\nTransmit Hash Policy: layer3+4 (1)\n"
    else:
        primary = model.get("primary")
        active = primary if primary in up else (up[0] if up else "None")
        head += "Bonding Mode: fault-tolerance (active-backup)\n"
        head += (f"Primary Slave: {primary} (primary_reselect always)\n" if primary else "Primary Slave: None\n")
        head += f"Currently Active Slave: {active}\n"
    delay = 200 if lacp else 0
    head += (f"MII Status: {'up' if up else 'down'}\nMII Polling Interval (ms): 100\nUp Delay (ms): {delay}\n"
             f"Down Delay (ms): {delay}\nPeer Notification Delay (ms): 0\n")
    if lacp:
        head += ("\n802.3ad info\nLACP active: on\nLACP rate: fast\nMin links: 0\n"
                 "Aggregator selection policy (ad_select): stable\nSystem priority: 65535\n"
                 f"System MAC address: {model['members'][0]['perm']}\n")
        head += (f"Active Aggregator Info:\n\tAggregator ID: 1\n\tNumber of ports: {len(up)}\n\tActor Key: 21\n"
                 f"\tPartner Key: 13\n\tPartner Mac Address: {model['partner']}\n" if up
                 else "bond bond0 has no active aggregator\n")
    for port, member in enumerate(enslaved, 1):
        ok = member["name"] in up
        head += (f"\nSlave Interface: {member['name']}\nMII Status: {'up' if ok else 'down'}\n"
                 f"Speed: {member['speed'] if ok else 'Unknown'}{' Mbps' if ok else ''}\n"
                 f"Duplex: {'full' if ok else 'Unknown'}\n"
                 f"Link Failure Count: {failures.get(member['name'], 0)}\nPermanent HW addr: {member['perm']}\n"
                 "Slave queue ID: 0\n")
        if lacp:
            head += _lacp_block(member, model, ok, port)
    return head


def drill_main(state: Path, node: str, args: list[str], out: Any) -> bool:
    """Answer a call for a drill node; False for apply-config, which the common code runs."""
    model = json.loads((state / "drill.json").read_text())
    states = member_states(state, model)
    if "up" not in states.values():  # no member carries traffic: the node is off the network
        fail(UNAVAILABLE.format(node=node))
    if args[:1] == ["apply-config"]:
        return False
    if args == ["get", "links", "-o", "yaml"]:
        out(render_links(state, model, states, node))
    elif args == ["read", f"/proc/net/bonding/{model['bond']}"]:
        out(render_bonding(model, states, runtime(state)["failures"]))
    elif args[:1] == ["get"] and args[1] in ("addresses", "routes") and (state / f"{args[1]}.yaml").exists():
        out(re.sub(r"^node: .*$", f"node: {node}", (state / f"{args[1]}.yaml").read_text(), flags=re.M))
    elif args[:1] == ["get"] and args[1] in ("addresses", "routes"):
        fail(f"the stand-in has no {args[1]}")
    else:
        return False
    return True


def probe_answers(state: Path, address: str) -> bool:
    """A `--probe-address` as seen from the tests: it answers while the node is on the network, unless the
    scenario takes it down while a try-mode config is pending."""
    model = json.loads((state / "drill.json").read_text())
    if (state / "try.json").exists() and address in model.get("probe_down_during_try", []):
        return False
    return "up" in member_states(state, model).values()


if __name__ == "__main__":
    code, stdout, stderr = call(sys.argv[1:])
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    sys.exit(code)
