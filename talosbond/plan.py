"""User choices + discovery -> a `BondPlan`: which cards, which mode and options, VLANs, addressing.

Every refusal here is a `UsageError` (exit 2) that names the bad value and what would be accepted.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from talosbond import features
from talosbond.errors import ParseError, UsageError
from talosbond.features import Release, release_text
from talosbond.model import Link, Node
from talosbond.ranking import Ranking

MODES = ("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb", "balance-alb")
HASH_POLICIES = ("layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4")
LACP_RATES = ("slow", "fast")
PRIMARY_MODES = ("active-backup", "balance-tlb", "balance-alb")
HASH_MODES = ("balance-xor", "802.3ad", "balance-tlb")
MAX_IFNAME = 15
DEFAULT_MTU = 1500


@dataclass(frozen=True)
class VlanPlan:
    vid: int
    addresses: tuple[str, ...] = ()
    mtu: int | None = None
    dhcp: bool = False


@dataclass(frozen=True)
class RoutePlan:
    """A route through the bond (`vid` None) or one of its VLANs; the default route is `BondPlan.gateway`."""

    destination: str
    gateway: str | None = None
    vid: int | None = None
    metric: int | None = None

    def entry(self, destination_key: str) -> dict[str, Any]:
        """The route as a config entry; legacy configs call the destination `network`, BondConfig `destination`."""
        out: dict[str, Any] = {destination_key: self.destination}
        if self.gateway:
            out["gateway"] = self.gateway
        if self.metric is not None:
            out["metric"] = self.metric
        return out


# A legacy bond's common settings: the BondPlan field and its `machine.network.interfaces[].bond` key, in the
# order talosbond writes them.
LEGACY_SETTINGS = (("miimon", "miimon"), ("updelay", "updelay"), ("downdelay", "downdelay"),
                   ("lacp_rate", "lacpRate"), ("xmit_hash_policy", "xmitHashPolicy"))


@dataclass(frozen=True)
class BondPlan:
    """What to build. `members` holds, per node, the member link names in bond order."""

    bond: str
    mode: str
    members: dict[str, tuple[str, ...]]
    version: Release
    format: str  # v1alpha1 | multidoc
    miimon: int | None = None
    updelay: int | None = None
    downdelay: int | None = None
    lacp_rate: str | None = None
    xmit_hash_policy: str | None = None
    primary: str | None = None
    vlans: tuple[VlanPlan, ...] = ()
    addresses: tuple[str, ...] = ()
    dhcp: bool = False
    gateway: str | None = None
    mtu: int | None = None
    management_dhcp: tuple[str, ...] = ()  # links outside the bond that keep DHCP (multi-doc turns it off)
    notes: tuple[str, ...] = field(default=())
    patch: int | None = None  # the target's patch release, when known (decides siderolabs/talos#13519)
    options: tuple[tuple[str, Any], ...] = ()  # further bond options, under their BondConfig names (bondopts)
    routes: tuple[RoutePlan, ...] = ()
    warnings: tuple[str, ...] = field(default=())  # accepted by Talos, but probably not what was meant

    def legacy_options(self) -> dict[str, Any]:
        """Bond options under their v1alpha1 key names, in a stable order."""
        out: dict[str, Any] = {}
        for name, key in (*LEGACY_SETTINGS, ("primary", "primary")):
            value = getattr(self, name)
            if value is not None:
                out[key] = value
        from talosbond.bondopts import legacy_name

        for key, value in self.options:
            legacy = legacy_name(key)
            if legacy is not None:
                out[legacy] = value
        return out


def parse_version(text: str) -> Release:
    """`--talos-version`: `1.11`, `v1.11.3` -> (1, 11); anything else is a `UsageError`."""
    from talosbond.parsing.version import parse_tag

    try:
        return parse_tag(text, "--talos-version").minor_tuple
    except ParseError:
        raise UsageError(f"--talos-version {text!r} is not a Talos version", "write it like 1.11 or v1.12.2") from None


def nodes_version(nodes: Sequence[Node]) -> Release | None:
    """The release every node reports (None when none does); nodes on different releases are a `UsageError`."""
    found = {node.name: node.version for node in nodes if node.version is not None}
    releases = {version.minor_tuple for version in found.values()}
    if len(releases) > 1:
        listing = ", ".join(f"{n} {v}" for n, v in sorted(found.items()))
        raise UsageError(f"nodes run different Talos versions ({listing})", "pass --talos-version for the oldest")
    return releases.pop() if releases else None


def target_version(explicit: str | None, nodes: Sequence[Node]) -> tuple[Release, str]:
    """The Talos release to write for, and why: --talos-version, else the nodes' (which must agree), else
    the newest talosbond knows (`features.release_or_newest`), said in the reason; callers that must not
    guess call `nodes_version` instead."""
    if explicit:
        return parse_version(explicit), "from --talos-version"
    found = nodes_version(nodes)
    if found is not None:
        return found, "reported by the node"
    return features.release_or_newest(None), UNKNOWN_VERSION


UNKNOWN_VERSION = "newest supported (no version known; pass --talos-version)"


def choose_format(requested: str, version: Release) -> str:
    if requested == "auto":
        return features.default_format(version)
    if requested == "multidoc" and not features.has(features.MULTIDOC_NETWORK, version):
        raise UsageError(
            f"the multi-document network config needs Talos {features.MULTIDOC_NETWORK.since_text()} or newer "
            f"(target {release_text(version)})",
            "use --format v1alpha1 or --format auto",
        )
    if requested not in ("v1alpha1", "multidoc"):
        raise UsageError(f"unknown --format {requested!r}", "choose auto, v1alpha1 or multidoc")
    return requested


def patch_release(explicit: str | None, nodes: Sequence[Node], version: Release) -> int | None:
    """The patch release written for: --talos-version's, else the oldest of the nodes running that minor."""
    from talosbond.parsing.version import parse_tag

    if explicit:
        return parse_tag(explicit, "--talos-version").patch
    found = [n.version.patch for n in nodes if n.version is not None and n.version.minor_tuple == version]
    known = [p for p in found if p is not None]
    return min(known) if known and len(known) == len(found) else None


def _find_port(node: Node, wanted: str) -> Link:
    needle = wanted.lower()
    for link in node.physical_links:
        if wanted in (link.name, link.alias, *link.alt_names) or needle in (link.permanent_addr, link.hardware_addr):
            return link
    virtual = node.link(wanted)
    if virtual is not None:
        raise UsageError(f"{node.name}: {wanted} is a {virtual.kind or virtual.type} link, not a network card",
                         "bond members must be physical cards; see `talosbond discover`")
    names = ", ".join(link.name for link in node.physical_links) or "none"
    raise UsageError(f"{node.name}: no card named {wanted!r} (cards: {names})",
                     "give link names or MAC addresses as `talosbond discover` shows them")


def choose_members(
    rankings: Sequence[Ranking], ports: Sequence[str], keeper: str = ""
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Members per node: the named ports, else the best bondable group of each node. `keeper` says what
    keeps a node reachable once its management card is a member (the bond's addressing), if anything."""
    members: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    for ranking in rankings:
        node = ranking.node
        if ports:
            chosen = tuple(_find_port(node, port).name for port in ports)
            if len(set(chosen)) != len(chosen):
                raise UsageError(f"{node.name}: --ports names the same card twice ({', '.join(chosen)})")
        else:
            if not ranking.groups:
                raise UsageError(
                    f"{node.name}: no two cards with carrier share a driver and speed, so there is nothing to "
                    "propose", "choose the members with --ports A,B",
                )
            outside = [g for g in ranking.groups if not set(g) & set(ranking.management)]
            group = outside[0] if outside else ranking.groups[0]
            # Bus order, not traffic order: the same on every node of a fleet, and stable across reboots.
            links = sorted((node.link(name) for name in group), key=lambda x: (x.bus_path, x.name) if x else ("", ""))
            chosen = tuple(x.name for x in links if x is not None)
            notes.append(f"{node.name}: chose {', '.join(chosen)} (same driver and speed, carrier up)")
        managed = sorted(set(chosen) & set(ranking.management))
        if managed:
            carries = "carry" if len(managed) > 1 else "carries"
            # without addressing, lint's TB013 says what to do: the note does not say it a second time
            after = f"; the node stays reachable through {keeper}" if keeper else ""
            notes.append(f"{node.name}: {', '.join(managed)} {carries} the node's management traffic "
                         f"({ranking.management_reason}){after}")
        members[node.name] = chosen
    return members, notes


def _check_cidr(value: str, what: str) -> str:
    try:
        iface = ipaddress.ip_interface(value)
    except ValueError:
        raise UsageError(f"{what} {value!r} is not an address with a prefix length",
                         "write it as CIDR, e.g. 10.13.87.19/24") from None
    if "/" not in value:
        raise UsageError(f"{what} {value!r} has no prefix length", f"write it as CIDR, e.g. {iface.ip}/24")
    return value


def parse_vlan(spec: str) -> VlanPlan:
    """`87` or `87:10.13.87.19/24` (or `87:dhcp`)."""
    vid_text, _, rest = spec.partition(":")
    try:
        vid = int(vid_text)
    except ValueError:
        raise UsageError(
            f"--vlan {spec!r}: {vid_text!r} is not a VLAN id", "write ID or ID:CIDR, e.g. 87:10.13.87.19/24"
        ) from None
    if not 1 <= vid <= 4094:
        raise UsageError(f"--vlan {spec!r}: VLAN id {vid} is outside 1-4094")
    if rest == "dhcp":
        return VlanPlan(vid, dhcp=True)
    return VlanPlan(vid, addresses=(_check_cidr(rest, f"--vlan {vid} address"),) if rest else ())


# What people type for a mode, from switch vendors' and the kernel's vocabulary -> Talos's name.
MODE_ALIASES = {
    "lacp": "802.3ad", "802.3ad-lacp": "802.3ad", "8023ad": "802.3ad", "4": "802.3ad", "0": "balance-rr",
    "1": "active-backup", "activebackup": "active-backup", "active_backup": "active-backup", "failover":
    "active-backup", "2": "balance-xor", "static": "balance-xor", "3": "broadcast", "5": "balance-tlb",
    "6": "balance-alb",
}


def merge_vlans(vlans: Sequence[VlanPlan]) -> tuple[VlanPlan, ...]:
    """`--vlan 87:10.1.1.1/24 --vlan 87:fd00::1/64`: one VLAN 87 with both addresses (dual stack)."""
    merged: dict[int, VlanPlan] = {}
    for vlan in vlans:
        seen = merged.get(vlan.vid)
        if seen is None:
            merged[vlan.vid] = vlan
            continue
        repeated = set(seen.addresses) & set(vlan.addresses)
        if repeated or (vlan.dhcp and seen.dhcp) or not (vlan.addresses or vlan.dhcp):
            raise UsageError(f"--vlan {vlan.vid} is given twice with the same settings")
        merged[vlan.vid] = VlanPlan(vlan.vid, seen.addresses + vlan.addresses, seen.mtu, seen.dhcp or vlan.dhcp)
    return tuple(merged.values())


def addressing_warnings(
    members: dict[str, tuple[str, ...]], addresses: Sequence[str], vlans: Sequence[VlanPlan], gateway: str | None
) -> list[str]:
    """What Talos accepts but is probably not meant: a one-card bond, a gateway no address can reach."""
    warnings = [f"{node}: the bond has one member ({chosen[0]}): nothing to fail over to"
                for node, chosen in members.items() if len(chosen) == 1]
    if gateway is not None:
        via = ipaddress.ip_address(gateway)
        networks = [ipaddress.ip_interface(a).network for a in (*addresses, *(x for v in vlans for x in v.addresses))]
        same_family = [n for n in networks if n.version == via.version]
        if not same_family:
            warnings.append(f"--gateway {gateway} is IPv{via.version} but the bond has no IPv{via.version} "
                            "address: Talos cannot route through it")
        elif not any(via in n for n in same_family):
            listing = ", ".join(str(n) for n in same_family)
            warnings.append(f"--gateway {gateway} is outside the bond's subnets ({listing}): it is not on the "
                            "link, so the default route cannot use it")
    return warnings


def check_options(
    mode: str, *, miimon: int | None, updelay: int | None, downdelay: int | None, lacp_rate: str | None,
    xmit_hash_policy: str | None, primary: str | None,
) -> None:
    """Talos's own checks (v1alpha1 `checkBond`) plus the kernel's: refuse what Talos or the kernel would."""
    if mode not in MODES:
        meant = MODE_ALIASES.get(mode.lower())
        raise UsageError(f"unknown bond mode {mode!r}",
                         f"did you mean --mode {meant}?" if meant else "Talos knows: " + ", ".join(MODES))
    for name, value in (("--miimon", miimon), ("--updelay", updelay), ("--downdelay", downdelay)):
        if value is not None and value < 0:
            raise UsageError(f"{name} must not be negative")
    for name, value in (("--updelay", updelay), ("--downdelay", downdelay)):
        if value:
            if not miimon:
                raise UsageError(f"{name} needs --miimon: link delays count MII polling intervals")
            if value % miimon:
                raise UsageError(f"{name} {value} is not a multiple of --miimon {miimon}", "Talos refuses it")
    if lacp_rate is not None:
        if lacp_rate not in LACP_RATES:
            raise UsageError(f"unknown LACP rate {lacp_rate!r}", "choose slow or fast")
        if mode != "802.3ad":
            raise UsageError(f"--lacp-rate applies to 802.3ad only, not {mode}")
    if xmit_hash_policy is not None:
        if xmit_hash_policy not in HASH_POLICIES:
            raise UsageError(
                f"unknown transmit hash policy {xmit_hash_policy!r}", "Talos knows: " + ", ".join(HASH_POLICIES)
            )
        if mode not in HASH_MODES:
            raise UsageError(f"--xmit-hash-policy has no effect in {mode}", "it applies to " + ", ".join(HASH_MODES))
    if primary is not None and mode not in PRIMARY_MODES:
        raise UsageError(f"--primary applies to {', '.join(PRIMARY_MODES)}, not {mode}")


def check_name(name: str, what: str) -> None:
    """Kernel interface names: at most 15 bytes, no '/', ':' or white space."""
    if not name or len(name.encode()) > MAX_IFNAME or any(c in name for c in "/: \t\n"):
        raise UsageError(f"{what} {name!r} is not a valid interface name",
                         "at most 15 bytes, without '/', ':' or spaces")


def _vlan_plans(
    vlans: Sequence[str | VlanPlan], bond: str, output_format: str, mtu: int | None
) -> tuple[VlanPlan, ...]:
    """Parsed, checked VLANs; the bond's MTU is given to VLANs without their own (a VLAN never exceeds it)."""
    plans: list[VlanPlan] = []
    for spec in vlans:
        vlan = parse_vlan(spec) if isinstance(spec, str) else spec
        if not 1 <= vlan.vid <= 4094:
            raise UsageError(f"VLAN id {vlan.vid} is outside 1-4094")
        for address in vlan.addresses:
            _check_cidr(address, f"VLAN {vlan.vid} address")
        if vlan.mtu is not None and vlan.mtu > (mtu or DEFAULT_MTU):
            raise UsageError(f"VLAN {vlan.vid} MTU {vlan.mtu} is larger than the bond's {mtu or DEFAULT_MTU}",
                             "a VLAN cannot carry larger frames than its parent; raise the bond's MTU too")
        plans.append(VlanPlan(vlan.vid, vlan.addresses, vlan.mtu if vlan.mtu is not None else mtu, vlan.dhcp))
    merged = merge_vlans(plans)
    if output_format == "multidoc":
        for vlan in merged:
            check_name(f"{bond}.{vlan.vid}", "VLAN link name")
    return merged


def _primary_first(
    members: dict[str, tuple[str, ...]], primary: str, output_format: str, notes: list[str]
) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """Check the primary; where BondConfig cannot name it, enslave it first instead (it then starts active)."""
    for node_name, chosen in members.items():
        if primary not in chosen:
            raise UsageError(f"{node_name}: --primary {primary} is not one of the members ({', '.join(chosen)})")
    if output_format != "multidoc":
        return members, primary
    notes.append(
        f"BondConfig has no `primary` in Talos 1.12-1.14, so {primary} goes first in `links`: Talos enslaves "
        "in that order and the first member becomes the active one; unlike a primary it does not take over "
        "again after a failover"
    )
    return {node: (primary, *(m for m in chosen if m != primary)) for node, chosen in members.items()}, None


def _format_options(options: Mapping[str, Any], output_format: str, notes: list[str]) -> tuple[tuple[str, Any], ...]:
    """Options the target format can carry; the rest are named in a note, never dropped silently."""
    from talosbond.bondopts import legacy_name

    kept: list[tuple[str, Any]] = []
    for key, value in options.items():
        if output_format == "v1alpha1" and legacy_name(key) is None:
            notes.append(f"bond option {key} cannot be written in the v1alpha1 bond (Talos rejects or lacks it); "
                         "left out; it needs the multi-document format (Talos 1.12+)")
            continue
        kept.append((key, value))
    return tuple(kept)


def _check_gateway(gateway: str | None, addresses: Sequence[str], vlans: Sequence[VlanPlan]) -> None:
    if gateway is None:
        return
    try:
        ipaddress.ip_address(gateway)
    except ValueError:
        raise UsageError(f"--gateway {gateway!r} is not an IP address") from None
    if not addresses and not any(v.addresses for v in vlans):
        raise UsageError("--gateway needs a static --address (or a VLAN address) to route through")


def _keep_dhcp(rankings: Sequence[Ranking], members: dict[str, tuple[str, ...]], notes: list[str]) -> tuple[str, ...]:
    keep: list[str] = []
    for ranking in rankings:
        outside = [m for m in ranking.management if m not in members[ranking.node.name]]
        keep.extend(x for x in outside if x not in keep)
    if keep:
        notes.append(
            "multi-document network config switches off Talos's default DHCP on every link; the patch keeps "
            f"DHCP on the management link ({', '.join(keep)})"
        )
    return tuple(keep)


_Defaults = tuple[int, int | None, int | None, str | None, str | None]


def _mode_defaults(mode: str, miimon: int | None, updelay: int | None, downdelay: int | None,
                   lacp_rate: str | None, xmit: str | None) -> _Defaults:
    """MII monitoring always on; for 802.3ad the delays, rate and hash Talos warns about when missing (a
    flapping port never rejoins without them)."""
    miimon = 100 if miimon is None else miimon
    if mode == "802.3ad":
        updelay = 200 if updelay is None and miimon else updelay
        downdelay = 200 if downdelay is None and miimon else downdelay
        lacp_rate, xmit = lacp_rate or "fast", xmit or "layer3+4"
    return miimon, updelay, downdelay, lacp_rate, xmit


def _check_routes(routes: Sequence[RoutePlan], vlans: Sequence[VlanPlan]) -> None:
    known = {v.vid for v in vlans}
    for route in routes:
        if route.vid is not None and route.vid not in known:
            raise UsageError(f"a route through VLAN {route.vid}, which the bond does not have")


def _target(nodes: Sequence[Node], talos_version: str | None, allow_names: bool) -> tuple[Release, str]:
    """The release to write for and why; refused when it is not known or has no bond selectors."""
    if not nodes:
        raise UsageError("no node to plan for")
    if not talos_version and nodes_version(nodes) is None:  # a patch for a guessed release may be refused
        unknown = ", ".join(node.name for node in nodes if node.version is None)
        raise UsageError(f"the Talos version of {unknown} is not known (the capture has no version.txt)",
                         "pass --talos-version X.Y, the version the node runs (`talosctl -n NODE version`)")
    version, reason = target_version(talos_version, nodes)
    if not features.has(features.BOND_SELECTORS, version) and not allow_names:
        raise UsageError(
            f"Talos {release_text(version)} has no bond device selectors (they arrived in "
            f"{features.BOND_SELECTORS.since_text()})",
            "upgrade Talos: bonding by interface name (bond.interfaces) breaks when names move",
        )
    return version, reason


def _check_bond_name(nodes: Sequence[Node], bond: str) -> None:
    check_name(bond, "bond name")
    for node in nodes:
        card = node.link(bond)
        if card is not None and card.physical:
            raise UsageError(f"--bond {bond}: {node.name} has a network card of that name; --bond names the new "
                             "bond link", f"--ports {bond},... picks the cards to bond; --bond bond0 names the bond")


def make_plan(
    rankings: Sequence[Ranking],
    *,
    ports: Sequence[str] = (),
    bond: str = "bond0",
    mode: str = "active-backup",
    miimon: int | None = None,
    updelay: int | None = None,
    downdelay: int | None = None,
    lacp_rate: str | None = None,
    xmit_hash_policy: str | None = None,
    primary: str | None = None,
    vlans: Sequence[str | VlanPlan] = (),
    addresses: Sequence[str] = (),
    dhcp: bool = False,
    gateway: str | None = None,
    mtu: int | None = None,
    talos_version: str | None = None,
    fmt: str = "auto",
    allow_names: bool = False,
    options: Mapping[str, Any] | None = None,
    routes: Sequence[RoutePlan] = (),
) -> BondPlan:
    """Validate every choice and fill in talosbond's defaults (MII monitoring always on)."""
    from talosbond.bondopts import check_options as check_extra

    nodes = [r.node for r in rankings]
    version, version_reason = _target(nodes, talos_version, allow_names)
    output_format = choose_format(fmt, version)
    _check_bond_name(nodes, bond)
    miimon, updelay, downdelay, lacp_rate, xmit_hash_policy = _mode_defaults(
        mode, miimon, updelay, downdelay, lacp_rate, xmit_hash_policy)
    check_options(mode, miimon=miimon, updelay=updelay, downdelay=downdelay, lacp_rate=lacp_rate,
                  xmit_hash_policy=xmit_hash_policy, primary=primary)
    check_extra(mode, options or {}, primary)
    keeper = ("DHCP on " + bond if dhcp else "") or (f"{', '.join(addresses)} on {bond}" if addresses else "")
    members, notes = choose_members(rankings, ports, keeper)
    if primary is not None:
        members, primary = _primary_first(members, primary, output_format, notes)
    if mtu is not None and not 68 <= mtu <= 65535:
        raise UsageError(f"--mtu {mtu} is outside 68-65535")
    vlan_plans = _vlan_plans(vlans, bond, output_format, mtu)
    checked = tuple(_check_cidr(a, "--address") for a in addresses)
    if dhcp and checked:
        notes.append("both --dhcp and --address given: the bond gets both")
    _check_gateway(gateway, checked, vlan_plans)
    _check_routes(routes, vlan_plans)
    keep_dhcp = _keep_dhcp(rankings, members, notes) if output_format == "multidoc" else ()
    extra = _format_options(options or {}, output_format, notes)
    notes.insert(0, f"target Talos {release_text(version)} ({version_reason}), {output_format} format")
    warnings = addressing_warnings(members, checked, vlan_plans, gateway)
    return BondPlan(
        bond=bond, mode=mode, members=members, version=version, format=output_format,
        miimon=miimon, updelay=updelay, downdelay=downdelay, lacp_rate=lacp_rate,
        xmit_hash_policy=xmit_hash_policy, primary=primary, vlans=vlan_plans, addresses=checked, dhcp=dhcp,
        gateway=gateway, mtu=mtu, management_dhcp=keep_dhcp, notes=tuple(notes), options=extra,
        patch=patch_release(talos_version, nodes, version),
        routes=tuple(routes), warnings=tuple(warnings),
    )
