"""Bond health rules (TB1xx): one module per rule (`tbNNN_name.py`), on the framework lint uses
(`talosbond.rules`). Each reads a parsed `/proc/net/bonding/<bond>` (plus the node's LinkStatus and, when
known, the config the bond was made from) and says what a problem means on the wire and what to check on
the switch or the node. A bond is healthy when no finding is at level `error`.

Pure: `talosbond.verify` gathers what a rule looks at; the CLI and `apply` fetch the texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from talosbond.model import BondMember, BondStatus, Link, Problem
from talosbond.rules import Rule, Settings, by_level, load_rules, run_rules

if TYPE_CHECKING:
    from talosbond.logtrace import Trace


@dataclass(frozen=True)
class Expected:
    """What the bond should look like, from a config (`--against FILE`, the node's machine config, a patch).

    `members` is None when the config says nothing usable about them; `settings` holds only what the
    config sets explicitly (keys `mode`, `xmit_hash_policy`, `lacp_rate`, `miimon`).
    """

    source: str
    members: tuple[str, ...] | None = None
    settings: dict[str, str | int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class HealthContext:
    """What a health rule may look at: one bond of one node, and an earlier read of it (rising counters)."""

    node: str
    status: BondStatus
    link: Link | None
    member_links: tuple[Link, ...]
    expected: Expected | None
    previous: BondStatus | None
    traces: tuple[Trace, ...] = ()  # Talos's own errors about this bond, from its controller-runtime log

    @property
    def bond(self) -> str:
        return self.status.name or "the bond"

    @property
    def lacp(self) -> bool:
        return self.status.mode == "802.3ad"

    @property
    def arp(self) -> bool:
        """ARP monitoring: the kernel then judges members by ARP replies, not by their carrier."""
        return bool(self.status.arp_interval) and not self.status.miimon

    @property
    def up_members(self) -> list[BondMember]:
        return [m for m in self.status.members if m.mii_status == "up"]

    def before(self, member: str) -> BondMember | None:
        return self.previous.member(member) if self.previous is not None else None

    def problem(self, message: str, check: str = "", member: str = "", level: str = "") -> Problem:
        """A finding: what it means on the wire, and what to look at (`check`). The framework fills in the
        code and the level (`level` only where it depends on what was found)."""
        return Problem(code="", level=level, message=message, node=self.node, path=self.status.name, check=check,
                       member=member)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every health rule, in code order."""
    return load_rules(__name__, __path__, "health")


def run_health(ctx: HealthContext, settings: Settings | None = None) -> list[Problem]:
    """Every enabled health rule on one bond, errors first."""
    return by_level(run_rules(all_rules(), ctx, settings or Settings(), lambda rule: False))


def is_log_rule(rule: Rule) -> bool:
    """A rule that reports what Talos logged (TB117-TB129), rather than what /proc/net/bonding shows."""
    from talosbond.health._log import LogCheck

    return isinstance(rule.check, LogCheck)


def run_log_rules(node: str, traces: Sequence[Trace], settings: Settings | None = None) -> list[Problem]:
    """The log rules on the findings that concern no verified bond (an alias, a bond Talos never made)."""
    from talosbond.health._log import LogContext

    if not traces:
        return []
    rules = [r for r in all_rules() if is_log_rule(r)]
    return by_level(run_rules(rules, LogContext(node, tuple(traces)), settings or Settings(), lambda rule: False))
