"""`talosbond wizard` in a real pseudo-terminal (pexpect), answering as a person would."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pexpect
import pytest
from cli import run
from conftest import FIXTURES

from talosbond.config import load_documents

SEED = FIXTURES / "e1000e-onboard-plus-addin"
ENTER, UP, DOWN, CLEAR = "\r", "\x1b[A", "\x1b[B", "\x15"
# The seed node's own address and gateway, on the card the bond takes over: the wizard offers them first.
CARRY = ("--address", "10.13.17.19/24", "--gateway", "10.13.17.1")
PORTS = ("--ports", "enp0s31f6,enp1s0")


class Wizard:
    def __init__(self, tmp_path: Path, *args: str) -> None:
        # PROMPT_TOOLKIT_NO_CPR: no cursor-position request, which a pty without a terminal never answers.
        env = {"PATH": "/usr/bin:/bin", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
        self.child = pexpect.spawn(sys.executable, ["-m", "talosbond", "wizard", "--from", str(SEED), *args],
                                   cwd=str(tmp_path), encoding="utf-8", timeout=60, dimensions=(50, 220), env=env)
        # pexpect waits 50 ms before every send for programs that set up the terminal late; questionary is in
        # raw mode before it draws the prompt we wait for, so the keys can go at once.
        self.child.delaybeforesend = None
        self.seen: list[str] = []

    def answer(self, prompt: str, keys: str = ENTER) -> None:
        self.child.expect(prompt)
        self.seen.append(self.child.before or "")
        self.child.send(keys)

    def text(self, prompt: str, value: str) -> None:
        self.answer(prompt, CLEAR + value + ENTER)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.seen.append(self.child.before or "")
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)


def _bond(w: Wizard, mode_keys: str = ENTER) -> None:
    w.answer("Cards to bond")  # the suggested pair is pre-selected
    w.answer("Bond name")
    w.answer("Bond mode", mode_keys)


def _addressing_and_rest(w: Wizard, vlans: str = "", vlan_address: str = "", address_keys: str = ENTER) -> None:
    w.answer("Address of the bond", address_keys)  # first choice: keep the node's address
    w.text("VLAN ids", vlans)
    if vlans:
        w.text("Address of VLAN", vlan_address)
    w.answer("Target Talos version")
    w.answer("Write it as")


def _active_backup_defaults(w: Wizard) -> None:
    _bond(w)
    w.answer("Primary card")
    for prompt in ("MII link", "updelay", "downdelay", "MTU of the bond"):
        w.answer(prompt)


def _patch(*args: str) -> str:
    result = run("patch", "--from", str(SEED), *PORTS, *args)
    assert result.code == 0, result.err
    return result.out


def test_defaults_write_what_patch_writes(tmp_path: Path) -> None:
    w = Wizard(tmp_path)
    _active_backup_defaults(w)
    _addressing_and_rest(w, "87", "10.13.87.19/24")
    w.answer("Save to")
    w.answer("NetworkAttachmentDefinitions", "n")
    assert w.finish() == 0
    assert (tmp_path / "bond.yaml").read_text() == _patch(*CARRY, "--vlan", "87:10.13.87.19/24")
    assert [p.name for p in tmp_path.iterdir()] == ["bond.yaml"]


def test_an_invalid_answer_is_asked_again_alone(tmp_path: Path) -> None:
    w = Wizard(tmp_path)
    _bond(w)
    w.answer("Primary card")
    w.answer("MII link")
    w.text("updelay", "150")
    w.answer("not a multiple of miimon 100", CLEAR + "300" + ENTER)
    w.answer("downdelay")
    w.answer("MTU of the bond")
    w.answer("Address of the bond")
    w.text("VLAN ids", "5000")
    w.answer("outside 1-4094", CLEAR + "87" + ENTER)
    w.text("Address of VLAN 87", "10.13.87.19")
    w.answer("no prefix length", CLEAR + "10.13.87.19/24" + ENTER)
    w.text("Target Talos version", "banana")
    w.answer("not a Talos version", CLEAR + "1.11" + ENTER)
    w.answer("Write it as")
    w.answer("Save to")
    w.answer("NetworkAttachmentDefinitions", "n")
    assert w.finish() == 0
    # Only the refused answer was asked again: the first question never came back (after its prompt, its
    # title shows once more, on the answered line) and no round started again.
    rest = "".join(w.seen[1:])
    assert rest.count("Cards to bond") <= 1 and "Again" not in rest
    assert (tmp_path / "bond.yaml").read_text() == _patch(*CARRY, "--updelay", "300", "--vlan", "87:10.13.87.19/24")


# Bond modes in the menu: balance-rr, active-backup (the default), balance-xor, broadcast, 802.3ad, tlb, alb.
MODE_CASES = {
    "802.3ad": (DOWN * 3, [("LACP rate", UP), ("Transmit hash policy", DOWN)],
                ["--mode", "802.3ad", "--lacp-rate", "slow", "--xmit-hash-policy", "layer2+3"]),
    "active-backup": ("", [("Primary card", DOWN * 2)], ["--primary", "enp1s0"]),
    "balance-xor": (DOWN, [("Transmit hash policy", DOWN)], ["--mode", "balance-xor", "--xmit-hash-policy",
                                                             "layer3+4"]),
}


@pytest.mark.parametrize("mode", list(MODE_CASES))
def test_every_mode_option_is_asked_and_written(tmp_path: Path, mode: str) -> None:
    mode_keys, option_answers, options = MODE_CASES[mode]
    w = Wizard(tmp_path)
    _bond(w, mode_keys + ENTER)
    for prompt, keys in option_answers:
        w.answer(prompt, keys + ENTER)
    w.text("MII link", "200")
    w.text("updelay", "400")
    w.text("downdelay", "600")
    w.text("MTU of the bond", "9000")
    _addressing_and_rest(w)
    w.answer("Save to")
    assert w.finish() == 0
    expected = _patch(*CARRY, *options, "--miimon", "200", "--updelay", "400", "--downdelay", "600", "--mtu", "9000")
    assert (tmp_path / "bond.yaml").read_text() == expected


def test_nads_are_offered_and_written(tmp_path: Path) -> None:
    w = Wizard(tmp_path)
    _active_backup_defaults(w)
    _addressing_and_rest(w, "87", "10.13.87.19/24")
    w.answer("Save to")
    w.answer("NetworkAttachmentDefinitions", "y")
    w.answer("Pod interface type")
    w.answer("IPAM")
    w.text("Pod address range", "banana")
    w.answer("not a CIDR", CLEAR + ENTER)
    w.text("Namespace", "media")
    w.answer("Save to")
    assert w.finish() == 0
    nad, = load_documents((tmp_path / "nad.yaml").read_text(), "nad.yaml")
    assert nad["metadata"] == {"name": "vlan87", "namespace": "media"}
    config = json.loads(nad["spec"]["config"])
    assert config["master"] == "bond0.87" and config["ipam"]["range"] == "10.13.87.0/24"
    assert "cannot reach each other" in "".join(w.seen)


def test_an_existing_file_is_not_overwritten_without_asking(tmp_path: Path) -> None:
    mine = tmp_path / "bond.yaml"
    mine.write_text("# my own\n")
    w = Wizard(tmp_path)
    _active_backup_defaults(w)
    _addressing_and_rest(w)
    w.answer("Save to")
    w.answer("bond.yaml exists. Overwrite it", "n")
    w.text("Save to", "other.yaml")
    assert w.finish() == 0
    assert mine.read_text() == "# my own\n"
    assert (tmp_path / "other.yaml").read_text() == _patch(*CARRY)


def test_answers_survive_a_retry(tmp_path: Path) -> None:
    w = Wizard(tmp_path)
    w.answer("Cards to bond")
    w.text("Bond name", "bond7")
    w.answer("Bond mode")
    for prompt in ("Primary card", "MII link", "updelay", "downdelay", "MTU of the bond"):
        w.answer(prompt)
    # No address: the node's only address goes away with its card, which lint refuses (TB013).
    _addressing_and_rest(w, "87", "10.13.87.19/24", address_keys=DOWN * 3 + ENTER)
    w.answer("lint errors. Change the answers", "y")
    w.answer("Cards to bond")
    w.answer("Bond name: .*bond7")  # the last answers are offered again
    w.answer("Bond mode")
    for prompt in ("Primary card", "MII link", "updelay", "downdelay", "MTU of the bond"):
        w.answer(prompt)
    w.answer("Address of the bond", UP * 3 + ENTER)
    w.answer("VLAN ids.*87")
    w.answer("Address of VLAN 87.*10.13.87.19/24")
    w.answer("Target Talos version")
    w.answer("Write it as")
    w.answer("Save to")
    w.answer("NetworkAttachmentDefinitions", "n")
    assert w.finish() == 0
    assert (tmp_path / "bond.yaml").read_text() == _patch(*CARRY, "--bond", "bond7", "--vlan", "87:10.13.87.19/24")


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    w = Wizard(tmp_path)
    _bond(w)
    w.answer("Primary card")
    w.child.expect("MII link")
    w.child.sendcontrol("c")
    assert w.finish() == 130
    assert "nothing written" in "".join(w.seen)
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_it_says_so() -> None:
    result = run("wizard", "--from", str(SEED))
    assert result.code == 2 and "needs a terminal" in result.err
