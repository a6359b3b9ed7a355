"""The `talosbond` command line (typer): options in, pipeline calls, errors out as exit codes.

One module per command (or family of commands); each registers itself on `app` when imported. A new command
is a new module here plus its name in COMMANDS. Exit codes: 0 done and clean; 1 problems found; 2 usage,
input or source error.

Start-up is part of the interface (issue 9: `--version` under 100 ms, `discover --from` a fixture under
250 ms): `main` imports only the modules of the commands named on the command line (all of them for
`--help`, a typo or shell completion), and answers a bare `--version` before typer is imported at all.
`app` and `Runtime` are loaded on first use, with every command registered.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from talosbond.cli.common import Runtime, app

__all__ = ["COMMANDS", "Runtime", "app", "main"]

# The command modules, in the order `talosbond --help` lists their commands.
COMMANDS = ("discover", "patch", "nad", "lint", "wizard", "verify", "apply", "drill")
# Commands that live in a module of another name.
_MODULE_OF = {"explain": "lint", "rules": "lint", "schema": "wizard"}


def _register(names: tuple[str, ...] = COMMANDS) -> Any:
    """Import the command modules `names` (each adds its command to `app`) and return `app`."""
    for name in names:
        import_module(f"talosbond.cli.{name}")
    return import_module("talosbond.cli.common").app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _register()
    if name == "Runtime":
        return import_module("talosbond.cli.common").Runtime
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _needed(argv: list[str]) -> tuple[str, ...]:
    """The command modules a command line needs: every command name on it (an option's value that happens
    to be a command name only costs an import), or all of them when it names none (`--help`, a typo that
    click should answer with the list) or the shell is asking for completions."""
    named = tuple(dict.fromkeys(_MODULE_OF.get(a, a) for a in argv if a in COMMANDS or a in _MODULE_OF))
    if not named or any(k.endswith("_COMPLETE") for k in os.environ):
        return COMMANDS
    return named


def main() -> None:
    """Console-script entry point."""
    argv = sys.argv[1:]
    if argv == ["--version"]:
        from talosbond import __version__

        sys.stdout.write(f"talosbond {__version__}\n")
        return
    _register(_needed(argv))()
