"""CEL link selectors as Talos evaluates them (`LinkAliasConfig.selector.match`, Talos 1.12+).

Talos compiles the expression in an environment with one variable, `link`, typed as the protobuf
`LinkStatusSpec` (snake_case field names; MACs are bytes; `type` is the ARPHRD number), plus two
functions: `glob(pattern, string)` (go-glob, `*` only) and `mac(bytes)` (lowercase, colon-separated).
talosbond uses Google's CEL runtime (cel-expr-python) with `link` as a map holding every field, and
checks field names itself so that a misspelt field is reported the way Talos would refuse it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from talosbond.errors import TalosbondError
from talosbond.globs import go_glob
from talosbond.model import Link

# ARPHRD_* numbers Talos's NethelpersLinkType enum uses for the `type` field.
LINK_TYPES = {"ether": 1, "loopback": 772, "void": 65535, "ipip": 768, "sit": 776, "tunnel6": 769, "none": 65534}
OPER_STATES = {"unknown": 0, "notPresent": 1, "down": 2, "lowerLayerDown": 3, "testing": 4, "dormant": 5, "up": 6}
_FLAG_BITS = ("UP", "BROADCAST", "DEBUG", "LOOPBACK", "POINTTOPOINT", "NOTRAILERS", "RUNNING", "NOARP", "PROMISC",
              "ALLMULTI", "MASTER", "SLAVE", "MULTICAST", "PORTSEL", "AUTOMEDIA", "DYNAMIC", "LOWER_UP", "DORMANT",
              "ECHO")

# Every field of talos.resource.definitions.network.LinkStatusSpec, by its protobuf name.
LINK_FIELDS = (
    "index", "type", "link_index", "flags", "hardware_addr", "broadcast_addr", "mtu", "queue_disc", "master_index",
    "operational_state", "kind", "slave_kind", "bus_path", "pciid", "driver", "driver_version", "firmware_version",
    "product_id", "vendor_id", "product", "vendor", "link_state", "speed_megabits", "port", "duplex", "vlan",
    "bridge_master", "bond_master", "wireguard", "permanent_addr", "alias", "alt_names", "vrf_master", "veth",
)
_FIELD_REF = re.compile(r"\blink\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)")
_SPELLINGS = {"pci_id": "pciid", "pciID": "pciid", "busPath": "bus_path", "permanentAddr": "permanent_addr",
              "hardwareAddr": "hardware_addr", "speed_mbit": "speed_megabits", "speedMbit": "speed_megabits"}


class CelError(TalosbondError):
    """An expression Talos would refuse (syntax, unknown field, not a boolean)."""


@dataclass(frozen=True)
class LinkSelectorExpr:
    """A compiled `selector.match` expression."""

    source: str
    program: Any

    def matches(self, link: Link) -> bool:
        """Evaluate against one link; an evaluation error is a `CelError` (Talos fails the whole config)."""
        value = self.program.eval(data={"link": link_activation(link)})
        result = value.value()
        if isinstance(result, bool):
            return result
        raise CelError(f"selector {self.source!r} did not give a boolean for link {link.name}: {result}")


def mac_bytes(mac: str) -> bytes:
    """`aa:bb:...` -> bytes, as Talos holds MACs (empty for no or an unreadable MAC)."""
    try:
        return bytes(int(part, 16) for part in mac.split(":")) if mac else b""
    except ValueError:
        return b""


def _mac(value: bytes) -> str:
    return ":".join(f"{b:02x}" for b in value)


def _functions() -> list[Any]:
    """The two functions Talos declares for link selectors (`celenv.LinkLocator`)."""
    from cel_expr_python import cel

    return [
        cel.FunctionDecl("mac", [cel.Overload("mac_bytes", cel.Type.STRING, [cel.Type.BYTES], impl=_mac)]),
        cel.FunctionDecl("glob", [cel.Overload(
            "glob_string_string", cel.Type.BOOL, [cel.Type.STRING, cel.Type.STRING], impl=go_glob
        )]),
    ]


@cache
def _env() -> Any:
    from cel_expr_python import cel

    return cel.NewEnv(variables={"link": cel.Type.Map(cel.Type.STRING, cel.Type.DYN)}, functions=_functions())


_SPEC = "talos.resource.definitions.network.LinkStatusSpec"


@cache
def _typed_env() -> tuple[Any, frozenset[str]]:
    """An environment where `link` is the protobuf LinkStatusSpec, as in Talos, for type checking only;
    with the fields talosbond's .proto declares."""
    from cel_expr_python import cel

    from talosbond.proto import network_pb2

    fields = frozenset(network_pb2.LinkStatusSpec.DESCRIPTOR.fields_by_name)
    env = cel.NewEnv(descriptor_pool=network_pb2.DESCRIPTOR.pool, variables={"link": cel.Type(_SPEC)},
                     functions=_functions())
    return env, fields


def type_error(expression: str) -> str:
    """Why Talos's type checker refuses a compiled selector ('' when it does not): operands of the wrong
    type (`link.mtu > 1500` compares a uint with an int) or a result that is not a boolean. Expressions
    using a field talosbond's .proto does not declare are not judged."""
    env, fields = _typed_env()
    if any(m.group(1) not in fields for m in _FIELD_REF.finditer(expression)):
        return ""
    try:
        program = env.compile(expression)
    except RuntimeError as exc:
        return str(exc).split("ERROR: <input>:", 1)[-1].splitlines()[0].strip()
    kind = str(program.return_type()).lower()
    return "" if kind in ("bool", "dyn") else f"expression output type is {kind}, expected bool"


@cache
def compile_selector(expression: str) -> LinkSelectorExpr:
    """Compile a `selector.match` expression; raises `CelError` with Talos's reasons for refusing it."""
    if not expression.strip():
        raise CelError("link selector is empty", "write a CEL expression such as link.driver == \"e1000e\"")
    for match in _FIELD_REF.finditer(expression):
        name = match.group(1)
        if name not in LINK_FIELDS:
            better = _SPELLINGS.get(name)
            hint = f"did you mean link.{better}?" if better else "fields are LinkStatusSpec's protobuf names"
            raise CelError(f"selector {expression!r}: LinkStatusSpec has no field {name!r}", hint)
    try:
        program = _env().compile(expression)
    except RuntimeError as exc:
        detail = str(exc).split("ERROR: <input>:", 1)[-1].splitlines()[0].strip()
        raise CelError(f"selector {expression!r} does not compile: {detail}") from None
    return LinkSelectorExpr(expression, program)


def _cel_bytes(mac: str) -> bytearray:
    """A MAC as CEL bytes. cel-expr-python reads a Python `bytes` as a C string, so a MAC with a zero byte
    (`00:0a:f7:...`, Broadcom; `00:1b:21:...`, Intel) would end there; a `bytearray` keeps every byte."""
    return bytearray(mac_bytes(mac))


def link_activation(link: Link) -> dict[str, Any]:
    """A link as the map CEL sees: protobuf field names, bytes MACs, enum numbers."""
    flags = 0
    for name in link.flags.split(","):
        if name in _FLAG_BITS:
            flags |= 1 << _FLAG_BITS.index(name)
    return {
        "index": link.index,
        "type": LINK_TYPES.get(link.type, 0),
        "link_index": link.link_index,
        "flags": flags,
        "hardware_addr": _cel_bytes(link.hardware_addr),
        "broadcast_addr": _cel_bytes(link.broadcast_addr),
        "mtu": link.mtu,
        "queue_disc": link.queue_disc,
        "master_index": link.master_index,
        "operational_state": OPER_STATES.get(link.operational_state, 0),
        "kind": link.kind,
        "slave_kind": link.slave_kind,
        "bus_path": link.bus_path,
        "pciid": link.pci_id,
        "driver": link.driver,
        "driver_version": link.driver_version,
        "firmware_version": link.firmware_version,
        "product_id": link.product_id,
        "vendor_id": link.vendor_id,
        "product": link.product,
        "vendor": link.vendor,
        "link_state": link.link_state,
        "speed_megabits": link.speed_mbit or 0,
        "port": 0,
        "duplex": 0,
        "vlan": {"vid": link.vlan_id or 0, "protocol": 0},
        "bridge_master": {},
        "bond_master": {},
        "wireguard": {},
        "permanent_addr": _cel_bytes(link.permanent_addr),
        "alias": link.alias,
        "alt_names": list(link.alt_names),
        "vrf_master": {},
        "veth": {},
    }


def quote(value: str) -> str:
    """A CEL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
