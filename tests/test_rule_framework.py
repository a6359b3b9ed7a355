"""The rule framework both lint (TB0xx) and health (TB1xx) run on: levels from the rule, changed by
--select/--ignore/--level and settings files; inline `# talosbond: disable=` comments; `talosbond rules`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.errors import UsageError
from talosbond.lint import lint_text
from talosbond.rules import Settings, catalogue, cli_settings, find_rule, merge_settings, parse_settings
from talosbond.sources.settings import find_settings, read_settings_file
from talosbond.suppression import find_suppressions

# A bond with two findings: TB001 (a selector on hardwareAddr alone, error) and TB006 (no miimon, warning).
CONFIG = """\
machine:
  network:
    interfaces:
      - interface: bond0
        bond:
          mode: active-backup
          deviceSelectors:
            - hardwareAddr: "10:e7:c6:16:*"
"""


def _codes(text: str = CONFIG, settings: Settings | None = None) -> list[tuple[str, str]]:
    return [(p.code, p.level) for p in lint_text(text, "bond.yaml", (), (1, 11), settings)]


def test_levels_come_from_the_rule() -> None:
    assert _codes() == [("TB001", "error"), ("TB006", "warning")]
    assert find_rule("TB001") is not None and find_rule("TB001").level == "error"  # type: ignore[union-attr]


def test_select_ignore_and_level_on_the_command_line() -> None:
    assert _codes(settings=cli_settings(select=["TB006"])) == [("TB006", "warning")]
    assert _codes(settings=cli_settings(ignore=["selector-matches-virtual"])) == [("TB006", "warning")]
    assert _codes(settings=cli_settings(select=["TB0"], ignore=["TB001,TB006"])) == []
    assert _codes(settings=cli_settings(levels=["TB006=error", "TB001=info"])) == [("TB006", "error"),
                                                                                  ("TB001", "info")]


@pytest.mark.parametrize(("args", "message"), [
    ({"select": ["TB999"]}, "no rule 'TB999'"),
    ({"levels": ["TB006"]}, "is not CODE=LEVEL"),
    ({"levels": ["TB006=fatal"]}, "level 'fatal'"),
])
def test_bad_settings_name_what_is_wrong(args: dict[str, list[str]], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        cli_settings(**args)


def test_a_file_then_the_command_line() -> None:
    base = parse_settings({"ignore": ["TB006"], "level": {"TB001": "warning"}}, "f")
    assert _codes(settings=base) == [("TB001", "warning")]
    merged = merge_settings(base, cli_settings(select=["TB001"], levels=["TB001=error"]))
    assert _codes(settings=merged) == [("TB001", "error")]
    with pytest.raises(UsageError, match="unknown setting"):
        parse_settings({"disable": ["TB001"]}, "f")


def _found(start: Path) -> Settings:
    table = find_settings(start)
    return parse_settings(*table) if table is not None else Settings()


def test_settings_files_are_found_from_the_cwd_upward(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_settings(deep) is None
    (tmp_path / "pyproject.toml").write_text('[tool.talosbond]\nignore = ["TB006"]\n')
    (tmp_path / "a" / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table: keep looking
    assert _found(deep).ignore == ("TB006",)
    (deep / ".talosbond.yaml").write_text("select: [TB001]\nlevel:\n  TB001: warning\n")
    found = _found(deep)
    assert found.select == ("TB001",) and found.levels == (("TB001", "warning"),)
    assert parse_settings(*read_settings_file(tmp_path / "pyproject.toml")).ignore == ("TB006",)
    (deep / ".talosbond.yaml").write_text("level: [TB001]\n")
    with pytest.raises(UsageError, match="level"):
        _found(deep)


@pytest.fixture
def in_dir(tmp_path: Path) -> Iterator[Path]:
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(before)


def test_lint_cli_reads_the_settings_file_and_options(in_dir: Path) -> None:
    (in_dir / "bond.yaml").write_text(CONFIG)
    result = run("lint", "bond.yaml", "--talos-version", "1.11", "-o", "json")
    assert result.code == 1 and [p["code"] for p in json.loads(result.out)["problems"]] == ["TB001", "TB006"]
    (in_dir / ".talosbond.yaml").write_text("ignore: [TB001]\n")
    result = run("lint", "bond.yaml", "--talos-version", "1.11", "-o", "json")
    assert result.code == 0 and [p["code"] for p in json.loads(result.out)["problems"]] == ["TB006"]
    result = run("lint", "bond.yaml", "--talos-version", "1.11", "--level", "TB006=error")
    assert result.code == 1 and result.out.startswith("error TB006")
    (in_dir / "other.toml").write_text('[tool.talosbond]\nselect = ["TB001"]\n')
    result = run("lint", "bond.yaml", "--talos-version", "1.11", "--config", "other.toml", "-o", "json")
    assert [p["code"] for p in json.loads(result.out)["problems"]] == ["TB001"]
    result = run("lint", "bond.yaml", "--select", "TB77")
    assert result.code == 2 and "no rule 'TB77'" in result.err


def test_verify_cli_levels_and_ignore() -> None:
    scenario = str(FIXTURES / "bond-active-backup-failed-over")
    result = run("verify", "--from", scenario, "-o", "json", "--ignore", "TB102")
    (bond,) = json.loads(result.out)["bonds"]
    assert [(p["code"], p["level"]) for p in bond["problems"]] == [("TB110", "warning"), ("TB113", "warning")]
    assert result.code == 0 and bond["healthy"]
    result = run("verify", "--from", scenario, "-o", "json", "--ignore", "TB102", "--level", "TB113=error")
    (bond,) = json.loads(result.out)["bonds"]
    assert result.code == 1 and ("TB113", "error") in [(p["code"], p["level"]) for p in bond["problems"]]


def _suppressed(text: str) -> list[str]:
    return [p.code for p in lint_text(text, "bond.yaml", (), (1, 11))]


def test_inline_disable_on_the_finding_line_its_parent_or_the_line_above() -> None:
    on_line = CONFIG.replace('- hardwareAddr: "10:e7:c6:16:*"', '- hardwareAddr: "10:e7:c6:16:*"  # talosbond: disable=TB001')
    assert _suppressed(on_line) == ["TB006"]
    on_parent = CONFIG.replace("        bond:\n", "        bond:  # talosbond: disable=TB001,no-link-monitoring\n")
    assert _suppressed(on_parent) == []
    above = CONFIG.replace("        bond:\n", "        # talosbond: disable=TB006\n        bond:\n")
    assert _suppressed(above) == ["TB001"]
    elsewhere = CONFIG.replace("mode: active-backup", "mode: active-backup  # talosbond: disable=TB001")
    assert _suppressed(elsewhere) == ["TB001", "TB006"]  # a sibling line does not silence the selector


def test_inline_disable_file_and_multidoc_paths() -> None:
    assert _suppressed("# talosbond: disable-file=TB001\n" + CONFIG) == ["TB006"]
    multidoc = """\
apiVersion: v1alpha1
kind: LinkAliasConfig
name: m0
selector:
  match: link.hardware_addr == b"\\x10"
---
apiVersion: v1alpha1
kind: BondConfig  # talosbond: disable=TB006
name: bond0.x
links: [m0]
bondMode: active-backup
"""
    codes = _suppressed(multidoc)
    assert "TB016" in codes and "TB006" not in codes
    assert "TB006" in _suppressed(multidoc.replace("  # talosbond: disable=TB006", ""))


def test_suppressions_are_read_from_comments_only() -> None:
    found = find_suppressions("a: 1  # talosbond: disable=TB001, TB002\n# talosbond: disable\nb: 2\n")
    assert found.lines == ((1, frozenset({"TB001", "TB002"})), (3, frozenset({"*"})))
    assert not find_suppressions("a: talosbond\n")


def test_rules_lists_both_families_with_docs() -> None:
    result = run("rules")
    assert result.code == 0
    assert "lint rules" in result.out and "bond health rules" in result.out
    for rule in catalogue():
        assert f"  {rule.code}  {rule.level:<7}  {rule.name}" in result.out
    shown = run("rules", "TB110")
    assert shown.code == 0 and "link-failures (health, default level warning)" in shown.out
    assert "Failing:" in shown.out and "Passing:" in shown.out
    assert run("rules", "TB999").code == 2


def test_every_rule_module_follows_the_interface() -> None:
    codes = [r.code for r in catalogue()]
    assert len(set(codes)) == len(codes)
    for rule in catalogue():
        assert rule.family == ("lint" if rule.code.startswith("TB0") else "health"), rule.code
        assert rule.level in ("error", "warning", "info") and rule.name and rule.summary
        assert "Failing" in rule.doc and "Passing" in rule.doc, rule.code


def test_json_findings_carry_their_fix(in_dir: Path) -> None:
    (in_dir / "bond.yaml").write_text(CONFIG.replace("          mode: active-backup\n",
                                                     "          mode: active-backup\n          miimon: 100\n")
                                      .replace("        bond:\n", "        cidr: 10.13.17.19/24\n        bond:\n"))
    result = run("lint", "bond.yaml", "--talos-version", "1.11", "--select", "TB020", "-o", "json")
    (problem,) = json.loads(result.out)["problems"]
    assert problem["fix"] == {"description": "move cidr 10.13.17.19/24 to addresses", "edits": [
        {"doc": 0, "path": ["machine", "network", "interfaces", 0, "addresses"], "op": "set",
         "value": ["10.13.17.19/24"]},
        {"doc": 0, "path": ["machine", "network", "interfaces", 0, "cidr"], "op": "delete", "value": None}]}
    assert "[fix]" in next(line for line in run("rules").out.splitlines() if "TB020" in line)
