"""An MTU the kernel refuses: below 68 (the IPv4 minimum) or above 65535 (below 1280: TB033).

Talos's validation does not check MTUs; the link controller then fails to set it, retrying forever
with an error in the log, and the link keeps its old MTU (or, for a bond, fails to come up with its
members). Ethernet jumbo frames are 9000 (9216 at most on most switches).

Failing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
    mtu: 70000
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [bond0-m0, bond0-m1]
    bondMode: active-backup
    miimon: 100
    mtu: 9000
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond.lint import LintContext
from talosbond.lint._util import LINK_KINDS, as_int, legacy_links
from talosbond.model import Problem

CODE = "TB029"
NAME = "mtu-range"
LEVEL = "error"


def _finding(ctx: LintContext, label: str, value: Any, path: str) -> Iterator[Problem]:
    if value is None:
        return
    mtu = as_int(value)
    if mtu is None or not 68 <= mtu <= 65535:
        yield ctx.problem(f"{label}: mtu {value!r} is outside 68-65535: the kernel refuses it and Talos retries "
                          "setting it forever (jumbo frames are 9000)", path=path)


def check(ctx: LintContext) -> Iterator[Problem]:
    for label, item, path, _ in legacy_links(ctx.view):
        yield from _finding(ctx, label, item.get("mtu"), path)
    for path, doc in ctx.view.kinds:
        if doc.get("kind") in LINK_KINDS:
            yield from _finding(ctx, f"{doc['kind']} {doc.get('name')}", doc.get("mtu"), path)
