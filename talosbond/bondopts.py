"""Bond options beyond the common ones, under each world's spelling: Talos BondConfig, Talos legacy, nmstate.

talosbond keeps such options under their BondConfig name (the current Talos spelling); the legacy
`machine.network.interfaces[].bond` key and the nmstate `link-aggregation.options` key are looked up here.
Checks follow Talos's legacy `checkBond` (v1alpha1_validation.go), which BondConfig does not repeat but the
kernel enforces anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from talosbond.errors import UsageError

TLB_ALB = ("balance-tlb", "balance-alb")


@dataclass(frozen=True)
class BondOption:
    """One option: `legacy` None = the v1alpha1 bond cannot carry it (Talos rejects or lacks the key)."""

    multidoc: str
    legacy: str | None
    nmstate: str
    kind: str  # int | enum | bool | ips
    values: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()  # empty: any mode
    maximum: int = 2**32 - 1


OPTIONS: tuple[BondOption, ...] = (
    BondOption("adSelect", "adSelect", "ad_select", "enum", ("stable", "bandwidth", "count"), ("802.3ad",)),
    BondOption("adActorSysPrio", "adActorSysPrio", "ad_actor_sys_prio", "int", modes=("802.3ad",), maximum=65535),
    BondOption("adUserPortKey", "adUserPortKey", "ad_user_port_key", "int", modes=("802.3ad",), maximum=1023),
    BondOption("adLACPActive", None, "lacp_active", "enum", ("on", "off"), ("802.3ad",)),
    BondOption("arpInterval", "arpInterval", "arp_interval", "int",
               modes=("balance-rr", "active-backup", "balance-xor", "broadcast")),
    BondOption("arpIpTargets", None, "arp_ip_target", "ips"),
    BondOption("nsIp6Targets", None, "ns_ip6_target", "ips"),
    BondOption("arpValidate", "arpValidate", "arp_validate", "enum",
               ("none", "active", "backup", "all", "filter", "filter-active", "filter-backup"),
               ("balance-rr", "active-backup", "balance-xor", "broadcast")),
    BondOption("arpAllTargets", "arpAllTargets", "arp_all_targets", "enum", ("any", "all")),
    BondOption("missedMax", None, "arp_missed_max", "int", maximum=255),
    BondOption("primaryReselect", "primaryReselect", "primary_reselect", "enum", ("always", "better", "failure"),
               ("active-backup", *TLB_ALB)),
    BondOption("failOverMac", "failOverMac", "fail_over_mac", "enum", ("none", "active", "follow")),
    BondOption("resendIGMP", "resendIgmp", "resend_igmp", "int", maximum=255),
    BondOption("minLinks", "minLinks", "min_links", "int"),
    BondOption("lpInterval", "lpInterval", "lp_interval", "int"),
    BondOption("packetsPerSlave", "packetsPerSlave", "packets_per_slave", "int", maximum=65535),
    BondOption("numPeerNotif", "numPeerNotif", "num_grat_arp", "int", maximum=255),
    BondOption("peerNotifDelay", "peerNotifyDelay", "peer_notif_delay", "int"),
    BondOption("tlbLogicalLb", "tlbDynamicLb", "tlb_dynamic_lb", "int", modes=TLB_ALB, maximum=1),
    BondOption("allSlavesActive", "allSlavesActive", "all_slaves_active", "int", maximum=1),
    BondOption("useCarrier", "useCarrier", "use_carrier", "bool"),
)
BY_MULTIDOC = {option.multidoc: option for option in OPTIONS}


def check_option(mode: str, key: str, value: Any) -> None:
    """Refuse a value Talos (or the kernel, for the mode) would refuse. `key` is the BondConfig name."""
    option = BY_MULTIDOC.get(key)
    if option is None:
        raise UsageError(f"unknown bond option {key!r}")
    if option.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= option.maximum:
            raise UsageError(f"bond option {key} must be a whole number 0-{option.maximum}, not {value!r}")
    elif option.kind == "enum" and value not in option.values:
        raise UsageError(f"bond option {key} {value!r} is not one Talos knows", "choose " + ", ".join(option.values))
    elif option.kind == "bool" and not isinstance(value, bool):
        raise UsageError(f"bond option {key} must be true or false, not {value!r}")
    elif option.kind == "ips" and not (isinstance(value, list) and value and len(value) <= 16):
        raise UsageError(f"bond option {key} must list 1-16 IP addresses")
    # Talos's legacy check only refuses packetsPerSlave above 1 outside balance-rr (1 is the kernel default).
    trivial = key == "packetsPerSlave" and value == 1
    if option.modes and mode not in option.modes and not trivial:
        raise UsageError(f"bond option {key} does not apply to {mode}", "it applies to " + ", ".join(option.modes))


def check_options(mode: str, options: Mapping[str, Any], primary: str | None) -> None:
    """Every extra option, plus the ones that depend on each other."""
    for key, value in options.items():
        check_option(mode, key, value)
    if "primaryReselect" in options and primary is None:
        raise UsageError("bond option primaryReselect needs a primary port")


def legacy_name(key: str) -> str | None:
    """The v1alpha1 spelling of a BondConfig option, None where the legacy bond cannot carry it."""
    option = BY_MULTIDOC.get(key)
    return option.legacy if option else None
