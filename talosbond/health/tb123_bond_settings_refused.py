"""Talos logs `error updating bond settings for "bond0"`: the kernel refused the bond options from the config (an
option the mode does not take, a value out of range). Talos brings the bond down and releases its members
before each try, so the bond keeps dropping.

Failing: options the kernel rejects for the mode.
Passing: options valid for the mode (`talosbond lint`).
"""

from __future__ import annotations

from talosbond.health._log import log_check

CODE = "TB123"
NAME = "bond-settings-refused"
LEVEL = "error"

check = log_check(CODE)
