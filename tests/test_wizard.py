"""`talosbond wizard` in a real pseudo-terminal (pexpect), answering as a person would."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect
from cli import run
from conftest import FIXTURES

from talosbond.config import read_config

SEED = FIXTURES / "e1000e-onboard-plus-addin"


def _spawn(tmp_path: Path, *args: str) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "talosbond", "wizard", *args], cwd=str(tmp_path), encoding="utf-8",
                          timeout=30, dimensions=(50, 200), env={"PATH": "/usr/bin:/bin", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"})
    return child


def _answer_all(child: pexpect.spawn, vlan: str) -> None:
    child.expect("Cards to bond")
    child.send("\r")  # the suggested group is pre-selected
    child.expect("Bond mode")
    child.send("\r")  # active-backup
    child.expect("VLANs on the bond")
    child.send(vlan + "\r")
    child.expect("Address of the bond")
    child.send("\r")  # DHCP is the default once the management card is a member
    child.expect("Target Talos version")
    child.send("\r")


def test_defaults_give_a_proven_patch(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "--from", str(SEED))
    _answer_all(child, "87:10.13.87.19/24")
    child.expect("Save the patch to")
    child.send("\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    view = read_config((tmp_path / "bond.yaml").read_text(), "bond.yaml")
    bond, = view.legacy_bonds
    assert bond.device["dhcp"] is True and bond.device["vlans"][0]["vlanId"] == 87
    assert all(s.driver == "e1000e" for s in bond.selectors)


def test_a_refused_answer_is_explained_and_asked_again(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "--from", str(SEED))
    _answer_all(child, "5000")
    child.expect("outside 1-4094")
    _answer_all(child, "87")
    child.expect("Save the patch to")
    child.send("\x15mine.yaml\r")  # Ctrl-U clears the suggested name first
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and (tmp_path / "mine.yaml").is_file()


def test_ctrl_c_writes_nothing(tmp_path: Path) -> None:
    child = _spawn(tmp_path, "--from", str(SEED))
    child.expect("Cards to bond")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_it_says_so() -> None:
    result = run("wizard", "--from", str(SEED))
    assert result.code == 2 and "needs a terminal" in result.err
