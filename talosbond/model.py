"""Typed, frozen records that every stage of the pipeline passes along. No I/O, no parsing here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from talosbond.config import ConfigView
    from talosbond.errors import ParseError
    from talosbond.parsing.talos_log import ControllerLog

# Talos (and the kernel, as a u32) report an unknown speed as SPEED_UNKNOWN = 0xffffffff.
SPEED_UNKNOWN = 4294967295


def speed_text(mbit: int | None, unknown: str = "?") -> str:
    """10000 -> `10G`, 2500 -> `2500M`; None -> `unknown`."""
    if mbit is None:
        return unknown
    return f"{mbit // 1000}G" if mbit >= 1000 and mbit % 1000 == 0 else f"{mbit}M"


@dataclass(frozen=True)
class Link:
    """One LinkStatus resource as Talos reports it (`talosctl get links`)."""

    name: str
    index: int = 0
    type: str = ""
    link_index: int = 0
    flags: str = ""
    hardware_addr: str = ""
    permanent_addr: str = ""
    broadcast_addr: str = ""
    mtu: int = 0
    queue_disc: str = ""
    master_index: int = 0
    operational_state: str = ""
    kind: str = ""
    slave_kind: str = ""
    bus_path: str = ""
    pci_id: str = ""
    driver: str = ""
    driver_version: str = ""
    firmware_version: str = ""
    product_id: str = ""
    vendor_id: str = ""
    product: str = ""
    vendor: str = ""
    link_state: bool = False
    speed_mbit: int | None = None  # None: unknown (absent, 0 or SPEED_UNKNOWN)
    port: str = ""
    duplex: str = ""
    alias: str = ""
    alt_names: tuple[str, ...] = ()
    vlan_id: int | None = None
    vlan_protocol: str = ""
    # kind-specific settings, as parsing/bondmaster.py and parsing/links.py shape them (dicts: not hashed)
    bond_master: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    bridge_master: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    vrf_master: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    wireguard: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    veth: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def physical(self) -> bool:
        """Talos's own definition (`LinkStatusSpec.Physical()`): type ether, no kind."""
        return self.type == "ether" and self.kind == ""

    @property
    def identity_mac(self) -> str:
        """The MAC that names the card itself: a bond member's hardwareAddr is the bond's."""
        return self.permanent_addr or self.hardware_addr

    @property
    def is_bond_member(self) -> bool:
        return self.slave_kind == "bond"

    @classmethod
    def of(cls, values: dict[str, Any]) -> Link:
        """A Link from a value for every field, without the generated `__init__` (which sets each of the
        38 fields through `object.__setattr__`, as a frozen dataclass must): a fleet read through the API
        builds tens of thousands of them, and that took half of decoding a node. Raises `TypeError` when
        a field is missing or unknown."""
        if values.keys() != _LINK_FIELDS:
            raise TypeError(f"Link.of: fields missing {sorted(_LINK_FIELDS - values.keys())}, "
                            f"unknown {sorted(values.keys() - _LINK_FIELDS)}")
        link = object.__new__(cls)
        link.__dict__.update(values)
        return link


_LINK_FIELDS = Link.__dataclass_fields__.keys()


@dataclass(frozen=True)
class Counters:
    """One /proc/net/dev row (the counters talosbond uses)."""

    name: str
    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_dropped: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_dropped: int

    @property
    def total_bytes(self) -> int:
        return self.rx_bytes + self.tx_bytes


@dataclass(frozen=True)
class Address:
    """An address Talos has assigned to a link (`get addresses`)."""

    link: str
    address: str  # CIDR
    # the rest of AddressStatus, spelled as Talos prints it
    link_index: int = 0
    family: str = ""  # inet4 | inet6
    scope: str = ""  # global | site | link | host | nowhere
    flags: str = ""  # comma-joined, e.g. "permanent"
    priority: int = 0
    local: str = ""
    broadcast: str = ""
    anycast: str = ""
    multicast: str = ""


@dataclass(frozen=True)
class Route:
    """A route in the main table (`get routes`)."""

    link: str
    destination: str  # "" for the default route
    gateway: str
    # the rest of RouteStatus, spelled as Talos prints it
    family: str = ""
    source: str = ""
    out_link_index: int = 0
    table: str = "main"
    priority: int = 0
    scope: str = ""
    type: str = ""  # unicast | local | broadcast | ...
    flags: str = ""
    protocol: str = ""  # kernel | static | boot | dhcp | ra | ...
    mtu: int = 0
    next_hops: tuple[tuple[str, str, int], ...] = ()  # (gateway, link, weight) of a multipath route


@dataclass(frozen=True, order=True)
class TalosVersion:
    """A Talos release as a node or the user names it. `patch` is None when only X.Y was given; `tag` is the
    text it was read from (`v1.11.3`, `1.12`), kept for messages and `discover`'s output."""

    major: int
    minor: int
    patch: int | None = None
    tag: str = field(default="", compare=False)

    @property
    def minor_tuple(self) -> tuple[int, int]:
        """(major, minor): what selects a config format and a feature set."""
        return self.major, self.minor

    def __str__(self) -> str:
        return self.tag or f"{self.major}.{self.minor}" + (f".{self.patch}" if self.patch is not None else "")


@dataclass(frozen=True)
class Node:
    """Everything discovered about one node, parsed once (`parsing.build_node`).

    `bonds` holds each /proc/net/bonding/<bond> that was read, parsed, or the `ParseError` saying why it did
    not parse (one bad file must not hide the node); `bonds_later` a second read of them, some seconds
    later (a capture written by `discover --save --interval`). `config` is the node's machine config when
    the source has it; `config_error` says why it did not parse. `log` is its controller-runtime log when
    read (or why it did not parse).
    """

    name: str
    links: tuple[Link, ...]
    counters: dict[str, Counters] = field(default_factory=dict, compare=False, hash=False)
    version: TalosVersion | None = None
    addresses: tuple[Address, ...] = ()
    routes: tuple[Route, ...] = ()
    bonds: dict[str, BondStatus | ParseError] = field(default_factory=dict, compare=False, hash=False)
    config: ConfigView | None = field(default=None, compare=False, hash=False)
    config_error: ParseError | None = field(default=None, compare=False, hash=False)
    bonds_later: dict[str, BondStatus | ParseError] = field(default_factory=dict, compare=False, hash=False)
    log: ControllerLog | ParseError | None = field(default=None, compare=False, hash=False)

    def link(self, name: str) -> Link | None:
        for link in self.links:
            if link.name == name:
                return link
        return None

    @property
    def physical_links(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.physical)


@dataclass(frozen=True)
class NodeError:
    """A node that could not be discovered; reported beside the others' results."""

    node: str
    message: str
    hint: str = ""


@dataclass(frozen=True)
class Selector:
    """A legacy `NetworkDeviceSelector`; empty strings are unset fields."""

    bus_path: str = ""
    hardware_addr: str = ""
    permanent_addr: str = ""
    pci_id: str = ""
    driver: str = ""
    physical: bool | None = None

    def as_yaml_dict(self) -> dict[str, Any]:
        """The selector as Talos spells it, in Talos's field order."""
        out: dict[str, Any] = {}
        for key, value in (
            ("busPath", self.bus_path),
            ("hardwareAddr", self.hardware_addr),
            ("permanentAddr", self.permanent_addr),
            ("pciID", self.pci_id),
            ("driver", self.driver),
        ):
            if value:
                out[key] = value
        if self.physical is not None:
            out["physical"] = self.physical
        return out


@dataclass(frozen=True)
class Edit:
    """One change to a config document: `op` is "set", "delete" or "append" at `path` (keys and list
    indexes from the document's root); `doc` is the document's index in a multi-document file."""

    path: tuple[str | int, ...]
    op: str
    value: Any = None
    doc: int = 0


@dataclass(frozen=True)
class Fix:
    """What a finding's fix changes, and a one-line description for people and `-o json`."""

    description: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Problem:
    """A lint or health finding. `level` is filled in by the rule framework (`talosbond.rules`) from the
    rule's default and the user's settings; `check` (health) says what to look at on the switch or node,
    `member` names the bond member it concerns."""

    code: str
    level: str  # "error" | "warning" | "info"
    message: str
    file: str = ""
    path: str = ""
    node: str = ""
    check: str = ""
    member: str = ""
    fix: Fix | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class RawNode:
    """What a source read for one node, before parsing: the texts as read, or the API's protobuf resources.

    `version` is the text that names the Talos release (a tag from version.txt or the API, or the whole
    `talosctl version` output). `resources` holds, per kind (`links`, `addresses`, `routes`), the API's COSI
    resources (`resource_pb2.Resource`) that `parsing.protobuf` decodes; the matching text field is then
    empty until `--save` renders it. `origins` names where each text came from (a file path, or the talosctl
    command) so that a parse error can say where the bad line is.
    """

    node: str
    links: str
    netdev: str | None = None
    version: str = ""
    addresses: str | None = None
    routes: str | None = None
    bonding: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    machineconfig: str | None = None
    origins: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    via: str = ""  # which source produced it: capture, talosctl, api
    resources: dict[str, tuple[Any, ...]] = field(default_factory=dict, compare=False, hash=False)
    # A second read of /proc/net/bonding/<bond>, taken some seconds after `bonding` (`discover --save
    # --interval`): verify judges the counters' change, as `verify --interval` does live.
    bonding_later: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    controller_log: str | None = None  # `talosctl logs controller-runtime` (verify traces Talos's bond errors)

    def origin(self, what: str) -> str:
        return self.origins.get(what, f"{self.node} {what}")


# --- bond health: /proc/net/bonding/<bond> as the kernel reports it ---


@dataclass(frozen=True)
class LacpPdu:
    """One side of a member's LACP state (`details actor|partner lacp pdu:`); `key` is the port or oper key."""

    system_priority: int | None = None
    system_mac: str = ""
    key: int | None = None
    port_priority: int | None = None
    port_number: int | None = None
    port_state: int | None = None


@dataclass(frozen=True)
class AggregatorInfo:
    """The bond's `Active Aggregator Info:` block (802.3ad)."""

    aggregator_id: int
    ports: int
    actor_key: int | None = None
    partner_key: int | None = None
    partner_mac: str = ""


@dataclass(frozen=True)
class BondMember:
    """One `Slave Interface:` block. None/"" = the kernel did not print the line."""

    name: str
    mii_status: str
    speed_mbit: int | None = None  # None: `Unknown` or not printed
    duplex: str = ""  # full | half | unknown | ""
    link_failure_count: int = 0
    permanent_addr: str = ""
    queue_id: int | None = None
    aggregator_id: int | None = None  # None: `N/A` or not printed (see has_aggregator_line)
    has_aggregator_line: bool = False
    actor_churn_state: str = ""
    partner_churn_state: str = ""
    actor_churned_count: int | None = None
    partner_churned_count: int | None = None
    actor: LacpPdu | None = None
    partner: LacpPdu | None = None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class BondStatus:
    """A whole /proc/net/bonding/<bond> file. `mode` uses Talos's names (`802.3ad`, `active-backup`...)."""

    name: str
    mode: str
    mii_status: str
    driver_version: str = ""
    fail_over_mac: str = ""
    xmit_hash_policy: str | None = None  # printed for xor, 802.3ad and tlb only
    primary: str | None = None  # None: `None` or not printed
    primary_reselect: str = ""
    active_member: str | None = None  # `Currently Active Slave`
    miimon: int = 0
    updelay: int = 0
    downdelay: int = 0
    peer_notify_delay: int | None = None
    arp_interval: int | None = None
    arp_missed_max: int | None = None
    arp_targets: tuple[str, ...] = ()
    lacp_active: str | None = None  # on | off (newer kernels)
    lacp_rate: str | None = None  # slow | fast (802.3ad)
    min_links: int | None = None
    ad_select: str | None = None
    system_priority: int | None = None
    system_mac: str = ""
    active_aggregator: AggregatorInfo | None = None
    no_active_aggregator: bool = False
    members: tuple[BondMember, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    def member(self, name: str) -> BondMember | None:
        for member in self.members:
            if member.name == name:
                return member
        return None
