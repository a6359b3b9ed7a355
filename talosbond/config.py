"""Machine configs and patches (legacy v1alpha1 and multi-document) read into what simulation and lint need.

The same reader serves user files (`lint`, `explain`) and talosbond's own output, which is read back and
proven before it is printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from talosbond.errors import ParseError
from talosbond.model import Selector

SELECTOR_KEYS = {"busPath": "bus_path", "hardwareAddr": "hardware_addr", "permanentAddr": "permanent_addr",
                 "pciID": "pci_id", "driver": "driver", "physical": "physical"}


@dataclass(frozen=True)
class LegacyBond:
    """A `machine.network.interfaces[]` entry with a `bond`."""

    path: str
    name: str
    selectors: tuple[Selector, ...]
    raw_selectors: tuple[dict[str, Any], ...]
    interfaces: tuple[str, ...]
    bond: dict[str, Any]
    device: dict[str, Any]

    @property
    def mode(self) -> str:
        return str(self.bond.get("mode") or "")


@dataclass(frozen=True)
class AliasConfig:
    """A `LinkAliasConfig` document."""

    path: str
    name: str
    expression: str
    order: int

    @property
    def is_pattern(self) -> bool:
        return "%" in self.name


@dataclass(frozen=True)
class MultidocBond:
    """A `BondConfig` document."""

    path: str
    name: str
    links: tuple[str, ...]
    doc: dict[str, Any]

    @property
    def mode(self) -> str:
        return str(self.doc.get("bondMode") or "")


@dataclass(frozen=True)
class ConfigView:
    """Everything in one file that concerns bonds, VLANs, aliases and addressing."""

    filename: str
    documents: tuple[Any, ...]
    legacy_devices: tuple[tuple[str, dict[str, Any]], ...] = ()
    legacy_bonds: tuple[LegacyBond, ...] = ()
    aliases: tuple[AliasConfig, ...] = ()
    bonds: tuple[MultidocBond, ...] = ()
    kinds: tuple[tuple[str, dict[str, Any]], ...] = field(default=())  # (path, doc) of every typed document

    def of_kind(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(path, doc) for path, doc in self.kinds if doc.get("kind") == kind]

    @property
    def has_multidoc_network(self) -> bool:
        return any(doc.get("kind") in NETWORK_KINDS for _, doc in self.kinds)


NETWORK_KINDS = ("LinkConfig", "LinkAliasConfig", "BondConfig", "VLANConfig", "BridgeConfig", "DummyLinkConfig",
                 "DHCPv4Config", "DHCPv6Config", "Layer2VIPConfig", "WireguardConfig", "VRFConfig", "VethConfig")


def as_int(value: Any) -> int | None:
    """An integer field of a config or of Talos's YAML: an int, or digits in a string (a quoted YAML
    number); None for anything else (booleans included, which YAML would also call numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def selector_from(raw: Any) -> Selector:
    if not isinstance(raw, dict):
        return Selector()
    kwargs: dict[str, Any] = {}
    for key, attr in SELECTOR_KEYS.items():
        if key in raw and raw[key] is not None:
            kwargs[attr] = raw[key] if attr == "physical" else str(raw[key])
    if "physical" in kwargs and not isinstance(kwargs["physical"], bool):
        kwargs["physical"] = str(kwargs["physical"]).lower() == "true"
    return Selector(**kwargs)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def load_documents(text: str, filename: str) -> list[Any]:
    """All YAML documents of a config file; `ParseError` with the line on bad YAML."""
    from talosbond.parsing.yamlish import load_all

    docs = load_all(text, filename)
    if not docs:
        raise ParseError(filename, None, "empty file: expected a machine config or a patch")
    for doc in docs:
        if not isinstance(doc, dict):
            raise ParseError(filename, None, f"expected YAML mappings (config documents), got {type(doc).__name__}",
                             "a JSON6902 patch (a list of operations) cannot be linted; use a strategic-merge patch")
    return docs


def read_config(text: str, filename: str) -> ConfigView:
    """Read a machine config or patch into a `ConfigView`."""
    docs = load_documents(text, filename)
    devices: list[tuple[str, dict[str, Any]]] = []
    bonds: list[LegacyBond] = []
    aliases: list[AliasConfig] = []
    mbonds: list[MultidocBond] = []
    kinds: list[tuple[str, dict[str, Any]]] = []
    for index, doc in enumerate(docs):
        if doc.get("$patch") == "delete":
            continue  # a patch's `$patch: delete` of a whole document removes it; it configures nothing
        kind = doc.get("kind")
        if isinstance(kind, str):
            label = f"{kind}/{doc.get('name', '')}" if doc.get("name") else kind
            path = f"document[{index}] {label}"
            kinds.append((path, doc))
            if kind == "LinkAliasConfig":
                selector = doc.get("selector") if isinstance(doc.get("selector"), dict) else {}
                aliases.append(AliasConfig(path, str(doc.get("name") or ""), str(selector.get("match") or ""),
                                           len(aliases)))
            elif kind == "BondConfig":
                links = doc.get("links") if isinstance(doc.get("links"), list) else []
                mbonds.append(MultidocBond(path, str(doc.get("name") or ""), tuple(str(x) for x in links), doc))
            continue
        machine = doc.get("machine")
        network = machine.get("network") if isinstance(machine, dict) else None
        interfaces = network.get("interfaces") if isinstance(network, dict) else None
        if not isinstance(interfaces, list):
            continue
        for i, device in enumerate(interfaces):
            if not isinstance(device, dict):
                continue
            dpath = f"machine.network.interfaces[{i}]"
            devices.append((dpath, device))
            bond = device.get("bond")
            if isinstance(bond, dict):
                raw = _list(bond.get("deviceSelectors"))
                names = _list(bond.get("interfaces"))
                bonds.append(LegacyBond(
                    path=dpath, name=str(device.get("interface") or ""),
                    selectors=tuple(selector_from(s) for s in raw),
                    raw_selectors=tuple(s if isinstance(s, dict) else {} for s in raw),
                    interfaces=tuple(str(n) for n in names), bond=bond, device=device,
                ))
    return ConfigView(filename, tuple(docs), tuple(devices), tuple(bonds), tuple(aliases), tuple(mbonds), tuple(kinds))
