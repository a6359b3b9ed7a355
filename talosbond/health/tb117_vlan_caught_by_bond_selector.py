"""Talos logs `error enslaving/unslaving link "bond0.87" under "bond0": ... device or resource busy`: a legacy
bond selector also matches a VLAN on the bond (the VLAN carries the bond's MAC), so Talos tries to enslave the
VLAN into its own parent and the kernel refuses, forever.

Failing: `deviceSelectors: [{hardwareAddr: "10:e7:c6:16:*"}]` with VLAN 87.
Passing: the same selector with `driver: e1000e` (or `physical: true`, or `permanentAddr` instead of
    `hardwareAddr`).
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB117"
NAME = "vlan-caught-by-bond-selector"
LEVEL = "error"

check = log_check(CODE)
