"""The rule framework shared by lint (TB0xx, `talosbond/lint/`) and bond health (TB1xx, `talosbond/health/`).

A rule is a module `tbNNN_name.py` with `CODE`, `NAME`, `LEVEL`, a docstring (what it means, a failing and
a passing example) and `check(ctx)` yielding `Problem`s; `NEEDS_LINKS = True` (lint) when it needs the
node's links, `FIXABLE = True` when its findings carry a `Fix`. A finding's level is the rule's `LEVEL`
unless the rule sets one because it depends on what was found (a rising counter); the user's settings
(`--level CODE=warning`, `[tool.talosbond]`, `.talosbond.yaml`) override both. `--select` / `--ignore` take
codes, code prefixes (`TB0` = every lint rule) or rule names.

Pure: the settings file is found and read in `talosbond/sources/settings.py`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

from talosbond.errors import UsageError
from talosbond.model import Problem

LEVELS = ("error", "warning", "info")
LEVEL_ORDER = {level: i for i, level in enumerate(LEVELS)}


@dataclass(frozen=True)
class Rule:
    """One rule module, as the framework and `talosbond rules` see it."""

    code: str
    name: str
    level: str
    family: str  # "lint" | "health"
    doc: str
    check: Callable[[Any], Iterable[Problem]]
    needs_links: bool = False
    fixable: bool = False

    @property
    def summary(self) -> str:
        """The docstring's first sentence."""
        first = self.doc.split("\n\n")[0].replace("\n", " ")
        return first.split(". ")[0].rstrip(".") + "."


def rule_from(module: ModuleType, family: str) -> Rule:
    level = module.LEVEL
    if level not in LEVELS:
        raise ValueError(f"{module.__name__}: LEVEL {level!r} is not one of {LEVELS}")
    return Rule(
        code=module.CODE, name=module.NAME, level=level, family=family, doc=(module.__doc__ or "").strip(),
        check=module.check, needs_links=getattr(module, "NEEDS_LINKS", False),
        fixable=getattr(module, "FIXABLE", False),
    )


def load_rules(package: str, path: Sequence[str], family: str) -> tuple[Rule, ...]:
    """Every `tbNNN_*` module of a package, in code order."""
    found = [rule_from(importlib.import_module(f"{package}.{info.name}"), family)
             for info in pkgutil.iter_modules(path) if info.name.startswith("tb")]
    return tuple(sorted(found, key=lambda r: r.code))


def catalogue() -> tuple[Rule, ...]:
    """Every rule of both families, in code order."""
    from talosbond import health, lint

    return tuple(sorted(lint.all_rules() + health.all_rules(), key=lambda r: r.code))


def find_rule(code: str, rules: Iterable[Rule] | None = None) -> Rule | None:
    """A rule by code (any case) or name."""
    wanted = code.strip()
    return next((r for r in (catalogue() if rules is None else rules)
                 if r.code == wanted.upper() or r.name == wanted.lower()), None)


@dataclass(frozen=True)
class Settings:
    """Which rules run and at what level. Empty `select` means every rule."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    levels: tuple[tuple[str, str], ...] = ()
    origin: str = ""

    def enabled(self, rule: Rule) -> bool:
        chosen = not self.select or any(_names(rule, s) for s in self.select)
        return chosen and not any(_names(rule, s) for s in self.ignore)

    def level_of(self, rule: Rule, found: str = "") -> str:
        """The level a finding is reported at: the user's override, else the finding's own, else the rule's."""
        for key, level in reversed(self.levels):
            if _names(rule, key):
                return level
        return found or rule.level


def _names(rule: Rule, key: str) -> bool:
    return rule.code.startswith(key.upper()) or rule.name == key.lower()


def _known(key: str, origin: str) -> str:
    key = key.strip()
    if not key:
        raise UsageError(f"{origin}: empty rule code")
    if not any(_names(rule, key) for rule in catalogue()):
        raise UsageError(f"{origin}: no rule {key!r}", "`talosbond rules` lists the codes and names")
    return key


def _codes(value: Any, origin: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{origin}: expected a list of rule codes, got {value!r}")
    return tuple(_known(v, origin) for v in value if v.strip())


def parse_levels(pairs: Iterable[str] | Mapping[str, Any], origin: str) -> tuple[tuple[str, str], ...]:
    """`["TB014=error"]` (the CLI) or `{"TB014": "error"}` (a settings file) -> validated pairs."""
    if isinstance(pairs, Mapping):
        items = [(str(k), v) for k, v in pairs.items()]
    else:
        items = []
        for pair in pairs:
            key, sep, level = pair.partition("=")
            if not sep:
                raise UsageError(f"{origin}: {pair!r} is not CODE=LEVEL", "e.g. --level TB014=error")
            items.append((key, level.strip()))
    out = []
    for key, level in items:
        if level not in LEVELS:
            raise UsageError(f"{origin}: level {level!r} for {key} is not one of {', '.join(LEVELS)}")
        out.append((_known(key, origin), str(level)))
    return tuple(out)


def parse_settings(data: Mapping[str, Any], origin: str) -> Settings:
    """A `[tool.talosbond]` table or a `.talosbond.yaml` mapping -> `Settings`; `UsageError` on bad keys."""
    unknown = sorted(set(data) - {"select", "ignore", "level"})
    if unknown:
        raise UsageError(f"{origin}: unknown setting(s) {', '.join(unknown)}", "known: select, ignore, level")
    level = data.get("level", {})
    if not isinstance(level, Mapping):
        raise UsageError(f"{origin}: `level` must map rule codes to error, warning or info")
    return Settings(_codes(data.get("select", []), origin), _codes(data.get("ignore", []), origin),
                    parse_levels(level, origin), origin)


def merge_settings(base: Settings, override: Settings) -> Settings:
    """`override` (the command line) on top of `base` (a file): its select replaces, ignore and levels add."""
    return Settings(override.select or base.select, base.ignore + override.ignore, base.levels + override.levels,
                    override.origin or base.origin)


def cli_settings(select: Sequence[str] = (), ignore: Sequence[str] = (), levels: Sequence[str] = ()) -> Settings:
    """The command line's --select/--ignore (repeatable or comma lists) and --level CODE=LEVEL."""
    return Settings(_codes([c for v in select for c in v.split(",")], "--select"),
                    _codes([c for v in ignore for c in v.split(",")], "--ignore"),
                    parse_levels(levels, "--level"), "the command line" if select or ignore or levels else "")


def run_rules(rules: Iterable[Rule], ctx: Any, settings: Settings, skip: Callable[[Rule], bool]) -> list[Problem]:
    """Run every enabled rule on `ctx`; each finding gets its code and its level from the framework."""
    problems: list[Problem] = []
    for rule in rules:
        if not settings.enabled(rule) or skip(rule):
            continue
        for problem in rule.check(ctx):
            problems.append(replace(problem, code=rule.code, level=settings.level_of(rule, problem.level)))
    return problems


def by_level(problems: Iterable[Problem]) -> list[Problem]:
    """Errors first, then by code, node and path; exact duplicates dropped."""
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (LEVEL_ORDER.get(p.level, 3), p.code, p.node, p.path))
