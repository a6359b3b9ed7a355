"""Every emitted document against talosbond's JSON Schemas for the target Talos version.

`schemas/talos-network.json` marks properties and document kinds with `x-talos-since`; for an older
target they are removed before validating, and `additionalProperties: false` then rejects them. When
`talosbond schema pull` has cached Talos's own config schema for the version, multi-document
documents are checked against it too.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from talosbond.errors import TalosbondError


class SchemaError(TalosbondError):
    """A document talosbond was about to print does not validate (a bug in talosbond, or a forced option)."""


def _since(node: dict[str, Any]) -> tuple[int, int] | None:
    value = node.get("x-talos-since")
    if not isinstance(value, str):
        return None
    major, minor = value.split(".")
    return int(major), int(minor)


def _prune(node: Any, version: tuple[int, int]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {
                    name: _prune(sub, version) for name, sub in value.items()
                    if not (isinstance(sub, dict) and (since := _since(sub)) and since > version)
                }
            else:
                out[key] = _prune(value, version)
        return out
    if isinstance(node, list):
        return [_prune(item, version) for item in node]
    return node


@cache
def _base_schema() -> dict[str, Any]:
    text = resources.files("talosbond").joinpath("schemas/talos-network.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def schema_for(version: tuple[int, int]) -> dict[str, Any]:
    """talosbond's schema with everything newer than `version` removed."""
    pruned: dict[str, Any] = _prune(copy.deepcopy(_base_schema()), version)
    return pruned


def _kind_def(document: dict[str, Any]) -> str:
    kind = document.get("kind")
    if kind is None and "machine" in document:
        return "LegacyPatch"
    return str(kind)


def validate_documents(documents: Sequence[dict[str, Any]], version: tuple[int, int], filename: str) -> None:
    """Raise `SchemaError` naming the document and the key path of the first violation."""
    from jsonschema import Draft202012Validator

    from talosbond.merge import MergeError, parse_strategic

    try:  # `$patch: delete` is taken out by Talos's decoder before the documents are decoded strictly
        documents = [d for d in parse_strategic(documents).items if isinstance(d, dict)]
    except MergeError as exc:
        raise SchemaError(f"{filename}: {exc.message}") from None
    schema = schema_for(version)
    defs = schema["$defs"]
    for index, document in enumerate(documents):
        name = _kind_def(document)
        if name not in defs:
            raise SchemaError(f"{filename}: document {index}: talosbond has no schema for kind {name!r}")
        since = _since(_base_schema()["$defs"][name])
        if since and since > version:
            raise SchemaError(
                f"{filename}: {name} needs Talos {since[0]}.{since[1]}+, target is {version[0]}.{version[1]}"
            )
        validator = Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{name}"})
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            error = errors[0]
            path = ".".join(str(p) for p in error.absolute_path) or "(document)"
            raise SchemaError(f"{filename}: document {index} ({name}) at {path}: {error.message}")
    official = official_schema(version)
    if official is not None:
        _validate_official(documents, official, filename)


def cache_dir() -> Path:
    """Where `schema pull` keeps Talos's schemas ($XDG_CACHE_HOME/talosbond, else ~/.cache/talosbond)."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "talosbond"


def official_schema_path(version: tuple[int, int]) -> Path:
    return cache_dir() / f"talos-config-schema-v{version[0]}.{version[1]}.json"


def official_schema(version: tuple[int, int]) -> dict[str, Any] | None:
    path = official_schema_path(version)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SchemaError(f"{path}: cached Talos schema is unreadable", "run `talosbond schema pull` again") from None
    return data if isinstance(data, dict) else None


def _official_def(schema: dict[str, Any], kind: str) -> str | None:
    """The definition in Talos's schema whose `kind` is fixed to this kind."""
    defs = schema.get("$defs") or schema.get("definitions") or {}
    for name, definition in defs.items():
        props = definition.get("properties", {}) if isinstance(definition, dict) else {}
        kind_prop = props.get("kind", {})
        if kind in (kind_prop.get("const"), *(kind_prop.get("enum") or [])):
            return str(name)
    return None


def _validate_official(documents: Sequence[dict[str, Any]], schema: dict[str, Any], filename: str) -> None:
    from jsonschema import Draft7Validator, Draft202012Validator

    key = "$defs" if "$defs" in schema else "definitions"
    for index, document in enumerate(documents):
        kind = document.get("kind")
        if not isinstance(kind, str):
            continue  # a strategic-merge v1alpha1 patch is partial; Talos's schema describes whole configs
        name = _official_def(schema, kind)
        if name is None:
            continue
        root = {key: schema[key], "$ref": f"#/{key}/{name}"}
        validator_cls = Draft202012Validator if key == "$defs" else Draft7Validator
        error = next(iter(validator_cls(root).iter_errors(document)), None)
        if error is not None:
            path = ".".join(str(p) for p in error.absolute_path) or "(document)"
            raise SchemaError(f"{filename}: document {index} ({kind}) fails Talos's schema at {path}: {error.message}")
