"""`talosbond wizard` answered as a person would. Most cases run in this process: the keys go into
prompt_toolkit's pipe input, each once its question is on the (text) screen. The real terminal path runs end
to end: `python -m talosbond wizard` in a pexpect pseudo-terminal."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import re
import sys
import threading
from collections import deque
from pathlib import Path
from unittest import mock

import pexpect
import prompt_toolkit.application.application as pt_application
import pytest
from cli import run
from conftest import FIXTURES
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput

from talosbond.cli import Runtime
from talosbond.config import load_documents

SEED = FIXTURES / "e1000e-onboard-plus-addin"
ENTER, UP, DOWN, CLEAR = "\r", "\x1b[A", "\x1b[B", "\x15"
# The seed node's own address and gateway, on the card the bond takes over: the wizard offers them first.
CARRY = ("--address", "10.13.17.19/24", "--gateway", "10.13.17.1")
PORTS = ("--ports", "enp0s31f6,enp1s0")


class Asker:
    """Answers lined up or typed as each prompt (a regular expression, as for pexpect) shows."""

    seen: list[str]  # what was shown before each prompt, then the rest

    def answer(self, prompt: str, keys: str = ENTER) -> None:
        raise NotImplementedError

    def text(self, prompt: str, value: str) -> None:
        self.answer(prompt, CLEAR + value + ENTER)

    def finish(self) -> int:
        raise NotImplementedError


class Terminal(Asker):
    """`python -m talosbond wizard` in a pseudo-terminal, each answer typed when its prompt shows."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        # PROMPT_TOOLKIT_NO_CPR: no cursor-position request, which a pty without a terminal never answers.
        env = {"PATH": "/usr/bin:/bin", "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1"}
        self.child = pexpect.spawn(sys.executable, ["-m", "talosbond", "wizard", "--from", str(SEED), *args],
                                   cwd=str(tmp_path), encoding="utf-8", timeout=60, dimensions=(50, 220), env=env)
        # pexpect waits 50 ms before every send for programs that set up the terminal late; questionary is in
        # raw mode before it draws the prompt we wait for, so the keys can go at once.
        self.child.delaybeforesend = None
        self.seen = []

    def answer(self, prompt: str, keys: str = ENTER) -> None:
        self.child.expect(prompt)
        self.seen.append(self.child.before or "")
        self.child.send(keys)

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.seen.append(self.child.before or "")
        self.child.close()
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)


class Screen(PlainTextOutput):
    """The wizard's screen as plain text. A flush ends every redraw: then, as pexpect would, the next awaited
    prompt is looked for after the last one found, and its keys are typed only once it shows."""

    def __init__(self, keyboard: PipeInput, steps: deque[tuple[str, str]], seen: list[str]) -> None:
        self.drawn = io.StringIO()
        super().__init__(self.drawn)
        self.keyboard, self.steps, self.seen, self.at = keyboard, steps, seen, 0

    def get_size(self) -> Size:
        return Size(rows=24, columns=120)  # wide enough that no prompt line wraps

    def flush(self) -> None:
        super().flush()
        text = self.drawn.getvalue()
        while self.steps and (found := re.compile(self.steps[0][0]).search(text, self.at)):
            self.seen.append(text[self.at:found.start()])
            self.at = found.end()
            self.keyboard.send_text(self.steps.popleft()[1])

    def rest(self) -> str:
        return self.drawn.getvalue()[self.at:]


# prompt_toolkit builds its default key bindings (emacs, vi, mouse: some 600 of them) afresh for every question,
# half the time of an in-process run. They keep no state (filters and handlers look at the running app), so
# the in-process runs share one set; the terminal runs keep the library as it is.
_DEFAULT_BINDINGS = functools.cache(pt_application.load_key_bindings)


class Wizard(Asker):
    """`talosbond wizard` run in this process (as `talosbond` would run it, through the CLI), on a pipe for a
    keyboard and text for a screen; `answer` lines up the keys for a prompt, `finish` runs it."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.cwd, self.args = tmp_path, args
        self.steps: deque[tuple[str, str]] = deque()
        self.seen = []

    def answer(self, prompt: str, keys: str = ENTER) -> None:
        self.steps.append((prompt, keys))

    def finish(self) -> int:
        with (create_pipe_input() as keyboard, contextlib.chdir(self.cwd),
              mock.patch.object(pt_application, "load_key_bindings", _DEFAULT_BINDINGS)):
            screen = Screen(keyboard, self.steps, self.seen)
            # A question the test does not answer waits for keys for ever: closing the keyboard ends it (EOFError).
            watchdog = threading.Timer(60, keyboard.close)
            watchdog.start()
            try:
                result = run("wizard", "--from", str(SEED), *self.args, runtime=Runtime(terminal=(keyboard, screen)))
            except Exception as exc:  # click turns the closed keyboard's EOFError into an abort
                awaited = repr(self.steps[0][0]) if self.steps else "its end"
                raise AssertionError(f"the wizard stopped while the test awaited {awaited}; the screen ends:\n"
                                     f"{screen.rest()[-2000:]}") from exc
            finally:
                watchdog.cancel()
        self.seen.append(screen.rest() + result.out + result.err)
        assert not self.steps, f"never asked: {self.steps[0][0]}"
        return result.code


def _bond(w: Asker, mode_keys: str = ENTER) -> None:
    w.answer("Cards to bond")  # the suggested pair is pre-selected
    w.answer("Bond name")
    w.answer("Bond mode", mode_keys)


def _addressing_and_rest(w: Asker, vlans: str = "", vlan_address: str = "", address_keys: str = ENTER) -> None:
    w.answer("Address of the bond", address_keys)  # first choice: keep the node's address
    w.text("VLAN ids", vlans)
    if vlans:
        w.text("Address of VLAN", vlan_address)
    w.answer("Target Talos version")
    w.answer("Write it as")


def _active_backup_defaults(w: Asker) -> None:
    _bond(w)
    w.answer("Primary card")
    for prompt in ("MII link", "updelay", "downdelay", "MTU of the bond"):
        w.answer(prompt)


def _patch(*args: str) -> str:
    result = run("patch", "--from", str(SEED), *PORTS, *args)
    assert result.code == 0, result.err
    return result.out


def test_defaults_write_what_patch_writes(tmp_path: Path) -> None:
    w = Terminal(tmp_path)
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
    w = Terminal(tmp_path)
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
