"""A Talos network controller logs an error that names one of the node's bonds or VLANs and that talosbond has no
specific rule for: shown as is, with where it came from.

Failing: any such line.
Passing: none.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB129"
NAME = "bond-controller-error"
LEVEL = "warning"

check = log_check(CODE)
