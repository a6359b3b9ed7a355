"""A document Talos's strict decoder refuses: an unknown key, a value of the wrong type, an enum value it
does not know, a missing required field.

Talos decodes every document strictly before it validates anything: one unknown key (a legacy spelling
such as `vlanId` in a VLANConfig, `network` in a BondConfig route, a selector field that does not exist)
or a plain string where an object is expected makes `talosctl apply`/`patch mc` refuse the whole config,
so nothing in it is applied. Each `machine.network.interfaces` item and each network document is checked
against talosbond's JSON Schema for the target Talos version (keys newer than the target count as
unknown). Ranges, names and enum values other rules check (TB005, TB008, TB009, TB029) are left to them.

Failing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors:
                - driver: mlx5_core
                  kind: ether
Passing:
    machine:
      network:
        interfaces:
          - interface: bond0
            bond:
              mode: active-backup
              miimon: 100
              deviceSelectors:
                - driver: mlx5_core
                  physical: true
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from talosbond.lint import LintContext
from talosbond.model import Problem

CODE = "TB017"
NAME = "schema"
LEVEL = "error"

# What the decoder itself refuses. Patterns, lengths and uniqueness are talosbond's own stricter taste
# (TB009, TB019, TB024, TB026 say why); ranges of ids and MTUs are TB008's and TB029's.
_DECODER = {"additionalProperties", "type", "enum", "const", "required", "minimum", "maximum", "minProperties"}
_OWNED = {("enum", key) for key in ("mode", "bondMode", "xmitHashPolicy", "lacpRate", "arpValidate", "arpAllTargets",
                                    "primaryReselect", "adSelect")}
_OWNED |= {(check, key) for check in ("minimum", "maximum") for key in ("vlanId", "vlanID", "mtu")}
_OWNED |= {("required", "links"), ("required", "bondMode"), ("required", "vlanID"), ("required", "vlanId")}
# Legacy spellings in a BondConfig are TB005's finding (it names the BondConfig spelling).
_BOND_LEGACY_KEYS = {"mode", "resendIgmp", "tlbDynamicLb", "peerNotifyDelay", "arpIPTarget", "interfaces",
                     "deviceSelectors"}


def _where(path: list[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else f".{step}"
    return out


def _unexpected(error: Any) -> set[str]:
    known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    return {str(k) for k in error.instance if k not in known} if isinstance(error.instance, dict) else set()


def _owned(error: Any, definition: str, newer: set[tuple[str, ...]]) -> bool:
    """A finding another rule makes better: ranges and ids (TB008, TB029), enums and BondConfig spellings
    (TB005), keys the target release does not have yet (TB010: `newer`)."""
    if error.validator == "additionalProperties":
        where = tuple(str(p) for p in error.absolute_path)
        tb010 = not where or where[:2] == ("bond", "deviceSelectors")  # what TB010 checks the version of
        return (where in newer and tb010) or (definition == "BondConfig" and not where
                                              and _unexpected(error) <= _BOND_LEGACY_KEYS)
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else ""
        return ("required", missing) in _OWNED
    last = error.absolute_path[-1] if error.absolute_path else ""
    return (str(error.validator), last) in _OWNED


def _errors(ctx: LintContext, definition: str, document: Any, path: str, label: str) -> Iterator[Problem]:
    from jsonschema import Draft202012Validator

    from talosbond.validate import schema_for

    defs = schema_for(ctx.effective_version)["$defs"]
    if definition not in defs:
        return
    validator = Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{definition}"})
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    newer = _newer_keys(definition, document, errors)
    for error in errors:
        if error.validator not in _DECODER or _owned(error, definition, newer):
            continue
        where = _where(list(error.absolute_path))
        who = "Talos's validation" if error.validator in ("required", "minProperties") else "Talos's strict decoder"
        later = ""
        if tuple(str(p) for p in error.absolute_path) in newer:
            major, minor = ctx.effective_version
            later = f" ({', '.join(sorted(_unexpected(error)))}: newer than Talos {major}.{minor})"
        yield ctx.problem(f"{label}{where}: {error.message}{later}: {who} refuses the whole config, so none of it "
                          "is applied", path=path + where)


def _newer_keys(definition: str, document: Any, errors: list[Any]) -> set[tuple[str, ...]]:
    """Where an unknown key is only unknown to the target release: the newest schema knows it there."""
    from jsonschema import Draft202012Validator

    from talosbond.validate import schema_for

    if not any(e.validator == "additionalProperties" for e in errors):
        return set()
    defs = schema_for((99, 0))["$defs"]
    unknown_anyway = {tuple(str(p) for p in e.absolute_path) for e in
                      Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{definition}"}).iter_errors(document)
                      if e.validator == "additionalProperties"}
    return {tuple(str(p) for p in e.absolute_path) for e in errors
            if e.validator == "additionalProperties"} - unknown_anyway


def check(ctx: LintContext) -> Iterator[Problem]:
    for path, device in ctx.view.legacy_devices:
        yield from _errors(ctx, "Device", device, path, f"interface {device.get('interface') or '(by selector)'}")
    for path, doc in ctx.view.kinds:
        kind = doc.get("kind")
        if kind not in ("Device", "LegacyPatch"):
            yield from _errors(ctx, str(kind), doc, path, f"{kind} {doc.get('name') or ''}".rstrip())
