"""`talosbond lint`, `explain` and `rules`: what is wrong with a bond config, and why."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from talosbond.cli.common import TalosVersionOpt, TextOrJson, TextOrJsonOpt, app, command, optional_nodes, read_file
from talosbond.cli.common import target_version as version_of
from talosbond.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from talosbond.config import ConfigView
    from talosbond.model import Node, Problem
    from talosbond.rules import Settings
    from talosbond.sources import Connection


@app.command()
@command()
def lint(
    conn: Connection,
    files: Annotated[list[str], typer.Argument(
        metavar="FILE...", help="Machine configs or patches (legacy or multi-document).", show_default=False)],
    settings: Settings,
    talos_version: TalosVersionOpt = None,
    output: TextOrJsonOpt = TextOrJson.text,
    fix: Annotated[bool, typer.Option("--fix", help="Rewrite the files with every fix lint can prove on the "
                                      "links (comments, key order, quoting and indentation kept).")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Print the fixes as a unified diff; write nothing.")] = False,
) -> int:
    """Find the pitfalls in bond configs: selectors that catch the bond's own VLAN, aliases that match
    several cards, options Talos refuses, and more (see `talosbond rules`). With -n or --from the selectors
    are simulated on the node's links, before and after the bond forms.

    With --fix (or --diff), fixes are applied only once the fixed config is proven on every node given.

    Exit code 1 when an error-level problem is found (after fixing, with --fix or --diff).
    """
    from talosbond.lint import lint_text, problems_json
    from talosbond.output import JSON_SCHEMA_VERSION, print_node_errors, print_notes, print_problems_to, to_json
    from talosbond.parsing.version import parse_tag

    found, failed = optional_nodes(conn)
    version = version_of(talos_version, found)
    patch = parse_tag(talos_version, "--talos-version").patch if talos_version else None
    texts = [(path, read_file(path)) for path in files]  # every file read before any is rewritten
    problems = []
    quiet: list[str] = []  # files without a finding
    for path, text in texts:
        if fix or diff:
            found_here = _fix_file(path, text, found, version, patch, settings, write=not diff)
        else:
            found_here = lint_text(text, path, found, version, settings, patch=patch)
        problems.extend(found_here)
        if not found_here:
            quiet.append(path)
    if output is TextOrJson.json:
        sys.stdout.write(to_json({"schema_version": JSON_SCHEMA_VERSION, **problems_json(problems)}))
    else:
        print_problems_to(sys.stderr if diff else sys.stdout, problems)
        if not diff:
            _say_what_was_not_checked(quiet)
        if not problems:
            (sys.stderr if diff else sys.stdout).write(f"no problems in {len(files)} file(s)\n")
    if not found and not failed:
        print_notes(["no links to simulate on (-n NODE or --from DIR): the selectors were not matched against a "
                     "node's links, and the rules that need links (" + ", ".join(_rules_needing_links()) +
                     ") did not run"])
    print_node_errors(failed)
    if failed:
        return 2
    return 1 if any(p.level == "error" for p in problems) else 0


def _fix_file(path: str, text: str, nodes: Sequence[Node], version: tuple[int, int] | None, patch: int | None,
              settings: Settings, write: bool) -> list[Problem]:
    """Fix one file (or print the diff); the problems left afterwards."""
    import difflib

    from talosbond.fix import fix_text
    from talosbond.lint import lint_text
    from talosbond.output import print_notes

    def lint_one(candidate: str) -> list[Problem]:
        return lint_text(candidate, path, nodes, version, settings, patch=patch)

    result = fix_text(text, lint_one, lambda candidate: _unproven(candidate, path, nodes, version, patch))
    notes = [f"{path}: fixed: {f.description}" for f in result.applied]
    notes += [f"{path}: not fixed: {why}" for why in result.refused]
    if result.applied and not nodes:
        notes.append(f"{path}: the fixes are not proven on any links (give -n or --from to prove them)")
    if result.text != text:
        if write:
            from talosbond.sources.capture import write_text_atomic

            write_text_atomic(path, result.text)
        else:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(keepends=True),
                                                       result.text.splitlines(keepends=True), path, path))
    print_notes(notes)
    return result.problems


def _unproven(text: str, path: str, nodes: Sequence[Node], version: tuple[int, int] | None,
              patch: int | None) -> list[str]:
    """Why the config's bonds do not resolve to the same physical cards before and after they form, on
    every node (empty: proven)."""
    from talosbond.config import read_config
    from talosbond.features import release_or_newest
    from talosbond.simulate import prove

    view = read_config(text, path)
    out: list[str] = []
    for node in nodes:
        for proof in prove(view, node, release_or_newest(version), patch=patch):
            out += [f"{node.name}: {proof.bond}: {p}" for p in proof.problems()]
            if set(proof.before.members) != set(proof.after.members):
                out.append(f"{node.name}: {proof.bond}: members change once the bond forms")
    return out


def _rules_needing_links() -> list[str]:
    from talosbond.rules import catalogue

    return [rule.code for rule in catalogue() if rule.family == "lint" and rule.needs_links]


def _say_what_was_not_checked(quiet: list[str]) -> None:
    """A file without findings and without a bond was not really checked: say so, on stdout beside the
    result."""
    from talosbond.config import read_config

    for path in quiet:
        view = read_config(read_file(path), path)
        if not view.legacy_bonds and not view.bonds:
            sys.stdout.write(f"{path}: no bond in it (no machine.network.interfaces[].bond, no BondConfig): "
                             "nothing to check\n")


@app.command()
@command()
def explain(
    conn: Connection,
    file: Annotated[str, typer.Argument(metavar="FILE", help="A machine config or patch with a bond.")],
    talos_version: TalosVersionOpt = None,
    log: Annotated[str | None, typer.Option("--log", metavar="FILE", help="Talos's controller-runtime log "
                                            "(`talosctl logs controller-runtime`): trace its bond errors to FILE.")]
    = None,
) -> int:
    """Show which link each selector (or alias) matches, before and after the bond forms, on each node.
    With --log, trace the bond errors Talos logged back to the selector or document in FILE that causes
    them, with the fix.

    Exit code 1 when a bond would not get exactly physical members in both states, or the log holds a
    bond error.

    \b
    Examples:
      talosbond explain worker.yaml -n 10.13.17.19
      talosbond explain worker.yaml --from DIR --log controller-runtime.log
    """
    from talosbond.config import read_config
    from talosbond.features import release_or_newest
    from talosbond.output import print_explain, print_node_errors
    from talosbond.simulate import prove

    given = conn.nodes or conn.from_dir is not None
    found, failed = optional_nodes(conn) if given or log is None else ((), ())
    if not found and not failed and log is None:
        raise UsageError("explain needs links to match against", "pass -n NODE or --from DIR (or --log FILE)")
    view = read_config(read_file(file), file)
    if not view.legacy_bonds and not view.bonds and log is None:
        raise UsageError(f"{file}: no bond in it (no machine.network.interfaces[].bond, no BondConfig)")
    version = release_or_newest(version_of(talos_version, found))
    proofs = [p for node in found for p in prove(view, node, version)]
    if proofs:
        print_explain(proofs)
    logged = _explain_log(log, view, found, version, file) if log is not None else False
    print_node_errors(failed)
    if failed:
        return 2
    return 1 if logged or any(p.problems() for p in proofs) else 0


def _explain_log(path: str, view: ConfigView, nodes: Sequence[Node], version: tuple[int, int], file: str) -> bool:
    """Print the bond errors in a pasted log, traced to `view` (per node when nodes are given); True when one
    is an error."""
    from talosbond.health import run_log_rules
    from talosbond.logtrace import TraceContext, trace_log
    from talosbond.output import print_log_findings
    from talosbond.parsing.talos_log import ControllerLog, parse_controller_log

    parsed = parse_controller_log(read_file(path), path)
    found_any = False
    targets: list[Node | None] = [*nodes] or [None]
    for node in targets:
        entries = parsed.entries
        if node is not None and any(e.node for e in entries):
            entries = tuple(e for e in entries if e.node in ("", node.name))
        traces = trace_log(ControllerLog(path, entries), TraceContext(node, view, version, file))
        problems = run_log_rules(node.name if node is not None else "", traces)
        print_log_findings(node.name if node is not None else path, problems)
        found_any = found_any or any(p.level == "error" for p in problems)
    return found_any


@app.command()
@command()
def rules(code: Annotated[str | None, typer.Argument(
        metavar="[CODE]", help="A rule code (TB001) or name.", show_default=False)] = None) -> int:
    """List the lint rules, or show one with its failing and passing examples."""
    from talosbond.output import print_rule, print_rules
    from talosbond.rules import catalogue, find_rule

    if code is None:
        print_rules(catalogue())
        return 0
    found = find_rule(code)
    if found is None:
        raise UsageError(f"no rule {code!r}", "`talosbond rules` lists them")
    print_rule(found)
    return 0
