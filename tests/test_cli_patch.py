"""`talosbond patch`, `lint`, `explain`, `rules` as a user runs them."""

from __future__ import annotations

import pytest
from cli import run
from conftest import FIXTURES

from talosbond.config import read_config

SEED = FIXTURES / "e1000e-onboard-plus-addin"
PITFALL = FIXTURES / "post-bond-vlan-pitfall"
SEED_CONFIG = """\
machine:
    network:
        interfaces:
            - interface: bond0
              bond:
                  deviceSelectors:
                      - hardwareAddr: "10:e7:c6:16:*"
                  mode: active-backup
              vlans:
                  - vlanId: 87
                    addresses:
                        - 10.13.87.19/24
"""


def _cards(capture) -> list[str]:  # type: ignore[no-untyped-def]
    from talosbond.discovery import parse_raws
    from talosbond.sources.capture import read_capture

    nodes, _, _ = parse_raws(read_capture(str(capture)))
    return [link.name for link in nodes[0].physical_links]


def test_seed_patch_on_1_11_is_legacy_and_proven() -> None:
    result = run("patch", "--from", str(SEED), "--ports", ",".join(_cards(SEED)), "--vlan", "87:10.13.87.19/24",
                 "--dhcp")
    assert result.code == 0, result.err
    view = read_config(result.out, "out")
    bond, = view.legacy_bonds
    assert all(s.driver == "e1000e" for s in bond.selectors)
    assert "proven" in result.err and "v1alpha1" in result.err


def test_enslaving_the_management_card_carries_its_address_to_the_bond() -> None:
    # without --dhcp/--address the bond takes the card's static address and default route (test_addressing.py
    # has the refusal when the capture cannot tell how the card is addressed)
    result = run("patch", "--from", str(SEED), "--ports", ",".join(_cards(SEED)), "--vlan", "87:10.13.87.19/24")
    assert result.code == 0, result.err
    (bond,) = read_config(result.out, "out").legacy_bonds
    assert bond.device["addresses"] == ["10.13.17.19/24"]
    assert bond.device["routes"] == [{"network": "0.0.0.0/0", "gateway": "10.13.17.1"}]


@pytest.mark.parametrize(("args", "message"), [
    (["--ports", "eth9,eth8"], "no card named 'eth9'"),
    (["--mode", "lacp"], "unknown bond mode 'lacp'"),
    (["--mode", "active-backup", "--lacp-rate", "fast"], "--lacp-rate applies to 802.3ad only"),
    (["--vlan", "5000"], "outside 1-4094"),
    (["--address", "10.13.87.19"], "no prefix length"),
    (["--address", "not-an-ip/24"], "not an address"),
    (["--miimon", "100", "--updelay", "150"], "not a multiple of --miimon"),
    (["--talos-version", "1.3"], "no bond device selectors"),
    (["--talos-version", "banana"], "not a Talos version"),
    (["--bond", "bond-with-a-very-long-name"], "not a valid interface name"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = run("patch", "--from", str(SEED), *args)
    assert result.code == 2
    assert result.out == ""
    assert message in result.err
    assert "Traceback" not in result.err
    assert result.err.count("error:") == 1


def test_output_file_is_written_atomically(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "bond.yaml"
    result = run("patch", "--from", str(SEED), "--ports", ",".join(_cards(SEED)), "--dhcp", "-o", str(target))
    assert result.code == 0 and result.out == ""
    assert read_config(target.read_text(), "bond.yaml").legacy_bonds
    assert [p.name for p in tmp_path.iterdir()] == ["bond.yaml"]


def test_seed_config_lints_with_the_pitfall_on_the_post_bond_capture(tmp_path) -> None:  # type: ignore[no-untyped-def]
    current = (PITFALL / "machineconfig.yaml").read_text()
    assert '- hardwareAddr: "10:e7:c6:16:*"' in current
    result = run("lint", str(PITFALL / "machineconfig.yaml"), "--from", str(PITFALL))
    assert result.code == 1
    assert "TB001" in result.out and "bond0.87" in result.out
    fixed = tmp_path / "fixed.yaml"
    indent = " " * (current.index('- hardwareAddr: "10:e7') - current.rindex("\n", 0, current.index('- hardwareAddr: "10:e7')) + 1)
    fixed.write_text(current.replace('- hardwareAddr: "10:e7:c6:16:*"', f'- hardwareAddr: "10:e7:c6:16:*"\n{indent}driver: e1000e'))
    clean = run("lint", str(fixed), "--from", str(PITFALL), "-o", "json")
    import json

    problems = json.loads(clean.out)["problems"]
    assert clean.code == 0, problems
    assert not [p for p in problems if p["level"] == "error"]


def test_explain_shows_the_vlan_matched(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "worker.yaml"
    config.write_text(SEED_CONFIG)
    result = run("explain", str(config), "--from", str(PITFALL))
    assert result.code == 1
    assert "bond0.87" in result.out and "selects virtual link(s) bond0.87" in result.out


def test_lint_without_links_runs_static_rules_only(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "worker.yaml"
    config.write_text(SEED_CONFIG)
    result = run("lint", str(config), "-o", "json")
    import json

    codes = {p["code"] for p in json.loads(result.out)["problems"]}
    assert "TB001" in codes and "TB002" not in codes
    assert result.code == 1


@pytest.mark.parametrize("text", ["machine: [unclosed\n", "- op: add\n  path: /machine\n", ""])
def test_lint_bad_yaml_is_exit_2(tmp_path, text: str) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    result = run("lint", str(config))
    assert result.code == 2 and "bad.yaml" in result.err and "Traceback" not in result.err


def test_rules_lists_and_explains() -> None:
    listing = run("rules")
    assert listing.code == 0 and "TB001" in listing.out
    one = run("rules", "TB001")
    assert "Failing" in one.out and "Passing" in one.out
    assert "TB105" in listing.out  # bond health rules are listed too
    assert "TB105" in run("rules", "TB105").out
    assert run("rules", "TB999").code == 2
