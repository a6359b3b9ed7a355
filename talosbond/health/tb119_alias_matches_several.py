"""Talos logs `link selector matched multiple links, skipping`: a LinkAliasConfig with a fixed name matched more
than one physical link, so Talos set that alias on none, and a BondConfig listing the alias lacks that member.

Failing: `selector: {match: link.driver == "e1000e"}` on a node with two e1000e cards.
Passing: `mac(link.permanent_addr) == "10:e7:c6:16:5a:3c"` (one card).
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB119"
NAME = "alias-matches-several"
LEVEL = "error"

check = log_check(CODE)
