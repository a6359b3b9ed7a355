"""Talos logs `error enslaving/unslaving link` (or `error bring down link ... before enslaving`) for a link that
is not a VLAN of the bond: the kernel refuses that card in the bond (it already belongs to another bond or
bridge, its driver cannot be enslaved, or it vanished). The bond runs without it.

Failing: two bonds whose selectors both match enp1s0.
Passing: each card selected by one bond.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB118"
NAME = "enslave-refused"
LEVEL = "error"

check = log_check(CODE)
