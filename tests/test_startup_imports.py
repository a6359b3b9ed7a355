"""Start-up stays light: `talosbond --help`, `--version` and `discover --from -o json` never import the API
client (grpclib, protobuf), the schema validator (jsonschema), a CEL evaluator, pydantic (typer 0.29 pulls
it into every command: hence the pin in pyproject.toml), rich (tables only) or ruamel.yaml. Checked in a fresh interpreter after the
command ran, since an import anywhere in the test process would hide one here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import FIXTURES, REPO

HEAVY = ("grpclib", "h2", "hpack", "google.protobuf", "jsonschema", "celpy", "cel_expr_python", "cel", "pydantic",
         "pydantic_core", "annotated_types", "rich", "ruamel")

_PROBE = """
import json, sys
from talosbond.cli import main
sys.argv = ["talosbond", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def _modules_after(*args: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [
    ("--help",),
    ("--version",),
    ("discover", "--help"),
    ("discover", "--from", str(FIXTURES / "fleet-3-identical"), "-o", "json"),
    ("discover", "--from", str(FIXTURES / "post-bond-vlan-pitfall"), "-o", "json"),
], ids=lambda a: " ".join(x if "/" not in x else x.rsplit("/", 1)[-1] for x in a))
def test_no_heavy_imports(args: tuple[str, ...]) -> None:
    assert _heavy(_modules_after(*args)) == []


def test_a_table_does_load_rich() -> None:
    """The check sees what a command really imports: drawing a table needs rich."""
    assert "rich" in _modules_after("discover", "--from", str(FIXTURES / "virtio-vm"))


def test_the_probe_sees_heavy_imports() -> None:
    """The check itself works: the API source does pull its HTTP/2 header codec and protobuf in."""
    modules = _modules_after("discover", "--source", "api", "--talosconfig", "/nonexistent", "-n", "x")
    assert "hpack" in modules and "google.protobuf" in modules


def test_version_answers_before_typer_is_imported() -> None:
    """A bare `--version` is the fast path: no command-line framework, no command module."""
    modules = _modules_after("--version")
    assert "typer" not in modules and "talosbond.cli.common" not in modules


def test_a_command_imports_only_its_own_module_and_not_the_proof_machinery() -> None:
    """`discover` loads the discover command alone (not patch, lint, verify...), and neither the
    simulation nor the planner: it derives per-card selectors without proving a bond."""
    modules = _modules_after("discover", "--from", str(FIXTURES / "fleet-3-identical"), "-o", "json")
    commands = {m.rsplit(".", 1)[-1] for m in modules if m.startswith("talosbond.cli.")} - {"common"}
    assert commands == {"discover"}
    assert not {"talosbond.simulate", "talosbond.plan", "talosbond.config"} & modules


def test_help_lists_every_command() -> None:
    """`--help` (no command named) still loads every command module, so none is missing from the list."""
    modules = _modules_after("--help")
    assert {f"talosbond.cli.{name}" for name in ("discover", "patch", "lint", "verify", "apply", "drill")} <= modules
