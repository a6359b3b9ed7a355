"""A feature the target Talos version does not have.

bond `deviceSelectors` arrived in 1.4, selector `physical` in 1.7, `permanentAddr` in 1.9; the
multi-document `LinkAliasConfig`, `BondConfig`, `VLANConfig` and `DHCPv4Config` in 1.12; `<prefix>%d`
alias patterns in 1.13; `DHCPv4Config.ignoreRoutes` in 1.14; `BondConfig.primary` in no release yet.
Older releases reject the unknown keys, so the whole config fails to load.

Failing (for Talos 1.8):
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors: [{permanentAddr: "3c:fd:fe:*", driver: ixgbe}]
Passing (for Talos 1.8):
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors: [{hardwareAddr: "3c:fd:fe:*", driver: ixgbe}]
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem
from talosbond.plan import version_text

CODE = "TB010"
NAME = "version-feature"
LEVEL = "error"


def check(ctx: LintContext) -> Iterator[Problem]:
    version = ctx.version
    if version is None:
        return
    for bond in ctx.view.legacy_bonds:
        if bond.raw_selectors and version < (1, 4):
            yield ctx.problem(f"bond deviceSelectors need Talos 1.4+, target is {version_text(version)}",
                              path=f"{bond.path}.bond.deviceSelectors")
        for i, raw in enumerate(bond.raw_selectors):
            for key, since in (("physical", (1, 7)), ("permanentAddr", (1, 9))):
                if key in raw and version < since:
                    yield ctx.problem(f"selector key {key} needs Talos {version_text(since)}+, target is "
                                      f"{version_text(version)}", path=f"{bond.path}.bond.deviceSelectors[{i}]")
    for path, doc in ctx.view.kinds:
        kind = doc.get("kind")
        if kind in ("LinkAliasConfig", "BondConfig", "VLANConfig", "DHCPv4Config", "DHCPv6Config", "LinkConfig") \
                and version < (1, 12):
            yield ctx.problem(f"{kind} needs Talos 1.12+, target is {version_text(version)}", path=path)
            continue
        if kind == "LinkAliasConfig" and "%" in str(doc.get("name")) and version < (1, 13):
            yield ctx.problem(f"pattern alias {doc.get('name')!r} needs Talos 1.13+", path=path)
        if kind == "DHCPv4Config" and "ignoreRoutes" in doc and version < (1, 14):
            yield ctx.problem("DHCPv4Config.ignoreRoutes needs Talos 1.14+", path=path)
        if kind == "BondConfig" and "primary" in doc:
            yield ctx.problem("BondConfig.primary exists on Talos's main branch only, in no release",
                              path=path)
