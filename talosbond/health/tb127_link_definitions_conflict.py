"""Talos logs `error merging links`: two config layers (machine config, platform, kernel cmdline, legacy and
multi-document) define the same link differently, and only one definition is used.

Failing: bond0 in `machine.network.interfaces` and a BondConfig `bond0`.
Passing: one definition.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB127"
NAME = "link-definitions-conflict"
LEVEL = "warning"

check = log_check(CODE)
