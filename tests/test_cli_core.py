"""The CLI's own shape: each option declared once, no state left over between runs in one process."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from cli import run
from conftest import FIXTURES

import talosbond.cli

CLI = Path(talosbond.cli.__file__).parent
# Options whose name means something different per command: `-o` is a format for reading commands and the
# patch FILE for `patch` (as in `talosctl machineconfig patch -o`); `--bond` names the bond to write
# (patch) or the bonds to check (verify).
PER_COMMAND = {"--output", "--bond"}


def _declared_options() -> Counter[str]:
    names: Counter[str] = Counter()
    for path in CLI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Option":
                names.update(a.value for a in node.args if isinstance(a, ast.Constant) and str(a.value)[:2] == "--")
    return names


def test_each_option_is_declared_once() -> None:
    declared = _declared_options()
    assert "--nodes" in declared and "--talos-version" in declared  # the check sees the declarations
    assert {name: n for name, n in declared.items() if n > 1 and name not in PER_COMMAND} == {}


def test_the_connection_options_reach_every_node_command() -> None:
    for command in ("discover", "patch", "lint", "explain", "verify", "wizard"):
        out = run(command, "--help").out
        for option in ("--nodes", "--endpoints", "--talosconfig", "--context", "--insecure", "--source", "--from"):
            assert option in out, (command, option)
    applying = run("apply", "--help").out
    assert "--nodes" in applying and "--from" not in applying and "--insecure" not in applying


def test_debug_does_not_outlive_its_run() -> None:
    missing = str(FIXTURES / "no-such-capture")
    with pytest.raises(Exception, match="no-such-capture"):
        run("--debug", "discover", "--from", missing)  # --debug lets the error through as a traceback
    result = run("discover", "--from", missing)
    assert result.code == 2 and result.err.startswith("error:")
    assert "Traceback" not in result.err

