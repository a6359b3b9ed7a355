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


# The pipeline, in the order data flows through it. A module may import its own stage and earlier ones, never a
# later one. The records (`model.py` and the small helpers beside it) are the vocabulary every stage speaks, so
# they come first; a source reads and hands what it read to the parse stage, so parsing comes before sources.
STAGES: dict[str, tuple[str, ...]] = {
    "records": ("model", "errors", "features", "globs", "cel", "clock", "yamlout", "bondopts", "proto"),
    "parsing": ("parsing", "config", "merge", "replace"),
    "sources": ("sources",),
    "plan/selectors/simulate": ("plan", "selectors", "simulate", "ranking", "shapes", "answers", "addressing"),
    "render/lint/verify": ("render", "lint", "verify", "health", "validate", "logtrace", "rules", "suppression",
                           "nad", "nncp", "patchjob", "apply", "drill", "discovery", "fix"),
    "output/cli": ("output", "cli", "wizard", "__main__", "__init__"),
}
ORDER = list(STAGES)
# Known exceptions, each with the reason it is still there.
ALLOWED: set[tuple[str, str]] = set()  # none left: sources/settings.py returns the table, rules parses it


def _stage(module: str) -> str | None:
    head = module.split(".")[0]
    return next((stage for stage, heads in STAGES.items() if head in heads), None)


def _runtime_imports(path: Path) -> set[str]:
    """talosbond modules imported when the code runs (not those only type checkers see), without the prefix."""
    found: set[str] = set()

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for sub in child.orelse:
                    walk(sub)
                continue
            if isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                if child.module == "talosbond":
                    found.update(alias.name for alias in child.names)
                elif child.module.startswith("talosbond."):
                    found.add(child.module.removeprefix("talosbond."))
            elif isinstance(child, ast.Import):
                found.update(a.name.removeprefix("talosbond.") for a in child.names if a.name.startswith("talosbond."))
            walk(child)

    walk(ast.parse(path.read_text()))
    return found


def _module(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def test_every_module_has_a_stage() -> None:
    assert [_module(p) for p in _modules() if _stage(_module(p)) is None] == []


def test_each_stage_imports_only_earlier_ones() -> None:
    backwards = []
    for path in _modules():
        module = _module(path)
        stage = _stage(module)
        for imported in _runtime_imports(path):
            target = _stage(imported)
            if stage is None or target is None or ORDER.index(target) <= ORDER.index(stage):
                continue
            if (module, imported.split(".")[0]) not in ALLOWED and (module, imported) not in ALLOWED:
                backwards.append(f"{module} ({stage}) imports {imported} ({target})")
    assert backwards == []


def test_the_stage_check_sees_a_backwards_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from talosbond.output import to_json\nif TYPE_CHECKING:\n    from talosbond.cli import app\n")
    assert _runtime_imports(bad) == {"output"}
    assert ORDER.index(_stage("output") or "") > ORDER.index(_stage("parsing.links") or "")


MAX_FUNCTION_LINES = 60


def test_no_function_is_longer_than_a_screen() -> None:
    """Issue 11's bar: a function a person can read at once (signature and docstring included)."""
    long = sorted(
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in _modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    )
    assert long == []
