"""One `patch` run from choices to text, for the CLI and the wizard alike: a policy read (NNCP) with the
command line laid over it, the plan, the proven Talos patch, its lint, and the text in the chosen format
(a Talos patch, an NNCP, or talhelper's `networkInterfaces`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from talosbond.errors import UsageError
from talosbond.model import Node, Problem
from talosbond.plan import LEGACY_SETTINGS, BondPlan, VlanPlan, make_plan, parse_vlan
from talosbond.ranking import Ranking

if TYPE_CHECKING:
    from talosbond.nncp import PolicyBond

TALOS_FORMATS = ("auto", "v1alpha1", "multidoc")
NEIGHBOUR_FORMATS = ("nncp", "talhelper")


@dataclass(frozen=True)
class PatchRequest:
    """What `patch` was asked, exactly as given: None / empty = not given (a policy or a default decides)."""

    ports: tuple[str, ...] = ()
    bond: str | None = None
    mode: str | None = None
    miimon: int | None = None
    updelay: int | None = None
    downdelay: int | None = None
    lacp_rate: str | None = None
    xmit_hash_policy: str | None = None
    primary: str | None = None
    vlans: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    dhcp: bool = False
    gateway: str | None = None
    mtu: int | None = None
    talos_version: str | None = None
    fmt: str = "auto"
    keep_address: bool = True  # without --dhcp/--address the bond takes what its cards have (addressing.py)


@dataclass(frozen=True)
class PatchResult:
    text: str
    plan: BondPlan
    strategy: str
    problems: tuple[Problem, ...]
    notes: tuple[str, ...] = ()
    unsupported: tuple[str, ...] = field(default=())
    talos_text: str = ""  # the Talos patch itself, whatever `text`'s format (what `nad` reads)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


_SCALARS = ("bond", "mode", "miimon", "updelay", "downdelay", "lacp_rate", "xmit_hash_policy", "primary", "gateway",
            "mtu")


# A legacy bond's settings under their `make_plan` names: what a replacing or migrating patch keeps.
_KEPT_SETTINGS = {"mode": "mode", **{key: name for name, key in LEGACY_SETTINGS}}


def current_bond_settings(nodes: Sequence[Node], bond: str) -> dict[str, Any]:
    """The mode and options of the legacy bond `bond` the nodes already run (when they all run the same):
    a patch that replaces it, or migrates it to BondConfig, keeps them unless the command line says
    otherwise."""
    found: list[dict[str, Any]] = []
    for node in nodes:
        legacy = next((b for b in node.config.legacy_bonds if b.name == bond), None) if node.config else None
        if legacy is None:
            return {}
        found.append({new: legacy.bond[old] for old, new in _KEPT_SETTINGS.items() if legacy.bond.get(old)
                      is not None})
    return found[0] if found and all(f == found[0] for f in found) else {}


def plan_arguments(request: PatchRequest, policy: PolicyBond | None,
                   current: dict[str, Any] | None = None) -> dict[str, Any]:
    """`make_plan` keyword arguments: the policy's, then the settings of the bond the node already runs,
    with every option the command line gave laid over them."""
    args: dict[str, Any] = policy.plan_arguments() if policy else {}
    if policy is None and request.mode is None:
        args.update(current or {})
    for name in _SCALARS:
        value = getattr(request, name)
        if value is not None:
            args[name] = value
    if request.ports:
        args["ports"] = request.ports
    if request.addresses:
        args["addresses"] = request.addresses
    if request.dhcp:
        args["dhcp"] = True
    if request.vlans:
        # A --vlan replaces the policy's VLAN with the same id and keeps the others.
        given: list[VlanPlan] = [parse_vlan(spec) for spec in request.vlans]
        kept = [v for v in args.get("vlans", ()) if v.vid not in {g.vid for g in given}]
        args["vlans"] = (*kept, *given)
    return args


def _plan_format(fmt: str) -> str:
    if fmt in NEIGHBOUR_FORMATS:
        return "v1alpha1"  # both neighbours speak the legacy shape (talhelper converts it for 1.12+ itself)
    if fmt not in TALOS_FORMATS:
        raise UsageError(f"unknown --format {fmt!r}", "choose " + ", ".join((*TALOS_FORMATS, *NEIGHBOUR_FORMATS)))
    return fmt


def _talhelper_text(documents: Sequence[dict[str, Any]]) -> str:
    from talosbond.yamlout import dump_yaml

    interfaces = documents[0]["machine"]["network"]["interfaces"]
    return dump_yaml([{"networkInterfaces": interfaces}])


def run_patch(
    request: PatchRequest, rankings: Sequence[Ranking], nodes: Sequence[Node], policy: PolicyBond | None = None
) -> PatchResult:
    """Plan, render, prove, validate and lint; the text in `request.fmt`. Raises `UsageError` on bad choices."""
    from talosbond.addressing import carry_addressing, carry_vlans
    from talosbond.lint import lint_view
    from talosbond.render import render_patch
    from talosbond.yamlout import dump_yaml

    current = current_bond_settings(nodes, request.bond or "bond0")
    plan = make_plan(rankings, talos_version=request.talos_version, fmt=_plan_format(request.fmt),
                     **plan_arguments(request, policy, current))
    if current and policy is None and request.mode is None:
        kept = ", ".join(f"{key} {value}" for key, value in current.items())
        plan = replace(plan, notes=(*plan.notes, f"kept the running {plan.bond}'s settings ({kept}); "
                                    "--mode and its options override them"))
    if request.keep_address:
        plan = carry_vlans(carry_addressing(plan, nodes), nodes)  # raises AddressingRefused (TB013)
    patch = render_patch(plan, nodes, per_member=request.fmt == "talhelper", replace=request.fmt in TALOS_FORMATS)
    problems = tuple(lint_view(patch.view, nodes, plan.version, patch=plan.patch))
    notes = [*(policy.notes if policy else ()), *plan.notes, *patch.notes,
             f"selectors: {patch.strategy}, proven on {len(nodes)} node(s), before and after the bond forms"]
    text = patch.text
    if request.fmt == "nncp":
        from talosbond.nncp import write_policy

        text = dump_yaml([write_policy(plan, nodes)])
        notes.append("the policy has no nodeSelector, so it applies to every node: add one before applying it")
    elif request.fmt == "talhelper":
        text = _talhelper_text(patch.documents)
        notes.append("paste this under the node's entry in talconfig.yaml (nodes[].networkInterfaces)")
    return PatchResult(text, plan, patch.strategy, problems, tuple(notes),
                       tuple(policy.unsupported) if policy else (), patch.text)


def request_from(**values: Any) -> PatchRequest:
    """A `PatchRequest` from keyword values, ignoring unknown keys (the wizard's answers hold more)."""
    names = {f.name for f in fields(PatchRequest)}
    return replace(PatchRequest(), **{k: v for k, v in values.items() if k in names})
