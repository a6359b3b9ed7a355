"""/proc/net/dev: every kernel variant in the samples, and cut-off or foreign text."""

from __future__ import annotations

import pytest
from conftest import sample_text

from talosbond.errors import ParseError
from talosbond.parsing.netdev import parse_netdev

HEADER = (
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
)


def test_no_space_after_colon_on_old_kernels() -> None:
    rows = parse_netdev(sample_text("netdev/gopsutil-pr-28-proc-net-dev.txt"))
    assert rows["eth1"].rx_bytes == 79088109 and rows["eth1"].tx_bytes == 236038842
    assert rows["lo"].rx_packets == 23551


def test_long_names_wide_counters_and_colon_in_name() -> None:
    rows = parse_netdev(sample_text("netdev/node-exporter-fixture-proc-net-dev.txt"))
    assert rows["eth0"].rx_bytes == 68210035552 and rows["eth0"].rx_packets == 520993275
    assert rows["veth4B09XN"].tx_bytes == 1943284
    assert rows["ibr10:30"].rx_bytes == 0
    assert rows["docker0"].total_bytes == 64910168 + 2681662018


@pytest.mark.parametrize("name", [
    "netdev/gnome-shell-system-monitor-issue-19-proc-net-dev.txt",
    "netdev/weechat-scripts-pr-229-proc-net-dev.txt",
])
def test_other_samples_parse(name: str) -> None:
    rows = parse_netdev(sample_text(name))
    assert "lo" in rows and "eth0" in rows


def test_truncated_row_names_the_line() -> None:
    text = HEADER + "    lo:    4596      35    0    0    0     0          0         0     4596      35    0    0    0     0       0          0\n  eth0: 1030969582 1053389    0    0\n"
    with pytest.raises(ParseError) as err:
        parse_netdev(text, "netdev.txt")
    assert err.value.line == 4 and "16 counters" in err.value.expected


@pytest.mark.parametrize("text", ["", "hello\n", "node: x\nmetadata:\n", HEADER[:40]])
def test_foreign_or_empty_text_is_rejected(text: str) -> None:
    with pytest.raises(ParseError):
        parse_netdev(text, "netdev.txt")


def test_duplicate_interface_is_rejected() -> None:
    row = "  eth0:       1       1    0    0    0     0          0         0        1       1    0    0    0     0       0          0\n"
    with pytest.raises(ParseError, match="twice"):
        parse_netdev(HEADER + row + row)
