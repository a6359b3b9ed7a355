"""Running the CLI in-process (typer's runner) with stdout and stderr kept apart."""

from __future__ import annotations

from dataclasses import dataclass

from typer.testing import CliRunner

from talosbond.cli import app


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)
