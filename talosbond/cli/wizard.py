"""`talosbond wizard` and `talosbond schema pull`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from talosbond.cli.common import TalosVersionOpt, app, command
from talosbond.errors import UsageError

if TYPE_CHECKING:
    from talosbond.cli.common import Runtime
    from talosbond.sources import Connection


@app.command()
@command()
def wizard(conn: Connection, runtime: Runtime) -> int:
    """Answer questions (cards, mode and its options, addressing, VLANs, version, format) and get the patch
    `patch` would write, saved to a file; then NADs for the VLANs if you like. Ctrl-C exits 130."""
    from talosbond.wizard import run_wizard

    return run_wizard(conn, runtime.terminal)


schema_app = typer.Typer(help="Talos's own config schema, used beside talosbond's when cached.", no_args_is_help=True)
app.add_typer(schema_app, name="schema")


@schema_app.command("pull")
@command()
def schema_pull(talos_version: TalosVersionOpt = None) -> int:
    """Fetch Talos's config JSON schema for a release into the user cache; `patch` then validates
    multi-document output against it as well."""
    from talosbond.plan import parse_version
    from talosbond.sources.schema import pull_schema
    from talosbond.validate import official_schema_path

    if not talos_version:
        raise UsageError("which Talos release?", "pass --talos-version X.Y, e.g. --talos-version 1.12")
    version = parse_version(talos_version)
    path = official_schema_path(version)
    size = pull_schema(version, str(path))
    sys.stderr.write(f"saved Talos {version[0]}.{version[1]} schema ({size} bytes) to {path}\n")
    return 0
