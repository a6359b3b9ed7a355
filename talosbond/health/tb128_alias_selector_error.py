"""Talos logs `error evaluating link selector`: a LinkAliasConfig's CEL expression fails on a real link (a field
that is not set, a wrong type), and the alias controller stops before assigning any alias, so every bond that
lists aliases loses those members.

Failing: `link.pciid.startsWith(...)` on links without one.
Passing: an expression that holds on every physical link.
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB128"
NAME = "alias-selector-error"
LEVEL = "error"

check = log_check(CODE)
