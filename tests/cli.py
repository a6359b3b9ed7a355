"""Running the CLI in-process (typer's runner) with stdout and stderr kept apart."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from talosbond.cli import Runtime, app


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str, runtime: Runtime | None = None, env: dict[str, str] | None = None) -> Result:
    """One run of `talosbond ARGS`; `runtime` replaces the run's settings (e.g. a fake clock)."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False, obj=runtime, env=env)
    return Result(result.exit_code, result.stdout, result.stderr)
