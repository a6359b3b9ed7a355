"""Multus NetworkAttachmentDefinitions for the VLANs of a patch or machine config (`talosbond nad`).

The CNI `master` must be the VLAN link's name exactly as Talos creates it: legacy VLANs are named by
`nethelpers.VLANLinkName` (`<parent>.<vid>`, or for a parent longer than 10 bytes its first 4 characters,
6 hex digits of its SHA-256 and `.<vid>`, from Talos 1.6), with the parent as written in the config
(before alias resolution); a `VLANConfig` link is called by its `name`, verbatim.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talosbond.config import ConfigView, as_int
from talosbond.errors import UsageError
from talosbond.simulate import legacy_vlan_name

TYPES = ("macvlan", "ipvlan", "host-device")
IPAMS = ("whereabouts", "static", "dhcp", "host-local")
CNI_VERSION = "0.3.1"
DEFAULT_MTU = 1500
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class VlanLink:
    """A VLAN the config creates, under the link name Talos gives it."""

    vid: int
    name: str
    parent: str
    addresses: tuple[str, ...] = ()
    dhcp: bool = False
    mtu: int | None = None  # set explicitly on the VLAN
    parent_mtu: int | None = None
    where: str = ""

    @property
    def mtu_limit(self) -> int:
        """The largest MTU the VLAN link can have: its own, else its parent's (Talos issue #3600: a VLAN
        created before its parent's MTU rises stays at 1500, so the parent's is an upper bound only)."""
        return self.mtu or self.parent_mtu or DEFAULT_MTU


@dataclass(frozen=True)
class NadOptions:
    vids: tuple[int, ...] = ()
    cni_type: str = "macvlan"
    ipam: str = "whereabouts"
    range: str | None = None
    namespace: str | None = None
    name: str | None = None
    mtu: int | None = None


def _legacy_vlans(view: ConfigView, version: tuple[int, int], notes: list[str]) -> list[VlanLink]:
    out: list[VlanLink] = []
    for path, device in view.legacy_devices:
        vlans = [v for v in device.get("vlans") or [] if isinstance(v, dict)]
        parent = device.get("interface")
        if vlans and not isinstance(parent, str):
            notes.append(f"{path}: VLANs on a deviceSelector entry are named after whichever link it matches; "
                         "skipped (give the entry an `interface`)")
            continue
        for vlan in vlans:
            vid = as_int(vlan.get("vlanId"))
            if vid is None or not isinstance(parent, str):
                continue
            addresses = tuple(str(a) for a in vlan.get("addresses") or [])
            out.append(VlanLink(vid, legacy_vlan_name(parent, vid, version), parent, addresses,
                                vlan.get("dhcp") is True, as_int(vlan.get("mtu")), as_int(device.get("mtu")),
                                f"{path}.vlans[vlanId={vid}]"))
    return out


def _multidoc_vlans(view: ConfigView) -> list[VlanLink]:
    dhcp = {str(doc.get("name")) for _, doc in view.of_kind("DHCPv4Config")}
    mtus = {str(doc.get("name")): as_int(doc.get("mtu")) for _, doc in view.kinds
            if doc.get("kind") in ("BondConfig", "LinkConfig", "VLANConfig")}
    out: list[VlanLink] = []
    for path, doc in view.of_kind("VLANConfig"):
        vid = as_int(doc.get("vlanID"))
        if vid is None:
            continue
        name, parent = str(doc.get("name") or ""), str(doc.get("parent") or "")
        addresses = tuple(str(a.get("address")) for a in doc.get("addresses") or [] if isinstance(a, dict))
        out.append(VlanLink(vid, name, parent, addresses, name in dhcp, as_int(doc.get("mtu")), mtus.get(parent),
                            path))
    return out


def vlan_links(view: ConfigView, version: tuple[int, int]) -> tuple[list[VlanLink], list[str]]:
    """Every VLAN the config creates (legacy and multi-document), and notes on the ones it cannot name."""
    notes: list[str] = []
    links = _legacy_vlans(view, version, notes) + _multidoc_vlans(view)
    for link in links:
        if link.name != f"{link.parent}.{link.vid}":
            notes.append(f"VLAN {link.vid} on {link.parent}: Talos names the link {link.name} "
                         f"({link.parent}.{link.vid} would be longer than 15 bytes)")
    return links, notes


def _range(link: VlanLink, options: NadOptions) -> tuple[str, list[str]]:
    """(range CIDR, host addresses inside it to keep away from pods)."""
    hosts = [ipaddress.ip_interface(a) for a in link.addresses if "/" in a]
    if options.range:
        try:
            network = ipaddress.ip_network(options.range, strict=False)
        except ValueError:
            raise UsageError(f"--range {options.range!r} is not a CIDR", "e.g. 10.13.87.0/24") from None
        return options.range, [f"{h.ip}/{h.max_prefixlen}" for h in hosts if h.ip in network]
    v4 = [h for h in hosts if h.version == 4] or hosts
    if not v4:
        raise UsageError(f"VLAN {link.vid} has no address to take a pod range from",
                         "pass --range CIDR, or --ipam dhcp or static")
    return str(v4[0].network), [f"{h.ip}/{h.max_prefixlen}" for h in hosts if h.ip in v4[0].network]


def _ipam(link: VlanLink, options: NadOptions, notes: list[str]) -> dict[str, Any]:
    if options.ipam == "dhcp":
        notes.append("ipam dhcp needs the CNI dhcp daemon on every node and a DHCP server on the VLAN")
        return {"type": "dhcp"}
    if options.ipam == "static":
        if options.range:
            return {"type": "static", "addresses": [{"address": options.range}]}
        notes.append("ipam static without --range: give each pod its address in the network annotation's `ips`")
        return {"type": "static"}
    cidr, hosts = _range(link, options)
    if options.ipam == "whereabouts":
        ipam: dict[str, Any] = {"type": "whereabouts", "range": cidr}
        if hosts:
            ipam["exclude"] = hosts
        return ipam
    if hosts:
        notes.append(f"host-local cannot exclude the host's {', '.join(hosts)}: pods may be given it; "
                     "use whereabouts, or a --range without it")
    notes.append("host-local hands out addresses per node: on several nodes, give each its own --range")
    return {"type": "host-local", "ranges": [[{"subnet": cidr}]]}


def _warnings(link: VlanLink, options: NadOptions) -> list[str]:
    if options.cni_type == "host-device":
        return [f"host-device moves {link.name} into the pod: the host loses VLAN {link.vid} (and any address "
                "on it) while the pod runs, and only one pod per node can have it"]
    if not (link.addresses or link.dhcp):
        return []
    held = ", ".join(link.addresses) or "a DHCP address"
    article = "an" if options.cni_type == "ipvlan" else "a"
    return [f"VLAN {link.vid} has an address on the host ({held}): {options.cni_type} pods on {link.name} and "
            "the host cannot reach each other through it (the kernel does not pass traffic between "
            f"{article} {options.cni_type} child and its parent); other machines on the VLAN reach both. To talk "
            "to the "
            "pods from this host, give the host its own macvlan interface on the VLAN instead of the address"]


def _config(link: VlanLink, name: str, options: NadOptions, notes: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {"cniVersion": CNI_VERSION, "name": name, "type": options.cni_type}
    if options.cni_type == "host-device":
        config["device"] = link.name
    else:
        config["master"] = link.name
        config["mode"] = "bridge" if options.cni_type == "macvlan" else "l2"
    mtu = options.mtu if options.mtu is not None else link.mtu
    if mtu is not None:
        if mtu > link.mtu_limit:
            raise UsageError(f"--mtu {mtu} is larger than VLAN {link.vid}'s MTU ({link.mtu_limit})",
                             "pods cannot send larger frames than the VLAN link carries")
        if options.cni_type != "host-device":
            config["mtu"] = mtu
    config["ipam"] = _ipam(link, options, notes)
    if options.ipam == "static" and not options.range:
        config["capabilities"] = {"ips": True}
    return config


def _check(options: NadOptions, count: int) -> None:
    if options.cni_type not in TYPES:
        raise UsageError(f"unknown --type {options.cni_type!r}", "choose " + ", ".join(TYPES))
    if options.ipam not in IPAMS:
        raise UsageError(f"unknown --ipam {options.ipam!r}", "choose " + ", ".join(IPAMS))
    for what, value in (("--name", options.name), ("--namespace", options.namespace)):
        if value is not None and (len(value) > 63 or not _DNS_LABEL.match(value)):
            raise UsageError(f"{what} {value!r} is not a Kubernetes name", "lower-case letters, digits and '-'")
    if options.range and options.ipam == "dhcp":
        raise UsageError("--range has no use with --ipam dhcp")
    if options.range and options.ipam == "static":
        if count > 1:
            raise UsageError("--ipam static --range gives one address, and there are several VLANs", "add --vlan ID")
        try:
            ipaddress.ip_interface(options.range)
        except ValueError:
            raise UsageError(f"--range {options.range!r} is not an address with a prefix length",
                             "with --ipam static it is the pod's address, e.g. 10.13.87.50/24") from None


def nad_documents(
    links: Sequence[VlanLink], options: NadOptions, filename: str
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(NetworkAttachmentDefinitions, notes, warnings): one per chosen VLAN."""
    if not links:
        raise UsageError(f"{filename} has no VLANs", "a NAD attaches pods to a VLAN the node creates")
    by_vid = {link.vid: link for link in links}
    missing = [vid for vid in options.vids if vid not in by_vid]
    if missing:
        raise UsageError(f"{filename} has no VLAN {missing[0]}", "its VLANs: " + ", ".join(map(str, sorted(by_vid))))
    chosen = [by_vid[vid] for vid in options.vids] if options.vids else links
    _check(options, len(chosen))
    from ruamel.yaml.scalarstring import LiteralScalarString

    docs: list[dict[str, Any]] = []
    notes: list[str] = []
    warnings: list[str] = []
    for link in chosen:
        name = options.name or f"vlan{link.vid}"
        if options.name and len(chosen) > 1:
            name = f"{options.name}-{link.vid}"
        metadata: dict[str, Any] = {"name": name}
        if options.namespace:
            metadata["namespace"] = options.namespace
        config = _config(link, name, options, notes)
        warnings.extend(_warnings(link, options))
        docs.append({"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition", "metadata": metadata,
                     "spec": {"config": LiteralScalarString(json.dumps(config, indent=4) + "\n")}})
    return docs, list(dict.fromkeys(notes)), warnings
