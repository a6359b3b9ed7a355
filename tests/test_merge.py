"""The merge model on the repo's own data: what a bond patch does to a node's config under talosctl."""

from __future__ import annotations

import pytest

from talosbond.merge import MergeError, patch_text

BASE = """version: v1alpha1
machine:
    type: worker
    network:
        interfaces:
            - interface: bond0
              bond:
                mode: active-backup
                miimon: 100
                deviceSelectors:
                    - hardwareAddr: "10:e7:c6:16:*"
              vlans:
                - vlanId: 87
                  addresses:
                    - 10.13.87.19/24
"""
HOSTNAME = "---\napiVersion: v1alpha1\nkind: HostnameConfig\nauto: stable\n"
BOND = """machine:
  network:
    interfaces:
      - interface: bond0
        bond:
          deviceSelectors:
            - permanentAddr: "10:e7:c6:16:5a:3c"
              driver: e1000e
        vlans:
          - vlanId: 87
            addresses: [10.13.87.19/24]
"""
DELETE_READD = """machine:
  network:
    interfaces:
      - interface: bond0
        $patch: delete
""" + BOND.split("interfaces:\n", 1)[1]


def _bond(docs: list[object]) -> dict[str, object]:
    config = docs[0]
    assert isinstance(config, dict)
    (bond,) = [i for i in config["machine"]["network"]["interfaces"] if i.get("interface") == "bond0"]
    return bond  # type: ignore[no-any-return]


def test_a_plain_patch_appends_selectors_and_vlan_addresses() -> None:
    bond = _bond(patch_text(BASE, [BOND], (1, 11)))
    assert len(bond["bond"]["deviceSelectors"]) == 2  # type: ignore[index]
    vlans: list[dict[str, object]] = bond["vlans"]  # type: ignore[assignment]
    assert len(vlans) == 1
    assert vlans[0]["addresses"] == ["10.13.87.19/24", "10.13.87.19/24"]  # merged by vlanId, addresses doubled
    assert bond["bond"]["miimon"] == 100  # type: ignore[index]


def test_delete_and_readd_in_one_patch_replaces_the_bond() -> None:
    bond = _bond(patch_text(BASE, [DELETE_READD], (1, 11)))
    assert bond["bond"] == {"deviceSelectors": [{"permanentAddr": "10:e7:c6:16:5a:3c", "driver": "e1000e"}]}
    assert bond["vlans"] == [{"vlanId": 87, "addresses": ["10.13.87.19/24"]}]


def test_deleting_what_is_not_there_is_refused() -> None:
    fresh = "version: v1alpha1\nmachine:\n    type: worker\n    network: {}\n"
    with pytest.raises(MergeError, match="lookup failed"):
        patch_text(fresh, [DELETE_READD], (1, 11))
    with pytest.raises(MergeError, match="crashes"):
        patch_text(fresh, ["apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\n$patch: delete\n"], (1, 13))


def test_nothing_inside_a_list_item_can_be_deleted() -> None:
    inner = "machine:\n  network:\n    interfaces:\n      - interface: bond0\n        bond:\n" \
            "          deviceSelectors:\n            $patch: delete\n"
    with pytest.raises(MergeError, match="cannot delete an inner key"):
        patch_text(BASE, [inner], (1, 13))


def test_json_patches_are_refused_on_multi_document_configs() -> None:
    ops = '[{"op": "replace", "path": "/machine/network/interfaces/0/bond/mode", "value": "802.3ad"}]'
    assert _bond(patch_text(BASE, [ops], (1, 11)))["bond"]["mode"] == "802.3ad"  # type: ignore[index]
    with pytest.raises(MergeError, match="not supported for multi-document"):
        patch_text(BASE + HOSTNAME, [ops], (1, 13))


def test_an_address_item_of_a_bondconfig_can_be_deleted_from_1_13_only() -> None:
    base = BASE + HOSTNAME + "---\napiVersion: v1alpha1\nkind: BondConfig\nname: bond1\nlinks: [a, b]\n" \
        "bondMode: active-backup\naddresses:\n  - address: 10.0.0.2/24\n"
    patch = "apiVersion: v1alpha1\nkind: BondConfig\nname: bond1\naddresses:\n  - address: 10.0.0.2/24\n" \
        "    $patch: delete\n"
    docs = patch_text(base, [patch], (1, 13))
    assert "addresses" not in docs[-1] or not docs[-1]["addresses"]
    with pytest.raises(MergeError, match="lookup failed"):
        patch_text(base, [patch], (1, 12))


def test_a_vlan_document_named_like_the_bond_conflicts() -> None:
    base = "version: v1alpha1\nmachine: {type: worker}\n---\napiVersion: v1alpha1\nkind: BondConfig\nname: bond0\n" \
        "links: [a]\nbondMode: active-backup\n"
    with pytest.raises(MergeError, match="conflicting documents: BondConfig/bond0 and VLANConfig/bond0"):
        patch_text(base, ["apiVersion: v1alpha1\nkind: VLANConfig\nname: bond0\nvlanID: 5\nparent: x\n"], (1, 13))


def test_bondconfig_miimon_zero_overrides_but_legacy_miimon_zero_does_not() -> None:
    legacy = "machine:\n  network:\n    interfaces:\n      - interface: bond0\n        bond: {miimon: 0}\n"
    assert _bond(patch_text(BASE, [legacy], (1, 11)))["bond"]["miimon"] == 100  # type: ignore[index]
    base = "version: v1alpha1\nmachine: {type: worker}\n---\napiVersion: v1alpha1\nkind: BondConfig\nname: bond0\n" \
        "links: [a]\nbondMode: active-backup\nmiimon: 100\n"
    docs = patch_text(base, ["apiVersion: v1alpha1\nkind: BondConfig\nname: bond0\nmiimon: 0\n"], (1, 13))
    assert docs[1]["miimon"] == 0
