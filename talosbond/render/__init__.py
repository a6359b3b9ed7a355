"""`BondPlan` + proven selectors -> the patch documents `talosctl patch mc` takes.

`render_patch` derives the selectors, builds the documents for the plan's format, reads the YAML back,
proves it by simulation on every node in both states, and validates it against talosbond's schemas. A
patch that fails any of these is never returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def build_documents(
    plan: BondPlan, nodes: Sequence[Node], per_member: bool = False
) -> tuple[list[dict[str, Any]], str]:
    """The patch documents and how their selectors were chosen (`per_member`: see `derive_legacy`)."""
    if plan.format == "multidoc":
        choice = derive_multidoc(plan, nodes)
        return multidoc_documents(plan, choice.aliases, choice.links), choice.strategy
    legacy = derive_legacy(plan, nodes, per_member)
    return legacy_documents(plan, legacy.selectors), legacy.strategy


def render_patch(plan: BondPlan, nodes: Sequence[Node], per_member: bool = False) -> Patch:
    """Render, read back, prove on every node and validate. Raises `TalosbondError` if any step fails."""
    from talosbond.validate import validate_documents

    documents, strategy = build_documents(plan, nodes, per_member)
    text = dump_yaml(documents)
    view = read_config(text, "<patch>")
    proofs: list[NodeProof] = []
    for node in nodes:
        node_proofs = prove(view, node, plan.version, {plan.bond: plan.members[node.name]})
        failing = [p for p in node_proofs if not p.ok]
        if failing:  # derive_* proved the same selectors; this guards the renderer itself
            raise TalosbondError(f"{node.name}: the rendered patch does not prove: {failing[0].problems()[0]}")
        proofs.extend(node_proofs)
    validate_documents(documents, plan.version, "<patch>")
    return Patch(text, tuple(documents), strategy, tuple(proofs), view)
