"""Talos's own bond errors, traced back: `controller-runtime` log entries -> findings (`TB117`-`TB129`) that
name the link, the bond, the selector or document responsible and the fix.

The texts matched here are the ones Talos's network controllers write (read in Talos's source):
`LinkSpecController` (link_spec.go: enslaving, creating links, bond settings), `LinkAliasConfigController`
(link_alias_config.go: a fixed alias matching several links, a link aliased twice), `DeviceConfigController`
(device_config.go: bond selectors matching nothing), `LinkConfigController` (link_config.go: bond options it
cannot read), `LinkMergeController` and `LinkStatusController` (netlink attributes it cannot decode).
A controller that fails logs `controller failed` with the error in its `error` field (several errors joined)
and is restarted with a back-off, so one broken selector repeats forever: findings are counted, not listed.

Pure functions: the log is parsed by `parsing.talos_log`, the node and config come from the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from talosbond import features
from talosbond.config import ConfigView, LegacyBond
from talosbond.features import NEWEST
from talosbond.model import Link, Node, Selector
from talosbond.parsing.talos_log import ControllerLog, LogEntry


@dataclass(frozen=True)
class Trace:
    """One finding from the log: what Talos fails at, what in the config causes it (`message`), and the fix
    (`check`). `bond` is the bond it concerns ("" when the log does not tell)."""

    code: str
    level: str  # "" for the rule's own level; set where it depends on what was found
    message: str
    check: str
    bond: str = ""
    subject: str = ""  # the link, alias or selector the finding is about (findings are grouped by it)
    count: int = 1
    first_line: int = 0
    last_time: str = ""
    retried: bool = False  # a controller failure: Talos retries it (with back-off) for as long as it lasts
    stopped: str = ""  # set when such a failure stopped well before the log ends (fixed since?)

    @property
    def text(self) -> str:
        """The message with how often Talos logged it and where."""
        seen = f"logged {self.count} times, last {self.last_time}" if self.count > 1 else "logged once"
        return f"{self.message} ({seen}; controller-runtime log line {self.first_line}){self.stopped}"


@dataclass(frozen=True)
class TraceContext:
    """What the log is read against: the node's links (which link is a VLAN, which card is whose member) and
    the config the node runs (which selector or document caused it). Either may be missing."""

    node: Node | None = None
    view: ConfigView | None = None
    version: tuple[int, int] = NEWEST
    source: str = "the machine config"


_ENSLAVE = re.compile(r'error (?:enslaving/unslaving link|bring down link) "(?P<link>[^"]*)"(?: before enslaving)? '
                      r'under "(?P<master>[^"]*)": (?P<cause>.*)')
_UNSLAVE = re.compile(r'error unslaving link "(?P<link>[^"]*)" under "(?P<master>[^"]*)": (?P<cause>.*)')
_CREATE = re.compile(r'error creating logical link "(?P<link>[^"]*)": (?P<cause>.*)')
_BOND_UPDATE = re.compile(r'error updating bond settings for "(?P<link>[^"]*)": (?P<cause>.*)')
_DECODE = re.compile(r'(?:error (?:parsing|encoding) bond attributes for (?:link )?|existing link |'
                     r'error (?:decoding|encoding) VLAN (?:properties on|attributes for link) )"(?P<link>[^"]*)"')
_ALIAS_EVAL = re.compile(r"error evaluating link selector: (?P<cause>.*)")
_SELECTOR_FIELDS = {
    "NetworkDeviceBus": "busPath", "NetworkDeviceHardwareAddress": "hardwareAddr",
    "NetworkDevicePermanentAddress": "permanentAddr", "NetworkDevicePCIID": "pciID",
    "NetworkDeviceKernelDriver": "driver",
}
# What the kernel's answer (Go prints the errno text after `netlink receive: `) means for a bond.
_CAUSES = {
    "device or resource busy": "the link is already in use by another upper device, a bond, bridge or VLAN",
    "operation not permitted": "the kernel does not allow this link in a bond: a loopback, the bond itself, or "
                               "a link type the bond cannot take while it has VLANs on it",
    "operation not supported": "the link's driver cannot be enslaved: wireless, or a port managed by Open vSwitch",
    "no such device": "the link disappeared between listing and enslaving: removed or renamed",
    "invalid argument": "the kernel rejects the request as given: a name over 15 bytes, an option or value the "
                        "mode does not take",
    "numerical result out of range": "a value is out of the kernel's range",
    "file exists": "a link of that name already exists",
    "directory not empty": "the change needs the bond without members",
}


def _meaning(cause: str) -> str:
    lowered = cause.lower()
    return next((text for errno, text in _CAUSES.items() if errno in lowered), "")


def _selector_text(raw: dict[str, object]) -> str:
    return "{" + ", ".join(f"{k}: {_quoted(v)}" for k, v in raw.items()) + "}"


def _quoted(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value)
    return f'"{text}"' if any(c in text for c in ":*") else text


@dataclass
class _Tracer:
    ctx: TraceContext
    found: dict[tuple[str, str], Trace] = field(default_factory=dict)

    def add(self, entry: LogEntry, code: str, subject: str, message: str, check: str, bond: str = "",
            level: str = "") -> None:
        key = (code, subject)
        old = self.found.get(key)
        retried = entry.message == "controller failed"
        if old is None:
            self.found[key] = Trace(code, level, message, check, bond, subject, 1, entry.line, entry.time, retried)
        else:
            self.found[key] = replace(old, count=old.count + 1, last_time=entry.time or old.last_time,
                                      retried=old.retried or retried)

    def link(self, name: str) -> Link | None:
        return self.ctx.node.link(name) if self.ctx.node is not None else None

    def legacy_bond(self, name: str) -> LegacyBond | None:
        view = self.ctx.view
        return next((b for b in view.legacy_bonds if b.name == name), None) if view is not None else None

    def is_vlan_of(self, link_name: str, bond: str) -> bool:
        link, parent = self.link(link_name), self.link(bond)
        if link is not None and link.kind == "vlan":
            return parent is None or not link.link_index or link.link_index == parent.index
        return link is None and link_name.startswith(f"{bond}.")

    def bonds_using_alias(self, alias: str) -> list[str]:
        view = self.ctx.view
        return [b.name for b in view.bonds if alias in b.links] if view is not None else []


def _culprit_selectors(t: _Tracer, bond: LegacyBond, link_name: str) -> list[int]:
    link = t.link(link_name)
    if link is None:  # no links read: any selector that cannot tell a VLAN from a card is a suspect
        from talosbond.lint._util import selector_is_physical_only

        return [i for i, s in enumerate(bond.selectors) if not selector_is_physical_only(s)]
    from talosbond.simulate import legacy_selector_matches

    return [i for i, s in enumerate(bond.selectors) if legacy_selector_matches(s, link)]


def _lint_fix(t: _Tracer, bond: LegacyBond, index: int) -> str:
    """The fixed selector lint's TB001 proposes for this selector ("" when it proposes none)."""
    from talosbond.lint import lint_view

    if t.ctx.view is None:
        return ""
    path = f"{bond.path}.bond.deviceSelectors[{index}]"
    nodes = [t.ctx.node] if t.ctx.node is not None else []
    for problem in lint_view(t.ctx.view, nodes, t.ctx.version):
        if problem.code == "TB001" and problem.path == path and "Fixed selector: " in problem.message:
            return problem.message.split("Fixed selector: ", 1)[1]
    return ""


def _vlan_busy(t: _Tracer, entry: LogEntry, vlan: str, bond: str) -> None:
    legacy = t.legacy_bond(bond)
    what = f"{vlan} is a VLAN on {bond} and carries the bond's MAC"
    if legacy is None:
        culprit = (f"a deviceSelector of {bond} that matches by MAC alone (hardwareAddr, no driver/physical/"
                   f"permanentAddr) also matches {vlan}")
        fix = (f"in {bond}'s bond.deviceSelectors add `driver: <the cards' driver>` (or `physical: true` on 1.7+, "
               "or select on `permanentAddr` on 1.9+); `talosbond lint CONFIG --from DIR` names the selector")
    else:
        indexes = _culprit_selectors(t, legacy, vlan) or list(range(len(legacy.selectors)))
        parts, fixes = [], []
        for index in indexes:
            path = f"{legacy.path}.bond.deviceSelectors[{index}]"
            parts.append(f"selector {_selector_text(legacy.raw_selectors[index])} ({path})")
            fixed = _lint_fix(t, legacy, index)
            fixes.append(f"{path}: {fixed}" if fixed else
                         f"{path}: add `driver:` with the cards' driver, or `physical: true` (1.7+)")
        culprit = f"{bond}'s {' and '.join(parts)} in {t.ctx.source} matches {vlan} too"
        fix = ("change " + "; ".join(fixes) + " (`talosbond lint --fix` writes it)")
    t.add(entry, "TB117", vlan,
          f"Talos keeps trying to enslave {vlan} into {bond} and the kernel refuses (device or resource busy): "
          f"{what}, and {culprit}. The bond keeps its members, but the controller fails on every pass",
          fix, bond)


def _enslave(t: _Tracer, entry: LogEntry, match: re.Match[str]) -> None:
    link, master, cause = match.group("link"), match.group("master"), match.group("cause")
    if master and "resource busy" in cause and t.is_vlan_of(link, master):
        _vlan_busy(t, entry, link, master)
        return
    meaning = _meaning(cause)
    card = t.link(link)
    if "resource busy" in cause and card is not None and card.master_index and t.ctx.node is not None:
        owner = next((x.name for x in t.ctx.node.links if x.index == card.master_index), "")
        if owner and owner != master:
            meaning = f"{link} is already a member of {owner}; two bonds select it"
    doing = f"enslave {link} into {master}" if master else f"release {link} from its bond"
    t.add(entry, "TB118", f"{link}>{master}",
          f"Talos cannot {doing}: the kernel answers `{cause}`" + (f", so {meaning}" if meaning else "") +
          (f"; {master} runs without {link}" if master else ""),
          f"the selectors of {master or 'the bonds'} (`talosbond explain CONFIG --from DIR`): select {link} in one "
          "bond only, or leave it out", master)


def _alias_several(t: _Tracer, entry: LogEntry) -> None:
    alias, selector, links = entry.text("alias"), entry.text("selector"), entry.text("links")
    view = t.ctx.view
    doc = next((a for a in view.aliases if a.name == alias), None) if view is not None else None
    where = f" ({doc.path} in {t.ctx.source})" if doc is not None else ""
    bonds = t.bonds_using_alias(alias)
    effect = (f"; {', '.join(bonds)} lists {alias} in its links and so lacks that member" if bonds else "")
    choices = []
    for name in [n.strip() for n in links.split(",") if n.strip()]:
        link = t.link(name)
        if link is not None and link.permanent_addr:
            choices.append(f'`mac(link.permanent_addr) == "{link.permanent_addr}"` ({name})')
    fix = (f"narrow LinkAliasConfig {alias}'s selector to one card, e.g. " + " or ".join(choices) if choices else
           f"narrow LinkAliasConfig {alias}'s selector to exactly one card (add `mac(link.permanent_addr) == ...`)")
    if features.has(features.ALIAS_PATTERNS, t.ctx.version):
        fix += f"; or, to cover them all, name it with a pattern (`{alias}%d`) and list each alias in the bond"
    t.add(entry, "TB119", alias,
          f"LinkAliasConfig {alias}{where}: its selector `{selector}` matched {links or 'several links'}, and a fixed "
          f"alias must match exactly one link, so Talos set {alias} on none{effect}", fix,
          bonds[0] if bonds else "")


def _alias_taken(t: _Tracer, entry: LogEntry) -> None:
    link, old, new = entry.text("link"), entry.text("existing_alias"), entry.text("new_alias")
    bonds = t.bonds_using_alias(new)
    effect = f"; {', '.join(bonds)} lists {new} and so lacks that member" if bonds else ""
    t.add(entry, "TB120", new,
          f"LinkAliasConfig {new} matched {link}, which already has alias {old}, so Talos set {new} on no "
          f"link{effect}",
          f"make the selectors of LinkAliasConfig {old} and {new} match different cards, or drop one",
          bonds[0] if bonds else "", "error" if bonds else "")


def _parse_go_selector(text: str) -> dict[str, str]:
    """`&{NetworkDeviceBus: NetworkDeviceHardwareAddress:10:e7:c6:16:* ...}` (Go's %+v) -> set keys only."""
    out = {}
    for key, value in re.findall(r"(NetworkDevice\w+):(\S*?)(?=\s+NetworkDevice\w+:|\}|$)", text):
        if key in _SELECTOR_FIELDS and value:
            out[_SELECTOR_FIELDS[key]] = value
    return out


def _selector_matches_raw(selector: Selector, wanted: dict[str, str]) -> bool:
    have = {k: str(v) for k, v in selector.as_yaml_dict().items() if k != "physical"}
    return bool(wanted) and have == wanted


def _bond_nothing(t: _Tracer, entry: LogEntry, error: str) -> None:
    selectors = [_parse_go_selector(part) for part in error.split("&{")[1:]]
    bond = ""
    view = t.ctx.view
    if view is not None:
        for legacy in view.legacy_bonds:
            if any(_selector_matches_raw(s, wanted) for s in legacy.selectors for wanted in selectors):
                bond = legacy.name
        if not bond and len(view.legacy_bonds) == 1:
            bond = view.legacy_bonds[0].name
    shown = ", ".join(_selector_text(dict(s)) for s in selectors if s) or "its selectors"
    name = bond or "a legacy bond"
    t.add(entry, "TB121", bond or shown,
          f"{name}: no link matches {shown}, so Talos dropped the whole interface entry: {name} is not created, "
          "nor its VLANs or addresses",
          f"fix {name}'s bond.deviceSelectors to match its cards (`talosbond explain CONFIG --from DIR` shows what "
          "each selector matches; MACs lowercase, pciID uppercase, globs use only `*`)", bond)


def _device_nothing(t: _Tracer, entry: LogEntry, error: str) -> None:
    wanted = _parse_go_selector(error)
    shown = _selector_text(dict(wanted)) if wanted else "its deviceSelector"
    t.add(entry, "TB122", shown,
          f"an interface's deviceSelector {shown} matched no link, so Talos does not apply that entry (addresses, "
          "VLANs, routes)",
          "fix the deviceSelector (`talosctl get links -o yaml` shows each card's driver, busPath and MACs)")


def _one_error(t: _Tracer, entry: LogEntry, error: str) -> bool:
    """Findings from one error text; False when it is none of the known ones."""
    for pattern, handler in ((_ENSLAVE, _enslave), (_UNSLAVE, _enslave)):
        match = pattern.search(error)
        if match:
            handler(t, entry, match)
            return True
    match = _CREATE.search(error)
    if match:
        link, cause = match.group("link"), match.group("cause")
        meaning = _meaning(cause)
        if len(link.encode()) > 15:  # the kernel answers EINVAL or ERANGE depending on where it checks
            meaning = f"the name {link!r} is {len(link.encode())} bytes; Linux allows at most 15"
        t.add(entry, "TB124", link,
              f"Talos cannot create {link}: the kernel answers `{cause}`" + (f", so {meaning}" if meaning else "") +
              f"; nothing that runs on {link} (VLANs, addresses, routes) exists",
              f"the definition of {link} in {t.ctx.source}: a name of at most 15 bytes, options the kernel takes",
              _bond_of(t, link))
        return True
    match = _BOND_UPDATE.search(error)
    if match:
        link, cause = match.group("link"), match.group("cause")
        meaning = _meaning(cause)
        t.add(entry, "TB123", link,
              f"the kernel refuses {link}'s bond options from {t.ctx.source}: `{cause}`" +
              (f", so {meaning}" if meaning else "") + f"; Talos takes {link} down and releases its members before "
              "each try, so it keeps dropping",
              f"{link}'s options (`talosbond lint CONFIG` checks them against the mode); a mode change on a running "
              "bond may need a reboot", link)
        return True
    match = _DECODE.search(error)
    if match:
        _decode(t, entry, match.group("link"), error)
        return True
    match = _ALIAS_EVAL.search(error)
    if match:
        t.add(entry, "TB128", "alias-eval",
              f"a LinkAliasConfig selector fails on a real link (`{match.group('cause')}`), so Talos stops before "
              "setting any alias: bonds that list aliases lose those members",
              "the CEL expressions of the LinkAliasConfigs (`talosbond lint CONFIG --from DIR` evaluates them on "
              "the node's links)")
        return True
    return False


def _decode(t: _Tracer, entry: LogEntry, link: str, error: str) -> None:
    t.add(entry, "TB126", link,
          f"Talos cannot read or write {link}'s netlink attributes (`{error}`), so it cannot compare or update "
          "its settings",
          "the Talos and kernel versions (a Talos bug or mismatch: report it to siderolabs/talos with this line)",
          _bond_of(t, link))


def _bond_of(t: _Tracer, link: str) -> str:
    """The bond a link is (a bond's name, or the parent of a VLAN on a bond), else ""."""
    node_link = t.link(link)
    if node_link is not None and node_link.kind == "bond":
        return link
    names = set()
    if t.ctx.node is not None:
        names |= {x.name for x in t.ctx.node.links if x.kind == "bond"}
    if t.ctx.view is not None:
        names |= {b.name for b in t.ctx.view.legacy_bonds} | {b.name for b in t.ctx.view.bonds}
    if link in names:
        return link
    return next((b for b in sorted(names) if link.startswith(f"{b}.")), "")


_MESSAGES: dict[str, Callable[[_Tracer, LogEntry], None]] = {
    "link selector matched multiple links, skipping": _alias_several,
    "link already has an alias, skipping": _alias_taken,
}


def _entry(t: _Tracer, entry: LogEntry, watched: Sequence[str]) -> None:
    handler = _MESSAGES.get(entry.message)
    if handler is not None:
        handler(t, entry)
        return
    if entry.message == "failed to select interfaces for a bond device":
        for error in entry.errors:
            _bond_nothing(t, entry, error)
        return
    if entry.message == "failed to select an interface for a device":
        for error in entry.errors:
            _device_nothing(t, entry, error)
        return
    if entry.message in ("failure decoding bond attributes", "bond link data is nil",
                         "failure decoding VLAN attributes", "VLAN link data is nil"):
        _decode(t, entry, entry.text("link"), entry.message + (f": {entry.errors[0]}" if entry.errors else ""))
        return
    if entry.message == "error parsing bond config":
        _bond_config(t, entry)
        return
    if entry.message == "error merging links":
        error = "; ".join(entry.errors) or entry.raw_fields
        t.add(entry, "TB127", error,
              f"two config layers define a link differently (`{error}`); Talos uses one and ignores the other",
              "keep one definition per link: legacy `machine.network.interfaces` or the multi-document "
              "BondConfig/VLANConfig/LinkConfig, not both")
        return
    for error in entry.errors:
        if _one_error(t, entry, error):
            continue
        mentioned = [name for name in watched if re.search(rf'"{re.escape(name)}(?:\.\d+)?"', error)]
        if mentioned and entry.controller.startswith("network."):
            t.add(entry, "TB129", error,
                  f"{entry.controller or 'a network controller'} fails: `{error}`",
                  f"{entry.controller} in Talos's source for this message; `talosctl -n NODE logs controller-runtime`",
                  mentioned[0])


def _bond_config(t: _Tracer, entry: LogEntry) -> None:
    error = "; ".join(entry.errors) or entry.raw_fields or "no detail"
    view = t.ctx.view
    bonds = [b.name for b in view.legacy_bonds] if view is not None else []
    name = bonds[0] if len(bonds) == 1 else "a bond"
    t.add(entry, "TB125", error,
          f"Talos cannot read {name}'s options in {t.ctx.source} (`{error}`), so {name} does not run the options "
          "the config asks for",
          "the bond's mode, xmitHashPolicy, lacpRate and other option names (`talosbond lint CONFIG`)",
          bonds[0] if len(bonds) == 1 else "")


def _watched(ctx: TraceContext) -> list[str]:
    names: set[str] = set()
    if ctx.node is not None:
        names |= {x.name for x in ctx.node.links if x.kind in ("bond", "vlan")}
    if ctx.view is not None:
        names |= {b.name for b in ctx.view.legacy_bonds} | {b.name for b in ctx.view.bonds}
    return sorted(names)


def trace_log(log: ControllerLog, ctx: TraceContext) -> list[Trace]:
    """Every bond-related finding in `log`, each once (with how often it was logged), by code."""
    tracer = _Tracer(ctx)
    watched = _watched(ctx)
    for entry in log.entries:
        _entry(tracer, entry, watched)
    end = max((t for t in (_when(e.time) for e in log.entries) if t is not None), default=None)
    found = [_settled(t, end) for t in tracer.found.values()]
    return sorted(found, key=lambda x: (x.code, x.first_line))


# Talos restarts a failed controller with a back-off of at most about a minute, so a failure that lasts is
# logged at least every few minutes; one not seen for this long before the log ends has stopped.
STOPPED_AFTER = timedelta(minutes=10)


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else None
    except ValueError:
        return None


def _settled(trace: Trace, end: datetime | None) -> Trace:
    """A retried failure that Talos stopped logging well before the log ends: a warning, said so."""
    last = _when(trace.last_time)
    if not trace.retried or end is None or last is None or end - last < STOPPED_AFTER:
        return trace
    minutes = int((end - last).total_seconds() // 60)
    return replace(trace, level="warning", stopped=f"; it stopped {minutes} min before the log ends, so the cause "
                   "was probably fixed since (a reboot or a new config): check that it does not come back")
