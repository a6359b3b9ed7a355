"""`/proc/net/bonding/<bond>`: every shared sample, the kernel variants, mangled pastes, cut-off files."""

from __future__ import annotations

import contextlib

import pytest
from conftest import FIXTURES, sample_text
from hypothesis import given, settings
from hypothesis import strategies as st

from talosbond.errors import ParseError
from talosbond.parsing.bonding import MODE_NAMES, parse_bonding

HEALTHY = (FIXTURES / "bond-8023ad-healthy" / "bonding" / "bond0.txt").read_text()
FAILED_OVER = (FIXTURES / "bond-active-backup-failed-over" / "bonding" / "bond0.txt").read_text()
NOT_NEGOTIATED = (FIXTURES / "bond-8023ad-lacp-not-negotiated" / "bonding" / "bond0.txt").read_text()


def test_old_driver_8023ad_not_negotiated_sample() -> None:
    status = parse_bonding(sample_text("bonding/insights-core-test-bond-8023ad-not-negotiated.txt"), "bond0")
    assert status.driver_version == "v3.7.1 (April 27, 2011)"
    assert (status.mode, status.xmit_hash_policy, status.lacp_rate, status.miimon) == ("802.3ad", "layer2", "slow", 100)
    assert (status.updelay, status.downdelay, status.min_links, status.ad_select) == (2000, 1000, 0, "stable")
    assert status.lacp_active is None  # old kernels do not print `LACP active`
    assert status.system_mac == "08:00:27:99:a3:6b"
    assert status.active_aggregator is not None
    assert (status.active_aggregator.aggregator_id, status.active_aggregator.ports) == (1, 1)
    assert status.active_aggregator.partner_mac == "00:00:00:00:00:00"
    first, second = status.members
    assert (first.name, first.mii_status, first.speed_mbit, first.duplex) == ("enp0s9", "up", 1000, "full")
    assert (first.aggregator_id, first.actor_churn_state, first.partner_churn_state) == (1, "none", "churned")
    assert first.actor is not None and first.partner is not None
    assert (first.actor.port_state, first.actor.key, first.partner.port_state) == (77, 9, 1)
    assert first.partner.system_mac == "00:00:00:00:00:00" and first.partner.key == 1  # `oper key`
    assert (second.name, second.mii_status, second.speed_mbit, second.duplex) == ("enp0s8", "down", None, "unknown")
    assert second.aggregator_id == 2 and second.actor is not None and second.actor.port_state == 69


def test_arp_monitoring_sample() -> None:
    status = parse_bonding(sample_text("bonding/insights-core-test-bond-active-backup-arp.txt"), "bond0")
    assert status.mode == "active-backup"
    assert (status.primary, status.primary_reselect, status.active_member) == ("em3", "failure", "em3")
    assert (status.miimon, status.arp_interval, status.arp_targets) == (0, 1000, ("10.152.1.1",))
    assert [m.link_failure_count for m in status.members] == [92028, 71524]
    assert status.lacp_rate is None and status.xmit_hash_policy is None


def test_active_backup_samples_old_and_new_headers() -> None:
    old = parse_bonding(sample_text("bonding/insights-core-test-bond-active-backup.txt"), "bond0")
    assert (old.primary, old.active_member) == (None, "enp17s0f0")  # `Primary Slave: None`
    assert [m.speed_mbit for m in old.members] == [10000, 10000]
    assert old.peer_notify_delay is None
    new = parse_bonding(sample_text("bonding/vyos-1x-pr-3410-bond0-active-backup-kernel66.txt"), "bond0")
    assert new.driver_version == "v6.6.28-amd64-vyos"
    assert new.peer_notify_delay == 0
    assert [m.name for m in new.members] == ["eth1"]


def test_sample_with_its_source_comments_still_parses() -> None:
    from conftest import sample

    status = parse_bonding(sample("bonding/vyos-1x-pr-3410-bond0-active-backup-kernel66.txt").read_text(), "bond0")
    assert status.mode == "active-backup"


def test_modern_8023ad_with_lacp_details() -> None:
    status = parse_bonding(HEALTHY, "bond0")
    assert status.lacp_active == "on" and status.system_priority == 65535
    assert [m.aggregator_id for m in status.members] == [1, 1]
    member = status.members[1]
    assert member.permanent_addr == "0c:42:a1:5e:72:b5"
    assert member.actor is not None and member.partner is not None
    assert (member.actor.port_number, member.actor.port_state) == (2, 63)
    assert (member.partner.system_mac, member.partner.key, member.partner.port_state) == ("28:99:3a:4e:11:80", 13, 61)


@pytest.mark.parametrize("kernel_name, talos_name", sorted(MODE_NAMES.items()))
def test_every_mode_name(kernel_name: str, talos_name: str) -> None:
    text = f"Ethernet Channel Bonding Driver: v6.12.52-talos\n\nBonding Mode: {kernel_name}\nMII Status: up\n"
    if talos_name == "802.3ad":
        text += "\n802.3ad info\nLACP rate: slow\nbond bond0 has no active aggregator\n"
    status = parse_bonding(text, "bond0")
    assert status.mode == talos_name
    assert status.members == ()


def test_fail_over_mac_and_no_active_aggregator() -> None:
    status = parse_bonding(
        "Bonding Mode: fault-tolerance (active-backup) (fail_over_mac active)\nMII Status: down\n"
        "Currently Active Slave: None\n", "bond1")
    assert (status.mode, status.fail_over_mac, status.active_member, status.mii_status) == (
        "active-backup", "active", None, "down")
    lacp = parse_bonding("Bonding Mode: IEEE 802.3ad Dynamic link aggregation\nMII Status: down\n\n802.3ad info\n"
                         "LACP rate: fast\nbond bond0 has no active aggregator\n\nSlave Interface: eth0\n"
                         "MII Status: down\nLink Failure Count: 3\nAggregator ID: N/A\n", "bond0")
    assert lacp.no_active_aggregator and lacp.active_aggregator is None
    assert lacp.members[0].aggregator_id is None and lacp.members[0].has_aggregator_line


def test_tabs_turned_to_spaces_and_indent_lost() -> None:
    """Pasted copies: TABs become spaces, indents vanish or grow, Windows line ends."""
    for mangled in (
        HEALTHY.replace("\t", "    "),
        "\n".join(line.strip() for line in HEALTHY.splitlines()),
        "\r\n".join("  " + line for line in HEALTHY.splitlines()),
        HEALTHY.replace(": ", ":   "),
    ):
        assert parse_bonding(mangled, "bond0") == parse_bonding(HEALTHY, "bond0")


def test_vendor_lines_are_kept_not_fatal() -> None:
    text = FAILED_OVER.replace("Slave queue ID: 0\n", "Slave queue ID: 0\nSlave active: 1\n", 1)
    status = parse_bonding(text, "bond0")
    assert status.members[0].extra == (("Slave active", "1"),)


@pytest.mark.parametrize("text, expected", [
    ("", "empty input"),
    ("   \n\n", "empty input"),
    ("Inter-|   Receive\n face |bytes\n", "expected `Ethernet Channel Bonding Driver"),
    ("Ethernet Channel Bonding Driver: v6.1\n\nMII Status: up\n", "no `Bonding Mode:`"),
    ("Bonding Mode: round robin\nMII Status: up\n", "unknown bonding mode"),
    ("Bonding Mode: load balancing (round-robin)\n", "no `MII Status:` line for the bond"),
    ("Bonding Mode: load balancing (round-robin)\nMII Status: up\nMII Polling Interval (ms): fast\n", "expected a number"),
    ("Bonding Mode: load balancing (round-robin)\nMII Status: up\n\nSlave Interface: eth0\nMII Status: up\n"
     "Speed: 1000\nLink Failure Count: 0\n", "`N Mbps` or `Unknown`"),
    ("Bonding Mode: load balancing (round-robin)\nMII Status: up\n\nSlave Interface: eth0\nMII Status: up\n"
     "Link Failure Count: 0\nPermanent HW addr: 52:54:00\n", "expected a MAC address"),
    ("Bonding Mode: load balancing (round-robin)\nMII Status: up\n\nSlave Interface: eth0\nMII Status: up\n"
     "Link Failure Count: 0\n\nSlave Interface: eth0\nMII Status: up\nLink Failure Count: 0\n", "listed twice"),
    ("Bonding Mode: load balancing (round-robin)\nMII Status: up\n\nSlave Interface: eth0\nMII Status: up\n"
     "garbage without a colon\n", "expected `Key: value`"),
    ("Bonding Mode: load balancing (round-robin)\nMII Status: up\nBonding Mode: load balancing (round-robin)\n"
     "Ethernet Channel Bonding Driver: v6.1\n", "second `Ethernet Channel Bonding Driver:`"),
])
def test_malformed_input_is_a_parse_error(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_bonding(text, "bond0", "bond0.txt")
    assert expected in info.value.message
    assert info.value.message.startswith("bond0.txt")


def test_an_error_names_the_line() -> None:
    lines = HEALTHY.splitlines()
    lines[30] = "Link Failure Count: many"
    with pytest.raises(ParseError) as info:
        parse_bonding("\n".join(lines), "bond0", "n1: /proc/net/bonding/bond0")
    assert info.value.line == 31
    assert "Link Failure Count" in info.value.message


@pytest.mark.parametrize("text", [HEALTHY, NOT_NEGOTIATED, FAILED_OVER], ids=["healthy", "not-negotiated", "ab"])
def test_a_file_cut_off_anywhere_never_passes_for_a_whole_one(text: str) -> None:
    """Cut at every line end: a parse error, or a status that visibly lacks what was cut."""
    whole = parse_bonding(text, "bond0")
    lines = text.splitlines(keepends=True)
    for cut in range(len(lines)):
        part = "".join(lines[:cut])
        try:
            status = parse_bonding(part, "bond0")
        except ParseError:
            continue
        assert status != whole, f"cut after line {cut} parsed as the whole file"
        assert len(status.members) < len(whole.members) or status.members[-1] != whole.members[-1] or (
            status.members[-1].partner is None), f"cut after line {cut}"


def test_a_line_cut_mid_value_is_an_error() -> None:
    cut = HEALTHY[: HEALTHY.index("Permanent HW addr: 0c:42:a1:5e:72:b5") + len("Permanent HW addr: 0c:42")]
    with pytest.raises(ParseError, match="MAC address"):
        parse_bonding(cut, "bond0")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Slave Interface: MII Status up down\n\t0123456789:()N/A#-")), max_size=300))
def test_any_text_is_parsed_or_a_parse_error(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_bonding(text, "bond0")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(HEALTHY)))
def test_any_prefix_is_parsed_or_a_parse_error(cut: int) -> None:
    with contextlib.suppress(ParseError):
        parse_bonding(HEALTHY[:cut], "bond0")
