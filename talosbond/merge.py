"""Talos's `talosctl machineconfig patch`, modelled on plain YAML data (no I/O).

talosbond predicts the config a node ends with by applying a patch the way talosctl does (Talos's
`configpatcher`, `config/merge` and the `$patch: delete` decoder), so that lint, simulation and
`apply --dry-run` judge what Talos will run rather than the patch alone. What it reproduces:

- a patch is strategic merge when it is YAML mappings, RFC 6902 when it is a list of operations;
  consecutive RFC 6902 patches are combined, and they are refused on any config of more than one
  document (every generated 1.12+ config carries a HostnameConfig);
- documents are matched by apiVersion + kind + name; unmatched ones are appended at the end;
- lists are appended, never de-duplicated, except `machine.network.interfaces` (merged by `interface`
  name, else by an exactly equal `deviceSelector`), an interface's `vlans` (merged by `vlanId`) and
  the few lists Talos tags `merge:"replace"`;
- a scalar is overwritten unless the patch's value is a zero that Go cannot tell from "absent"
  (bools and pointer fields, e.g. a BondConfig's `miimon: 0`, always win);
- `$patch: delete` removes a key, a whole document, or an item of a list keyed by its first other
  key; nothing inside a list item can be deleted; deleting what is not there fails, and deleting a
  document that is not there crashes talosctl 1.12/1.13 (so it is refused here);
- a link-kind document sharing its name with another link-kind document is refused.

Every refusal is a `MergeError` whose message carries the phrase talosctl prints.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from talosbond.errors import TalosbondError

Doc = dict[str, Any]

LEGACY = "v1alpha1"
LINK_KINDS = ("LinkConfig", "BondConfig", "BridgeConfig", "DummyLinkConfig", "VLANConfig", "VRFConfig",
              "WireguardConfig")
# CommonLinkConfig fields, embedded inline in every link document: Talos before 1.13 cannot delete inside them.
_INLINE_LINK_KEYS = ("up", "mtu", "addresses", "routes", "multicast")
# BondConfig options are Go pointers: an explicit 0 is a value and overrides.
_POINTER_INTS = {"BondConfig": {"miimon", "updelay", "downdelay", "arpInterval", "adActorSysPrio", "adUserPortKey",
                                "resendIGMP", "minLinks", "lpInterval", "packetsPerSlave", "numPeerNotif",
                                "tlbLogicalLb", "allSlavesActive", "peerNotifDelay", "missedMax"}}
_REPLACE_LISTS = {("cluster", "network", "podSubnets"), ("cluster", "network", "serviceSubnets")}


class MergeError(TalosbondError):
    """talosctl would refuse (or crash on) this patch for this config."""


@dataclass(frozen=True)
class DeleteSelector:
    """One `$patch: delete`: where (`path` of keys and `[i]`), in which document, and for a list item the
    key/value that picks it."""

    path: tuple[str, ...]
    kind: str
    api_version: str
    name: str
    key: str = ""
    value: str = ""

    @property
    def doc_id(self) -> str:
        return f"{self.api_version}/{self.kind}" + (f"/{self.name}" if self.name else "")

    @property
    def where(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class StrategicPatch:
    """The patch's deletes and documents in the order Talos applies them (a document's deletes first)."""

    items: tuple[DeleteSelector | Doc, ...]


@dataclass(frozen=True)
class JsonPatch:
    ops: tuple[dict[str, Any], ...]


Patch = StrategicPatch | JsonPatch


# --- loading ----------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """ruamel's containers -> plain dicts and lists (key order kept)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_docs(text: str, filename: str) -> list[Any]:
    from talosbond.parsing.yamlish import load_all

    return [_plain(d) for d in load_all(text, filename)]


def load_patch(text: str, filename: str = "<patch>") -> Patch:
    """A patch file as talosctl reads it: strategic merge if it is mappings, RFC 6902 if a list of ops."""
    docs = load_docs(text, filename)
    if len(docs) == 1 and isinstance(docs[0], list):
        ops = docs[0]
        if not all(isinstance(op, dict) and isinstance(op.get("op"), str) for op in ops):
            raise MergeError(f"{filename}: a JSON patch must be a list of operations with `op` and `path`")
        return JsonPatch(tuple(ops))
    if not all(isinstance(d, dict) for d in docs):
        raise MergeError(f"{filename}: expected YAML mappings (config documents) or a list of JSON patch operations")
    return parse_strategic(docs)


def parse_strategic(docs: Sequence[Doc]) -> StrategicPatch:
    """Split `$patch: delete` out of each document, as Talos's decoder does, keeping what remains."""
    items: list[DeleteSelector | Doc] = []
    seen: set[str] = set()
    for original in docs:
        doc = copy.deepcopy(original)
        deletes, keep = _extract_deletes(doc)
        items.extend(deletes)
        if keep is None:
            continue
        ident = doc_id(keep)
        if ident in seen:
            raise MergeError(f"duplicate document {ident} is not allowed")
        seen.add(ident)
        items.append(keep)
    return StrategicPatch(tuple(items))


def _extract_deletes(root: Doc) -> tuple[list[DeleteSelector], Doc | None]:
    found: list[DeleteSelector] = []

    def selector(path: list[str], key: str = "", value: str = "") -> DeleteSelector:
        api, kind = str(root.get("apiVersion") or ""), str(root.get("kind") or "")
        if not path and not (api and kind):
            raise MergeError("missing kind in document for which $patch: delete is used")
        if bool(api) != bool(kind):
            raise MergeError(f"kind and apiVersion must be both set for path {'.'.join(path)}")
        return DeleteSelector(tuple(path), kind or LEGACY, api, str(root.get("name") or ""), key, value)

    def walk(node: Any, path: list[str], in_list: bool) -> bool:
        """True when `node` is to be removed from its parent."""
        if isinstance(node, dict):
            if node.get("$patch") == "delete":
                if in_list:
                    key = next((k for k in node if k != "$patch"), None)
                    if key is None:
                        raise MergeError(f"no key:val found in sequence node for path {'.'.join(path)}")
                    value = node[key]
                    found.append(selector(path, key, _scalar_text(value)))
                else:
                    inner = [p for p in path if p.startswith("[")]
                    if inner:
                        raise MergeError(f"cannot delete an inner key in '{'.'.join(path)}'")
                    found.append(selector(path))
                return True
            for key in list(node):
                if walk(node[key], [*path, key], False):
                    del node[key]
                    if not node:
                        return True
        elif isinstance(node, list):
            i = 0
            while i < len(node):
                if walk(node[i], [*path, f"[{i}]"], True):
                    del node[i]
                    if not node:
                        return True
                    continue
                i += 1
        return False

    if walk(root, [], False):
        return found, None
    only_identity = all(k in ("version", "kind", "name") and not isinstance(v, (dict, list)) for k, v in root.items())
    return found, None if only_identity else root


def _scalar_text(value: Any) -> str:
    """The text a YAML scalar node holds (what Talos compares with); "" for a mapping or list."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)) or value is None:
        return ""
    return str(value)


def doc_id(doc: Doc) -> str:
    """Talos's document identity: apiVersion/kind[/name]; the v1alpha1 document is `/v1alpha1`."""
    kind = doc.get("kind")
    if not kind:
        return f"/{LEGACY}"
    name = doc.get("name")
    return f"{doc.get('apiVersion') or ''}/{kind}" + (f"/{name}" if name else "")


# --- strategic merge ----------------------------------------------------------------------------------

def _is_zero(value: Any) -> bool:
    return not isinstance(value, bool) and (value == 0 or value == "") and not isinstance(value, (dict, list))


def _pointer(kind: str, path: tuple[str, ...]) -> bool:
    return len(path) == 1 and path[0] in _POINTER_INTS.get(kind, set())


def _copy_in(value: Any, kind: str, path: tuple[str, ...]) -> Any:
    """A patch value taken whole: Go drops the zero scalars of non-pointer fields when it encodes."""
    if isinstance(value, dict):
        return {k: _copy_in(v, kind, (*path, k)) for k, v in value.items()
                if not (_is_zero(v) and not _pointer(kind, (*path, k)))}
    if isinstance(value, list):
        return [_copy_in(v, kind, path) for v in value]
    return value


def _merge_map(left: Doc, right: Doc, kind: str, path: tuple[str, ...]) -> None:
    for key, rv in right.items():
        here = (*path, key)
        lv = left.get(key)
        if rv is None:
            continue
        if isinstance(rv, list):
            left[key] = _merge_list(lv if isinstance(lv, list) else [], rv, kind, here)
        elif isinstance(rv, dict):
            if isinstance(lv, dict):
                _merge_map(lv, rv, kind, here)
            elif rv or lv is None:
                left[key] = _copy_in(rv, kind, here)
        elif not _is_zero(rv) or _pointer(kind, here):
            left[key] = rv


def _merge_list(left: list[Any], right: list[Any], kind: str, path: tuple[str, ...]) -> list[Any]:
    if path in _REPLACE_LISTS and kind == LEGACY:
        return list(_copy_in(right, kind, path)) if right else left
    same = _KEYED_LISTS.get((kind, path))
    if same is not None:
        return _merge_keyed(left, right, kind, path, same)
    return [*left, *(_copy_in(v, kind, path) for v in right)]


def _merge_keyed(
    left: list[Any], right: list[Any], kind: str, path: tuple[str, ...], same: Callable[[Doc, Doc], bool]
) -> list[Any]:
    out = list(left)
    for item in right:
        if not isinstance(item, dict):
            out.append(item)
            continue
        existing = next((x for x in out if isinstance(x, dict) and same(x, item)), None)
        if existing is None:
            out.append(_copy_in(item, kind, path))
        else:
            _merge_map(existing, item, kind, path)
    return out




def _same_device(a: Doc, b: Doc) -> bool:
    """`NetworkDeviceList.mergeDevice`: equal `interface`, else equal `deviceSelector` structs. The
    selector's `physical` is a Go pointer, compared by address: two selectors that set it never match."""
    if b.get("interface"):
        return bool(a.get("interface") == b.get("interface"))
    sa, sb = a.get("deviceSelector"), b.get("deviceSelector")
    if not isinstance(sa, dict) or not isinstance(sb, dict):
        return False
    if sa.get("physical") is not None or sb.get("physical") is not None:
        return False
    return all(str(sa.get(k) or "") == str(sb.get(k) or "") for k in _SELECTOR_STRINGS)


_SELECTOR_STRINGS = ("busPath", "hardwareAddr", "permanentAddr", "pciID", "driver")


def _same_field(key: str) -> Callable[[Doc, Doc], bool]:
    return lambda a, b: bool((a.get(key) or 0) == (b.get(key) or 0))


# Lists with their own Go `Merge`: an item merges into the existing one it matches instead of being appended.
_KEYED_LISTS: dict[tuple[str, tuple[str, ...]], Callable[[Doc, Doc], bool]] = {
    (LEGACY, ("machine", "network", "interfaces")): _same_device,
    (LEGACY, ("machine", "network", "interfaces", "vlans")): _same_field("vlanId"),
    ("ExtensionServiceConfig", ("configFiles",)): _same_field("mountPath"),
}


# --- deletes ------------------------------------------------------------------------------------------

def _apply_delete(doc: Doc, sel: DeleteSelector, version: tuple[int, int]) -> bool:
    """Apply one delete to its document; True when the whole document goes."""
    if not sel.path:
        if sel.kind == LEGACY:
            raise MergeError("patch delete: can't delete the root of the legacy document")
        return True
    try:
        _delete_path(doc, list(sel.path), sel, version, top=True)
    except _LookupFailed as exc:
        prefix = (f"named patch delete: document {sel.api_version or LEGACY}/{sel.kind}" if sel.name
                  else f"patch delete: path '{sel.where}' in document '{sel.api_version}/{sel.kind}'")
        raise MergeError(f"{prefix}: failed to delete path '{sel.where}': {exc}") from None
    return False


class _LookupFailed(Exception):
    pass


def _delete_path(node: Any, path: list[str], sel: DeleteSelector, version: tuple[int, int], top: bool) -> None:
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        if rest:
            raise _LookupFailed("searching for complex paths in slices is not supported")
        if not head.startswith("["):
            raise _LookupFailed("searching for non-integer keys in slices is not supported")
        for i, item in enumerate(node):
            # Talos compares the field's string form: only string fields (and, from 1.13, types that print
            # themselves, such as addresses) can match; an integer key like vlanId never does.
            if isinstance(item, dict) and isinstance(item.get(sel.key), str) and item[sel.key] == sel.value:
                del node[i]
                return
        raise _LookupFailed("lookup failed")
    if not isinstance(node, dict):
        raise _LookupFailed("lookup failed")
    if top and sel.kind in LINK_KINDS and head in _INLINE_LINK_KEYS and version < (1, 13):
        raise _LookupFailed("lookup failed")  # before 1.13 the delete did not descend into embedded structs
    if head not in node or node[head] is None:
        if rest:
            raise _LookupFailed("lookup failed")
        return  # an absent struct field is already zero
    if not rest:
        del node[head]
        return
    _delete_path(node[head], rest, sel, version, top=False)


# --- RFC 6902 -----------------------------------------------------------------------------------------

def _pointer_parts(pointer: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise MergeError(f"failure applying rfc6902 patches to talos machine config: invalid path {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def _container(doc: Any, parts: list[str], op: str, pointer: str) -> Any:
    node = doc
    for part in parts[:-1]:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise MergeError(f"failure applying rfc6902 patches to talos machine config: {op} operation does not "
                             f"apply: doc is missing path: {json.dumps(pointer)}: missing value") from None
    return node


def _json_get(doc: Any, pointer: str) -> Any:
    parts = _pointer_parts(pointer)
    if not parts:
        return doc
    parent = _container(doc, parts, "get", pointer)
    try:
        return parent[int(parts[-1])] if isinstance(parent, list) else parent[parts[-1]]
    except (KeyError, IndexError, ValueError, TypeError):
        raise MergeError(f"failure applying rfc6902 patches to talos machine config: doc is missing key: "
                         f"{pointer}") from None


def _json_op(doc: Any, op: dict[str, Any]) -> Any:
    name, pointer = op.get("op"), str(op.get("path", ""))
    parts = _pointer_parts(pointer)
    fail = "failure applying rfc6902 patches to talos machine config: "
    if name == "test":
        if _json_get(doc, pointer) != op.get("value"):
            raise MergeError(f"{fail}testing value {pointer} failed: test failed")
        return doc
    if name in ("move", "copy"):
        value = copy.deepcopy(_json_get(doc, str(op.get("from", ""))))
        if name == "move":
            doc = _json_op(doc, {"op": "remove", "path": op.get("from")})
        return _json_op(doc, {"op": "add", "path": pointer, "value": value})
    if not parts:
        return copy.deepcopy(op.get("value")) if name in ("add", "replace") else doc
    parent = _container(doc, parts, str(name), pointer)
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" and name == "add" else _index(last, fail)
        if name == "add":
            if index > len(parent):
                raise MergeError(f"{fail}add operation does not apply: index out of bounds: {pointer}")
            parent.insert(index, copy.deepcopy(op.get("value")))
        elif index >= len(parent):
            raise MergeError(f"{fail}{name} operation does not apply: doc is missing key: {pointer}")
        elif name == "remove":
            del parent[index]
        elif name == "replace":
            parent[index] = copy.deepcopy(op.get("value"))
        else:
            raise MergeError(f"{fail}unexpected kind of operation {name!r}")
        return doc
    if not isinstance(parent, dict):
        raise MergeError(f"{fail}{name} operation does not apply: doc is missing path: {pointer}")
    if name == "add":
        parent[last] = copy.deepcopy(op.get("value"))
    elif name in ("remove", "replace"):
        if last not in parent:
            raise MergeError(f"{fail}{name} operation does not apply: doc is missing key: {pointer}: missing value")
        if name == "remove":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(op.get("value"))
    else:
        raise MergeError(f"{fail}unexpected kind of operation {name!r}")
    return doc


def _index(text: str, fail: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise MergeError(f"{fail}invalid array index {text!r}") from None


def apply_json_patch(docs: Sequence[Any], patch: JsonPatch) -> list[Any]:
    if len(docs) != 1:
        raise MergeError("JSON6902 patches are not supported for multi-document machine configuration",
                         "use a strategic-merge patch (YAML mappings, with `$patch: delete` to remove items)")
    doc = json.loads(json.dumps(docs[0]))  # as talosctl does: YAML -> JSON, then the operations
    for op in patch.ops:
        doc = _json_op(doc, op)
    return [doc]


# --- putting it together ------------------------------------------------------------------------------

def apply_strategic(docs: Sequence[Any], patch: StrategicPatch, version: tuple[int, int]) -> list[Any]:
    left = [copy.deepcopy(d) for d in docs]
    for item in patch.items:
        if isinstance(item, DeleteSelector):
            target = next((d for d in left if isinstance(d, dict) and doc_id(d) == item.doc_id), None)
            if target is None:
                raise MergeError(f"talosctl crashes deleting document {item.doc_id}: the config does not have it "
                                 "(panic: reflect.Value.Interface)",
                                 "delete only documents the node's config has")
            if _apply_delete(target, item, version):
                left.remove(target)
            continue
        ident = doc_id(item)
        target = next((d for d in left if isinstance(d, dict) and doc_id(d) == ident), None)
        if target is None:
            left.append(_copy_in(item, str(item.get("kind") or LEGACY), ()))
        else:
            _merge_map(target, item, str(item.get("kind") or LEGACY), ())
    check_conflicts(left)
    # talosctl writes the v1alpha1 document first, whatever the order of the others.
    return sorted(left, key=lambda d: 0 if isinstance(d, dict) and not d.get("kind") else 1)


def check_conflicts(docs: Sequence[Any]) -> None:
    """Two link documents (bond, VLAN, link...) of one name are refused when the config is built."""
    seen: dict[str, str] = {}
    for doc in docs:
        if isinstance(doc, dict) and doc.get("kind") in LINK_KINDS:
            label = f"{doc['kind']}/{doc.get('name', '')}"
            name = str(doc.get("name", ""))
            if name in seen:
                raise MergeError(f"conflicting documents: {seen[name]} and {label}",
                                 "one link name may be configured by one document only")
            seen[name] = label


def combine(patches: Sequence[Patch]) -> list[Patch]:
    """talosctl joins RFC 6902 patches that follow each other into one."""
    out: list[Patch] = []
    for patch in patches:
        if isinstance(patch, JsonPatch) and out and isinstance(out[-1], JsonPatch):
            out[-1] = JsonPatch(out[-1].ops + patch.ops)
        else:
            out.append(patch)
    return out


def apply_patches(docs: Sequence[Any], patches: Sequence[Patch], version: tuple[int, int]) -> list[Any]:
    """The config talosctl writes for `machineconfig patch` with these patches, in order."""
    current = [copy.deepcopy(d) for d in docs]
    for patch in combine(patches):
        if isinstance(patch, JsonPatch):
            current = apply_json_patch(current, patch)
        else:
            current = apply_strategic(current, patch, version)
    return current


def patch_text(config: str, patches: Sequence[str], version: tuple[int, int], filename: str = "config") -> list[Any]:
    """`patch_config` from texts: the config and each patch file's text."""
    docs = load_docs(config, filename)
    return apply_patches(docs, [load_patch(p, f"patch {i + 1}") for i, p in enumerate(patches)], version)


def iter_documents(docs: Sequence[Any]) -> Iterator[Doc]:
    yield from (d for d in docs if isinstance(d, dict))


__all__ = ["DeleteSelector", "JsonPatch", "MergeError", "StrategicPatch", "apply_patches", "doc_id", "load_patch",
           "patch_text"]
