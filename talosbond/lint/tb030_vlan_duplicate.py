"""Two VLANs with the same id on the same parent.

The kernel allows one VLAN link per id and parent: the second is refused ("file exists"), and Talos
retries it forever. Legacy `vlans` entries with one `vlanId` on one interface, or two `VLANConfig`
documents with one `parent` and `vlanID`, are accepted by Talos's validation. One of them is usually a
copy from a re-applied patch or a typo in the id.

Failing:
    apiVersion: v1alpha1
    kind: VLANConfig
    name: bond0.87
    vlanID: 87
    parent: bond0
    ---
    apiVersion: v1alpha1
    kind: VLANConfig
    name: storage
    vlanID: 87
    parent: bond0
Passing:
    apiVersion: v1alpha1
    kind: VLANConfig
    name: bond0.87
    vlanID: 87
    parent: bond0
    ---
    apiVersion: v1alpha1
    kind: VLANConfig
    name: bond0.88
    vlanID: 88
    parent: bond0
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_list
from talosbond.model import Problem

CODE = "TB030"
NAME = "vlan-duplicate"
LEVEL = "error"

_WHY = "the kernel has one VLAN link per id and parent, so the second is refused and Talos retries forever"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, device in ctx.view.legacy_devices:
        seen: set[object] = set()
        for i, vlan in enumerate(as_list(device.get("vlans"))):
            vid = vlan.get("vlanId") if isinstance(vlan, dict) else None
            if vid is not None and vid in seen:
                yield ctx.problem(f"interface {device.get('interface')}: VLAN {vid} is defined twice: {_WHY}",
                                  path=f"{path}.vlans[{i}]")
            seen.add(vid)
    owners: dict[tuple[str, object], str] = {}
    for path, doc in ctx.view.of_kind("VLANConfig"):
        key = (str(doc.get("parent")), doc.get("vlanID"))
        if doc.get("vlanID") is None:
            continue
        if key in owners:
            yield ctx.problem(f"VLANConfig {doc.get('name')}: VLAN {key[1]} on {key[0]} is also {owners[key]}: "
                              f"{_WHY}", path=path)
        else:
            owners[key] = str(doc.get("name"))
