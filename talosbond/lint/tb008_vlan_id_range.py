"""A VLAN id outside 1-4094.

802.1Q ids 0 and 4095 are reserved and the field has 12 bits; the kernel refuses anything else, and
legacy Talos configs are not checked for it before apply.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
            vlans: [{vlanId: 5000}]
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: active-backup, miimon: 100}
            vlans: [{vlanId: 87}]
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB008"
NAME = "vlan-id-range"
LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, device in ctx.view.legacy_devices:
        for i, vlan in enumerate(device.get("vlans") or []):
            vid = vlan.get("vlanId") if isinstance(vlan, dict) else None
            if not isinstance(vid, int) or isinstance(vid, bool) or not 1 <= vid <= 4094:
                yield ctx.problem(f"VLAN id {vid!r} is outside 1-4094", path=f"{path}.vlans[{i}]")
    for path, doc in ctx.view.of_kind("VLANConfig"):
        vid = doc.get("vlanID")
        if not isinstance(vid, int) or isinstance(vid, bool) or not 1 <= vid <= 4094:
            yield ctx.problem(f"{doc.get('name')}: vlanID {vid!r} is outside 1-4094", path=path)
