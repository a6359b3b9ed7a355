"""`/proc/net/bonding/<bond>` (as `talosctl read` prints it) -> `BondStatus`.

The kernel writes the file in `drivers/net/bonding/bond_procfs.c`: a master section, then one block per
member. Its lines vary with the kernel (old `v3.7.1` drivers have no `Peer Notification Delay`, `LACP
active` or churn lines; some vendors add lines of their own) and with the reader (the `details ... lacp
pdu:` blocks need CAP_NET_ADMIN, which Talos's machined has). Copies pasted into issues turn the TABs
and 4-space indents into anything, so nothing here depends on indentation: a line is known by its key,
and the block it belongs to by the lines before it. Unknown `Key: value` lines are kept, not fatal.

What is fatal (`ParseError` naming the line): text that is not a bonding file, a value of the wrong
shape, and a file cut off before the lines every kernel prints for a block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from talosbond.errors import ParseError
from talosbond.model import AggregatorInfo, BondMember, BondStatus, LacpPdu

# bond_mode_name() in bond_main.c -> the names Talos (and `ip link`) use.
MODE_NAMES = {
    "load balancing (round-robin)": "balance-rr",
    "fault-tolerance (active-backup)": "active-backup",
    "load balancing (xor)": "balance-xor",
    "fault-tolerance (broadcast)": "broadcast",
    "IEEE 802.3ad Dynamic link aggregation": "802.3ad",
    "transmit load balancing": "balance-tlb",
    "adaptive load balancing": "balance-alb",
}
HEADER = "Ethernet Channel Bonding Driver:"
_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")
_MODE = re.compile(r"^(?P<name>.*?)(?: \(fail_over_mac (?P<fom>\w+)\))?$")
_NAMED = re.compile(r"^(?P<value>\S+)(?: \((?P<detail>[^)]*)\))?$")  # `layer2 (0)`, `em3 (primary_reselect failure)`
_SPEED = re.compile(r"^(-?\d+) ?Mbps$")
_NO_AGGREGATOR = re.compile(r"^bond (\S+) has no active aggregator$")
# The kernel prints -1 (old), 65535 or 4294967295 (u32 SPEED_UNKNOWN) when ethtool has no speed.
_UNKNOWN_SPEEDS = {65535, 4294967295}

_PDU_KEYS = {
    "system priority": "system_priority",
    "system mac address": "system_mac",
    "port key": "key",
    "oper key": "key",
    "port priority": "port_priority",
    "port number": "port_number",
    "port state": "port_state",
}
_AGGREGATOR_KEYS = {
    "Aggregator ID": "aggregator_id",
    "Number of ports": "ports",
    "Actor Key": "actor_key",
    "Partner Key": "partner_key",
    "Partner Mac Address": "partner_mac",
}
_MASTER_INTS = {
    "MII Polling Interval (ms)": "miimon",
    "Up Delay (ms)": "updelay",
    "Down Delay (ms)": "downdelay",
    "Peer Notification Delay (ms)": "peer_notify_delay",
    "ARP Polling Interval (ms)": "arp_interval",
    "ARP Missed Max": "arp_missed_max",
    "Min links": "min_links",
    "System priority": "system_priority",
}
_MASTER_WORDS = {
    "LACP active": "lacp_active",
    "LACP rate": "lacp_rate",
    "Aggregator selection policy (ad_select)": "ad_select",
    "MII Status": "mii_status",
}
_MEMBER_INTS = {
    "Link Failure Count": "link_failure_count",
    "Slave queue ID": "queue_id",
    "Actor Churned Count": "actor_churned_count",
    "Partner Churned Count": "partner_churned_count",
}
_MEMBER_WORDS = {
    "MII Status": "mii_status",
    "Actor Churn State": "actor_churn_state",
    "Partner Churn State": "partner_churn_state",
}


@dataclass
class _Block:
    """Fields of one section while it is read, with the line each block started on."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    extra: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class _Member(_Block):
    pdus: dict[str, _Block] = field(default_factory=dict)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lineno = 0

    def fail(self, expected: str, line: int | None = -1, hint: str = "") -> ParseError:
        return ParseError(self.source, self.lineno if line == -1 else line, expected, hint)

    def integer(self, value: str, key: str) -> int:
        if not re.fullmatch(r"-?\d+", value):
            raise self.fail(f"`{key}:` expected a number, got {value!r}")
        return int(value)

    def mac(self, value: str, key: str) -> str:
        mac = value.lower()
        if not _MAC.match(mac):
            raise self.fail(f"`{key}:` expected a MAC address like 08:00:27:99:a3:6b, got {value!r}")
        return mac

    def word(self, value: str, key: str) -> str:
        if not value:
            raise self.fail(f"`{key}:` has no value; is the file cut off?")
        return value.lower()


def _split(line: str) -> tuple[str, str] | None:
    """`Key: value` with any spacing; keys may contain no colon (values may: MACs)."""
    if line.startswith("NS IPv6 target/s (xx::xx form):"):  # the only key with colons in it
        return "NS IPv6 target/s (xx::xx form)", line.split("form):", 1)[1].strip()
    key, colon, value = line.partition(":")
    if not colon:
        return None
    return " ".join(key.split()), " ".join(value.split())


_USAGE_HINT = "pass the output of `talosctl -n NODE read /proc/net/bonding/<bond>`"


@dataclass
class _Parse:
    """Where the reading of one file stands: the section (start | master | member), the sub-block inside it
    ("" | aggregator | actor | partner) and what has been read so far."""

    r: _Reader
    master: _Block = field(default_factory=lambda: _Block(line=1))
    members: list[_Member] = field(default_factory=list)
    driver: str = ""
    section: str = "start"
    sub: str = ""
    ad_info: bool = False
    aggregator: _Block | None = None

    def line(self, line: str) -> None:
        if self.section == "start" and line.startswith("#"):  # `# source:` notes above a pasted copy
            return
        if line.startswith(HEADER):
            self._header(line)
            return
        if self.section == "start":
            if not line.startswith("Bonding Mode:"):
                raise self.r.fail(f"expected `{HEADER} v...` or `Bonding Mode:`, got {line[:60]!r}", hint=_USAGE_HINT)
            self.section = "master"
            self.master.line = self.r.lineno
        if not self._marker(line):
            self._key_value(line)

    def _header(self, line: str) -> None:
        if self.section != "start":
            raise self.r.fail("a second `Ethernet Channel Bonding Driver:` header: two files pasted together?")
        self.driver = line[len(HEADER):].strip()
        self.section = "master"
        self.master.line = self.r.lineno

    def _in_master(self, what: str) -> None:
        if self.section != "master":
            raise self.r.fail(f"`{what}` after a `Slave Interface:` block")

    def _marker(self, line: str) -> bool:
        """A line that opens a sub-block (or says there is no aggregator); False for any other line."""
        if line == "802.3ad info":
            self._in_master(line)
            self.ad_info, self.sub = True, ""
        elif _NO_AGGREGATOR.match(line):
            self._in_master("has no active aggregator")
            self.master.values["no_active_aggregator"] = True
            self.sub = ""
        elif line in ("Active Aggregator Info:", "Active Aggregator Info"):
            self._in_master("Active Aggregator Info:")
            self.aggregator = _Block(line=self.r.lineno)
            self.sub = "aggregator"
        else:
            lowered = " ".join(line.lower().split())
            if lowered not in ("details actor lacp pdu:", "details partner lacp pdu:"):
                return False
            if self.section != "member":
                raise self.r.fail(f"`{line}` outside a `Slave Interface:` block")
            side = lowered.split()[1]
            if side in self.members[-1].pdus:
                raise self.r.fail(f"`{line}` twice in one member block")
            self.members[-1].pdus[side] = _Block(line=self.r.lineno)
            self.sub = side
        return True

    def _key_value(self, line: str) -> None:
        r = self.r
        pair = _split(line)
        if pair is None:
            raise r.fail(f"expected `Key: value`, got {line[:60]!r}; is the file cut off or mangled?")
        key, value = pair
        if key == "Slave Interface":
            if not value:
                raise r.fail("`Slave Interface:` has no name")
            if any(m.values["name"] == value for m in self.members):
                raise r.fail(f"member {value!r} listed twice")
            self.members.append(_Member(line=r.lineno, values={"name": value}))
            self.section, self.sub = "member", ""
        elif self.sub == "aggregator" and key in _AGGREGATOR_KEYS:
            assert self.aggregator is not None
            attr = _AGGREGATOR_KEYS[key]
            self.aggregator.values[attr] = r.mac(value, key) if attr == "partner_mac" else r.integer(value, key)
        elif self.sub in ("actor", "partner") and key.lower() in _PDU_KEYS:
            attr = _PDU_KEYS[key.lower()]
            pdu = self.members[-1].pdus[self.sub]
            pdu.values[attr] = r.mac(value, key) if attr == "system_mac" else r.integer(value, key)
        else:
            self.sub = ""
            if self.section == "master":
                _master_line(r, self.master, key, value)
            else:
                _member_line(r, self.members[-1], key, value)


def parse_bonding(text: str, bond: str = "", source: str = "/proc/net/bonding") -> BondStatus:
    """Parse one `/proc/net/bonding/<bond>` file; `bond` names it (the file itself does not, mostly).

    Raises `ParseError` for text that is not such a file, a malformed value, or a file cut off short.
    """
    state = _Parse(_Reader(source))
    for state.r.lineno, raw_line in enumerate(text.splitlines(), 1):
        line = raw_line.strip().replace("\x00", "")
        if line:
            state.line(line)
    if state.section == "start":
        raise state.r.fail("empty input: expected /proc/net/bonding/<bond>", line=None, hint=_USAGE_HINT)
    return _build(state.r, bond, state.driver, state.master, state.aggregator, state.ad_info, state.members)


def _master_line(r: _Reader, master: _Block, key: str, value: str) -> None:
    values = master.values
    if key == "Bonding Mode":
        match = _MODE.match(value)
        assert match is not None
        name = match.group("name")
        if name not in MODE_NAMES:
            raise r.fail(f"unknown bonding mode {value!r}; expected one of: {', '.join(MODE_NAMES)}")
        values["mode"] = MODE_NAMES[name]
        values["fail_over_mac"] = match.group("fom") or ""
    elif key == "Transmit Hash Policy":
        values["xmit_hash_policy"] = _named(r, value, key)[0]
    elif key == "Primary Slave":
        primary, detail = _named(r, value, key)
        values["primary"] = None if primary == "None" else primary
        values["primary_reselect"] = detail.removeprefix("primary_reselect ").strip() if detail else ""
    elif key == "Currently Active Slave":
        values["active_member"] = None if value in ("None", "") else value
    elif key in _MASTER_INTS:
        values[_MASTER_INTS[key]] = r.integer(value, key)
    elif key in _MASTER_WORDS:
        values[_MASTER_WORDS[key]] = r.word(value, key)
    elif key == "ARP IP target/s (n.n.n.n form)":
        values["arp_targets"] = tuple(t.strip() for t in value.split(",") if t.strip())
    elif key == "System MAC address":
        values["system_mac"] = r.mac(value, key)
    else:
        master.extra.append((key, value))


def _named(r: _Reader, value: str, key: str) -> tuple[str, str]:
    match = _NAMED.match(value)
    if match is None:
        raise r.fail(f"`{key}:` expected a name, optionally followed by `(...)`, got {value!r}")
    return match.group("value"), match.group("detail") or ""


def _member_line(r: _Reader, member: _Member, key: str, value: str) -> None:
    values = member.values
    if key in _MEMBER_WORDS:
        values[_MEMBER_WORDS[key]] = r.word(value, key)
    elif key in _MEMBER_INTS:
        values[_MEMBER_INTS[key]] = r.integer(value, key)
    elif key == "Speed":
        if value.lower() == "unknown":
            values["speed_mbit"] = None
        else:
            match = _SPEED.match(value)
            if match is None:
                raise r.fail(f"`Speed:` expected `N Mbps` or `Unknown`, got {value!r}; is the line cut off?")
            speed = int(match.group(1))
            values["speed_mbit"] = None if speed <= 0 or speed in _UNKNOWN_SPEEDS else speed
    elif key == "Duplex":
        values["duplex"] = r.word(value, key)
    elif key == "Permanent HW addr":
        values["permanent_addr"] = r.mac(value, key)
    elif key == "Aggregator ID":
        values["has_aggregator_line"] = True
        values["aggregator_id"] = None if value.upper() == "N/A" else r.integer(value, key)
    else:
        member.extra.append((key, value))


def _build(
    r: _Reader, bond: str, driver: str, master: _Block, aggregator: _Block | None, ad_info: bool,
    members: list[_Member],
) -> BondStatus:
    values = master.values
    if "mode" not in values:
        raise r.fail("no `Bonding Mode:` line", line=master.line)
    if "mii_status" not in values:
        raise r.fail("no `MII Status:` line for the bond; is the file cut off?", line=master.line)
    lacp = values["mode"] == "802.3ad"
    if lacp and (not ad_info or "lacp_rate" not in values):
        raise r.fail("an 802.3ad bond without its `802.3ad info` section; is the file cut off?", line=None)
    active: AggregatorInfo | None = None
    if aggregator is not None:
        missing = [k for k, attr in _AGGREGATOR_KEYS.items()
                   if attr in ("aggregator_id", "ports", "partner_mac") and attr not in aggregator.values]
        if missing:
            raise r.fail(f"`Active Aggregator Info:` without `{missing[0]}:`; is the file cut off?",
                         line=aggregator.line)
        active = AggregatorInfo(**aggregator.values)
    built: list[BondMember] = []
    for member in members:
        mv = member.values
        name = mv["name"]
        for required in ("mii_status", "link_failure_count"):
            if required not in mv:
                label = "MII Status" if required == "mii_status" else "Link Failure Count"
                raise r.fail(f"member {name}: no `{label}:` line; is the file cut off?", line=member.line)
        if lacp and not mv.get("has_aggregator_line"):
            raise r.fail(f"member {name} of an 802.3ad bond: no `Aggregator ID:` line; is the file cut off?",
                         line=member.line)
        pdus: dict[str, LacpPdu] = {}
        for side, block in member.pdus.items():
            if "port_state" not in block.values:
                raise r.fail(f"member {name}: `details {side} lacp pdu:` without `port state:`; is the file cut off?",
                             line=block.line)
            pdus[side] = LacpPdu(**block.values)
        if "actor" in pdus and "partner" not in pdus:
            raise r.fail(f"member {name}: `details actor lacp pdu:` without the partner's; is the file cut off?",
                         line=member.line)
        fields = {k: v for k, v in mv.items() if k != "name"}
        built.append(BondMember(name=name, actor=pdus.get("actor"), partner=pdus.get("partner"),
                                extra=tuple(member.extra), **fields))
    master_fields = {k: v for k, v in values.items() if k not in ("mode", "mii_status")}
    return BondStatus(
        name=bond, mode=values["mode"], mii_status=values["mii_status"], driver_version=driver,
        active_aggregator=active, members=tuple(built), extra=tuple(master.extra), **master_fields,
    )
