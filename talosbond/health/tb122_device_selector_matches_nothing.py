"""Talos logs `failed to select an interface for a device`: an interface's `deviceSelector` matched no link, so
that entry (its addresses, VLANs, routes) is not applied.

Failing: `deviceSelector: {driver: ixgbe}` on a node without ixgbe.
Passing: a selector for a card the node has.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB122"
NAME = "device-selector-matches-nothing"
LEVEL = "warning"

check = log_check(CODE)
