"""Finding and reading talosbond's settings file: `.talosbond.yaml`, or `[tool.talosbond]` in a
`pyproject.toml`, in the current directory or the nearest one above it (as yamllint and ruff look).

Only the reading is here (I/O): each function returns the settings table as read, with where it came from
(for messages). What the settings mean, and how the command line goes on top of them, is
`talosbond.rules.parse_settings` (pure).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from talosbond.errors import UsageError

YAML_NAME = ".talosbond.yaml"
# A settings table as read, and where it came from (`.talosbond.yaml`, or `pyproject.toml [tool.talosbond]`).
Table = tuple[dict[str, Any], str]


def _yaml(path: Path) -> dict[str, Any]:
    from talosbond.errors import ParseError
    from talosbond.parsing.yamlish import ruamel_load

    try:
        data = ruamel_load(path.read_text(encoding="utf-8"), str(path))
    except ParseError as exc:
        raise UsageError(f"{path}: {exc.message}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected a mapping with select, ignore and level")
    return data


def _toml_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML ({exc})") from None
    table = data.get("tool", {}).get("talosbond")
    if table is not None and not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.talosbond] must be a table")
    return table


def read_settings_file(path: Path) -> Table:
    """One settings file named on the command line (`--config FILE`)."""
    try:
        if path.name.endswith(".toml"):
            return _toml_table(path) or {}, f"{path} [tool.talosbond]"
        return _yaml(path), str(path)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None


def find_settings(start: Path) -> Table | None:
    """The nearest settings from `start` upward; None when there are none. A `pyproject.toml` without a
    `[tool.talosbond]` table does not count."""
    for directory in (start, *start.parents):
        candidate = directory / YAML_NAME
        if candidate.is_file():
            return read_settings_file(candidate)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                table = _toml_table(pyproject)
            except OSError:
                continue
            if table is not None:
                return table, f"{pyproject} [tool.talosbond]"
    return None
