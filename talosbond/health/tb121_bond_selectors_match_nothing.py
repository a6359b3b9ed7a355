"""Talos logs `failed to select interfaces for a bond device` (`no matching network device for defined bond
selectors`): none of a legacy bond's deviceSelectors matched a link, so Talos dropped the whole interface
entry: no bond, no VLANs, no addresses.

Failing: `hardwareAddr: "10:e7:c6:17:*"` when the cards are 10:e7:c6:16:*.
Passing: a selector that matches the cards (`talosbond explain`).
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB121"
NAME = "bond-selectors-match-nothing"
LEVEL = "error"

check = log_check(CODE)
