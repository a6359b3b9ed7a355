"""Talos logs `error parsing bond config`: Talos could not turn the bond's options in the machine config into
settings (an unknown mode, hash policy or LACP rate name), so the bond does not get the options the config
asks for.

Failing: `mode: lacp`.
Passing: `mode: 802.3ad`.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB125"
NAME = "bond-config-unreadable"
LEVEL = "error"

check = log_check(CODE)
