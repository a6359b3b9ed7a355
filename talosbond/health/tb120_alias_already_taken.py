"""Talos logs `link already has an alias, skipping`: two LinkAliasConfigs match the same card; the first (by name
on 1.13+) keeps it and the other alias is set on no link. An error when a bond lists the alias that lost.

Failing: aliases `net0` and `uplink` both matching enp1s0.
Passing: selectors that each match a different card.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB120"
NAME = "alias-already-taken"
LEVEL = "warning"

check = log_check(CODE)
