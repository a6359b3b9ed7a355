"""A legacy interface address without a prefix length (`10.13.17.19` instead of `10.13.17.19/24`).

Talos accepts it and assigns it as a host address (/32, or /128 for IPv6): no subnet is on-link, so
the node cannot reach its neighbours directly and a gateway in that subnet is unreachable without an
extra route. Write the prefix length the network has. (On a VLAN, such an address is never assigned at
all: TB019.)

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            addresses: [10.13.17.19]
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            addresses: [10.13.17.19/24]
            bond: {mode: active-backup, miimon: 100, interfaces: [eno1, eno2]}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_list, ip_or_cidr
from talosbond.model import Problem

CODE = "TB032"
NAME = "host-address"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, device in ctx.view.legacy_devices:
        for i, address in enumerate(as_list(device.get("addresses"))):
            if "/" not in str(address) and ip_or_cidr(address):
                yield ctx.problem(
                    f"interface {device.get('interface') or '(by selector)'}: address {address!r} has no /prefix: "
                    "Talos assigns it as a host address (/32 or /128), so no subnet is on-link; write e.g. "
                    f"{address}/24", path=f"{path}.addresses[{i}]")
