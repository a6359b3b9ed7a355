"""An MTU below 1280, the smallest IPv6 allows.

The kernel accepts it, but turns IPv6 off on the link, and every IPv4 packet above the MTU fragments
(TCP segments shrink to a few dozen bytes at MTU 100): the link works, slowly and without IPv6. Usually
a typo for 1500 or 9000. Talos does not check MTUs.

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [eno1, eno2]
    bondMode: active-backup
    miimon: 100
    mtu: 100
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [eno1, eno2]
    bondMode: active-backup
    miimon: 100
    mtu: 1500
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import LINK_KINDS, as_int, legacy_links
from talosbond.model import Problem

CODE = "TB033"
NAME = "mtu-below-ipv6"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    found = [(label, item.get("mtu"), path) for label, item, path, _ in legacy_links(ctx.view)]
    found += [(f"{doc['kind']} {doc.get('name')}", doc.get("mtu"), path) for path, doc in ctx.view.kinds
              if doc.get("kind") in LINK_KINDS]
    for label, value, path in found:
        mtu = as_int(value)
        if mtu is not None and 68 <= mtu < 1280:
            yield ctx.problem(f"{label}: mtu {mtu} is below 1280: the kernel turns IPv6 off on the link and larger "
                              "IPv4 packets fragment (did you mean 1500 or 9000?)", path=path)
