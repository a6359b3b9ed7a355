"""Talos logs `error creating logical link`: the kernel refused to create the bond or VLAN (a name longer than 15
bytes, a missing kernel module, a VLAN ID or option it rejects). Nothing is built on it.

Failing: a VLAN named `bond-uplink0.1087`.
Passing: names of at most 15 bytes.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB124"
NAME = "link-create-failed"
LEVEL = "error"

check = log_check(CODE)
