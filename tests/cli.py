"""Running the CLI in-process (typer's runner) with stdout and stderr kept apart."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from unittest import mock

import typer
import typer.testing
from typer.testing import CliRunner

from talosbond.cli import Runtime, app


@dataclass
class Result:
    code: int
    out: str
    err: str


@cache
def _command() -> typer.core.TyperGroup:
    """The click command typer builds from `app`: built once, as `talosbond` itself does per process (the
    runner would build it again, from every command's signature, on each invoke: a fifth of the suite)."""
    command = typer.main.get_command(app)
    assert isinstance(command, typer.core.TyperGroup)
    return command


def run(*args: str, runtime: Runtime | None = None, env: dict[str, str] | None = None) -> Result:
    """One run of `talosbond ARGS`; `runtime` replaces the run's settings (e.g. a fake clock)."""
    with mock.patch.object(typer.testing, "_get_command", lambda _app: _command()):
        result = CliRunner().invoke(app, list(args), catch_exceptions=False, obj=runtime, env=env)
    return Result(result.exit_code, result.stdout, result.stderr)
