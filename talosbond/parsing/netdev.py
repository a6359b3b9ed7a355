"""`/proc/net/dev` (as `talosctl read /proc/net/dev` prints it) -> `Counters` per interface."""

from __future__ import annotations

import re

from talosbond.errors import ParseError
from talosbond.model import Counters

# The name ends at the last colon that is followed by exactly 16 integers: old kernels print no
# space after the colon, wide counters touch it, and names may themselves contain a colon.
_ROW = re.compile(r"^\s*(\S+?):\s*(\d+(?:\s+\d+){15})\s*$")


def parse_netdev(text: str, source: str = "/proc/net/dev") -> dict[str, Counters]:
    """Parse the kernel's /proc/net/dev table; raises `ParseError` on anything else or a cut-off row."""
    lines = text.splitlines()
    rows: dict[str, Counters] = {}
    header_seen = 0
    for lineno, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if header_seen < 2:
            if ("Inter-|" in line and header_seen == 0) or ("face |" in line and header_seen == 1):
                header_seen += 1
                continue
            raise ParseError(
                source, lineno,
                "expected the /proc/net/dev header (`Inter-|   Receive ...` then ` face |bytes ...`)",
                "pass the output of `talosctl read /proc/net/dev`",
            )
        match = _ROW.match(line)
        if match is None:
            count = len(line.partition(":")[2].split()) if ":" in line else 0
            detail = f"found {count}" if ":" in line else "no `name:`"
            raise ParseError(
                source, lineno, f"expected `name:` followed by 16 counters ({detail}); is the file cut off?"
            )
        name = match.group(1)
        values = [int(v) for v in match.group(2).split()]
        if name in rows:
            raise ParseError(source, lineno, f"interface {name!r} listed twice")
        rows[name] = Counters(
            name=name,
            rx_bytes=values[0], rx_packets=values[1], rx_errors=values[2], rx_dropped=values[3],
            tx_bytes=values[8], tx_packets=values[9], tx_errors=values[10], tx_dropped=values[11],
        )
    if header_seen < 2:
        raise ParseError(source, None, "empty or headerless input: expected /proc/net/dev")
    return rows
