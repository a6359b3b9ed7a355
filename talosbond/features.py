"""What each Talos release can do: one table, looked up everywhere a behaviour depends on the version.

Each entry names the first release that has the feature (from `talos/network-facts.md`'s timeline, checked
against Talos's history: the commit that introduced it and the tags that contain it). Nothing was
backported unless an entry says so: `permanentAddr` is absent from v1.8.4, `physical` from v1.6.8, bond
`deviceSelectors` from v1.3.7.

Versions come as a `TalosVersion` (a node's, with its patch level) or as (major, minor) (a target named by
`--talos-version X.Y`). A feature that arrived in a patch release (#13519's fix, 1.13.5) is only granted
when the patch level is known to have it: (1, 13) alone may be 1.13.0.
"""

from __future__ import annotations

from dataclasses import dataclass

from talosbond.model import TalosVersion

Release = tuple[int, int]

# The newest release talosbond knows; a target nobody named (no --talos-version, no node version) is this
# one, and every caller that falls back to it says so (see `plan.target_version`).
NEWEST: Release = (1, 14)


@dataclass(frozen=True)
class Feature:
    """A behaviour or config key and the first release that has it (None: in no release yet)."""

    name: str  # how messages name it
    since: tuple[int, int, int] | None
    evidence: str  # the Talos commit or issue

    def since_text(self) -> str:
        """`1.7`, or `1.13.5` for a patch-release feature, or `no release`."""
        if self.since is None:
            return "no release"
        major, minor, patch = self.since
        return f"{major}.{minor}" + (f".{patch}" if patch else "")


BOND_SELECTORS = Feature("bond deviceSelectors", (1, 4, 0), "7ffabe0f1, #6756")
SELECTOR_MULTI_MATCH = Feature("one deviceSelector matching several links", (1, 6, 0), "9c2f765c8, #7673")
SHORT_VLAN_NAMES = Feature("VLAN link names shortened to 15 bytes", (1, 6, 0), "6058c3602, #7679")
PHYSICAL_SELECTOR = Feature("selector key physical", (1, 7, 0), "d677901b6, #8090")
PATCH_DELETE = Feature("$patch: delete", (1, 8, 0), "899f1b900")
PERMANENT_ADDR_SELECTOR = Feature("selector key permanentAddr", (1, 9, 0), "fd713e451, #9747")
MULTIDOC_NETWORK = Feature("multi-document network config (LinkConfig, LinkAliasConfig, BondConfig, VLANConfig, "
                           "DHCPv4Config, DHCPv6Config)", (1, 12, 0), "7bae5b40b, 9a42b05bd, f4ad3077b, be028b67a")
LINK_CONFIG_UP = Feature("LinkConfig up", (1, 12, 0), "7bae5b40b")
ALIAS_PATTERNS = Feature("<prefix>%d pattern aliases", (1, 13, 0), "6a5a0e3bd")
ALIAS_NAME_ORDER = Feature("alias configs processed in name order, links in permanent-MAC order", (1, 13, 0),
                           "6a5a0e3bd")
ALIAS_ON_ENSLAVED = Feature("aliases set on links already enslaved to a bond", (1, 13, 5),
                            "9adc63a32 (1.13.5), 180182b0f (1.14.0), #13519")
DHCP_IGNORE_ROUTES = Feature("DHCPv4Config.ignoreRoutes", (1, 14, 0), "17a134711")
MODE_REBOOT_REMOVED = Feature("apply --mode=reboot removed (auto means no-reboot)", (1, 14, 0), "995bc30d5")
MULTIDOC_BOND_PRIMARY = Feature("BondConfig.primary", None, "dcfb17c96, on main only")

FEATURES: tuple[Feature, ...] = (
    BOND_SELECTORS, SELECTOR_MULTI_MATCH, SHORT_VLAN_NAMES, PHYSICAL_SELECTOR, PATCH_DELETE, PERMANENT_ADDR_SELECTOR,
    MULTIDOC_NETWORK, LINK_CONFIG_UP, ALIAS_PATTERNS, ALIAS_NAME_ORDER, ALIAS_ON_ENSLAVED, DHCP_IGNORE_ROUTES,
    MODE_REBOOT_REMOVED, MULTIDOC_BOND_PRIMARY,
)

# Multi-document kinds and the feature that brought each (all 1.12 so far).
MULTIDOC_KINDS = ("LinkConfig", "LinkAliasConfig", "BondConfig", "VLANConfig", "DHCPv4Config", "DHCPv6Config")


def release_or_newest(version: TalosVersion | Release | None) -> Release:
    """The one fallback for an unknown version: the newest release talosbond knows. Low-level code never
    guesses; callers that may go on without a version call this, where it shows."""
    return NEWEST if version is None else release_of(version)


def _triple(version: TalosVersion | Release) -> tuple[int, int, int]:
    if isinstance(version, TalosVersion):
        return version.major, version.minor, version.patch or 0
    return version[0], version[1], 0


def has(feature: Feature, version: TalosVersion | Release) -> bool:
    """Whether `version` has `feature`. An X.Y target counts as X.Y.0."""
    return feature.since is not None and _triple(version) >= feature.since


def release_of(version: TalosVersion | Release) -> Release:
    """(major, minor) of either spelling."""
    return version.minor_tuple if isinstance(version, TalosVersion) else (version[0], version[1])


def release_text(version: TalosVersion | Release) -> str:
    """(1, 11) -> `1.11`; a `TalosVersion` as it was written."""
    return str(version) if isinstance(version, TalosVersion) else f"{version[0]}.{version[1]}"


def legacy_mac_key(version: TalosVersion | Release) -> str:
    """The selector field that names a card by MAC on this release: the permanent address from 1.9 (a bond
    member's hardwareAddr changes on enslavement), else the current one."""
    return "permanent_addr" if has(PERMANENT_ADDR_SELECTOR, version) else "hardware_addr"


def default_format(version: TalosVersion | Release) -> str:
    """The config format talosbond writes for a release: multi-document where it exists."""
    return "multidoc" if has(MULTIDOC_NETWORK, version) else "v1alpha1"
