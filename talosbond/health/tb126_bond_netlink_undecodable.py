"""Talos logs that it cannot decode or encode the kernel's bond or VLAN attributes (`error parsing bond
attributes`, `failure decoding bond attributes`, `error decoding VLAN properties`): Talos and the kernel
disagree on the netlink format, so Talos cannot compare or update the settings. A Talos bug or mismatch:
report it with the line.

Failing: a kernel newer than the Talos release knows.
Passing: the kernel Talos ships.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB126"
NAME = "bond-netlink-undecodable"
LEVEL = "warning"

check = log_check(CODE)
