"""A fixed LinkAliasConfig name whose selector matches several links (or none).

Talos 1.12+ assigns a fixed alias only when its selector matches exactly one physical link; with more it
logs "link selector matched multiple links, skipping" and the bond silently loses that member. From 1.13
a `<prefix>%d` name may cover several links instead.

Failing (two e1000e cards):
    kind: LinkAliasConfig
    name: uplink
    selector:
      match: link.driver == "e1000e"
Passing:
    kind: LinkAliasConfig
    name: uplink
    selector:
      match: link.driver == "e1000e" && mac(link.permanent_addr) == "10:e7:c6:16:2a:01"
"""

from __future__ import annotations

from collections.abc import Iterator

from talosbond.lint import LintContext
from talosbond.model import Problem
from talosbond.simulate import resolve_aliases

CODE = "TB003"
NAME = "alias-match-count"
LEVEL = "error"
NEEDS_LINKS = True


def check(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.view.aliases:
        return
    paths = {a.name: a.path for a in ctx.view.aliases}
    for node in ctx.nodes:
        states = [("", node.links)]
        for proof in ctx.proofs(node):
            states.append((" once the bond forms", proof.after.links))
        for when, links in states:
            _, columns, errors = resolve_aliases(ctx.view.aliases, links, ctx.effective_version)
            for column in columns:
                if "Talos skips" in column.note:
                    yield ctx.problem(
                        f"alias {column.label} matches {', '.join(column.matched)}{when}; a fixed alias must match "
                        "exactly one link, so Talos skips it", path=paths.get(column.label, ""), node=node.name,
                    )
                elif not column.matched and not column.note and not when:
                    yield ctx.problem(f"alias {column.label} matches no physical link",
                                      path=paths.get(column.label, ""), node=node.name, level="warning")
            for error in errors:
                yield ctx.problem(error, node=node.name)
