"""A document that names a link nothing creates: BondConfig `links` naming an alias no LinkAliasConfig
defines, a VLANConfig `parent` no document creates, a DHCP config for such a link.

Talos's validation does not cross-check names, and its controllers wait for a link that never appears:
the bond comes up without members, the VLAN is never created, DHCP never starts. A name that looks like
a kernel interface name (`eno1`, `enp1s0f0np0`, `eth0`) may be a real card and is left alone unless
the node's links (`-n`/`--from`) show it does not exist there.

Failing:
    apiVersion: v1alpha1
    kind: VLANConfig
    name: bond0.87
    vlanID: 87
    parent: bond9
Passing:
    apiVersion: v1alpha1
    kind: BondConfig
    name: bond0
    links: [enp1s0f0np0, enp1s0f1np1]
    bondMode: active-backup
    miimon: 100
    ---
    apiVersion: v1alpha1
    kind: VLANConfig
    name: bond0.87
    vlanID: 87
    parent: bond0
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import KERNEL_NAME, alias_defines, as_list
from talosbond.model import Problem

CODE = "TB027"
NAME = "unknown-link"
LEVEL = "error"


def _unknown(ctx: LintContext, name: str) -> bool:
    if alias_defines(ctx.view, name):
        return False
    if ctx.nodes:
        return not all(node.link(name) is not None for node in ctx.nodes)
    return not KERNEL_NAME.match(name)


def _where(ctx: LintContext) -> str:
    return "on " + ", ".join(n.name for n in ctx.nodes) if ctx.nodes else "in this config"


def check(ctx: LintContext) -> Iterator[Problem]:
    for mbond in ctx.view.bonds:
        for i, link in enumerate(as_list(mbond.doc.get("links"))):
            if isinstance(link, str) and _unknown(ctx, link):
                yield ctx.problem(f"BondConfig {mbond.name}: link {link!r} is not defined {_where(ctx)} (no "
                                  "LinkAliasConfig or link of that name): the bond never gets that member",
                                  path=f"{mbond.path}.links[{i}]")
    for path, doc in ctx.view.of_kind("VLANConfig"):
        parent = doc.get("parent")
        if isinstance(parent, str) and parent and _unknown(ctx, parent):
            yield ctx.problem(f"VLANConfig {doc.get('name')}: parent {parent!r} is not defined {_where(ctx)}: "
                              "Talos waits for it and never creates the VLAN", path=f"{path}.parent")
    for kind in ("DHCPv4Config", "DHCPv6Config"):
        for path, doc in ctx.view.of_kind(kind):
            name = doc.get("name")
            if isinstance(name, str) and name and _unknown(ctx, name):
                yield ctx.problem(f"{kind} for {name!r}, a link not defined {_where(ctx)}: DHCP never runs "
                                  "(a typo for the bond's name?)", path=path, level="warning")
