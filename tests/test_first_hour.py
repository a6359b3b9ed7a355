"""Issue 9, a new user's first hour: what a command says must be true and useful the first time."""

from __future__ import annotations

from pathlib import Path

from cli import run
from conftest import FIXTURES

PITFALL = FIXTURES / "post-bond-vlan-pitfall"


def test_lint_says_a_file_without_a_bond_was_not_checked(tmp_path: Path) -> None:
    config = tmp_path / "worker.yaml"
    config.write_text("machine:\n    network:\n        hostname: w1\n")
    result = run("lint", str(config))
    assert result.code == 0
    assert f"{config}: no bond in it" in result.out


def test_lint_without_links_says_the_selectors_were_not_simulated() -> None:
    config = str(PITFALL / "machineconfig.yaml")
    alone = run("lint", config)
    assert "were not matched against a node's links" in alone.err and "TB002" in alone.err
    with_links = run("lint", config, "--from", str(PITFALL))
    assert "not matched" not in with_links.err


def test_lint_values_read_as_yaml_not_python() -> None:
    result = run("lint", str(PITFALL / "machineconfig.yaml"), "--talos-version", "1.9")
    assert "physical: true" in result.out and "True" not in result.out


def test_read_only_commands_put_their_result_on_stdout() -> None:
    for args in (("discover", "--from", str(PITFALL)), ("verify", "--from", str(PITFALL)),
                 ("explain", str(PITFALL / "machineconfig.yaml"), "--from", str(PITFALL)),
                 ("lint", str(PITFALL / "machineconfig.yaml"), "--from", str(PITFALL)), ("rules",)):
        result = run(*args)
        assert result.out.strip(), args
        assert "┃" not in result.err and "──" not in result.err, args  # no table on stderr
