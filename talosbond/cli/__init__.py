"""The `talosbond` command line (typer): options in, pipeline calls, errors out as exit codes.

One module per command (or family of commands); each registers itself on `app` when imported. A new command
is a new module here plus its name in COMMANDS. Exit codes: 0 done and clean; 1 problems found; 2 usage,
input or source error.
"""

from __future__ import annotations

from importlib import import_module

from talosbond.cli.common import Runtime, app

__all__ = ["Runtime", "app", "main"]

# In the order `talosbond --help` lists them.
COMMANDS = ("discover", "patch", "nad", "lint", "wizard", "verify", "apply", "drill")

for _module in COMMANDS:
    import_module(f"talosbond.cli.{_module}")


def main() -> None:
    """Console-script entry point."""
    app()
