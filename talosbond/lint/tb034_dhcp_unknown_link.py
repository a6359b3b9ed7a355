"""A `DHCPv4Config` or `DHCPv6Config` for a link nothing defines.

Talos's validation does not cross-check names: the DHCP client waits for a link that never appears, so
the link that was meant to get an address (often the bond, with a typo in its name) gets none. A name
that looks like a kernel interface name (`eno1`) may be a real card and is left alone unless the node's
links (`-n`/`--from`) show it is not there.

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [eno1, eno2]
    bondMode: active-backup
    miimon: 100
    ---
    apiVersion: v1alpha1
    kind: DHCPv4Config
    name: bond7
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [eno1, eno2]
    bondMode: active-backup
    miimon: 100
    ---
    apiVersion: v1alpha1
    kind: DHCPv4Config
    name: bond0
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import unknown_link, where
from talosbond.model import Problem

CODE = "TB034"
NAME = "dhcp-unknown-link"
LEVEL = "warning"


def check(ctx: LintContext) -> Iterator[Problem]:
    for kind in ("DHCPv4Config", "DHCPv6Config"):
        for path, doc in ctx.view.of_kind(kind):
            name = doc.get("name")
            if isinstance(name, str) and name and unknown_link(ctx, name):
                yield ctx.problem(f"{kind} for {name!r}, a link not defined {where(ctx)}: DHCP never runs there "
                                  "(a typo for the bond's name?)", path=path)
