"""The running mode, transmit hash policy, LACP rate or miimon differs from the config (`--against FILE`, the
node's machine config, or the patch being applied): the node does not run the config, because it was not
applied yet or Talos could not change the bond in place.

Failing: the config says `mode: 802.3ad`, the bond runs `Bonding Mode: fault-tolerance (active-backup)`.
Passing: the bond runs the mode, hash policy, LACP rate and miimon the config sets.
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.health import HealthContext
from talosbond.health._util import SETTING_LABELS, running_settings
from talosbond.model import Problem

CODE = "TB114"
NAME = "differs-from-config"
LEVEL = "error"


def check(ctx: HealthContext) -> Iterator[Problem]:
    expected = ctx.expected
    if expected is None:
        return
    running = running_settings(ctx.status)
    for key, wanted in expected.settings.items():
        if key not in running:
            continue  # the kernel does not print it for this mode
        if str(running[key]).lower() != str(wanted).lower():
            yield ctx.problem(
                f"{SETTING_LABELS[key]}: the bond runs {running[key]}, {expected.source} says {wanted}: "
                f"{_setting_meaning(key)}",
                "whether the config was applied (`talosctl -n NODE get machineconfig`), and "
                "`talosctl -n NODE logs controller-runtime`; a mode change may need the bond re-created (reboot)"
                + ("; the LACP rate configured on the switch port-channel" if key == "lacp_rate" else ""),
            )


def _setting_meaning(key: str) -> str:
    return {
        "mode": "the bond does not run the mode the config asks for",
        "xmit_hash_policy": "flows are spread over the members differently than configured",
        "lacp_rate": "LACPDUs go out at another rate than configured (fast: every second, slow: every 30 s), so "
                     "failure detection takes longer or shorter",
        "miimon": "link failures are detected at another interval than configured (0 = not at all without ARP)",
    }[key]
