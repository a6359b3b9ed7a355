"""`BondPlan` + proven selectors -> the patch documents `talosctl patch mc` takes.

`render_patch` derives the selectors, builds the documents for the plan's format, reads the YAML back,
proves it by simulation on every node in both states, and validates it against talosbond's schemas. A
patch that fails any of these is never returned.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from talosbond import features
from talosbond.config import ConfigView, read_config
from talosbond.errors import TalosbondError
from talosbond.model import Node
from talosbond.plan import BondPlan
from talosbond.render.legacy import legacy_documents
from talosbond.render.multidoc import multidoc_documents
from talosbond.selectors import derive_legacy, derive_multidoc
from talosbond.simulate import NodeProof, prove
from talosbond.yamlout import dump_yaml


@dataclass(frozen=True)
class Patch:
    """A rendered, proven, validated patch."""

    text: str
    documents: tuple[dict[str, Any], ...]
    strategy: str
    proofs: tuple[NodeProof, ...]
    view: ConfigView  # the text read back: what lint checks
    notes: tuple[str, ...] = ()


def build_documents(
    plan: BondPlan, nodes: Sequence[Node], per_member: bool = False
) -> tuple[list[dict[str, Any]], str]:
    """The patch documents and how their selectors were chosen (`per_member`: see `derive_legacy`)."""
    if plan.format == "multidoc":
        choice = derive_multidoc(plan, nodes)
        return multidoc_documents(plan, choice.aliases, choice.links), choice.strategy
    legacy = derive_legacy(plan, nodes, per_member)
    return legacy_documents(plan, legacy.selectors), legacy.strategy


def render_patch(plan: BondPlan, nodes: Sequence[Node], per_member: bool = False, replace: bool = True) -> Patch:
    """Render, read back, prove on every node and validate. Raises `TalosbondError` if any step fails.

    On nodes whose current config is known, the patch is made to replace what that config already has
    (`replace.py`) and is proven once more on the config talosctl's merge would produce."""
    from talosbond.validate import validate_documents

    documents, strategy = build_documents(plan, nodes, per_member)
    validate_documents(documents, plan.version, "<patch>")
    view = read_config(dump_yaml(documents), "<patch>")
    proofs: list[NodeProof] = []
    for node in nodes:
        node_proofs = prove(view, node, plan.version, {plan.bond: plan.members[node.name]}, plan.patch)
        failing = [p for p in node_proofs if not p.ok]
        if failing:  # derive_* proved the same selectors; this guards the renderer itself
            raise TalosbondError(f"{node.name}: the rendered patch does not prove: {failing[0].problems()[0]}")
        proofs.extend(node_proofs)
    documents, notes = replacing(documents, plan, nodes) if replace else (documents, [])
    text = dump_yaml(documents)
    return Patch(text, tuple(documents), strategy, tuple(proofs), read_config(text, "<patch>"), tuple(notes))


def replacing(
    documents: list[dict[str, Any]], plan: BondPlan, nodes: Sequence[Node]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The documents rewritten to replace what the nodes' configs have (the same patch for every node)."""
    from talosbond.replace import replace_existing

    chosen: tuple[list[dict[str, Any]], list[str]] | None = None
    for node in nodes:
        if node.config is None:
            continue
        current = [copy.deepcopy(d) for d in node.config.documents]
        also = [*([plan.bond] if plan.format == "multidoc" else []), *plan.members[node.name]]
        result = replace_existing(documents, current, also)
        if result.deleted and not features.has(features.PATCH_DELETE, plan.version):
            return documents, [f"{node.name}: Talos before 1.8 has no `$patch: delete`: `talosctl patch mc` "
                               "appends this patch to what the node's config has (" + "; ".join(result.deleted)
                               + "): remove those with `talosctl edit mc` first, or use `talosbond apply`"]
        if chosen is not None and result.documents != chosen[0]:
            raise TalosbondError("the nodes' current configs differ in what the patch has to replace",
                                 "run talosbond patch per group of nodes with the same config")
        prove_merged(result.documents, current, plan, node)
        chosen = (result.documents, result.notes)
    return chosen if chosen is not None else (documents, [])


def prove_merged(documents: list[dict[str, Any]], current: list[Any], plan: BondPlan, node: Node) -> None:
    """Merge the patch onto the node's config as talosctl would and check that exactly the new bond is left:
    one entry, each selector and VLAN once, no legacy entry beside a multi-document bond, the planned cards."""
    from talosbond.merge import MergeError, apply_patches, parse_strategic

    try:
        merged = apply_patches(current, [parse_strategic(documents)], plan.version)
    except MergeError as exc:
        raise TalosbondError(f"{node.name}: talosctl would refuse the patch on its config: {exc.message}") from None
    view = read_config(dump_yaml(merged), f"{node.name} merged config")
    problems: list[str] = []
    legacy = [b for b in view.legacy_bonds if b.name == plan.bond]
    multidoc = [b for b in view.bonds if b.name == plan.bond]
    if plan.format == "multidoc" and legacy:
        problems.append(f"a legacy interfaces[] entry for {plan.bond} is left beside its BondConfig")
    for bond in legacy:
        keys = [repr(sorted(s.items())) for s in bond.raw_selectors]
        vids = [v.get("vlanId") for v in bond.device.get("vlans") or [] if isinstance(v, dict)]
        if len(keys) != len(set(keys)) or len(vids) != len(set(vids)):
            problems.append(f"{plan.bond} has a selector or a VLAN twice")
        for vlan in bond.device.get("vlans") or []:
            addresses = vlan.get("addresses") or [] if isinstance(vlan, dict) else []
            if len(addresses) != len(set(addresses)):
                problems.append(f"VLAN {vlan.get('vlanId')} has an address twice")
    for mbond in multidoc:
        if len(mbond.links) != len(set(mbond.links)):
            problems.append(f"BondConfig {plan.bond} lists a link twice")
    for proof in prove(view, node, plan.version, {plan.bond: plan.members[node.name]}, plan.patch):
        problems += proof.problems() if proof.bond == plan.bond else []
    if problems:
        raise TalosbondError(f"{node.name}: merged onto its current config, the patch would leave: {problems[0]}",
                             "report this: talosbond should have built a patch that replaces the old bond")
