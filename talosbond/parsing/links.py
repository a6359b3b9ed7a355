"""`talosctl get links -o yaml|json` output -> `Link` records, grouped by node."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from talosbond.errors import ParseError
from talosbond.model import SPEED_UNKNOWN, Link
from talosbond.parsing import bondmaster
from talosbond.parsing.yamlish import Document, load_stream

LINK_TYPE = "LinkStatuses.net.talos.dev"
_BOND_ID = re.compile(r"^    id: (\S+)$")

# YAML key -> (Link attribute, converter name). Keys Talos may add later are ignored.
_STR_FIELDS = {
    "type": "type",
    "flags": "flags",
    "hardwareAddr": "hardware_addr",
    "permanentAddr": "permanent_addr",
    "broadcastAddr": "broadcast_addr",
    "queueDisc": "queue_disc",
    "operationalState": "operational_state",
    "kind": "kind",
    "slaveKind": "slave_kind",
    "busPath": "bus_path",
    "pciID": "pci_id",
    "driver": "driver",
    "driverVersion": "driver_version",
    "firmwareVersion": "firmware_version",
    "productID": "product_id",
    "vendorID": "vendor_id",
    "product": "product",
    "vendor": "vendor",
    "port": "port",
    "duplex": "duplex",
    "alias": "alias",
}
_INT_FIELDS = {"index": "index", "linkIndex": "link_index", "mtu": "mtu", "masterIndex": "master_index"}


class _Ctx:
    """Where a document came from, for error messages."""

    def __init__(self, source: str, line: int) -> None:
        self.source = source
        self.line = line

    def fail(self, expected: str, hint: str = "") -> ParseError:
        return ParseError(self.source, self.line, expected, hint)


def _text(value: Any, key: str, ctx: _Ctx) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ctx.fail(f"spec.{key}: expected a string, got {type(value).__name__}")


def _int(value: Any, key: str, ctx: _Ctx) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ctx.fail(f"spec.{key}: expected an integer, got {value!r}")


def _bool(value: Any, key: str, ctx: _Ctx) -> bool:
    if isinstance(value, bool):
        return value
    raise ctx.fail(f"spec.{key}: expected true or false, got {value!r}")


_KIND_SPECS = {"bridgeMaster": "bridge_master", "vrfMaster": "vrf_master", "wireguard": "wireguard", "veth": "veth"}


def _kind_spec(key: str, value: dict[str, Any]) -> dict[str, Any]:
    """A bridge, VRF, WireGuard or veth block with every field Talos defines (zeros filled in, as the
    protobuf spec has them), so both paths give the same dict."""
    if key == "bridgeMaster":
        stp, vlan = value.get("stp") or {}, value.get("vlan") or {}
        return {"stp": {"enabled": stp.get("enabled") is True},
                "vlan": {"filteringEnabled": vlan.get("filteringEnabled") is True}}
    if key == "vrfMaster":
        return {"table": str(value.get("table", "unspec"))}
    if key == "veth":
        return {"peerName": str(value.get("peerName") or "")}
    peers = [{"publicKey": str(p.get("publicKey") or ""), "endpoint": str(p.get("endpoint") or ""),
              "allowedIPs": [str(a) for a in p.get("allowedIPs") or []]}
             for p in value.get("peers") or [] if isinstance(p, dict)]
    return {"publicKey": str(value.get("publicKey") or ""), "listenPort": int(value.get("listenPort") or 0),
            "firewallMark": int(value.get("firewallMark") or 0), "peers": peers}


def link_from_resource(doc: Any, ctx: _Ctx) -> tuple[str, Link]:
    """One LinkStatus resource (as YAML/JSON data) -> (node, Link)."""
    if not isinstance(doc, dict):
        first_lines = str(doc).strip().splitlines() if doc is not None else []
        shown = first_lines[0][:60] if first_lines else "nothing"
        hint = ""
        if isinstance(doc, str) and "NAMESPACE" in doc and "LinkStatus" in doc:
            hint = "that is talosctl's table output; run `talosctl get links -o yaml` instead"
        raise ctx.fail(f"expected a LinkStatus resource (node, metadata, spec), got {shown!r}", hint)
    metadata = doc.get("metadata")
    spec = doc.get("spec")
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        raise ctx.fail(
            "expected a LinkStatus resource with `metadata:` and `spec:` mappings",
            "feed the whole output of `talosctl get links -o yaml`, not an excerpt",
        )
    rtype = metadata.get("type")
    if rtype is not None and rtype != LINK_TYPE:
        raise ctx.fail(f"expected a {LINK_TYPE} resource, got {rtype!r}")
    name = metadata.get("id")
    if not isinstance(name, str) or not name:
        raise ctx.fail("metadata.id: expected the link name")
    node = _text(doc.get("node"), "node", ctx)

    kwargs: dict[str, Any] = {"name": name}
    for key, value in spec.items():
        if key in _STR_FIELDS:
            kwargs[_STR_FIELDS[key]] = _text(value, key, ctx)
        elif key in _INT_FIELDS:
            kwargs[_INT_FIELDS[key]] = _int(value, key, ctx)
        elif key == "linkState":
            kwargs["link_state"] = _bool(value, key, ctx)
        elif key == "speedMbit":
            speed = _int(value, key, ctx)
            kwargs["speed_mbit"] = None if speed in (0, SPEED_UNKNOWN) else speed
        elif key == "altNames":
            if not isinstance(value, list):
                raise ctx.fail("spec.altNames: expected a list of names")
            kwargs["alt_names"] = tuple(_text(v, key, ctx) for v in value)
        elif key == "vlan" and isinstance(value, dict):
            if "vlanID" in value:
                kwargs["vlan_id"] = _int(value["vlanID"], "vlan.vlanID", ctx)
            kwargs["vlan_protocol"] = _text(value.get("vlanProtocol"), "vlan.vlanProtocol", ctx)
        elif key == "bondMaster" and isinstance(value, dict):
            kwargs["bond_master"] = bondmaster.from_yaml(value)
        elif key in _KIND_SPECS and isinstance(value, dict):
            kwargs[_KIND_SPECS[key]] = _kind_spec(key, value)
    for mac_attr in ("hardware_addr", "permanent_addr"):
        kwargs[mac_attr] = kwargs.get(mac_attr, "").lower()
    return node, Link(**kwargs)


def _json_objects(text: str, source: str) -> Iterator[Document]:
    decoder = json.JSONDecoder()
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            return
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ParseError(source, exc.lineno, f"invalid JSON ({exc.msg})") from None
        yield Document(text.count("\n", 0, pos) + 1, obj)
        pos = end


def parse_links(text: str, source: str = "<links>", fragment: bool = False) -> dict[str, list[Link]]:
    """Parse `get links` output (YAML stream or concatenated JSON objects), one or many nodes.

    Returns the links per node in the order they appear. Raises `ParseError` on malformed input, and on a
    cut-off last document unless `fragment` (text talosbond put together itself, from an API answer).
    """
    stripped = text.lstrip()
    if not stripped:
        raise ParseError(source, None, "empty input: expected `talosctl get links -o yaml` output")
    if not fragment and not text.endswith(("\n", "}")):  # before parsing: a cut value is no YAML error to report
        raise ParseError(source, text.count("\n") + 1, "the file ends in the middle of a line", _CUT_HINT)
    docs = _json_objects(text, source) if stripped.startswith("{") else load_stream(text, source)
    nodes: dict[str, list[Link]] = {}
    seen: list[Document] = []
    for doc in docs:
        node, link = link_from_resource(doc.data, _Ctx(source, doc.line))
        nodes.setdefault(node, []).append(link)
        seen.append(doc)
    if not nodes:
        raise ParseError(source, None, "no LinkStatus documents found")
    if not fragment:
        _refuse_cut_off(text, seen, source)
    return nodes


# The keys `talosctl get links -o yaml` prints for every link since Talos 1.0 (LinkStatusSpec's fields without
# `omitempty`; the kind's own section for bonds and VLANs). A last document without one of them was cut off
# (a partial copy, a full disk): read anyway it would invent "no carrier", "no driver".
_ALWAYS = {
    "": {"node", "metadata", "spec"},
    "metadata": {"namespace", "type", "id", "version", "owner", "phase", "created", "updated"},
    "spec": {"index", "type", "linkIndex", "flags", "hardwareAddr", "broadcastAddr", "mtu", "queueDisc",
             "operationalState", "kind", "slaveKind", "linkState", "port", "duplex"},
}
_KIND_SECTION = {  # kind -> its section and the section's keys without `omitempty`
    "bond": ("bondMaster", {"mode", "xmitHashPolicy", "lacpRate", "arpValidate", "arpAllTargets",
                            "primaryReselect", "failOverMac"}),
    "vlan": ("vlan", {"vlanID", "vlanProtocol"}),
}
_CUT_HINT = "the file looks cut off: capture it again (talosctl -n NODE get links -o yaml > links.yaml)"


def _keys(data: Any, path: str) -> set[str]:
    for part in path.split(".") if path else ():
        data = data.get(part) if isinstance(data, dict) else None
    return set(data) if isinstance(data, dict) else set()


def _refuse_cut_off(text: str, docs: list[Document], source: str) -> None:
    """Only the last document can be cut: it must have every key talosctl always prints. (A cut inside the
    keys it prints only when set, at the very end of a bond's section, cannot be seen.)"""
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    last = docs[-1].data
    spec = last.get("spec") if isinstance(last, dict) else None
    kind = spec.get("kind") if isinstance(spec, dict) else None
    wanted = dict(_ALWAYS)
    if kind in _KIND_SECTION:
        section, keys = _KIND_SECTION[kind]
        wanted["spec"] = wanted["spec"] | {section}
        if section in _keys(last, "spec"):
            wanted[f"spec.{section}"] = keys
    for path, keys in wanted.items():
        missing = keys - _keys(last, path)
        if missing:
            where = f"{path}." if path else ""
            name = last.get("metadata", {}).get("id", "?") if isinstance(last, dict) else "?"
            raise ParseError(source, last_line, f"the last link ({name}, from line {docs[-1].line}) stops before "
                             f"{', '.join(where + key for key in sorted(missing))}", _CUT_HINT)


def bond_names(links_yaml: str) -> list[str]:
    """Names of bond links in `get links -o yaml` text, without a full parse (for the reads that follow)."""
    names = []
    current = ""
    for line in links_yaml.splitlines():
        match = _BOND_ID.match(line)
        if match:
            current = match.group(1)
        elif line.strip() == "kind: bond" and current:
            names.append(current)
    return names
