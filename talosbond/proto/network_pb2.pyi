import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from talosbond.proto import common_pb2 as _common_pb2
from talosbond.proto import enums_pb2 as _enums_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AddressStatusSpec(_message.Message):
    __slots__ = ("address", "local", "broadcast", "anycast", "multicast", "link_index", "link_name", "family", "scope", "flags", "priority")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    ANYCAST_FIELD_NUMBER: _ClassVar[int]
    MULTICAST_FIELD_NUMBER: _ClassVar[int]
    LINK_INDEX_FIELD_NUMBER: _ClassVar[int]
    LINK_NAME_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    address: _common_pb2.NetIPPrefix
    local: _common_pb2.NetIP
    broadcast: _common_pb2.NetIP
    anycast: _common_pb2.NetIP
    multicast: _common_pb2.NetIP
    link_index: int
    link_name: str
    family: _enums_pb2.NethelpersFamily
    scope: _enums_pb2.NethelpersScope
    flags: int
    priority: int
    def __init__(self, address: _Optional[_Union[_common_pb2.NetIPPrefix, _Mapping]] = ..., local: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., broadcast: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., anycast: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., multicast: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., link_index: _Optional[int] = ..., link_name: _Optional[str] = ..., family: _Optional[_Union[_enums_pb2.NethelpersFamily, str]] = ..., scope: _Optional[_Union[_enums_pb2.NethelpersScope, str]] = ..., flags: _Optional[int] = ..., priority: _Optional[int] = ...) -> None: ...

class RouteNextHop(_message.Message):
    __slots__ = ("gateway", "out_link_name", "weight")
    GATEWAY_FIELD_NUMBER: _ClassVar[int]
    OUT_LINK_NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    gateway: _common_pb2.NetIP
    out_link_name: str
    weight: int
    def __init__(self, gateway: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., out_link_name: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class RouteStatusSpec(_message.Message):
    __slots__ = ("family", "destination", "source", "gateway", "out_link_index", "out_link_name", "table", "priority", "scope", "type", "flags", "protocol", "mtu", "next_hops")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    GATEWAY_FIELD_NUMBER: _ClassVar[int]
    OUT_LINK_INDEX_FIELD_NUMBER: _ClassVar[int]
    OUT_LINK_NAME_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    MTU_FIELD_NUMBER: _ClassVar[int]
    NEXT_HOPS_FIELD_NUMBER: _ClassVar[int]
    family: _enums_pb2.NethelpersFamily
    destination: _common_pb2.NetIPPrefix
    source: _common_pb2.NetIP
    gateway: _common_pb2.NetIP
    out_link_index: int
    out_link_name: str
    table: _enums_pb2.NethelpersRoutingTable
    priority: int
    scope: _enums_pb2.NethelpersScope
    type: _enums_pb2.NethelpersRouteType
    flags: int
    protocol: _enums_pb2.NethelpersRouteProtocol
    mtu: int
    next_hops: _containers.RepeatedCompositeFieldContainer[RouteNextHop]
    def __init__(self, family: _Optional[_Union[_enums_pb2.NethelpersFamily, str]] = ..., destination: _Optional[_Union[_common_pb2.NetIPPrefix, _Mapping]] = ..., source: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., gateway: _Optional[_Union[_common_pb2.NetIP, _Mapping]] = ..., out_link_index: _Optional[int] = ..., out_link_name: _Optional[str] = ..., table: _Optional[_Union[_enums_pb2.NethelpersRoutingTable, str]] = ..., priority: _Optional[int] = ..., scope: _Optional[_Union[_enums_pb2.NethelpersScope, str]] = ..., type: _Optional[_Union[_enums_pb2.NethelpersRouteType, str]] = ..., flags: _Optional[int] = ..., protocol: _Optional[_Union[_enums_pb2.NethelpersRouteProtocol, str]] = ..., mtu: _Optional[int] = ..., next_hops: _Optional[_Iterable[_Union[RouteNextHop, _Mapping]]] = ...) -> None: ...

class VLANSpec(_message.Message):
    __slots__ = ("vid", "protocol")
    VID_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    vid: int
    protocol: _enums_pb2.NethelpersVLANProtocol
    def __init__(self, vid: _Optional[int] = ..., protocol: _Optional[_Union[_enums_pb2.NethelpersVLANProtocol, str]] = ...) -> None: ...

class STPSpec(_message.Message):
    __slots__ = ("enabled",)
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    def __init__(self, enabled: _Optional[bool] = ...) -> None: ...

class BridgeVLANSpec(_message.Message):
    __slots__ = ("filtering_enabled",)
    FILTERING_ENABLED_FIELD_NUMBER: _ClassVar[int]
    filtering_enabled: bool
    def __init__(self, filtering_enabled: _Optional[bool] = ...) -> None: ...

class BridgeMasterSpec(_message.Message):
    __slots__ = ("stp", "vlan")
    STP_FIELD_NUMBER: _ClassVar[int]
    VLAN_FIELD_NUMBER: _ClassVar[int]
    stp: STPSpec
    vlan: BridgeVLANSpec
    def __init__(self, stp: _Optional[_Union[STPSpec, _Mapping]] = ..., vlan: _Optional[_Union[BridgeVLANSpec, _Mapping]] = ...) -> None: ...

class BondMasterSpec(_message.Message):
    __slots__ = ("mode", "hash_policy", "lacp_rate", "arp_validate", "arp_all_targets", "primary_index", "primary_reselect", "fail_over_mac", "ad_select", "mii_mon", "up_delay", "down_delay", "arp_interval", "resend_igmp", "min_links", "lp_interval", "packets_per_slave", "num_peer_notif", "tlb_dynamic_lb", "all_slaves_active", "use_carrier", "ad_actor_sys_prio", "ad_user_port_key", "peer_notify_delay", "arpip_targets", "nsip6_targets", "adlacp_active", "missed_max", "primary")
    MODE_FIELD_NUMBER: _ClassVar[int]
    HASH_POLICY_FIELD_NUMBER: _ClassVar[int]
    LACP_RATE_FIELD_NUMBER: _ClassVar[int]
    ARP_VALIDATE_FIELD_NUMBER: _ClassVar[int]
    ARP_ALL_TARGETS_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_INDEX_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_RESELECT_FIELD_NUMBER: _ClassVar[int]
    FAIL_OVER_MAC_FIELD_NUMBER: _ClassVar[int]
    AD_SELECT_FIELD_NUMBER: _ClassVar[int]
    MII_MON_FIELD_NUMBER: _ClassVar[int]
    UP_DELAY_FIELD_NUMBER: _ClassVar[int]
    DOWN_DELAY_FIELD_NUMBER: _ClassVar[int]
    ARP_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RESEND_IGMP_FIELD_NUMBER: _ClassVar[int]
    MIN_LINKS_FIELD_NUMBER: _ClassVar[int]
    LP_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    PACKETS_PER_SLAVE_FIELD_NUMBER: _ClassVar[int]
    NUM_PEER_NOTIF_FIELD_NUMBER: _ClassVar[int]
    TLB_DYNAMIC_LB_FIELD_NUMBER: _ClassVar[int]
    ALL_SLAVES_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    USE_CARRIER_FIELD_NUMBER: _ClassVar[int]
    AD_ACTOR_SYS_PRIO_FIELD_NUMBER: _ClassVar[int]
    AD_USER_PORT_KEY_FIELD_NUMBER: _ClassVar[int]
    PEER_NOTIFY_DELAY_FIELD_NUMBER: _ClassVar[int]
    ARPIP_TARGETS_FIELD_NUMBER: _ClassVar[int]
    NSIP6_TARGETS_FIELD_NUMBER: _ClassVar[int]
    ADLACP_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    MISSED_MAX_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    mode: _enums_pb2.NethelpersBondMode
    hash_policy: _enums_pb2.NethelpersBondXmitHashPolicy
    lacp_rate: _enums_pb2.NethelpersLACPRate
    arp_validate: _enums_pb2.NethelpersARPValidate
    arp_all_targets: _enums_pb2.NethelpersARPAllTargets
    primary_index: int
    primary_reselect: _enums_pb2.NethelpersPrimaryReselect
    fail_over_mac: _enums_pb2.NethelpersFailOverMAC
    ad_select: _enums_pb2.NethelpersADSelect
    mii_mon: int
    up_delay: int
    down_delay: int
    arp_interval: int
    resend_igmp: int
    min_links: int
    lp_interval: int
    packets_per_slave: int
    num_peer_notif: int
    tlb_dynamic_lb: int
    all_slaves_active: int
    use_carrier: bool
    ad_actor_sys_prio: int
    ad_user_port_key: int
    peer_notify_delay: int
    arpip_targets: _containers.RepeatedCompositeFieldContainer[_common_pb2.NetIP]
    nsip6_targets: _containers.RepeatedCompositeFieldContainer[_common_pb2.NetIP]
    adlacp_active: _enums_pb2.NethelpersADLACPActive
    missed_max: int
    primary: str
    def __init__(self, mode: _Optional[_Union[_enums_pb2.NethelpersBondMode, str]] = ..., hash_policy: _Optional[_Union[_enums_pb2.NethelpersBondXmitHashPolicy, str]] = ..., lacp_rate: _Optional[_Union[_enums_pb2.NethelpersLACPRate, str]] = ..., arp_validate: _Optional[_Union[_enums_pb2.NethelpersARPValidate, str]] = ..., arp_all_targets: _Optional[_Union[_enums_pb2.NethelpersARPAllTargets, str]] = ..., primary_index: _Optional[int] = ..., primary_reselect: _Optional[_Union[_enums_pb2.NethelpersPrimaryReselect, str]] = ..., fail_over_mac: _Optional[_Union[_enums_pb2.NethelpersFailOverMAC, str]] = ..., ad_select: _Optional[_Union[_enums_pb2.NethelpersADSelect, str]] = ..., mii_mon: _Optional[int] = ..., up_delay: _Optional[int] = ..., down_delay: _Optional[int] = ..., arp_interval: _Optional[int] = ..., resend_igmp: _Optional[int] = ..., min_links: _Optional[int] = ..., lp_interval: _Optional[int] = ..., packets_per_slave: _Optional[int] = ..., num_peer_notif: _Optional[int] = ..., tlb_dynamic_lb: _Optional[int] = ..., all_slaves_active: _Optional[int] = ..., use_carrier: _Optional[bool] = ..., ad_actor_sys_prio: _Optional[int] = ..., ad_user_port_key: _Optional[int] = ..., peer_notify_delay: _Optional[int] = ..., arpip_targets: _Optional[_Iterable[_Union[_common_pb2.NetIP, _Mapping]]] = ..., nsip6_targets: _Optional[_Iterable[_Union[_common_pb2.NetIP, _Mapping]]] = ..., adlacp_active: _Optional[_Union[_enums_pb2.NethelpersADLACPActive, str]] = ..., missed_max: _Optional[int] = ..., primary: _Optional[str] = ...) -> None: ...

class VRFMasterSpec(_message.Message):
    __slots__ = ("table",)
    TABLE_FIELD_NUMBER: _ClassVar[int]
    table: _enums_pb2.NethelpersRoutingTable
    def __init__(self, table: _Optional[_Union[_enums_pb2.NethelpersRoutingTable, str]] = ...) -> None: ...

class VethSpec(_message.Message):
    __slots__ = ("peer_name",)
    PEER_NAME_FIELD_NUMBER: _ClassVar[int]
    peer_name: str
    def __init__(self, peer_name: _Optional[str] = ...) -> None: ...

class WireguardPeer(_message.Message):
    __slots__ = ("public_key", "preshared_key", "endpoint", "persistent_keepalive_interval", "allowed_ips")
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    PRESHARED_KEY_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    PERSISTENT_KEEPALIVE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_IPS_FIELD_NUMBER: _ClassVar[int]
    public_key: str
    preshared_key: str
    endpoint: str
    persistent_keepalive_interval: _duration_pb2.Duration
    allowed_ips: _containers.RepeatedCompositeFieldContainer[_common_pb2.NetIPPrefix]
    def __init__(self, public_key: _Optional[str] = ..., preshared_key: _Optional[str] = ..., endpoint: _Optional[str] = ..., persistent_keepalive_interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., allowed_ips: _Optional[_Iterable[_Union[_common_pb2.NetIPPrefix, _Mapping]]] = ...) -> None: ...

class WireguardSpec(_message.Message):
    __slots__ = ("private_key", "public_key", "listen_port", "firewall_mark", "peers")
    PRIVATE_KEY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    LISTEN_PORT_FIELD_NUMBER: _ClassVar[int]
    FIREWALL_MARK_FIELD_NUMBER: _ClassVar[int]
    PEERS_FIELD_NUMBER: _ClassVar[int]
    private_key: str
    public_key: str
    listen_port: int
    firewall_mark: int
    peers: _containers.RepeatedCompositeFieldContainer[WireguardPeer]
    def __init__(self, private_key: _Optional[str] = ..., public_key: _Optional[str] = ..., listen_port: _Optional[int] = ..., firewall_mark: _Optional[int] = ..., peers: _Optional[_Iterable[_Union[WireguardPeer, _Mapping]]] = ...) -> None: ...

class LinkStatusSpec(_message.Message):
    __slots__ = ("index", "type", "link_index", "flags", "hardware_addr", "broadcast_addr", "mtu", "queue_disc", "master_index", "operational_state", "kind", "slave_kind", "bus_path", "pciid", "driver", "driver_version", "firmware_version", "product_id", "vendor_id", "product", "vendor", "link_state", "speed_megabits", "port", "duplex", "vlan", "bridge_master", "bond_master", "wireguard", "permanent_addr", "alias", "alt_names", "vrf_master", "veth")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    LINK_INDEX_FIELD_NUMBER: _ClassVar[int]
    FLAGS_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_ADDR_FIELD_NUMBER: _ClassVar[int]
    BROADCAST_ADDR_FIELD_NUMBER: _ClassVar[int]
    MTU_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DISC_FIELD_NUMBER: _ClassVar[int]
    MASTER_INDEX_FIELD_NUMBER: _ClassVar[int]
    OPERATIONAL_STATE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SLAVE_KIND_FIELD_NUMBER: _ClassVar[int]
    BUS_PATH_FIELD_NUMBER: _ClassVar[int]
    PCIID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_FIELD_NUMBER: _ClassVar[int]
    DRIVER_VERSION_FIELD_NUMBER: _ClassVar[int]
    FIRMWARE_VERSION_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_ID_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    LINK_STATE_FIELD_NUMBER: _ClassVar[int]
    SPEED_MEGABITS_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    DUPLEX_FIELD_NUMBER: _ClassVar[int]
    VLAN_FIELD_NUMBER: _ClassVar[int]
    BRIDGE_MASTER_FIELD_NUMBER: _ClassVar[int]
    BOND_MASTER_FIELD_NUMBER: _ClassVar[int]
    WIREGUARD_FIELD_NUMBER: _ClassVar[int]
    PERMANENT_ADDR_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    ALT_NAMES_FIELD_NUMBER: _ClassVar[int]
    VRF_MASTER_FIELD_NUMBER: _ClassVar[int]
    VETH_FIELD_NUMBER: _ClassVar[int]
    index: int
    type: _enums_pb2.NethelpersLinkType
    link_index: int
    flags: int
    hardware_addr: bytes
    broadcast_addr: bytes
    mtu: int
    queue_disc: str
    master_index: int
    operational_state: _enums_pb2.NethelpersOperationalState
    kind: str
    slave_kind: str
    bus_path: str
    pciid: str
    driver: str
    driver_version: str
    firmware_version: str
    product_id: str
    vendor_id: str
    product: str
    vendor: str
    link_state: bool
    speed_megabits: int
    port: _enums_pb2.NethelpersPort
    duplex: _enums_pb2.NethelpersDuplex
    vlan: VLANSpec
    bridge_master: BridgeMasterSpec
    bond_master: BondMasterSpec
    wireguard: WireguardSpec
    permanent_addr: bytes
    alias: str
    alt_names: _containers.RepeatedScalarFieldContainer[str]
    vrf_master: VRFMasterSpec
    veth: VethSpec
    def __init__(self, index: _Optional[int] = ..., type: _Optional[_Union[_enums_pb2.NethelpersLinkType, str]] = ..., link_index: _Optional[int] = ..., flags: _Optional[int] = ..., hardware_addr: _Optional[bytes] = ..., broadcast_addr: _Optional[bytes] = ..., mtu: _Optional[int] = ..., queue_disc: _Optional[str] = ..., master_index: _Optional[int] = ..., operational_state: _Optional[_Union[_enums_pb2.NethelpersOperationalState, str]] = ..., kind: _Optional[str] = ..., slave_kind: _Optional[str] = ..., bus_path: _Optional[str] = ..., pciid: _Optional[str] = ..., driver: _Optional[str] = ..., driver_version: _Optional[str] = ..., firmware_version: _Optional[str] = ..., product_id: _Optional[str] = ..., vendor_id: _Optional[str] = ..., product: _Optional[str] = ..., vendor: _Optional[str] = ..., link_state: _Optional[bool] = ..., speed_megabits: _Optional[int] = ..., port: _Optional[_Union[_enums_pb2.NethelpersPort, str]] = ..., duplex: _Optional[_Union[_enums_pb2.NethelpersDuplex, str]] = ..., vlan: _Optional[_Union[VLANSpec, _Mapping]] = ..., bridge_master: _Optional[_Union[BridgeMasterSpec, _Mapping]] = ..., bond_master: _Optional[_Union[BondMasterSpec, _Mapping]] = ..., wireguard: _Optional[_Union[WireguardSpec, _Mapping]] = ..., permanent_addr: _Optional[bytes] = ..., alias: _Optional[str] = ..., alt_names: _Optional[_Iterable[str]] = ..., vrf_master: _Optional[_Union[VRFMasterSpec, _Mapping]] = ..., veth: _Optional[_Union[VethSpec, _Mapping]] = ...) -> None: ...
