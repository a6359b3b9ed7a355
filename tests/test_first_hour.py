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


SEED = FIXTURES / "e1000e-onboard-plus-addin"


def test_a_talos_without_selectors_is_not_sent_to_a_flag_that_does_not_exist() -> None:
    result = run("patch", "--from", str(FIXTURES / "maintenance-mode-v1.3"), "--dhcp")
    assert result.code == 2 and "no bond device selectors" in result.err
    assert "--allow-names" not in result.err


def test_patch_refuses_to_guess_the_talos_version() -> None:
    unknown = run("patch", "--from", str(FIXTURES / "maintenance-no-driver"), "--dhcp")
    assert unknown.code == 2 and "is not known" in unknown.err and "--talos-version" in unknown.err
    assert unknown.out == ""


def test_a_bad_version_file_is_blamed_on_the_file(tmp_path: Path) -> None:
    import shutil

    capture = tmp_path / "node"
    shutil.copytree(SEED, capture)
    (capture / "version.txt").write_text("latest\n")
    result = run("patch", "--from", str(capture), "--dhcp")
    assert result.code == 2 and "version.txt" in result.err and "'latest'" in result.err


def test_output_that_looks_like_a_format_is_refused(tmp_path: Path) -> None:
    result = run("patch", "--from", str(SEED), "--dhcp", "-o", "json")
    assert result.code == 2 and "looks like a format" in result.err
    assert not Path("json").exists()


def test_patch_output_needs_an_existing_folder_and_is_not_private(tmp_path: Path) -> None:
    missing = run("patch", "--from", str(SEED), "--dhcp", "-o", str(tmp_path / "typo" / "bond.yaml"))
    assert missing.code == 2 and "no folder" in missing.err
    assert not (tmp_path / "typo").exists()
    written = tmp_path / "bond.yaml"
    result = run("patch", "--from", str(SEED), "--dhcp", "-o", str(written))
    assert result.code == 0, result.err
    assert written.stat().st_mode & 0o044  # a patch holds no secret: readable like any file the user makes
    assert f"--patch @{written} --mode try" in result.err  # the next step


def test_the_management_note_says_what_keeps_the_node_reachable() -> None:
    result = run("patch", "--from", str(SEED), "--dhcp")
    note = next(line for line in result.err.splitlines() if "management traffic" in line)
    assert "stays reachable through DHCP on bond0" in note and "give the bond" not in note
    assert "(on enp0s31f6)" not in note  # the card is named once


def test_a_gateway_the_bond_cannot_reach_is_warned_about() -> None:
    outside = run("patch", "--from", str(SEED), "--address", "10.13.17.19/24", "--gateway", "10.9.9.1")
    assert outside.code == 0, outside.err
    assert "warning: --gateway 10.9.9.1 is outside the bond's subnets" in outside.err
    family = run("patch", "--from", str(SEED), "--address", "10.13.17.19/24", "--gateway", "fd00::1")
    assert "warning: --gateway fd00::1 is IPv6 but the bond has no IPv6 address" in family.err


def test_a_one_card_bond_is_warned_about_and_a_card_twice_refused() -> None:
    one = run("patch", "--from", str(SEED), "--dhcp", "--ports", "enp1s0")
    assert "warning: 10.13.17.19: the bond has one member (enp1s0)" in one.err
    twice = run("patch", "--from", str(SEED), "--dhcp", "--ports", "enp1s0,enp1s0")
    assert twice.code == 2 and "the same card twice" in twice.err


def test_mode_lacp_points_to_802_3ad_and_a_card_name_is_not_a_bond_name() -> None:
    lacp = run("patch", "--from", str(SEED), "--dhcp", "--mode", "lacp")
    assert lacp.code == 2 and "did you mean --mode 802.3ad?" in lacp.err
    card = run("patch", "--from", str(SEED), "--dhcp", "--bond", "enp1s0")
    assert card.code == 2 and "has a network card of that name" in card.err


def test_dual_stack_vlan() -> None:
    from talosbond.config import read_config

    result = run("patch", "--from", str(SEED), "--dhcp", "--vlan", "87:10.1.1.1/24", "--vlan", "87:fd00::1/64")
    assert result.code == 0, result.err
    (vlan,) = read_config(result.out, "patch").legacy_bonds[0].device["vlans"]
    assert vlan["vlanId"] == 87 and vlan["addresses"] == ["10.1.1.1/24", "fd00::1/64"]


def test_capture_mistakes_get_their_own_message(tmp_path: Path) -> None:
    import shutil

    file = run("discover", "--from", str(SEED / "links.yaml"))
    assert file.code == 2 and "a file; --from takes the capture folder" in file.err
    fleet = tmp_path / "fleet"
    shutil.copytree(SEED, fleet / "a")
    shutil.copytree(SEED, fleet / "b")
    twice = run("discover", "--from", str(fleet), "-o", "json")
    assert twice.code == 2 and "holds node 10.13.17.19, as a does" in twice.err
    bom = tmp_path / "bom"
    shutil.copytree(SEED, bom)
    (bom / "links.yaml").write_text("\ufeff" + (SEED / "links.yaml").read_text())
    assert run("discover", "--from", str(bom), "-o", "json").code == 0


def test_save_never_overwrites(tmp_path: Path) -> None:
    target = tmp_path / "capture"
    target.mkdir()
    (target / "links.yaml").write_text("kept\n")
    result = run("discover", "--from", str(SEED), "--save", str(target))
    assert result.code == 2 and "already exists" in result.err
    assert (target / "links.yaml").read_text() == "kept\n"


def test_single_node_hint_is_not_about_fleets() -> None:
    result = run("patch", "--from", str(FIXTURES / "maintenance-no-driver"), "--talos-version", "1.11", "--dhcp",
                 "--ports", "eth0,eth1")
    assert result.code == 2 and "fleet" not in result.err and "report no driver" in result.err


def test_verify_tells_nodes_without_a_bond_from_unreadable_ones() -> None:
    result = run("verify", "--from", str(FIXTURES / "fleet-3-identical"))
    assert "3 node(s) without a bond" in result.out and "could not be read" not in result.out


def test_apply_diff_shows_what_changes_not_how_it_is_written() -> None:
    from talosbond.apply import config_diff

    current = "machine:\n  install:\n    disk: /dev/sda\n  network:\n    hostname: w1\n"
    merged = ('machine:\n    install:\n        disk: "/dev/sda"\n    network:\n        hostname: "w1"\n'
              "        interfaces:\n            - interface: bond0\n")
    diff = config_diff(current, merged, "n1")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert [line.split()[-1] for line in changed] == ["interfaces:", "bond0"]
