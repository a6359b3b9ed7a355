"""A document that names a link nothing creates: BondConfig `links` naming an alias no LinkAliasConfig
defines, a VLANConfig `parent` no document creates (a DHCP config for such a link: TB034).

Talos's validation does not cross-check names, and its controllers wait for a link that never appears:
the bond comes up without members, the VLAN is never created. A name that looks like
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
from talosbond.lint._util import as_list, unknown_link, where
from talosbond.model import Problem

CODE = "TB027"
NAME = "unknown-link"
LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    for mbond in ctx.view.bonds:
        for i, link in enumerate(as_list(mbond.doc.get("links"))):
            if isinstance(link, str) and unknown_link(ctx, link):
                yield ctx.problem(f"BondConfig {mbond.name}: link {link!r} is not defined {where(ctx)} (no "
                                  "LinkAliasConfig or link of that name): the bond never gets that member",
                                  path=f"{mbond.path}.links[{i}]")
    for path, doc in ctx.view.of_kind("VLANConfig"):
        parent = doc.get("parent")
        if isinstance(parent, str) and parent and unknown_link(ctx, parent):
            yield ctx.problem(f"VLANConfig {doc.get('name')}: parent {parent!r} is not defined {where(ctx)}: "
                              "Talos waits for it and never creates the VLAN", path=f"{path}.parent")
