"""/proc/net/bonding and Talos's LinkStatus (`bondMaster`, members' `masterIndex`) disagree on the mode, hash
policy, LACP rate, miimon or the member set. Both come from the kernel, so the two reads were taken at
different moments (the bond changed in between, or a capture mixes two times).

Failing: /proc/net/bonding says 802.3ad, LinkStatus `bondMaster.mode` says active-backup.
Passing: both reads agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond.config import as_int
from talosbond.health import HealthContext
from talosbond.health._util import SETTING_LABELS, running_settings
from talosbond.model import Problem

CODE = "TB115"
NAME = "differs-from-linkstatus"
LEVEL = "warning"


def check(ctx: HealthContext) -> Iterator[Problem]:
    link = ctx.link
    if link is None or link.bond_master is None:
        return
    spec: dict[str, Any] = link.bond_master
    running = running_settings(ctx.status)
    reported: dict[str, str | int] = {"mode": str(spec.get("mode", "")), "miimon": as_int(spec.get("miimon")) or 0}
    if "xmit_hash_policy" in running and spec.get("xmitHashPolicy") is not None:
        reported["xmit_hash_policy"] = str(spec["xmitHashPolicy"])
    if "lacp_rate" in running and spec.get("lacpRate") is not None:
        reported["lacp_rate"] = str(spec["lacpRate"])
    for key, value in reported.items():
        if key in running and str(running[key]).lower() != str(value).lower():
            yield ctx.problem(
                f"{SETTING_LABELS[key]}: /proc/net/bonding says {running[key]}, LinkStatus bondMaster says "
                f"{value}: the two reads disagree, so the bond changed between them",
                f"read both again (`talosctl -n NODE get links {ctx.bond} -o yaml`)",
            )
    if ctx.member_links or ctx.status.members:
        enslaved = {x.name for x in ctx.member_links}
        in_proc = {m.name for m in ctx.status.members}
        if enslaved != in_proc:
            yield ctx.problem(
                f"members: /proc/net/bonding lists {', '.join(sorted(in_proc)) or 'none'}, LinkStatus "
                f"(masterIndex {link.index}) lists {', '.join(sorted(enslaved)) or 'none'}: the two reads disagree",
                f"read both again (`talosctl -n NODE get links -o yaml`, `talosctl -n NODE read "
                f"/proc/net/bonding/{ctx.bond}`)",
            )
