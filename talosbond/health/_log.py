"""What the log rules (TB117-TB129) share: each reports the findings `logtrace` traced from Talos's
controller-runtime log under its own code, for one bond (`HealthContext.traces`) or for the node
(`LogContext`, findings that concern no bond talosbond verified)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from talosbond.model import Problem

if TYPE_CHECKING:
    from talosbond.logtrace import Trace


@dataclass(frozen=True)
class LogContext:
    """The node-level context of the log rules: the node and the findings that concern no verified bond."""

    node: str
    traces: tuple[Trace, ...]

    def problem(self, message: str, check: str = "", member: str = "", level: str = "") -> Problem:
        return Problem(code="", level=level, message=message, node=self.node, check=check, member=member)


class LogCheck:
    """A log rule's `check`: the traced findings of its code, as problems (the level from the trace when it
    depends on what was found, else the rule's)."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __call__(self, ctx: Any) -> Iterator[Problem]:
        for trace in ctx.traces:
            if trace.code == self.code:
                yield ctx.problem(trace.text, trace.check, level=trace.level)


def log_check(code: str) -> Callable[[Any], Iterator[Problem]]:
    return LogCheck(code)
