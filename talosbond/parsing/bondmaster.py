"""A bond's settings as Talos's LinkStatus reports them (`bondMaster`), in one form whichever way they came.

Talos has printed the same settings differently over the years: `failOverMac` as a number up to v1.12 and
as a name from v1.13, the primary member as an ifindex under `primary` up to v1.13 and as `primary` (a
name) plus `primaryIndex` in v1.14, and zero values left out (`omitempty`). The protobuf spec carries
numbers only. Both become the same dict here: every key present, enums by name, `primaryIndex` and
`primary` apart, zero values filled in, keys this module does not know left out (the protobuf path
cannot see them either). The one exception is `adLacpActive`: the wire cannot tell "off"
from "not reported" (Talos before v1.12), so the key is present only when it is "on".
"""

from __future__ import annotations

from typing import Any

# nethelpers enums by wire number, spelled as Talos prints them.
BOND_MODES = dict(enumerate(("balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb",
                             "balance-alb")))
XMIT_HASH_POLICIES = dict(enumerate(("layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4")))
LACP_RATES = {0: "slow", 1: "fast"}
ARP_VALIDATE = dict(enumerate(("none", "active", "backup", "all", "filter", "filter-active", "filter-backup")))
ARP_ALL_TARGETS = {0: "any", 1: "all"}
PRIMARY_RESELECT = {0: "always", 1: "better", 2: "failure"}
FAIL_OVER_MAC = {0: "none", 1: "active", 2: "follow"}
AD_SELECT = {0: "stable", 1: "bandwidth", 2: "count"}
AD_LACP_ACTIVE = {0: "off", 1: "on"}

# YAML key -> (protobuf field, names by number)
ENUMS: dict[str, tuple[str, dict[int, str]]] = {
    "mode": ("mode", BOND_MODES), "xmitHashPolicy": ("hash_policy", XMIT_HASH_POLICIES),
    "lacpRate": ("lacp_rate", LACP_RATES), "arpValidate": ("arp_validate", ARP_VALIDATE),
    "arpAllTargets": ("arp_all_targets", ARP_ALL_TARGETS), "primaryReselect": ("primary_reselect", PRIMARY_RESELECT),
    "failOverMac": ("fail_over_mac", FAIL_OVER_MAC), "adSelect": ("ad_select", AD_SELECT),
}
# YAML key -> protobuf field, for the plain numbers.
NUMBERS = {
    "primaryIndex": "primary_index", "miimon": "mii_mon", "updelay": "up_delay", "downdelay": "down_delay",
    "arpInterval": "arp_interval", "resendIgmp": "resend_igmp", "minLinks": "min_links", "lpInterval": "lp_interval",
    "packetsPerSlave": "packets_per_slave", "numPeerNotif": "num_peer_notif", "tlbLogicalLb": "tlb_dynamic_lb",
    "allSlavesActive": "all_slaves_active", "adActorSysPrio": "ad_actor_sys_prio",
    "adUserPortKey": "ad_user_port_key", "peerNotifyDelay": "peer_notify_delay", "missedMax": "missed_max",
}


def _name(table: dict[int, str], value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return table.get(value, value)
    if isinstance(value, str) and value.isdigit():
        return table.get(int(value), value)
    return value


def _number(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def from_yaml(spec: dict[str, Any]) -> dict[str, Any]:
    """A `bondMaster:` mapping (values as the YAML reader gives them) -> the settings."""
    out: dict[str, Any] = {key: _name(table, spec.get(key, 0)) for key, (_, table) in ENUMS.items()}
    for key in NUMBERS:
        out[key] = _number(spec.get(key, 0))
    primary = spec.get("primary", "")
    if isinstance(primary, int) or (isinstance(primary, str) and primary.isdigit()):
        out["primaryIndex"], primary = int(primary), ""  # Talos <= v1.13: the member's ifindex
    out["primary"] = str(primary)
    out["useCarrier"] = spec.get("useCarrier") in (True, "true")
    for key in ("arpIpTargets", "nsIp6Targets"):
        out[key] = [str(x) for x in spec.get(key) or []]
    if str(spec.get("adLacpActive", "")) in ("on", "1"):
        out["adLacpActive"] = "on"
    return out


def from_fields(values: dict[str, Any], targets: dict[str, list[str]]) -> dict[str, Any]:
    """The settings from a BondMasterSpec's fields (by protobuf field name, enums as numbers), with its
    ARP/NS target addresses already as text."""
    out: dict[str, Any] = {key: table.get(values[field], values[field]) for key, (field, table) in ENUMS.items()}
    for key, field in NUMBERS.items():
        out[key] = values[field]
    out["primary"] = values["primary"]
    out["useCarrier"] = values["use_carrier"]
    out["arpIpTargets"], out["nsIp6Targets"] = targets["arpip_targets"], targets["nsip6_targets"]
    if values["adlacp_active"] == 1:
        out["adLacpActive"] = "on"
    return out
