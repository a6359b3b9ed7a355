"""A `machine.network.interfaces` item whose sections Talos's validation refuses together.

Talos rejects the whole config (`validate`, `apply`, `patch mc`) when an item has both `bond` and
`bridge` ("interface has both bridge and bond sections set"), both `interface` and `deviceSelector` or
neither ("mutually exclusive" / "required either config section to be set"), or both the deprecated
`cidr` and `addresses` (on the item or on one of its VLANs): one link cannot be two kinds of device, and
Talos would not know which address wins.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            deviceSelector: {driver: mlx5_core}
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_list
from talosbond.model import Problem

CODE = "TB018"
NAME = "device-sections"
LEVEL = "error"

_REFUSED = "Talos refuses the whole config"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, device in ctx.view.legacy_devices:
        name = device.get("interface") or "(by selector)"
        if device.get("bond") is not None and device.get("bridge") is not None:
            yield ctx.problem(f"interface {name} has both bond and bridge: one link cannot be both; {_REFUSED}",
                              path=path)
        named, selected = bool(device.get("interface")), device.get("deviceSelector") is not None
        if named and selected:
            yield ctx.problem(f"interface {name} has both interface and deviceSelector, which are mutually "
                              f"exclusive (use one to pick the link); {_REFUSED}", path=path)
        elif not named and not selected:
            yield ctx.problem(f"an interfaces item needs interface or deviceSelector to say which link it "
                              f"configures; {_REFUSED}", path=path)
        if device.get("cidr") and as_list(device.get("addresses")):
            yield ctx.problem(f"interface {name} has both cidr and addresses; {_REFUSED}", path=path)
        for i, vlan in enumerate(as_list(device.get("vlans"))):
            if isinstance(vlan, dict) and vlan.get("cidr") and as_list(vlan.get("addresses")):
                yield ctx.problem(f"VLAN {name}.{vlan.get('vlanId')} has both cidr and addresses; {_REFUSED}",
                                  path=f"{path}.vlans[{i}]")
