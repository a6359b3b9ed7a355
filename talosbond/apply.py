"""Safe apply: try mode, probe, then commit or let Talos roll back. One node at a time.

Per node (kubernetes-nmstate's probe model, on Talos's try mode):
1. read the node's active machine config and merge the patch into it with talosctl's own merge;
2. apply the merged config with `--mode try --timeout T`: Talos reverts it after T unless a non-try
   apply comes first (`v1alpha1_server.go`: any non-TRY ApplyConfiguration cancels the rollback timer);
3. probe until shortly before T: the Talos API answers, every bond of the patch exists with the planned
   members and verifies healthy (`verify.py`), twice in a row, and the optional probe address answers;
4. all pass: commit by applying the SAME merged file with `--mode no-reboot` (running `patch mc` again
   would append the patch's lists a second time). Otherwise: do not commit, wait for the rollback,
   confirm the node answers with its old config, and report what failed.

No I/O here: the talosctl calls live behind `Ops` (`sources/talosctl_apply.py`), time behind `Clock`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from talosbond.clock import Clock
from talosbond.config import ConfigView
from talosbond.errors import ParseError, SourceError, UsageError
from talosbond.features import Release, release_or_newest
from talosbond.health import Expected
from talosbond.model import BondStatus, Node
from talosbond.verify import BondHealth, expected_from_config, member_links_of, verify_bond

REQUIRED_PASSES = 2  # consecutive all-pass probes before committing: a link that just came up may flap
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


class Ops(Protocol):
    """The outside world as `apply` sees it (implemented by `sources.talosctl_apply.TalosctlOps`)."""

    def read_config(self, node: str) -> tuple[str, str]: ...
    def merge(self, node: str, current: str, patch: Path) -> tuple[str, Path]: ...
    def write_patch(self, node: str, text: str) -> Path: ...
    def apply(self, node: str, path: Path, mode: str, try_timeout: float | None = None) -> str: ...
    def api_error(self, node: str) -> str | None: ...
    def active_config(self, node: str) -> str: ...
    def read_state(self, node: str, bonds: Sequence[str]) -> tuple[Node, dict[str, str]]: ...
    def probe(self, address: str, timeout: float = 3.0) -> str | None: ...


def parse_duration(text: str) -> float:
    """A Go duration as talosctl takes it (`2m`, `90s`, `1m30s`, `500ms`) or plain seconds -> seconds."""
    value = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        return float(value)
    pos = 0
    total = 0.0
    for match in _DURATION.finditer(value):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(value) or not value:
        raise UsageError(f"--timeout {text!r} is not a duration", "write it like 2m, 90s or 1m30s")
    return total


@dataclass(frozen=True)
class Timing:
    """How long to probe, how often, and how long to wait for a rollback, for one try-mode timeout."""

    timeout: float
    poll: float
    margin: float  # the commit must reach the node this long before the rollback
    grace: float  # wait this long past the rollback before checking the node is back
    back_window: float  # then give the node this long to answer again

    @classmethod
    def for_timeout(cls, timeout: float) -> Timing:
        return cls(
            timeout=timeout,
            poll=min(5.0, max(0.1, timeout / 20)),
            margin=min(15.0, timeout * 0.25),
            grace=min(30.0, max(0.5, timeout * 0.25)),
            back_window=max(60.0, timeout),
        )


@dataclass(frozen=True)
class NodeChange:
    """What will happen on one node, decided before anything changes."""

    node: Node
    current: str
    current_how: str  # active | persisted
    merged: str
    merged_path: Path
    diff: str  # unified diff current -> merged, secrets redacted
    expected: dict[str, Expected]
    unchanged: bool = False
    refusals: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    current_view: ConfigView | None = None  # `current` read (None: it does not parse)
    patch_path: Path | None = None  # the patch talosbond rewrote for this node, when it did

    @property
    def name(self) -> str:
        return self.node.name


@dataclass
class Outcome:
    """How it went on one node."""

    node: str
    status: str  # committed | unchanged | not-applied | rolled-back | not-rolled-back | not-back | changed
    ok: bool
    failures: list[str] = field(default_factory=list)
    health: list[BondHealth] = field(default_factory=list)


# --- planning -------------------------------------------------------------------------------------

def _documents(text: str, filename: str) -> list[Any] | None:
    from talosbond.config import load_documents

    try:
        return load_documents(text, filename)
    except ParseError:
        return None


def same_config(a: str, b: str) -> bool:
    """Equal as YAML data (talosctl re-renders configs, so their text may differ)."""
    docs_a = _documents(a, "a")
    return docs_a is not None and docs_a == _documents(b, "b")


_SECRET = re.compile(
    r"^(?P<lead>[-+ ]\s*(?:-\s+)?)(?P<key>[A-Za-z0-9_]*(?:token|key|secret|crt|cert|password)[A-Za-z0-9_]*)"
    r"(?P<sep>\s*:\s*)(?P<value>.*)$",
    re.IGNORECASE,
)


def redact_line(line: str) -> str:
    """Hide the value of a key that looks like a secret (tokens, keys, certificates) in a diff line."""
    match = _SECRET.match(line)
    if match is None:
        return line
    value = match.group("value").strip().strip("\"'")
    if not value or value.isdigit() or value.lower() in ("true", "false", "null", "|", ">"):
        return line
    return f"{match.group('lead')}{match.group('key')}{match.group('sep')}<redacted>"


def _normalised(text: str, name: str) -> str:
    """The config as talosbond writes YAML (talosctl's indentation and quoting); the text itself when it does
    not parse. Key order is kept: both configs come from talosctl, in Talos's own order."""
    from talosbond.yamlout import dump_yaml

    docs = _documents(text, name)
    return text if docs is None else dump_yaml(docs)


def config_diff(current: str, merged: str, node: str, label: str = "merged") -> str:
    """The change the apply makes, as a unified diff of the two configs as data (talosctl re-renders a
    merged config: its quoting and indentation are not changes), secret values redacted."""
    before, after = _normalised(current, "current"), _normalised(merged, "merged")
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), f"{node} current", f"{node} {label}",
                                 lineterm="", n=3)
    return "\n".join(redact_line(line) if not line.startswith(("---", "+++", "@@")) else line for line in lines)


def _contains(have: Any, want: Any) -> bool:
    """Is `want` (part of a patch) already in `have` (a config)? Lists: every wanted item is in the list."""
    if isinstance(want, dict):
        return isinstance(have, dict) and all(k in have and _contains(have[k], v) for k, v in want.items())
    if isinstance(want, list):
        return isinstance(have, list) and all(any(_contains(h, w) for h in have) for w in want)
    return bool(have == want)


def patch_contained(current: str, want: Sequence[Any]) -> bool:
    """True when every document of the patch (`want`) is already in the config (the patch was applied
    before): merging it again would only append its lists a second time."""
    have = _documents(current, "current")
    if have is None:
        return False
    for doc in want:
        kind = doc.get("kind")
        if kind is None:
            candidates = [d for d in have if d.get("kind") is None]
        else:
            candidates = [d for d in have if d.get("kind") == kind and d.get("name") == doc.get("name")]
        if not any(_contains(candidate, doc) for candidate in candidates):
            return False
    return True


def _duplicates(view: ConfigView, bonds: Sequence[str]) -> list[str]:
    """Lists the merge doubled: what running `patch mc` twice does, and what Talos would then apply."""
    out: list[str] = []
    seen_names = [b.name for b in view.legacy_bonds if b.name in bonds]
    out += [f"{n}: two interface entries" for n in sorted({n for n in seen_names if seen_names.count(n) > 1})]
    for legacy in view.legacy_bonds:
        if legacy.name not in bonds:
            continue
        for what, items in (
            ("a deviceSelector", [repr(sorted(s.items())) for s in legacy.raw_selectors]),
            ("an interface", list(legacy.interfaces)),
            ("a VLAN", [repr(v.get("vlanId")) for v in legacy.device.get("vlans") or [] if isinstance(v, dict)]),
            ("an address", [repr(a) for a in legacy.device.get("addresses") or []]),
        ):
            if len(items) != len(set(items)):
                out.append(f"{legacy.name}: {what} appears twice")
    for mbond in view.bonds:
        if mbond.name in bonds and len(mbond.links) != len(set(mbond.links)):
            out.append(f"BondConfig {mbond.name}: a link appears twice in `links`")
    return out


def patch_bonds(view: ConfigView) -> list[str]:
    """The bonds a patch defines (legacy interfaces with `bond:` and BondConfig documents)."""
    names = [b.name for b in view.legacy_bonds] + [b.name for b in view.bonds]
    return list(dict.fromkeys(n for n in names if n))


def _view(text: str, filename: str) -> tuple[ConfigView | None, ParseError | None]:
    """A config read once, or why it cannot be."""
    from talosbond.config import read_config

    try:
        return read_config(text, filename), None
    except ParseError as exc:
        return None, exc


def _replacing(ops: Ops, node: str, current: str, current_view: ConfigView | None, patch: Path,
               patch_view: ConfigView) -> tuple[Path, ConfigView, list[str]]:
    """A patch whose items the node's config already has is rewritten to delete and re-add them (what the
    node's address and VLANs were is kept): talosctl's merge would append their lists a second time."""
    from talosbond.config import read_config
    from talosbond.replace import has_deletes, replace_existing
    from talosbond.yamlout import dump_yaml

    docs = list(patch_view.documents)
    if current_view is None or has_deletes(docs) or patch_contained(current, docs):
        return patch, patch_view, []
    result = replace_existing(docs, list(current_view.documents))
    if not result.deleted:
        return patch, patch_view, []
    text = dump_yaml(result.documents)
    return ops.write_patch(node, text), read_config(text, str(patch)), [
        f"{note} (talosbond rewrote the patch for {node})" for note in result.notes]


def _refused_by_talosctl(current: ConfigView | None, patch_view: ConfigView, version: Release) -> str | None:
    """What talosctl's merge (as talosbond models it) says against this patch on this config, if anything."""
    from talosbond.merge import MergeError, apply_patches, parse_strategic

    if current is None:
        return None
    try:
        apply_patches(list(current.documents), [parse_strategic(list(patch_view.documents))], version)
    except MergeError as exc:
        return f"talosctl machineconfig patch would refuse it on this config: {exc.message}"
    return None


def prepare(ops: Ops, node: Node, patch: Path, patch_view: ConfigView, version: Release) -> NodeChange:
    """Read and merge (nothing changes on the node); decide what to expect and whether to refuse."""
    from talosbond.simulate import prove

    current, how = ops.read_config(node.name)
    current_view, _ = _view(current, f"{node.name} machine config")
    original = patch_view
    patch, patch_view, notes = _replacing(ops, node.name, current, current_view, patch, patch_view)
    refused = _refused_by_talosctl(current_view, patch_view, version)  # before talosctl runs at all
    if refused is not None:
        return NodeChange(node, current, how, current, patch, "", {}, refusals=(refused,), current_view=current_view)
    merged, merged_path = ops.merge(node.name, current, patch)
    bonds = patch_bonds(patch_view)
    if how != "active":
        notes.append("the active config could not be read (get machineconfig); using the one saved on disk, "
                     "so a rollback can only be confirmed by the API answering")
    unchanged = same_config(current, merged) or patch_contained(current, list(original.documents))
    if unchanged:
        merged = current  # nothing will be applied; verify against what runs
    view, error = _view(merged, "merged config")
    refusals = [f"the merged config does not parse: {error.message}"] if error is not None else []
    expected: dict[str, Expected] = {}
    if view is not None:
        refusals += [f"merging again would double a list: {d}" for d in _duplicates(view, bonds)]
        proofs = {p.bond: p for p in prove(view, node, version)}
        for bond in bonds:
            proof = proofs.get(bond)
            if proof is not None:
                refusals += [f"{bond}: {problem}" for problem in proof.problems()]
            found = expected_from_config(view, "the patch", bond, node, version)
            if found is None:
                refusals.append(f"{bond}: not in the merged config")
                continue
            if not found.members:
                refusals.append(f"{bond}: the patch selects no network card on {node.name}")
            expected[bond] = found
    if not bonds:
        notes.append("the patch defines no bond: only the Talos API (and --probe-address) are probed")
    if unchanged and refusals:  # nothing will be applied: what is wrong is in the node's config already
        notes += [f"in the node's config (not applied by talosbond): {r}" for r in dict.fromkeys(refusals)]
        refusals = []
    return NodeChange(node, current, how, merged, merged_path, config_diff(current, merged, node.name), expected,
                      unchanged, tuple(dict.fromkeys(refusals)), tuple(notes), current_view,
                      patch if patch_view is not original else None)


def plan_commands(plan: NodeChange, patch: str, timing: Timing) -> list[str]:
    """The talosctl commands `apply` runs for one node, for the plan and `--dry-run`."""
    from talosbond.sources.talosctl_apply import go_duration

    n = plan.name
    merged = str(plan.merged_path)
    read = ("talosctl -n {n} get machineconfig v1alpha1 -o jsonpath='{{.spec}}' > current.yaml"
            if plan.current_how == "active" else "talosctl -n {n} read /system/state/config.yaml > current.yaml")
    return [
        read.format(n=n),
        f"talosctl machineconfig patch current.yaml --patch @{plan.patch_path or patch} -o {merged}",
        f"talosctl -n {n} apply-config --file {merged} --mode try --timeout {go_duration(timing.timeout)}",
        f"talosctl -n {n} apply-config --file {merged} --mode no-reboot   # only if every probe passes",
    ]


# --- running --------------------------------------------------------------------------------------

def probe(
    ops: Ops, plan: NodeChange, previous: dict[str, BondStatus], probe_address: str | None
) -> tuple[list[str], list[BondHealth], dict[str, BondStatus]]:
    """One round of probes: failures (empty = all pass), each bond's health, the statuses read."""
    name = plan.name
    error = ops.api_error(name)
    if error:
        return [f"the Talos API does not answer: {error}"], [], {}
    failures: list[str] = []
    healths: list[BondHealth] = []
    statuses: dict[str, BondStatus] = {}
    try:
        now, errors = ops.read_state(name, list(plan.expected))
    except (SourceError, ParseError) as exc:
        return [f"cannot read the links: {exc.message}"], [], {}
    for bond, expected in plan.expected.items():
        status = now.bonds.get(bond)
        if status is None:
            failures.append(f"{bond} does not exist ({errors.get(bond, 'not read')})")
            continue
        if isinstance(status, ParseError):
            failures.append(f"{bond}: {status.message}")
            continue
        link = now.link(bond)
        health = verify_bond(name, status, link, member_links_of(now, link), expected, previous.get(bond))
        statuses[bond] = status
        healths.append(health)
        bad = [p for p in health.problems if p.level == "error"]
        if bad:
            more = f" (and {', '.join(sorted({p.code for p in bad[1:]}))})" if len(bad) > 1 else ""
            failures.append(f"{bond} is unhealthy: {bad[0].code} {bad[0].message}{more}")
    if probe_address:
        error = ops.probe(probe_address)
        if error:
            failures.append(f"{probe_address} does not answer ({error})")
    return failures, healths, statuses


def which_config(ops: Ops, plan: NodeChange) -> str:
    """What the node runs now: merged | current | other | unknown (the API does not answer)."""
    if ops.api_error(plan.name):
        return "unknown"
    if plan.current_how != "active":
        return "current"  # only the saved config is readable: the API answering is all we can tell
    try:
        active = ops.active_config(plan.name)
    except SourceError:
        return "unknown"
    if same_config(active, plan.merged):
        return "merged"
    return "current" if same_config(active, plan.current) else "other"


Say = Callable[[str], None]


def run_node(
    ops: Ops, plan: NodeChange, timing: Timing, probe_address: str | None, clock: Clock, say: Say
) -> Outcome:
    """Try, probe, commit or roll back on one node. Never raises for what happens on the node."""
    name = plan.name
    if plan.unchanged:
        say(f"{name}: the patch is already in its config; verifying only")
        failures, health, _ = probe(ops, plan, {}, probe_address)
        return Outcome(name, "unchanged", not failures, failures, health)
    say(f"{name}: applying in try mode; Talos rolls it back in {timing.timeout:g}s unless it is committed")
    started = clock.now()
    try:
        ops.apply(name, plan.merged_path, "try", timing.timeout)
    except SourceError as exc:
        # The network may change under the call itself (siderolabs/talos#8566): see what the node runs.
        state = which_config(ops, plan)
        if state == "current":
            return Outcome(name, "not-applied", False,
                           [f"the try-mode apply failed and nothing changed: {exc.message}"])
        if state != "merged":
            applied_at = clock.now()
            return _await_rollback(ops, plan, timing, applied_at, clock, say,
                                   [f"the try-mode apply failed ({exc.message}) and the node does not answer"], [])
        say(f"{name}: the apply call failed ({exc.message}) but the node runs the new config; probing")
    applied_at = clock.now()
    commit_by = started + timing.timeout - timing.margin
    previous: dict[str, BondStatus] = {}
    failures = []
    health = []
    passes = 0
    attempt = 0
    last_said = ""
    while clock.now() < commit_by:
        attempt += 1
        failures, health, statuses = probe(ops, plan, previous, probe_address)
        previous.update(statuses)
        if failures:
            passes = 0
            more = f" (+{len(failures) - 1} more)" if len(failures) > 1 else ""
            line = f"{failures[0]}{more}"
            if line != last_said:  # a probe that keeps failing the same way is said once
                say(f"{name}: probe {attempt}: {line}")
                last_said = line
        else:
            passes += 1
            last_said = ""
            say(f"{name}: probe {attempt}: every probe passes")
            if passes >= REQUIRED_PASSES:
                break
        clock.sleep(min(timing.poll, max(0.0, commit_by - clock.now())))
    if passes >= REQUIRED_PASSES and clock.now() < commit_by:
        return _commit(ops, plan, timing, applied_at, clock, say, health)
    if passes >= REQUIRED_PASSES:
        failures = [f"the probes passed too late to commit safely before the rollback (margin {timing.margin:g}s)"]
    elif not failures:
        failures = [f"the probes did not pass {REQUIRED_PASSES} times in a row before the commit deadline"]
    return _await_rollback(ops, plan, timing, applied_at, clock, say, failures, health)


def _commit(
    ops: Ops, plan: NodeChange, timing: Timing, applied_at: float, clock: Clock, say: Say, health: list[BondHealth]
) -> Outcome:
    name = plan.name
    say(f"{name}: committing (the same merged config, --mode no-reboot)")
    try:
        ops.apply(name, plan.merged_path, "no-reboot")
    except SourceError as exc:
        return _await_rollback(ops, plan, timing, applied_at, clock, say,
                               [f"the commit failed: {exc.message}"], health)
    end = clock.now() + timing.back_window
    while True:
        state = which_config(ops, plan)
        if state == "merged" or (state == "current" and plan.current_how != "active"):
            say(f"{name}: committed")
            return Outcome(name, "committed", True, [], health)
        if clock.now() >= end:
            return Outcome(name, "changed" if state != "unknown" else "not-back", False,
                           [f"committed, but the node then ran {'another config' if state != 'unknown' else 'nothing'}"
                            f" (state: {state}); check `talosctl -n {name} get machineconfig`"], health)
        clock.sleep(timing.poll)


def _await_rollback(
    ops: Ops, plan: NodeChange, timing: Timing, applied_at: float, clock: Clock, say: Say,
    failures: list[str], health: list[BondHealth],
) -> Outcome:
    name = plan.name
    until = applied_at + timing.timeout + timing.grace
    say(f"{name}: not committing: {failures[0]}")
    say(f"{name}: waiting {max(0.0, until - clock.now()):.0f}s for Talos to roll the config back")
    clock.sleep(until - clock.now())
    end = clock.now() + timing.back_window
    while True:
        state = which_config(ops, plan)
        if state == "current":
            say(f"{name}: rolled back; the node answers with its previous config")
            return Outcome(name, "rolled-back", False, failures, health)
        if clock.now() >= end:
            break
        clock.sleep(timing.poll)
    waited = f"{timing.grace + timing.back_window:g}s"
    if state == "merged":
        return Outcome(name, "not-rolled-back", False, [*failures, (
            f"the node still runs the new config {waited} after the try timeout: the rollback did not happen; "
            f"check `talosctl -n {name} get machineconfig` and commit or re-apply the old config by hand")], health)
    if state == "other":
        return Outcome(name, "changed", False, [*failures, (
            "the node runs neither the old nor the new config: someone else applied a config meanwhile")], health)
    return Outcome(name, "not-back", False, [*failures, (
        f"the node did not answer within {waited} after the rollback: check its console; Talos restores the "
        "config saved on disk")], health)


# --- the whole run, node after node ----------------------------------------------------------------


class ApplyUI(Protocol):
    """What `apply` shows and asks (implemented by the CLI over `output.py`)."""

    def plan(self, plans: Sequence[NodeChange], commands: dict[str, list[str]], timeout: float,
             probe_address: str | None) -> None: ...
    def problems(self, problems: Sequence[Any]) -> None: ...
    def diffs(self, plans: Sequence[NodeChange]) -> None: ...
    def error(self, message: str, hint: str = "") -> None: ...
    def confirm(self, question: str) -> bool: ...
    def step(self, line: str) -> None: ...
    def summary(self, outcomes: Sequence[Outcome], untouched: Sequence[str]) -> None: ...


@dataclass(frozen=True)
class ApplyRequest:
    """One `talosbond apply` as asked on the command line."""

    file: str
    patch_text: str
    patch_view: ConfigView  # `patch_text`, read once
    timing: Timing
    probe_address: str | None = None
    dry_run: bool = False
    yes: bool = False


def _refused(request: ApplyRequest, plans: Sequence[NodeChange], ui: ApplyUI) -> bool:
    """Lint the patch against every node's current config and say what refuses it."""
    from dataclasses import replace

    from talosbond.lint import lint_text

    known = {p.node.version.minor_tuple for p in plans if p.node.version is not None}
    lint_version = known.pop() if len(known) == 1 else None
    with_configs = [replace(p.node, config=p.current_view) for p in plans]
    problems = lint_text(request.patch_text, request.file, with_configs, lint_version, view=request.patch_view)
    commands = {p.name: plan_commands(p, request.file, request.timing) for p in plans}
    ui.plan(plans, commands, request.timing.timeout, request.probe_address)
    ui.problems(problems)
    lint_errors = [p for p in problems if p.level == "error"]
    if lint_errors:
        ui.error(f"patch refused: {len(lint_errors)} lint error(s)", "fix the patch (`talosbond lint`)")
        return True
    refused = [p for p in plans if p.refusals]
    if refused:
        ui.error(f"patch refused on {', '.join(p.name for p in refused)}", "see `refused:` above")
        return True
    return False


def apply_patch(request: ApplyRequest, nodes: Sequence[Node], ops: Ops, clock: Clock, ui: ApplyUI) -> int:
    """Plan every node, refuse or confirm, then try-probe-commit node by node, stopping at the first
    failure. Returns the exit code: 0 every node committed (or already had the patch), 1 otherwise."""
    # Only multi-document aliases depend on the release; a node that did not say is read as the newest.
    plans = [prepare(ops, node, Path(request.file), request.patch_view, release_or_newest(node.version))
             for node in nodes]
    if _refused(request, plans, ui):
        return 1
    if request.dry_run:
        ui.diffs(plans)
        return 0
    if not request.yes and not ui.confirm(f"apply to {len(plans)} node(s), one at a time?"):
        ui.error("not applied")
        return 1
    timing = request.timing
    outcomes = []
    for plan in plans:
        try:
            outcome = run_node(ops, plan, timing, request.probe_address, clock, ui.step)
        except KeyboardInterrupt:
            ui.step(f"interrupted on {plan.name}: nothing more is committed; if it was in try mode, "
                    f"Talos rolls it back by itself within {timing.timeout:g}s")
            raise
        outcomes.append(outcome)
        if not outcome.ok:
            break
    untouched = [p.name for p in plans[len(outcomes):]]
    ui.summary(outcomes, untouched)
    return 0 if all(o.ok for o in outcomes) and not untouched else 1
