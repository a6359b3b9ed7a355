"""A bond or VLAN link name the kernel refuses: over 15 bytes, or containing '/', ':' or white space.

Multi-document bond and VLAN names are used verbatim and Talos does not check their length. Legacy VLAN
names are `<parent>.<id>`; Talos 1.6+ shortens long parents, older releases do not.

Failing:
    kind: VLANConfig
    name: bond-uplink0.1087
Passing:
    kind: VLANConfig
    name: bond0.1087
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem
from talosbond.simulate import legacy_vlan_name

CODE = "TB009"
NAME = "link-name-length"
LEVEL = "error"


def _bad(name: str) -> str:
    if len(name.encode()) > 15:
        return f"{len(name.encode())} bytes, over the kernel's 15"
    if any(c in name for c in "/: \t"):
        return "contains '/', ':' or white space"
    return ""


def check(ctx: LintContext) -> Iterator[Problem]:
    for bond in ctx.view.legacy_bonds:
        if why := _bad(bond.name):
            yield ctx.problem(f"bond name {bond.name!r}: {why}", path=bond.path)
        for i, vlan in enumerate(bond.device.get("vlans") or []):
            vid = vlan.get("vlanId") if isinstance(vlan, dict) else None
            if isinstance(vid, int):
                name = legacy_vlan_name(bond.name, vid, ctx.effective_version)
                if why := _bad(name):
                    yield ctx.problem(f"VLAN link {name!r}: {why}", path=f"{bond.path}.vlans[{i}]")
    for path, doc in ctx.view.kinds:
        named = doc.get("kind") in ("BondConfig", "VLANConfig") and isinstance(doc.get("name"), str)
        if named and (why := _bad(doc["name"])):
            yield ctx.problem(f"{doc['kind']} name {doc['name']!r}: {why}", path=path)
