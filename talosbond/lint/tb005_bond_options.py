"""Bond options Talos (or the kernel) refuses: unknown enum values, options that do not apply to the mode,
delays that are not multiples of miimon, names and selectors given together.

Talos's own validation (`checkBond`) rejects: lacpRate, adActorSysPrio and adUserPortKey outside 802.3ad;
arpValidate and arpInterval in 802.3ad, balance-tlb and balance-alb; primary outside active-backup,
balance-tlb and balance-alb; packetsPerSlave > 1 outside balance-rr; tlbDynamicLb outside tlb/alb;
updelay/downdelay without miimon or not a multiple of it; arpIPTarget and adActorSystem; `interfaces`
with `deviceSelectors`. A BondConfig needs `bondMode` and `links`, and uses its own key names.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: active-backup, lacpRate: fast, miimon: 100, updelay: 150}
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond: {interfaces: [eth0, eth1], mode: 802.3ad, lacpRate: fast, miimon: 100, updelay: 200}
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.lint._util import as_int, bond_options, mode_of
from talosbond.model import Problem
from talosbond.plan import HASH_POLICIES, LACP_RATES, MODES

CODE = "TB005"
NAME = "bond-options"
LEVEL = "error"

_ENUMS = {
    "xmitHashPolicy": HASH_POLICIES,
    "lacpRate": LACP_RATES,
    "arpValidate": ("none", "active", "backup", "all", "filter", "filter-active", "filter-backup"),
    "arpAllTargets": ("any", "all"),
    "primaryReselect": ("always", "better", "failure"),
    "adSelect": ("stable", "bandwidth", "count"),
}
_ONLY = {  # option -> modes it is allowed in
    "lacpRate": ("802.3ad",), "adActorSysPrio": ("802.3ad",), "adUserPortKey": ("802.3ad",),
    "adLACPActive": ("802.3ad",), "primary": ("active-backup", "balance-tlb", "balance-alb"),
    "tlbDynamicLb": ("balance-tlb", "balance-alb"), "tlbLogicalLb": ("balance-tlb", "balance-alb"),
}
_NO_ARP = ("802.3ad", "balance-tlb", "balance-alb")
_NOT_IN = {"arpValidate": _NO_ARP, "arpInterval": _NO_ARP}
_LEGACY_ONLY = {"mode": "bondMode", "resendIgmp": "resendIGMP", "tlbDynamicLb": "tlbLogicalLb",
                "peerNotifyDelay": "peerNotifDelay", "arpIPTarget": "arpIpTargets", "interfaces": "links",
                "deviceSelectors": "LinkAliasConfig documents"}


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, name, options, style in bond_options(ctx.view):
        mode = mode_of(options, style)
        if style == "multidoc":
            if not mode:
                yield ctx.problem(f"BondConfig {name}: bondMode must be set", path=path)
            if not options.get("links"):
                yield ctx.problem(f"BondConfig {name}: at least one link must be listed", path=path)
            for key, better in _LEGACY_ONLY.items():
                if key in options:
                    yield ctx.problem(f"BondConfig {name}: unknown key {key!r} (the BondConfig "
                                      f"spelling is {better!r}); Talos rejects the document", path=path)
        else:
            if options.get("interfaces") and options.get("deviceSelectors"):
                yield ctx.problem(f"bond {name}: interfaces and deviceSelectors are mutually "
                                  "exclusive", path=path)
            for key in ("arpIPTarget", "adActorSystem"):
                if key in options:
                    yield ctx.problem(f"bond {name}: {key} is not supported by Talos", path=path)
        if mode and mode not in MODES:
            yield ctx.problem(f"bond {name}: unknown mode {mode!r} (Talos knows {', '.join(MODES)})",
                              path=path)
        effective = mode or "balance-rr"  # the kernel default when a legacy bond names no mode
        for key, allowed in _ENUMS.items():
            value = options.get(key)
            if value is not None and value not in allowed:
                yield ctx.problem(f"bond {name}: {key} {value!r} is not one of {', '.join(allowed)}",
                                  path=path)
        for key, modes in _ONLY.items():
            if options.get(key) not in (None, "", 0) and effective not in modes:
                yield ctx.problem(f"bond {name}: {key} applies to {', '.join(modes)}, not {effective}",
                                  path=path)
        for key, modes in _NOT_IN.items():
            if options.get(key) not in (None, "", 0) and effective in modes:
                yield ctx.problem(f"bond {name}: {key} is not allowed in {effective}", path=path)
        packets = as_int(options.get("packetsPerSlave"))
        if packets is not None and packets > 1 and effective != "balance-rr":
            yield ctx.problem(f"bond {name}: packetsPerSlave > 1 applies to balance-rr only", path=path)
        miimon = as_int(options.get("miimon")) or 0
        for key in ("updelay", "downdelay"):
            delay = as_int(options.get(key)) or 0
            if delay and not miimon:
                yield ctx.problem(f"bond {name}: {key} needs miimon (delays count MII polls)", path=path)
            elif delay and delay % miimon:
                yield ctx.problem(f"bond {name}: {key} {delay} is not a multiple of miimon {miimon}",
                                  path=path)
