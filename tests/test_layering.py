"""DESIGN.md's layering: I/O only in sources/, typer/rich/questionary only in the CLI (the cli/ package),
wizard and output."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "talosbond"
IO_MODULES = {"subprocess", "socket", "ssl", "httpx", "grpclib", "urllib", "http", "asyncio"}
UI_MODULES = {"typer", "rich", "questionary"}
UI_ALLOWED = {"wizard.py", "output.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "proto" not in p.relative_to(PACKAGE).parts]


def test_io_only_in_sources() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imports(p) & IO_MODULES)
        for p in _modules()
        if p.relative_to(PACKAGE).parts[0] != "sources" and _imports(p) & IO_MODULES
    }
    assert offenders == {}


def test_ui_libraries_only_in_cli_wizard_output() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(_imports(p) & UI_MODULES)
        for p in _modules()
        if p.relative_to(PACKAGE).parts[0] != "cli" and str(p.relative_to(PACKAGE)) not in UI_ALLOWED
        and _imports(p) & UI_MODULES
    }
    assert offenders == {}
