"""A `DHCPv4Config` or `DHCPv6Config` Talos's validation refuses: no name, or `duidRaw` and
`clientIdentifier: duid` not given together.

A DUID client identifier needs the DUID itself, and a raw DUID is only sent when the identifier type is
`duid`; Talos refuses the whole config otherwise, so the bond's addressing is not applied either.

Failing:
    apiVersion: v1alpha1
    kind: DHCPv4Config
    name: bond0
    clientIdentifier: duid
Passing:
    apiVersion: v1alpha1
    kind: DHCPv4Config
    name: bond0
    clientIdentifier: duid
    duidRaw: 00:01:00:01:2c:4b:1a:3e:0c:42:a1:5e:00:10
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB022"
NAME = "dhcp-config"
LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    for kind in ("DHCPv4Config", "DHCPv6Config"):
        for path, doc in ctx.view.of_kind(kind):
            label = f"{kind} {doc.get('name') or ''}".rstrip()
            duid = doc.get("clientIdentifier") == "duid"
            if doc.get("duidRaw") and not duid:
                yield ctx.problem(f"{label}: duidRaw can only be set with clientIdentifier: duid; Talos refuses "
                                  "the whole config", path=path)
            if duid and not doc.get("duidRaw"):
                yield ctx.problem(f"{label}: clientIdentifier duid needs duidRaw (the DUID to send); Talos "
                                  "refuses the whole config", path=path)
