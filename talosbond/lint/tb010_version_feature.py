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

from talosbond import features
from talosbond.features import Feature, release_text
from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB010"
NAME = "version-feature"
LEVEL = "error"

_SELECTOR_KEYS = {"physical": features.PHYSICAL_SELECTOR, "permanentAddr": features.PERMANENT_ADDR_SELECTOR}


def _needs(feature: Feature, version: tuple[int, int]) -> str:
    return f"needs Talos {feature.since_text()}+, target is {release_text(version)}"


def check(ctx: LintContext) -> Iterator[Problem]:
    version = ctx.version
    if version is None:
        return
    for bond in ctx.view.legacy_bonds:
        if bond.raw_selectors and not features.has(features.BOND_SELECTORS, version):
            yield ctx.problem(f"bond deviceSelectors {_needs(features.BOND_SELECTORS, version)}",
                              path=f"{bond.path}.bond.deviceSelectors")
        for i, raw in enumerate(bond.raw_selectors):
            for key, feature in _SELECTOR_KEYS.items():
                if key in raw and not features.has(feature, version):
                    yield ctx.problem(f"selector key {key} {_needs(feature, version)}",
                                      path=f"{bond.path}.bond.deviceSelectors[{i}]")
    for path, doc in ctx.view.kinds:
        kind = doc.get("kind")
        if kind in features.MULTIDOC_KINDS and not features.has(features.MULTIDOC_NETWORK, version):
            yield ctx.problem(f"{kind} {_needs(features.MULTIDOC_NETWORK, version)}", path=path)
            continue
        if kind == "LinkAliasConfig" and "%" in str(doc.get("name")) \
                and not features.has(features.ALIAS_PATTERNS, version):
            yield ctx.problem(f"pattern alias {doc.get('name')!r} needs Talos "
                              f"{features.ALIAS_PATTERNS.since_text()}+", path=path)
        if kind == "DHCPv4Config" and "ignoreRoutes" in doc and not features.has(features.DHCP_IGNORE_ROUTES, version):
            yield ctx.problem(f"DHCPv4Config.ignoreRoutes needs Talos "
                              f"{features.DHCP_IGNORE_ROUTES.since_text()}+", path=path)
        if kind == "BondConfig" and "primary" in doc and not features.has(features.MULTIDOC_BOND_PRIMARY, version):
            yield ctx.problem("BondConfig.primary exists on Talos's main branch only, in no release",
                              path=path)
